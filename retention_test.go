package slogrotate

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slogrotate/slogrotate/internal/logcheck"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// overSize trims the oldest archives (by period, then index) until the
// rest fit; an archive there plain and compressed goes as a whole, and
// what count retention already picked is not counted twice.
func TestMaxTotalSizeSelection(t *testing.T) {
	size := map[string]int64{
		"error.log.2021-10-14.gz":   100,
		"error.log.2021-10-15":      300, // compression cut short:
		"error.log.2021-10-15.gz":   50,  // one archive, 350 bytes
		"error.log.2021-10-16":      200,
		"error.log.2021-10-16.1.gz": 100,
		"error.log.2021-10-17":      400,
	} // 1150 in all
	var list []string
	for name := range size {
		list = append(list, name)
	}
	list = append(list, "error.log.notes", "error.log.2021-10-13.bak")
	now := time.Date(2021, 10, 18, 12, 0, 0, 0, time.UTC)
	pick := func(c *config) []string {
		as := parseAll(c, list...)
		gone := c.expired(as, now)
		return names(append(gone, first(c.overSize(as, gone, size, 0))...))
	}
	assert.Empty(t, pick(testConfig(t)), "no limit")
	assert.Empty(t, pick(testConfig(t, WithMaxTotalSize(1150))), "at the limit")
	assert.Equal(t, []string{"error.log.2021-10-14.gz"}, pick(testConfig(t, WithMaxTotalSize(1149))))
	assert.Equal(t, []string{"error.log.2021-10-14.gz", "error.log.2021-10-15", "error.log.2021-10-15.gz"},
		pick(testConfig(t, WithMaxTotalSize(1000))), "the pair goes together")
	assert.Equal(t, []string{"error.log.2021-10-14.gz", "error.log.2021-10-15", "error.log.2021-10-15.gz", "error.log.2021-10-16"},
		pick(testConfig(t, WithMaxTotalSize(500))), "oldest period and index first")
	assert.Len(t, pick(testConfig(t, WithMaxTotalSize(399))), 6, "an archive over the limit by itself goes too")

	// With a count limit: the 14th goes by count, then the 15th by size;
	// the 14th's 100 bytes are not subtracted twice.
	c := testConfig(t, WithMaxTotalSize(700), WithMaxBackups(4))
	as := parseAll(c, list...)
	gone := c.expired(as, now)
	assert.Equal(t, []string{"error.log.2021-10-14.gz"}, names(gone))
	assert.Equal(t, []string{"error.log.2021-10-15", "error.log.2021-10-15.gz"}, names(first(c.overSize(as, gone, size, 0))))
	// With an age limit that takes more than size would: age decides.
	c = testConfig(t, WithMaxTotalSize(1000), WithMaxAge(30*time.Hour))
	assert.Equal(t, []string{"error.log.2021-10-14.gz", "error.log.2021-10-15", "error.log.2021-10-15.gz", "error.log.2021-10-16", "error.log.2021-10-16.1.gz"},
		pick(c))
}

// first drops overSize's second result.
func first(out []archiveName, _ bool) []archiveName { return out }

