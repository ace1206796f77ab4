package slogrotate

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/slogrotate/slogrotate/internal/logcheck"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// With WithKeepExtension the extension comes last, and a name is ours only
// if our naming produces exactly it: app.notes.log, logrotate's app.log.1
// and the live file app.log never are.
func TestParseArchiveKeepExtension(t *testing.T) {
	c := testConfig(t, WithKeepExtension())
	day := time.Date(2021, 10, 18, 0, 0, 0, 0, time.UTC)
	checkParses(t, c, "app.log", map[string]*archiveName{
		"app.2021-10-18.log":        {period: day},
		"app.2021-10-18.log.gz":     {period: day, compressed: true},
		"app.2021-10-18.3.log":      {period: day, index: 3},
		"app.2021-10-18.12.log.gz":  {period: day, index: 12, compressed: true},
		"app.log":                   nil,
		"app.log.lock":              nil,
		"app.log.maint.lock":        nil,
		"app.notes.log":             nil,
		"app.log.1":                 nil,
		"app.log.2021-10-18":        nil,
		"app.2021-10-18":            nil,
		"app.2021-10-18.log.bak":    nil,
		"app.2021-10-18.03.log":     nil,
		"app.2021-10-18.0.log":      nil,
		"app.2021-10-18.log.gz.tmp": nil,
		"other.2021-10-18.log":      nil,
	})
}

// A name without an extension (or whose only dot leads it) keeps the
// default form; the archive directory holds the archives.
func TestArchiveFileNames(t *testing.T) {
	day := time.Date(2021, 10, 18, 0, 0, 0, 0, time.UTC)
	keep := testConfig(t, WithKeepExtension())
	dir := testConfig(t, WithArchiveDir("old"))
	absDir, absWant := "/archive", "/archive/app.2021-10-18.1.log"
	if runtime.GOOS == "windows" {
		absDir, absWant = `C:\archive`, `C:\archive\app.2021-10-18.1.log`
	}
	abs := testConfig(t, WithArchiveDir(absDir), WithKeepExtension())
	for _, c := range []struct {
		cfg  *config
		path string
		i    int
		want string
	}{
		{keep, "/logs/app.log", 0, "/logs/app.2021-10-18.log"},
		{keep, "/logs/app.log", 2, "/logs/app.2021-10-18.2.log"},
		{keep, "/logs/error", 0, "/logs/error.2021-10-18"},
		{keep, "/logs/.hidden", 1, "/logs/.hidden.2021-10-18.1"},
		{dir, "/logs/error.log", 0, "/logs/old/error.log.2021-10-18"},
		{abs, "/logs/app.log", 1, absWant},
	} {
		got := c.cfg.archiveFile(c.path, day, c.i)
		assert.Equal(t, filepath.ToSlash(c.want), filepath.ToSlash(got))
		a, ok := c.cfg.parseArchive(filepath.Base(c.path), filepath.Base(got))
		require.True(t, ok, got)
		assert.True(t, a.period.Equal(day) && a.index == c.i, got)
	}
}

// Archives go to the archive directory, which Open creates; one that is a
// file is refused, naming the option.
func TestArchiveDir(t *testing.T) {
	dir := tempDir(t)
	path := filepath.Join(dir, "app.log")
	clock := newClock(day1)
	w := openTest(t, path, clock, WithArchiveDir("old"), WithKeepExtension())
	fi, err := os.Stat(filepath.Join(dir, "old"))
	require.NoError(t, err)
	assert.True(t, fi.IsDir())
	writeLine(t, w, "a")
	clock.Add(24 * time.Hour)
	writeLine(t, w, "b")
	require.NoError(t, w.Rotate())
	writeLine(t, w, "c")
	live, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, "c\n", string(live))
	assert.Equal(t, map[string]string{
		"app.2021-10-18.log": "a\n",
		"app.2021-10-19.log": "b\n",
	}, files(t, filepath.Join(dir, "old")))

	require.NoError(t, os.WriteFile(filepath.Join(dir, "plain"), nil, 0o644))
	_, err = Open(filepath.Join(dir, "x.log"), WithArchiveDir("plain"))
	assert.ErrorContains(t, err, "WithArchiveDir")
	assert.ErrorContains(t, err, "not a directory")
	_, err = Open(filepath.Join(dir, "x.log"), WithArchiveDir(""))
	assert.ErrorContains(t, err, `WithArchiveDir("")`)
}

