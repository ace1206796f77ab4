package slogrotate

import (
	"compress/gzip"
	"errors"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slogrotate/slogrotate/internal/logcheck"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fastGzipDecoders lets logcheck read fastGzip's archives.
var fastGzipDecoders = logcheck.Decoders{".fgz": logcheck.Gunzip, ".gz": logcheck.Gunzip}

// badCompressor is a compressor with a given extension and, if err is
// set, a NewWriter that fails.
type badCompressor struct {
	ext string
	err error
}

func (b badCompressor) Extension() string { return b.ext }

func (b badCompressor) NewWriter(w io.Writer) (io.WriteCloser, error) {
	if b.err != nil {
		return nil, b.err
	}
	return gzip.NewWriter(w), nil
}

// Bad compressors make Open fail with an error that names the option and
// says what is wrong; good ones open.
func TestCompressorOptionErrors(t *testing.T) {
	dir := tempDir(t)
	path := filepath.Join(dir, "error.log")
	for _, tc := range []struct {
		opt  Option
		want string // in the error; "" for none
	}{
		{WithCompressor(nil), "WithCompressor(nil): a compressor is required"},
		{WithCompressor(GzipCompressor(10)), "WithCompressor(GzipCompressor(10)): gzip: invalid compression level: 10"},
		{WithCompressor(GzipCompressor(-3)), "WithCompressor(GzipCompressor(-3))"},
		{WithCompressor(badCompressor{ext: ""}), "the extension is empty"},
		{WithCompressor(badCompressor{ext: "zst"}), `"zst" does not start with a dot`},
		{WithCompressor(badCompressor{ext: ".a/b"}), "path separator"},
		{WithCompressor(badCompressor{ext: `.a\b`}), "path separator"},
		{WithCompressor(badCompressor{ext: ".tmp"}), "temporary files"},
		{WithCompressor(badCompressor{ext: ".lock"}), "lock files"},
		{WithCompressor(badCompressor{ext: ".maint.lock"}), "lock files"},
		{WithCompressor(badCompressor{ext: ".zst.TMP"}), "temporary files"},
		{WithCompressor(badCompressor{ext: ".1"}), "digits only"},        // an archive index
		{WithCompressor(badCompressor{ext: ".gz.2"}), "digits only"},     // error.log.<day>.gz.2
		{WithCompressor(badCompressor{ext: "."}), "no part empty"},       // error.log.<day>.
		{WithCompressor(badCompressor{ext: ".a..b"}), "no part empty"},   // two dots
		{WithCompressor(badCompressor{ext: ".z st"}), "letters, digits"}, // a space
		{WithCompressor(badCompressor{ext: ".zst", err: errors.New("no encoder")}), "WithCompressor(slogrotate.badCompressor): no encoder"},
		{WithKeepUncompressed(-1), "WithKeepUncompressed(-1): the count must not be negative"},
		{WithMaxTotalSize(0), "WithMaxTotalSize(0): the size must be positive"},
		{WithMaxTotalSize(-5), "WithMaxTotalSize(-5)"},
		{WithCompressor(GzipCompressor(gzip.BestSpeed)), ""},
		{WithCompressor(GzipCompressor(gzip.HuffmanOnly)), ""},
		{WithCompressor(badCompressor{ext: ".tar.zst"}), ""},
		{WithCompressor(badCompressor{ext: ".x-1_2+3"}), ""},
		{WithCompressor(fastGzip{}), ""},
		{WithKeepUncompressed(0), ""},
	} {
		// Each Open records other options in the one lock file than the
		// one before it: ErrOptionsDiffer is expected, and nothing else.
		w, err := Open(path, WithLocation(time.UTC), tc.opt, WithErrorHandler(func(err error) {
			assert.ErrorIs(t, err, ErrOptionsDiffer)
		}))
		if tc.want == "" {
			require.NoError(t, err)
			require.NoError(t, w.Close())
			continue
		}
		require.Error(t, err, tc.want)
		assert.Contains(t, err.Error(), tc.want)
	}
}

// An extension that the archive layout makes ambiguous is refused at Open:
// with the layout "2006-01-02.Mon", a plain archive ends in ".Mon" too, and
// would be taken for a compressed one.
func TestCompressorAmbiguousWithLayout(t *testing.T) {
	_, err := Open(filepath.Join(tempDir(t), "error.log"), WithLocation(time.UTC),
		WithArchiveLayout("2006-01-02.Mon"), WithCompressor(badCompressor{ext: ".Mon"}))
	require.Error(t, err)
	assert.Contains(t, err.Error(), `WithCompressor(slogrotate.badCompressor): the extension ".Mon" makes the names of plain and compressed archives ambiguous`)
}

// The parser recognises the compressor's extension and .gz, and nothing
// else; a temporary file of either is not an archive.
func TestParseArchiveCompressorExtension(t *testing.T) {
	c := testConfig(t, WithCompressor(fastGzip{}))
	assert.Equal(t, []string{".fgz", ".gz"}, c.compressedExts())
	day := time.Date(2021, 10, 18, 0, 0, 0, 0, time.UTC)
	checkParses(t, c, "error.log", map[string]*archiveName{
		"error.log.2021-10-18":         {period: day},
		"error.log.2021-10-18.fgz":     {period: day, compressed: true},
		"error.log.2021-10-18.3.fgz":   {period: day, index: 3, compressed: true},
		"error.log.2021-10-18.2.gz":    {period: day, index: 2, compressed: true},
		"error.log.2021-10-18.zst":     nil,
		"error.log.2021-10-18.fgz.tmp": nil,
		"error.log.2021-10-18.gz.fgz":  nil,
		"error.log.2021-10-18.fgz.gz":  nil,
	})
	assert.Equal(t, []string{".gz"}, testConfig(t, WithCompressor(GzipCompressor(1))).compressedExts())
	assert.Equal(t, []string{".gz"}, testConfig(t).compressedExts(), "without compression, .gz is still ours")
}

// A rollover does not take an archive name that is there compressed, with
// the compressor's extension or with .gz.
func TestFreeNameSkipsEveryCompressedExtension(t *testing.T) {
	dir := tempDir(t)
	path := filepath.Join(dir, "error.log")
	require.NoError(t, os.WriteFile(path+".2021-10-18.fgz", []byte("compressed now"), 0o644))
	require.NoError(t, os.WriteFile(path+".2021-10-18.1.gz", []byte("compressed before"), 0o644))
	clock := newClock(day1)
	w := openTest(t, path, clock, WithCompressor(fastGzip{}), WithReopenCheck(time.Hour))
	writeLine(t, w, "a")
	clock.Add(24 * time.Hour)
	writeLine(t, w, "b")
	got := files(t, dir)
	assert.Equal(t, "a\n", got["error.log.2021-10-18.2"])
	assert.Equal(t, "compressed now", got["error.log.2021-10-18.fgz"])
	assert.Equal(t, "compressed before", got["error.log.2021-10-18.1.gz"])
}

// After a switch from gzip to another compressor, a sweep compresses with
// the new one, counts the .gz archives for retention like the others,
// finishes what a compressor of either kind left (a temporary file, a
// source beside its compressed file) without compressing twice, and
// touches no other name.
func TestSweepAfterCompressorSwitch(t *testing.T) {
	dir := tempDir(t)
	path := filepath.Join(dir, "error.log")
	old := time.Now().Add(-time.Hour)
	put := func(suffix, data string) {
		t.Helper()
		require.NoError(t, os.WriteFile(path+suffix, []byte(data), 0o644))
		require.NoError(t, os.Chtimes(path+suffix, old, old))
	}
	gz := func(s string) string {
		var b strings.Builder
		zw := gzip.NewWriter(&b)
		zw.Write([]byte(s))
		zw.Close()
		return b.String()
	}
	put(".2021-10-10.gz", gz("ten\n"))        // oldest: retention deletes it
	put(".2021-10-11.gz", gz("eleven\n"))     // kept, as .gz
	put(".2021-10-12", "twelve\n")            // compressed by a dead gzip process,
	put(".2021-10-12.gz", gz("twelve\n"))     // which did not remove the source
	put(".2021-10-13", "thirteen\n")          // a dead .fgz compressor's temporary
	put(".2021-10-13.fgz.tmp", "partial")     // file: removed, the work redone
	put(".2021-10-14", "fourteen\n")          // a dead gzip compressor's temporary
	put(".2021-10-14.gz.tmp", "partial")      // file: removed, compressed as .fgz
	put(".2021-10-15.zst", "another program") // not ours under this setting
	put(".notes.fgz.tmp", "not ours")
	j := sweepJanitor(t, dir, WithCompressor(fastGzip{}), WithMaxBackups(4), WithReopenCheck(10*time.Millisecond))
	sweepRipe(j)
	got := files(t, dir)
	assert.ElementsMatch(t, []string{
		"error.log.2021-10-11.gz", "error.log.2021-10-12.gz", "error.log.2021-10-13.fgz", "error.log.2021-10-14.fgz",
		"error.log.2021-10-15.zst", "error.log.notes.fgz.tmp",
	}, keys(got))
	assert.Equal(t, "twelve\n", gunzip(t, path+".2021-10-12.gz"))
	assert.Equal(t, "thirteen\n", gunzip(t, path+".2021-10-13.fgz"))
	assert.Equal(t, "fourteen\n", gunzip(t, path+".2021-10-14.fgz"))
}

// sweepRipe sweeps twice, a grace period apart: a sweep leaves alone
// what it lists for the first time.
func sweepRipe(j *janitor) {
	j.sweep()
	time.Sleep(j.grace() + 10*time.Millisecond)
	j.sweep()
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// WithKeepUncompressed(2) leaves the two newest archives plain, counting
// an archive already compressed among them, and compresses the others.
func TestKeepUncompressed(t *testing.T) {
	dir := tempDir(t)
	path := filepath.Join(dir, "error.log")
	old := time.Now().Add(-time.Hour)
	for _, s := range []string{".2021-10-10", ".2021-10-11", ".2021-10-12", ".2021-10-12.1", ".2021-10-13"} {
		require.NoError(t, os.WriteFile(path+s, []byte(s+"\n"), 0o644))
		require.NoError(t, os.Chtimes(path+s, old, old))
	}
	j := sweepJanitor(t, dir, WithCompressor(fastGzip{}), WithKeepUncompressed(2), WithReopenCheck(10*time.Millisecond))
	sweepRipe(j)
	assert.ElementsMatch(t, []string{
		"error.log.2021-10-10.fgz", "error.log.2021-10-11.fgz", "error.log.2021-10-12.fgz",
		"error.log.2021-10-12.1", "error.log.2021-10-13",
	}, keys(files(t, dir)))

	// Already compressed, the newest still counts as one of the two.
	require.NoError(t, os.WriteFile(path+".2021-10-14.fgz", nil, 0o644))
	j.listedAt = time.Time{} // a listing due, which sees it
	sweepRipe(j)
	assert.ElementsMatch(t, []string{
		"error.log.2021-10-10.fgz", "error.log.2021-10-11.fgz", "error.log.2021-10-12.fgz",
		"error.log.2021-10-12.1.fgz", "error.log.2021-10-13", "error.log.2021-10-14.fgz",
	}, keys(files(t, dir)))
}

// OnRotate reports the path with the compressor's extension, and the
// archive decompresses to what was written.
func TestCompressorOnRotate(t *testing.T) {
	dir := tempDir(t)
	path := filepath.Join(dir, "error.log")
	clock := newClock(day1)
	done := make(chan string, 1)
	w := openTest(t, path, clock, WithCompressor(fastGzip{}), WithReopenCheck(10*time.Millisecond),
		WithOnRotate(func(a string) { done <- a }))
	writeLine(t, w, "a")
	clock.Add(24 * time.Hour)
	writeLine(t, w, "b")
	select {
	case a := <-done:
		assert.Equal(t, path+".2021-10-18.fgz", a)
		assert.Equal(t, "a\n", gunzip(t, a))
	case <-time.After(10 * time.Second):
		t.Fatal("the archive was not compressed")
	}
}

// TestMultiProcessCompressorSwitch runs processes over a one-second
// schedule with size rollovers twice: first with gzip, then, as after a
// restart with a new setting, with the test compressor (.fgz) keeping the
// two newest archives uncompressed; in each run one process is killed
// while it compresses, and in the second another one at a random point.
// The second run must finish what the first left: remove its temporary
// file, compress its archives.
// Every record must be in a valid archive (.gz from the first run, .fgz or
// plain from the second) or the live file, in the file of its period,
// once; no temporary file of either compressor may be left, no archive may
// be there twice, and only the two newest may be plain.
func TestMultiProcessCompressorSwitch(t *testing.T) {
	if testing.Short() {
		t.Skip("forks processes for about ten seconds")
	}
	skipUnderWine(t, wineAppend)
	dir := tempDir(t)
	path := filepath.Join(dir, "error.log")
	const base = "every=1s,locktimeout=3s,reopen=200ms,maxsize=65536"
	run := func(opts string, specs []childSpec) map[int]int {
		start := time.Now().Truncate(time.Second).Add(1200 * time.Millisecond)
		for i := range specs {
			specs[i].opts = opts
		}
		return runChildren(t, path, start, specs)
	}
	// The process killed while it compresses runs alone: in the first run
	// after the others have closed, so that what it leaves (a temporary
	// file, archives not compressed) is for the second run to finish; in
	// the second run first, so that it compresses before the others start,
	// rather than whichever holds the maintenance lock when an archive
	// becomes ripe.
	gzipRun := []childSpec{{id: 20, plan: [][2]int{{2600, 5000}}, hang: "compressing"}}
	for i := range 4 {
		gzipRun = append(gzipRun, childSpec{id: i, plan: [][2]int{{0, 2500}}})
	}
	want := run(base+",compress=1", gzipRun)
	if tmps, _ := filepath.Glob(path + ".*.gz.tmp"); len(tmps) != 1 {
		t.Errorf("the first run left %v, not one .gz.tmp for the second to remove", tmps)
	}
	first, window := [][2]int{{0, 3000}}, [][2]int{{1000, 3000}}
	fgzRun := []childSpec{
		{id: 21, plan: first, hang: "compressing"},
		{id: 22, plan: window, killAt: 2100 * time.Millisecond},
	}
	for i := range 6 {
		fgzRun = append(fgzRun, childSpec{id: 10 + i, plan: window})
	}
	opts := base + ",compressor=1,keepuncompressed=2"
	maps.Copy(want, run(opts, fgzRun))

	finalSweep(t, path, func(as []archiveName) bool {
		slices.SortFunc(as, newestFirst)
		for i, n := 0, 0; i < len(as); i, n = i+1, n+1 {
			if i+1 < len(as) && sameArchive(as[i], as[i+1]) {
				return false // there twice: compression not finished
			}
			if as[i].compressed != (n >= 2) {
				return false
			}
		}
		return true
	}, childOptions(opts)...)

	rep, err := logcheck.CheckDecoders(path, periodFunc(Every(time.Second), time.UTC), want, fastGzipDecoders)
	require.NoError(t, err)
	t.Log(rep)
	for _, p := range rep.Problems {
		t.Error(p)
	}
	require.True(t, rep.OK(), "records not accounted for: %v", rep)
	count := map[string]int{}
	for name := range archiveNames(t, path) {
		count[filepath.Ext(name)]++
	}
	assert.Positive(t, count[".gz"], "archives of the first run: %v", count)
	assert.Positive(t, count[".fgz"], "archives of the second run: %v", count)
}
