//go:build linux

package slogrotate

// Fault tests: a process stopped (SIGSTOP) while it holds the rollover
// lock. Linux only, with the fault child.

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestStoppedLockHolder: one process stops itself with SIGSTOP inside a
// rollover, holding the rollover lock, and stays stopped for more than
// three periods. The others never wait longer than the lock timeout: they
// report that they could not get the lock and write on into the file they
// have, retrying once per retry delay. When the stopped process continues,
// it finishes its rollover and the others catch up: every archive is named
// for the period its first record belongs to, none is overwritten or made
// twice, and nothing is lost.
func TestStoppedLockHolder(t *testing.T) {
	if testing.Short() {
		t.Skip("forks processes for about ten seconds")
	}
	dir := tempDir(t)
	path := filepath.Join(dir, "error.log")
	const lockTimeout = 100 * time.Millisecond
	conf := faultConf{
		opts: "every=1s,locktimeout=100ms,reopen=100ms",
		gap:  10 * time.Millisecond, until: time.Now().Add(10 * time.Second),
	}
	// The holder writes more often than the others, so that it is the first
	// at a boundary and takes the lock (the others follow it without the
	// lock); it stops at its first rollover after Open's.
	holderConf := conf
	holderConf.gap = time.Millisecond
	holderConf.stopAt, holderConf.stopSkip = "locked", 1
	holder := startFault(t, path, 0, holderConf)
	var others []*faultProc
	for id := 1; id <= 4; id++ {
		others = append(others, startFault(t, path, id, conf))
	}
	require.True(t, holder.waitFor(5*time.Second, func(p *faultProc) bool { return p.holding }), "the holder never reached its rollover")
	time.Sleep(50 * time.Millisecond) // let SIGSTOP land
	stopped := time.Now()
	before := ourArchives(t, dir)
	time.Sleep(3500 * time.Millisecond)
	assert.Equal(t, before, ourArchives(t, dir), "an archive was made while the lock was held")
	require.NoError(t, holder.cmd.Process.Signal(syscall.SIGCONT))
	resumed := time.Now()

	var maxLat time.Duration
	timeouts := 0
	for _, p := range append(others, holder) {
		p.finish(t, 10*time.Second)
		if p != holder {
			maxLat = max(maxLat, p.maxLat)
			n := p.errCount(ErrLockBusy.Error())
			timeouts += n
			assert.Greater(t, n, 0, "child %d never reported the lock it could not get", p.id)
		}
	}
	s := scanDir(t, dir)
	missing, dup := 0, 0
	for _, p := range append(others, holder) {
		m, d := s.Account(p.id, p.n, p.lost)
		missing, dup = missing+m, dup+d
		assert.Empty(t, p.lost, "child %d lost writes", p.id)
	}
	archives := ourArchives(t, dir)
	t.Logf("stopped %v; archives=%d records=%d lock-timeouts=%d max-write-latency=%v (lock timeout %v) missing=%d duplicated=%d torn=%d",
		resumed.Sub(stopped).Round(time.Millisecond), len(archives), s.Records, timeouts, maxLat, lockTimeout, missing, dup, s.Torn)
	for _, pr := range s.Problems {
		t.Error(pr)
	}
	assert.Zero(t, missing+dup+s.Torn)
	// The bound is the lock timeout; the margin is for a loaded machine, far
	// below the 3.5s the holder is stopped for.
	assert.Less(t, maxLat, lockTimeout+400*time.Millisecond, "a write waited past the lock timeout")
	checkArchiveNames(t, dir, s)
	for _, a := range archives {
		assert.False(t, indexSuffix(a), "archive %s has an index: a period was archived twice", a)
	}
	caughtUp := 0
	for _, a := range archives {
		if fi, err := os.Stat(filepath.Join(dir, a)); err == nil && fi.ModTime().After(resumed) {
			caughtUp++
		}
	}
	assert.GreaterOrEqual(t, caughtUp, 2, "rotation did not resume after the holder continued: %v", archives)
	// The live file holds one period only.
	if live := s.ByFile["error.log"]; live != nil {
		for _, r := range live.Records {
			assert.Equal(t, time.Unix(live.Records[0].WT.Unix(), 0), time.Unix(r.WT.Unix(), 0), "the live file mixes periods")
		}
	}
}
