package slogrotate

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/slogrotate/slogrotate/internal/logcheck"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestMultiProcess is the foundation's main guarantee: many processes
// writing one log across rollovers lose, duplicate, tear and misplace
// nothing, every period has exactly one archive, and idle periods leave
// none. The scenario covers late starters, early stoppers, writers idle for
// several periods, a window in which nobody writes, a stale file left from
// an earlier day, writers killed mid-run, and processes killed while they
// hold the rollover lock, before and after the rename.
func TestMultiProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("forks processes for about eight seconds")
	}
	skipUnderWine(t, wineAppend)
	dir := tempDir(t)
	path := filepath.Join(dir, "error.log")
	sched := Every(time.Second)
	period := periodFunc(sched, time.UTC)

	// A file left from yesterday, with no lock file: the first process to
	// open the log must archive it under yesterday's name.
	yesterday := time.Now().UTC().Add(-24 * time.Hour).Truncate(time.Second)
	var stale strings.Builder
	for i := range 3 {
		fmt.Fprintf(&stale, `{"w":99,"seq":%d,"wt":%q}`+"\n", i, yesterday.Add(time.Duration(i)*time.Millisecond).Format(time.RFC3339Nano))
	}
	if err := os.WriteFile(path, []byte(stale.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(path, yesterday, yesterday); err != nil {
		t.Fatal(err)
	}

	// Start 200ms past a whole second, so boundaries fall at 800, 1800, ...
	// Nobody writes from 2700 to 4900: the periods [2800,3800) and
	// [3800,4800) must leave no file at all.
	start := time.Now().Truncate(time.Second).Add(1200 * time.Millisecond)
	opts := "every=1s,locktimeout=3s"
	busy := [][2]int{{0, 2700}, {4900, 7000}}
	specs := []childSpec{
		{id: 0, plan: busy, opts: opts},
		{id: 1, plan: busy, opts: opts},
		{id: 2, plan: busy, opts: opts},
		{id: 3, plan: busy, opts: opts},
		{id: 4, plan: [][2]int{{2000, 2700}, {4900, 7000}}, opts: opts},                         // starts late
		{id: 5, plan: [][2]int{{0, 1500}}, opts: opts},                                          // stops early
		{id: 6, plan: [][2]int{{0, 300}, {2000, 2200}, {5000, 5100}, {6800, 7000}}, opts: opts}, // idle for periods
		{id: 7, plan: busy, opts: opts, killAt: 2300 * time.Millisecond},                        // killed mid-run
		{id: 8, plan: busy, opts: opts, killAt: 5500 * time.Millisecond},
		{id: 20, plan: [][2]int{{600, 7000}}, opts: opts, hang: "locked"},   // dies holding the lock
		{id: 21, plan: [][2]int{{4850, 7000}}, opts: opts, hang: "renamed"}, // dies after its rename
	}
	want := runChildren(t, path, start, specs)
	want[99] = 3

	checkLog(t, path, want)

	// Exactly one archive per period that had records, named for it; none
	// for the quiet periods; none with an index, which would mean a second
	// rename of the same period.
	names := archiveNames(t, path)
	if _, ok := names[filepath.Base(path)+"."+yesterday.Format(sched.Layout())]; !ok {
		t.Errorf("the stale file was not archived under yesterday's name; archives: %v", names)
	}
	for name := range names {
		if indexSuffix(name) {
			t.Errorf("archive %s has an index: a period was renamed twice", name)
		}
	}
	for _, quiet := range []int{3300, 4300} {
		_, n := period(start.Add(time.Duration(quiet) * time.Millisecond))
		if _, ok := names["error.log."+n]; ok {
			t.Errorf("the quiet period %s has an archive", n)
		}
	}
	if len(names) < 6 { // yesterday's plus at least five rollovers
		t.Errorf("want at least 6 archives, got %d: %v", len(names), names)
	}
}

// TestMultiProcessCompressAndSize runs 9 processes over a one-second
// schedule and a size cap small enough for many size rollovers in each
// period, with compression on, and kills one of them while it compresses.
// Every record must be in a valid .gz (or the live file), in the file of
// its period, once; no temporary file may be left, and each period's
// archives must be numbered 0..k without a gap.
func TestMultiProcessCompressAndSize(t *testing.T) {
	if testing.Short() {
		t.Skip("forks processes for about six seconds")
	}
	skipUnderWine(t, wineAppend)
	dir := tempDir(t)
	path := filepath.Join(dir, "error.log")
	start := time.Now().Truncate(time.Second).Add(1200 * time.Millisecond)
	opts := "every=1s,locktimeout=3s,reopen=200ms,maxsize=65536,compress=1"
	var specs []childSpec
	for i := range 8 {
		specs = append(specs, childSpec{id: i, plan: [][2]int{{0, 5000}}, opts: opts})
	}
	// The child to be killed while compressing writes on for two seconds
	// after the others have left, so that its janitor, alone then, is the
	// one to compress: among nine, another often won every sweep.
	specs = append(specs, childSpec{id: 20, plan: [][2]int{{0, 7000}}, opts: opts, hang: "compressing"})
	want := runChildren(t, path, start, specs)
	finalSweep(t, path, allCompressed, childOptions(opts)...)

	checkLog(t, path, want)

	cfg := testConfig(t, childOptions(opts)...)
	perPeriod := map[time.Time][]int{}
	for name := range archiveNames(t, path) {
		if isLockFile(name) {
			continue
		}
		a, ok := cfg.parseArchive("error.log", name)
		require.True(t, ok, "unexpected file %s", name)
		require.True(t, a.compressed, "archive %s not compressed", name)
		perPeriod[a.period] = append(perPeriod[a.period], a.index)
	}
	sizeRollovers := 0
	for p, idx := range perPeriod {
		sort.Ints(idx)
		for i, n := range idx {
			require.Equal(t, i, n, "period %v: archive indexes %v have a gap", p, idx)
		}
		sizeRollovers += len(idx) - 1
	}
	assert.GreaterOrEqual(t, len(perPeriod), 4, "time rollovers")
	assert.GreaterOrEqual(t, sizeRollovers, 3*len(perPeriod), "size rollovers")
}

// TestMultiProcessRetention: with WithMaxBackups(5), after processes roll
// over many times, exactly the five newest archives are left, no file the
// writer did not name is touched, and what is left is whole.
func TestMultiProcessRetention(t *testing.T) {
	if testing.Short() {
		t.Skip("forks processes for about four seconds")
	}
	skipUnderWine(t, wineAppend)
	dir := tempDir(t)
	path := filepath.Join(dir, "error.log")
	foreign := []string{"error.log.notes", "error.log.2021-10-18.bak", "error.log.2021-10-18T00-00-00.gz.bak"}
	for _, f := range foreign {
		require.NoError(t, os.WriteFile(filepath.Join(dir, f), []byte("not ours\n"), 0o644))
	}
	opts := "every=1s,locktimeout=3s,reopen=200ms,maxsize=32768,maxbackups=5"
	eightWriters(t, path, opts)
	cfg := testConfig(t, childOptions(opts)...)
	// A last rollover-free sweep applies retention to the final archives.
	finalSweep(t, path, func(as []archiveName) bool { return len(as) <= 5 }, childOptions(opts)...)

	var ours []archiveName
	for name := range archiveNames(t, path) {
		if a, ok := cfg.parseArchive("error.log", name); ok {
			ours = append(ours, a)
		}
	}
	require.Len(t, ours, 5, "archives left: %v", names(ours))
	for _, f := range foreign {
		b, err := os.ReadFile(filepath.Join(dir, f))
		require.NoError(t, err, "foreign file %s", f)
		assert.Equal(t, "not ours\n", string(b))
		os.Remove(filepath.Join(dir, f)) // so that only our files are checked below
	}
	rep, err := logcheck.Check(path, periodFunc(Every(time.Second), time.UTC), nil)
	require.NoError(t, err)
	t.Log(rep)
	assert.Zero(t, rep.Duplicated+rep.Torn+rep.Blank+rep.Misplaced+rep.BadGzip+rep.EmptyArchives+rep.TempFiles, rep.Problems)
}

// TestMultiProcessBuffered: with buffering, batches from 8 processes never
// interleave, and each record still lands in its period's file.
func TestMultiProcessBuffered(t *testing.T) {
	if testing.Short() {
		t.Skip("forks processes for about four seconds")
	}
	skipUnderWine(t, wineAppend)
	dir := tempDir(t)
	path := filepath.Join(dir, "error.log")
	opts := "every=1s,locktimeout=3s,buffer=8192"
	want := eightWriters(t, path, opts)
	rep := checkLog(t, path, want)
	assert.GreaterOrEqual(t, rep.Archives, 3)
}
