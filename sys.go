package slogrotate

import "time"

// The platform layer: sys_unix.go (every Unix), sys_linux.go and
// sys_nonlinux.go (what Linux does in one system call and the other Unix
// systems in two), sys_windows.go. Each gives the protocol the same small
// set of file operations: stat by path and by descriptor, open for
// appending, one write(2) per record, a rename that never replaces, and
// the repair of a record cut short.

// fileID identifies a file independently of its name: device and inode on
// Unix, volume serial number and 64-bit file index on Windows.
type fileID struct{ hi, lo uint64 }

// fileInfo is what the protocol needs to know of a file.
type fileInfo struct {
	id    fileID
	size  int64
	mtime time.Time
	owner fileOwner // on Unix; not set on Windows
}
