//go:build linux || darwin || freebsd || dragonfly

package slogrotate

import "golang.org/x/sys/unix"

// freeSpace returns the bytes free to an unprivileged user on the file
// system that holds dir.
func freeSpace(dir string) (int64, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return 0, err
	}
	return int64(st.Bavail) * int64(st.Bsize), nil
}
