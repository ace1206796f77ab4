package slogrotate

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// On a real, nearly full file system (a small tmpfs) the janitor deletes
// the oldest archives, just enough of them to lift the free space to the
// floor: never the live file, never an archive in its grace period nor
// anything newer while it waits; a second sweep, by another janitor,
// deletes nothing more; and when archives alone cannot reach the floor it
// deletes them all and says so, once per sweep.
func TestMinFreeSpaceOnFullDisk(t *testing.T) {
	dir := mountTmpfs(t, "size=2m")
	path := filepath.Join(dir, "error.log")
	const archiveSize = 100 << 10 // whole pages: deleting one frees exactly this
	put := func(suffix string) {
		t.Helper()
		require.NoError(t, os.WriteFile(path+suffix, []byte(strings.Repeat("x", archiveSize)), 0o640))
	}
	suffixes := func() []string {
		var out []string
		for _, f := range logFiles(t, path) {
			out = append(out, strings.TrimPrefix(f, path))
		}
		sort.Strings(out)
		return out
	}
	put("") // the live file
	for _, day := range []string{".2021-10-10", ".2021-10-11", ".2021-10-12", ".2021-10-13", ".2021-10-14"} {
		put(day)
	}
	var errs []string
	opts := []Option{WithReopenCheck(50 * time.Millisecond), WithErrorHandler(func(err error) { errs = append(errs, err.Error()) })}
	j := sweepJanitor(t, dir, append(opts, WithMinFreeSpace(1))...)
	time.Sleep(j.grace()) // the archives ripen (their change time is now)
	put(".2021-10-09")    // the oldest, and fresh: in its grace period
	newBallast(t, dir).fill()
	free, err := freeSpace(dir)
	require.NoError(t, err)
	// Two archives do not lift it to the floor, three do.
	j.cfg.minFree = free + 2*archiveSize + archiveSize/2

	again := j.sweep()
	assert.Equal(t, []string{"", ".2021-10-09", ".2021-10-10", ".2021-10-11", ".2021-10-12", ".2021-10-13", ".2021-10-14"},
		suffixes(), "the oldest archive is in its grace period: nothing newer goes before it")
	assert.Positive(t, again, "a sweep is due when the grace period ends")
	time.Sleep(again)
	j.sweep()
	assert.Equal(t, []string{"", ".2021-10-12", ".2021-10-13", ".2021-10-14"}, suffixes(), "oldest first, just enough")
	assert.Empty(t, errs)

	// Another process's janitor measures afresh and finds the floor met.
	j2 := sweepJanitor(t, dir, append(opts, WithMinFreeSpace(j.cfg.minFree))...)
	j2.sweep()
	assert.Equal(t, []string{"", ".2021-10-12", ".2021-10-13", ".2021-10-14"}, suffixes(), "a second sweep deletes nothing more")
	assert.Empty(t, errs)

	// A floor out of reach: every archive goes, the live file stays, and
	// each sweep reports it once.
	j2.cfg.minFree = 100 << 20
	j2.sweep()
	assert.Equal(t, []string{""}, suffixes())
	require.Len(t, errs, 1)
	assert.Contains(t, errs[0], "WithMinFreeSpace(104857600)")
	j2.sweep()
	assert.Len(t, errs, 2, "once per sweep")
	live, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Len(t, live, archiveSize, "the live file is untouched")
}

// WithMinFreeSpace alone starts the janitor: the sweep at Open deletes a
// ripe archive for space and reports the floor out of reach.
func TestMinFreeSpaceAloneSweepsAtOpen(t *testing.T) {
	dir := tempDir(t)
	path := filepath.Join(dir, "error.log")
	require.NoError(t, os.WriteFile(path+".2021-10-10", []byte("old\n"), 0o640))
	reported := make(chan error, 10)
	opts := []Option{WithReopenCheck(50 * time.Millisecond), WithMinFreeSpace(1 << 62),
		WithErrorHandler(func(err error) { reported <- err })}
	time.Sleep(2 * 50 * time.Millisecond) // the archive's grace period
	w, err := Open(path, opts...)
	require.NoError(t, err)
	defer w.Close()
	select {
	case err := <-reported:
		assert.Contains(t, err.Error(), "WithMinFreeSpace")
	case <-time.After(10 * time.Second):
		t.Fatal("no report that the floor is out of reach")
	}
	_, err = os.Lstat(path + ".2021-10-10")
	assert.ErrorIs(t, err, os.ErrNotExist, "the archive was deleted for space")
}
