//go:build linux

package slogrotate

// Fault tests: a log path that stops being usable while a process writes
// (a directory in its place, the file or the whole directory removed).
// Linux only, with the fault child.

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/slogrotate/slogrotate/internal/logcheck"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLogReplacedByDirectory: while a process writes, the log file is
// moved away and a directory is made in its place. The writer reports that
// the path is not a regular file, once per retry, and writes on into the
// file it has (the moved one); when the directory goes, the next retry
// creates the log again. Nothing is lost.
func TestLogReplacedByDirectory(t *testing.T) {
	if testing.Short() {
		t.Skip("forks a process for about four seconds")
	}
	dir := tempDir(t)
	path := filepath.Join(dir, "error.log")
	p := startFault(t, path, 1, faultConf{
		opts: "every=1s,locktimeout=100ms,reopen=100ms",
		gap:  5 * time.Millisecond, until: time.Now().Add(time.Hour),
	})
	time.Sleep(500 * time.Millisecond)
	require.NoError(t, os.Rename(path, filepath.Join(dir, "moved.log")))
	require.NoError(t, os.Mkdir(path, 0o755))
	p.waitErrs(t, 2*time.Second, "not a regular file")
	time.Sleep(1500 * time.Millisecond)
	require.NoError(t, os.Remove(path))
	fixed := time.Now()
	waitUntil(t, 3*time.Second, "the log file made again", func() bool {
		fi, err := os.Stat(path)
		return err == nil && fi.Mode().IsRegular() && fi.Size() > 0
	})
	time.Sleep(300 * time.Millisecond)
	require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))
	<-p.exited

	s := scanDir(t, dir)
	missing, dup := s.Account(p.id, -1, p.lost)
	t.Logf("files=%d records=%d reported-lost=%d errors=%d torn=%d missing=%d duplicated=%d; errors: %q",
		s.Files, s.Records, len(p.lost), len(p.errs), s.Torn, missing, dup, p.errs)
	for _, pr := range s.Problems {
		t.Error(pr)
	}
	assert.Zero(t, len(p.lost)+s.Torn+missing+dup)
	require.Contains(t, s.ByFile, "moved.log")
	assert.Greater(t, len(s.ByFile["moved.log"].Records), 0)
	written := 0
	require.Contains(t, s.ByFile, "error.log")
	for _, r := range s.ByFile["error.log"].Records {
		if r.WT.After(fixed) {
			written++
		}
	}
	assert.Greater(t, written, 0, "nothing written to the log after the directory went")
	checkArchiveNames(t, dir, s)
}

// TestLogRemovedAndDirectoryPutInItsPlace: as above, but the log is
// deleted, so the file the writer has is gone from the file system. Once
// the writer has noticed (within its reopen check), it stops writing into
// the deleted file and reports each record as lost, instead of
// acknowledging records that nobody can ever read; when the directory goes
// it makes the log again.
func TestLogRemovedAndDirectoryPutInItsPlace(t *testing.T) {
	if testing.Short() {
		t.Skip("forks a process for about four seconds")
	}
	dir := tempDir(t)
	path := filepath.Join(dir, "error.log")
	p := startFault(t, path, 1, faultConf{
		opts: "every=1h,locktimeout=100ms,reopen=100ms",
		gap:  5 * time.Millisecond, until: time.Now().Add(time.Hour),
	})
	time.Sleep(500 * time.Millisecond)
	deleted := scanDir(t, dir) // what the test is about to delete
	require.NoError(t, os.Remove(path))
	require.NoError(t, os.Mkdir(path, 0o755))
	p.waitErrs(t, 2*time.Second, "not a regular file")
	time.Sleep(1500 * time.Millisecond)
	require.NoError(t, os.Remove(path))
	waitUntil(t, 3*time.Second, "the log file made again", func() bool {
		fi, err := os.Stat(path)
		return err == nil && fi.Mode().IsRegular() && fi.Size() > 0
	})
	time.Sleep(300 * time.Millisecond)
	require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))
	<-p.exited
	checkSilentLoss(t, dir, p, deleted)
}

// checkSilentLoss accounts for a writer whose file the test deleted, after
// reading what was in it (deleted): records written into the deleted file
// after that and before the writer's next reopen check are lost without a
// report (no write fails); everything else is in the files or was reported
// lost.
func checkSilentLoss(t *testing.T, dir string, p *faultProc, deleted *logcheck.Report) {
	t.Helper()
	s := scanDir(t, dir)
	_, dup := s.Account(p.id, -1, p.lost)
	var silent []int
	maxSeq := 0
	for key := range s.ByKey {
		maxSeq = max(maxSeq, key.Seq)
	}
	for seq := range maxSeq {
		key := logcheck.Key{W: p.id, Seq: seq}
		if !p.lost[seq] && s.Count(key) == 0 && deleted.Count(key) == 0 {
			silent = append(silent, seq)
		}
	}
	t.Logf("records=%d deleted-by-the-test=%d reported-lost=%d lost-silently=%d errors=%d torn=%d duplicated=%d; first errors: %q",
		s.Records, deleted.Records, len(p.lost), len(silent), len(p.errs), s.Torn, dup, p.errs[:min(len(p.errs), 2)])
	assert.Zero(t, s.Torn+dup)
	assert.Greater(t, len(p.lost), 0, "no write was reported lost while the log was gone")
	// The reopen check is 100ms, at one record per 5ms; slack for a slow
	// machine.
	assert.Less(t, len(silent), 60, "records acknowledged after the writer knew its file was deleted: %v", silent)
}

// TestLogDirectoryDeletedAndRecreated: the whole log directory is removed
// while a process writes, and made again a little later. The writer
// reports that it cannot take the lock (its directory is gone) and each
// record as lost; once the directory is back, the next retry makes the lock
// file and the log, and writing goes on.
func TestLogDirectoryDeletedAndRecreated(t *testing.T) {
	if testing.Short() {
		t.Skip("forks a process for about four seconds")
	}
	dir := filepath.Join(tempDir(t), "logs")
	path := filepath.Join(dir, "error.log")
	p := startFault(t, path, 1, faultConf{
		opts: "every=1h,locktimeout=100ms,reopen=100ms",
		gap:  5 * time.Millisecond, until: time.Now().Add(time.Hour),
	})
	time.Sleep(500 * time.Millisecond)
	deleted := scanDir(t, dir) // what the test is about to delete
	require.NoError(t, os.RemoveAll(dir))
	p.waitErrs(t, 2*time.Second, "no such file or directory")
	time.Sleep(1500 * time.Millisecond)
	require.NoError(t, os.Mkdir(dir, 0o755))
	waitUntil(t, 3*time.Second, "the log file made again", func() bool {
		fi, err := os.Stat(path)
		return err == nil && fi.Size() > 0
	})
	time.Sleep(300 * time.Millisecond)
	require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))
	<-p.exited
	checkSilentLoss(t, dir, p, deleted)
}
