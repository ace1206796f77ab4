//go:build !(linux || darwin || freebsd || dragonfly || windows)

package slogrotate

// freeSpace cannot measure here; see WithMinFreeSpace.
func freeSpace(string) (int64, error) {
	return 0, errFreeSpaceUnsupported
}
