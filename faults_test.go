//go:build linux

package slogrotate

// Fault tests: each produces a fault for real (a full file system, a
// permission taken away, a directory where the log should be, a process
// stopped while it holds the rollover lock, a clock that jumps) and checks
// the behaviour docs/failure.md promises. The tests that need root (to
// mount a small tmpfs, or to run a writer as another user) skip with the
// reason when they cannot.

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// ---------------------------------------------------------------------------
// A small file system that can be filled.

// mountTmpfs mounts a tmpfs with the given options (size=..., nr_inodes=...)
// on a new temporary directory, or skips the test saying why it cannot.
func mountTmpfs(t *testing.T, opts string) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to mount a small tmpfs that the test can fill")
	}
	dir := tempDir(t)
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, opts); err != nil {
		t.Skipf("cannot mount a tmpfs here (%v): the sandbox does not allow mount(2)", err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, syscall.MNT_DETACH); err != nil {
			t.Errorf("unmount %s: %v", dir, err)
		}
	})
	return dir
}

// ballast fills a file system by appending to one file until it refuses
// even a single byte, and gives the space back on demand.
type ballast struct {
	f *os.File
}

func newBallast(t *testing.T, dir string) *ballast {
	t.Helper()
	f, err := os.OpenFile(filepath.Join(dir, "ballast"), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	require.NoError(t, err)
	t.Cleanup(func() { f.Close() })
	return &ballast{f: f}
}

// fill takes every free block. A file system may free blocks at any time
// (a compressor removing a source), so callers fill again as needed.
func (b *ballast) fill() {
	for _, size := range []int{1 << 20, 64 << 10, 4 << 10, 512, 1} {
		chunk := bytes.Repeat([]byte{'B'}, size)
		for {
			if _, err := b.f.Write(chunk); err != nil {
				break
			}
		}
	}
}

// free gives all the space back.
func (b *ballast) free() { b.f.Truncate(0) }

// ---------------------------------------------------------------------------
// Deterministic disk-full tests, in one process.

// A record cut short by a full file system: write(2) appends what fits in
// the last free block and returns a short count. The writer reports the
// record as lost and blanks the fragment (spaces ending in a newline), so
// the next record, whichever process writes it, starts on a line of its
// own. When space returns the same Writer goes on writing.
func TestDiskFullCutRecordIsBlanked(t *testing.T) {
	dir := mountTmpfs(t, "size=256k")
	path := filepath.Join(dir, "error.log")
	var errsA, errsB errCollector
	clock := newClock(day1)
	open := func(errs *errCollector) *Writer {
		w, err := Open(path, WithLocation(time.UTC), WithClock(clock.Now), WithErrorHandler(errs.handle))
		require.NoError(t, err)
		t.Cleanup(func() { w.Close() })
		return w
	}
	a, b := open(&errsA), open(&errsB)
	writeLine(t, a, "first")

	bal := newBallast(t, dir)
	bal.fill()
	// The log's last block still has room: find out how much by filling
	// it with whole small records, then write a record that spans into the
	// next block, which does not exist.
	small := []byte(strings.Repeat("s", 99) + "\n")
	fits := 0
	for {
		n, err := a.Write(small)
		if err != nil {
			require.Zero(t, n, "a cut record reports no bytes written")
			break
		}
		fits++
	}
	require.Greater(t, fits, 0, "the log's last block had no room left: the test cannot cut a record")
	cut := len(errsA.all())
	require.Equal(t, 1, cut, "the failed write reached the error handler: %v", errsA.all())
	assert.ErrorIs(t, errsA.all()[0], io.ErrShortWrite)

	// Everything else fails whole: nothing more is appended.
	_, err := b.Write([]byte("b-while-full\n"))
	require.Error(t, err)
	assert.ErrorIs(t, err, syscall.ENOSPC)
	require.Len(t, errsB.all(), 1)

	// Space returns: the other writer appends first, then the cut one.
	bal.free()
	writeLine(t, b, "b-after")
	writeLine(t, a, "a-after")

	data, err := os.ReadFile(path)
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	require.Equal(t, "first", lines[0])
	for i := 1; i <= fits; i++ {
		require.Equal(t, string(small[:99]), lines[i])
	}
	blank := lines[fits+1]
	assert.NotEmpty(t, blank, "the fragment is a line of spaces")
	assert.Empty(t, strings.TrimSpace(blank), "the fragment is blanked: %q", blank)
	assert.Equal(t, []string{"b-after", "a-after"}, lines[fits+2:])
	t.Logf("%d whole records fitted, then a record was cut at %d bytes and blanked", fits, len(blank)+1)
}

// When the file system cannot even overwrite the fragment in place (a
// copy-on-write file system that is full), the writer falls back to
// starting its next successful write with a newline, so its own next
// record is whole. Simulated here by failing the overwrite.
func TestDiskFullCutRecordFallback(t *testing.T) {
	dir := mountTmpfs(t, "size=256k")
	path := filepath.Join(dir, "error.log")
	var errs errCollector
	w, err := Open(path, WithLocation(time.UTC), WithClock(newClock(day1).Now), WithErrorHandler(errs.handle))
	require.NoError(t, err)
	defer w.Close()
	writeLine(t, w, "first")
	blankFragment = func(uintptr, int) error { return errors.New("simulated: cannot overwrite") }
	defer func() { blankFragment = blankTail }()

	bal := newBallast(t, dir)
	bal.fill()
	small := []byte(strings.Repeat("s", 99) + "\n")
	fits := 0
	for {
		if _, err := w.Write(small); err != nil {
			break
		}
		fits++
	}
	bal.free()
	writeLine(t, w, "after")
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	frag := lines[fits+1]
	assert.True(t, strings.Trim(frag, "s") == "" && len(frag) < 99, "the fragment is a line of its own: %q", frag)
	assert.Equal(t, "after", lines[fits+2])
	assert.Len(t, lines, fits+3)
	require.NotEmpty(t, errs.all())
	assert.ErrorIs(t, errs.all()[0], io.ErrShortWrite)
}

// A rollover that fails half way: the rename is done but the new file
// cannot be created (here the file system has no inode left). The error
// handler is told; the writer keeps writing to the file it has (now the
// archive), and the next attempt, a retry delay later, creates the live
// file once an inode is free. No record is lost and no archive is
// overwritten.
func TestRolloverFailsHalfWay(t *testing.T) {
	dir := mountTmpfs(t, "size=1m,nr_inodes=16")
	path := filepath.Join(dir, "error.log")
	clock := newClock(day1)
	var errs errCollector
	w, err := Open(path, WithLocation(time.UTC), WithClock(clock.Now), WithErrorHandler(errs.handle))
	require.NoError(t, err)
	defer w.Close()
	writeLine(t, w, "a")

	// Use up the inodes.
	junk := filepath.Join(dir, "junk")
	require.NoError(t, os.Mkdir(junk, 0o755))
	var made []string
	for i := 0; ; i++ {
		name := filepath.Join(junk, strconv.Itoa(i))
		f, err := os.Create(name)
		if err != nil {
			require.ErrorIs(t, err, syscall.ENOSPC)
			break
		}
		f.Close()
		made = append(made, name)
	}
	require.NotEmpty(t, made)

	clock.Add(24 * time.Hour)
	writeLine(t, w, "b") // the rename happens, the create fails
	require.Len(t, errs.all(), 1, "%v", errs.all())
	assert.ErrorIs(t, errs.all()[0], syscall.ENOSPC)
	_, err = os.Lstat(path)
	require.ErrorIs(t, err, fs.ErrNotExist, "the rename was done")
	clock.Add(retryDelay / 2)
	writeLine(t, w, "c") // not retried yet: still the archive
	require.Len(t, errs.all(), 1)

	require.NoError(t, os.Remove(made[0])) // the cause goes away
	clock.Add(retryDelay / 2)
	writeLine(t, w, "d") // retried: the live file is created
	require.Len(t, errs.all(), 1)
	require.NoError(t, os.RemoveAll(junk))
	clock.Add(24 * time.Hour)
	writeLine(t, w, "e")
	require.Len(t, errs.all(), 1)
	assert.Equal(t, map[string]string{
		"error.log.2021-10-18": "a\nb\nc\n", // b and c: written while no live file could be made
		"error.log.2021-10-19": "d\n",
		"error.log":            "e\n",
	}, files(t, dir))
}

// ---------------------------------------------------------------------------
// Fault children: writer processes the fault tests start, stop, kill and
// run as other users.
//
// A fault child opens the log at SR_PATH with the options in SR_OPTS (see
// childOptions) and writes records in logcheck's format, one Write each,
// every SR_GAP, until SR_UNTIL (UnixNano) or until it is killed. Every
// SR_BIG_EVERY-th record is padded to SR_BIG_SIZE bytes. SIGTERM ends the
// run early, with Close. It reports on
// standard output:
//
//	ERR <message>     each call of the error handler
//	LOST <seq>        a Write that returned an error (the record is lost)
//	HOLDING           it is about to stop itself (SR_STOP_AT)
//	DONE n maxlat-ns unreported
//
// With SR_STOP_AT=stage it raises SIGSTOP on itself the SR_STOP_SKIP+1-th
// time the rollover reaches that stage, while holding whatever lock the
// stage holds. "unreported" counts failed Writes whose error did not reach
// the error handler.
func runFaultChild(string) int {
	path := os.Getenv("SR_PATH")
	id, _ := strconv.Atoi(os.Getenv("SR_ID"))
	untilNS, _ := strconv.ParseInt(os.Getenv("SR_UNTIL"), 10, 64)
	gap, _ := time.ParseDuration(os.Getenv("SR_GAP"))
	bigEvery, _ := strconv.Atoi(os.Getenv("SR_BIG_EVERY"))
	bigSize, _ := strconv.Atoi(os.Getenv("SR_BIG_SIZE"))
	out := bufio.NewWriter(os.Stdout)
	var outMu sync.Mutex
	say := func(format string, args ...any) {
		outMu.Lock()
		fmt.Fprintf(out, format+"\n", args...)
		out.Flush()
		outMu.Unlock()
	}
	if at := stage(os.Getenv("SR_STOP_AT")); at != "" {
		skip, _ := strconv.Atoi(os.Getenv("SR_STOP_SKIP"))
		testHook = func(s stage) {
			if s != at {
				return
			}
			if skip--; skip == -1 { // once
				say("HOLDING")
				stopSelf()
			}
		}
	}
	var (
		repMu    sync.Mutex
		reported int // calls of the error handler
	)
	onError := func(err error) {
		repMu.Lock()
		reported++
		repMu.Unlock()
		say("ERR %s", strings.ReplaceAll(err.Error(), "\n", " "))
	}
	opts := append(childOptions(os.Getenv("SR_OPTS")), WithErrorHandler(onError))
	w, err := Open(path, opts...)
	if err != nil {
		say("OPENFAILED %v", err)
		return 2
	}
	pad := strings.Repeat("x", 100)
	big := strings.Repeat("y", max(bigSize-150, 0))
	var maxLat time.Duration
	unreported := 0
	seq := 0
	var rec []byte
	// SIGTERM ends the run like SR_UNTIL, with Close: a test that stops
	// the child this way checks what Close leaves behind (no compressor's
	// temporary file). Crashes are SIGKILL.
	term := make(chan os.Signal, 1)
	signal.Notify(term, syscall.SIGTERM)
write:
	for ; untilNS == 0 || time.Now().UnixNano() < untilNS; seq++ {
		select {
		case <-term:
			break write
		default:
		}
		body := pad
		if bigEvery > 0 && seq%bigEvery == bigEvery-1 {
			body = big
		}
		now := time.Now()
		rec = appendRecord(rec[:0], id, seq, now, body)
		repMu.Lock()
		before := reported
		repMu.Unlock()
		_, err := w.write(rec, now)
		if lat := time.Since(now); lat > maxLat {
			maxLat = lat
		}
		if err != nil {
			say("LOST %d", seq)
			repMu.Lock()
			if reported == before {
				unreported++
			}
			repMu.Unlock()
		}
		if gap > 0 {
			time.Sleep(gap)
		}
	}
	if err := w.Close(); err != nil {
		say("ERR close: %v", err)
	}
	say("DONE %d %d %d", seq, maxLat.Nanoseconds(), unreported)
	return 0
}

func init() { otherChildren["fault"] = runFaultChild }

// stopSelf stops the process with SIGSTOP before it returns. A signal sent
// to the process would be taken by any of its threads, and this one could
// run on for milliseconds, finishing the rollover it should be stuck in; a
// signal sent to this very thread stops it on the way out of the system
// call.
func stopSelf() {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	syscall.Tgkill(os.Getpid(), syscall.Gettid(), syscall.SIGSTOP)
}

// faultProc is the parent's view of a fault child.
type faultProc struct {
	id  int
	cmd *exec.Cmd

	mu         sync.Mutex
	errs       []string
	lost       map[int]bool
	holding    bool
	done       bool
	n          int
	maxLat     time.Duration
	unreported int
	exited     chan struct{}
	waitErr    error
}

type faultConf struct {
	opts     string
	gap      time.Duration
	until    time.Time
	bigEvery int
	bigSize  int
	stopAt   string
	stopSkip int
	cred     *syscall.Credential
	exe      string // the test binary to run; os.Args[0] if empty
}

func startFault(t *testing.T, path string, id int, c faultConf) *faultProc {
	t.Helper()
	exe := c.exe
	if exe == "" {
		exe = os.Args[0]
	}
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(),
		childEnv+"=fault",
		"SR_PATH="+path,
		"SR_ID="+strconv.Itoa(id),
		"SR_OPTS="+c.opts,
		"SR_GAP="+c.gap.String(),
		"SR_BIG_EVERY="+strconv.Itoa(c.bigEvery),
		"SR_BIG_SIZE="+strconv.Itoa(c.bigSize),
		"SR_STOP_AT="+c.stopAt,
		"SR_STOP_SKIP="+strconv.Itoa(c.stopSkip),
	)
	if !c.until.IsZero() {
		cmd.Env = append(cmd.Env, "SR_UNTIL="+strconv.FormatInt(c.until.UnixNano(), 10))
	}
	if c.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred}
	}
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	p := &faultProc{id: id, cmd: cmd, lost: map[int]bool{}, n: -1, exited: make(chan struct{})}
	go func() {
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			p.mu.Lock()
			switch {
			case strings.HasPrefix(line, "ERR "):
				if len(p.errs) < 10000 {
					p.errs = append(p.errs, line[4:])
				}
			case strings.HasPrefix(line, "LOST "):
				n, _ := strconv.Atoi(line[5:])
				p.lost[n] = true
			case line == "HOLDING":
				p.holding = true
			case strings.HasPrefix(line, "DONE "):
				var lat int64
				fmt.Sscanf(line, "DONE %d %d %d", &p.n, &lat, &p.unreported)
				p.maxLat = time.Duration(lat)
				p.done = true
			case strings.HasPrefix(line, "OPENFAILED "):
				p.errs = append(p.errs, line)
			}
			p.mu.Unlock()
		}
		err := cmd.Wait()
		p.mu.Lock()
		p.waitErr = err
		p.mu.Unlock()
		close(p.exited)
	}()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGCONT)
		cmd.Process.Kill()
		<-p.exited
	})
	return p
}

