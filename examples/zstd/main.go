// Command zstd shows how to plug a compressor other than gzip into
// slogrotate: zstd from github.com/klauspost/compress, in the few lines of
// the Zstd type below. It logs for a few seconds into a log that rolls
// over every second and prints each archive once it is compressed.
//
//	go run . -dir /tmp/logs -duration 5s
package main

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/klauspost/compress/zstd"
	"github.com/slogrotate/slogrotate"
)

// Zstd is a slogrotate.Compressor: archives become name.zst.
type Zstd struct{ Level zstd.EncoderLevel }

func (Zstd) Extension() string { return ".zst" }

func (z Zstd) NewWriter(w io.Writer) (io.WriteCloser, error) {
	// One goroutine: compression runs in the background, off the write
	// path, and need not take every core.
	return zstd.NewWriter(w, zstd.WithEncoderLevel(z.Level), zstd.WithEncoderConcurrency(1))
}

func main() {
	dir := flag.String("dir", "", "directory of the log (default: a new temporary one)")
	duration := flag.Duration("duration", 4*time.Second, "how long to log")
	flag.Parse()
	if *dir == "" {
		d, err := os.MkdirTemp("", "slogrotate-zstd-")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		*dir = d
	}
	w, err := slogrotate.Open(filepath.Join(*dir, "app.log"),
		slogrotate.WithSchedule(slogrotate.Every(time.Second)),
		slogrotate.WithCompressor(Zstd{Level: zstd.SpeedDefault}),
		slogrotate.WithOnRotate(func(archive string) { fmt.Println("compressed:", archive) }),
	)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	log := slog.New(slogrotate.NewJSONHandler(w, nil))
	for end, n := time.Now().Add(*duration), 0; time.Now().Before(end); n++ {
		log.Info("request", "n", n)
		time.Sleep(time.Millisecond)
	}
	// Archives made in the last two seconds are compressed by the next
	// process that opens the log, or by this one if it keeps running.
	time.Sleep(3 * time.Second)
	if err := w.Close(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
