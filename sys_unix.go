//go:build unix

package slogrotate

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// sys_unix.go holds the file operations of every Unix: stat, open,
// one write(2) per record, link-then-unlink, the repair of a record cut
// short; see sys.go.

func infoOf(fi fs.FileInfo) fileInfo {
	st := fi.Sys().(*syscall.Stat_t)
	return fileInfo{id: fileID{uint64(st.Dev), uint64(st.Ino)}, size: fi.Size(), mtime: fi.ModTime(),
		owner: fileOwner{uid: int(st.Uid), gid: int(st.Gid), set: true}}
}

// statPath describes the file at path, following a symlink the user may
// have put there, since the descriptor it is compared with follows it too.
func statPath(path string) (fileInfo, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return fileInfo{}, err
	}
	if !fi.Mode().IsRegular() {
		return fileInfo{}, &fs.PathError{Op: "open", Path: path, Err: errNotRegular}
	}
	return infoOf(fi), nil
}

func statFile(f *os.File) (fileInfo, error) {
	fi, err := f.Stat()
	if err != nil {
		return fileInfo{}, err
	}
	return infoOf(fi), nil
}

// openAppend opens the log for appending, creating it with exactly mode:
// the mode is set with fchmod on creation so the process umask does not
// change it.
func openAppend(path string, mode fs.FileMode) (*os.File, error) {
	f, err := openLog(path, os.O_CREATE|os.O_EXCL, mode)
	if err == nil {
		if err := f.Chmod(mode); err != nil {
			f.Close()
			return nil, err
		}
		return f, nil
	}
	if !errors.Is(err, fs.ErrExist) {
		return nil, err
	}
	return openLog(path, 0, 0)
}

// openLog opens the log for appending, and for reading too, which
// endFragment needs; a process that may write the log but not read it
// opens it for writing only, and does without.
func openLog(path string, flag int, mode fs.FileMode) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_APPEND|flag, mode)
	if errors.Is(err, fs.ErrPermission) {
		f, err = os.OpenFile(path, os.O_WRONLY|os.O_APPEND|flag, mode)
	}
	return f, err
}

// openLockFile opens the lock file for reading and writing the shared
// state, creating it with mode (which the umask may narrow; see setMode).
// O_NOFOLLOW: a symlink planted at the lock file's name is refused, never
// followed to a file the process could otherwise not be tricked into
// writing. Anything but a regular file is refused too, and O_NONBLOCK lets
// the open of a planted FIFO return rather than wait.
func openLockFile(path string, mode fs.FileMode) (*os.File, error) {
	return openRegular(path, os.O_RDWR|os.O_CREATE, mode)
}

// openRegular opens path with flag, refusing a symlink (O_NOFOLLOW) and
// anything but a regular file (after an O_NONBLOCK open, so that a FIFO
// does not block it).
func openRegular(path string, flag int, mode fs.FileMode) (*os.File, error) {
	f, err := os.OpenFile(path, flag|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, mode)
	if err != nil {
		return nil, err
	}
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		f.Close()
		return nil, &fs.PathError{Op: "open", Path: path, Err: errNotRegular}
	}
	return f, nil
}

// openExisting opens the log for appending if it exists; it never creates
// it.
func openExisting(path string) (*os.File, error) {
	return openLog(path, 0, 0)
}

// writeRecord writes p with exactly one write(2) call. os.File.Write would
// retry a short write with a second call, and another process's record
// could land between the two halves.
func writeRecord(fd uintptr, p []byte) (int, error) {
	for {
		n, err := unix.Write(int(fd), p)
		if err == unix.EINTR {
			if n > 0 {
				return n, nil
			}
			continue
		}
		if n < 0 {
			n = 0
		}
		return n, err
	}
}

// linkRename renames oldpath to newpath without replacing an existing
// newpath: link(2) fails with EEXIST if newpath exists, and only then is
// the old name removed. Between the two steps the file has two names, which
// is harmless: both refer to the same data, and it happens under the
// rollover (or maintenance) lock. If the old name cannot be removed, the
// new one is, so that a failed rename leaves the file as it was rather
// than under two names, the second of which would take an archive name.
// It needs a file system with hard links: on one without (FAT, exFAT,
// some network shares) link fails and nothing is archived; the error
// handler says so.
func linkRename(oldpath, newpath string) error {
	if err := os.Link(oldpath, newpath); err != nil {
		return err
	}
	if err := os.Remove(oldpath); err != nil {
		os.Remove(newpath)
		return err
	}
	return nil
}

// openNoFollow opens an existing file for reading (an archive to
// compress), refusing a symlink
// planted in its place (O_NOFOLLOW) and anything but a regular file.
// O_NONBLOCK lets the open of a planted FIFO return instead of waiting for
// a writer; on a regular file it changes nothing.
func openNoFollow(path string) (*os.File, error) {
	return openRegular(path, os.O_RDONLY, 0)
}

