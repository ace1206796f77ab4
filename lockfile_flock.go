//go:build unix && !aix && !solaris

package slogrotate

import (
	"errors"

	"golang.org/x/sys/unix"
)

// The lock is flock(2), advisory, on the descriptor the lockFile keeps:
// held by the open file description, so the kernel drops it when the
// process dies, and closing another descriptor of the file does not
// release it.

// tryLockSys takes the lock on fd if it is free.
func tryLockSys(fd uintptr) (bool, error) {
	for {
		err := unix.Flock(int(fd), unix.LOCK_EX|unix.LOCK_NB)
		switch {
		case err == nil:
			return true, nil
		case errors.Is(err, unix.EWOULDBLOCK):
			return false, nil
		case errors.Is(err, unix.EINTR):
			continue
		}
		return false, err
	}
}

// unlockSys releases the lock on fd.
func unlockSys(fd uintptr) error { return unix.Flock(int(fd), unix.LOCK_UN) }
