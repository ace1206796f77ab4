//go:build linux

package main

import (
	"bytes"
	"fmt"
	"path/filepath"
	"testing"
)

// TestEightInstancesNoTornLines: eight instances in raw mode without
// -buffer append 150-byte lines to one log at once, each fed through a
// pipe in writes of 5,000 bytes that end inside a line, so that a read
// brings many lines and most often a part of one, and every Write carries
// many lines. Every line is in the log once and whole.
func TestEightInstancesNoTornLines(t *testing.T) {
	const instances, lines, perWrite = 8, 40_000, 5000
	log := filepath.Join(t.TempDir(), "app.log")
	var dones []chan error
	for gen := range instances {
		_, w, exited := startPiped(t, log)
		fed := make(chan error, 1)
		go func() {
			defer w.Close()
			var buf bytes.Buffer
			for seq := range lines {
				buf.WriteString(numberedLine(gen, seq) + "\n")
			}
			for b := buf.Bytes(); len(b) > 0; b = b[min(perWrite, len(b)):] {
				if _, err := w.Write(b[:min(perWrite, len(b))]); err != nil {
					fed <- err
					return
				}
			}
			fed <- nil
		}()
		dones = append(dones, fed, exited)
	}
	for _, d := range dones {
		if err := waitDone(t, d); err != nil {
			t.Fatal(err)
		}
	}
	seen := map[string]int{}
	for _, l := range readLines(t, log) {
		seen[l]++
	}
	for gen := range instances {
		for seq := range lines {
			l := numberedLine(gen, seq)
			if seen[l] != 1 {
				t.Fatalf("%q is in the log %d times, want once", l, seen[l])
			}
			delete(seen, l)
		}
	}
	for l := range seen {
		t.Errorf("a torn or mixed line: %.160q", l)
	}
}

// numberedLine is line seq of generator gen: 150 bytes with its newline.
func numberedLine(gen, seq int) string {
	l := fmt.Sprintf("gen=%d seq=%07d ", gen, seq)
	return l + string(bytes.Repeat([]byte{'a' + byte(gen)}, 149-len(l)))
}
