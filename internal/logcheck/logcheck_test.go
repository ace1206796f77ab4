package logcheck

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2021, 10, 18, 10, 0, 0, 0, time.UTC)

func rec(w, seq int, ms int) string {
	return fmt.Sprintf(`{"w":%d,"seq":%d,"wt":%q,"pad":"x"}`+"\n", w, seq, t0.Add(time.Duration(ms)*time.Millisecond).Format(time.RFC3339Nano))
}

// everySecond is the period of a one-second schedule, named as the
// writer names it.
func everySecond(t time.Time) (time.Time, string) {
	s := t.UTC().Truncate(time.Second)
	return s, s.Format("2006-01-02T15-04-05")
}

func write(t *testing.T, dir, name, data string) {
	t.Helper()
	if strings.HasSuffix(name, ".gz") {
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		zw.Write([]byte(data))
		zw.Close()
		data = b.String()
	}
	if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestParse(t *testing.T) {
	r, ok := Parse([]byte(rec(3, 7, 1500)))
	if !ok || r.W != 3 || r.Seq != 7 || !r.WT.Equal(t0.Add(1500*time.Millisecond)) {
		t.Fatalf("Parse = %+v, %v", r, ok)
	}
	if _, ok := Parse([]byte(strings.TrimSuffix(rec(3, 7, 0), "\n"))); !ok {
		t.Error("a record without its newline (a consumer's token) does not parse")
	}
	for _, bad := range []string{"", "   \n", `{"w":1,"seq":2}`, `{"w":1,"wt":"2021-10-18T10:00:00Z"}`, `{"w":1,"seq":2,"wt":"x"}`, rec(1, 2, 0)[:20]} {
		if _, ok := Parse([]byte(bad)); ok {
			t.Errorf("%q parses as a record", bad)
		}
	}
}

func TestParseFile(t *testing.T) {
	data := rec(0, 0, 0) + "not a record\n" + "      \n" + rec(0, 1, 0) + rec(0, 2, 0)[:30]
	f := ParseFile("error.log", []byte(data))
	if len(f.Records) != 2 || f.Records[1].Seq != 1 || f.Blank != 1 || len(f.Torn) != 2 {
		t.Fatalf("records %v blank %d torn %v", f.Records, f.Blank, f.Torn)
	}
	if p := f.Places[1]; p.Line != 4 || p.Index != 1 || p.Offset != int64(len(rec(0, 0, 0))+len("not a record\n")+7) {
		t.Errorf("place of the second record: %+v", p)
	}
	if got := f.Torn[0].String(); !strings.HasPrefix(got, "error.log:2: torn") {
		t.Errorf("torn line reported as %q", got)
	}
	if got := f.Torn[1].String(); !strings.HasPrefix(got, "error.log:5: torn") {
		t.Errorf("a last line without its newline reported as %q", got)
	}
}

// Header lines are counted where they are, neither records nor torn; a
// header line cut short is torn.
func TestParseFileHeaders(t *testing.T) {
	data := HeaderMark + "v1\n" + rec(0, 0, 0) + HeaderMark + "v1\n" + HeaderMark[:4]
	f := ParseFile("error.log", []byte(data))
	if len(f.Records) != 1 || len(f.Torn) != 1 || !slices.Equal(f.Headers, []int{1, 3}) {
		t.Fatalf("records %v headers %v torn %v", f.Records, f.Headers, f.Torn)
	}
}

// A log with every kind of problem Check reports, each named with its file
// and line.
func TestCheckFindsEveryProblem(t *testing.T) {
	dir := t.TempDir()
	a0 := "error.log.2021-10-18T10-00-00"
	write(t, dir, a0, rec(0, 0, 100)+rec(1, 0, 200)+rec(0, 1, 1100)) // seq 1 belongs to the next period
	write(t, dir, "error.log.2021-10-18T10-00-01.1.gz", rec(0, 2, 1200)+rec(1, 1, 1300)+rec(1, 1, 1300))
	write(t, dir, "error.log.2021-10-18T10-00-02", "")
	os.WriteFile(filepath.Join(dir, "error.log.2021-10-18T10-00-03.gz"), []byte("not gzip"), 0o644)
	write(t, dir, "error.log.2021-10-18T10-00-04.gz.tmp", "")
	write(t, dir, "error.log", rec(0, 4, 5100)+rec(1, 2, 6100)+"  \n"+rec(2, 0, 5200)+rec(1, 9, 5300)+`{"w":1`)
	write(t, dir, "error.log.lock", "state")
	write(t, dir, ".error.lock-log", "state")
	write(t, dir, ".error.maint-lock-log", "state")
	write(t, dir, "other.log", rec(0, 3, 0))
	r, err := Check(filepath.Join(dir, "error.log"), everySecond, map[int]int{0: 5, 1: 3})
	if err != nil {
		t.Fatal(err)
	}
	t.Log(r)
	for _, p := range r.Problems {
		t.Log(p)
	}
	want := Report{Files: 5, Archives: 4, Gz: 2, Records: 10, Blank: 1, Torn: 1, Lost: 1, Duplicated: 1, Misplaced: 2,
		EmptyArchives: 1, BadGzip: 1, TempFiles: 1, Unexpected: 2}
	got := Report{Files: r.Files, Archives: r.Archives, Gz: r.Gz, Records: r.Records, Blank: r.Blank, Torn: r.Torn, Lost: r.Lost,
		Duplicated: r.Duplicated, Misplaced: r.Misplaced, EmptyArchives: r.EmptyArchives, BadGzip: r.BadGzip, TempFiles: r.TempFiles, Unexpected: r.Unexpected}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got  %v\nwant %v", got.String(), want.String())
	}
	if r.OK() {
		t.Error("OK with problems")
	}
	for _, p := range []string{
		"record w=0 seq=3 is missing (seq 2 is at error.log.2021-10-18T10-00-01.1.gz:1, seq 4 is at error.log:1)",
		"record w=1 seq=1 appears 2 times: at [error.log.2021-10-18T10-00-01.1.gz:2 error.log.2021-10-18T10-00-01.1.gz:3]",
		a0 + ":3: record w=0 seq=1 written at 2021-10-18T10:00:01.1Z belongs to 2021-10-18T10-00-01",
		"error.log:2: record w=1 seq=2 written at 2021-10-18T10:00:06.1Z: the live file mixes the periods starting 2021-10-18T10:00:05Z and 2021-10-18T10:00:06Z",
		"error.log:4: record w=2 seq=0 is from no known writer",
		"error.log:5: record w=1 seq=9 is beyond the 3 its writer reported",
		`error.log:6: torn or foreign line "{\"w\":1"`,
		"error.log: 1 blank lines (a record cut short)",
		"empty archive error.log.2021-10-18T10-00-02",
		"temporary file left: error.log.2021-10-18T10-00-04.gz.tmp",
	} {
		if !slices.Contains(r.Problems, p) {
			t.Errorf("problem not reported: %s", p)
		}
	}
	if !slices.ContainsFunc(r.Problems, func(s string) bool { return strings.HasPrefix(s, "error.log.2021-10-18T10-00-03.gz: invalid gzip") }) {
		t.Error("the invalid gzip is not reported")
	}

	// The same log whole is OK.
	dir = t.TempDir()
	write(t, dir, a0, rec(0, 0, 100)+rec(1, 0, 200))
	write(t, dir, "error.log.2021-10-18T10-00-01.gz", rec(0, 1, 1100))
	write(t, dir, "error.log", rec(1, 1, 2100))
	r, err = Check(filepath.Join(dir, "error.log"), everySecond, map[int]int{0: 2, 1: -1})
	if err != nil || !r.OK() || r.Records != 4 || r.Archives != 2 {
		t.Errorf("a whole log: %v %v %v", r, r.Problems, err)
	}
}

