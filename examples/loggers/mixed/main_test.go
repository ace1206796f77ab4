package main

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestMixed runs the four loggers across at least one rollover and finds
// every record of each, once, in whole lines.
func TestMixed(t *testing.T) {
	dir, err := os.MkdirTemp("", "slogrotate-mixed-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	path := filepath.Join(dir, "app.log")
	written, err := run(path, 2200*time.Millisecond, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	found, files, err := count(path)
	if err != nil {
		t.Fatal(err)
	}
	if files < 3 {
		t.Errorf("want at least 3 files (two rollovers), got %d", files)
	}
	for _, name := range []string{"slog", "zap", "zerolog", "stdlog"} {
		if written[name] == 0 || found[name] != written[name] {
			t.Errorf("%s: wrote %d records, found %d", name, written[name], found[name])
		}
	}
}
