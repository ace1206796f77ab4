//go:build unix

package slogrotate

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

func perm(t *testing.T, path string) fs.FileMode {
	t.Helper()
	fi, err := os.Lstat(path)
	require.NoError(t, err)
	return fi.Mode().Perm()
}

// Every file the writer creates gets the mode asked for, whatever the
// umask: the log, archives, compressed archives and both lock files.
func TestModesIgnoreUmask(t *testing.T) {
	for _, umask := range []int{0o077, 0o000} {
		t.Run(fmt.Sprintf("umask %03o", umask), func(t *testing.T) {
			old := syscall.Umask(umask)
			defer syscall.Umask(old)
			dir := tempDir(t)
			path := filepath.Join(dir, "error.log")
			clock := newClock(day1)
			done := make(chan string, 1)
			w := openTest(t, path, clock, WithFileMode(0o660), WithCompress(),
				WithReopenCheck(5*time.Millisecond), WithOnRotate(func(a string) { done <- a }))
			writeLine(t, w, "a")
			clock.Add(24 * time.Hour)
			writeLine(t, w, "b")
			var gz string
			select {
			case gz = <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("no compressed archive within 10s of the rollover")
			}
			for _, p := range []string{path, lockPathOf(path), maintPathOf(path), gz} {
				assert.Equal(t, fs.FileMode(0o660), perm(t, p), p)
			}
		})
	}
}

func TestDefaultModeIsNotWorldReadable(t *testing.T) {
	dir := tempDir(t)
	path := filepath.Join(dir, "sub", "error.log")
	w, err := Open(path)
	require.NoError(t, err)
	defer w.Close()
	assert.Equal(t, fs.FileMode(0o640), perm(t, path))
	assert.Equal(t, fs.FileMode(0o640), perm(t, lockPathOf(path)))
	assert.Equal(t, fs.FileMode(0o750), perm(t, filepath.Dir(path)))
}

// plant puts a symlink at name pointing to a file outside the log's
// directory, and returns a check that the target is unchanged.
func plant(t *testing.T, name string) (check func()) {
	t.Helper()
	target := filepath.Join(tempDir(t), "precious")
	require.NoError(t, os.WriteFile(target, []byte("precious\n"), 0o600))
	require.NoError(t, os.Symlink(target, name))
	return func() {
		t.Helper()
		b, err := os.ReadFile(target)
		require.NoError(t, err)
		assert.Equal(t, "precious\n", string(b), "the symlink's target was written")
		assert.Equal(t, fs.FileMode(0o600), perm(t, target), "the symlink's target was chmodded")
		fi, err := os.Lstat(name)
		if err == nil {
			assert.True(t, fi.Mode()&fs.ModeSymlink != 0, "%s no longer a symlink", name)
		}
	}
}

// A symlink planted at the lock file's name is refused with a clear error,
// never followed.
func TestSymlinkAtLockFile(t *testing.T) {
	dir := tempDir(t)
	path := filepath.Join(dir, "error.log")
	check := plant(t, lockPathOf(path))
	_, err := Open(path)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "symbolic link")
	check()
}

// A FIFO planted at the lock file's name must not hang a writer: opening
// a FIFO for reading blocks until someone opens it for writing.
func TestFIFOAtLockFile(t *testing.T) {
	dir := tempDir(t)
	path := filepath.Join(dir, "error.log")
	clock := newClock(day1)
	w, errs := openCollecting(t, path, clock)
	writeLine(t, w, "a")
	require.NoError(t, os.Remove(lockPathOf(path)))
	require.NoError(t, unix.Mkfifo(lockPathOf(path), 0o640))

	clock.Add(24 * time.Hour)
	done := make(chan error, 1)
	go func() {
		_, err := w.Write([]byte("b\n"))
		done <- err
	}()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("a write at the boundary hangs on a FIFO at the lock file's name")
	}
	require.NotEmpty(t, errs.all(), "the unusable lock file is reported")
}

// Symlinks planted at the names of archives, compressed archives and
// compression's temporary files are neither written nor renamed onto: the
// writer takes the next free name, and compression goes around them.
func TestSymlinksAtArchiveNames(t *testing.T) {
	dir := tempDir(t)
	path := filepath.Join(dir, "error.log")
	checks := []func(){
		plant(t, path+".2021-10-18"),
		plant(t, path+".2021-10-18.1.gz"),
		plant(t, path+".2021-10-18.2.gz.tmp"),
	}
	clock := newClock(day1)
	done := make(chan string, 1)
	w, errs := openCollecting(t, path, clock, WithCompress(),
		WithReopenCheck(5*time.Millisecond), WithOnRotate(func(a string) { done <- a }))
	writeLine(t, w, "secret")
	clock.Add(24 * time.Hour)
	writeLine(t, w, "next")
	assert.Equal(t, path+".2021-10-18.2.gz", <-done)
	assert.Equal(t, "secret\n", gunzip(t, path+".2021-10-18.2.gz"))
	for _, c := range checks[:2] {
		c()
	}
	// The planted temporary file was removed as an orphan: the link, not
	// its target.
	checks[2]()
	assert.Empty(t, errs.all())
}

