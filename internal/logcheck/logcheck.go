// Package logcheck is the one reader and checker of the records that the
// test and example writers put in a rotated log. It parses a line into a
// Record, reads a file (gunzipping a .gz one) or every file of a log's
// directory, and accounts for every record: lost, duplicated, torn, or in
// the file of the wrong period. Every problem it reports names the file
// and line. The root package's tests, the nested modules' tests and
// examples/workers all use it.
//
// A record is one JSON line with at least the keys "w" (writer id), "seq"
// (the writer's sequence number, from 0) and "wt" (the time the writer's
// clock gave for that write, RFC 3339). A line of spaces ending in a
// newline is a blanked fragment (what a writer leaves of a record cut
// short by a full disk): counted as Blank, not as torn.
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
	"strconv"
	"strings"
	"time"
)

// Key names one record: its writer and sequence number.
type Key struct{ W, Seq int }

func (k Key) String() string { return fmt.Sprintf("w=%d seq=%d", k.W, k.Seq) }

// Record is the part of a record the checks read.
type Record struct {
	W   int
	Seq int
	WT  time.Time // the writer's clock for this write
}

// Key is the record's key.
func (r Record) Key() Key { return Key{r.W, r.Seq} }

// Parse parses one record, with or without its newline. It reports false
// for anything else: a torn line, a foreign one, a JSON object without
// the three keys.
func Parse(line []byte) (Record, bool) {
	var r struct {
		W   *int       `json:"w"`
		Seq *int       `json:"seq"`
		WT  *time.Time `json:"wt"`
	}
	if json.Unmarshal(line, &r) != nil || r.W == nil || r.Seq == nil || r.WT == nil {
		return Record{}, false
	}
	return Record{*r.W, *r.Seq, *r.WT}, true
}

// Place is where a record is: its file, its line (from 1), its index
// among the file's records and its byte offset in the (uncompressed) file.
type Place struct {
	File   string
	Line   int
	Index  int
	Offset int64
}

func (p Place) String() string { return fmt.Sprintf("%s:%d", p.File, p.Line) }

// File is one file read back.
type File struct {
	Name    string // as given to ParseFile: a base name in a Report
	Gz      bool
	Size    int64 // uncompressed
	Records []Record
	Places  []Place // Places[i] is where Records[i] is
	Blank   int     // blanked fragments
	Torn    []Torn
	// Headers holds the numbers of the lines (from 1) that are headers:
	// whole lines that begin with HeaderMark. A file written with a header
	// has exactly one, line 1.
	Headers []int
}

// HeaderMark begins a header line (see File.Headers). Records are JSON
// objects, and the tests' records never contain it.
const HeaderMark = "#header "

// Torn is a line of a file that is neither a record nor a blanked
// fragment, or the last line of the file without its newline.
type Torn struct {
	Place
	Text []byte
	// Glued: a fragment continued by a whole record. A write was cut
	// short (a writer killed in the middle of it) and another write's
	// record follows on the same line, lost to a reader that splits the
	// file on newlines although it was written whole.
	Glued bool
	// Writer is the writer whose record a fragment that is not glued
	// begins, or -1 if it is too short to name it or is foreign.
	Writer int
	// Foreign: the line does not begin as a record does.
	Foreign bool
}

func (t Torn) String() string {
	if t.Glued {
		return fmt.Sprintf("%s: a fragment glued to a whole record: %.100q", t.Place, t.Text)
	}
	return fmt.Sprintf("%s: torn or foreign line %.100q", t.Place, t.Text)
}

// recordStart begins every record of the test writers.
var recordStart = []byte(`{"w":`)

// classify sorts a torn line into glued, a fragment of a writer's record,
// or foreign.
func classify(t *Torn) {
	t.Writer = -1
	if i := bytes.LastIndex(t.Text, recordStart); i > 0 {
		if _, ok := Parse(t.Text[i:]); ok && bytes.HasSuffix(t.Text, []byte("\n")) {
			t.Glued = true
			return
		}
	}
	body := bytes.TrimSuffix(t.Text, []byte("\n"))
	rest, ok := bytes.CutPrefix(body, recordStart)
	if !ok && (len(body) == 0 || !bytes.HasPrefix(recordStart, body)) {
		t.Foreign = true
		return
	}
	if i := bytes.IndexByte(rest, ','); i > 0 {
		if n, err := strconv.Atoi(string(rest[:i])); err == nil {
			t.Writer = n
		}
	}
}

