//go:build windows

package slogrotate

import (
	"io/fs"
	"os"
)

// setMode does nothing: Windows has no permission bits beyond read-only,
// which openAppend sets on creation.
func setMode(*os.File, fs.FileMode) {}

func explainOpenError(err error) error { return err }
