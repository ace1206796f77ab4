package slogrotate

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gofrs/flock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func gunzip(t *testing.T, path string) string {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	zr, err := gzip.NewReader(f)
	require.NoError(t, err)
	b, err := io.ReadAll(zr)
	require.NoError(t, err)
	return string(b)
}

// Compression after the grace period, OnRotate with the .gz path, and the
// sweep at Open finishing what a dead compressor left: an orphaned
// temporary file and a source whose .gz is complete.
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

	clock := newClock(day1)
	done := make(chan string, 10)
	w := openTest(t, path, clock, WithCompress(), WithReopenCheck(20*time.Millisecond),
		WithOnRotate(func(a string) { done <- a }))
	writeLine(t, w, "a")
	clock.Add(24 * time.Hour)
	writeLine(t, w, "b")

	got := map[string]bool{}
	for len(got) < 2 {
		select {
		case a := <-done:
			got[filepath.Base(a)] = true
		case <-time.After(10 * time.Second):
			t.Fatalf("archives not completed; got %v", got)
		}
	}
	assert.Equal(t, map[string]bool{"error.log.2021-10-14.gz": true, "error.log.2021-10-18.gz": true}, got)
	require.NoError(t, w.Close())

	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var left []string
	for _, e := range entries {
		left = append(left, e.Name())
	}
	assert.ElementsMatch(t, []string{
		"error.log", "error.log.lock", "error.log.maint.lock",
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
	j := &janitor{path: filepath.Join(dir, "error.log"), cfg: cfg, stop: make(chan struct{}),
		roll: flock.New(filepath.Join(dir, "error.log.lock"))}
	testHook = func(stage string) {
		if stage == "compressed" {
			f, err := os.OpenFile(src, os.O_WRONLY|os.O_APPEND, 0)
			require.NoError(t, err)
			f.Write([]byte("late\n"))
			f.Close()
		}
	}
	defer func() { testHook = nil }()
	_, err := j.compress(src)
	require.ErrorIs(t, err, errGrew)
	_, err = os.Stat(src)
	assert.NoError(t, err, "the source is kept")
	_, err = os.Stat(src + ".gz")
	assert.ErrorIs(t, err, os.ErrNotExist)
	_, err = os.Stat(src + tmpSuffix)
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
	w, err := Open(path, WithLocation(time.UTC), WithClock(newClock(day1).Now), WithReopenCheck(5*time.Millisecond),
		WithErrorHandler(func(error) {}),
		WithOnRotate(func(a string) {
			<-opened
			inside <- a
			// Log until the writer is closed: Close runs meanwhile.
			for {
				if _, err := fmt.Fprintf(w, "uploaded %s\n", filepath.Base(a)); errors.Is(err, ErrClosed) {
					return
				}
			}
		}))
	require.NoError(t, err)
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
