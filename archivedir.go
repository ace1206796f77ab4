package slogrotate

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
)

// archivedir.go holds the archive directory's preparation at Open:
// creating it and making sure a rename reaches it.

// prepareArchiveDir creates the archive directory of the log at path, if
// it has one of its own, and refuses one on another file system (see
// WithArchiveDir).
func (c *config) prepareArchiveDir(path string) error {
	dir := c.archiveDir
	if dir == "" {
		return nil
	}
	if fi, err := os.Stat(dir); err == nil && !fi.IsDir() {
		return invalidOption(fmt.Errorf("slogrotate: WithArchiveDir: %s is not a directory", dir))
	}
	if err := mkdirAllOwned(dir, dirMode(c.mode), c.owner); err != nil {
		return fmt.Errorf("slogrotate: WithArchiveDir: create %s: %w", dir, err)
	}
	same, err := renamesInto(filepath.Dir(path), dir)
	if err != nil {
		return fmt.Errorf("slogrotate: WithArchiveDir: %w", err)
	}
	if !same {
		return invalidOption(fmt.Errorf("slogrotate: WithArchiveDir: %s is on another file system (or mount) than %s: %w", dir, path, errCrossDevice))
	}
	return nil
}

// renamesInto reports whether a file of directory from can be renamed into
// directory to. It renames a probe file to find out: comparing devices
// would not see two mounts of one file system (a bind mount), across which
// rename(2) fails too.
func renamesInto(from, to string) (bool, error) {
	name := fmt.Sprintf(".slogrotate-probe-%d-%d", os.Getpid(), rand.Uint64())
	src, dst := filepath.Join(from, name), filepath.Join(to, name)
	f, err := createExclusive(src, 0o600)
	if err != nil {
		return false, err
	}
	f.Close()
	defer os.Remove(src)
	switch err := renameNoReplace(src, dst); {
	case err == nil:
		os.Remove(dst)
		return true, nil
	case crossDevice(err):
		return false, nil
	default:
		return false, err
	}
}
