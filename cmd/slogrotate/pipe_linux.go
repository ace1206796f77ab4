package main

import (
	"os"
	"syscall"
)

// pipeCapacity is how many bytes the pipe f holds (64 KiB unless resized
// with F_SETPIPE_SZ), or 0 if f is no pipe.
func pipeCapacity(f *os.File) int {
	conn, err := f.SyscallConn()
	if err != nil {
		return 0
	}
	size := 0
	conn.Control(func(fd uintptr) {
		n, _, errno := syscall.Syscall(syscall.SYS_FCNTL, fd, syscall.F_GETPIPE_SZ, 0)
		if errno == 0 {
			size = int(n)
		}
	})
	return size
}
