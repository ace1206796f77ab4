package slogrotate

// What the processes of a log must agree on, recorded in the shared state
// so that a process whose options differ is found out rather than trusted:
// the agreement, its encoding in the state, the comparison and its error.

import (
	"errors"
	"fmt"
	"hash/fnv"
	"net/url"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf8"
)

// ErrOptionsDiffer reports that another process writing the same log was
// opened with other options among those every process must give alike:
// the schedule, the location, the archive layout, the archive directory,
// WithKeepExtension and the compressor. Those decide where the periods
// end and how archives are named, placed and compressed. The error names
// each option that differs with this process's value and the other's.
//
// It is passed to the error handler (see [WithErrorHandler]) once for each
// set of other options a writer finds recorded in the lock file: at Open,
// and by a writer that was already running at its next look at the lock
// file (its next reopen check or rollover). The options recorded are those
// of the process that last rotated the log, which may have exited since:
// the first process opened after a change of options reports the old ones
// once. The writers go on, each rotating by its own options; [Open] says
// what that means for the records while the processes disagree.
var ErrOptionsDiffer = errors.New("slogrotate: the processes writing one log use different options")

// agreedOptions are the options recorded in the shared state, in the order
// they are recorded: key is their name in the state, option in messages.
var agreedOptions = [...]struct {
	key, option string
	quote       bool // the value is shown quoted
}{
	{"schedule", "WithSchedule", false},
	{"zone", "WithLocation", false},
	{"layout", "WithArchiveLayout", true},
	{"dir", "WithArchiveDir", true},
	{"keepext", "WithKeepExtension", false},
	{"compress", "WithCompressor", false},
}

// An agreement holds the canonical text of each of agreedOptions, as one
// process has them. The zero agreement is unknown: a state written by a
// version that records none.
type agreement [len(agreedOptions)]string

// maxAgreedText bounds each recorded text, which keeps the state within
// stateMax whatever the options: a longer one is shortened (see shorten).
const maxAgreedText = 64

// agreement is what c, for the log at path, must agree on with the other
// processes of the log.
func (c *config) agreement(path string) agreement {
	dir := "." // beside the log
	if c.archiveDir != "" {
		dir = relativeDir(filepath.Dir(path), c.archiveDir)
	}
	keep, comp := "off", "none"
	if c.keepExt {
		keep = "on"
	}
	if c.compress {
		comp = c.compressor.Extension()
	}
	return agreement{
		shorten(c.schedule.String()), shorten(zoneText(c.loc)), shorten(c.layout),
		shorten(dir), keep, shorten(comp),
	}
}

// relativeDir is dir relative to the log's directory, so that processes
// that name one archive directory differently (absolute, relative, from
// another working directory) record the same text.
func relativeDir(logDir, dir string) string {
	from, err1 := filepath.Abs(logDir)
	to, err2 := filepath.Abs(dir)
	if err1 != nil || err2 != nil {
		return dir
	}
	if rel, err := filepath.Rel(from, to); err == nil {
		return rel
	}
	return to
}

// zoneText names loc with its offsets in January and July: the name
// alone does not tell two fixed zones of one name apart, nor the Local
// zones of processes started with different TZ settings.
func zoneText(loc *time.Location) string {
	var offs []string
	for _, m := range []time.Month{time.January, time.July} {
		name, off := time.Date(2021, m, 1, 12, 0, 0, 0, time.UTC).In(loc).Zone()
		sign := '+'
		if off < 0 {
			sign, off = '-', -off
		}
		s := fmt.Sprintf("%s%c%02d:%02d", name, sign, off/3600, off%3600/60)
		if len(offs) == 0 || offs[0] != s {
			offs = append(offs, s)
		}
	}
	return fmt.Sprintf("%s (%s)", loc, strings.Join(offs, ", "))
}

// shorten returns s if it fits maxAgreedText, and otherwise its beginning
// and a hash of the whole, which still tells different texts apart and
// shows a reader which option it is.
func shorten(s string) string {
	if len(s) <= maxAgreedText {
		return s
	}
	h := fnv.New64a()
	h.Write([]byte(s))
	cut := 40
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return fmt.Sprintf("%s…%016x", s[:cut], h.Sum64())
}

