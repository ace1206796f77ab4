//go:build linux

package main

import (
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"
)

// TestCompressedArchives: with -compressor zstd the command compresses
// each archive to name.zst, which decompresses back to exactly what was
// written; with -compress-level too, and with gzip at a level.
func TestCompressedArchives(t *testing.T) {
	for _, tc := range []struct{ compressor, level, ext string }{
		{"zstd", "", ".zst"}, {"zstd", "19", ".zst"}, {"gzip", "1", ".gz"},
	} {
		t.Run(tc.compressor+tc.level, func(t *testing.T) {
			dir := t.TempDir()
			log := filepath.Join(dir, "app.log")
			args := []string{"-compressor", tc.compressor, "-reopen-check", "100ms"}
			if tc.level != "" {
				args = append(args, "-compress-level", tc.level)
			}
			cmd, w, done := startPiped(t, append(args, log)...)
			var want strings.Builder
			for i := range 20_000 {
				fmt.Fprintf(&want, "line %d of the archive, compressible %s\n", i, strings.Repeat("ab", i%40))
			}
			if _, err := w.WriteString(want.String()); err != nil {
				t.Fatal(err)
			}
			waitForFile(t, log, "line 19999 ")
			cmd.Process.Signal(syscall.SIGHUP)
			archive := waitForSuffix(t, dir, tc.ext)
			w.Close()
			if err := waitDone(t, done); err != nil {
				t.Fatal(err)
			}
			got := decompress(t, archive)
			if got != want.String() {
				t.Errorf("%s decompresses to %d bytes, want the %d written", archive, len(got), want.Len())
			}
			if plain := strings.TrimSuffix(archive, tc.ext); fileExists(plain) {
				t.Errorf("%s is left beside its compressed form", plain)
			}
		})
	}
}

// waitForSuffix waits until dir holds a file whose name ends with suffix.
func waitForSuffix(t *testing.T, dir, suffix string) string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if m, _ := filepath.Glob(filepath.Join(dir, "*"+suffix)); len(m) > 0 {
			return m[0]
		}
		time.Sleep(10 * time.Millisecond) // compression sends no event
	}
	t.Fatalf("no *%s in %s within 20s", suffix, dir)
	return ""
}

// decompress reads back the .zst or .gz archive at path.
func decompress(t *testing.T, path string) string {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var r io.Reader
	if strings.HasSuffix(path, ".gz") {
		r, err = gzip.NewReader(f)
	} else {
		var d *zstd.Decoder
		d, err = zstd.NewReader(f)
		r = d
		defer func() {
			if d != nil {
				d.Close()
			}
		}()
	}
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	data, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return string(data)
}

func fileExists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}