// waitFor polls cond (called with p.mu held) until it holds or the
// timeout passes.
func (p *faultProc) waitFor(timeout time.Duration, cond func(p *faultProc) bool) bool {
	for deadline := time.Now().Add(timeout); ; {
		p.mu.Lock()
		ok := cond(p)
		p.mu.Unlock()
		if ok {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// errCount counts the child's reported errors containing all of subs.
func (p *faultProc) errCount(subs ...string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
outer:
	for _, e := range p.errs {
		for _, s := range subs {
			if !strings.Contains(e, s) {
				continue outer
			}
		}
		n++
	}
	return n
}

func (p *faultProc) waitErrs(t *testing.T, timeout time.Duration, subs ...string) {
	t.Helper()
	if !p.waitFor(timeout, func(p *faultProc) bool {
		for _, e := range p.errs {
			ok := true
			for _, s := range subs {
				ok = ok && strings.Contains(e, s)
			}
			if ok {
				return true
			}
		}
		return false
	}) {
		p.mu.Lock()
		defer p.mu.Unlock()
		t.Fatalf("child %d: no error containing %q within %v; errors: %q", p.id, subs, timeout, p.errs)
	}
}

// finish waits for the child to exit by itself and checks it ended well.
func (p *faultProc) finish(t *testing.T, timeout time.Duration) {
	t.Helper()
	select {
	case <-p.exited:
	case <-time.After(timeout):
		t.Fatalf("child %d did not finish within %v: it blocked", p.id, timeout)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	require.NoError(t, p.waitErr, "child %d exited badly (a panic?)", p.id)
	require.True(t, p.done, "child %d did not report DONE", p.id)
	assert.Zero(t, p.unreported, "child %d: failed writes that did not reach the error handler", p.id)
}

// ---------------------------------------------------------------------------
// Reading back every file in a log's directory.

type foundRecord struct {
	file string
	wt   time.Time
}

// logScan is what scanLogDir found in a directory: every line of every
// file (compressed or not; lock files skipped) sorted into records, blank
// lines (a blanked fragment) and torn or foreign lines.
type logScan struct {
	files, gz, temps, badGzip int
	records, blank, torn      int
	// The torn lines sorted by tornLine: glued ones end with a whole
	// record, fragments counts the prefixes of a record by writer, and
	// foreign ones are neither.
	glued, foreign int
	fragments      map[int]int
	byKey          map[[2]int][]foundRecord
	perFile        map[string][]time.Time
	problems       []string
}

func (s *logScan) problem(format string, args ...any) {
	if len(s.problems) < 20 {
		s.problems = append(s.problems, fmt.Sprintf(format, args...))
	}
}

func scanLogDir(t *testing.T, dir string) *logScan {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	s := &logScan{byKey: map[[2]int][]foundRecord{}, perFile: map[string][]time.Time{}, fragments: map[int]int{}}
	for _, e := range entries {
		name := e.Name()
		if !e.Type().IsRegular() || strings.HasSuffix(name, ".lock") || name == "ballast" {
			continue
		}
		if strings.HasSuffix(name, ".tmp") {
			s.temps++
			s.problem("temporary file left: %s", name)
			continue
		}
		s.files++
		data, err := os.ReadFile(filepath.Join(dir, name))
		require.NoError(t, err)
		if strings.HasSuffix(name, ".gz") {
			s.gz++
			zr, err := gzip.NewReader(bytes.NewReader(data))
			if err == nil {
				data, err = io.ReadAll(zr)
			}
			if err != nil {
				s.badGzip++
				s.problem("%s: invalid gzip: %v", name, err)
				continue
			}
		}
		for line := range bytes.Lines(data) {
			if len(bytes.TrimSpace(line)) == 0 && bytes.HasSuffix(line, []byte("\n")) {
				s.blank++
				continue
			}
			rec, ok := wholeRecord(line)
			if !ok {
				s.tornLine(name, line)
				continue
			}
			s.records++
			key := [2]int{rec.W, rec.Seq}
			s.byKey[key] = append(s.byKey[key], foundRecord{file: name, wt: rec.WT})
			s.perFile[name] = append(s.perFile[name], rec.WT)
		}
	}
	return s
}

// account checks writer w's records against what it reported: n written
// (-1: killed, so 0..k for the highest k found), lost the sequence numbers
// whose Write failed. Every record not lost is found exactly once, no lost
// one is found. It returns how many were missing and duplicated.
func (s *logScan) account(w, n int, lost map[int]bool) (missing, dup int) {
	if n < 0 {
		n = 0
		for key := range s.byKey {
			if key[0] == w && key[1]+1 > n {
				n = key[1] + 1
			}
		}
	}
	for seq := range n {
		found := len(s.byKey[[2]int{w, seq}])
		switch {
		case lost[seq] && found > 0:
			dup += found
			s.problem("w=%d seq=%d was reported lost but is in %s", w, seq, s.byKey[[2]int{w, seq}][0].file)
		case !lost[seq] && found == 0:
			missing++
			s.problem("w=%d seq=%d is missing", w, seq)
		case found > 1:
			dup += found - 1
			s.problem("w=%d seq=%d appears %d times", w, seq, found)
		}
	}
	return missing, dup
}

// ---------------------------------------------------------------------------
// Disk full, with many processes.

// TestDiskFullManyProcesses fills the file system twice while four
// processes write across one-second rollovers with compression on. No
// process blocks or dies; every failed write reaches the error handler;
// every record is either in a file, whole and once, or was reported lost;
// cut records leave blank lines, never a torn one; and when space returns
// the same processes go on writing.
func TestDiskFullManyProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("forks processes for about seven seconds")
	}
	dir := mountTmpfs(t, "size=8m")
	path := filepath.Join(dir, "error.log")
	start := time.Now()
	at := func(ms int) time.Time { return start.Add(time.Duration(ms) * time.Millisecond) }
	conf := faultConf{
		opts: "every=1s,locktimeout=100ms,reopen=100ms,compress=1",
		gap:  2 * time.Millisecond, until: at(6500),
		bigEvery: 20, bigSize: 9000, // records of more than two pages
	}
	var procs []*faultProc
	for id := range 4 {
		procs = append(procs, startFault(t, path, id, conf))
	}
	bal := newBallast(t, dir)
	// Full from 1.0s to 2.5s and from 3.5s to 5.0s. The ballast is topped
	// up while full, since a compressor that removes a source frees space.
	phase := func(from, to int) {
		time.Sleep(time.Until(at(from)))
		for time.Now().Before(at(to)) {
			bal.fill()
			time.Sleep(20 * time.Millisecond)
		}
		bal.free()
	}
	phase(1000, 2500)
	phase(3500, 5000)
	resumed := time.Now()

	lost, errs := 0, 0
	for _, p := range procs {
		p.finish(t, 10*time.Second)
		lost += len(p.lost)
		errs += len(p.errs)
	}
	s := scanLogDir(t, dir)
	missing, dup := 0, 0
	var maxLat time.Duration
	for _, p := range procs {
		m, d := s.account(p.id, p.n, p.lost)
		missing, dup = missing+m, dup+d
		maxLat = max(maxLat, p.maxLat)
		after := 0
		for key, found := range s.byKey {
			if key[0] == p.id && found[0].wt.After(resumed) {
				after++
			}
		}
		assert.Greater(t, after, 0, "child %d wrote nothing after space returned", p.id)
		assert.Greater(t, p.errCount("no space left on device"), 0, "child %d never saw the disk full", p.id)
	}
	t.Logf("files=%d gz=%d records=%d reported-lost=%d errors=%d blank-lines=%d torn=%d missing=%d duplicated=%d max-write-latency=%v",
		s.files, s.gz, s.records, lost, errs, s.blank, s.torn, missing, dup, maxLat)
	for _, p := range s.problems {
		t.Error(p)
	}
	assert.Zero(t, s.torn, "torn lines")
	assert.Zero(t, missing+dup, "missing or duplicated records")
	assert.Zero(t, s.temps+s.badGzip, "temporary files or bad gzip")
	assert.Greater(t, lost, 0, "the disk was never full for a writer")
	assert.Less(t, maxLat, 500*time.Millisecond, "a write blocked")
}

// ---------------------------------------------------------------------------
// Permissions and a log path that stops being usable.

const nobody = 65534

// unprivileged returns a copy of the test binary that another user can run
// (go test keeps the binary in a private directory) and a directory owned
// by that user for its log, or skips the test if it cannot run children
// as another user.
func unprivileged(t *testing.T) (exe, logDir string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: permission bits do not bind root, so the writer runs as uid 65534, which only root can arrange")
	}
	base := tempDir(t)
	require.NoError(t, os.Chmod(base, 0o755))
	exe = filepath.Join(base, "slogrotate.test")
	in, err := os.Open(os.Args[0])
	require.NoError(t, err)
	defer in.Close()
	out, err := os.OpenFile(exe, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o755)
	require.NoError(t, err)
	_, err = io.Copy(out, in)
	require.NoError(t, err)
	require.NoError(t, out.Close())
	logDir = filepath.Join(base, "logs")
	require.NoError(t, os.Mkdir(logDir, 0o755))
	require.NoError(t, os.Chown(logDir, nobody, nobody))
	return exe, logDir
}

// ourArchives lists the files in dir that the writer's naming (every=1s,
// UTC) produced for error.log.
func ourArchives(t *testing.T, dir string) []string {
	t.Helper()
	cfg := testConfig(t, childOptions("every=1s")...)
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var out []string
	for _, e := range entries {
		if _, ok := cfg.parseArchive("error.log", e.Name()); ok {
			out = append(out, e.Name())
		}
	}
	sort.Strings(out)
	return out
}

// waitUntil polls cond until it holds or fails the test after timeout.
func waitUntil(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(timeout); !cond(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("not within %v: %s", timeout, what)
		}
	}
}