// ParseFile parses the contents of the file name.
func ParseFile(name string, data []byte) *File {
	f := &File{Name: name, Size: int64(len(data))}
	var off int64
	n := 0
	for line := range bytes.Lines(data) {
		n++
		whole := bytes.HasSuffix(line, []byte("\n"))
		switch r, ok := Parse(line); {
		case whole && len(bytes.TrimSpace(line)) == 0:
			f.Blank++
		case whole && bytes.HasPrefix(line, []byte(HeaderMark)):
			f.Headers = append(f.Headers, n)
		case whole && ok:
			f.Places = append(f.Places, Place{File: name, Line: n, Index: len(f.Records), Offset: off})
			f.Records = append(f.Records, r)
		default:
			t := Torn{Place: Place{File: name, Line: n, Index: -1, Offset: off}, Text: line}
			classify(&t)
			f.Torn = append(f.Torn, t)
		}
		off += int64(len(line))
	}
	return f
}

// A Decoder reads back an archive compressed under some extension.
type Decoder func(io.Reader) (io.ReadCloser, error)

// Gunzip is the Decoder of ".gz".
func Gunzip(r io.Reader) (io.ReadCloser, error) { return gzip.NewReader(r) }

// Decoders maps the extensions of compressed archives (".zst") to their
// Decoder. A nil Decoders reads ".gz" only.
type Decoders map[string]Decoder

// find returns the extension of name that d decodes, the longest if more
// than one, and its Decoder.
func (d Decoders) find(name string) (string, Decoder) {
	if d == nil {
		d = Decoders{".gz": Gunzip}
	}
	best := ""
	for ext := range d {
		if strings.HasSuffix(name, ext) && len(ext) > len(best) {
			best = ext
		}
	}
	return best, d[best]
}

// ReadFile reads and parses the file at path, gunzipping it if its name
// ends in .gz; a .gz that is not valid gzip is an error that says so.
func ReadFile(path string) (*File, error) { return readFile(path, nil) }

func readFile(path string, d Decoders) (*File, error) {
	ext, decode := d.find(path)
	data, err := readAll(path, ext, decode)
	if err != nil {
		return nil, err
	}
	f := ParseFile(path, data)
	f.Gz = ext != ""
	return f, nil
}

// readAll reads the file at path, through decode if it is not nil (for
// the compressed extension ext).
func readAll(path, ext string, decode Decoder) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if decode == nil {
		return io.ReadAll(bufio.NewReader(f))
	}
	what := "invalid " + strings.TrimPrefix(ext, ".") + " file"
	if ext == ".gz" {
		what = "invalid gzip"
	}
	zr, err := decode(bufio.NewReader(f))
	if err != nil {
		return nil, fmt.Errorf("%s: %s: %w", filepath.Base(path), what, err)
	}
	data, err := io.ReadAll(zr)
	if cerr := zr.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %s: %w", filepath.Base(path), what, err)
	}
	return data, nil
}

// Period maps a write time to the start of its period and the archive
// suffix naming that period.
type Period func(t time.Time) (start time.Time, name string)

// Report is what a scan and the checks after it found. Problems lists the
// first problems in words, each naming the file and line it is about.
type Report struct {
	Dir                               string
	Files, Archives, Gz, Records      int
	Blank, Torn                       int
	Glued                             int         // of the torn lines (see Torn.Glued)
	Fragments                         map[int]int // the other torn lines that begin a record, by writer (-1: unknown)
	Lost, Duplicated, Misplaced       int
	EmptyArchives, BadGzip, TempFiles int
	Unexpected                        int // records of no writer the accounting knows, or beyond the count it reported
	Seen                              map[int]int
	First, Last                       map[int]int      // the lowest and highest sequence number seen of each writer
	ByFile                            map[string]*File // by base name
	ByKey                             map[Key][]Place
	Problems                          []string
	problemsLeft                      int
}

// maxProblems is how many problems a Report keeps in words.
const maxProblems = 20

// OK reports whether nothing was lost, duplicated, torn, blanked,
// misplaced or unexpected, and no archive is empty, no .gz invalid and no
// temporary file left.
func (r *Report) OK() bool {
	return r.Lost == 0 && r.Duplicated == 0 && r.Torn == 0 && r.Blank == 0 && r.Misplaced == 0 &&
		r.EmptyArchives == 0 && r.BadGzip == 0 && r.TempFiles == 0 && r.Unexpected == 0
}

