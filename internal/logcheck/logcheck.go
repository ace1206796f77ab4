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
	// Seen counts the records of each writer; First and Last are the
	// lowest and highest sequence numbers seen of each.
	Seen        map[int]int
	First, Last map[int]int
	Problems    []string
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

// A Decoder reads back an archive compressed under some extension.
type Decoder func(io.Reader) (io.ReadCloser, error)

// Gunzip is the Decoder of ".gz".
func Gunzip(r io.Reader) (io.ReadCloser, error) { return gzip.NewReader(r) }

// Check reads every file of the log at path (path itself and path.*
// archives, gzipped or not; the lock file is skipped). want gives, per
// writer, how many records it reported written; -1 means the writer was
// killed, so only the records 0..k it managed to write are required, with
// no hole. Writers not in want are counted but not required.
func Check(path string, period Period, want map[int]int) (*Report, error) {
	return CheckDecoders(path, period, want, nil)
}

// CheckDecoders is Check for archives compressed under other extensions
// too: decoders maps each extension (".zst") to its Decoder. ".gz" is
// gunzipped unless decoders says otherwise.
func CheckDecoders(path string, period Period, want map[int]int, decoders map[string]Decoder) (*Report, error) {
	decode := map[string]Decoder{".gz": Gunzip}
	for ext, d := range decoders {
		decode[ext] = d
	}
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	r := &Report{Seen: map[int]int{}, First: map[int]int{}, Last: map[int]int{}}
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
			suffix, _ = cutExt(suffix, decode)
			suffix = indexSuffix.ReplaceAllString(suffix, "")
		}
		_, d := cutExt(name, decode)
		data, err := readAll(filepath.Join(dir, name), d)
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
			if n, ok := r.Seen[*rec.W]; !ok || n == 0 || *rec.Seq < r.First[*rec.W] {
				r.First[*rec.W] = *rec.Seq
			}
			if *rec.Seq > r.Last[*rec.W] {
				r.Last[*rec.W] = *rec.Seq
			}
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

// cutExt strips from name the extension of a decoder, if it has one, and
// returns that decoder.
func cutExt(name string, decode map[string]Decoder) (string, Decoder) {
	best := ""
	for ext := range decode {
		if strings.HasSuffix(name, ext) && len(ext) > len(best) {
			best = ext
		}
	}
	if best == "" {
		return name, nil
	}
	return strings.TrimSuffix(name, best), decode[best]
}

// readAll reads the file at path, through decode if it is not nil.
func readAll(path string, decode Decoder) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if decode == nil {
		return io.ReadAll(bufio.NewReader(f))
	}
	zr, err := decode(f)
	if err != nil {
		return nil, fmt.Errorf("invalid compressed file: %w", err)
	}
	data, err := io.ReadAll(zr)
	if err != nil {
		zr.Close()
		return nil, fmt.Errorf("invalid compressed file: %w", err)
	}
	return data, zr.Close()
}