// createExclusive creates a new file with exactly mode; it fails if
// anything, a symlink included, is at path.
func createExclusive(path string, mode fs.FileMode) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL|syscall.O_NOFOLLOW, mode)
	if err != nil {
		return nil, err
	}
	if err := f.Chmod(mode); err != nil {
		f.Close()
		os.Remove(path)
		return nil, err
	}
	return f, nil
}

// syncDir makes a rename in dir durable. Errors are ignored: the data is
// already synced, and some file systems refuse to sync a directory.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

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

// blankTail overwrites, in place, the last n bytes that the O_APPEND
// descriptor fd appended (the fragment a short write left) with spaces
// ending in a newline. Those bytes are this process's own: O_APPEND placed
// them at the end of the file under the file's lock and left the
// descriptor's offset just after them, so no other record can be among
// them. Overwriting allocated blocks needs no free space on most file
// systems, so it works on the full disk that caused the short write. If
// it fails, the caller starts its next record with a newline instead.
func blankTail(fd uintptr, n int) error {
	end, err := unix.Seek(int(fd), 0, io.SeekCurrent)
	if err != nil {
		return err
	}
	if n <= 0 || end < int64(n) {
		return errors.New("no fragment to blank")
	}
	blank := make([]byte, n)
	for i := range blank {
		blank[i] = ' '
	}
	blank[n-1] = '\n'
	return overwrite(fd, blank, end-int64(n))
}

// overwrite writes p at offset off, in place, through the O_APPEND
// descriptor fd. pwrite(2) on an O_APPEND descriptor appends on Linux, so
// the flag is cleared for the overwrite and set again; the caller holds
// the writer's mutex, so no other write uses the descriptor meanwhile. A
// file with the append-only attribute refuses the clearing, and a
// copy-on-write file system may have no space for the overwrite: the
// caller reports the error. If the flag cannot be set again the error
// matches errAppendLost, and the descriptor must not be written again.
func overwrite(fd uintptr, p []byte, off int64) error {
	flags, err := unix.FcntlInt(fd, unix.F_GETFL, 0)
	if err != nil {
		return err
	}
	if _, err := unix.FcntlInt(fd, unix.F_SETFL, flags&^unix.O_APPEND); err != nil {
		return err
	}
	var werr error
	for len(p) > 0 {
		m, err := unix.Pwrite(int(fd), p, off)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			werr = err
			break
		}
		p, off = p[m:], off+int64(m)
	}
	if _, err := unix.FcntlInt(fd, unix.F_SETFL, flags); err != nil {
		return errors.Join(errAppendLost, err)
	}
	return werr
}

// A process killed in the middle of its write(2) leaves a prefix of what
// it wrote: Linux acts on a fatal signal between the chunks a buffered
// write copies, page by page (or large folio by large folio), and keeps
// the chunks already copied. Whatever is appended next, by any process,
// continues the prefix's line, and that record is lost to a reader,
// although its write completed. The process that appends next repairs it,
// because only it can: it ends the fragment's line by overwriting the
// fragment's last byte with a newline. (The fragment's record is lost
// either way; its process died before the write returned.)
//
// This is free of races: writes to one file are serialized by the kernel,
// so when a write of ours has returned, the bytes just before it belong to
// writes that have returned too, and a cut write's prefix is final. The
// byte is changed only from something else to a newline, and the only
// other process that may change it is the fragment's own, if it is alive
// and its write was cut short by a full disk: blankTail writes a newline
// there too.

// chunkAlign: chunks end at multiples of the page size or of a folio size,
// all of them multiples of 4096, so a write that follows a cut one starts
// at a multiple of 4096, and a write that starts elsewhere needs no look.
const chunkAlign = 4096

// endFragment looks at the byte before p, which fd has just appended
// whole, and if it ends no line, overwrites it with a newline. O_APPEND
// left fd's offset just after p. Nothing is looked at if p starts a line
// of its own (it starts with a newline, or at the start of the file), if
// it starts where no cut write can end, or if the byte cannot be read (the
// process may write the log but not read it): only a failed repair is an
// error. The byte at p's start is read too and must be p's own: if it is
// not, the file was truncated meanwhile (copytruncate), and the offset
// names someone else's bytes.
func endFragment(fd uintptr, p []byte) error {
	if len(p) == 0 || p[0] == '\n' {
		return nil
	}
	end, err := unix.Seek(int(fd), 0, io.SeekCurrent)
	start := end - int64(len(p))
	if err != nil || start <= 0 || start%chunkAlign != 0 {
		return nil
	}
	var b [2]byte
	if n, err := unix.Pread(int(fd), b[:], start-1); err != nil || n != 2 || b[0] == '\n' || b[1] != p[0] {
		return nil
	}
	return overwrite(fd, []byte{'\n'}, start-1)
}

// unlinked reports whether f has no name left in the file system: it was
// deleted, or its directory was. Records written to it can never be read.
func unlinked(f *os.File) bool {
	var st unix.Stat_t
	return unix.Fstat(int(f.Fd()), &st) == nil && st.Nlink == 0
}

// crossDevice reports whether err is a rename's refusal to cross file
// systems.
func crossDevice(err error) bool { return errors.Is(err, unix.EXDEV) }