// TestPermissionsTakenAway runs a writer as an unprivileged user and takes
// away, in turn, write permission on the log directory (rollovers and
// compression fail), read permission on it (the janitor cannot list it),
// and all permission on the lock file (no rollover can be arbitrated). Each
// fault reaches the error handler, writing goes on into the current file
// throughout, and each recovers once the permission is back: no record is
// lost, duplicated or torn.
func TestPermissionsTakenAway(t *testing.T) {
	if testing.Short() {
		t.Skip("forks a process for about ten seconds")
	}
	exe, dir := unprivileged(t)
	path := filepath.Join(dir, "error.log")
	p := startFault(t, path, 1, faultConf{
		opts: "every=1s,locktimeout=100ms,reopen=100ms,compress=1",
		gap:  5 * time.Millisecond, until: time.Now().Add(time.Hour),
		cred: &syscall.Credential{Uid: nobody, Gid: nobody}, exe: exe,
	})
	grows := func(what string) {
		t.Helper()
		before := len(ourArchives(t, dir))
		waitUntil(t, 3*time.Second, what, func() bool { return len(ourArchives(t, dir)) > before })
	}
	grows("the first rollover")

	// A: the directory is not writable: no rename, no new file, no .gz.
	require.NoError(t, os.Chmod(dir, 0o555))
	p.waitErrs(t, 3*time.Second, "archive", "permission denied")
	n := len(ourArchives(t, dir))
	time.Sleep(1500 * time.Millisecond) // a rollover is retried every second
	assert.Equal(t, n, len(ourArchives(t, dir)), "no archive was made while the directory was read-only")
	require.NoError(t, os.Chmod(dir, 0o755))
	grows("a rollover after write permission came back")

	// B: the directory is not readable: rollovers go on, the janitor
	// cannot list it, so nothing is compressed until it can.
	require.NoError(t, os.Chmod(dir, 0o333))
	p.waitErrs(t, 5*time.Second, "list", "permission denied")
	require.NoError(t, os.Chmod(dir, 0o755))
	var plain []string
	for _, a := range ourArchives(t, dir) {
		if !strings.HasSuffix(a, ".gz") {
			plain = append(plain, a)
		}
	}
	require.NotEmpty(t, plain, "an archive made while the directory was unreadable")
	waitUntil(t, 6*time.Second, "compression of "+strings.Join(plain, ", ")+" after read permission came back", func() bool {
		for _, a := range plain {
			if _, err := os.Stat(filepath.Join(dir, a+".gz")); err != nil {
				return false
			}
		}
		return true
	})

	// C: the lock file cannot be opened: no rollover can be arbitrated.
	lock := path + ".lock"
	require.NoError(t, os.Chmod(lock, 0))
	p.waitErrs(t, 3*time.Second, "lock", "permission denied")
	time.Sleep(1500 * time.Millisecond)
	require.NoError(t, os.Chmod(lock, 0o644))
	grows("a rollover after the lock file became usable again")

	require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))
	<-p.exited
	s := scanLogDir(t, dir)
	missing, dup := s.account(p.id, -1, p.lost)
	t.Logf("files=%d gz=%d records=%d reported-lost=%d errors=%d torn=%d missing=%d duplicated=%d",
		s.files, s.gz, s.records, len(p.lost), len(p.errs), s.torn, missing, dup)
	for _, pr := range s.problems {
		t.Error(pr)
	}
	t.Logf("archives %v", ourArchives(t, dir))
	assert.Zero(t, len(p.lost), "writes failed while only rollovers should have")
	assert.Zero(t, s.torn+missing+dup+s.badGzip)
}

