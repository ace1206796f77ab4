//go:build windows

package slogrotate

import (
	"errors"
	"os"
)

// blankTail would overwrite the fragment a short write left; a handle
// opened with FILE_APPEND_DATA only cannot write anywhere but at the end,
// and NTFS fails a write to a full disk whole rather than short. The
// caller falls back to starting its next record with a newline.
func blankTail(fd uintptr, n int) error {
	return errors.New("overwriting in place is not supported on Windows")
}

// unlinked reports false: a file deleted while a handle with delete sharing
// is open keeps its name until the last handle closes.
func unlinked(*os.File) bool { return false }
