//go:build linux

package slogrotate

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// An archive directory on another file system is refused at Open: a
// rename there would be a copy, and what other processes append to the
// file meanwhile would be lost.
func TestArchiveDirOnAnotherFileSystem(t *testing.T) {
	other := mountTmpfs(t, "size=1m")
	_, err := Open(filepath.Join(tempDir(t), "error.log"), WithArchiveDir(other))
	require.Error(t, err)
	assert.ErrorContains(t, err, "WithArchiveDir")
	assert.ErrorContains(t, err, "another file system")
}

// A bind mount has the log's file system, but rename(2) does not cross
// mounts either: Open refuses it too.
func TestArchiveDirOnABindMount(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to bind-mount a directory")
	}
	dir := tempDir(t)
	real, bound := filepath.Join(dir, "real"), filepath.Join(dir, "bound")
	require.NoError(t, os.Mkdir(real, 0o755))
	require.NoError(t, os.Mkdir(bound, 0o755))
	if err := syscall.Mount(real, bound, "", syscall.MS_BIND, ""); err != nil {
		t.Skipf("cannot bind-mount here (%v)", err)
	}
	t.Cleanup(func() { syscall.Unmount(bound, syscall.MNT_DETACH) })
	_, err := Open(filepath.Join(dir, "error.log"), WithArchiveDir(bound))
	assert.ErrorContains(t, err, "WithArchiveDir")
	assert.ErrorIs(t, err, ErrInvalidOption)
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	for _, e := range entries {
		assert.NotContains(t, e.Name(), "probe", "the probe file was left")
	}
}

// A file system mounted over the archive directory after Open: the
// rollover's rename fails with EXDEV, which is reported, and the writer
// writes on into the live file; once the mount is gone, the next retry
// archives it. Nothing is lost.
func TestArchiveDirBecomesAnotherFileSystem(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to mount a tmpfs over the archive directory")
	}
	dir := tempDir(t)
	path := filepath.Join(dir, "error.log")
	old := filepath.Join(dir, "old")
	clock := newClock(day1)
	var errs errCollector
	w := openTest(t, path, clock, WithArchiveDir("old"), WithErrorHandler(errs.handle))
	writeLine(t, w, "a")
	if err := syscall.Mount("tmpfs", old, "tmpfs", 0, "size=1m"); err != nil {
		t.Skipf("cannot mount a tmpfs here (%v)", err)
	}
	mounted := true
	defer func() {
		if mounted {
			syscall.Unmount(old, syscall.MNT_DETACH)
		}
	}()
	clock.Add(24 * time.Hour)
	writeLine(t, w, "b") // the rollover meets EXDEV
	require.Len(t, errs.all(), 1)
	assert.ErrorIs(t, errs.all()[0], errCrossDevice)
	require.NoError(t, syscall.Unmount(old, syscall.MNT_DETACH))
	mounted = false
	clock.Add(retryDelay + time.Second)
	writeLine(t, w, "c") // the retry archives
	assert.Equal(t, map[string]string{"error.log.2021-10-18": "a\nb\n"}, files(t, old))
	live, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, "c\n", string(live))
}
