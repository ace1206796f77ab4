package slogrotate

// Helpers shared by the test files; this file builds on every platform.
//
// Child processes. Every test that needs another process re-executes the
// test binary in a role: the child is started by childCommand with
// SLOGROTATE_TEST_CHILD=<role> and its configuration, a role-specific
// struct, encoded once as JSON in SLOGROTATE_TEST_CHILD_CONFIG; TestMain
// runs the role's function from children instead of the tests, and exits
// with what it returns. A role registers itself in an init function next
// to the tests that use it.

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slogrotate/slogrotate/internal/logcheck"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	childEnv     = "SLOGROTATE_TEST_CHILD"        // the role
	childConfEnv = "SLOGROTATE_TEST_CHILD_CONFIG" // its configuration, JSON
)

// children holds the child roles by name.
var children = map[string]func() int{}

func TestMain(m *testing.M) {
	if role, ok := os.LookupEnv(childEnv); ok {
		run := children[role]
		if run == nil {
			fmt.Fprintf(os.Stderr, "%s=%q: no such child role\n", childEnv, role)
			os.Exit(2)
		}
		os.Exit(run())
	}
	os.Exit(m.Run())
}

// childCommand returns the command that runs the test binary exe (this
// one if empty) as a child in role, configured by conf.
func childCommand(t testing.TB, exe, role string, conf any) *exec.Cmd {
	t.Helper()
	if _, ok := children[role]; !ok {
		t.Fatalf("no child role %q", role)
	}
	b, err := json.Marshal(conf)
	require.NoError(t, err)
	if exe == "" {
		exe = os.Args[0]
	}
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+role, childConfEnv+"="+string(b))
	return cmd
}

// childConf decodes, in a child, the configuration its parent gave.
func childConf(conf any) {
	if err := json.Unmarshal([]byte(os.Getenv(childConfEnv)), conf); err != nil {
		fmt.Fprintf(os.Stderr, "child %s: %s: %v\n", os.Getenv(childEnv), childConfEnv, err)
		os.Exit(2)
	}
}

// childOptions turns a child's option string ("every=1s,locktimeout=2s")
// into options; the location is always UTC, and without every the
// schedule is Daily. An unknown key or a value that does not parse adds an
// option that makes Open fail, naming it, so that a typo never silently
// tests the defaults.
func childOptions(spec string) []Option {
	opts := []Option{WithLocation(time.UTC)}
	for kv := range strings.SplitSeq(spec, ",") {
		if kv == "" {
			continue
		}
		k, v, _ := strings.Cut(kv, "=")
		o, err := childOption(k, v)
		if err != nil {
			o = []Option{func(c *config) { c.fail("childOptions(%q): %s: %v", spec, kv, err) }}
		}
		opts = append(opts, o...)
	}
	return opts
}

// TestChildOptionsRejectsTypos: a misspelt key or a bad value makes Open
// fail rather than run a child with the defaults.
func TestChildOptionsRejectsTypos(t *testing.T) {
	for _, spec := range []string{"evry=1s", "every=1", "maxsize=1k", "locktimeout=2s,compres=1"} {
		_, err := Open(filepath.Join(t.TempDir(), "error.log"), childOptions(spec)...)
		require.ErrorIs(t, err, ErrInvalidOption, spec)
		require.ErrorContains(t, err, spec)
	}
	w, err := Open(filepath.Join(t.TempDir(), "error.log"), childOptions("every=1s,maxsize=100,compress=1")...)
	require.NoError(t, err)
	require.NoError(t, w.Close())
}

