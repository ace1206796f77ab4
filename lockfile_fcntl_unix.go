//go:build unix

package slogrotate

import (
	"errors"

	"golang.org/x/sys/unix"
)

// lockfile_fcntl_unix.go holds fcntl(2) locks, for lockfile_fcntl.go and
// for the Linux test that checks lockfile.go under their semantics.

// fcntlTryLock takes an fcntl(2) write lock on the whole file fd if it is
// free. It is the lock of the systems without flock(2), and the one a
// Linux test swaps in to check lockfile.go under its semantics.
func fcntlTryLock(fd uintptr) (bool, error) {
	lk := unix.Flock_t{Type: unix.F_WRLCK, Whence: 0, Start: 0, Len: 0}
	for {
		err := unix.FcntlFlock(fd, unix.F_SETLK, &lk)
		switch {
		case err == nil:
			return true, nil
		case errors.Is(err, unix.EAGAIN), errors.Is(err, unix.EACCES):
			return false, nil
		case errors.Is(err, unix.EINTR):
			continue
		}
		return false, err
	}
}

// fcntlUnlock releases the fcntl(2) lock on fd.
func fcntlUnlock(fd uintptr) error {
	lk := unix.Flock_t{Type: unix.F_UNLCK, Whence: 0, Start: 0, Len: 0}
	return unix.FcntlFlock(fd, unix.F_SETLK, &lk)
}