func (a agreement) known() bool { return a[0] != "" }

// encode renders a as the fields of a state line: key=value, each value
// escaped so that it holds no space.
func (a agreement) encode() string {
	fields := make([]string, len(a))
	for i, v := range a {
		fields[i] = agreedOptions[i].key + "=" + url.QueryEscape(v)
	}
	return strings.Join(fields, " ")
}

// parseAgreement parses what encode wrote. The caller checks that the
// whole state encodes back to its text, so that only one text stands for
// an agreement.
func parseAgreement(fields []string) (agreement, bool) {
	var a agreement
	if len(fields) != len(a) {
		return agreement{}, false
	}
	for i, f := range fields {
		k, v, ok := strings.Cut(f, "=")
		if !ok || k != agreedOptions[i].key {
			return agreement{}, false
		}
		text, err := url.QueryUnescape(v)
		if err != nil || text == "" || len(text) > maxAgreedText || !utf8.ValidString(text) {
			return agreement{}, false
		}
		a[i] = text
	}
	return a, true
}

// optionsDifferError is an ErrOptionsDiffer: the log, the lock file that
// recorded the other options, and for each option that differs its name,
// this process's value and the recorded one.
type optionsDifferError struct {
	path, lockPath string
	diffs          [][3]string
}

func differ(path, lockPath string, here, there agreement) *optionsDifferError {
	e := &optionsDifferError{path: path, lockPath: lockPath}
	for i, o := range agreedOptions {
		if here[i] != there[i] {
			h, t := here[i], there[i]
			if o.quote {
				h, t = fmt.Sprintf("%q", h), fmt.Sprintf("%q", t)
			}
			e.diffs = append(e.diffs, [3]string{o.option, h, t})
		}
	}
	return e
}

func (e *optionsDifferError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "slogrotate: %s is written by processes with different options (%s records those of the last one to rotate it)", e.path, e.lockPath)
	for i, d := range e.diffs {
		sep := "; "
		if i == 0 {
			sep = ": "
		}
		fmt.Fprintf(&b, "%s%s %s here, %s there", sep, d[0], d[1], d[2])
	}
	return b.String()
}

func (e *optionsDifferError) Is(target error) bool { return target == ErrOptionsDiffer }

// agreementWatch is what a Writer knows of the agreement: its own, worked
// out at its first use, and the other agreements it has reported.
type agreementWatch struct {
	own      agreement
	reported map[agreement]bool
}

// maxReported bounds the agreements a Writer remembers having reported;
// past it, it forgets them and may report one again.
const maxReported = 16

// ownAgreement is this writer's agreement. It must be called with w.mu
// held (or before Open returns).
func (w *Writer) ownAgreement() agreement {
	if !w.agreed.own.known() {
		w.agreed.own = w.cfg.agreement(w.path)
	}
	return w.agreed.own
}

// notice compares the options recorded in s with this writer's, and
// reports other ones to the error handler, once for each set of other
// options. A state that records none (an older version's) is not
// compared. It must be called with w.mu held (or before Open returns).
func (w *Writer) notice(s sharedState) {
	own := w.ownAgreement()
	if !s.agreed.known() || s.agreed == own || w.agreed.reported[s.agreed] {
		return
	}
	if len(w.agreed.reported) >= maxReported || w.agreed.reported == nil {
		w.agreed.reported = map[agreement]bool{}
	}
	w.agreed.reported[s.agreed] = true
	w.cfg.onError(differ(w.path, w.cfg.lockPath, own, s.agreed))
}

// lookAtOptions reads the shared state without the lock and notices the
// options it records. It runs at each reopen check, so that a writer
// learns of a process with other options within one interval of that
// process's Open, even if no rollover is due for hours. A state that
// cannot be read is left to the next rollover, which reports it.
func (w *Writer) lookAtOptions() {
	s, ok, err := w.lock.readState()
	if err == nil && ok {
		w.notice(s)
	}
}
