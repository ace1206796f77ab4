package slogrotate

import (
	"errors"
	"io/fs"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// sys_linux.go holds what Linux does in one system call (a rename that
// never replaces, a short sleep) and its clocks; see sys.go.

// renameNoReplace renames oldpath to newpath unless newpath exists, in which
// case it fails with an error matching fs.ErrExist. Linux does this in one
// step with renameat2(RENAME_NOREPLACE); on file systems that do not support
// the flag it falls back to link and unlink.
func renameNoReplace(oldpath, newpath string) error {
	err := unix.Renameat2(unix.AT_FDCWD, oldpath, unix.AT_FDCWD, newpath, unix.RENAME_NOREPLACE)
	if errors.Is(err, unix.EINVAL) || errors.Is(err, unix.ENOSYS) {
		return linkRename(oldpath, newpath)
	}
	if err != nil {
		return &os.LinkError{Op: "rename", Old: oldpath, New: newpath, Err: err}
	}
	return nil
}

// pause sleeps for about d. time.Sleep rounds a sleep shorter than a
// millisecond up to the runtime timer's resolution (about a millisecond
// here), which would make every poll of a busy rollover lock cost that
// much; nanosleep blocks this thread for about the time asked (plus the
// kernel's timer slack, 50µs by default).
func pause(d time.Duration) {
	ts := unix.NsecToTimespec(int64(d))
	unix.Nanosleep(&ts, nil)
}

// monotonicFollowsWall: Linux slews CLOCK_MONOTONIC, which Go's monotonic
// clock reads, together with CLOCK_REALTIME when NTP adjusts the rate, so
// between steps of the wall clock the two advance alike (see timing.now).
const monotonicFollowsWall = true

// changedAt returns the file's change time (ctime). Linux's file systems
// set it at a rename, as at a write, so it is never earlier than the
// rename that made an archive: the janitor judges from it when a renamed
// file can no longer be written, whichever process renamed it and however
// long ago.
func changedAt(fi fs.FileInfo) (time.Time, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return time.Time{}, false
	}
	return time.Unix(st.Ctim.Unix()), true
}
