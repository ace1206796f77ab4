package slogrotate

// Integration tests against the real programs a shared log lives with:
// Debian's logrotate moving the live file while several processes write,
// and GNU tail -F following it across rollovers. Their writer processes
// are stream writers (helpers_test.go); logcheck reads back the files and
// accounts for what each follower printed.

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slogrotate/slogrotate/internal/logcheck"
)

// gnuTail returns the path of GNU tail, or skips the test.
func gnuTail(t *testing.T) string {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("GNU tail -F is a Unix program")
	}
	path, err := exec.LookPath("tail")
	if err != nil {
		t.Skip("tail is not installed (it comes with GNU coreutils)")
	}
	out, _ := exec.Command(path, "--version").Output()
	if !bytes.Contains(out, []byte("GNU coreutils")) {
		t.Skipf("%s is not GNU tail; the test relies on GNU tail -F", path)
	}
	return path
}

// lockedBuffer is a bytes.Buffer that a command's output can be copied to
// while the test reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// follower is a running `tail -F` and the records it printed.
type follower struct {
	name   string
	cmd    *exec.Cmd
	stderr lockedBuffer
	exited chan struct{}

	mu      sync.Mutex
	seen    map[logcheck.Key]int
	foreign []string
	marker  int // highest marker seen, -1 if none
	changed chan struct{}
}

func startTail(t *testing.T, name, tail string, args ...string) *follower {
	t.Helper()
	f := &follower{name: name, seen: map[logcheck.Key]int{}, marker: -1, changed: make(chan struct{}, 1), exited: make(chan struct{})}
	f.cmd = exec.Command(tail, args...)
	f.cmd.Stderr = &f.stderr
	out, err := f.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := f.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		f.cmd.Process.Kill()
		<-f.exited
	})
	go func() {
		defer close(f.exited)
		r := bufio.NewReaderSize(out, 64<<10)
		for {
			line, err := r.ReadBytes('\n')
			if len(line) > 0 {
				f.add(line)
			}
			if err != nil {
				break
			}
		}
		f.cmd.Wait()
	}()
	return f
}

func (f *follower) add(line []byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	r, ok := logcheck.Parse(line)
	if !ok || !bytes.HasSuffix(line, []byte("\n")) {
		f.foreign = append(f.foreign, fmt.Sprintf("%.100q", line))
		return
	}
	f.seen[r.Key()]++
	if r.W == -1 && r.Seq > f.marker {
		f.marker = r.Seq
		select {
		case f.changed <- struct{}{}:
		default:
		}
	}
}

// waitMarker waits until the follower has printed marker seq.
func (f *follower) waitMarker(t *testing.T, seq int) {
	t.Helper()
	timeout := time.After(time.Minute)
	for {
		f.mu.Lock()
		got := f.marker
		f.mu.Unlock()
		if got >= seq {
			return
		}
		select {
		case <-f.changed:
		case <-f.exited:
			t.Fatalf("%s exited before printing marker %d: %s", f.name, seq, f.stderr.String())
		case <-timeout:
			t.Fatalf("%s did not print marker %d within a minute; stderr: %s", f.name, seq, f.stderr.String())
		}
	}
}

// logFiles lists the live file and the library's archives of the log at
// path: path and path.* but not the lock file.
func logFiles(t *testing.T, path string) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	base := filepath.Base(path)
	var names []string
	for _, e := range entries {
		if n := e.Name(); n == base || strings.HasPrefix(n, base+".") && !isLockFile(n) {
			names = append(names, filepath.Join(filepath.Dir(path), n))
		}
	}
	return names
}

