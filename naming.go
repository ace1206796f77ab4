package slogrotate

import (
	"compress/gzip"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// naming.go holds the names of archives and lock files: making them,
// parsing them back strictly, and the checks at Open that no two kinds of
// name can be taken for each other.

// An archiveName is a file name this writer's naming produces:
// base.<period>[.<index>][.gz], or with WithKeepExtension
// stem.<period>[.<index>].ext[.gz].
type archiveName struct {
	name       string
	period     time.Time
	end        time.Time // the period's end, which MaxAge counts from
	index      int
	compressed bool
}

// nameParts splits the log's base name into the part before the period in
// an archive's name and the part after it: ("error.log", "") by default,
// ("app", ".log") with WithKeepExtension. A name without an extension, or
// whose only dot leads it, keeps the default form.
func (c *config) nameParts(base string) (stem, ext string) {
	if !c.keepExt {
		return base, ""
	}
	ext = filepath.Ext(base)
	if stem = strings.TrimSuffix(base, ext); stem == "" {
		return base, ""
	}
	return stem, ext
}

// lockPaths are the default paths of the rollover and maintenance lock
// files of the log at path: hidden files beside it, named after it with
// ".lock-" (".maint-lock-") in place of its extension's dot: error.log's
// are .error.lock-log and .error.maint-lock-log, error's .error.lock and
// .error.maint-lock. No glob that picks a log and its archives (error.log*,
// *.log, *.log.*, *.log*) picks them up; each name says which log it is
// for, so two logs of one directory get two, and a lock file's name never
// is another's.
func lockPaths(path string) (lock, maint string) {
	dir, base := filepath.Split(path)
	stem, ext := base, ""
	if e := filepath.Ext(base); e != "" && e != base {
		stem, ext = strings.TrimSuffix(base, e), "-"+e[1:]
	}
	return dir + "." + stem + ".lock" + ext, dir + "." + stem + ".maint-lock" + ext
}

// maintLockPath is the maintenance lock file's path for a lock file set
// with WithLockFile: its path with ".maint.lock" for ".lock".
func maintLockPath(lockPath string) string {
	return strings.TrimSuffix(lockPath, ".lock") + ".maint.lock"
}

// archiveDirOf is the directory the archives of the log at path go to.
func (c *config) archiveDirOf(path string) string {
	if c.archiveDir != "" {
		return c.archiveDir
	}
	return filepath.Dir(path)
}

// archiveFile is the path of the index-th archive of period: beside path
// (written as path is), or in the archive directory.
func (c *config) archiveFile(path string, period time.Time, index int) string {
	base := filepath.Base(path)
	stem, ext := c.nameParts(base)
	name := stem + "." + period.In(c.loc).Format(c.layout)
	if index > 0 {
		name += "." + strconv.Itoa(index)
	}
	if c.archiveDir == "" {
		return strings.TrimSuffix(path, base) + name + ext
	}
	return filepath.Join(c.archiveDir, name+ext)
}

// parseArchive reports whether name (a base name, without directory) is
// one that archiveFile could have produced for the log named base,
// perhaps compressed. It is strict, because retention deletes what it
// accepts: a name is ours only if our naming produces exactly it. The
// period must format back to exactly the text in the name and be a period
// start of the schedule, and the index must be written without sign or
// leading zeros.
func (c *config) parseArchive(base, name string) (archiveName, bool) {
	stem, ext := c.nameParts(base)
	a := archiveName{name: name}
	rest := name
	for _, z := range c.compressedExts() {
		if r, ok := strings.CutSuffix(rest, z); ok {
			rest, a.compressed = r, true
			break
		}
	}
	rest, ok := strings.CutSuffix(rest, ext)
	if !ok {
		return archiveName{}, false
	}
	if rest, ok = strings.CutPrefix(rest, stem+"."); !ok {
		return archiveName{}, false
	}
	// The layout may itself end in dot and digits: the whole text as a
	// period first, then a period and an index.
	p, ok := c.parsePeriod(rest)
	if !ok {
		var text string
		if text, a.index, ok = cutIndex(rest); ok {
			p, ok = c.parsePeriod(text)
		}
	}
	if !ok {
		return archiveName{}, false
	}
	a.period, a.end = p, c.schedule.next(p, c.loc)
	return a, true
}

// plainName is the name of the archive a before compression.
func (c *config) plainName(a archiveName) string {
	if a.compressed {
		for _, z := range c.compressedExts() {
			if plain, ok := strings.CutSuffix(a.name, z); ok {
				return plain
			}
		}
	}
	return a.name
}

// cutIndex splits "<period>.<index>", where index is a positive number
// written without sign or leading zeros.
func cutIndex(s string) (text string, index int, ok bool) {
	i := strings.LastIndexByte(s, '.')
	if i < 0 {
		return "", 0, false
	}
	digits := s[i+1:]
	n, err := strconv.Atoi(digits)
	if err != nil || n < 1 || strconv.Itoa(n) != digits {
		return "", 0, false
	}
	return s[:i], n, true
}

func (c *config) parsePeriod(s string) (time.Time, bool) {
	return periodNamed(c.schedule, c.layout, c.loc, s)
}

// periodNamed returns the period whose archive suffix is exactly text.
func periodNamed(s Schedule, layout string, loc *time.Location, text string) (time.Time, bool) {
	t, err := time.ParseInLocation(layout, text, loc)
	if err == nil && t.Format(layout) != text {
		// A wall time in a daylight-saving gap may have been put before
		// the gap; the boundary there is the gap's end (see wallTime).
		var u time.Time
		u, err = time.Parse(layout, text)
		y, mo, d := u.Date()
		h, m, sec := u.Clock()
		t = wallTime(y, mo, d, h, m, sec, loc).Add(time.Duration(u.Nanosecond()))
	}
	if err != nil || t.Format(layout) != text {
		return time.Time{}, false
	}
	// The layout may carry less than the instant (a date, for a daily
	// schedule at 06:30): the period is the one whose start formats to the
	// text, which starts at or just after the parsed instant.
	for p, i := s.start(t, loc), 0; i < 2; p, i = s.next(p, loc), i+1 {
		if p.Format(layout) == text {
			return p, true
		}
	}
	return time.Time{}, false
}

// checkedLayouts remembers the layouts checkLayout accepted, by layout and
// schedule, so that a process opening many writers checks each once.
var checkedLayouts sync.Map // layoutKey -> struct{}

type layoutKey struct {
	layout   string
	schedule Schedule
}

// validLayout is checkLayout for Open, where it would otherwise be most of
// the cost: a schedule's default layout is valid by construction (as
// TestDefaultLayoutsAreValid checks), and another layout is checked once per
// process.
func validLayout(layout string, s Schedule) error {
	if layout == s.Layout() {
		return nil
	}
	key := layoutKey{layout, s}
	if _, ok := checkedLayouts.Load(key); ok {
		return nil
	}
	if err := checkLayout(layout, s); err != nil {
		return err
	}
	checkedLayouts.Store(key, struct{}{})
	return nil
}

// checkLayout rejects layouts that cannot name periods uniquely: each of a
// run of consecutive periods must format to a name that parses back to
// exactly that period. UTC is used so that daylight saving, which makes even
// a good hourly layout repeat once a year, does not count against it; the
// writer's next-free-name rule covers that hour.
func checkLayout(layout string, s Schedule) error {
	if strings.ContainsAny(layout, `/\`) || strings.ContainsRune(layout, 0) {
		return fmt.Errorf("slogrotate: WithArchiveLayout(%q): the layout contains a path separator", layout)
	}
	b := s.start(time.Date(2021, 1, 4, 0, 0, 0, 0, time.UTC), time.UTC)
	seen := make(map[string]time.Time, 400)
	for range 400 {
		name := b.Format(layout)
		if prev, dup := seen[name]; dup {
			return fmt.Errorf("slogrotate: WithArchiveLayout(%q): the layout gives the periods starting %v and %v the same name %q; add finer fields to it",
				layout, prev.Format(time.DateTime), b.Format(time.DateTime), name)
		}
		seen[name] = b
		if back, ok := periodNamed(s, layout, time.UTC, name); !ok || !back.Equal(b) {
			return fmt.Errorf("slogrotate: WithArchiveLayout(%q): the layout cannot be parsed back to the period it names (%q)", layout, name)
		}
		b = s.next(b, time.UTC)
	}
	// A run of consecutive periods does not show that a field which
	// changes slowly is missing (the month, in an hourly layout): periods
	// spread over the years must parse back to themselves too. (Up to
	// 2068: Go reads a two-digit year as 1969 to 2068.)
	for y := 2000; y <= 2068; y += 4 {
		for m := 1; m <= 12; m++ {
			b := s.start(time.Date(y+m%4, time.Month(m), 1+(y+7*m)%28, (y+5*m)%24, (y+11*m)%60, (y+13*m)%60, 0, time.UTC), time.UTC)
			name := b.Format(layout)
			if back, ok := periodNamed(s, layout, time.UTC, name); !ok || !back.Equal(b) {
				return fmt.Errorf("slogrotate: WithArchiveLayout(%q): the layout cannot be parsed back to the period it names (%q, for the period starting %v); add the fields it leaves out",
					layout, name, b.Format(time.DateTime))
			}
		}
	}
	return nil
}

// defaultExts are the compressed extensions when check has not run.
var defaultExts = []string{".gz"}

// compressedExts are the extensions of the compressed archives the writer
// recognises: its compressor's first, then ".gz" (the default), so that
// archives gzipped before a switch to another compressor are still its
// own, for retention and for the choice of a free archive name.
func (c *config) compressedExts() []string {
	if c.exts == nil {
		return defaultExts
	}
	return c.exts
}

// compressedExists reports whether the archive name (a path) is there
// compressed, with any extension the writer recognises.
func (c *config) compressedExists(name string) bool {
	_, ok := c.compressedOf(name)
	return ok
}

// compressedOf returns what is known of the compressed form of the
// archive name, under any known extension, if there is one.
func (c *config) compressedOf(name string) (fs.FileInfo, bool) {
	for _, ext := range c.compressedExts() {
		if fi, err := os.Lstat(name + ext); err == nil {
			return fi, true
		}
	}
	return nil, false
}

// setExtensions fixes compressedExts and checks that the layout and the
// extensions leave no archive name of the log named base ambiguous (see
// checkNames). The check is skipped where it passes by construction (see
// defaultNaming) and otherwise made once per process for each naming.
func (c *config) setExtensions(base string) error {
	c.fixExts()
	if c.defaultNaming() {
		return nil
	}
	key := namingKey{layout: c.layout, schedule: c.schedule, loc: c.loc, keepExt: c.keepExt, base: base, ext: c.exts[0]}
	if _, ok := checkedNames.Load(key); ok {
		return nil
	}
	if err := c.checkNames(base); err != nil {
		return err
	}
	checkedNames.Store(key, struct{}{})
	return nil
}

// fixExts sets compressedExts from the compressor.
func (c *config) fixExts() {
	c.exts = defaultExts
	if c.compress {
		if c.compressor == nil {
			c.compressor = GzipCompressor(gzip.DefaultCompression)
		}
		if ext := c.compressor.Extension(); ext != ".gz" {
			c.exts = []string{ext, ".gz"}
		}
	}
}

// checkedNames remembers the namings checkNames accepted, so that a
// process opening many writers checks each once.
var checkedNames sync.Map // namingKey -> struct{}

// namingKey is everything checkNames depends on.
type namingKey struct {
	layout   string
	schedule Schedule
	loc      *time.Location
	keepExt  bool
	base     string
	ext      string // the compressed extension tried first
}

// defaultNaming reports whether the naming is one whose names are
// unambiguous by construction: the schedule's default layout (digits and
// dashes, and a T, that never end in a dot and digits nor hold ".gz" or
// ".tmp"), after the whole base name (so the base cannot change how the
// rest reads), and only ".gz" for compressed archives.
// TestDefaultNamingsPassCheckNames runs checkNames on every one of them,
// in several locations, with bases that look like archives.
func (c *config) defaultNaming() bool {
	return c.layout == c.schedule.Layout() && !c.keepExt && len(c.exts) == 1 && c.exts[0] == ".gz"
}

// checkNames checks, on a sample of archive names, that a plain archive
// cannot read as a compressed one nor the other way round, and that a
// temporary file cannot read as an archive. Retention deletes what
// parses, and compression skips what looks compressed.
func (c *config) checkNames(base string) error {
	p := c.schedule.start(time.Date(2021, 10, 18, 12, 0, 0, 0, c.loc), c.loc)
	for _, ext := range c.exts {
		for index := range 2 {
			plain := filepath.Base(c.archiveFile(base, p, index))
			a, ok := c.parseArchive(base, plain)
			z, zok := c.parseArchive(base, plain+ext)
			_, tok := c.parseArchive(base, plain+ext+".tmp")
			if ok && zok && !tok && !a.compressed && z.compressed && a.index == index && z.index == index &&
				a.period.Equal(p) && z.period.Equal(p) && !strings.HasSuffix(plain, tmpSuffix) {
				continue
			}
			if c.keepExt {
				return fmt.Errorf("slogrotate: WithKeepExtension: the extension of %s makes the names of its archives ambiguous (%q, %q)", base, plain, plain+ext)
			}
			if ext == ".gz" {
				return fmt.Errorf("slogrotate: WithArchiveLayout(%q): the layout makes the names of plain and gzipped archives ambiguous (%q)", c.layout, plain+ext)
			}
			return fmt.Errorf("slogrotate: WithCompressor(%s): the extension %q makes the names of plain and compressed archives ambiguous under the archive layout %q (%q)",
				compressorName(c.compressor), ext, c.layout, plain+ext)
		}
	}
	return nil
}
