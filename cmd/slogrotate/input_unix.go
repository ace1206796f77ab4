//go:build unix

package main

import (
	"io"
	"io/fs"
	"os"

	"golang.org/x/sys/unix"
)

// A pipeInput reads standard input when it is a pipe, socket or terminal:
// non-blocking reads, and poll(2) to wait, both on the descriptor and on a
// pipe of its own that interrupt writes to, so that SIGTERM can stop the
// command while it waits for input and still write the partial record it
// holds.
//
// It does not use Go's poller on purpose. A descriptor registered there
// stays in the runtime's epoll set for good, and Linux then has every
// write into the pipe wake the thread waiting in epoll, even while the
// command is not reading (pausing for -read-interval), and charges that
// wake-up to the writer. poll(2) watches the descriptor only while the
// command waits for input: a write wakes it only then.
type pipeInput struct {
	fd   int
	wake [2]int // interrupt writes to wake[1]; wake[0] is polled
}

// openInput returns standard input as the command reads it, and a
// function that puts its descriptor back in blocking mode, since a pipe
// or terminal may be shared with other processes (a shell) that expect
// it. Regular files are read as they are: their reads do not block.
func openInput(stdin *os.File) (input, func()) {
	fi, err := stdin.Stat()
	if err != nil || fi.Mode()&(fs.ModeNamedPipe|fs.ModeSocket|fs.ModeCharDevice) == 0 {
		return fileInput{stdin}, func() {}
	}
	fd := int(stdin.Fd())
	var wake [2]int
	if err := unix.Pipe(wake[:]); err != nil {
		return fileInput{stdin}, func() {}
	}
	unix.CloseOnExec(wake[0])
	unix.CloseOnExec(wake[1])
	if unix.SetNonblock(wake[1], true) != nil || unix.SetNonblock(fd, true) != nil {
		unix.Close(wake[0])
		unix.Close(wake[1])
		return fileInput{stdin}, func() {}
	}
	return &pipeInput{fd: fd, wake: wake}, func() {
		unix.SetNonblock(fd, false)
		unix.Close(wake[0])
		unix.Close(wake[1])
	}
}

func (p *pipeInput) Read(b []byte) (int, error) {
	for {
		n, err := unix.Read(p.fd, b)
		switch {
		case err == nil && n == 0:
			return 0, io.EOF
		case err == nil:
			return n, nil
		case err == unix.EINTR:
			continue
		case err != unix.EAGAIN:
			return 0, &fs.PathError{Op: "read", Path: "standard input", Err: err}
		}
		if stopped, err := p.wait(); stopped || err != nil {
			return 0, err
		}
	}
}

// wait waits until the descriptor is ready to read or interrupt was
// called: then it reports errStopped.
func (p *pipeInput) wait() (bool, error) {
	fds := []unix.PollFd{{Fd: int32(p.fd), Events: unix.POLLIN}, {Fd: int32(p.wake[0]), Events: unix.POLLIN}}
	for {
		_, err := unix.Poll(fds, -1)
		switch {
		case err == unix.EINTR:
			continue
		case err != nil:
			return false, &fs.PathError{Op: "poll", Path: "standard input", Err: err}
		case fds[1].Revents != 0:
			return true, errStopped
		}
		return false, nil
	}
}

func (p *pipeInput) interrupt() { unix.Write(p.wake[1], []byte{0}) }

// drains: after interrupt, the wake pipe stays readable, so a Read returns
// what the input holds and errStopped at the first wait.
func (p *pipeInput) drains() bool { return true }
