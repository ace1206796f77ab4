//go:build linux

package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/slogrotate/slogrotate"
)

// nulRecord is record seq of generator gen under -input nul, without its
// NUL: a few lines, like a traceback, every one naming its record;
// every 50th record is longer than a pipe's atomic write and than the
// reader's room for a partial record; with oversize, record 3 is longer
// than MaxRecordSize and must be split into pieces.
func nulRecord(gen, seq int, oversize bool) string {
	lines := 1 + seq%7
	pad := 40
	switch {
	case oversize && seq == 3:
		lines, pad = 9000, 150
	case seq%50 == 0:
		lines, pad = 60, 150
	}
	var b strings.Builder
	for k := range lines {
		if k > 0 {
			b.WriteByte('\n')
		}
		fmt.Fprintf(&b, "gen=%d seq=%d line=%d %s", gen, seq, k, strings.Repeat("x", pad))
	}
	return b.String()
}

// feedNul writes records 0..n-1 of gen, one write(2) each, ending every
// other one with a newline before its NUL (both are one record), then a
// last record without a NUL, and closes the pipe.
func feedNul(w *os.File, gen, n int, oversize bool, done chan<- error) {
	defer w.Close()
	for seq := range n {
		rec := nulRecord(gen, seq, oversize)
		if seq%2 == 0 {
			rec += "\n"
		}
		if _, err := w.WriteString(rec + "\x00"); err != nil {
			done <- err
			return
		}
	}
	_, err := w.WriteString(nulRecord(gen, n, oversize))
	done <- err
}

// TestNulRecordsManyInstances: instances of the command with -input nul
// in each format, with and without -buffer, append multi-line records to
// one log at once. Every record (the last one of each input without its
// NUL) is in the log exactly once, whole and contiguous, stamped once,
// and a record longer than MaxRecordSize is in marked pieces that join
// back to it.
func TestNulRecordsManyInstances(t *testing.T) {
	const n = 300
	dir := t.TempDir()
	log := filepath.Join(dir, "app.log")
	variants := []struct {
		args     []string
		oversize bool
	}{
		{[]string{"-format", "timestamp"}, true},
		{[]string{"-format", "json"}, true},
		{[]string{"-format", "timestamp", "-buffer", "64K"}, false},
		{[]string{"-format", "json", "-buffer", "16K"}, false},
		{[]string{"-format", "timestamp"}, false},
		{[]string{"-format", "json"}, false},
	}
	var dones []chan error
	for gen, v := range variants {
		args := append([]string{"-input", "nul", "-utc"}, v.args...)
		_, w, exited := startPiped(t, append(args, log)...)
		fed := make(chan error, 1)
		go feedNul(w, gen, n, v.oversize, fed)
		dones = append(dones, fed, exited)
	}
	for _, d := range dones {
		if err := waitDone(t, d); err != nil {
			t.Fatal(err)
		}
	}
	got := map[string]int{}
	files, _ := filepath.Glob(log + "*")
	for _, f := range files {
		if !strings.HasSuffix(f, ".lock") {
			for _, rec := range parseNulLog(t, f) {
				got[rec]++
			}
		}
	}
	missing := 0
	for gen, v := range variants {
		for seq := range n + 1 {
			rec := nulRecord(gen, seq, v.oversize)
			if c := got[rec]; c != 1 {
				missing++
				t.Errorf("gen=%d seq=%d (%d bytes) is in the log %d times, want once, whole", gen, seq, len(rec), c)
			}
			delete(got, rec)
		}
	}
	for rec := range got {
		t.Errorf("a record the inputs did not hold (torn or mixed): %.200q", rec)
	}
}

var stampedLine = regexp.MustCompile(`^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z)([ +])(.*)$`)

// parseNulLog returns the records of a log written with -input nul in the
// timestamp or json format, pieces joined as docs/command.md says. In the
// timestamp format a record is a stamped line and the unstamped lines
// after it; a piece after the first ('+') joins the open record with the
// same stamp.
func parseNulLog(t *testing.T, path string) []string {
	var recs []string
	open := map[string]int{} // stamp or pid/time of a record with more pieces to come → index in recs
	last := -1
	for i, line := range readLines(t, path) {
		if strings.HasPrefix(line, "{") {
			recs, last = joinJSON(t, open, recs, line), -1
			continue
		}
		m := stampedLine.FindStringSubmatch(line)
		switch {
		case m == nil && last < 0:
			t.Fatalf("%s:%d: an unstamped line outside a record: %.100q", path, i+1, line)
		case m == nil:
			recs[last] += "\n" + line
		case m[2] == "+":
			j, ok := open[m[1]]
			if !ok {
				t.Fatalf("%s:%d: a continued piece with no record before it", path, i+1)
			}
			recs[j] += m[3]
			last = j
		default:
			recs = append(recs, m[3])
			last = len(recs) - 1
			open[m[1]] = last
		}
	}
	return recs
}

// joinJSON adds the JSON record line to recs, joining pieces by pid and
// time, and checks that it fits a record.
func joinJSON(t *testing.T, open map[string]int, recs []string, line string) []string {
	if len(line)+1 > slogrotate.MaxRecordSize {
		t.Fatalf("a JSON record of %d bytes", len(line)+1)
	}
	var r struct {
		Time time.Time
		Msg  string
		Part int
		More bool
		Pid  int
	}
	if err := json.Unmarshal([]byte(line), &r); err != nil {
		t.Fatalf("not a JSON record (%v): %.100q", err, line)
	}
	key := fmt.Sprint(r.Pid, r.Time)
	if r.Part > 1 {
		j, ok := open[key]
		if !ok {
			t.Fatalf("JSON piece %d with no first piece: %.100q", r.Part, line)
		}
		recs[j] += r.Msg
		return recs
	}
	if r.More {
		open[key] = len(recs)
	}
	return append(recs, r.Msg)
}
