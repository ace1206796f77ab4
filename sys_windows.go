//go:build windows

package slogrotate

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/sys/windows"
)

// The Windows side of the protocol. What it relies on, and what it cannot
// promise, is in docs/platforms.md; windows_test.go tests it with real
// processes.
//
//   - The log is opened with CreateFile, not os.OpenFile, for one reason:
//     os.OpenFile shares a file for reading and writing but not for
//     deletion, and while any process holds a handle without
//     FILE_SHARE_DELETE nobody can rename the file. Every writer holds the
//     live log open, so the rollover's rename needs every handle to share
//     deletion.
//   - Each record is one WriteFile on a handle opened with FILE_APPEND_DATA
//     and without FILE_WRITE_DATA, which Windows appends at the end of the
//     file as one unit, as O_APPEND does on Unix.
//   - An archive is made with MoveFileEx without MOVEFILE_REPLACE_EXISTING,
//     which refuses to replace an existing file.
//   - The rollover lock is LockFileEx on byte 0 of the lock file
//     (lockfile_windows.go); the shared state lives from byte 1 (see
//     stateOffset), because a LockFileEx lock is mandatory: no other handle
//     can read or write byte 0 while it is held.

// shareAll lets other handles read, write, rename and delete the file.
const shareAll = windows.FILE_SHARE_READ | windows.FILE_SHARE_WRITE | windows.FILE_SHARE_DELETE

func infoOf(d *windows.ByHandleFileInformation) fileInfo {
	return fileInfo{
		id:   fileID{uint64(d.VolumeSerialNumber), uint64(d.FileIndexHigh)<<32 | uint64(d.FileIndexLow)},
		size: int64(d.FileSizeHigh)<<32 | int64(d.FileSizeLow),
		// Filetime.Nanoseconds converts from 100 ns ticks since 1601 to
		// nanoseconds since the Unix epoch.
		mtime: time.Unix(0, d.LastWriteTime.Nanoseconds()),
	}
}

