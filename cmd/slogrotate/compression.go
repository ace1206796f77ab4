package main

import (
	"compress/gzip"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"

	"github.com/klauspost/compress/zstd"
	"github.com/slogrotate/slogrotate"
)

// compressionFlags defines -compress, -compressor and -compress-level,
// which together make one WithCompressor option (see finishCompression).
func (s *settings) compressionFlags(fl *flag.FlagSet) {
	fl.BoolVar(&s.compress, "compress", false, "compress archives (gzip unless -compressor says otherwise)")
	fl.Func("compressor", "compress archives with `NAME`: gzip (.gz) or zstd (.zst)", func(text string) error {
		if text != "gzip" && text != "zstd" {
			return errors.New("want gzip or zstd")
		}
		s.compressor = text
		return nil
	})
	fl.Func("compress-level", "compression `LEVEL`: gzip 1 (fastest) to 9 (smallest), zstd 1 to 22", func(text string) error {
		n, err := strconv.Atoi(text)
		if err != nil || n < 1 || n > 22 {
			return errors.New("want a whole number: 1 to 9 for gzip, 1 to 22 for zstd")
		}
		s.compressLevel = n
		return nil
	})
	s.optionOf["compress"] = "WithCompress"
	s.optionOf["compressor"] = "WithCompressor"
	s.optionOf["compress-level"] = "WithCompressor"
}

// finishCompression adds the compressor the flags ask for, and refuses
// the flags that mean nothing without one.
func (s *settings) finishCompression(set map[string]bool) error {
	on := s.compress || s.compressor != ""
	for _, name := range []string{"compress-level", "keep-uncompressed"} {
		if set[name] && !on {
			return usageError{fmt.Sprintf("-%s needs -compress or -compressor", name)}
		}
	}
	if !on {
		return nil
	}
	comp, err := compressor(s.compressor, s.compressLevel)
	if err != nil {
		return usageError{"invalid value for flag -compress-level: " + err.Error()}
	}
	s.opts = append(s.opts, slogrotate.WithCompressor(comp))
	return nil
}

// compressor is the compressor called name ("" is gzip) at level, 0 for
// its default.
func compressor(name string, level int) (slogrotate.Compressor, error) {
	if name == "zstd" {
		if level == 0 {
			level = 3 // zstd's own default
		}
		return zstdCompressor{level: zstd.EncoderLevelFromZstd(level)}, nil
	}
	if level == 0 {
		level = gzip.DefaultCompression
	} else if level > gzip.BestCompression {
		return nil, fmt.Errorf("gzip levels are 1 to 9, not %d", level)
	}
	return slogrotate.GzipCompressor(level), nil
}

// zstdCompressor makes archives name.zst with Zstandard
// (github.com/klauspost/compress/zstd, pure Go) at one of that package's
// four levels.
type zstdCompressor struct{ level zstd.EncoderLevel }

func (zstdCompressor) Extension() string { return ".zst" }

func (z zstdCompressor) NewWriter(w io.Writer) (io.WriteCloser, error) {
	// One goroutine: compression runs in the background, off the write
	// path, and need not take every core.
	return zstd.NewWriter(w, zstd.WithEncoderLevel(z.level), zstd.WithEncoderConcurrency(1))
}

// String names it in an option error.
func (z zstdCompressor) String() string { return "zstd(" + z.level.String() + ")" }