// checkArchiveNames checks that every archive of ours is named for the
// period of the first record in it: a file is archived under the period it
// was started in, however long a fault kept it live.
func checkArchiveNames(t *testing.T, dir string, s *logScan) {
	t.Helper()
	cfg := testConfig(t, childOptions("every=1s")...)
	for name, wts := range s.perFile {
		a, ok := cfg.parseArchive("error.log", name)
		if !ok {
			continue
		}
		first := wts[0]
		for _, wt := range wts {
			if wt.Before(first) {
				first = wt
			}
		}
		if p := cfg.schedule.start(first, time.UTC); !p.Equal(a.period) {
			t.Errorf("archive %s starts with a record of the period %v", name, p)
		}
	}
}

// TestLogReplacedByDirectory: while a process writes, the log file is
// moved away and a directory is made in its place. The writer reports that
// the path is not a regular file, once per retry, and writes on into the
// file it has (the moved one); when the directory goes, the next retry
// creates the log again. Nothing is lost.
func TestLogReplacedByDirectory(t *testing.T) {
	if testing.Short() {
		t.Skip("forks a process for about four seconds")
	}
	dir := tempDir(t)
	path := filepath.Join(dir, "error.log")
	p := startFault(t, path, 1, faultConf{
		opts: "every=1s,locktimeout=100ms,reopen=100ms",
		gap:  5 * time.Millisecond, until: time.Now().Add(time.Hour),
	})
	time.Sleep(500 * time.Millisecond)
	require.NoError(t, os.Rename(path, filepath.Join(dir, "moved.log")))
	require.NoError(t, os.Mkdir(path, 0o755))
	p.waitErrs(t, 2*time.Second, "not a regular file")
	time.Sleep(1500 * time.Millisecond)
	require.NoError(t, os.Remove(path))
	fixed := time.Now()
	waitUntil(t, 3*time.Second, "the log file made again", func() bool {
		fi, err := os.Stat(path)
		return err == nil && fi.Mode().IsRegular() && fi.Size() > 0
	})
	time.Sleep(300 * time.Millisecond)
	require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))
	<-p.exited

	s := scanLogDir(t, dir)
	missing, dup := s.account(p.id, -1, p.lost)
	t.Logf("files=%d records=%d reported-lost=%d errors=%d torn=%d missing=%d duplicated=%d; errors: %q",
		s.files, s.records, len(p.lost), len(p.errs), s.torn, missing, dup, p.errs)
	for _, pr := range s.problems {
		t.Error(pr)
	}
	assert.Zero(t, len(p.lost)+s.torn+missing+dup)
	assert.Greater(t, len(s.perFile["moved.log"]), 0)
	written := 0
	for _, wt := range s.perFile["error.log"] {
		if wt.After(fixed) {
			written++
		}
	}
	assert.Greater(t, written, 0, "nothing written to the log after the directory went")
	checkArchiveNames(t, dir, s)
}