// A sweep counts only this log's archives at their size on disk (not the
// live file, not foreign files however big), deletes the oldest first,
// and spares an archive in its grace period, and everything newer than
// it, until the grace period ends.
func TestMaxTotalSizeSweep(t *testing.T) {
	dir := tempDir(t)
	path := filepath.Join(dir, "error.log")
	big := strings.Repeat("f", 100000)
	old := time.Now().Add(-time.Hour)
	put := func(suffix string, n int, mtime time.Time) {
		t.Helper()
		require.NoError(t, os.WriteFile(path+suffix, []byte(strings.Repeat("x", n)), 0o644))
		require.NoError(t, os.Chtimes(path+suffix, mtime, mtime))
	}
	foreign := []string{".notes", ".2021-10-18.bak", ".2021-10-09.fgz", ".2021-10-09.gz.bak"}
	for _, f := range foreign {
		require.NoError(t, os.WriteFile(path+f, []byte(big), 0o644))
	}
	require.NoError(t, os.WriteFile(path, []byte(big), 0o644)) // the live file
	put(".2021-10-10", 400, old)
	put(".2021-10-11.gz", 400, old)
	put(".2021-10-12", 400, old)
	// Not a regular file: neither counted nor deleted, nor waited for.
	require.NoError(t, os.Mkdir(path+".2021-10-07", 0o755))
	j := sweepJanitor(t, dir, WithMaxTotalSize(1000), WithReopenCheck(100*time.Millisecond))
	ours := func() []string {
		var out []string
		entries, err := os.ReadDir(dir)
		require.NoError(t, err)
		for _, e := range entries {
			if _, ok := j.cfg.parseArchive("error.log", e.Name()); ok && !e.IsDir() {
				out = append(out, strings.TrimPrefix(e.Name(), "error.log"))
			}
		}
		sort.Strings(out)
		return out
	}

	j.sweep() // the first sight of every name: nothing is ripe yet
	assert.Equal(t, []string{".2021-10-10", ".2021-10-11.gz", ".2021-10-12"}, ours())
	time.Sleep(j.grace())
	j.sweep()
	assert.Equal(t, []string{".2021-10-11.gz", ".2021-10-12"}, ours(), "800 bytes left")

	// A rollover of an old period (a stale file archived at Open) makes the
	// oldest archive a fresh one: while it is in its grace period, nothing
	// newer goes either.
	j.cfg.maxTotal = 500
	put(".2021-10-08", 300, time.Now())
	j.notify(path + ".2021-10-08") // as the rollover that made it does
	again := j.sweep()
	assert.Equal(t, []string{".2021-10-08", ".2021-10-11.gz", ".2021-10-12"}, ours())
	assert.Positive(t, again, "a sweep is due when the grace period ends")
	assert.LessOrEqual(t, again, j.grace()+20*time.Millisecond)
	time.Sleep(j.grace() + 20*time.Millisecond)
	j.sweep()
	assert.Equal(t, []string{".2021-10-12"}, ours(), "the 8th, then the 11th")

	fi, err := os.Lstat(path + ".2021-10-07")
	require.NoError(t, err)
	assert.True(t, fi.IsDir())
	for _, f := range append(foreign, "") {
		b, err := os.ReadFile(path + f)
		require.NoError(t, err)
		assert.Equal(t, big, string(b), "error.log%s is untouched", f)
	}
}

