package slogrotate

import "errors"

// freespace.go holds the measure of free space that WithMinFreeSpace needs;
// the system calls are in freespace_*.go.

// errFreeSpaceUnsupported is what freeSpace returns where it cannot
// measure.
var errFreeSpaceUnsupported = errors.New("cannot measure free space on this system")
