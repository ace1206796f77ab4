//go:build linux

package slogrotate

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gofrs/flock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestChaosSoak runs, for SLOGROTATE_SOAK (e.g. 60s), at least eight
// writer processes on one log with a one-second schedule, a size cap and
// compression, rotation when idle (and with SLOGROTATE_SOAK_BUFFER, e.g.
// 65536, buffers of that size and the newest two archives uncompressed),
// while a controller SIGKILLs a random writer every few
// hundred milliseconds and starts a replacement under a new writer id, and
// an outside "mover" renames the live file away now and then (as a
// misconfigured logrotate would). The files it moves are named moved-N.log,
// which is not a name of ours, so the writers' retention and compression
// leave them alone; the check reads them too.
//
// Afterwards one more process opens the log, as the next one to use it
// would, and its janitor finishes what killed processes left (compression
// cut short). Then: every record a writer wrote is found exactly once and
// untorn (for a writer that ran to the end, all it counted; for a killed
// one, records 0..k with no hole, k the highest found: a record is written
// by one write(2), so a record that is in the file was written, and one
// that is not was still in flight when the process died, or in its
// buffer; a torn line must be the prefix of a killed writer's write, on a
// line of its own); every record in an archive belongs to that archive's
// period; every .gz is valid; no temporary file is left, and neither lock
// is held by anyone.
func TestChaosSoak(t *testing.T) {
	spec := os.Getenv("SLOGROTATE_SOAK")
	if spec == "" {
		t.Skip("set SLOGROTATE_SOAK to a duration (e.g. 60s) to run the chaos soak")
	}
	dur, err := time.ParseDuration(spec)
	require.NoError(t, err, "SLOGROTATE_SOAK")
	const writers = 8
	dir := tempDir(t)
	path := filepath.Join(dir, "error.log")
	opts := "every=1s,locktimeout=200ms,reopen=100ms,maxsize=262144,compress=1"
	if b := os.Getenv("SLOGROTATE_SOAK_BUFFER"); b != "" {
		// Buffered writers, each batch one write(2); and the newest two
		// archives left uncompressed.
		opts += ",buffer=" + b + ",keepuncompressed=2"
	}
	end := time.Now().Add(dur)
	conf := faultConf{opts: opts, gap: 3 * time.Millisecond, until: end, bigEvery: 200, bigSize: 64 << 10}

	var (
		mu     sync.Mutex
		procs  []*faultProc
		live   = map[int]*faultProc{}
		killed = map[int]bool{}
		nextID = 0
	)
	spawn := func() {
		p := startFault(t, path, nextID, conf)
		procs = append(procs, p)
		live[nextID] = p
		nextID++
	}
	mu.Lock()
	for range writers {
		spawn()
	}
	mu.Unlock()

	// The mover.
	moves := 0
	stopMover := make(chan struct{})
	moverDone := make(chan struct{})
	go func() {
		defer close(moverDone)
		for {
			select {
			case <-stopMover:
				return
			case <-time.After(time.Duration(1500+rand.IntN(1500)) * time.Millisecond):
			}
			if os.Rename(path, filepath.Join(dir, fmt.Sprintf("moved-%04d.log", moves))) == nil {
				moves++
			}
		}
	}()

	// The controller: kill a random writer, start a replacement.
	kills := 0
	for {
		pause := time.Duration(150+rand.IntN(300)) * time.Millisecond
		if time.Until(end) < pause+500*time.Millisecond {
			break
		}
		time.Sleep(pause)
		mu.Lock()
		ids := make([]int, 0, len(live))
		for id := range live {
			ids = append(ids, id)
		}
		sort.Ints(ids)
		victim := live[ids[rand.IntN(len(ids))]]
		victim.cmd.Process.Kill()
		<-victim.exited
		delete(live, victim.id)
		killed[victim.id] = true
		kills++
		spawn()
		mu.Unlock()
	}
	close(stopMover)
	<-moverDone

	var maxLat time.Duration
	errs := map[string]int{}
	for _, p := range procs {
		if killed[p.id] {
			continue
		}
		p.finish(t, 30*time.Second)
		maxLat = max(maxLat, p.maxLat)
	}
	for _, p := range procs {
		p.mu.Lock()
		for _, e := range p.errs {
			errs[errKind(e)]++
		}
		p.mu.Unlock()
	}

	// The next process to use the log finishes what the killed ones left:
	// every archive compressed but the newest ones kept plain.
	keepPlain := testConfig(t, childOptions(opts)...).keepPlain
	finalSweep(t, path, func(as []archiveName) bool {
		plain := 0
		for _, a := range as {
			if !a.compressed {
				plain++
			}
		}
		return plain <= keepPlain
	}, childOptions(opts)...)

	s := scanDir(t, dir)
	missing, dup, lost := 0, 0, 0
	for _, p := range procs {
		n := p.n
		if killed[p.id] {
			n = -1
		}
		m, d := s.Account(p.id, n, p.lost)
		missing, dup, lost = missing+m, dup+d, lost+len(p.lost)
	}
	cfg := testConfig(t, childOptions(opts)...)
	archives, moved, misplaced := 0, 0, 0
	for name, f := range s.ByFile {
		if strings.HasPrefix(name, "moved-") {
			moved++
			continue
		}
		a, ok := cfg.parseArchive("error.log", name)
		if !ok {
			continue
		}
		for i, r := range f.Records {
			if p := cfg.schedule.start(r.WT, time.UTC); !p.Equal(a.period) {
				misplaced++
				s.Problem("%s: %s holds a record written at %s", f.Places[i], name, r.WT.Format(time.RFC3339Nano))
			}
		}
	}
	for name := range archiveNames(t, path) {
		if _, ok := cfg.parseArchive("error.log", name); ok {
			archives++
		}
	}
	for _, l := range []string{lockPathOf(path), maintPathOf(path)} {
		fl := flock.New(l)
		ok, err := fl.TryLock()
		assert.True(t, ok && err == nil, "lock %s is still held (%v)", l, err)
		fl.Unlock()
	}

	// A writer killed in the middle of a write leaves a prefix of it (see
	// endFragment), on a line of its own: that is no record, and no loss.
	cut := s.FragmentsBy(killed)
	t.Logf("soak %v (%s): processes=%d (writers at a time %d) records=%d rollovers(archives)=%d kills=%d moves=%d (files %d) lost=%d reported-lost=%d duplicated=%d torn=%d (killed writers' fragments %d, glued %d) misplaced=%d bad-gzip=%d temp-files=%d max-write-latency=%v errors=%v",
		dur, opts, len(procs), writers, s.Records, archives, kills, moves, moved, missing, lost, dup, s.Torn, cut, s.Glued, misplaced, s.BadGzip, s.TempFiles, maxLat, errs)
	// The problems name the fragments too, which are no fault here.
	if bad := missing + dup + (s.Torn - cut) + misplaced + s.BadGzip + s.TempFiles + s.Unexpected + lost; bad != 0 {
		for _, p := range s.Problems {
			t.Error(p)
		}
		t.Errorf("%d records lost, duplicated, torn (not a killed writer's fragment), misplaced or unexpected, or bad files", bad)
	}
	assert.Greater(t, kills, 0)
	assert.Greater(t, archives, int(dur/time.Second)/2, "too few rollovers")
	assert.Less(t, maxLat, 2*time.Second, "a write blocked")
}
