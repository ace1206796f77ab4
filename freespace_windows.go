//go:build windows

package slogrotate

import "golang.org/x/sys/windows"

// freeSpace returns the bytes free to the calling user on the volume that
// holds dir.
func freeSpace(dir string) (int64, error) {
	p, err := windows.UTF16PtrFromString(dir)
	if err != nil {
		return 0, err
	}
	var avail, total, totalFree uint64
	if err := windows.GetDiskFreeSpaceEx(p, &avail, &total, &totalFree); err != nil {
		return 0, err
	}
	return int64(avail), nil
}
