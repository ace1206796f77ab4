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

// compress writes src.gz and removes src, as the janitor's comment
// describes, and returns the path of the compressed file.
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
	if err := j.encode(in, out); err != nil {
		out.Close()
		os.Remove(tmp)
		return "", fmt.Errorf("slogrotate: compress %s: %w", src, err)
	}
	// Windows will not remove a file this process still has open.
	in.Close()
	if err := out.Close(); err != nil {
		os.Remove(tmp)
		return "", fmt.Errorf("slogrotate: compress %s: %w", src, err)
	}
	if err := j.publish(src, tmp, dst); err != nil {
		return "", err
	}
	return dst, nil
}

// encode compresses in into out and syncs out. It fails with errGrew if in
// grew while it was read: a late writer appended, and the work is redone
// later.
func (j *janitor) encode(in, out *os.File) error {
	zw := gzip.NewWriter(out)
	read, err := j.copyUnlessStopped(zw, in)
	if err != nil {
		zw.Close()
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	if err := out.Sync(); err != nil {
		return err
	}
	reach(stageCompressed)
	if fi, err := in.Stat(); err != nil || fi.Size() != read {
		return errGrew
	}
	return nil
}

// copyUnlessStopped copies in to w to its end, block by block, and
// returns how many bytes it read. Between blocks it gives up with
// errStopped if the janitor is closed, so that Close does not wait for a
// large archive.
func (j *janitor) copyUnlessStopped(w io.Writer, in io.Reader) (int64, error) {
	buf := make([]byte, 256<<10)
	var read int64
	for first := true; ; first = false {
		select {
		case <-j.stop:
			return read, errStopped
		default:
		}
		n, rerr := in.Read(buf)
		if n > 0 {
			if _, err := w.Write(buf[:n]); err != nil {
				return read, err
			}
			read += int64(n)
		}
		if first {
			reach(stageCompressing)
		}
		if rerr == io.EOF {
			return read, nil
		}
		if rerr != nil {
			return read, rerr
		}
	}
}

// publish renames tmp, the complete compressed file, to dst and removes
// src, the archive it was made from.
func (j *janitor) publish(src, tmp, dst string) error {
	// Between the rename and the removal, src's name is free for a
	// rollover that has not seen the .gz yet; the rollover lock closes
	// that window.
	var err error
	locked := j.underRolloverLock(func() {
		if e := renameNoReplace(tmp, dst); e != nil {
			os.Remove(tmp)
			err = fmt.Errorf("slogrotate: compress: %w", e)
			return
		}
		syncDir(filepath.Dir(dst))
		if e := os.Remove(src); e != nil {
			err = fmt.Errorf("slogrotate: compress: remove source: %w", e)
		}
	})
	if !locked {
		os.Remove(tmp)
		return fmt.Errorf("slogrotate: compress %s: the rollover lock is busy; trying again later", src)
	}
	return err
}