// winPath converts path for the wide-character API, with the \\?\ prefix
// that lifts the 260-character limit when it is needed, as package os does
// for its own calls.
func winPath(path string) (*uint16, error) {
	if len(path) >= 248 && !strings.HasPrefix(path, `\\?\`) && !strings.HasPrefix(path, `\\.\`) {
		if abs, err := filepath.Abs(path); err == nil {
			if strings.HasPrefix(abs, `\\`) {
				path = `\\?\UNC\` + abs[2:]
			} else {
				path = `\\?\` + abs
			}
		}
	}
	return windows.UTF16PtrFromString(path)
}

// statPath describes the file at path, following a symbolic link as the
// Unix version does. The handle it opens asks only for FILE_READ_ATTRIBUTES,
// which takes part in no sharing check: it neither fails because of another
// process's handle nor stops another process from renaming the file.
// A directory (opened thanks to FILE_FLAG_BACKUP_SEMANTICS) or a device is
// refused with errNotRegular, as on Unix.
func statPath(path string) (fileInfo, error) {
	p, err := winPath(path)
	if err != nil {
		return fileInfo{}, &fs.PathError{Op: "stat", Path: path, Err: err}
	}
	h, err := windows.CreateFile(p, windows.FILE_READ_ATTRIBUTES, shareAll, nil,
		windows.OPEN_EXISTING, windows.FILE_FLAG_BACKUP_SEMANTICS, 0)
	if err != nil {
		return fileInfo{}, &fs.PathError{Op: "stat", Path: path, Err: err}
	}
	defer windows.CloseHandle(h)
	notRegular := &fs.PathError{Op: "open", Path: path, Err: errNotRegular}
	if t, err := windows.GetFileType(h); err != nil || t != windows.FILE_TYPE_DISK {
		return fileInfo{}, notRegular
	}
	var d windows.ByHandleFileInformation
	if err := windows.GetFileInformationByHandle(h, &d); err != nil {
		return fileInfo{}, &fs.PathError{Op: "stat", Path: path, Err: err}
	}
	if d.FileAttributes&windows.FILE_ATTRIBUTE_DIRECTORY != 0 {
		return fileInfo{}, notRegular
	}
	return infoOf(&d), nil
}

func statFile(f *os.File) (fileInfo, error) {
	var d windows.ByHandleFileInformation
	if err := windows.GetFileInformationByHandle(windows.Handle(f.Fd()), &d); err != nil {
		return fileInfo{}, &fs.PathError{Op: "stat", Path: f.Name(), Err: err}
	}
	return infoOf(&d), nil
}

// openAppend opens the log for appending, creating it if needed, with
// read, write and delete sharing; see the top of this file for why
// os.OpenFile will not do.
//
// The access rights are FILE_APPEND_DATA (every write goes to the end of
// the file; without FILE_WRITE_DATA no write can land anywhere else),
// FILE_READ_ATTRIBUTES for statFile, and SYNCHRONIZE for synchronous I/O.
// FlushFileBuffers ([Writer.Sync]) accepts FILE_APPEND_DATA as write
// access.
//
// mode is not applied. Windows has no permission bits; the one Go maps,
// owner write to FILE_ATTRIBUTE_READONLY, would make the file one that no
// process, not even this one at its next reopen, could open for
// appending again. Access is governed by the ACL the directory passes on.
// The handle is not inheritable.
func openAppend(path string, mode fs.FileMode) (*os.File, error) {
	return openAppendHow(path, windows.OPEN_ALWAYS)
}

// openExisting opens the log for appending, as openAppend does, if it
// exists; it never creates it.
func openExisting(path string) (*os.File, error) {
	return openAppendHow(path, windows.OPEN_EXISTING)
}

func openAppendHow(path string, disposition uint32) (*os.File, error) {
	p, err := winPath(path)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	h, err := windows.CreateFile(p, windows.FILE_APPEND_DATA|windows.FILE_READ_ATTRIBUTES|windows.SYNCHRONIZE,
		shareAll, nil, disposition, windows.FILE_ATTRIBUTE_NORMAL, 0)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	return os.NewFile(uintptr(h), path), nil
}

// openLockFile opens the lock file for reading and writing the shared
// state, creating it if needed. os.OpenFile's sharing (read and write) is
// what is needed: other processes hold it open too. Nobody renames or
// deletes a lock file. mode is not applied; see openAppend.
//
// A symbolic link (or another reparse point) at the lock file's name is
// opened as itself, never followed (lockFileFlag), and refused here, as
// O_NOFOLLOW refuses it on Unix.
func openLockFile(path string, mode fs.FileMode) (*os.File, error) {
	return openLockFileFlag(path, lockFileFlag)
}

func openLockFileFlag(path string, flag int) (*os.File, error) {
	f, err := os.OpenFile(path, flag, 0o644)
	if err != nil {
		return nil, err
	}
	var d windows.ByHandleFileInformation
	if err := windows.GetFileInformationByHandle(windows.Handle(f.Fd()), &d); err != nil {
		f.Close()
		return nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	if d.FileAttributes&windows.FILE_ATTRIBUTE_REPARSE_POINT != 0 {
		f.Close()
		return nil, &fs.PathError{Op: "open", Path: path, Err: errSymlink}
	}
	return f, nil
}

// lockFileFlag is how the lock file is opened. os.OpenFile passes
// the FILE_FLAG_ bits in the high bits of the flag on to CreateFile:
// FILE_FLAG_OPEN_REPARSE_POINT opens a symbolic link itself rather than
// its target, so no file elsewhere is ever created or locked.
const lockFileFlag = os.O_RDWR | os.O_CREATE | windows.O_FILE_FLAG_OPEN_REPARSE_POINT

// writeRecord writes p with exactly one WriteFile call on a handle that
// openAppend opened with FILE_APPEND_DATA only: Windows appends the whole
// buffer at the end of the file as one unit, whatever other handles and
// processes append at the same time. os.File.Write is not used because it
// would retry a short write with a second call.
func writeRecord(fd uintptr, p []byte) (int, error) {
	var n uint32
	err := windows.WriteFile(windows.Handle(fd), p, &n, nil)
	return int(n), err
}

// renameRetries is how often renameNoReplace tries again after a sharing
// violation, waiting 1, 2, 4 and 8 ms: about 15 ms in all, well inside the
// default lock timeout of 100 ms, because the rollover lock is held
// meanwhile and the other writers wait for it.
const renameRetries = 4

// renameNoReplace renames oldpath to newpath unless newpath exists, in
// which case it fails with an error matching fs.ErrExist. It uses MoveFileEx
// without MOVEFILE_REPLACE_EXISTING, which fails if newpath exists, and
// without MOVEFILE_COPY_ALLOWED, so it never copies across volumes: the
// file keeps its identity, and the handles the writers hold follow it.
//
// A sharing violation means some program holds oldpath open without
// FILE_SHARE_DELETE: a virus scanner, a backup agent, an editor, or a
// reader that used os.Open. It is retried a few times with backoff; if it
// persists, the error goes back to the rollover, which leaves every writer
// writing to the current file and tries again a second later. Nothing is
// lost; records written meanwhile end up in the archive of the period that
// should have ended.
func renameNoReplace(oldpath, newpath string) error {
	from, err := winPath(oldpath)
	if err != nil {
		return &os.LinkError{Op: "rename", Old: oldpath, New: newpath, Err: err}
	}
	to, err := winPath(newpath)
	if err != nil {
		return &os.LinkError{Op: "rename", Old: oldpath, New: newpath, Err: err}
	}
	delay := time.Millisecond
	for attempt := 0; ; attempt++ {
		err = windows.MoveFileEx(from, to, 0)
		if err == nil {
			return nil
		}
		if errors.Is(err, fs.ErrExist) {
			// ERROR_ALREADY_EXISTS or ERROR_FILE_EXISTS.
			break
		}
		if _, lerr := os.Lstat(newpath); lerr == nil {
			// The target exists but the error does not say so (Windows
			// and Wine answer ERROR_ALREADY_EXISTS even when the target
			// is open elsewhere; this is for anything else, such as a
			// file system that answers ERROR_ACCESS_DENIED): the name is
			// taken all the same, and the caller tries the next one.
			err = &existsError{err}
			break
		}
		if attempt == renameRetries || !errors.Is(err, windows.ERROR_SHARING_VIOLATION) {
			break
		}
		time.Sleep(delay)
		delay *= 2
	}
	return &os.LinkError{Op: "rename", Old: oldpath, New: newpath, Err: err}
}

// existsError is an error from a rename whose target turned out to exist:
// it matches fs.ErrExist and keeps the system's error text.
type existsError struct{ err error }

func (e *existsError) Error() string        { return e.err.Error() + " (the target exists)" }
func (e *existsError) Unwrap() error        { return e.err }
func (e *existsError) Is(target error) bool { return target == fs.ErrExist }

// errSymlink is what openNoFollow and openLockFile return for a reparse
// point (a symbolic link or a junction) at the path.
var errSymlink = errors.New("is a symbolic link or another reparse point, which slogrotate refuses to follow")

// openNoFollow opens an archive for reading, refusing a reparse point (a
// symbolic link or a junction) planted in its place. It shares everything,
// as openAppend does: a writer that has not yet noticed the rollover may
// still append to the archive, and the janitor may remove it.
func openNoFollow(path string) (*os.File, error) {
	p, err := winPath(path)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	h, err := windows.CreateFile(p, windows.GENERIC_READ, shareAll, nil,
		windows.OPEN_EXISTING, windows.FILE_FLAG_OPEN_REPARSE_POINT, 0)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	var d windows.ByHandleFileInformation
	if err := windows.GetFileInformationByHandle(h, &d); err != nil {
		windows.CloseHandle(h)
		return nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	if d.FileAttributes&windows.FILE_ATTRIBUTE_REPARSE_POINT != 0 {
		windows.CloseHandle(h)
		return nil, &fs.PathError{Op: "open", Path: path, Err: errSymlink}
	}
	return os.NewFile(uintptr(h), path), nil
}

// createExclusive creates a new file; it fails if anything, a symbolic link
// included, is at path (os.OpenFile uses CREATE_NEW and does not follow a
// reparse point when O_EXCL is set). As in openAppend, mode is not applied:
// the file is never made read-only.
func createExclusive(path string, mode fs.FileMode) (*os.File, error) {
	return os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
}

// syncDir does nothing: Windows cannot flush a directory through an
// ordinary handle, and NTFS logs the rename in its own journal.
func syncDir(string) {}

// pause sleeps for about d.
func pause(d time.Duration) { time.Sleep(d) }

// monotonicFollowsWall is false: the performance counter behind Go's
// monotonic clock is not slewed with the wall clock, so a write reads the
// wall clock each time (see timing.now).
const monotonicFollowsWall = false

// setMode does nothing: Windows has no permission bits, only ACLs, which
// the files inherit from their directory.
func setMode(*os.File, fs.FileMode) {}

func explainOpenError(err error) error { return err }

// blankTail would overwrite the fragment a short write left; a handle
// opened with FILE_APPEND_DATA only cannot write anywhere but at the end,
// and NTFS fails a write to a full disk whole rather than short. The
// caller falls back to starting its next record with a newline.
func blankTail(fd uintptr, n int) error {
	return errors.New("overwriting in place is not supported on Windows")
}

// endFragment does nothing: a handle opened with FILE_APPEND_DATA only
// cannot overwrite the fragment a killed process left, and whether Windows
// cuts a WriteFile short when its process is terminated is not known.
func endFragment(fd uintptr, p []byte) error { return nil }

// unlinked reports false: a file deleted while a handle with delete sharing
// is open keeps its name until the last handle closes.
func unlinked(*os.File) bool { return false }

// crossDevice reports whether err is a rename's refusal to cross volumes.
func crossDevice(err error) bool { return errors.Is(err, windows.ERROR_NOT_SAME_DEVICE) }

// changedAt reports nothing here: Windows has no change time that a rename sets.
func changedAt(fs.FileInfo) (time.Time, bool) { return time.Time{}, false }
