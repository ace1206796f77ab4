//go:build unix

package main

import (
	"io/fs"
	"os"
	"syscall"
)

// interruptible returns standard input as a file whose blocked read a
// deadline interrupts, so that SIGTERM can stop the command while it waits
// for input and still write the partial line it holds. That takes a
// non-blocking descriptor, registered with Go's poller; the returned
// function puts the descriptor back in blocking mode, since a pipe or
// terminal may be shared with other processes (a shell) that expect it.
// Regular files are returned as they are: their reads do not block.
func interruptible(stdin *os.File) (*os.File, func()) {
	fi, err := stdin.Stat()
	if err != nil || fi.Mode()&(fs.ModeNamedPipe|fs.ModeSocket|fs.ModeCharDevice) == 0 {
		return stdin, func() {}
	}
	fd := int(stdin.Fd())
	if err := syscall.SetNonblock(fd, true); err != nil {
		return stdin, func() {}
	}
	// A new File sees the flag and registers fd with the poller; os.Stdin
	// stays unused from here on.
	f := os.NewFile(uintptr(fd), stdin.Name())
	return f, func() { syscall.SetNonblock(fd, false) }
}
