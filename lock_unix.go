//go:build unix

package slogrotate

import (
	"errors"
	"io/fs"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// fileID identifies a file independently of its name: device and inode.
type fileID struct{ hi, lo uint64 }

type fileInfo struct {
	id    fileID
	size  int64
	mtime time.Time
}

func infoOf(fi fs.FileInfo) fileInfo {
	st := fi.Sys().(*syscall.Stat_t)
	return fileInfo{id: fileID{uint64(st.Dev), uint64(st.Ino)}, size: fi.Size(), mtime: fi.ModTime()}
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
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE|os.O_EXCL, mode)
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
	return os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
}

// openLockFile opens the lock file for reading and writing the shared state.
// O_NOFOLLOW: a symlink planted at the lock file's name is refused, never
// followed to a file the process could otherwise not be tricked into
// writing.
func openLockFile(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDWR|os.O_CREATE|syscall.O_NOFOLLOW, 0)
}

// readLockFile opens an existing lock file to read the shared state
// without the lock; it never creates one, which is the locked protocol's
// job (it also gives the file its mode).
func readLockFile(path string) (*os.File, error) { return openNoFollow(path) }

// openExisting opens the log for appending if it exists; it never creates
// it.
func openExisting(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
}

// lockFileFlag is how gofrs/flock opens the lock file.
const lockFileFlag = os.O_RDWR | os.O_CREATE | syscall.O_NOFOLLOW

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

// openNoFollow opens an existing file for reading (an archive to compress,
// the lock file to read the state without the lock), refusing a symlink
// planted in its place (O_NOFOLLOW) and anything but a regular file.
// O_NONBLOCK lets the open of a planted FIFO return instead of waiting for
// a writer; on a regular file it changes nothing.
func openNoFollow(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		f.Close()
		return nil, &fs.PathError{Op: "open", Path: path, Err: errNotRegular}
	}
	return f, nil
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
