//go:build aix || solaris

package slogrotate

// These systems have no flock(2): the lock is an fcntl(2) write lock on the
// whole file. The kernel drops it when the process closes any descriptor of
// the file and does not let it exclude the goroutines of one process from
// each other; lockfile.go is written for both.

// tryLockSys takes the lock on fd if it is free.
func tryLockSys(fd uintptr) (bool, error) {
	return fcntlTryLock(fd)
}

// unlockSys releases the lock on fd.
func unlockSys(fd uintptr) error { return fcntlUnlock(fd) }