// TestMultiProcessMaxTotalSize runs 8 processes over a one-second schedule
// with a size cap (many size rollovers in each period) and a limit on the
// archives' total size. Sampled throughout, the archives exceed the limit
// only by archives that are young enough to be in their grace period (or
// whose grace period ended only about a second ago, time for a sweep to
// come round on a loaded machine); after the run and a final sweep they
// are within it. What is left is whole: each writer's newest records, with
// no hole, none torn or duplicated; and files whose names are not ours are
// never deleted or counted, though they are larger than the limit.
func TestMultiProcessMaxTotalSize(t *testing.T) {
	if testing.Short() {
		t.Skip("forks processes for about four seconds")
	}
	skipUnderWine(t, wineAppend)
	dir := tempDir(t)
	path := filepath.Join(dir, "error.log")
	const limit = 512 << 10
	foreign := []string{"error.log.notes", "error.log.2021-10-18.bak", "error.log.2021-10-18T00-00-00.gz.bak",
		"error.log.2021-10-18T00-00-00.fgz", "other.log.2021-10-18T00-00-00"}
	notOurs := strings.Repeat("not ours\n", limit/9+1)
	for _, f := range foreign {
		require.NoError(t, os.WriteFile(filepath.Join(dir, f), []byte(notOurs), 0o644))
	}
	opts := fmt.Sprintf("every=1s,locktimeout=3s,reopen=100ms,maxsize=65536,maxtotal=%d", limit)
	cfg := testConfig(t, childOptions(opts)...)
	young := cfg.reopenCheck*2 + time.Second

	start := time.Now().Truncate(time.Second).Add(1200 * time.Millisecond)
	var specs []childSpec
	for i := range 8 {
		specs = append(specs, childSpec{id: i, plan: [][2]int{{0, 3500}}, opts: opts})
	}
	s := &totalSampler{dir: dir, cfg: cfg, young: young, limit: limit, firstSeen: map[string]time.Time{}}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() { s.run(stop) })
	want := runChildren(t, path, start, specs)
	close(stop)
	wg.Wait()
	t.Logf("%d samples; the archives' total reached %d bytes (limit %d), %d of %d archives seen were deleted; the most over the limit not explained by young archives: %d bytes",
		s.samples, s.maxTotal, limit, s.deleted(), len(s.firstSeen), s.worst)
	for _, v := range s.violations {
		t.Error(v)
	}
	assert.Greater(t, s.maxTotal, int64(limit), "the run never went over the limit: it tests nothing")
	assert.Greater(t, s.deleted(), 10, "the limit deleted few archives: it tests little")

	total := func(as []archiveName) (n int64) {
		for _, a := range as {
			if fi, err := os.Lstat(filepath.Join(dir, a.name)); err == nil {
				n += fi.Size()
			}
		}
		return n
	}
	finalSweep(t, path, func(as []archiveName) bool { return total(as) <= limit }, childOptions(opts)...)

	for _, f := range foreign {
		b, err := os.ReadFile(filepath.Join(dir, f))
		require.NoError(t, err, "foreign file %s", f)
		assert.Equal(t, notOurs, string(b))
		os.Remove(filepath.Join(dir, f)) // so that only our files are checked below
	}
	rep, err := logcheck.Check(path, periodFunc(Every(time.Second), time.UTC), nil)
	require.NoError(t, err)
	t.Log(rep)
	assert.Zero(t, rep.Duplicated+rep.Torn+rep.Misplaced+rep.BadGzip+rep.EmptyArchives+rep.TempFiles, rep.Problems)
	for w, n := range want {
		assert.Equal(t, n-1, rep.Last[w], "writer %d: its newest record is missing", w)
		assert.Equal(t, rep.Last[w]-rep.First[w]+1, rep.Seen[w],
			"writer %d: records %d to %d are left, with a hole: an archive newer than one kept was deleted", w, rep.First[w], rep.Last[w])
	}
}

// totalSampler lists a log's directory again and again while processes
// write it, and records each time the archives' total exceeds the limit by
// more than the archives that may still be in their grace period: those
// first listed, or last written, less than young ago.
type totalSampler struct {
	dir   string
	cfg   *config
	young time.Duration
	limit int64

	firstSeen  map[string]time.Time
	gone       map[string]bool
	samples    int
	maxTotal   int64
	worst      int64 // the most by which old archives alone exceeded the limit
	violations []string
}

func (s *totalSampler) run(stop chan struct{}) {
	s.gone = map[string]bool{}
	for {
		select {
		case <-stop:
			return
		case <-time.After(20 * time.Millisecond):
		}
		s.sample()
	}
}

func (s *totalSampler) sample() {
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return
	}
	now := time.Now()
	listed := map[string]bool{}
	var total, old int64
	var oldNames []string
	for _, e := range entries {
		a, ok := s.cfg.parseArchive("error.log", e.Name())
		if !ok {
			continue
		}
		fi, err := os.Lstat(filepath.Join(s.dir, a.name))
		if err != nil {
			continue // deleted since the listing
		}
		listed[a.name] = true
		if _, ok := s.firstSeen[a.name]; !ok {
			s.firstSeen[a.name] = now
		}
		total += fi.Size()
		if now.Sub(s.firstSeen[a.name]) >= s.young && now.Sub(fi.ModTime()) >= s.young {
			old += fi.Size()
			oldNames = append(oldNames, a.name)
		}
	}
	for name := range s.firstSeen {
		if !listed[name] {
			s.gone[name] = true
		}
	}
	s.samples++
	s.maxTotal = max(s.maxTotal, total)
	if over := old - s.limit; over > 0 {
		s.worst = max(s.worst, over)
		if len(s.violations) < 5 {
			sort.Strings(oldNames)
			s.violations = append(s.violations, fmt.Sprintf("at %s the archives total %d bytes, of which %d in archives older than %v, over the limit of %d: %v",
				now.Format("15:04:05.000"), total, old, s.young, s.limit, oldNames))
		}
	}
}

func (s *totalSampler) deleted() int { return len(s.gone) }