func TestAccountLost(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "a.log", rec(0, 0, 0)+rec(0, 2, 0)+rec(0, 3, 0))
	write(t, dir, "ballast", "BBBB")
	r, err := ScanDir(dir, func(name string) bool { return name == "ballast" })
	if err != nil || r.Files != 1 || r.Torn != 0 {
		t.Fatal(r, err)
	}
	missing, dup := r.Account(0, 5, map[int]bool{1: true, 3: true})
	if missing != 1 || dup != 1 {
		t.Errorf("missing %d duplicated %d, want 1 and 1: %v", missing, dup, r.Problems)
	}
	if !slices.Contains(r.Problems, "a.log:3: record w=0 seq=3 was reported lost but is there") ||
		!slices.Contains(r.Problems, "record w=0 seq=4 is missing (seq 3 is at a.log:3)") {
		t.Errorf("problems: %q", r.Problems)
	}
	if m, d := r.Account(0, -1, map[int]bool{1: true}); m != 0 || d != 0 {
		t.Errorf("killed writer: missing %d duplicated %d", m, d)
	}
}

func TestExactlyOnce(t *testing.T) {
	seen := map[Key]int{{0, 0}: 1, {0, 1}: 2, {0, 3}: 1, {1, 0}: 1, {7, 0}: 1}
	problems, missing := ExactlyOnce(seen, map[int]int{0: 3, 1: 2})
	if fmt.Sprint(missing) != "[w=0 seq=2 w=1 seq=1]" {
		t.Errorf("missing %v", missing)
	}
	want := []string{
		"record w=0 seq=1 appears 2 times",
		"record w=0 seq=3 beyond the 3 its writer reported",
		"record w=7 seq=0 from no known writer",
		"record w=0 seq=2 is missing",
		"record w=1 seq=1 is missing",
	}
	if fmt.Sprint(problems) != fmt.Sprint(want) {
		t.Errorf("problems\n%q\nwant\n%q", problems, want)
	}
}