// TestLogRemovedAndDirectoryPutInItsPlace: as above, but the log is
// deleted, so the file the writer has is gone from the file system. Once
// the writer has noticed (within its reopen check), it stops writing into
// the deleted file and reports each record as lost, instead of
// acknowledging records that nobody can ever read; when the directory goes
// it makes the log again.
func TestLogRemovedAndDirectoryPutInItsPlace(t *testing.T) {
	if testing.Short() {
		t.Skip("forks a process for about four seconds")
	}
	dir := tempDir(t)
	path := filepath.Join(dir, "error.log")
	p := startFault(t, path, 1, faultConf{
		opts: "every=1h,locktimeout=100ms,reopen=100ms",
		gap:  5 * time.Millisecond, until: time.Now().Add(time.Hour),
	})
	time.Sleep(500 * time.Millisecond)
	deleted := scanLogDir(t, dir) // what the test is about to delete
	require.NoError(t, os.Remove(path))
	require.NoError(t, os.Mkdir(path, 0o755))
	p.waitErrs(t, 2*time.Second, "not a regular file")
	time.Sleep(1500 * time.Millisecond)
	require.NoError(t, os.Remove(path))
	waitUntil(t, 3*time.Second, "the log file made again", func() bool {
		fi, err := os.Stat(path)
		return err == nil && fi.Mode().IsRegular() && fi.Size() > 0
	})
	time.Sleep(300 * time.Millisecond)
	require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))
	<-p.exited
	checkSilentLoss(t, dir, p, deleted)
}

