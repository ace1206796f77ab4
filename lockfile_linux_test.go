//go:build linux

package slogrotate

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The child role "locktry" tries an fcntl(2) lock on the file at its
// configuration's path, as another process of a system without flock(2)
// would, and prints "busy" or "free".
func init() { children["locktry"] = runLockTryChild }

func runLockTryChild() int {
	var path string
	childConf(&path)
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		fmt.Println(err)
		return 1
	}
	defer f.Close()
	ok, err := fcntlTryLock(f.Fd())
	switch {
	case err != nil:
		fmt.Println(err)
		return 1
	case ok:
		fmt.Println("free")
	default:
		fmt.Println("busy")
	}
	return 0
}

// tryFromAnotherProcess reports what a second process finds the lock at
// path to be: "busy" or "free".
func tryFromAnotherProcess(t *testing.T, path string) string {
	t.Helper()
	out, err := childCommand(t, "", "locktry", path).Output()
	require.NoError(t, err, "%s", out)
	return strings.TrimSpace(string(out))
}

// withFcntlLocks makes the lock files of this test fcntl(2) locks, as on
// the systems without flock(2).
func withFcntlLocks(t *testing.T) {
	tryLockFD, unlockFD = fcntlTryLock, fcntlUnlock
	t.Cleanup(func() { tryLockFD, unlockFD = tryLockSys, unlockSys })
}

// Under fcntl(2) semantics the kernel drops a process's lock when the
// process closes any descriptor of the file, and does not exclude one
// goroutine of a process from another. While one goroutine holds the
// rollover lock, others of the same process read the state without the
// lock, try the lock, and open and release the lock file as a second
// Writer of the log would: the lock stays held against another process,
// and the goroutines of this one do not get it either.
func TestLockFileUnderFcntlSemantics(t *testing.T) {
	withFcntlLocks(t)
	path := filepath.Join(tempDir(t), "error.log.lock")
	l, err := openLock(path, 0o640)
	require.NoError(t, err)
	defer l.release()
	require.Equal(t, "free", tryFromAnotherProcess(t, path))

	ok, err := l.lock(0, nil)
	require.NoError(t, err)
	require.True(t, ok)
	require.NoError(t, writeState(l.file(), sharedState{period: day1, id: fileID{1, 2}, freeIndex: 3}))

	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 50 {
				s, known, err := l.readState()
				assert.NoError(t, err)
				assert.True(t, known && s.freeIndex == 3, "the state read without the lock")
				held, err := l.lock(0, nil)
				assert.ErrorIs(t, err, ErrLockBusy, "another goroutine of the process got the lock")
				assert.False(t, held)
				other, err := openLock(path, 0o640) // a second Writer of the log
				assert.NoError(t, err)
				other.release()
			}
		})
	}
	wg.Wait()
	assert.Equal(t, "busy", tryFromAnotherProcess(t, path), "the lock was lost while this process held it")
	l.unlock()
	assert.Equal(t, "free", tryFromAnotherProcess(t, path), "the lock was not released")
}

// Two Writers of one log in one process rotate one at a time under fcntl(2)
// locks too, which do not exclude the goroutines of a process.
func TestTwoWritersInOneProcessUnderFcntl(t *testing.T) {
	withFcntlLocks(t)
	testTwoWritersRotateInTurn(t)
}
