package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/slogrotate/slogrotate"
)

// TestLongLines: a line (or NUL-terminated record) longer than a record
// is split into marked pieces that join back to it, in each format; the
// records around it are untouched. The long line holds multi-byte
// characters across the piece boundaries, which JSON must not turn into
// U+FFFD.
func TestLongLines(t *testing.T) {
	long := strings.Repeat("abcdefghé€𝄞", 2*slogrotate.MaxRecordSize/17+1000) // ~2 MiB
	input := "before\n" + long + "\nafter\nlast without newline"
	want := []string{"before", long, "after", "last without newline"}
	for _, tc := range []struct{ format, input string }{
		{"raw", "line"}, {"timestamp", "line"}, {"json", "line"},
		{"raw", "nul"}, {"timestamp", "nul"}, {"json", "nul"},
	} {
		format := tc.format
		t.Run(format+"/"+tc.input, func(t *testing.T) {
			log := filepath.Join(t.TempDir(), "app.log")
			cmd := exec.Command(cmdBinary, "-format", format, "-input", tc.input, log)
			in := input
			if tc.input == "nul" {
				in = strings.ReplaceAll(input, "\n", "\x00")
			}
			cmd.Stdin = strings.NewReader(in)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			records := readLines(t, log)
			got := join(t, format, records)
			if len(got) != len(want) {
				t.Fatalf("%d lines after joining %d records, want %d", len(got), len(records), len(want))
			}
			for i := range want {
				if got[i] != want[i] {
					t.Errorf("line %d: %d bytes after joining, want %d", i, len(got[i]), len(want[i]))
				}
			}
			if len(records) < 4 {
				t.Errorf("%d records: the long line was not split", len(records))
			}
		})
	}
}

// join puts pieces back together as docs/command.md says a reader should.
func join(t *testing.T, format string, records []string) []string {
	var lines []string
	cont := false
	for _, r := range records {
		if len(r)+1 > slogrotate.MaxRecordSize {
			t.Fatalf("a record of %d bytes", len(r)+1)
		}
		text, more, next := r, false, false
		switch format {
		case "raw":
			more = len(r)+1 == slogrotate.MaxRecordSize
			next = cont
		case "timestamp":
			n := stampWidth(r)
			text, next = r[n+1:], r[n] == '+'
		case "json":
			var rec struct {
				Msg  string
				Part int
				More bool
			}
			if err := json.Unmarshal([]byte(r), &rec); err != nil {
				t.Fatalf("record %q: %v", r[:min(len(r), 80)], err)
			}
			text, more, next = rec.Msg, rec.More, rec.Part > 1
		}
		if next {
			lines[len(lines)-1] += text
		} else {
			lines = append(lines, text)
		}
		cont = more
	}
	return lines
}

// TestNulFraming: with -input nul a NUL ends a record and is not
// written; a record keeps its newlines, gets one at the end if it has
// none, and an empty record is an empty line; the last record needs no
// NUL. In the timestamp format a record is stamped once, in JSON its
// newlines are escaped in msg.
func TestNulFraming(t *testing.T) {
	input := "one\ntwo\x00\x00three\n\x00four"
	for _, tc := range []struct{ format, want string }{
		{"raw", "one\ntwo\n\nthree\nfour\n"},
		{"timestamp", "S one\ntwo\nS \nS three\nS four\n"},
		{"json", `{"msg":"one\ntwo"}` + "\n" + `{"msg":""}` + "\n" + `{"msg":"three"}` + "\n" + `{"msg":"four"}` + "\n"},
	} {
		t.Run(tc.format, func(t *testing.T) {
			log := filepath.Join(t.TempDir(), "app.log")
			cmd := exec.Command(cmdBinary, "-input", "nul", "-format", tc.format, "-utc", log)
			cmd.Stdin = strings.NewReader(input)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			data, err := os.ReadFile(log)
			if err != nil {
				t.Fatal(err)
			}
			got := stampOrTime.ReplaceAllString(string(data), "S")
			got = strings.ReplaceAll(got, `{"time":"S","level":"INFO",`, "{")
			if got != tc.want {
				t.Errorf("the log holds (times replaced by S)\n%q\nwant\n%q", got, tc.want)
			}
		})
	}
}

var stampOrTime = regexp.MustCompile(`\d{4}-\d\d-\d\dT[0-9:.]+Z`)

// TestTee: -tee copies the input to standard output unchanged.
func TestTee(t *testing.T) {
	log := filepath.Join(t.TempDir(), "app.log")
	cmd := exec.Command(cmdBinary, "-tee", "-format", "timestamp", log)
	cmd.Stdin = strings.NewReader("one\ntwo")
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != "one\ntwo" {
		t.Errorf("standard output %q, want the input", out)
	}
	if got := readLines(t, log); len(got) != 2 || !strings.HasSuffix(got[1], " two") {
		t.Errorf("log %q", got)
	}
}

// stampWidth is the width of the timestamp that starts record r: 27 in
// UTC (ending in Z), 32 with a numeric offset such as +02:00.
func stampWidth(r string) int {
	if r[26] == 'Z' {
		return 27
	}
	return 32
}

// TestOneStampPerRead: the records one read brings share one timestamp
// (and so one file), in both framings: 2,000 records from a file, which
// one read takes whole.
func TestOneStampPerRead(t *testing.T) {
	for _, framing := range []string{"line", "nul"} {
		t.Run(framing, func(t *testing.T) {
			dir := t.TempDir()
			sep := map[string]string{"line": "\n", "nul": "\x00"}[framing]
			input := filepath.Join(dir, "input")
			if err := os.WriteFile(input, []byte(strings.Repeat("a record"+sep, 2000)), 0o644); err != nil {
				t.Fatal(err)
			}
			in, err := os.Open(input)
			if err != nil {
				t.Fatal(err)
			}
			defer in.Close()
			log := filepath.Join(dir, "app.log")
			cmd := exec.Command(cmdBinary, "-input", framing, "-format", "timestamp", "-utc", log)
			cmd.Stdin = in
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			stamps := map[string]int{}
			for _, r := range readLines(t, log) {
				stamps[r[:stampWidth(r)]]++
			}
			if len(stamps) != 1 {
				t.Errorf("%d different timestamps on 2,000 records of one read, want one: %v", len(stamps), stamps)
			}
		})
	}
}
