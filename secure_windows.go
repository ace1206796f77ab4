//go:build windows

package slogrotate

import (
	"io/fs"
	"os"
)

// setMode does nothing: Windows has no permission bits, only ACLs, which
// the files inherit from their directory.
func setMode(*os.File, fs.FileMode) {}

func explainOpenError(err error) error { return err }
