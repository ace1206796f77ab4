package slogrotate

import (
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

var (
	errGrew = errors.New("the archive grew while it was compressed; trying again later")
	// errStopped ends a compression abandoned by Close; it is not a fault
	// (the next sweep in any process redoes the work) and is not reported.
	errStopped = errors.New("the writer was closed")
)

// compress writes src.gz and removes src, as the type's comment describes.
func (j *janitor) compress(src string) (string, error) {
	dst := src + ".gz"
	tmp := dst + ".tmp"
	in, err := openNoFollow(src)
	if err != nil {
		return "", fmt.Errorf("slogrotate: compress: %w", err)
	}
	defer in.Close()
	out, err := createExclusive(tmp, j.cfg.mode)
	if err != nil {
		return "", fmt.Errorf("slogrotate: compress: %w", err)
	}
	fail := func(err error) (string, error) {
		out.Close()
		os.Remove(tmp)
		return "", fmt.Errorf("slogrotate: compress %s: %w", src, err)
	}
	zw := gzip.NewWriter(out)
	buf := make([]byte, 256<<10)
	var read int64
	for first := true; ; first = false {
		select {
		case <-j.stop:
			return fail(errStopped)
		default:
		}
		n, rerr := in.Read(buf)
		if n > 0 {
			if _, err := zw.Write(buf[:n]); err != nil {
				return fail(err)
			}
			read += int64(n)
		}
		if first {
			reach(stageCompressing)
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return fail(rerr)
		}
	}
	if err := zw.Close(); err != nil {
		return fail(err)
	}
	if err := out.Sync(); err != nil {
		return fail(err)
	}
	reach(stageCompressed)
	if fi, err := in.Stat(); err != nil || fi.Size() != read {
		return fail(errGrew)
	}
	// Windows will not remove a file this process still has open.
	in.Close()
	if err := out.Close(); err != nil {
		os.Remove(tmp)
		return "", fmt.Errorf("slogrotate: compress %s: %w", src, err)
	}
	// Between the rename and the removal, src's name is free for a
	// rollover that has not seen the .gz yet; the rollover lock closes
	// that window.
	var err2 error
	locked := j.underRolloverLock(func() {
		if err := renameNoReplace(tmp, dst); err != nil {
			os.Remove(tmp)
			err2 = fmt.Errorf("slogrotate: compress: %w", err)
			return
		}
		syncDir(filepath.Dir(dst))
		if err := os.Remove(src); err != nil {
			err2 = fmt.Errorf("slogrotate: compress: remove source: %w", err)
		}
	})
	if !locked {
		os.Remove(tmp)
		return "", fmt.Errorf("slogrotate: compress %s: the rollover lock is busy; trying again later", src)
	}
	if err2 != nil {
		return "", err2
	}
	return dst, nil
}