// childOption is the option of one key of childOptions' string.
func childOption(k, v string) ([]Option, error) {
	d, derr := time.ParseDuration(v)
	n, nerr := strconv.ParseInt(v, 10, 64)
	switch k {
	case "every":
		return []Option{WithSchedule(Every(d))}, derr
	case "locktimeout":
		return []Option{WithLockTimeout(d)}, derr
	case "reopen":
		return []Option{WithReopenCheck(d)}, derr
	case "maxsize":
		return []Option{WithMaxSize(n)}, nerr
	case "maxbackups":
		return []Option{WithMaxBackups(int(n))}, nerr
	case "compress":
		return []Option{WithCompress()}, nil
	case "compressor": // the test compressor fastGzip
		return []Option{WithCompressor(fastGzip{})}, nil
	case "keepuncompressed":
		return []Option{WithKeepUncompressed(int(n))}, nerr
	case "maxtotal":
		return []Option{WithMaxTotalSize(n)}, nerr
	case "archivedir":
		return []Option{WithArchiveDir(v)}, nil
	case "keepext":
		return []Option{WithKeepExtension()}, nil
	case "lockfile":
		return []Option{WithLockFile(v)}, nil
	case "buffer":
		return []Option{WithBuffer(int(n)), WithFlushInterval(50 * time.Millisecond)}, nerr
	case "header": // a header line that logcheck recognises
		return []Option{WithHeader([]byte(logcheck.HeaderMark + v))}, nil
	}
	return nil, errors.New("unknown key")
}

// copyFile copies a file, such as the test binary for a child that runs
// as another user (go test keeps it in a private directory).
func copyFile(t *testing.T, from, to string, mode fs.FileMode) {
	t.Helper()
	in, err := os.Open(from)
	require.NoError(t, err)
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, mode)
	require.NoError(t, err)
	_, err = io.Copy(out, in)
	require.NoError(t, err)
	require.NoError(t, out.Close())
}

// ---------------------------------------------------------------------------
// Writers in the test process.

// fakeClock is a settable clock shared by writers in one test.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock(t time.Time) *fakeClock { return &fakeClock{t: t} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

func (c *fakeClock) Add(d time.Duration) { c.Set(c.Now().Add(d)) }

var day1 = time.Date(2021, 10, 18, 10, 0, 0, 0, time.UTC)

// errCollector gathers what a writer reports.
type errCollector struct {
	mu   sync.Mutex
	errs []error
}

func (e *errCollector) handle(err error) {
	e.mu.Lock()
	e.errs = append(e.errs, err)
	e.mu.Unlock()
}

func (e *errCollector) all() []error {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]error(nil), e.errs...)
}

// openTest opens a Writer for a test and closes it when the test ends.
// Its defaults: the location is UTC, the clock is clock (a new one at
// day1 if nil), and any error reaches t.Errorf. opts come after the
// defaults, so an option given replaces its default.
func openTest(t *testing.T, path string, clock *fakeClock, opts ...Option) *Writer {
	t.Helper()
	if clock == nil {
		clock = newClock(day1)
	}
	base := []Option{WithLocation(time.UTC), WithClock(clock.Now), WithErrorHandler(func(err error) { t.Errorf("unexpected error: %v", err) })}
	w, err := Open(path, append(base, opts...)...)
	require.NoError(t, err)
	t.Cleanup(func() { w.Close() })
	return w
}

// openCollecting is openTest for a test that expects errors: they are
// collected, for the test to check, instead of failing it.
func openCollecting(t *testing.T, path string, clock *fakeClock, opts ...Option) (*Writer, *errCollector) {
	t.Helper()
	errs := &errCollector{}
	return openTest(t, path, clock, append([]Option{WithErrorHandler(errs.handle)}, opts...)...), errs
}

func writeLine(t *testing.T, w *Writer, s string) {
	t.Helper()
	n, err := w.Write([]byte(s + "\n"))
	require.NoError(t, err)
	require.Equal(t, len(s)+1, n)
}

// files returns the names in dir with their contents, lock file excluded.
func files(t *testing.T, dir string) map[string]string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	out := map[string]string{}
	for _, e := range entries {
		if isLockFile(e.Name()) {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		require.NoError(t, err)
		out[e.Name()] = string(b)
	}
	return out
}

func gunzip(t *testing.T, path string) string {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	zr, err := gzip.NewReader(f)
	require.NoError(t, err)
	b, err := io.ReadAll(zr)
	require.NoError(t, err)
	return string(b)
}

// testConfig is the configuration Open would make of opts, in UTC.
func testConfig(t *testing.T, opts ...Option) *config {
	t.Helper()
	c := defaultConfig()
	c.loc = time.UTC
	for _, o := range opts {
		o(&c)
	}
	require.NoError(t, c.check("/logs/error.log"))
	return &c
}

