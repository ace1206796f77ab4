package slogrotate

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// An empty archive of a buffered log is removed once its grace period has
// passed since its rename, judged from the archive (its change time), not
// from how long one janitor has watched it: a janitor that did not see it
// made (a process that started later, while the one that archived it was
// stopped or killed first) removes it at its first sweep. Processes killed
// more often than the grace period left such archives behind for good.
func TestEmptyArchiveRemovedByALaterJanitor(t *testing.T) {
	dir := tempDir(t)
	path := filepath.Join(dir, "error.log")
	const reopen = time.Second
	opts := []Option{WithBuffer(4096), WithFlushInterval(20 * time.Millisecond), WithReopenCheck(reopen)}
	grace := 2*reopen + 20*time.Millisecond
	clock := newClock(day1)
	w := openTest(t, path, clock, opts...)
	clock.Add(24 * time.Hour)
	writeLine(t, w, "y") // archives the idle day's empty file
	require.NoError(t, w.Close())
	archive := path + ".2021-10-18"
	fi, err := os.Stat(archive)
	require.NoError(t, err, "the idle day's empty archive")
	require.Zero(t, fi.Size())

	// The property is about time: let the grace period pass, with no
	// janitor running.
	time.Sleep(grace + 100*time.Millisecond)
	later := openTest(t, path, clock, opts...)
	defer later.Close()
	require.Eventually(t, func() bool {
		_, err := os.Stat(archive)
		return errors.Is(err, fs.ErrNotExist)
	}, grace/2, 5*time.Millisecond, "a janitor that did not see the empty archive made waited for it")
}