// checkSilentLoss accounts for a writer whose file the test deleted, after
// reading what was in it (deleted): records written into the deleted file
// after that and before the writer's next reopen check are lost without a
// report (no write fails); everything else is in the files or was reported
// lost.
func checkSilentLoss(t *testing.T, dir string, p *faultProc, deleted *logScan) {
	t.Helper()
	s := scanLogDir(t, dir)
	_, dup := s.account(p.id, -1, p.lost)
	var silent []int
	maxSeq := 0
	for key := range s.byKey {
		maxSeq = max(maxSeq, key[1])
	}
	for seq := range maxSeq {
		key := [2]int{p.id, seq}
		if !p.lost[seq] && len(s.byKey[key]) == 0 && len(deleted.byKey[key]) == 0 {
			silent = append(silent, seq)
		}
	}
	t.Logf("records=%d deleted-by-the-test=%d reported-lost=%d lost-silently=%d errors=%d torn=%d duplicated=%d; first errors: %q",
		s.records, deleted.records, len(p.lost), len(silent), len(p.errs), s.torn, dup, p.errs[:min(len(p.errs), 2)])
	assert.Zero(t, s.torn+dup)
	assert.Greater(t, len(p.lost), 0, "no write was reported lost while the log was gone")
	// The reopen check is 100ms, at one record per 5ms; slack for a slow
	// machine.
	assert.Less(t, len(silent), 60, "records acknowledged after the writer knew its file was deleted: %v", silent)
}