// waitArchives waits, as time passes, until the log has at least n
// archives.
func waitArchives(t *testing.T, path string, n int) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for len(logFiles(t, path))-1 < n {
		if time.Now().After(deadline) {
			t.Fatalf("fewer than %d archives after a minute: %v", n, logFiles(t, path))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestTailFollower runs GNU tail -F on the live file while four processes
// write across at least five rollovers: every record must reach tail
// exactly once. Two tails follow the file at the same time: one in tail's
// default mode (inotify on Linux) and one polling (---disable-inotify),
// which is what tail does on systems and file systems without inotify.
//
// One race is outside the library's control and is tolerated for the
// inotify tail only: a record whose writer read the clock just before a
// boundary but whose write(2) lands just after another process renamed the
// file belongs in the archive, and is there, but tail in inotify mode stops
// reading a file as soon as it sees it renamed. Such records can only be
// at the end of an archive, after the last record tail printed from it,
// and must be in the right period; anything else missing is a failure.
// The polling tail reads a renamed file until it stays unchanged for five
// polls, so it must get every record.
func TestTailFollower(t *testing.T) {
	if testing.Short() {
		t.Skip("runs GNU tail and four writer processes for about seven seconds")
	}
	tail := gnuTail(t)
	dir := tempDir(t)
	path := filepath.Join(dir, "error.log")
	sched := Every(time.Second)
	opts := "every=1s,reopen=200ms,locktimeout=3s"

	// The file exists before tail starts; the first marker shows that each
	// tail follows it.
	marker := openMarker(t, path, opts)
	followers := []*follower{
		startTail(t, "tail -F (inotify)", tail, "-n", "+1", "-F", "--sleep-interval=0.05", path),
		startTail(t, "tail -F (polling)", tail, "---disable-inotify", "-n", "+1", "-F", "--sleep-interval=0.05", path),
	}
	first := marker.write(t)
	for _, f := range followers {
		f.waitMarker(t, first)
	}

	writers := startWriters(t, []int{0, 1, 2, 3}, streamConf{Path: path, Opts: opts})
	waitArchives(t, path, 6) // the marker's file and five rollovers
	want := stopWriters(t, writers)

	// The last marker is written after every writer has closed: once a
	// tail prints it, it has read everything it is going to read.
	last := marker.write(t)
	for _, f := range followers {
		f.waitMarker(t, last)
	}
	marker.w.Close()
	want[-1] = marker.seq

	// The files themselves first: nothing lost, torn or misplaced.
	rep, err := logcheck.Check(path, periodFunc(sched, time.UTC), want)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("files: %v", rep)
	for _, p := range rep.Problems {
		t.Error(p)
	}
	if rep.Archives < 6 {
		t.Errorf("want at least 6 archives, got %d", rep.Archives)
	}

	// rep says where each record is in the files, in order, for
	// explaining what a tail missed.
	for i, f := range followers {
		f.mu.Lock()
		problems, missing := logcheck.ExactlyOnce(f.seen, want)
		foreign := f.foreign
		lastSeen := map[string]int{} // per file, the index of the last record tail printed
		for name, file := range rep.ByFile {
			lastSeen[name] = -1
			for j, r := range file.Records {
				if f.seen[r.Key()] > 0 {
					lastSeen[name] = j
				}
			}
		}
		f.mu.Unlock()
		t.Logf("%s printed %d records; its messages:\n%s", f.name, len(f.seen), f.stderr.String())
		for _, line := range foreign {
			t.Errorf("%s printed a line that is not a whole record: %s", f.name, line)
		}
		var late []logcheck.Key // missing, but at the end of an archive
		for _, m := range missing {
			if p := rep.ByKey[m]; len(p) > 0 && p[0].File != filepath.Base(path) && p[0].Index > lastSeen[p[0].File] {
				late = append(late, m)
			}
		}
		if i == 0 && len(missing) > 0 && len(late) == len(missing) {
			// The inotify race described above.
			t.Logf("%s missed %d records written to archives after it had switched to the new file: %v", f.name, len(late), late)
			problems = slices.DeleteFunc(problems, func(s string) bool { return strings.HasSuffix(s, " is missing") })
		}
		for _, p := range problems {
			t.Errorf("%s: %s", f.name, p)
		}
	}
}

// logrotateBinary returns the path of logrotate, or skips the test.
func logrotateBinary(t *testing.T) string {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("logrotate is a Unix program")
	}
	if path, err := exec.LookPath("logrotate"); err == nil {
		return path
	}
	for _, p := range []string{"/usr/sbin/logrotate", "/sbin/logrotate"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	t.Skip("logrotate is not installed: apt-get install logrotate (.ci/integration.sh does)")
	return ""
}

// TestLogrotate runs Debian's logrotate, with the `create` configuration
// docs/operations.md recommends, against the live file six times while
// four processes write and the library itself rolls over every second.
// Nothing may be lost, duplicated or torn; no record may go to a file
// logrotate moved later than the reopen-check interval after the move;
// the library's archives hold only their own period's records; and
// neither side's archives clobber the other's.
func TestLogrotate(t *testing.T) {
	if testing.Short() {
		t.Skip("runs logrotate six times against four writer processes, about six seconds")
	}
	logrotate := logrotateBinary(t)
	dir := tempDir(t)
	logDir := filepath.Join(dir, "log")
	path := filepath.Join(logDir, "error.log")
	conf := filepath.Join(dir, "logrotate.conf")
	state := filepath.Join(dir, "logrotate.state")
	if err := os.WriteFile(conf, []byte(logrotateConf(path)), 0o644); err != nil {
		t.Fatal(err)
	}
	const reopen = 200 * time.Millisecond
	sched := Every(time.Second)
	opts := "every=1s,reopen=200ms,locktimeout=3s"

	writers := startWriters(t, []int{0, 1, 2, 3}, streamConf{Path: path, Opts: opts})

	// Each run: the moment it ended bounds the move; a file logrotate moved
	// is recognized as a new inode at path.1 (or a *.backup logrotate made
	// of a file it found in the way of its create).
	// Each moved file is kept open, to be read whole at the end even after
	// logrotate has compressed it away. (A hard link would do too, but
	// logrotate refuses to compress a file with more than one link.)
	type move struct {
		name string
		f    *os.File
		end  time.Time
	}
	var moves []move
	rotations := 0
	known := map[string]os.FileInfo{}
	for run := range 6 {
		time.Sleep(700 * time.Millisecond)
		before, _ := os.Stat(path + ".1")
		cmd := exec.Command(logrotate, "-f", "-s", state, conf)
		out, err := cmd.CombinedOutput()
		end := time.Now()
		if err != nil {
			// logrotate reports races it loses (the library archived the
			// file between its checks) as errors; they are not the
			// library's, and whatever it did is checked below.
			t.Logf("logrotate run %d: %v\n%s", run, err, out)
		}
		entries, err := os.ReadDir(logDir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			n := e.Name()
			if n != "error.log.1" && !strings.HasSuffix(n, ".backup") {
				continue
			}
			fi, err := os.Stat(filepath.Join(logDir, n))
			if err != nil {
				continue
			}
			if n == "error.log.1" && before != nil && os.SameFile(before, fi) {
				continue // this run did not rotate (an empty file)
			}
			if prev, ok := known[n]; ok && os.SameFile(prev, fi) {
				continue
			}
			known[n] = fi
			f, err := os.Open(filepath.Join(logDir, n))
			if err != nil {
				t.Fatal(err)
			}
			if fi2, err := f.Stat(); err != nil || !os.SameFile(fi, fi2) {
				t.Fatalf("%s changed under the test (%v)", n, err)
			}
			t.Cleanup(func() { f.Close() })
			moves = append(moves, move{fmt.Sprintf("run %d: %s", run, n), f, end})
			if n == "error.log.1" {
				rotations++
			}
		}
	}
	want := stopWriters(t, writers)

	if rotations < 3 {
		t.Fatalf("logrotate rotated the file only %d times in 6 runs", rotations)
	}

	// No record in a moved file was decided on after the move plus the
	// reopen-check interval: the writer's clock is the record's "wt", and
	// the move happened before logrotate exited.
	for _, m := range moves {
		data, err := io.ReadAll(m.f)
		if err != nil {
			t.Fatal(err)
		}
		moved := logcheck.ParseFile(m.name, data)
		recs := moved.Records
		late, atBoundary := 0, 0
		for _, r := range recs {
			if !r.WT.Before(m.end.Add(reopen)) {
				// One exception, by design of the rollover: a write whose
				// clock read came just before a period boundary, but which
				// reached the lock after another process had rolled over,
				// stays in the file its writer holds (this period's), even
				// if logrotate moved that file. It is not lost, and only a
				// write decided right at a boundary can take that path.
				if _, end := sched.Period(r.WT, time.UTC); end.Sub(r.WT) < boundaryWindow {
					atBoundary++
					continue
				}
				if late++; late <= 5 {
					t.Errorf("%s: record w=%d seq=%d written at %s, %v after logrotate moved the file (reopen check %v)",
						m.name, r.W, r.Seq, r.WT.Format(time.RFC3339Nano), r.WT.Sub(m.end), reopen)
				}
			}
		}
		for _, l := range moved.Torn {
			t.Error(l)
		}
		if moved.Blank > 0 {
			t.Errorf("%s: %d blank lines", m.name, moved.Blank)
		}
		if atBoundary > 0 {
			t.Logf("%s: %d records decided within %v before a period boundary, after the move plus the reopen check", m.name, atBoundary, boundaryWindow)
		}
		t.Logf("%s: %d records, the latest decided %v after logrotate exited (bound %v)", m.name, len(recs), latest(recs).Sub(m.end).Round(time.Millisecond), reopen)
	}

	// Every record exactly once across the live file, the library's
	// archives and logrotate's (some of them compressed); the library's
	// archives and the live file each hold one period.
	rep, err := logcheck.ScanDir(logDir, nil)
	if err != nil {
		t.Fatal(err)
	}
	rep.CheckPeriods("error.log", periodFunc(sched, time.UTC), func(name string) (string, bool) {
		suffix, kind := classify(name, sched.Layout())
		return suffix, kind == "library"
	})
	rep.AccountAll(want)
	t.Log(rep)
	for _, p := range rep.Problems {
		t.Error(p)
	}
	if rep.Blank > 0 {
		t.Errorf("%d blank lines", rep.Blank)
	}
	libArchives, lrArchives, backups := 0, 0, 0
	entries, err := os.ReadDir(logDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		n := e.Name()
		if isLockFile(n) {
			continue
		}
		switch _, kind := classify(n, sched.Layout()); kind {
		case "library":
			libArchives++
		case "live":
		case "logrotate":
			if strings.HasSuffix(n, ".backup") {
				backups++ // logrotate found a file in the way of its create
			} else {
				lrArchives++
			}
		default:
			t.Errorf("unexpected file %s in the log directory", n)
		}
	}
	if lrArchives != rotations {
		t.Errorf("logrotate rotated %d times but %d of its archives are left: one was clobbered", rotations, lrArchives)
	}
	if libArchives < 2 {
		t.Errorf("the library archived only %d times; the test means to mix its rollovers with logrotate's", libArchives)
	}
	t.Logf("%d records; %d logrotate rotations, %d library archives, %d logrotate backups", len(rep.ByKey), rotations, libArchives, backups)
}

// boundaryWindow is how long before a period boundary a write may be
// decided and still be written to the file its writer holds after another
// process rolled over: the time between the clock read and the rollover
// lock, which preemption on a loaded machine can stretch.
const boundaryWindow = 100 * time.Millisecond

// logrotateConf is the configuration the test runs, the one
// docs/operations.md recommends, for one log file.
func logrotateConf(path string) string {
	return path + ` {
    rotate 1000
    missingok
    notifempty
    create 0644
    compress
    delaycompress
}
`
}

// classify tells a file of the log directory apart: the live file, one of
// the library's archives (returned with its period name), or one of
// logrotate's (error.log.N, error.log.N.gz, or a *.backup it made).
func classify(name, layout string) (suffix, kind string) {
	const base = "error.log"
	switch {
	case name == base:
		return "", "live"
	case strings.HasSuffix(name, ".backup"):
		return "", "logrotate"
	case !strings.HasPrefix(name, base+"."):
		return "", "other"
	}
	s := strings.TrimSuffix(strings.TrimPrefix(name, base+"."), ".gz")
	if _, err := strconv.Atoi(s); err == nil {
		return "", "logrotate"
	}
	if i := strings.LastIndexByte(s, '.'); i > 0 {
		if _, err := strconv.Atoi(s[i+1:]); err == nil {
			s = s[:i]
		}
	}
	if _, err := time.Parse(layout, s); err == nil {
		return s, "library"
	}
	return "", "other"
}

func latest(recs []logcheck.Record) time.Time {
	var last time.Time
	for _, r := range recs {
		if r.WT.After(last) {
			last = r.WT
		}
	}
	return last
}