func names(as []archiveName) []string {
	var out []string
	for _, a := range as {
		out = append(out, a.name)
	}
	sort.Strings(out)
	return out
}

// tempDir is t.TempDir without its cleanup's quirks under Wine, where
// removing the directory fails with "Invalid function".
func tempDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "slogrotate-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// ---------------------------------------------------------------------------
// A log's directory.

func archiveNames(t *testing.T, path string) map[string]bool {
	t.Helper()
	entries, err := os.ReadDir(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	base := filepath.Base(path)
	names := map[string]bool{}
	for _, e := range entries {
		if n := e.Name(); strings.HasPrefix(n, base+".") && !isLockFile(n) {
			names[n] = true
		}
	}
	return names
}

func indexSuffix(name string) bool {
	i := strings.LastIndexByte(name, '.')
	_, err := strconv.Atoi(name[i+1:])
	return err == nil
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

// periodFunc is the schedule's periods, named as the archives are, for
// logcheck.
func periodFunc(s Schedule, loc *time.Location) logcheck.Period {
	return func(t time.Time) (time.Time, string) {
		start, _ := s.Period(t, loc)
		return start, start.Format(s.Layout())
	}
}

// scanDir reads every file in dir back with logcheck (but lock files and
// the ballast of the disk-full tests).
func scanDir(t *testing.T, dir string) *logcheck.Report {
	t.Helper()
	r, err := logcheck.ScanDir(dir, func(name string) bool { return name == "ballast" })
	require.NoError(t, err)
	return r
}

// checkLog is logcheck.Check on the log at path with a one-second
// schedule in UTC, every problem an error, and a fatal one if anything is
// not accounted for.
func checkLog(t *testing.T, path string, want map[int]int) *logcheck.Report {
	t.Helper()
	rep, err := logcheck.Check(path, periodFunc(Every(time.Second), time.UTC), want)
	require.NoError(t, err)
	t.Log(rep)
	for _, p := range rep.Problems {
		t.Error(p)
	}
	require.True(t, rep.OK(), "records not accounted for: %v", rep)
	return rep
}

// finalSweep opens the log once more, as the next process to use it
// would, and waits until its janitor has brought the archives to the state
// done accepts.
func finalSweep(t *testing.T, path string, done func([]archiveName) bool, opts ...Option) {
	t.Helper()
	w, err := Open(path, append(opts, WithReopenCheck(50*time.Millisecond))...)
	require.NoError(t, err)
	defer w.Close()
	for deadline := time.Now().Add(20 * time.Second); ; {
		var ours []archiveName
		entries, err := os.ReadDir(w.cfg.archiveDirOf(path))
		require.NoError(t, err)
		for _, e := range entries {
			if a, ok := w.cfg.parseArchive(filepath.Base(path), e.Name()); ok {
				ours = append(ours, a)
			}
		}
		if done(ours) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the janitor did not finish: archives %v", names(ours))
		}
		w.janitor.notify("")
		time.Sleep(50 * time.Millisecond)
	}
}

// allCompressed is a finalSweep condition: every archive is compressed.
func allCompressed(as []archiveName) bool {
	for _, a := range as {
		if !a.compressed {
			return false
		}
	}
	return true
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

// ---------------------------------------------------------------------------
// More writers and files in the test process.

// openHandlerTest opens a Writer at path with opts, closed at the end of
// the test.
func openHandlerTest(t *testing.T, path string, opts ...Option) *Writer {
	t.Helper()
	w, err := Open(path, opts...)
	require.NoError(t, err)
	t.Cleanup(func() { w.Close() })
	return w
}

// content is the file at path.
func content(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(b)
}

// ---------------------------------------------------------------------------
// Platforms.

const isWindows = runtime.GOOS == "windows"

// wineVersion is the version of Wine the Windows test binary runs under,
// and empty everywhere else. windows_test.go sets it: from the ntdll.dll
// export wine_get_version, which only Wine has, or else from
// SLOGROTATE_UNDER_WINE, which .ci/wine/run-windows-tests.sh sets.
var wineVersion string

// wineSerialized is set in the processes of TestWindowsMultiProcessUnderWine,
// which serializes appends so that the multi-process tests can run under
// Wine at all.
var wineSerialized bool

// Points where Wine 8.0 does not behave as Windows does. A test that
// depends on one of them is skipped under Wine with skipUnderWine and the
// point, never passed silently. docs/platforms.md lists them.
const (
	// wineAppend: the multi-process tests write from many processes at
	// once and require every record whole and present.
	wineAppend = "does not append atomically across handles: concurrent WriteFile calls on FILE_APPEND_DATA handles " +
		"from several processes overwrite each other (4 processes x 2000 lines lose 20-30%, and records are torn); " +
		"real Windows appends each call whole, as Unix does with O_APPEND. " +
		"TestWindowsProcessesTakeTurns checks the protocol with real processes that do not append at the same time"

	// wineLocks: the state lives from byte 1 of the lock file because
	// Windows forbids other handles to touch byte 0 while it is locked.
	wineLocks = "does not make LockFileEx locks mandatory: another handle, in this process or another, " +
		"reads and writes a locked byte; real Windows fails with ERROR_LOCK_VIOLATION"

	// wineSymlink: the symlink tests need a link to exist.
	wineSymlink = "does not create symbolic links: CreateSymbolicLinkW reports success and creates nothing"
)

// skipUnderWine skips t under Wine, naming the point where Wine differs
// from Windows. SLOGROTATE_WINE_NOSKIP=1 runs the test anyway, to see how
// it fails.
func skipUnderWine(t *testing.T, point string) {
	t.Helper()
	if point == wineAppend && wineSerialized {
		return // TestWindowsMultiProcessUnderWine runs it with appends serialized
	}
	if wineVersion != "" && os.Getenv("SLOGROTATE_WINE_NOSKIP") != "1" {
		t.Skipf("Wine %s %s", wineVersion, point)
	}
}

// ---------------------------------------------------------------------------
// The stream writer: a child that writes until its standard input closes.

func init() { children["stream"] = runStreamWriter }

// streamConf configures a stream writer.
type streamConf struct {
	Path    string
	ID      int           // "w" in its records
	Opts    string        // see childOptions
	Pause   time.Duration // between records; 0 means 2ms
	Signals bool          // run HandleSignals and report each signal
}

// runStreamWriter is the child role "stream": it opens a Handler, prints
// READY, writes JSON records {"w":id,"seq":n,"wt":time,...} until its
// standard input is closed, closes the handler and prints "DONE n" for the
// n records it wrote. The writer's clock returns the "wt" of the record
// being written, so the period a record was filed under can be checked
// against it. With Signals it also runs HandleSignals and prints
// "SIGNAL <name> <unix ns> <seq>" after handling each signal, where seq is
// the number of records begun before it: record seq and those after it were
// begun after the signal was handled. (A record whose Write was under way
// while the signal was handled may have gone to either file.)
func runStreamWriter() int {
	var c streamConf
	childConf(&c)
	pause := c.Pause
	if pause == 0 {
		pause = 2 * time.Millisecond
	}
	var stamp atomic.Int64 // UnixNano of the record being written
	stamp.Store(time.Now().UnixNano())
	clock := func() time.Time { return time.Unix(0, stamp.Load()) }
	opts := append(childOptions(c.Opts), WithClock(clock))
	w, err := Open(c.Path, opts...)
	if err != nil {
		fmt.Fprintln(os.Stderr, "writer:", err)
		return 2
	}
	var seq atomic.Int64 // records begun
	if c.Signals {
		signalHook = func(sig os.Signal, err error) {
			if err != nil {
				fmt.Fprintln(os.Stderr, "writer: signal:", err)
			}
			fmt.Printf("SIGNAL %s %d %d\n", strings.ReplaceAll(sig.String(), " ", "-"), time.Now().UnixNano(), seq.Load())
		}
		stop := HandleSignals(w, nil)
		defer stop()
	}
	stopped := make(chan struct{})
	go func() {
		io.Copy(io.Discard, os.Stdin)
		close(stopped)
	}()
	fmt.Println("READY")

	log := slog.New(NewJSONHandler(w, nil))
	pad := strings.Repeat("x", 60)
	big := strings.Repeat("y", 16<<10) // spans pages: must stay whole too
	for n := int64(0); ; n++ {
		select {
		case <-stopped:
			if err := w.Close(); err != nil {
				fmt.Fprintln(os.Stderr, "writer:", err)
				return 2
			}
			fmt.Println("DONE", n)
			return 0
		default:
		}
		body := pad
		if n%300 == 17 {
			body = big
		}
		now := time.Now()
		stamp.Store(now.UnixNano())
		seq.Store(n + 1)
		log.LogAttrs(context.Background(), slog.LevelInfo, "record",
			slog.Int("w", c.ID), slog.Int64("seq", n), slog.Time("wt", now), slog.String("pad", body))
		time.Sleep(pause)
	}
}

// streamChild is a running stream writer.
type streamChild struct {
	id      int
	cmd     *exec.Cmd
	stdin   io.WriteCloser
	ready   chan struct{}
	signals chan string   // its SIGNAL lines
	exited  chan struct{} // closed when its standard output ends
	done    int           // from DONE n; -1 until then
	stderr  bytes.Buffer
}

// startWriters starts one stream writer per id, configured by conf (its
// ID set for each), and returns once every one has opened the log. The
// processes are killed at the end of the test if they are still running.
func startWriters(t *testing.T, ids []int, conf streamConf) []*streamChild {
	t.Helper()
	var started []*streamChild
	for _, id := range ids {
		c := &streamChild{id: id, ready: make(chan struct{}), signals: make(chan string, 64), exited: make(chan struct{}), done: -1}
		conf.ID = id
		c.cmd = childCommand(t, "", "stream", conf)
		c.cmd.Stderr = &c.stderr
		stdin, err := c.cmd.StdinPipe()
		if err != nil {
			t.Fatal(err)
		}
		stdout, err := c.cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		c.stdin = stdin
		if err := c.cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			select {
			case <-c.exited:
			default:
				c.cmd.Process.Kill()
				<-c.exited
			}
		})
		go func() {
			defer close(c.exited)
			sc := bufio.NewScanner(stdout)
			for sc.Scan() {
				line := sc.Text()
				switch {
				case line == "READY":
					close(c.ready)
				case strings.HasPrefix(line, "DONE "):
					c.done, _ = strconv.Atoi(strings.TrimPrefix(line, "DONE "))
				case strings.HasPrefix(line, "SIGNAL "):
					c.signals <- strings.TrimPrefix(line, "SIGNAL ")
				}
			}
			c.cmd.Wait()
		}()
		started = append(started, c)
	}
	for _, c := range started {
		select {
		case <-c.ready:
		case <-c.exited:
			t.Fatalf("writer %d exited before it was ready: %s", c.id, c.stderr.String())
		case <-time.After(time.Minute):
			t.Fatalf("writer %d not ready after a minute", c.id)
		}
	}
	return started
}

