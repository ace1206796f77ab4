package slogrotate

import (
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestBufferBatchesAndFlushesOnSize(t *testing.T) {
	dir := tempDir(t)
	path := filepath.Join(dir, "error.log")
	w := openTest(t, path, newClock(day1), WithBuffer(16), WithFlushInterval(time.Hour))
	writeLine(t, w, "aaaa") // 5 bytes, buffered
	writeLine(t, w, "bbbb")
	writeLine(t, w, "cccc")
	assert.Equal(t, "", content(t, path), "nothing written yet")
	writeLine(t, w, "dddd") // would make 20 > 16: the first three go out
	assert.Equal(t, "aaaa\nbbbb\ncccc\n", content(t, path))
	writeLine(t, w, "a record longer than the buffer") // bypasses it, after the batch
	assert.Equal(t, "aaaa\nbbbb\ncccc\ndddd\na record longer than the buffer\n", content(t, path))
	writeLine(t, w, "e")
	require.NoError(t, w.Flush())
	assert.Equal(t, "aaaa\nbbbb\ncccc\ndddd\na record longer than the buffer\ne\n", content(t, path))
	writeLine(t, w, "f")
	require.NoError(t, w.Close())
	assert.Contains(t, content(t, path), "e\nf\n", "Close flushes")
}

// Buffered records are written before the rollover, into the file of the
// period in which they were written.
func TestBufferFlushesBeforeRollover(t *testing.T) {
	dir := tempDir(t)
	path := filepath.Join(dir, "error.log")
	clock := newClock(day1)
	w := openTest(t, path, clock, WithBuffer(4096), WithFlushInterval(time.Hour))
	writeLine(t, w, "day1-a")
	writeLine(t, w, "day1-b")
	clock.Add(24 * time.Hour)
	writeLine(t, w, "day2")
	require.NoError(t, w.Sync())
	assert.Equal(t, map[string]string{
		"error.log.2021-10-18": "day1-a\nday1-b\n",
		"error.log":            "day2\n",
	}, files(t, dir))
}

// The flush interval writes a batch out while the process is idle.
func TestBufferFlushesWhenIdle(t *testing.T) {
	dir := tempDir(t)
	path := filepath.Join(dir, "error.log")
	w := openTest(t, path, newClock(day1), WithBuffer(4096), WithFlushInterval(20*time.Millisecond))
	writeLine(t, w, "idle")
	require.Eventually(t, func() bool { return content(t, path) == "idle\n" }, 5*time.Second, 5*time.Millisecond)
}

// Through a Handler, a record at or above the flush level is in the file
// when Handle returns; lower ones wait.
func TestBufferFlushLevel(t *testing.T) {
	dir := tempDir(t)
	path := filepath.Join(dir, "error.log")
	w := openHandlerTest(t, path, WithBuffer(4096), WithFlushInterval(time.Hour))
	h := NewTextHandler(w, &slog.HandlerOptions{ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey {
			return slog.Attr{}
		}
		return a
	}})
	log := slog.New(h).With("k", 1)
	log.Info("info")
	assert.Equal(t, "", content(t, path))
	log.Error("boom")
	assert.Equal(t, "level=INFO msg=info k=1\nlevel=ERROR msg=boom k=1\n", content(t, path))

	// WithFlushLevel lowers the bar.
	path2 := filepath.Join(dir, "warn.log")
	w2 := openHandlerTest(t, path2, WithBuffer(4096), WithFlushInterval(time.Hour), WithFlushLevel(slog.LevelWarn))
	slog.New(NewJSONHandler(w2, nil)).Warn("careful")
	assert.Contains(t, content(t, path2), "careful")
}

func TestBufferBadInput(t *testing.T) {
	for name, o := range map[string]Option{
		"WithBuffer(0)":         WithBuffer(0),
		"WithBuffer(1048577)":   WithBuffer(MaxRecordSize + 1),
		"WithFlushInterval(0s)": WithFlushInterval(0),
		"WithFlushLevel(nil)":   WithFlushLevel(nil),
	} {
		_, err := Open(filepath.Join(tempDir(t), "x.log"), o)
		assert.ErrorContains(t, err, name)
	}
}

// A record another process still holds in its buffer when the period ends
// belongs to the period's file even if that file is empty at the boundary:
// the rollover archives it rather than carry it over as the next period's
// file, and the janitor removes such an archive once no writer can append
// to it if it is still empty.
func TestBufferedRecordOfAnEmptyPeriod(t *testing.T) {
	dir := tempDir(t)
	path := filepath.Join(dir, "error.log")
	clockA, clockB := newClock(day1), newClock(day1)
	opts := []Option{WithBuffer(4096), WithFlushInterval(time.Hour), WithReopenCheck(50 * time.Millisecond)}
	a := openTest(t, path, clockA, opts...)
	b := openTest(t, path, clockB, opts...)
	midnight := time.Date(2021, 10, 19, 0, 0, 0, 0, time.UTC)
	clockB.Set(midnight.Add(-time.Millisecond))
	writeLine(t, b, "late") // buffered in b, of day 1
	clockA.Set(midnight.Add(time.Millisecond))
	writeLine(t, a, "next") // a rolls over; the live file is empty
	require.NoError(t, a.Flush())
	clockB.Set(midnight.Add(time.Second))
	writeLine(t, b, "next-b") // b flushes "late" before its rollover
	require.NoError(t, b.Flush())
	assert.Equal(t, map[string]string{
		"error.log.2021-10-18": "late\n",
		"error.log":            "next\nnext-b\n",
	}, files(t, dir))

}

// A buffered log archives the file of a period nobody wrote in (another
// process might have held its records); the janitor removes that archive
// once no writer can append to it.
func TestBufferedEmptyArchiveIsRemoved(t *testing.T) {
	dir := tempDir(t)
	path := filepath.Join(dir, "error.log")
	clock := newClock(day1)
	w := openTest(t, path, clock, WithBuffer(4096), WithFlushInterval(20*time.Millisecond), WithReopenCheck(50*time.Millisecond))
	clock.Add(24 * time.Hour)
	writeLine(t, w, "y")
	require.NoError(t, w.Flush())
	require.Eventually(t, func() bool {
		_, err := os.Stat(path + ".2021-10-18")
		return errors.Is(err, fs.ErrNotExist)
	}, 5*time.Second, 5*time.Millisecond, "the empty archive of the idle day is still there")
	assert.Equal(t, map[string]string{"error.log": "y\n"}, files(t, dir))
}