// TestLogDirectoryDeletedAndRecreated: the whole log directory is removed
// while a process writes, and made again a little later. The writer
// reports that it cannot take the lock (its directory is gone) and each
// record as lost; once the directory is back, the next retry makes the lock
// file and the log, and writing goes on.
func TestLogDirectoryDeletedAndRecreated(t *testing.T) {
	if testing.Short() {
		t.Skip("forks a process for about four seconds")
	}
	dir := filepath.Join(tempDir(t), "logs")
	path := filepath.Join(dir, "error.log")
	p := startFault(t, path, 1, faultConf{
		opts: "every=1h,locktimeout=100ms,reopen=100ms",
		gap:  5 * time.Millisecond, until: time.Now().Add(time.Hour),
	})
	time.Sleep(500 * time.Millisecond)
	deleted := scanLogDir(t, dir) // what the test is about to delete
	require.NoError(t, os.RemoveAll(dir))
	p.waitErrs(t, 2*time.Second, "no such file or directory")
	time.Sleep(1500 * time.Millisecond)
	require.NoError(t, os.Mkdir(dir, 0o755))
	waitUntil(t, 3*time.Second, "the log file made again", func() bool {
		fi, err := os.Stat(path)
		return err == nil && fi.Size() > 0
	})
	time.Sleep(300 * time.Millisecond)
	require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))
	<-p.exited
	checkSilentLoss(t, dir, p, deleted)
}

// ---------------------------------------------------------------------------
// A process stopped while it holds the rollover lock.

