package slogrotate

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Compression after the grace period, OnRotate with the .gz path, and the
// sweep at Open finishing what a dead compressor left: an orphaned
// temporary file and a source whose .gz is complete, both owed a report
// by the watermark a process with OnRotate left at the 13th.
func TestCompression(t *testing.T) {
	dir := tempDir(t)
	path := filepath.Join(dir, "error.log")
	// Left by a compressor killed mid-way: a partial temporary file for the
	// 14th, and for the 15th a complete .gz whose source was not removed.
	require.NoError(t, os.WriteFile(path+".2021-10-14", []byte("fourteen\n"), 0o644))
	require.NoError(t, os.WriteFile(path+".2021-10-14.gz.tmp", []byte("\x1f\x8b partial"), 0o644))
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte("fifteen\n"))
	zw.Close()
	require.NoError(t, os.WriteFile(path+".2021-10-15.gz", gz.Bytes(), 0o644))
	require.NoError(t, os.WriteFile(path+".2021-10-15", []byte("fifteen\n"), 0o644))
	old := time.Now().Add(-time.Hour)
	for _, n := range []string{".2021-10-14", ".2021-10-15"} {
		require.NoError(t, os.Chtimes(path+n, old, old))
	}

	seedWatermark(t, path, time.Date(2021, 10, 13, 0, 0, 0, 0, time.UTC), 0)

	clock := newClock(day1)
	done := make(chan string, 10)
	w := openTest(t, path, clock, WithCompress(), WithReopenCheck(20*time.Millisecond),
		WithOnRotate(func(a string) { done <- a }))
	writeLine(t, w, "a")
	clock.Add(24 * time.Hour)
	writeLine(t, w, "b")

	got := map[string]bool{}
	for len(got) < 3 {
		select {
		case a := <-done:
			got[filepath.Base(a)] = true
		case <-time.After(10 * time.Second):
			t.Fatalf("archives not completed; got %v", got)
		}
	}
	assert.Equal(t, map[string]bool{"error.log.2021-10-14.gz": true, "error.log.2021-10-15.gz": true, "error.log.2021-10-18.gz": true}, got)
	require.NoError(t, w.Close())

	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var left []string
	for _, e := range entries {
		left = append(left, e.Name())
	}
	assert.ElementsMatch(t, []string{
		"error.log", ".error.lock-log", ".error.maint-lock-log",
		"error.log.2021-10-14.gz", "error.log.2021-10-15.gz", "error.log.2021-10-18.gz",
	}, left)
	assert.Equal(t, "fourteen\n", gunzip(t, path+".2021-10-14.gz"))
	assert.Equal(t, "fifteen\n", gunzip(t, path+".2021-10-15.gz"))
	assert.Equal(t, "a\n", gunzip(t, path+".2021-10-18.gz"))
}

// An archive that grows while it is compressed (a late writer) is not
// removed: the compressor starts over later.
func TestCompressionSeesLateAppend(t *testing.T) {
	dir := tempDir(t)
	src := filepath.Join(dir, "error.log.2021-10-18")
	require.NoError(t, os.WriteFile(src, bytes.Repeat([]byte("x"), 1<<20), 0o644))
	cfg := testConfig(t, WithCompress())
	roll, err := openLock(filepath.Join(dir, filepath.Base(cfg.lockPath)), cfg.mode)
	require.NoError(t, err)
	defer roll.release()
	j := &janitor{path: filepath.Join(dir, "error.log"), cfg: cfg, stop: make(chan struct{}), rolloverLock: roll}
	testHook = func(s stage) {
		if s == stageCompressed {
			f, err := os.OpenFile(src, os.O_WRONLY|os.O_APPEND, 0)
			require.NoError(t, err)
			f.Write([]byte("late\n"))
			f.Close()
		}
	}
	defer func() { testHook = nil }()
	_, err = j.compress(src)
	require.ErrorIs(t, err, errGrew)
	_, err = os.Stat(src)
	assert.NoError(t, err, "the source is kept")
	_, err = os.Stat(src + ".gz")
	assert.ErrorIs(t, err, os.ErrNotExist)
	_, err = os.Stat(src + ".gz.tmp")
	assert.ErrorIs(t, err, os.ErrNotExist)
	testHook = nil
	gz, err := j.compress(src)
	require.NoError(t, err)
	assert.Equal(t, 1<<20+5, len(gunzip(t, gz)))
}

