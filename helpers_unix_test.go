//go:build unix

package slogrotate

import (
	"io/fs"
	"syscall"
	"testing"
)

// setUmask sets the process's umask for the rest of the test.
func setUmask(t *testing.T, mask fs.FileMode) {
	old := syscall.Umask(int(mask))
	t.Cleanup(func() { syscall.Umask(old) })
}