// A kept extension that reads as a compressed or temporary file's would
// hide archives from retention: Open refuses it, naming the option.
func TestKeepExtensionAmbiguous(t *testing.T) {
	for _, name := range []string{"app.gz", "app.tmp"} {
		_, err := Open(filepath.Join(tempDir(t), name), WithKeepExtension(), WithCompress())
		assert.ErrorContains(t, err, "WithKeepExtension", name)
		assert.ErrorIs(t, err, ErrInvalidOption, name)
	}
	w, err := Open(filepath.Join(tempDir(t), "app.log"), WithKeepExtension(), WithCompress())
	require.NoError(t, err)
	w.Close()
}

// Many processes, some killed, across one-second rollovers with size caps
// and compression, archiving into another directory under names that keep
// the extension: every record once, in the file of its period; every
// archive in the archive directory, named as the naming makes it.
func TestMultiProcessArchiveDir(t *testing.T) {
	if testing.Short() {
		t.Skip("forks processes for about six seconds")
	}
	skipUnderWine(t, wineAppend)
	dir := tempDir(t)
	path := filepath.Join(dir, "app.log")
	start := time.Now().Truncate(time.Second).Add(1200 * time.Millisecond)
	opts := "every=1s,locktimeout=3s,reopen=200ms,maxsize=65536,compress=1,archivedir=old,keepext=1"
	var specs []childSpec
	for i := range 6 {
		specs = append(specs, childSpec{id: i, plan: [][2]int{{0, 5000}}, opts: opts})
	}
	specs = append(specs, childSpec{id: 7, plan: [][2]int{{0, 5000}}, opts: opts, killAt: 2500 * time.Millisecond})
	want := runChildren(t, path, start, specs)
	finalSweep(t, path, func(as []archiveName) bool { return len(as) > 0 && allCompressed(as) }, childOptions(opts)...)

	old := filepath.Join(dir, "old")
	cfg := testConfig(t, childOptions(opts)...)
	rep, err := logcheck.ScanDir(old, nil)
	require.NoError(t, err)
	live, err := logcheck.ReadFile(path)
	require.NoError(t, err)
	rep.Add(live)
	archives := 0
	rep.CheckPeriods("app.log", periodFunc(Every(time.Second), time.UTC), func(name string) (string, bool) {
		a, ok := cfg.parseArchive("app.log", name)
		require.True(t, ok, "%s in the archive directory is not an archive of app.log", name)
		archives++
		return a.period.Format(cfg.layout), true
	})
	rep.AccountAll(want)
	t.Log(rep)
	for _, p := range rep.Problems {
		t.Error(p)
	}
	assert.True(t, rep.OK(), "records not accounted for")
	assert.GreaterOrEqual(t, archives, 4, "archives in %s", old)
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	for _, e := range entries {
		n := e.Name()
		assert.True(t, n == "app.log" || n == "old" || isLockFile(n), "%s beside the live file", n)
	}
}

// Open skips checkNames for the namings defaultNaming accepts, so every
// one of them must pass it: each schedule's default layout, in zones with
// odd offsets and daylight saving, for bases that look like archives or
// temporary files. The other namings are there so that a defaultNaming
// that accepted too much would be caught (app.gz with WithKeepExtension
// is ambiguous).
func TestDefaultNamingsPassCheckNames(t *testing.T) {
	// Every's steps of each kind of default layout (seconds, minutes,
	// hours), dividing the day or not.
	schedules := []Schedule{Daily(), DailyAt(6, 30), Weekly(time.Wednesday), Monthly()}
	for _, step := range []int{1, 7, 45, 60, 90, 997, 900, 1800, 3600, 5400, 7200, 10800, 43200, 86400 - 997} {
		schedules = append(schedules, Every(time.Duration(step)*time.Second))
	}
	locs := []*time.Location{time.UTC, time.Local}
	for _, zone := range []string{"America/New_York", "Australia/Lord_Howe", "Asia/Kathmandu", "Pacific/Chatham", "America/Santiago"} {
		if loc, err := time.LoadLocation(zone); err == nil {
			locs = append(locs, loc)
		}
	}
	variants := [][]Option{nil, {WithCompress()}, {WithKeepExtension()}, {WithCompressor(badCompressor{ext: ".zst"})}}
	accepted := 0
	for _, s := range schedules {
		for _, loc := range locs {
			for _, base := range []string{"app.log", "app", ".hidden", "app.gz", "app.tmp", "app.1", "app.2021-10-18"} {
				for _, v := range variants {
					c := defaultConfig()
					for _, o := range append([]Option{WithSchedule(s), WithLocation(loc)}, v...) {
						o(&c)
					}
					c.layout = s.Layout()
					c.fixExts()
					if !c.defaultNaming() {
						continue
					}
					accepted++
					require.NoError(t, c.checkNames(base), "%s in %s, %s", s, loc, base)
				}
			}
		}
	}
	require.Positive(t, accepted)
	c := testConfig(t)
	assert.True(t, c.defaultNaming(), "Open's defaults are not a default naming")
}
