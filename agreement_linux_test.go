package slogrotate

// Processes of one log whose options differ, run as real processes (the
// fault children of helpers_linux_test.go, which report each error they
// are handed).

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/slogrotate/slogrotate/internal/logcheck"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// differText is in every ErrOptionsDiffer's message.
const differText = "is written by processes with different options"

// TestOptionsDifferTwoServices: two services, two processes each, share a
// log with different schedules. The first process of B reports
// ErrOptionsDiffer at Open, A's processes within one reopen check (A's
// schedule is long enough that no rollover tells them first); no process
// reports it more than once. Nothing is lost or duplicated, and every
// record is in a file named for a period, of one of the two schedules,
// that contains it. (That holds for these schedules, and for those of the
// rolling restart below, because no process ever holds a period that a
// boundary of the other schedule cuts short; in general a record may be
// in an archive named for another period, as Open says.)
func TestOptionsDifferTwoServices(t *testing.T) {
	if testing.Short() {
		t.Skip("forks processes for about ten seconds")
	}
	dir := tempDir(t)
	path := filepath.Join(dir, "error.log")
	const reopen = 250 * time.Millisecond
	optsA := "every=3s,reopen=250ms,locktimeout=3s"
	optsB := "every=2s,reopen=250ms,locktimeout=3s"
	start := time.Now()
	until := start.Add(9 * time.Second)
	conf := func(opts string) faultConf { return faultConf{opts: opts, gap: 2 * time.Millisecond, until: until} }
	a1, a2 := startFault(t, path, 1, conf(optsA)), startFault(t, path, 2, conf(optsA))
	waitUntil(t, 10*time.Second, "A records its options", func() bool { return recordedOptions(path).known() })

	// B opens 300ms after one of A's boundaries: A's next rollover is far
	// off, and only its reopen check can tell it.
	next := Every(3*time.Second).start(time.Now(), time.UTC).Add(3*time.Second + 300*time.Millisecond)
	time.Sleep(time.Until(next))
	b1 := startFault(t, path, 3, conf(optsB))
	b1.waitErrs(t, 10*time.Second, differText, "WithSchedule every 2s here, every 3s there")
	seen := time.Now()
	for _, a := range []*faultProc{a1, a2} {
		if !a.waitFor(reopen+750*time.Millisecond, func(p *faultProc) bool { return len(p.errs) > 0 }) {
			t.Fatalf("process %d did not report the other options within one reopen check (%v, and 750ms to spare) of %v",
				a.id, reopen, seen.Format(time.StampMilli))
		}
		assert.Equal(t, 1, a.errCount("WithSchedule every 3s here, every 2s there"), "process %d", a.id)
	}
	b2 := startFault(t, path, 4, conf(optsB)) // learns of A when A next rotates

	procs := []*faultProc{a1, a2, b1, b2}
	for _, p := range procs {
		p.finish(t, 30*time.Second)
		// b2 may not see A's options before it exits (if B always
		// rotates first at the boundaries the two schedules share).
		reports := p.errCount(differText)
		if p != b2 || reports > 0 {
			assert.Equal(t, 1, reports, "process %d reports once: %q", p.id, p.errs)
		}
		assert.Len(t, p.errs, reports, "process %d: %q", p.id, p.errs)
	}
	checkDisagreedLog(t, path, procs, Every(3*time.Second), Every(2*time.Second))
}