// TestStoppedLockHolder: one process stops itself with SIGSTOP inside a
// rollover, holding the rollover lock, and stays stopped for more than
// three periods. The others never wait longer than the lock timeout: they
// report that they could not get the lock and write on into the file they
// have, retrying once per retry delay. When the stopped process continues,
// it finishes its rollover and the others catch up: every archive is named
// for the period its first record belongs to, none is overwritten or made
// twice, and nothing is lost.
func TestStoppedLockHolder(t *testing.T) {
	if testing.Short() {
		t.Skip("forks processes for about eight seconds")
	}
	dir := tempDir(t)
	path := filepath.Join(dir, "error.log")
	const lockTimeout = 100 * time.Millisecond
	conf := faultConf{
		opts: "every=1s,locktimeout=100ms,reopen=100ms",
		gap:  5 * time.Millisecond, until: time.Now().Add(8 * time.Second),
	}
	holderConf := conf
	holderConf.stopAt, holderConf.stopSkip = "locked", 1 // not at Open: at its first rollover
	holder := startFault(t, path, 0, holderConf)
	var others []*faultProc
	for id := 1; id <= 4; id++ {
		others = append(others, startFault(t, path, id, conf))
	}
	require.True(t, holder.waitFor(3*time.Second, func(p *faultProc) bool { return p.holding }), "the holder never reached its rollover")
	time.Sleep(50 * time.Millisecond) // let SIGSTOP land
	stopped := time.Now()
	before := ourArchives(t, dir)
	time.Sleep(3500 * time.Millisecond)
	assert.Equal(t, before, ourArchives(t, dir), "an archive was made while the lock was held")
	require.NoError(t, holder.cmd.Process.Signal(syscall.SIGCONT))
	resumed := time.Now()

	var maxLat time.Duration
	timeouts := 0
	for _, p := range append(others, holder) {
		p.finish(t, 10*time.Second)
		if p != holder {
			maxLat = max(maxLat, p.maxLat)
			n := p.errCount(errLockBusy.Error())
			timeouts += n
			assert.Greater(t, n, 0, "child %d never reported the lock it could not get", p.id)
		}
	}
	s := scanLogDir(t, dir)
	missing, dup := 0, 0
	for _, p := range append(others, holder) {
		m, d := s.account(p.id, p.n, p.lost)
		missing, dup = missing+m, dup+d
		assert.Empty(t, p.lost, "child %d lost writes", p.id)
	}
	archives := ourArchives(t, dir)
	t.Logf("stopped %v; archives=%d records=%d lock-timeouts=%d max-write-latency=%v (lock timeout %v) missing=%d duplicated=%d torn=%d",
		resumed.Sub(stopped).Round(time.Millisecond), len(archives), s.records, timeouts, maxLat, lockTimeout, missing, dup, s.torn)
	for _, pr := range s.problems {
		t.Error(pr)
	}
	assert.Zero(t, missing+dup+s.torn)
	// The bound is the lock timeout; the margin is for a loaded machine, far
	// below the 3.5s the holder is stopped for.
	assert.Less(t, maxLat, lockTimeout+400*time.Millisecond, "a write waited past the lock timeout")
	checkArchiveNames(t, dir, s)
	for _, a := range archives {
		assert.False(t, indexSuffix(a), "archive %s has an index: a period was archived twice", a)
	}
	caughtUp := 0
	for _, a := range archives {
		if fi, err := os.Stat(filepath.Join(dir, a)); err == nil && fi.ModTime().After(resumed) {
			caughtUp++
		}
	}
	assert.GreaterOrEqual(t, caughtUp, 2, "rotation did not resume after the holder continued: %v", archives)
	// The live file holds one period only.
	live := s.perFile["error.log"]
	for _, wt := range live {
		assert.Equal(t, time.Unix(live[0].Unix(), 0), time.Unix(wt.Unix(), 0), "the live file mixes periods")
	}
}

// ---------------------------------------------------------------------------
// Clock jumps (TestClockJumps covers one writer).

// TestClockJumpBackAcrossWriters: after a rollover, one writer's clock
// jumps back an hour while another's was behind all along, a third process
// opens the log with a clock an hour behind, and Rotate is called while
// the clock is behind. No archive is overwritten, no rollover is repeated,
// and records go to the live file (or, for a writer that has not yet seen
// the rollover, to the archive of the period its clock says).
func TestClockJumpBackAcrossWriters(t *testing.T) {
	dir := tempDir(t)
	path := filepath.Join(dir, "error.log")
	at := func(day, h, m int) time.Time { return time.Date(2021, 10, day, h, m, 0, 0, time.UTC) }
	ca, cb := newClock(at(18, 23, 30)), newClock(at(18, 23, 30))
	a := openTest(t, path, ca, WithSchedule(Hourly()))
	b := openTest(t, path, cb, WithSchedule(Hourly()))
	writeLine(t, a, "a1")
	writeLine(t, b, "b1")
	ca.Set(at(19, 0, 10))
	writeLine(t, a, "a2") // rolls over: T23 is archived
	ca.Set(at(18, 23, 10))
	writeLine(t, a, "a3") // an hour back: no rollover, into the live file
	cb.Set(at(18, 23, 40))
	writeLine(t, b, "b2") // b's clock says 23h: the archive of 23h, through its old descriptor
	c := openTest(t, path, newClock(at(18, 22, 50)), WithSchedule(Hourly()))
	writeLine(t, c, "c1") // opens an hour behind: adopts the live file
	ca.Set(at(19, 0, 20))
	writeLine(t, a, "a4") // forward again: still the same period, no rollover
	cb.Set(at(19, 0, 30))
	writeLine(t, b, "b3") // b catches up: reopens, does not rename again
	assert.Equal(t, map[string]string{
		"error.log.2021-10-18T23": "a1\nb1\nb2\n",
		"error.log":               "a2\na3\nc1\na4\nb3\n",
	}, files(t, dir))

	// Rotate while the clock is an hour behind the live file's period:
	// the file is archived under its own period, not the clock's, and the
	// archive of the clock's period is not touched.
	ca.Set(at(18, 23, 50))
	require.NoError(t, a.Rotate())
	writeLine(t, a, "a5") // the clock's period: 23h
	ca.Set(at(19, 0, 40))
	writeLine(t, a, "a6") // 00h: the 23h file is archived under the next free name
	assert.Equal(t, map[string]string{
		"error.log.2021-10-18T23":   "a1\nb1\nb2\n",
		"error.log.2021-10-19T00":   "a2\na3\nc1\na4\nb3\n",
		"error.log.2021-10-18T23.1": "a5\n",
		"error.log":                 "a6\n",
	}, files(t, dir))

	// A jump forward by days: one archive, named for the period of the file.
	ca.Add(5 * 24 * time.Hour)
	writeLine(t, a, "a7")
	writeLine(t, b, "b4") // b's clock is days behind a's: into the archive of its period (00h)
	assert.Equal(t, map[string]string{
		"error.log.2021-10-18T23":   "a1\nb1\nb2\n",
		"error.log.2021-10-19T00":   "a2\na3\nc1\na4\nb3\nb4\n",
		"error.log.2021-10-18T23.1": "a5\n",
		"error.log.2021-10-19T00.1": "a6\n",
		"error.log":                 "a7\n",
	}, files(t, dir))
}
