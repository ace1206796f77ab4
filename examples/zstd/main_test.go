package main

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"
	"github.com/slogrotate/slogrotate"
)

// A rollover's archive is compressed with zstd, reported to OnRotate with
// its .zst path, and decompresses to every record written before the
// rollover, in order.
func TestZstdArchive(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "app.log")
	var mu sync.Mutex
	now := time.Date(2021, 10, 18, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	rotated := make(chan string, 1)
	w, err := slogrotate.Open(path,
		slogrotate.WithLocation(time.UTC),
		slogrotate.WithClock(clock),
		slogrotate.WithReopenCheck(20*time.Millisecond), // the grace period is twice this
		slogrotate.WithCompressor(Zstd{Level: zstd.SpeedBestCompression}),
		slogrotate.WithOnRotate(func(a string) { rotated <- a }),
		slogrotate.WithErrorHandler(func(err error) { t.Errorf("writer: %v", err) }),
	)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	const n = 5000
	for i := range n {
		if _, err := w.Write([]byte(`{"seq":` + strconv.Itoa(i) + `,"pad":"` + strings.Repeat("x", i%100) + `"}` + "\n")); err != nil {
			t.Fatal(err)
		}
	}
	mu.Lock()
	now = now.Add(24 * time.Hour) // the next day: the next write rolls over
	mu.Unlock()
	if _, err := w.Write([]byte(`{"seq":"next day"}` + "\n")); err != nil {
		t.Fatal(err)
	}

	var archive string
	select {
	case archive = <-rotated:
	case <-time.After(20 * time.Second):
		t.Fatal("the archive was not compressed")
	}
	if want := path + ".2021-10-18.zst"; archive != want {
		t.Fatalf("OnRotate reported %s, want %s", archive, want)
	}
	if _, err := os.Stat(path + ".2021-10-18"); !os.IsNotExist(err) {
		t.Errorf("the uncompressed archive is still there: %v", err)
	}
	f, err := os.Open(archive)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := zstd.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	sc := bufio.NewScanner(zr)
	next := 0
	for sc.Scan() {
		var rec struct{ Seq int }
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil || rec.Seq != next {
			t.Fatalf("record %d: got %q (%v)", next, sc.Text(), err)
		}
		next++
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if next != n {
		t.Fatalf("the archive has %d records, want %d", next, n)
	}
}