// OnRotate may log through the very writer whose archive it reports, and
// Close must not deadlock on it. The archive Open makes of a file left
// from an earlier period is reported too.
func TestOnRotateLogsThroughTheWriter(t *testing.T) {
	dir := tempDir(t)
	path := filepath.Join(dir, "error.log")
	require.NoError(t, os.WriteFile(path, []byte("old\n"), 0o640))
	old := time.Date(2021, 10, 15, 12, 0, 0, 0, time.UTC)
	require.NoError(t, os.Chtimes(path, old, old))
	var w *Writer
	opened := make(chan struct{})
	inside := make(chan string, 1)
	w, _ = openCollecting(t, path, nil, WithReopenCheck(5*time.Millisecond),
		WithOnRotate(func(a string) {
			<-opened
			// Log until the writer is closed: Close runs meanwhile, from
			// the first record on.
			for n := 0; ; n++ {
				_, err := fmt.Fprintf(w, "uploaded %s\n", filepath.Base(a))
				if n == 0 {
					inside <- a
				}
				if errors.Is(err, ErrClosed) {
					return
				}
			}
		}))
	close(opened)
	assert.Equal(t, path+".2021-10-15", <-inside)
	closed := make(chan error)
	go func() { closed <- w.Close() }()
	select {
	case err := <-closed:
		require.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("Close deadlocked")
	}
	assert.Contains(t, content(t, path), "uploaded error.log.2021-10-15\n")
}

// The sweep parses each name once, keeping it with when the name was first
// listed, and sees what another process did between two sweeps: a name it
// removed drops out, a name it made is parsed. Names this writer's naming
// does not produce are never touched, and a dead compressor's temporary
// file is removed.
func TestSweepRemembersNames(t *testing.T) {
	dir := tempDir(t)
	path := filepath.Join(dir, "error.log")
	old := time.Now().Add(-time.Hour)
	create := func(suffixes ...string) {
		t.Helper()
		for _, s := range suffixes {
			require.NoError(t, os.WriteFile(path+s, []byte(s+"\n"), 0o644))
			require.NoError(t, os.Chtimes(path+s, old, old))
		}
	}
	foreign := []string{".notes", ".2021-10-18.bak", ".2021-10-18.03", ".notes.gz.tmp"}
	create(foreign...)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "other.log.2021-10-10"), nil, 0o644))
	create(".2021-10-10", ".2021-10-11", ".2021-10-12.gz", ".2021-10-09.gz.tmp")
	j := sweepJanitor(t, dir, WithMaxBackups(3), WithReopenCheck(10*time.Millisecond))
	kinds := func() map[string]nameKind {
		out := map[string]nameKind{}
		for name, n := range j.names {
			out[name] = n.kind
		}
		return out
	}

	j.sweep()
	assert.Equal(t, map[string]nameKind{
		"error.log.2021-10-10":     nameArchive,
		"error.log.2021-10-11":     nameArchive,
		"error.log.2021-10-12.gz":  nameArchive,
		"error.log.notes":          nameForeign,
		"error.log.2021-10-18.bak": nameForeign,
		"error.log.2021-10-18.03":  nameForeign,
		"error.log.notes.gz.tmp":   nameForeign,
	}, kinds(), "the temporary file is removed, other.log's name not kept")
	_, err := os.Lstat(path + ".2021-10-09.gz.tmp")
	assert.ErrorIs(t, err, os.ErrNotExist)
	seen12 := j.names["error.log.2021-10-12.gz"].firstSeen

	// Another process removes the 10th and makes the 13th and the 14th:
	// one archive too many. The 11th, the oldest, was listed a grace
	// period ago, so it goes; the new ones are only just listed.
	require.NoError(t, os.Remove(path+".2021-10-10"))
	create(".2021-10-13", ".2021-10-14")
	time.Sleep(j.grace())
	// Another process's archives are seen at the next listing.
	j.listedAt = time.Time{} // a listing due
	j.sweep()
	assert.Equal(t, map[string]nameKind{
		"error.log.2021-10-12.gz":  nameArchive,
		"error.log.2021-10-13":     nameArchive,
		"error.log.2021-10-14":     nameArchive,
		"error.log.notes":          nameForeign,
		"error.log.2021-10-18.bak": nameForeign,
		"error.log.2021-10-18.03":  nameForeign,
		"error.log.notes.gz.tmp":   nameForeign,
	}, kinds())
	assert.Equal(t, seen12, j.names["error.log.2021-10-12.gz"].firstSeen, "first sight kept")
	a := j.names["error.log.2021-10-14"].archive
	assert.Equal(t, time.Date(2021, 10, 14, 0, 0, 0, 0, time.UTC), a.period)
	assert.Equal(t, time.Date(2021, 10, 15, 0, 0, 0, 0, time.UTC), a.end)

	left := map[string]bool{}
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	for _, e := range entries {
		left[e.Name()] = true
	}
	for _, s := range foreign {
		assert.True(t, left["error.log"+s], s)
	}
	assert.True(t, left["other.log.2021-10-10"])
	assert.False(t, left["error.log.2021-10-11"], "the oldest is deleted")
	assert.Len(t, left, len(foreign)+1+2+3) // and two lock files, and three archives
}

