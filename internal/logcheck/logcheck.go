// Package logcheck reads back every file of a rotated log written by the
// test and example writers and accounts for every record: lost, duplicated,
// torn, or in the file of the wrong period. It is shared by the
// multi-process tests and examples/workers.
//
// A record is one JSON line with at least the keys "w" (writer id), "seq"
// (the writer's sequence number, from 0) and "wt" (the time the writer's
// clock gave for that write, RFC 3339).
package logcheck

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"
)

// Period maps a write time to the start of its period and the archive
// suffix naming that period.
type Period func(t time.Time) (start time.Time, name string)

// Report is what Check found. Problems lists the first problems in words.
type Report struct {
	Files, Archives, Records          int
	Lost, Duplicated, Torn            int
	Misplaced, EmptyArchives, BadGzip int
	TempFiles                         int
	// Seen counts the records of each writer.
	Seen     map[int]int
	Problems []string
}

// OK reports whether nothing was lost, duplicated, torn or misplaced.
func (r *Report) OK() bool {
	return r.Lost == 0 && r.Duplicated == 0 && r.Torn == 0 && r.Misplaced == 0 &&
		r.EmptyArchives == 0 && r.BadGzip == 0 && r.TempFiles == 0
}

func (r *Report) problem(format string, args ...any) {
	if len(r.Problems) < 20 {
		r.Problems = append(r.Problems, fmt.Sprintf(format, args...))
	}
}

// String is a one-line summary.
func (r *Report) String() string {
	return fmt.Sprintf("files=%d archives=%d records=%d lost=%d duplicated=%d torn=%d misplaced=%d empty-archives=%d bad-gzip=%d temp-files=%d",
		r.Files, r.Archives, r.Records, r.Lost, r.Duplicated, r.Torn, r.Misplaced, r.EmptyArchives, r.BadGzip, r.TempFiles)
}

type record struct {
	W   *int       `json:"w"`
	Seq *int       `json:"seq"`
	WT  *time.Time `json:"wt"`
}

var indexSuffix = regexp.MustCompile(`\.[0-9]+$`)

// Check reads every file of the log at path (path itself and path.*
// archives, compressed or not; the lock file is skipped). want gives, per
// writer, how many records it reported written; -1 means the writer was
// killed, so only the records 0..k it managed to write are required, with
// no hole. Writers not in want are counted but not required.
func Check(path string, period Period, want map[int]int) (*Report, error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	r := &Report{Seen: map[int]int{}}
	seen := map[[2]int]int{}
	for _, e := range entries {
		name := e.Name()
		if name != base && !strings.HasPrefix(name, base+".") || strings.HasSuffix(name, ".lock") {
			continue
		}
		if strings.Contains(name, ".tmp") {
			r.TempFiles++
			r.problem("temporary file left: %s", name)
			continue
		}
		r.Files++
		suffix := ""
		if name != base {
			r.Archives++
			suffix = strings.TrimPrefix(name, base+".")
			suffix = strings.TrimSuffix(suffix, ".gz")
			suffix = indexSuffix.ReplaceAllString(suffix, "")
		}
		data, err := readAll(filepath.Join(dir, name))
		if err != nil {
			r.BadGzip++
			r.problem("%s: %v", name, err)
			continue
		}
		if name != base && len(data) == 0 {
			r.EmptyArchives++
			r.problem("empty archive %s", name)
		}
		var livePeriod time.Time
		for line := range bytes.Lines(data) {
			var rec record
			if !bytes.HasSuffix(line, []byte("\n")) || json.Unmarshal(line, &rec) != nil || rec.W == nil || rec.Seq == nil || rec.WT == nil {
				r.Torn++
				r.problem("%s: torn or foreign line %.80q", name, line)
				continue
			}
			r.Records++
			r.Seen[*rec.W]++
			seen[[2]int{*rec.W, *rec.Seq}]++
			start, pname := period(*rec.WT)
			switch {
			case name != base && pname != suffix:
				r.Misplaced++
				r.problem("%s: record w=%d seq=%d written at %s belongs to %s", name, *rec.W, *rec.Seq, rec.WT.Format(time.RFC3339Nano), pname)
			case name == base && livePeriod.IsZero():
				livePeriod = start
			case name == base && !start.Equal(livePeriod):
				r.Misplaced++
				r.problem("%s: live file mixes periods %s and %s", name, livePeriod, start)
			}
		}
	}
	for key, n := range seen {
		if n > 1 {
			r.Duplicated += n - 1
			r.problem("record w=%d seq=%d appears %d times", key[0], key[1], n)
		}
	}
	ids := make([]int, 0, len(want))
	for w := range want {
		ids = append(ids, w)
	}
	sort.Ints(ids)
	for _, w := range ids {
		n := want[w]
		if n < 0 { // killed: everything up to the highest sequence seen
			n = 0
			for key := range seen {
				if key[0] == w && key[1]+1 > n {
					n = key[1] + 1
				}
			}
		}
		for s := range n {
			if seen[[2]int{w, s}] == 0 {
				r.Lost++
				r.problem("record w=%d seq=%d is missing", w, s)
			}
		}
	}
	return r, nil
}

func readAll(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if !strings.HasSuffix(path, ".gz") {
		return io.ReadAll(bufio.NewReader(f))
	}
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("invalid gzip: %w", err)
	}
	data, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("invalid gzip: %w", err)
	}
	return data, zr.Close()
}
