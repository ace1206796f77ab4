//go:build unix

package slogrotate

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// setMode gives f exactly mode if it has other permission bits and this
// process owns it; a file another user owns is left to its owner. The
// umask applies when a file is created; this undoes it.
func setMode(f *os.File, mode fs.FileMode) {
	fi, err := f.Stat()
	if err != nil || fi.Mode().Perm() == mode {
		return
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && int(st.Uid) != os.Geteuid() {
		return
	}
	f.Chmod(mode)
}

// explainOpenError names the refusal to follow a symlink, which the
// system reports only as "too many levels of symbolic links".
func explainOpenError(err error) error {
	if errors.Is(err, syscall.ELOOP) {
		return fmt.Errorf("%w (it is a symbolic link, which slogrotate refuses to follow)", err)
	}
	return err
}
