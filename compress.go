package slogrotate

import (
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// compress.go holds compression: the Compressor interface and its gzip
// implementation, the check of a compressor at Open, and the steps of
// compressing one archive (encode, publish).

// A Compressor compresses archives; see [WithCompressor]. A few lines
// plug in any compression library, for example zstd from
// github.com/klauspost/compress:
//
//	type zstdCompressor struct{}
//
//	func (zstdCompressor) Extension() string { return ".zst" }
//	func (zstdCompressor) NewWriter(w io.Writer) (io.WriteCloser, error) {
//		return zstd.NewWriter(w)
//	}
//
// Its methods may be called from several goroutines at once (one per
// Writer that compresses).
type Compressor interface {
	// Extension is what a compressed archive's name adds to the archive's
	// name, with its leading dot: ".zst". It must not change.
	Extension() string
	// NewWriter returns a writer that compresses what it is given into w.
	// Its Close must write everything out to w; it need not close w.
	NewWriter(w io.Writer) (io.WriteCloser, error)
}

// GzipCompressor is the built-in gzip compressor at level: from
// gzip.BestSpeed (1) to gzip.BestCompression (9), gzip.DefaultCompression
// (-1) or gzip.HuffmanOnly (-2). [WithCompressor] makes Open fail for any
// other level. Its extension is ".gz".
func GzipCompressor(level int) Compressor {
	return gzipCompressor{level: level}
}

type gzipCompressor struct{ level int }

func (gzipCompressor) Extension() string { return ".gz" }

func (g gzipCompressor) NewWriter(w io.Writer) (io.WriteCloser, error) {
	return gzip.NewWriterLevel(w, g.level)
}

// String names it as the code that made it, for option errors.
func (g gzipCompressor) String() string { return fmt.Sprintf("GzipCompressor(%d)", g.level) }

// compressorName is how an option error names comp.
func compressorName(comp Compressor) string {
	if s, ok := comp.(fmt.Stringer); ok {
		return s.String()
	}
	if comp == nil {
		return "nil"
	}
	return fmt.Sprintf("%T", comp)
}

// checkCompressor finds out at Open what would otherwise fail at the first
// compression, hours later: a bad extension, a writer that cannot be made.
func checkCompressor(comp Compressor) error {
	if comp == nil {
		return errors.New("a compressor is required")
	}
	if err := checkExtension(comp.Extension()); err != nil {
		return err
	}
	zw, err := comp.NewWriter(io.Discard)
	if err != nil {
		return err
	}
	if zw == nil {
		return errors.New("NewWriter returned a nil writer")
	}
	return zw.Close()
}

// checkExtension rejects extensions that could make a compressed archive's
// name collide with another of the writer's names: an archive index (all
// digits), a temporary file (.tmp), a lock file (.lock), a file elsewhere
// (a path separator). The suffixes are compared regardless of case, for
// file systems that ignore it.
func checkExtension(ext string) error {
	lower := strings.ToLower(ext)
	switch {
	case ext == "":
		return errors.New("the extension is empty")
	case ext[0] != '.':
		return fmt.Errorf("the extension %q does not start with a dot", ext)
	case strings.ContainsAny(ext, `/\`) || strings.ContainsRune(ext, 0):
		return fmt.Errorf("the extension %q contains a path separator", ext)
	case strings.HasSuffix(lower, ".tmp") || strings.HasSuffix(lower, ".lock"):
		return fmt.Errorf("the extension %q ends like the writer's temporary files (.tmp) or lock files (.lock)", ext)
	}
	for part := range strings.SplitSeq(ext[1:], ".") {
		if !extensionPart(part) {
			return fmt.Errorf("the extension %q must be a dot and letters, digits, '-', '_' or '+', with dots between parts, no part empty or digits only", ext)
		}
	}
	return nil
}

// extensionPart reports whether part, between two dots of an extension, is
// letters, digits, '-', '_' or '+', and not empty or digits only.
func extensionPart(part string) bool {
	digits := true
	for _, r := range part {
		switch {
		case r >= '0' && r <= '9':
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r == '-', r == '_', r == '+':
			digits = false
		default:
			return false
		}
	}
	return part != "" && !digits
}

var (
	errGrew = errors.New("the archive grew while it was compressed; trying again later")
	// errStopped ends a compression abandoned by Close; it is not a fault
	// (the next sweep in any process redoes the work) and is not reported.
	errStopped = errors.New("the writer was closed")
)

// compress writes src plus the compressor's extension (src.gz) and removes
// src, as the janitor's comment describes, and returns the path of the
// compressed file.
func (j *janitor) compress(src string) (string, error) {
	dst := src + j.cfg.compressedExts()[0]
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
	// The compressed archive is its source's, as the plain one was.
	if info, err := statFile(in); err == nil {
		chownFile(out, j.cfg.liveOwner(&info))
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
	zw, err := j.cfg.compressor.NewWriter(out)
	if err != nil {
		return err
	}
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
//
// The removal frees src's name. A rollover that looked for dst before it
// existed and then takes that free name would make an archive that the
// next sweep takes for a source already compressed, so the removal is
// made under the rollover lock, which a rollover holds from its look to
// its rename. The rename and the directory sync need no lock (while src
// exists its name is taken anyway), and the sync comes first so that a
// crash never leaves the source removed and the compressed file unnamed.
func (j *janitor) publish(src, tmp, dst string) error {
	if err := renameNoReplace(tmp, dst); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("slogrotate: compress: %w", err)
	}
	syncDir(filepath.Dir(dst))
	var err error
	locked := j.underRolloverLock(func() {
		if e := os.Remove(src); e != nil {
			err = fmt.Errorf("slogrotate: compress: remove source: %w", e)
		}
	})
	if !locked {
		// The next sweep removes the source beside its compressed form.
		return fmt.Errorf("%w: compress %s: the source is removed later", ErrLockBusy, src)
	}
	return err
}
