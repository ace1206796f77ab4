//go:build linux

package slogrotate

// Fault tests: permissions taken away from a writer that runs as another
// user (uid 65534), which needs root; the test skips saying why when it
// cannot. Linux only, with the fault child.

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const nobody = 65534

// unprivileged returns a copy of the test binary that another user can run
// (go test keeps the binary in a private directory) and a directory owned
// by that user for its log, or skips the test if it cannot run children
// as another user.
func unprivileged(t *testing.T) (exe, logDir string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: permission bits do not bind root, so the writer runs as uid 65534, which only root can arrange")
	}
	base := tempDir(t)
	require.NoError(t, os.Chmod(base, 0o755))
	exe = filepath.Join(base, "slogrotate.test")
	copyFile(t, os.Args[0], exe, 0o755)
	logDir = filepath.Join(base, "logs")
	require.NoError(t, os.Mkdir(logDir, 0o755))
	require.NoError(t, os.Chown(logDir, nobody, nobody))
	return exe, logDir
}

// TestPermissionsTakenAway runs a writer as an unprivileged user and takes
// away, in turn, write permission on the log directory (rollovers and
// compression fail), read permission on it (the janitor cannot list it),
// and all permission on the lock file (no rollover can be arbitrated). Each
// fault reaches the error handler, writing goes on into the current file
// throughout, and each recovers once the permission is back: no record is
// lost, duplicated or torn.
func TestPermissionsTakenAway(t *testing.T) {
	if testing.Short() {
		t.Skip("forks a process for about ten seconds")
	}
	exe, dir := unprivileged(t)
	path := filepath.Join(dir, "error.log")
	p := startFault(t, path, 1, faultConf{
		opts: "every=1s,locktimeout=100ms,reopen=100ms,compress=1",
		gap:  5 * time.Millisecond, until: time.Now().Add(time.Hour),
		cred: &syscall.Credential{Uid: nobody, Gid: nobody}, exe: exe,
	})
	grows := func(what string) {
		t.Helper()
		before := len(ourArchives(t, dir))
		waitUntil(t, 3*time.Second, what, func() bool { return len(ourArchives(t, dir)) > before })
	}
	grows("the first rollover")

	// A: the directory is not writable: no rename, no new file, no .gz.
	require.NoError(t, os.Chmod(dir, 0o555))
	p.waitErrs(t, 3*time.Second, "archive", "permission denied")
	n := len(ourArchives(t, dir))
	time.Sleep(1500 * time.Millisecond) // a rollover is retried every second
	assert.Equal(t, n, len(ourArchives(t, dir)), "no archive was made while the directory was read-only")
	require.NoError(t, os.Chmod(dir, 0o755))
	grows("a rollover after write permission came back")

	// B: the directory is not readable: rollovers go on, the janitor
	// cannot list it, so nothing is compressed until it can.
	require.NoError(t, os.Chmod(dir, 0o333))
	p.waitErrs(t, 5*time.Second, "list", "permission denied")
	require.NoError(t, os.Chmod(dir, 0o755))
	var plain []string
	for _, a := range ourArchives(t, dir) {
		if !strings.HasSuffix(a, ".gz") {
			plain = append(plain, a)
		}
	}
	require.NotEmpty(t, plain, "an archive made while the directory was unreadable")
	waitUntil(t, 6*time.Second, "compression of "+strings.Join(plain, ", ")+" after read permission came back", func() bool {
		for _, a := range plain {
			if _, err := os.Stat(filepath.Join(dir, a+".gz")); err != nil {
				return false
			}
		}
		return true
	})

	// C: the lock file cannot be opened: no rollover can be arbitrated.
	lock := lockPathOf(path)
	require.NoError(t, os.Chmod(lock, 0))
	p.waitErrs(t, 3*time.Second, "lock", "permission denied")
	time.Sleep(1500 * time.Millisecond)
	require.NoError(t, os.Chmod(lock, 0o644))
	grows("a rollover after the lock file became usable again")

	require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))
	<-p.exited
	s := scanDir(t, dir)
	missing, dup := s.Account(p.id, -1, p.lost)
	t.Logf("files=%d gz=%d records=%d reported-lost=%d errors=%d torn=%d missing=%d duplicated=%d",
		s.Files, s.Gz, s.Records, len(p.lost), len(p.errs), s.Torn, missing, dup)
	for _, pr := range s.Problems {
		t.Error(pr)
	}
	t.Logf("archives %v", ourArchives(t, dir))
	assert.Zero(t, len(p.lost), "writes failed while only rollovers should have")
	assert.Zero(t, s.Torn+missing+dup+s.BadGzip)
}
