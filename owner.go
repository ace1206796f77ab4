package slogrotate

import (
	"io/fs"
	"os"
)

// owner.go holds the ownership of the files the writer creates
// (WithOwner); the system calls are in owner_unix.go and owner_windows.go.

// A fileOwner is a user and group to give a file; the zero value (not
// set) leaves the file as it is.
type fileOwner struct {
	uid, gid int
	set      bool
}

// mkdirAllOwned creates dir and its missing parents with mode, and gives
// dir the owner o if it had to create it.
func mkdirAllOwned(dir string, mode fs.FileMode, o fileOwner) error {
	_, err := os.Lstat(dir)
	existed := err == nil
	if err := os.MkdirAll(dir, mode); err != nil {
		return err
	}
	if !existed {
		chownPath(dir, o)
	}
	return nil
}

// liveOwner is the owner a live file opened by a rollover gets: the
// configured one, or else that of the file it replaces, described by
// replaced (nil if there was none).
func (c *config) liveOwner(replaced *fileInfo) fileOwner {
	if c.owner.set || replaced == nil {
		return c.owner
	}
	return replaced.owner
}
