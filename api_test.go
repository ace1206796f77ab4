package slogrotate

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A nil option makes Open fail with an error that says which one.
func TestNilOptionIsAnError(t *testing.T) {
	path := filepath.Join(tempDir(t), "error.log")
	_, err := Open(path, WithLocation(time.UTC), nil)
	require.ErrorIs(t, err, ErrInvalidOption)
	assert.ErrorContains(t, err, "option 2 of 2 is nil")
	_, err = os.Stat(path)
	assert.ErrorIs(t, err, os.ErrNotExist, "Open created the log anyway")
}

// Every error value of the package starts with "slogrotate: ", once.
func TestErrorPrefix(t *testing.T) {
	for _, err := range []error{ErrRecordTooLarge, ErrClosed, ErrLockBusy, ErrFileMoved, ErrBadState, ErrInvalidOption} {
		assert.True(t, strings.HasPrefix(err.Error(), "slogrotate: "), "%q", err)
	}
	errs := &errCollector{}
	path := filepath.Join(tempDir(t), "error.log")
	w := openTest(t, path, nil, WithErrorHandler(errs.handle))
	_, err := w.Write(make([]byte, MaxRecordSize+1))
	require.Error(t, err)
	require.NoError(t, os.WriteFile(lockPathOf(path), []byte("\x00garbage\n"), 0o640))
	require.NoError(t, w.Reopen())
	require.Len(t, errs.all(), 2)
	for _, err := range errs.all() {
		assert.Equal(t, 1, strings.Count(err.Error(), "slogrotate: "), "%q", err)
	}
}

// A record without a final newline gets one; Write reports the bytes it
// was given.
func TestRecordWithoutNewlineGetsOne(t *testing.T) {
	for _, opts := range [][]Option{nil, {WithBuffer(4096)}} {
		path := filepath.Join(tempDir(t), "error.log")
		w := openTest(t, path, nil, opts...)
		for _, rec := range []string{"one", "two\n", "three"} {
			n, err := w.Write([]byte(rec))
			require.NoError(t, err)
			assert.Equal(t, len(rec), n)
		}
		require.NoError(t, w.Close())
		assert.Equal(t, "one\ntwo\nthree\n", content(t, path))
	}
}

// Sync with no file open (the log's directory is gone, so neither the
// file nor a new one can be opened) fails and says why, as writes do.
func TestSyncWithNoFileOpen(t *testing.T) {
	if isWindows {
		t.Skip("Windows keeps a removed file's name, and its directory, while a handle is open")
	}
	dir := filepath.Join(tempDir(t), "logs")
	errs := &errCollector{}
	w := openTest(t, filepath.Join(dir, "error.log"), nil, WithErrorHandler(errs.handle))
	writeLine(t, w, "a")
	require.NoError(t, os.RemoveAll(dir))
	require.Error(t, w.Reopen())
	err := w.Sync()
	require.Error(t, err)
	assert.ErrorContains(t, err, "the log file is not open")
	_, werr := w.Write([]byte("b\n"))
	assert.ErrorContains(t, werr, "the log file is not open")
}

// After Close, no goroutine of the package is left: not the janitor, not
// a timer's function, with every option that starts one.
func TestCloseLeavesNoGoroutine(t *testing.T) {
	dir := tempDir(t)
	path := filepath.Join(dir, "error.log")
	w, err := Open(path, WithLocation(time.UTC), WithSchedule(Every(time.Second)), WithCompress(), WithMaxBackups(3),
		WithBuffer(4096), WithFlushInterval(time.Millisecond), WithOnRotate(func(string) {}))
	require.NoError(t, err)
	writeLine(t, w, "a")
	require.NoError(t, w.Rotate())
	writeLine(t, w, "b")
	require.NotEmpty(t, packageGoroutines(), "the test sees no goroutine of the package while it runs")
	require.NoError(t, w.Close())
	// A goroutine that Close waited for may still be returning.
	deadline := time.Now().Add(time.Second)
	for len(packageGoroutines()) > 0 && time.Now().Before(deadline) {
		runtime.Gosched()
	}
	assert.Empty(t, packageGoroutines())
}

// packageGoroutines returns the stacks of the goroutines running code of
// the package's own (non-test) files.
func packageGoroutines() []string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	var out []string
	for g := range strings.SplitSeq(string(buf), "\n\n") {
		if strings.Contains(g, "_test.go:") {
			continue
		}
		for line := range strings.Lines(g) {
			if strings.Contains(line, "github.com/slogrotate/slogrotate.") && !strings.Contains(line, "created by") {
				out = append(out, g)
				break
			}
		}
	}
	return out
}