// TestSweepListsWhenDue: between listings a sweep knows the archives its
// own process made, not those of others, which the next listing finds.
func TestSweepListsWhenDue(t *testing.T) {
	dir := tempDir(t)
	path := filepath.Join(dir, "error.log")
	j := sweepJanitor(t, dir, WithMaxBackups(100))
	j.sweep()
	require.Empty(t, j.archives)
	j.listCost = time.Hour // as if the directory were huge: no listing due
	for _, s := range []string{".2021-10-10", ".2021-10-11"} {
		require.NoError(t, os.WriteFile(path+s, []byte("x\n"), 0o644))
	}
	j.notify(path + ".2021-10-11") // made by this process
	j.sweep()
	assert.Equal(t, []string{"error.log.2021-10-11"}, names(j.listedArchives()))
	j.listedAt = time.Time{}
	j.sweep()
	assert.ElementsMatch(t, []string{"error.log.2021-10-10", "error.log.2021-10-11"}, names(j.listedArchives()))
}

// BenchmarkSweep is the janitor's sweep after a rollover, with retention on
// and never reached (WithMaxBackups(100000)), as in the benchmarks module's
// BenchmarkRollover: it lists the directory when a listing is due (see
// listDue: every time with 10 archives, every few seconds with 10,000)
// and deletes nothing. The first sweep, at Open, is not timed.
func BenchmarkSweep(b *testing.B) {
	for _, n := range []int{10, 10000} {
		b.Run(fmt.Sprintf("archives=%d", n), func(b *testing.B) {
			dir, err := os.MkdirTemp("", "slogrotate-")
			require.NoError(b, err)
			b.Cleanup(func() { os.RemoveAll(dir) })
			day := time.Date(2021, 10, 18, 0, 0, 0, 0, time.UTC)
			for i := 1; i <= n; i++ {
				name := filepath.Join(dir, "error.log."+day.AddDate(0, 0, -i).Format("2006-01-02"))
				require.NoError(b, os.WriteFile(name, []byte("x\n"), 0o644))
			}
			j := sweepJanitor(b, dir, WithMaxBackups(100000))
			j.sweep()
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				j.sweep()
			}
		})
	}
}

// TestJanitorArchivesSorted: whatever names the janitor learns and
// forgets, its archives are those of names, oldest first.
func TestJanitorArchivesSorted(t *testing.T) {
	dir := tempDir(t)
	j := sweepJanitor(t, dir)
	j.names = map[string]listedName{}
	rng := rand.New(rand.NewPCG(1, 2))
	var known []string
	for range 2000 {
		if len(known) > 0 && rng.IntN(3) == 0 {
			i := rng.IntN(len(known))
			j.forget(known[i])
			known = slices.Delete(known, i, i+1)
		} else {
			name := fmt.Sprintf("error.log.2021-10-%02d.%d", 1+rng.IntN(28), 1+rng.IntN(50))
			if rng.IntN(5) == 0 {
				name = fmt.Sprintf("error.log.other-%d", rng.IntN(100))
			}
			require.NoError(t, os.WriteFile(filepath.Join(dir, name), nil, 0o644))
			j.learn(name)
			if !slices.Contains(known, name) {
				known = append(known, name)
			}
		}
		var want []string
		for name, n := range j.names {
			if n.kind == nameArchive {
				want = append(want, name)
			}
		}
		got := names(j.archives)
		slices.Sort(want)
		slices.Sort(got)
		require.Equal(t, want, got)
		require.True(t, slices.IsSortedFunc(j.archives, oldestFirst))
		require.Len(t, j.names, len(known))
	}
}

// TestStaleViewDeletesNoneTheLimitsKeep: an archive removed behind a
// janitor's back (an empty one another process removed, one OnRotate
// moved away) no longer counts when the janitor deletes by count, though
// no listing was due.
func TestStaleViewDeletesNoneTheLimitsKeep(t *testing.T) {
	dir := tempDir(t)
	path := filepath.Join(dir, "error.log")
	old := time.Now().Add(-time.Hour)
	for _, s := range []string{".2021-10-10", ".2021-10-11", ".2021-10-12", ".2021-10-13"} {
		require.NoError(t, os.WriteFile(path+s, []byte("x\n"), 0o644))
		require.NoError(t, os.Chtimes(path+s, old, old))
	}
	j := sweepJanitor(t, dir, WithMaxBackups(4), WithReopenCheck(10*time.Millisecond))
	time.Sleep(2 * j.grace()) // all ripe: only the count keeps them
	j.sweep()
	j.listCost = time.Hour // no listing due
	require.NoError(t, os.Remove(path+".2021-10-12"))
	require.NoError(t, os.WriteFile(path+".2021-10-14", []byte("x\n"), 0o644))
	j.notify(path + ".2021-10-14")
	j.sweep()
	assert.FileExists(t, path+".2021-10-10", "four archives, the limit: none goes")
}