// Problem adds a problem in words; past the first 20 it is only counted.
func (r *Report) Problem(format string, args ...any) {
	if len(r.Problems) < maxProblems {
		r.Problems = append(r.Problems, fmt.Sprintf(format, args...))
	} else {
		r.problemsLeft++
	}
}

// String is a one-line summary.
func (r *Report) String() string {
	s := fmt.Sprintf("files=%d archives=%d gz=%d records=%d lost=%d duplicated=%d torn=%d blank=%d misplaced=%d unexpected=%d empty-archives=%d bad-gzip=%d temp-files=%d",
		r.Files, r.Archives, r.Gz, r.Records, r.Lost, r.Duplicated, r.Torn, r.Blank, r.Misplaced, r.Unexpected, r.EmptyArchives, r.BadGzip, r.TempFiles)
	if r.problemsLeft > 0 {
		s += fmt.Sprintf(" (%d problems not listed)", r.problemsLeft)
	}
	return s
}

// FragmentsBy counts the fragments (torn lines on their own, not glued)
// of the writers in ids, and those too short to name their writer.
func (r *Report) FragmentsBy(ids map[int]bool) int {
	n := r.Fragments[-1]
	for w, k := range r.Fragments {
		if w >= 0 && ids[w] {
			n += k
		}
	}
	return n
}

// Count is how many times the record key was found.
func (r *Report) Count(key Key) int { return len(r.ByKey[key]) }

// At is the record at p.
func (r *Report) At(p Place) Record { return r.ByFile[p.File].Records[p.Index] }

