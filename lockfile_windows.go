//go:build windows

package slogrotate

import (
	"errors"

	"golang.org/x/sys/windows"
)

// The lock is LockFileEx on byte 0 of the lock file, through the handle
// the lockFile keeps. It is mandatory: no other handle can read or write
// byte 0 while it is held, which is why the state starts at byte 1 (see
// stateOffset).

// tryLockSys takes the lock on fd if it is free.
func tryLockSys(fd uintptr) (bool, error) {
	ol := new(windows.Overlapped)
	err := windows.LockFileEx(windows.Handle(fd), windows.LOCKFILE_EXCLUSIVE_LOCK|windows.LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, ol)
	if errors.Is(err, windows.ERROR_LOCK_VIOLATION) || errors.Is(err, windows.ERROR_IO_PENDING) {
		return false, nil
	}
	return err == nil, err
}

// unlockSys releases the lock on fd.
func unlockSys(fd uintptr) error {
	return windows.UnlockFileEx(windows.Handle(fd), 0, 1, 0, new(windows.Overlapped))
}
