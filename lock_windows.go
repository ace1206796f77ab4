//go:build windows

package slogrotate

import (
	"errors"
	"io/fs"
	"os"
	"time"

	"golang.org/x/sys/windows"
)

// fileID identifies a file independently of its name: the volume serial
// number and the 64-bit file index.
type fileID struct{ hi, lo uint64 }

type fileInfo struct {
	id    fileID
	size  int64
	mtime time.Time
}

func infoOfHandle(h windows.Handle) (fileInfo, error) {
	var d windows.ByHandleFileInformation
	if err := windows.GetFileInformationByHandle(h, &d); err != nil {
		return fileInfo{}, err
	}
	return fileInfo{
		id:    fileID{uint64(d.VolumeSerialNumber), uint64(d.FileIndexHigh)<<32 | uint64(d.FileIndexLow)},
		size:  int64(d.FileSizeHigh)<<32 | int64(d.FileSizeLow),
		mtime: time.Unix(0, d.LastWriteTime.Nanoseconds()),
	}, nil
}

// statPath opens path without any access right, sharing everything, only to
// read its identity; the handle blocks no other opener.
func statPath(path string) (fileInfo, error) {
	p, err := windows.UTF16PtrFromString(path)
	if err != nil {
		return fileInfo{}, &fs.PathError{Op: "stat", Path: path, Err: err}
	}
	h, err := windows.CreateFile(p, 0,
		windows.FILE_SHARE_READ|windows.FILE_SHARE_WRITE|windows.FILE_SHARE_DELETE,
		nil, windows.OPEN_EXISTING, windows.FILE_ATTRIBUTE_NORMAL|windows.FILE_FLAG_BACKUP_SEMANTICS, 0)
	if err != nil {
		return fileInfo{}, &fs.PathError{Op: "stat", Path: path, Err: err}
	}
	defer windows.CloseHandle(h)
	var d windows.ByHandleFileInformation
	if err := windows.GetFileInformationByHandle(h, &d); err != nil {
		return fileInfo{}, &fs.PathError{Op: "stat", Path: path, Err: err}
	}
	if d.FileAttributes&windows.FILE_ATTRIBUTE_DIRECTORY != 0 {
		return fileInfo{}, &fs.PathError{Op: "open", Path: path, Err: errNotRegular}
	}
	return infoOfHandle(h)
}

func statFile(f *os.File) (fileInfo, error) {
	info, err := infoOfHandle(windows.Handle(f.Fd()))
	if err != nil {
		return fileInfo{}, &fs.PathError{Op: "stat", Path: f.Name(), Err: err}
	}
	return info, nil
}

// openAppend opens the log for appending with read, write and delete
// sharing. os.OpenFile does not allow FILE_SHARE_DELETE, and without it no
// process could rename the log while another holds it open: the rollover
// protocol needs exactly that rename.
func openAppend(path string, mode fs.FileMode) (*os.File, error) {
	p, err := windows.UTF16PtrFromString(path)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	attrs := uint32(windows.FILE_ATTRIBUTE_NORMAL)
	if mode&0o200 == 0 {
		attrs = windows.FILE_ATTRIBUTE_READONLY
	}
	h, err := windows.CreateFile(p, windows.FILE_APPEND_DATA|windows.SYNCHRONIZE|windows.FILE_READ_ATTRIBUTES,
		windows.FILE_SHARE_READ|windows.FILE_SHARE_WRITE|windows.FILE_SHARE_DELETE,
		nil, windows.OPEN_ALWAYS, attrs, 0)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	return os.NewFile(uintptr(h), path), nil
}

// openLockFile opens the lock file for reading and writing the shared state.
func openLockFile(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
}

// lockFileFlag is how gofrs/flock opens the lock file.
const lockFileFlag = os.O_RDWR | os.O_CREATE

// writeRecord writes p with one WriteFile call on a handle opened with
// FILE_APPEND_DATA only, which Windows appends atomically at the end of the
// file.
func writeRecord(fd uintptr, p []byte) (int, error) {
	var n uint32
	err := windows.WriteFile(windows.Handle(fd), p, &n, nil)
	return int(n), err
}

// renameNoReplace renames oldpath to newpath unless newpath exists:
// MoveFileEx without MOVEFILE_REPLACE_EXISTING fails if the target exists.
// A sharing violation (a scanner or an editor holding the file without
// delete sharing) is retried a few times with backoff before giving up.
func renameNoReplace(oldpath, newpath string) error {
	from, err := windows.UTF16PtrFromString(oldpath)
	if err != nil {
		return &os.LinkError{Op: "rename", Old: oldpath, New: newpath, Err: err}
	}
	to, err := windows.UTF16PtrFromString(newpath)
	if err != nil {
		return &os.LinkError{Op: "rename", Old: oldpath, New: newpath, Err: err}
	}
	delay := 5 * time.Millisecond
	for attempt := 0; ; attempt++ {
		err = windows.MoveFileEx(from, to, 0)
		if err == nil {
			return nil
		}
		if attempt == 4 || !errors.Is(err, windows.ERROR_SHARING_VIOLATION) && !errors.Is(err, windows.ERROR_ACCESS_DENIED) {
			break
		}
		time.Sleep(delay)
		delay *= 2
	}
	if errors.Is(err, windows.ERROR_ALREADY_EXISTS) || errors.Is(err, windows.ERROR_FILE_EXISTS) {
		err = fs.ErrExist
	}
	return &os.LinkError{Op: "rename", Old: oldpath, New: newpath, Err: err}
}

// openNoFollow opens an archive for reading.
func openNoFollow(path string) (*os.File, error) {
	return os.Open(path)
}

// createExclusive creates a new file; it fails if anything is at path.
func createExclusive(path string, mode fs.FileMode) (*os.File, error) {
	return os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
}

// syncDir is a no-op: Windows has no directory fsync, and NTFS journals the
// rename.
func syncDir(string) {}
