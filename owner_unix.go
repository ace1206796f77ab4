//go:build unix

package slogrotate

import (
	"os"
	"syscall"
)

// chownFile gives f the owner o, if o is set and f has another owner.
// Failure is ignored: the owner is given where the process may, and a
// process that may not (not root) still writes the log.
func chownFile(f *os.File, o fileOwner) {
	if !o.set {
		return
	}
	fi, err := f.Stat()
	if err != nil {
		return
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && int(st.Uid) == o.uid && int(st.Gid) == o.gid {
		return
	}
	f.Chown(o.uid, o.gid)
}

// chownPath gives the file or directory at path the owner o, if o is set,
// where the process may; a symbolic link is not followed.
func chownPath(path string, o fileOwner) {
	if o.set {
		os.Lchown(path, o.uid, o.gid)
	}
}