// A symlink at the maintenance lock is refused and reported; the log still
// works.
func TestSymlinkAtMaintenanceLock(t *testing.T) {
	dir := tempDir(t)
	path := filepath.Join(dir, "error.log")
	check := plant(t, maintPathOf(path))
	w, errs := openCollecting(t, path, nil, WithCompress())
	writeLine(t, w, "still logging")
	require.NoError(t, w.Close())
	check()
	require.NotEmpty(t, errs.all())
	assert.Contains(t, errs.all()[0].Error(), "symbolic link")
}

// Two workers running as different users of one group share the log with
// mode 0660: both write and both rotate. A user outside the group cannot
// read the archives.
func TestTwoUsersOneGroup(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to run children as other users")
	}
	const group, outsiderGroup = 3900, 3901
	base := tempDir(t)
	// The test binary must be executable by the other users: go test keeps
	// it in a private directory.
	bin := filepath.Join(base, "bin")
	require.NoError(t, os.Mkdir(bin, 0o755))
	exe := filepath.Join(bin, "slogrotate.test")
	copyFile(t, os.Args[0], exe, 0o755)
	require.NoError(t, os.Chmod(base, 0o755))
	dir := filepath.Join(base, "logs")
	require.NoError(t, os.Mkdir(dir, 0o770))
	require.NoError(t, os.Chmod(dir, 0o770)) // past the umask
	require.NoError(t, os.Chown(dir, 0, group))
	path := filepath.Join(dir, "error.log")

	run := func(uid, gid int, role string, conf userConf) (string, error) {
		conf.Path = path
		cmd := childCommand(t, exe, role, conf)
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}}
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	// Each user writes one record a period for three periods, then rotates
	// explicitly: each rotates the other's files.
	for round := range 3 {
		for _, uid := range []int{3901, 3902} {
			out, err := run(uid, group, "user", userConf{Msg: fmt.Sprintf("u%d-r%d", uid, round)})
			require.NoError(t, err, "uid %d: %s", uid, out)
		}
	}
	archives, _ := filepath.Glob(path + ".*")
	var ours []string
	for _, a := range archives {
		if !strings.HasSuffix(a, ".lock") {
			ours = append(ours, a)
		}
	}
	// Every run after the first rotates a file the other user created.
	require.Len(t, ours, 6, "one archive per run: %v", ours)
	var all strings.Builder
	for _, a := range append(ours, path) {
		b, err := os.ReadFile(a)
		require.NoError(t, err)
		all.Write(b)
		assert.Equal(t, fs.FileMode(0o660), perm(t, a), a)
	}
	for round := range 3 {
		for _, uid := range []int{3901, 3902} {
			assert.Equal(t, 1, strings.Count(all.String(), fmt.Sprintf("u%d-r%d\n", uid, round)))
		}
	}
	out, err := run(3903, outsiderGroup, "reader", userConf{Read: ours[0]})
	require.NoError(t, err, out)
	assert.Contains(t, out, "permission denied")
}

func init() { children["user"], children["reader"] = runUserChild, runReaderChild }

// userConf configures the child roles of TestTwoUsersOneGroup and
// TestOpenInUnwritableDirectory, which run as other users.
type userConf struct {
	Path string // the log "user" writes Msg to and rotates
	Msg  string
	Read string // a file "reader" reads, reporting the error
	Open string // if set, a log "reader" opens instead, reporting the error
}

// runUserChild is the role "user": it writes a record and rotates.
func runUserChild() int {
	var c userConf
	childConf(&c)
	w, err := Open(c.Path, WithFileMode(0o660), WithErrorHandler(func(err error) { fmt.Println(err) }))
	if err != nil {
		fmt.Println(err)
		return 1
	}
	defer w.Close()
	if _, err := fmt.Fprintln(w, c.Msg); err != nil {
		return 1
	}
	if err := w.Rotate(); err != nil {
		fmt.Println(err)
		return 1
	}
	return 0
}

// runReaderChild is the role "reader": it prints what reading a file, or
// opening a log, returns.
func runReaderChild() int {
	var c userConf
	childConf(&c)
	if c.Open != "" {
		_, err := Open(c.Open)
		fmt.Println(err)
		return 0
	}
	_, err := os.ReadFile(c.Read)
	fmt.Println(err)
	return 0
}

// Open in a directory this user may not write fails with an error that
// names the path and the cause. (As root, permission bits do not bind, so
// the check runs in a child process as an unprivileged user.)
func TestOpenInUnwritableDirectory(t *testing.T) {
	dir := tempDir(t)
	logs := filepath.Join(dir, "logs")
	require.NoError(t, os.Mkdir(logs, 0o755))
	path := filepath.Join(logs, "error.log")
	if os.Geteuid() != 0 {
		require.NoError(t, os.Chmod(logs, 0o555))
		_, err := Open(path)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "permission denied")
		assert.Contains(t, err.Error(), logs)
		return
	}
	require.NoError(t, os.Chmod(dir, 0o755))
	exe := filepath.Join(dir, "slogrotate.test")
	copyFile(t, os.Args[0], exe, 0o755)
	cmd := childCommand(t, exe, "reader", userConf{Open: path})
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, string(out))
	assert.Contains(t, string(out), "permission denied")
	assert.Contains(t, string(out), logs)
}
