package main

import "os"

// An input is standard input as the command reads it. interrupt makes a
// Read blocked waiting for input return (0, errStopped); after it, a Read
// of an input that drains returns what is there without waiting, and
// (0, errStopped) once nothing is. The caller has set the stop flag first.
type input interface {
	Read(p []byte) (int, error)
	interrupt()
	drains() bool
}

// A fileInput reads a file whose reads do not block, or that nothing can
// interrupt (standard input outside Unix): a stop then takes effect at
// the next read.
type fileInput struct{ *os.File }

func (fileInput) interrupt()   {}
func (fileInput) drains() bool { return false }