// stopWriters closes every writer's standard input, waits for it to exit
// and returns how many records each wrote.
func stopWriters(t *testing.T, writers []*streamChild) map[int]int {
	t.Helper()
	for _, c := range writers {
		c.stdin.Close()
	}
	want := map[int]int{}
	for _, c := range writers {
		select {
		case <-c.exited:
		case <-time.After(time.Minute):
			t.Fatalf("writer %d did not stop within a minute", c.id)
		}
		if c.done < 0 || !c.cmd.ProcessState.Success() {
			t.Fatalf("writer %d failed (%v): %s", c.id, c.cmd.ProcessState, c.stderr.String())
		}
		if s := c.stderr.String(); s != "" {
			t.Errorf("writer %d reported errors:\n%s", c.id, s)
		}
		want[c.id] = c.done
	}
	return want
}

// markerWriter is the test's own Writer on the log. It writes marker
// records (writer -1) whose arrival at a consumer shows that the consumer
// has read everything written to the file before them.
type markerWriter struct {
	w     *Writer
	stamp atomic.Int64
	seq   int
}

func openMarker(t *testing.T, path, opts string) *markerWriter {
	t.Helper()
	m := &markerWriter{}
	m.stamp.Store(time.Now().UnixNano())
	w, err := Open(path, append(childOptions(opts), WithClock(func() time.Time { return time.Unix(0, m.stamp.Load()) }))...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	m.w = w
	return m
}

// write writes the next marker and returns its sequence number.
func (m *markerWriter) write(t *testing.T) int {
	t.Helper()
	now := time.Now()
	m.stamp.Store(now.UnixNano())
	line := fmt.Sprintf(`{"w":-1,"seq":%d,"wt":%q}`+"\n", m.seq, now.UTC().Format(time.RFC3339Nano))
	if _, err := m.w.Write([]byte(line)); err != nil {
		t.Fatal(err)
	}
	m.seq++
	return m.seq - 1
}

// checkParses checks what c.parseArchive makes of each name (for the log
// named base): nil where it must not parse, otherwise the period, index
// and compression it must give.
func checkParses(t *testing.T, c *config, base string, want map[string]*archiveName) {
	t.Helper()
	for name, w := range want {
		got, ok := c.parseArchive(base, name)
		if w == nil {
			assert.False(t, ok, name)
			continue
		}
		if assert.True(t, ok, name) {
			assert.True(t, w.period.Equal(got.period), name)
			assert.Equal(t, w.index, got.index, name)
			assert.Equal(t, w.compressed, got.compressed, name)
		}
	}
}

func parseAll(c *config, list ...string) []archiveName {
	var as []archiveName
	for _, n := range list {
		if a, ok := c.parseArchive("error.log", n); ok {
			as = append(as, a)
		}
	}
	slices.SortFunc(as, oldestFirst) // as a janitor keeps them
	return as
}

// fastGzip is a compressor as a user would plug one in, other than the
// built-in: gzip at level 1 under the extension ".fgz". The main module
// cannot depend on zstd (examples/zstd does), so the plumbing of
// WithCompressor is tested with this one: every place that must not assume
// ".gz" sees another extension.
type fastGzip struct{}

func (fastGzip) Extension() string { return ".fgz" }

func (fastGzip) NewWriter(w io.Writer) (io.WriteCloser, error) {
	return gzip.NewWriterLevel(w, gzip.BestSpeed)
}

// sweepJanitor is a janitor of dir/error.log without its goroutine, for
// tests that call sweep themselves.
func sweepJanitor(tb testing.TB, dir string, opts ...Option) *janitor {
	tb.Helper()
	c := defaultConfig()
	c.loc = time.UTC
	c.onError = func(err error) { tb.Errorf("unexpected error: %v", err) }
	for _, o := range opts {
		o(&c)
	}
	path := filepath.Join(dir, "error.log")
	require.NoError(tb, c.check(path))
	roll, err := openLock(c.lockPath, c.mode)
	require.NoError(tb, err)
	j := &janitor{path: path, cfg: &c, maintPath: c.maintPath, rolloverLock: roll, stop: make(chan struct{})}
	tb.Cleanup(func() {
		if j.maint != nil {
			j.maint.release()
		}
		roll.release()
	})
	return j
}

// childSpec describes one child writer.
type childSpec struct {
	id int
	// plan lists the windows, in milliseconds after the common start, in
	// which the child writes; it opens its writer at the start of the first
	// and exits after the last.
	plan [][2]int
	// hang, if set, makes the child stop at that stage of its first
	// rollover ("locked" or "renamed") or compression ("compressing"),
	// print HOLDING, and wait to be killed.
	hang string
	// killAt, if positive, is when the parent kills the child with SIGKILL.
	killAt time.Duration
	opts   string // extra options, see childOptions
}

// The multi-process tests' child role "writer" is told what to do by a
// planConf and reports on standard output: "HOLDING" when it stops inside
// a rollover on purpose, "DONE n" when it has written n records and closed
// its writer.
func init() { children["writer"] = runChild }

// planConf is a childSpec as the child gets it.
type planConf struct {
	Path  string
	ID    int
	Start time.Time
	Plan  [][2]int
	Hang  string
	Opts  string
}

func runChild() int {
	var c planConf
	childConf(&c)
	id, start, plan := c.ID, c.Start, c.Plan
	if hang := stage(c.Hang); hang != "" {
		testHook = func(s stage) {
			if s == hang {
				fmt.Println("HOLDING")
				select {} // until the parent's SIGKILL
			}
		}
	}
	at := func(ms int) time.Time { return start.Add(time.Duration(ms) * time.Millisecond) }
	time.Sleep(time.Until(at(plan[0][0])))

	// The writer's clock returns the instant stamped into the record being
	// written, so that the file a record lands in can be checked against
	// the time the writer used to choose it.
	var now atomic.Int64 // read by the writer's background goroutine too
	clock := func() time.Time { return time.Unix(0, now.Load()) }
	opts := append(childOptions(c.Opts), WithClock(clock))
	now.Store(time.Now().UnixNano())
	w, err := Open(c.Path, opts...)
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 2
	}
	log := slog.New(NewJSONHandler(w, nil))
	pad := strings.Repeat("x", 60)
	big := strings.Repeat("y", 64<<10)
	seq := 0
	for _, win := range plan {
		time.Sleep(time.Until(at(win[0])))
		for end := at(win[1]); time.Now().Before(end); seq++ {
			body := pad
			if seq%250 == 7 {
				body = big // large records must stay whole too
			}
			now.Store(time.Now().UnixNano())
			log.LogAttrs(context.Background(), slog.LevelInfo, "record",
				slog.Int("w", id), slog.Int("seq", seq), slog.Time("wt", clock()), slog.String("pad", body))
			time.Sleep(2 * time.Millisecond)
		}
	}
	if err := w.Close(); err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 2
	}
	fmt.Println("DONE", seq)
	return 0
}

