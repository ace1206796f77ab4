//go:build !unix

package main

import "os"

// interruptible returns standard input as it is: on systems without
// non-blocking pipes in Go's poller a stop signal takes effect at the next
// line read.
func interruptible(stdin *os.File) (*os.File, func()) {
	return stdin, func() {}
}
