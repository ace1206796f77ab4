package slogrotate

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// ownerOf returns the user and group that own path (not following a
// symbolic link).
func ownerOf(t *testing.T, path string) [2]int {
	t.Helper()
	fi, err := os.Lstat(path)
	require.NoError(t, err)
	st := fi.Sys().(*syscall.Stat_t)
	return [2]int{int(st.Uid), int(st.Gid)}
}

// runAsNobody runs the child role "user" as uid and gid 65534: it opens
// the log at path, writes msg and rotates. It returns the child's output
// and error.
func runAsNobody(t *testing.T, exe, path, msg string) (string, error) {
	t.Helper()
	cmd := childCommand(t, exe, "user", userConf{Path: path, Msg: msg})
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody}}
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// ownerBase returns a copy of the test binary that nobody can run and a
// root-owned directory that nobody can search, or skips the test.
func ownerBase(t *testing.T) (exe, base string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: only root can give files to another user and run children as nobody")
	}
	base = tempDir(t)
	require.NoError(t, os.Chmod(base, 0o755))
	exe = filepath.Join(base, "slogrotate.test")
	copyFile(t, os.Args[0], exe, 0o755)
	return exe, base
}

// A root process that opens a log with WithOwner for workers that run as
// another user leaves nothing they cannot write: the log's directory and
// the archive directory it creates, the live file, both lock files, and
// the new live file of each rollover are the workers'. A worker, a real
// process running as nobody, then opens, writes and rotates the log.
// Without WithOwner the same root process leaves root's files, and the
// worker cannot open the log.
func TestOwnerForUnprivilegedWorkers(t *testing.T) {
	exe, base := ownerBase(t)
	for _, withOwner := range []bool{true, false} {
		t.Run(fmt.Sprintf("WithOwner=%v", withOwner), func(t *testing.T) {
			dir := filepath.Join(base, fmt.Sprint(withOwner), "logs")
			require.NoError(t, os.MkdirAll(filepath.Dir(dir), 0o755))
			require.NoError(t, os.Chown(filepath.Dir(dir), nobody, nobody)) // the workers may create files there
			path := filepath.Join(dir, "error.log")
			opts := []Option{WithFileMode(0o660), WithArchiveDir("old"), WithMaxBackups(10)}
			if withOwner {
				opts = append(opts, WithOwner(nobody, nobody))
			}
			w, err := Open(path, opts...)
			require.NoError(t, err)
			writeLine(t, w, "root's first")
			require.NoError(t, w.Rotate())
			writeLine(t, w, "root's second")
			want := [2]int{0, 0}
			if withOwner {
				want = [2]int{nobody, nobody}
			}
			lock, maint := lockPaths(path)
			for _, p := range []string{dir, filepath.Join(dir, "old"), path, lock, maint} {
				assert.Equal(t, want, ownerOf(t, p), p)
			}
			require.NoError(t, w.Close())

			out, err := runAsNobody(t, exe, path, "nobody's")
			if !withOwner {
				require.Error(t, err, "a worker opens root's log: %s", out)
				assert.Contains(t, out, "permission denied")
				return
			}
			require.NoError(t, err, out)
			assert.Equal(t, [2]int{nobody, nobody}, ownerOf(t, path))
			// The worker's Writer archives beside the log: it was not given
			// WithArchiveDir.
			archives, err := filepath.Glob(filepath.Join(dir, "old", "error.log.*"))
			require.NoError(t, err)
			beside, err := filepath.Glob(filepath.Join(dir, "error.log.*"))
			require.NoError(t, err)
			archives = append(archives, beside...)
			var all strings.Builder
			for _, a := range archives {
				b, err := os.ReadFile(a)
				require.NoError(t, err)
				all.Write(b)
			}
			for _, rec := range []string{"root's first\n", "root's second\n", "nobody's\n"} {
				assert.Equal(t, 1, strings.Count(all.String(), rec), rec)
			}
		})
	}
}

// By default a rollover gives the new live file the owner of the file it
// replaces: a root process (say, one that rotates on SIGHUP) rotating a
// log that workers running as nobody created leaves them a file they can
// write, and a worker, a real process, writes it. WithOwner, when given,
// wins over the replaced file's owner.
func TestRolloverKeepsTheLiveFilesOwner(t *testing.T) {
	exe, base := ownerBase(t)
	dir := filepath.Join(base, "logs")
	require.NoError(t, os.Mkdir(dir, 0o755))
	require.NoError(t, os.Chown(dir, nobody, nobody))
	path := filepath.Join(dir, "error.log")
	out, err := runAsNobody(t, exe, path, "first")
	require.NoError(t, err, out)
	require.Equal(t, [2]int{nobody, nobody}, ownerOf(t, path), "the worker's file")

	w, err := Open(path, WithFileMode(0o660), WithReopenCheck(time.Hour))
	require.NoError(t, err)
	writeLine(t, w, "root's")
	require.NoError(t, w.Rotate())
	assert.Equal(t, [2]int{nobody, nobody}, ownerOf(t, path), "the replaced file's owner")
	require.NoError(t, w.Close())
	out, err = runAsNobody(t, exe, path, "second")
	require.NoError(t, err, out)

	w, err = Open(path, WithFileMode(0o660), WithOwner(3901, nobody))
	require.NoError(t, err)
	defer w.Close()
	assert.Equal(t, [2]int{3901, nobody}, ownerOf(t, path), "WithOwner gives the file there at Open")
	require.NoError(t, w.Rotate())
	assert.Equal(t, [2]int{3901, nobody}, ownerOf(t, path), "WithOwner wins over the replaced file's")
}