// TestOptionsDifferRollingRestart: the processes of a service are
// replaced one by one with processes of a new schedule (Every(1s) to
// Every(2s)), old and new overlapping for several periods; the new ones
// write on for four seconds past the first new boundary after the old
// ones have exited. Nothing is
// lost or duplicated, each side reports the other once, and from the
// first new boundary after the last old process exits the files split on
// the new boundaries only, with no step in between.
func TestOptionsDifferRollingRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("forks processes for about thirteen seconds")
	}
	dir := tempDir(t)
	path := filepath.Join(dir, "error.log")
	oldOpts, newOpts := "every=1s,reopen=250ms,locktimeout=3s", "every=2s,reopen=250ms,locktimeout=3s"
	newSched := Every(2 * time.Second)
	start := time.Now()
	at := func(ms int) time.Time { return start.Add(time.Duration(ms) * time.Millisecond) }
	run := func(id int, opts string, until time.Time) *faultProc {
		return startFault(t, path, id, faultConf{opts: opts, gap: 2 * time.Millisecond, until: until})
	}
	o1, o2 := run(1, oldOpts, at(5500)), run(2, oldOpts, at(7300))
	time.Sleep(time.Until(at(1500)))
	n1 := run(3, newOpts, time.Time{}) // until SIGTERM
	time.Sleep(time.Until(at(3000)))
	n2 := run(4, newOpts, time.Time{})
	o1.finish(t, 30*time.Second)
	o2.finish(t, 30*time.Second)
	gone := time.Now()
	from := newSched.start(gone, time.UTC).Add(2 * time.Second)
	time.Sleep(time.Until(from.Add(4 * time.Second)))
	procs := []*faultProc{o1, o2, n1, n2}
	for _, p := range procs[2:] {
		p.cmd.Process.Signal(syscall.SIGTERM)
		p.finish(t, 30*time.Second)
	}
	for _, p := range procs {
		assert.Equal(t, 1, p.errCount(differText), "process %d reports the other options once: %q", p.id, p.errs)
		assert.Len(t, p.errs, 1, "process %d: %q", p.id, p.errs)
	}
	rep := checkDisagreedLog(t, path, procs, Every(time.Second), newSched)

	// From the first new boundary after the old processes are gone, every
	// record is in the file of its new period, and the state records the
	// new options.
	layout := newSched.Layout()
	checked := 0
	for name, f := range rep.ByFile {
		for i, r := range f.Records {
			if r.WT.Before(from) {
				continue
			}
			checked++
			p := newSched.start(r.WT, time.UTC)
			want := "error.log." + p.Format(layout)
			if name == "error.log" {
				// The live file: the period of its last record.
				want = "error.log"
				p = newSched.start(f.Records[len(f.Records)-1].WT, time.UTC)
			}
			if name != want || !newSched.start(r.WT, time.UTC).Equal(p) {
				t.Errorf("%s: record %v written at %v, after the old processes left, belongs to the period %v",
					f.Places[i], r.Key(), r.WT.Format(time.StampMilli), newSched.start(r.WT, time.UTC).Format(time.StampMilli))
			}
		}
	}
	assert.Greater(t, checked, 500, "records written once only the new options ruled")
	assert.Equal(t, testConfig(t, childOptions(newOpts)...).agreement(path), recordedOptions(path))
}

// recordedOptions is the agreement the lock file of the log at path
// records, unknown if it cannot be read.
func recordedOptions(path string) agreement {
	b, err := os.ReadFile(lockPathOf(path))
	if err != nil || len(b) <= stateOffset {
		return agreement{}
	}
	s, err := parseState(b[stateOffset:])
	if err != nil {
		return agreement{}
	}
	return s.agreed
}

// checkDisagreedLog checks the log written by procs, whose schedules were
// scheds (all named with the same default layout): every record each
// process wrote is there exactly once and whole, none was reported lost,
// and each archive holds only records of a period its name stands for
// under one of scheds.
func checkDisagreedLog(t *testing.T, path string, procs []*faultProc, scheds ...Schedule) *logcheck.Report {
	t.Helper()
	rep, err := logcheck.ScanLog(path)
	require.NoError(t, err)
	for _, p := range procs {
		assert.Empty(t, p.lost, "process %d lost records", p.id)
		rep.Account(p.id, p.n, p.lost)
	}
	t.Log(rep)
	assert.Zero(t, rep.Lost+rep.Duplicated+rep.Torn+rep.Blank+rep.TempFiles, rep.Problems)
	base, layout := filepath.Base(path), scheds[0].Layout()
	for name, f := range rep.ByFile {
		suffix, ok := logcheck.ArchivePeriod(base)(name)
		if name == base || !ok {
			continue
		}
		p, err := time.ParseInLocation(layout, suffix, time.UTC)
		require.NoError(t, err, "archive %s", name)
		assert.NotZero(t, f.Size, "empty archive %s", name)
		for i, r := range f.Records {
			if !inPeriodOfOne(r.WT, p, scheds) {
				t.Errorf("%s: record %v written at %v is in no period named %s", f.Places[i], r.Key(), r.WT.Format(time.StampMilli), suffix)
			}
		}
	}
	assert.Greater(t, rep.Archives, 3)
	return rep
}

// inPeriodOfOne reports whether t is in the period that starts at p under
// one of scheds.
func inPeriodOfOne(t, p time.Time, scheds []Schedule) bool {
	for _, s := range scheds {
		if s.start(p, time.UTC).Equal(p) && !t.Before(p) && t.Before(s.next(p, time.UTC)) {
			return true
		}
	}
	return false
}
