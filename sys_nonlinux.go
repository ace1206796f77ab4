//go:build unix && !linux

package slogrotate

import (
	"io/fs"
	"time"
)

// sys_nonlinux.go holds what the Unix systems other than Linux do in two
// steps or without a special call; see sys.go.

// renameNoReplace renames oldpath to newpath unless newpath exists, in which
// case it fails with an error matching fs.ErrExist. These systems have no
// portable no-replace rename, so it links the new name (which fails if it
// exists) and then removes the old one.
func renameNoReplace(oldpath, newpath string) error {
	return linkRename(oldpath, newpath)
}

// pause sleeps for about d. (x/sys has no nanosleep for every one of these
// systems; time.Sleep may round a short sleep up to a millisecond.)
func pause(d time.Duration) { time.Sleep(d) }

// monotonicFollowsWall is false: not every one of these systems slews its
// monotonic clock with the wall clock (macOS does not), so a write reads the
// wall clock each time (see timing.now).
const monotonicFollowsWall = false

// changedAt reports nothing here: POSIX leaves it to the system whether a rename sets the change time.
func changedAt(fs.FileInfo) (time.Time, bool) { return time.Time{}, false }
