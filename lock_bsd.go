//go:build unix && !linux

package slogrotate

// renameNoReplace renames oldpath to newpath unless newpath exists, in which
// case it fails with an error matching fs.ErrExist. These systems have no
// portable no-replace rename, so it links the new name (which fails if it
// exists) and then removes the old one.
func renameNoReplace(oldpath, newpath string) error {
	return linkRename(oldpath, newpath)
}
