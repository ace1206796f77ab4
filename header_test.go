package slogrotate

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slogrotate/slogrotate/internal/logcheck"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const testHeader = "time,level,msg\n"

// Each file the writer creates starts with the header, once: the first at
// Open, the next after a scheduled rollover, a size rollover and Rotate.
// Opening the log again adds none to the file that is there.
func TestHeaderInEveryNewFile(t *testing.T) {
	dir := tempDir(t)
	path := filepath.Join(dir, "error.log")
	clock := newClock(day1)
	w := openTest(t, path, clock, WithHeader([]byte("time,level,msg")), WithMaxSize(40))
	writeLine(t, w, "a")
	again := openTest(t, path, clock, WithHeader([]byte(testHeader)), WithMaxSize(40))
	writeLine(t, again, "b")
	clock.Add(24 * time.Hour)
	writeLine(t, w, "c")
	writeLine(t, w, strings.Repeat("d", 30)) // over the size
	writeLine(t, w, "e")
	require.NoError(t, w.Rotate())
	assert.Equal(t, map[string]string{
		"error.log.2021-10-18":   testHeader + "a\nb\n",
		"error.log.2021-10-19":   testHeader + "c\n" + strings.Repeat("d", 30) + "\n",
		"error.log.2021-10-19.1": testHeader + "e\n",
		"error.log":              testHeader,
	}, files(t, dir))
}

// A file the writer did not create gets no header: not one an outside tool
// put at the path, nor one Open finds; but the file a writer creates after
// an outside tool moved the log away has one.
func TestHeaderOnlyInFilesTheWriterCreates(t *testing.T) {
	dir := tempDir(t)
	path := filepath.Join(dir, "error.log")
	require.NoError(t, os.WriteFile(path, []byte("old\n"), 0o644))
	clock := newClock(day1)
	require.NoError(t, os.Chtimes(path, day1, day1))
	w := openTest(t, path, clock, WithHeader([]byte(testHeader)))
	writeLine(t, w, "a")
	require.NoError(t, os.Rename(path, path+".moved"))
	require.NoError(t, w.Reopen())
	writeLine(t, w, "b")
	require.NoError(t, os.Rename(path, path+".moved2"))
	require.NoError(t, os.WriteFile(path, []byte("theirs\n"), 0o644))
	require.NoError(t, os.Chtimes(path, day1, day1))
	require.NoError(t, w.Reopen())
	writeLine(t, w, "c")
	assert.Equal(t, map[string]string{
		"error.log.moved":  "old\na\n",
		"error.log.moved2": testHeader + "b\n",
		"error.log":        "theirs\nc\n",
	}, files(t, dir))
}

// A writer that cannot take the rollover lock creates the file it writes to
// without it (fallback), with the header too.
func TestHeaderWithoutTheLock(t *testing.T) {
	dir := tempDir(t)
	path := filepath.Join(dir, "error.log")
	w := openTest(t, path, nil, WithHeader([]byte(testHeader)))
	require.NoError(t, os.Remove(path))
	w.mu.Lock()
	w.f.Close()
	w.f = nil
	w.fallback(w.cfg.clock(), retryDelay, false)
	w.mu.Unlock()
	writeLine(t, w, "a")
	assert.Equal(t, map[string]string{"error.log": testHeader + "a\n"}, files(t, dir))
}

// A file that holds only the header is empty: an idle period does not
// archive it, and Rotate leaves it.
func TestHeaderOnlyFileIsEmpty(t *testing.T) {
	dir := tempDir(t)
	path := filepath.Join(dir, "error.log")
	clock := newClock(day1)
	w := openTest(t, path, clock, WithHeader([]byte(testHeader)))
	require.NoError(t, w.Rotate())
	clock.Add(48 * time.Hour)
	writeLine(t, w, "a")
	assert.Equal(t, map[string]string{"error.log": testHeader + "a\n"}, files(t, dir))
}

// A buffered log archives the header-only file of an idle period like an
// empty one, and the janitor removes that archive.
func TestBufferedHeaderOnlyArchiveIsRemoved(t *testing.T) {
	dir := tempDir(t)
	path := filepath.Join(dir, "error.log")
	clock := newClock(day1)
	w := openTest(t, path, clock, WithHeader([]byte(testHeader)), WithBuffer(4096), WithFlushInterval(20*time.Millisecond), WithReopenCheck(50*time.Millisecond))
	clock.Add(24 * time.Hour)
	writeLine(t, w, "y")
	require.NoError(t, w.Flush())
	require.Eventually(t, func() bool {
		_, err := os.Stat(path + ".2021-10-18")
		return errors.Is(err, fs.ErrNotExist)
	}, 5*time.Second, 5*time.Millisecond, "the header-only archive of the idle day is still there")
	assert.Equal(t, map[string]string{"error.log": testHeader + "y\n"}, files(t, dir))
}

// Bad headers make Open fail, naming the option.
func TestHeaderInvalid(t *testing.T) {
	for name, opts := range map[string][]Option{
		"empty":         {WithHeader(nil)},
		"NUL":           {WithHeader([]byte("a\x00b\n"))},
		"too long":      {WithHeader([]byte(strings.Repeat("x", maxHeaderSize+1)))},
		"over max size": {WithHeader([]byte("0123456789")), WithMaxSize(11)},
	} {
		_, err := Open(filepath.Join(t.TempDir(), "error.log"), opts...)
		require.ErrorIs(t, err, ErrInvalidOption, name)
		require.ErrorContains(t, err, "WithHeader", name)
	}
}

// Of processes racing to create the file, one wins; the others open its
// file, header and all, and no temporary file is left.
func TestCreateLiveRace(t *testing.T) {
	dir := tempDir(t)
	path := filepath.Join(dir, "error.log")
	f, err := createWithHeader(path, 0o640, []byte(testHeader))
	require.NoError(t, err)
	defer f.Close()
	_, err = createWithHeader(path, 0o640, []byte("other\n"))
	require.ErrorIs(t, err, fs.ErrExist)
	g, err := createLive(path, 0o640, []byte("other\n"))
	require.NoError(t, err)
	defer g.Close()
	_, err = g.Write([]byte("a\n"))
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"error.log": testHeader + "a\n"}, files(t, dir))
}

// Eight processes write across several scheduled and size rollovers:
// every file, live and archived, starts with the header and has it once,
// every record is there once, and no temporary file is left.
func TestMultiProcessHeader(t *testing.T) {
	if testing.Short() {
		t.Skip("forks processes for about four seconds")
	}
	skipUnderWine(t, wineAppend)
	dir := tempDir(t)
	path := filepath.Join(dir, "error.log")
	opts := "every=1s,locktimeout=3s,reopen=100ms,maxsize=65536,header=v1"
	want := eightWriters(t, path, opts)
	checkLog(t, path, want)

	rep, err := logcheck.ScanDir(dir, nil)
	require.NoError(t, err)
	require.Zero(t, rep.TempFiles, "temporary files left")
	require.Greater(t, len(rep.ByFile), 8, "too few rollovers to test anything")
	for name, f := range rep.ByFile {
		assert.Equal(t, []int{1}, f.Headers, "header lines of %s", name)
	}
}