// eightWriters runs eight writer children with the options opts, writing
// for 3.5 s from just after the next second starts, and returns how many
// records each acknowledged.
func eightWriters(t *testing.T, path, opts string) map[int]int {
	t.Helper()
	start := time.Now().Truncate(time.Second).Add(1200 * time.Millisecond)
	var specs []childSpec
	for i := range 8 {
		specs = append(specs, childSpec{id: i, plan: [][2]int{{0, 3500}}, opts: opts})
	}
	return runChildren(t, path, start, specs)
}

// runChildren starts every child at once, kills those with killAt or a
// hang when due, and returns how many records each reported (-1 if killed).
func runChildren(t *testing.T, path string, start time.Time, specs []childSpec) map[int]int {
	t.Helper()
	var (
		mu   sync.Mutex
		want = map[int]int{}
		wg   sync.WaitGroup
	)
	for _, c := range specs {
		cmd := childCommand(t, "", "writer", planConf{Path: path, ID: c.id, Start: start, Plan: c.plan, Hang: c.hang, Opts: c.opts})
		cmd.Stderr = os.Stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		if c.killAt > 0 {
			timer := time.AfterFunc(time.Until(start.Add(c.killAt)), func() { cmd.Process.Kill() })
			defer timer.Stop()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			n, killed := -1, false
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				line := sc.Text()
				switch {
				case line == "HOLDING":
					cmd.Process.Kill()
					killed = true
				case strings.HasPrefix(line, "DONE "):
					n, _ = strconv.Atoi(strings.TrimPrefix(line, "DONE "))
				}
			}
			err := cmd.Wait()
			mu.Lock()
			defer mu.Unlock()
			switch {
			case c.hang != "" && !killed:
				t.Errorf("child %d never reached rollover stage %q", c.id, c.hang)
			case c.hang == "" && c.killAt == 0 && (err != nil || n < 0):
				t.Errorf("child %d failed: %v", c.id, err)
			}
			if c.hang != "" || c.killAt > 0 && err != nil {
				n = -1 // killed: its records must be 0..k with no hole
			}
			want[c.id] = n
		}()
	}
	wg.Wait()
	return want
}

// lockPathOf and maintPathOf are the default lock files of the log at path.
func lockPathOf(path string) string {
	lock, _ := lockPaths(path)
	return lock
}

func maintPathOf(path string) string {
	_, maint := lockPaths(path)
	return maint
}

// isLockFile reports whether the base name name is a lock file.
var isLockFile = logcheck.IsLockFile
