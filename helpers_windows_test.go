package slogrotate

import (
	"io/fs"
	"testing"
)

// setUmask does nothing: Windows has no umask, and the tests do not check
// permission bits there.
func setUmask(t *testing.T, mask fs.FileMode) {}