// Names lists the files read, sorted.
func (r *Report) Names() []string {
	names := make([]string, 0, len(r.ByFile))
	for n := range r.ByFile {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// IsLockFile reports whether the file name name is a lock file: one set
// with WithLockFile, ending in ".lock", or a default one, hidden beside
// the log (.error.lock-log, .error.maint-lock-log).
func IsLockFile(name string) bool {
	return strings.HasSuffix(name, ".lock") ||
		strings.HasPrefix(name, ".") && (strings.Contains(name, ".lock") || strings.Contains(name, ".maint-lock"))
}

// ScanDir reads every regular file in dir but lock files (see IsLockFile) and
// those skip accepts (skip may be nil): .gz files gunzipped, temporary
// files (*.tmp*) counted and not read. Torn lines, invalid .gz files and
// temporary files are problems.
func ScanDir(dir string, skip func(name string) bool) (*Report, error) {
	return scanDir(dir, skip, nil)
}

func scanDir(dir string, skip func(name string) bool, d Decoders) (*Report, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	r := &Report{Dir: dir, Seen: map[int]int{}, First: map[int]int{}, Last: map[int]int{},
		ByFile: map[string]*File{}, ByKey: map[Key][]Place{}, Fragments: map[int]int{}}
	for _, e := range entries {
		name := e.Name()
		if !e.Type().IsRegular() || IsLockFile(name) || skip != nil && skip(name) {
			continue
		}
		if strings.Contains(name, ".tmp") {
			r.TempFiles++
			r.Problem("temporary file left: %s", name)
			continue
		}
		r.Files++
		f, err := readFile(filepath.Join(dir, name), d)
		if f != nil && f.Gz || err != nil {
			r.Gz++
		}
		if err != nil {
			r.BadGzip++
			r.Problem("%v", err)
			continue
		}
		f.Name = name
		for i := range f.Places {
			f.Places[i].File = name
		}
		for i := range f.Torn {
			f.Torn[i].File = name
		}
		r.add(f)
	}
	return r, nil
}

// ScanLog reads the files of the log at path: path itself and every
// path.* in its directory, as ScanDir does. Every file but path counts as
// an archive.
func ScanLog(path string) (*Report, error) { return scanLog(path, nil) }

func scanLog(path string, d Decoders) (*Report, error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	r, err := scanDir(dir, func(name string) bool { return name != base && !strings.HasPrefix(name, base+".") }, d)
	if err != nil {
		return nil, err
	}
	r.Archives = r.BadGzip // never the live file, which is not compressed
	for name := range r.ByFile {
		if name != base {
			r.Archives++
		}
	}
	return r, nil
}

// Add adds the records of f, a file read with ReadFile, to the report under
// its base name: for a log whose files are in more than one directory.
func (r *Report) Add(f *File) {
	f.Name = filepath.Base(f.Name)
	for i := range f.Places {
		f.Places[i].File = f.Name
	}
	for i := range f.Torn {
		f.Torn[i].File = f.Name
	}
	r.Files++
	r.add(f)
}

func (r *Report) add(f *File) {
	r.ByFile[f.Name] = f
	r.Records += len(f.Records)
	r.Blank += f.Blank
	r.Torn += len(f.Torn)
	for _, t := range f.Torn {
		switch {
		case t.Glued:
			r.Glued++
		case !t.Foreign:
			r.Fragments[t.Writer]++
		}
		r.Problem("%s", t)
	}
	for i, rec := range f.Records {
		if first, ok := r.First[rec.W]; !ok || rec.Seq < first {
			r.First[rec.W] = rec.Seq
		}
		r.Last[rec.W] = max(r.Last[rec.W], rec.Seq)
		r.Seen[rec.W]++
		r.ByKey[rec.Key()] = append(r.ByKey[rec.Key()], f.Places[i])
	}
}

// Account checks writer w's records against what it reported: n written
// (-1: it was killed, so records 0..k for the highest k found, with no
// hole: each record is one write(2), so a record in the files was written
// and one that is not was in flight when it died), and lost, the sequence
// numbers whose Write failed. Every record not lost must be found exactly
// once, and no lost one at all. It returns how many were missing and
// duplicated (a lost record found counts as duplicated), and adds them to
// the report's Lost and Duplicated.
func (r *Report) Account(w, n int, lost map[int]bool) (missing, dup int) {
	if n < 0 {
		n = 0
		for key := range r.ByKey {
			if key.W == w && key.Seq+1 > n {
				n = key.Seq + 1
			}
		}
	}
	for seq := range n {
		key := Key{w, seq}
		found := r.ByKey[key]
		switch {
		case lost[seq] && len(found) > 0:
			dup += len(found)
			r.Problem("%s: record %s was reported lost but is there", found[0], key)
		case !lost[seq] && len(found) == 0:
			missing++
			r.Problem("record %s is missing%s", key, r.neighbours(key))
		case len(found) > 1:
			dup += len(found) - 1
			r.Problem("record %s appears %d times: at %v", key, len(found), found)
		}
	}
	r.Lost += missing
	r.Duplicated += dup
	return missing, dup
}

// neighbours says where the records of the same writer just before and
// after a missing one are, to tell a hole in one file from a lost file.
func (r *Report) neighbours(key Key) string {
	var s []string
	if p := r.ByKey[Key{key.W, key.Seq - 1}]; len(p) > 0 {
		s = append(s, fmt.Sprintf("seq %d is at %s", key.Seq-1, p[0]))
	}
	if p := r.ByKey[Key{key.W, key.Seq + 1}]; len(p) > 0 {
		s = append(s, fmt.Sprintf("seq %d is at %s", key.Seq+1, p[0]))
	}
	if len(s) == 0 {
		return ""
	}
	return " (" + strings.Join(s, ", ") + ")"
}

// AccountAll accounts for every writer in want as Account does, with no
// record reported lost, and then for what want does not cover: a record
// of a writer not in want, or, of one that reported n records, with a
// sequence number n or more, is Unexpected; a duplicate of such a record
// is Duplicated. With want nil, every writer is accounted for only as to
// duplicates.
func (r *Report) AccountAll(want map[int]int) {
	ids := make([]int, 0, len(want))
	for w := range want {
		ids = append(ids, w)
	}
	sort.Ints(ids)
	for _, w := range ids {
		r.Account(w, want[w], nil)
	}
	keys := make([]Key, 0, len(r.ByKey))
	for key := range r.ByKey {
		keys = append(keys, key)
	}
	sortKeys(keys)
	for _, key := range keys {
		n, known := want[key.W]
		if known && (n < 0 || key.Seq < n) {
			continue // Account has seen it
		}
		found := r.ByKey[key]
		if want != nil {
			r.Unexpected++
			if !known {
				r.Problem("%s: record %s is from no known writer", found[0], key)
			} else {
				r.Problem("%s: record %s is beyond the %d its writer reported", found[0], key, n)
			}
		}
		if len(found) > 1 {
			r.Duplicated += len(found) - 1
			r.Problem("record %s appears %d times: at %v", key, len(found), found)
		}
	}
}

var indexSuffix = regexp.MustCompile(`\.[0-9]+$`)

// ArchivePeriod returns the period name of an archive of the log whose
// live file is base: base.<period>[.<index>][.gz]. It is the naming the
// tests' writers use.
func ArchivePeriod(base string) func(name string) (string, bool) {
	return archivePeriod(base, nil)
}

func archivePeriod(base string, d Decoders) func(name string) (string, bool) {
	return func(name string) (string, bool) {
		rest, ok := strings.CutPrefix(name, base+".")
		if !ok {
			return "", false
		}
		ext, _ := d.find(rest)
		rest = strings.TrimSuffix(rest, ext)
		return indexSuffix.ReplaceAllString(rest, ""), true
	}
}

// CheckPeriods checks that every record of each archive belongs to the
// period the archive is named for (archive gives a file's period name, and
// false for a file that is not an archive; nil means ArchivePeriod(live))
// and that the live file holds records of one period only. It counts the
// archives with no record as EmptyArchives, and the records in the wrong
// file as Misplaced.
func (r *Report) CheckPeriods(live string, period Period, archive func(name string) (string, bool)) {
	if archive == nil {
		archive = ArchivePeriod(live)
	}
	for _, name := range r.Names() {
		f := r.ByFile[name]
		if name == live {
			var first time.Time
			for i, rec := range f.Records {
				start, _ := period(rec.WT)
				if i == 0 {
					first = start
				} else if !start.Equal(first) {
					r.Misplaced++
					r.Problem("%s: record %s written at %s: the live file mixes the periods starting %s and %s",
						f.Places[i], rec.Key(), rec.WT.Format(time.RFC3339Nano), first.Format(time.RFC3339Nano), start.Format(time.RFC3339Nano))
				}
			}
			continue
		}
		suffix, ok := archive(name)
		if !ok {
			continue
		}
		if f.Size == 0 {
			r.EmptyArchives++
			r.Problem("empty archive %s", name)
		}
		for i, rec := range f.Records {
			if _, p := period(rec.WT); p != suffix {
				r.Misplaced++
				r.Problem("%s: record %s written at %s belongs to %s", f.Places[i], rec.Key(), rec.WT.Format(time.RFC3339Nano), p)
			}
		}
	}
}

// Check reads every file of the log at path (path itself and path.*
// archives, compressed or not; the lock files are skipped) and checks
// everything: the records of the writers in want as AccountAll does (-1
// for a writer that was killed), each archive's records against its name
// and the live file's against one period, and that no line is torn or
// blank, no archive empty, no .gz invalid and no temporary file left.
// Report.OK tells whether all holds; blank lines are problems here.
func Check(path string, period Period, want map[int]int) (*Report, error) {
	return CheckDecoders(path, period, want, nil)
}

// CheckDecoders is Check for archives compressed under other extensions
// too (d, with ".gz" in it if gzip is wanted as well).
func CheckDecoders(path string, period Period, want map[int]int, d Decoders) (*Report, error) {
	r, err := scanLog(path, d)
	if err != nil {
		return nil, err
	}
	base := filepath.Base(path)
	for _, name := range r.Names() {
		if f := r.ByFile[name]; f.Blank > 0 {
			r.Problem("%s: %d blank lines (a record cut short)", name, f.Blank)
		}
	}
	r.CheckPeriods(base, period, archivePeriod(base, d))
	r.AccountAll(want)
	return r, nil
}

// ExactlyOnce compares the records a consumer delivered (seen counts each
// one) with what the writers wrote: want[w] records 0..n-1 of writer w,
// each exactly once, and nothing else. It returns the problems, at most 20
// of them, and every missing record, sorted.
func ExactlyOnce(seen map[Key]int, want map[int]int) (problems []string, missing []Key) {
	add := func(format string, args ...any) {
		if len(problems) < maxProblems {
			problems = append(problems, fmt.Sprintf(format, args...))
		}
	}
	keys := make([]Key, 0, len(seen))
	for key := range seen {
		keys = append(keys, key)
	}
	sortKeys(keys)
	for _, key := range keys {
		if n, ok := want[key.W]; !ok {
			add("record %s from no known writer", key)
		} else if key.Seq >= n {
			add("record %s beyond the %d its writer reported", key, n)
		}
		if n := seen[key]; n > 1 {
			add("record %s appears %d times", key, n)
		}
	}
	for w, n := range want {
		for s := range n {
			if seen[Key{w, s}] == 0 {
				missing = append(missing, Key{w, s})
			}
		}
	}
	sortKeys(missing)
	for _, m := range missing {
		add("record %s is missing", m)
	}
	return problems, missing
}

func sortKeys(keys []Key) {
	sort.Slice(keys, func(i, j int) bool {
		return keys[i].W < keys[j].W || keys[i].W == keys[j].W && keys[i].Seq < keys[j].Seq
	})
}
