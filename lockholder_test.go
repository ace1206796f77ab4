//go:build linux

package slogrotate

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A lock holder stopped or stalled at a boundary holds up every other
// process's rollover for as long as it is stopped: they write on into the
// file they have, which is by then (or is about to become) the previous
// period's archive. Once it continues, they must be on the new file within
// milliseconds, whatever their wait for the lock ended in. Each record
// carries the time its writer decided its file by; a record that lands in
// a file of another period was misfiled, and it may only have been written
// before the holder went on (plus a margin for a loaded machine, far below
// the second a timed-out writer used to wait).
func TestStoppedLockHolderMisfilesNoLongerThanTheStop(t *testing.T) {
	if testing.Short() {
		t.Skip("forks processes for about thirty seconds")
	}
	for _, c := range []struct {
		name  string
		at    stage
		stall time.Duration // 0: SIGSTOP for stop
	}{
		{"stopped before its rename", stageLocked, 0},
		{"stopped after its rename", stageRenamed, 0},
		{"stalled by the file system before its rename", stageLocked, 200 * time.Millisecond},
		{"stalled by the file system after its rename", stageRenamed, 200 * time.Millisecond},
	} {
		t.Run(c.name, func(t *testing.T) { testStalledHolder(t, c.at, c.stall) })
	}
}

func testStalledHolder(t *testing.T, at stage, stall time.Duration) {
	const stop, margin = 200 * time.Millisecond, 100 * time.Millisecond
	dir := tempDir(t)
	path := filepath.Join(dir, "error.log")
	conf := faultConf{
		opts: "every=1s,locktimeout=100ms,reopen=100ms",
		gap:  10 * time.Millisecond, until: time.Now().Add(7 * time.Second),
	}
	// The holder writes more often than the others, so that it is the first
	// at a boundary and takes the lock; it stops at its first rollover
	// after Open's (which takes the lock but renames nothing).
	holderConf := conf
	holderConf.gap = time.Millisecond
	holderConf.stopAt, holderConf.stall = string(at), stall
	if at == stageLocked {
		holderConf.stopSkip = 1
	}
	holder := startFault(t, path, 0, holderConf)
	var others []*faultProc
	for id := 1; id <= 4; id++ {
		others = append(others, startFault(t, path, id, conf))
	}
	var resumed time.Time
	if stall > 0 {
		// On a loaded machine another process is sometimes first at a
		// boundary: the holder has five or six to be first at.
		require.True(t, holder.waitFor(6*time.Second, func(p *faultProc) bool { return !p.stallTo.IsZero() }),
			"the holder never stalled at its rollover")
		resumed = holder.stallTo
	} else {
		require.True(t, holder.waitFor(6*time.Second, func(p *faultProc) bool { return p.holding }),
			"the holder never reached its rollover")
		time.Sleep(stop) // the stop whose effect is measured
		resumed = time.Now()
		require.NoError(t, holder.cmd.Process.Signal(syscall.SIGCONT))
	}
	for _, p := range append(others, holder) {
		p.finish(t, 10*time.Second)
	}

	s := scanDir(t, dir)
	for _, p := range append(others, holder) {
		m, d := s.Account(p.id, p.n, p.lost)
		assert.Zero(t, m+d, "child %d: %d records missing, %d duplicated", p.id, m, d)
	}
	for _, pr := range s.Problems {
		t.Error(pr)
	}
	cfg := testConfig(t, childOptions(conf.opts)...)
	misfiled, late, worst := 0, 0, time.Duration(0)
	for name, f := range s.ByFile {
		a, ok := cfg.parseArchive("error.log", name)
		if !ok {
			continue
		}
		for _, r := range f.Records {
			if wt := r.WT; !wt.Before(a.end) {
				misfiled++
				if d := wt.Sub(resumed); d > worst {
					worst = d
				}
				if wt.After(resumed.Add(margin)) {
					late++
				}
			}
		}
	}
	t.Logf("misfiled %d records; the last written %v after the holder went on (margin %v)", misfiled, worst.Round(time.Millisecond), margin)
	assert.Zero(t, late, fmt.Sprintf("%d records were misfiled more than %v after the holder went on (the last %v after)", late, margin, worst))
}

// Processes stopped at random, lock holders among them, with a size cap
// and compression on: 8 writers on a one-second schedule, and every
// 500 ms a random one is stopped with SIGSTOP for 200 ms. Nothing is lost,
// and no record lands more than 300 ms outside the period of its file: a
// stopped process can misfile what it is in the middle of writing, and a
// lock it holds delays the others' rollover, but only for as long as it is
// stopped.
func TestRandomStopsMisfileLittle(t *testing.T) {
	if testing.Short() {
		t.Skip("forks processes for about twelve seconds")
	}
	const stop, bound = 200 * time.Millisecond, 300 * time.Millisecond
	dir := tempDir(t)
	path := filepath.Join(dir, "error.log")
	conf := faultConf{
		opts: "every=1s,locktimeout=100ms,reopen=100ms,maxsize=65536,compress=1",
		gap:  200 * time.Microsecond, until: time.Now().Add(10 * time.Second),
	}
	var procs []*faultProc
	for id := range 8 {
		procs = append(procs, startFault(t, path, id, conf))
	}
	stops := 0
	for time.Until(conf.until) > time.Second {
		time.Sleep(500*time.Millisecond - stop)
		p := procs[rand.IntN(len(procs))]
		require.NoError(t, p.cmd.Process.Signal(syscall.SIGSTOP))
		time.Sleep(stop) // the stop under test
		require.NoError(t, p.cmd.Process.Signal(syscall.SIGCONT))
		stops++
	}
	for _, p := range procs {
		p.finish(t, 20*time.Second)
	}
	finalSweep(t, path, allCompressed, childOptions(conf.opts)...)

	s := scanDir(t, dir)
	for _, p := range procs {
		m, d := s.Account(p.id, p.n, p.lost)
		assert.Zero(t, m+d, "child %d: %d records missing, %d duplicated", p.id, m, d)
		assert.Empty(t, p.lost, "child %d lost writes", p.id)
	}
	cfg := testConfig(t, childOptions(conf.opts)...)
	misfiled, worst := 0, time.Duration(0)
	for name, f := range s.ByFile {
		a, ok := cfg.parseArchive("error.log", name)
		if !ok {
			continue
		}
		for _, r := range f.Records {
			var off time.Duration
			switch {
			case r.WT.Before(a.period):
				off = a.period.Sub(r.WT)
			case !r.WT.Before(a.end):
				off = r.WT.Sub(a.end)
			default:
				continue
			}
			misfiled++
			worst = max(worst, off)
		}
	}
	t.Logf("%d stops of %v; %d records, %d outside their file's period, the farthest by %v (bound %v)",
		stops, stop, s.Records, misfiled, worst.Round(time.Millisecond), bound)
	assert.Less(t, worst, bound, "a record landed too far outside its period")
	assert.Zero(t, s.Torn+s.BadGzip+s.TempFiles, "%v", s.Problems)
}
