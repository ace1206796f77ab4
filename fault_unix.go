//go:build unix

package slogrotate

import (
	"errors"
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// blankTail overwrites, in place, the last n bytes that the O_APPEND
// descriptor fd appended (the fragment a short write left) with spaces
// ending in a newline. Those bytes are this process's own: O_APPEND placed
// them at the end of the file under the file's lock and left the
// descriptor's offset just after them, so no other record can be among
// them. Overwriting allocated blocks needs no free space on most file
// systems, so it works on the full disk that caused the short write.
//
// pwrite(2) on an O_APPEND descriptor appends on Linux, so the flag is
// cleared for the overwrite and set again; the caller holds the writer's
// mutex, so no other write uses the descriptor meanwhile. A file with the
// append-only attribute refuses the clearing, and a copy-on-write file
// system may have no space for the overwrite: the error makes the caller
// fall back to starting its next record with a newline.
func blankTail(fd uintptr, n int) error {
	end, err := unix.Seek(int(fd), 0, io.SeekCurrent)
	if err != nil {
		return err
	}
	if n <= 0 || end < int64(n) {
		return errors.New("no fragment to blank")
	}
	flags, err := unix.FcntlInt(fd, unix.F_GETFL, 0)
	if err != nil {
		return err
	}
	if _, err := unix.FcntlInt(fd, unix.F_SETFL, flags&^unix.O_APPEND); err != nil {
		return err
	}
	blank := make([]byte, n)
	for i := range blank {
		blank[i] = ' '
	}
	blank[n-1] = '\n'
	var werr error
	for off := end - int64(n); len(blank) > 0; {
		m, err := unix.Pwrite(int(fd), blank, off)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			werr = err
			break
		}
		blank, off = blank[m:], off+int64(m)
	}
	if _, err := unix.FcntlInt(fd, unix.F_SETFL, flags); err != nil {
		return errors.Join(errAppendLost, err)
	}
	return werr
}

// unlinked reports whether f has no name left in the file system: it was
// deleted, or its directory was. Records written to it can never be read.
func unlinked(f *os.File) bool {
	var st unix.Stat_t
	return unix.Fstat(int(f.Fd()), &st) == nil && st.Nlink == 0
}
