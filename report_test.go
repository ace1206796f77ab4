package slogrotate

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Reports to OnRotate across processes (report.go): once per archive while
// the processes live, and what a process that closed or died still owed
// made by the next one, again if it died while reporting.

func TestWatermarkRoundTrip(t *testing.T) {
	for _, m := range []watermark{noneReported, {time.Date(2021, 10, 18, 0, 0, 0, 0, time.UTC), 0}, {time.Unix(1e9, 5), 12}} {
		got, err := parseWatermark(m.encode())
		require.NoError(t, err)
		assert.True(t, got.period.Equal(m.period) && got.index == m.index, "%v: got %v", m, got)
	}
	good := string(watermark{time.Unix(100, 0), 1}.encode())
	for _, bad := range []string{"", "\n", good[:len(good)-1], strings.Replace(good, " 1 ", " 2 ", 1), string(seal("slogrotate-reported 1 100 -2")), string(seal("slogrotate-reported 1 0100 1")), string(seal("slogrotate-reported 2 100 1"))} {
		_, err := parseWatermark([]byte(bad))
		assert.ErrorIs(t, err, ErrBadState, "%q", bad)
	}
}

// TestOwed: the archives newer than the watermark, oldest first, an
// archive there plain and compressed once.
func TestOwed(t *testing.T) {
	c := testConfig(t, WithCompress())
	archives := parseAll(c, "error.log.2021-10-16.gz", "error.log.2021-10-18.1", "error.log.2021-10-17",
		"error.log.2021-10-18", "error.log.2021-10-17.1.gz", "error.log.2021-10-17.1", "error.log.2021-10-15")
	slices.SortFunc(archives, oldestFirst)
	m := watermark{time.Date(2021, 10, 16, 0, 0, 0, 0, time.UTC), 0}
	assert.Equal(t, []string{"error.log.2021-10-17", "error.log.2021-10-17.1", "error.log.2021-10-18", "error.log.2021-10-18.1"},
		names(owed(archives, m)))
	assert.Empty(t, owed(archives, newestMark(archives)))
	assert.Len(t, owed(archives, noneReported), 6)
}

// seedWatermark records in the maintenance lock file of the log at path
// that the archive of period and index was the last reported.
func seedWatermark(t *testing.T, path string, period time.Time, index int) {
	t.Helper()
	b := append([]byte{0}, watermark{period, index}.encode()...)
	require.NoError(t, os.WriteFile(maintPathOf(path), b, 0o644))
}

func init() { children["reporter"] = runReporter }

// reporterConf configures a "reporter" child: a Writer with Opts (see
// childOptions) and OnRotate, which appends "done ARCHIVE" to Calls, or
// with Hang, "start ARCHIVE" and then never returns. With Write it writes
// a record every 2ms, else nothing. It closes the Writer at the end of its
// standard input.
type reporterConf struct {
	Path, Opts, Calls string
	Write, Hang       bool
}

func runReporter() int {
	var c reporterConf
	childConf(&c)
	calls, err := os.OpenFile(c.Calls, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	onRotate := func(a string) {
		if c.Hang {
			fmt.Fprintf(calls, "start %s\n", a)
			time.Sleep(time.Hour)
		}
		fmt.Fprintf(calls, "done %s\n", a)
	}
	w, err := Open(c.Path, append(childOptions(c.Opts), WithOnRotate(onRotate))...)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	eof := make(chan struct{})
	go func() {
		io.Copy(io.Discard, os.Stdin)
		close(eof)
	}()
	for n := 0; ; n++ {
		select {
		case <-eof:
			return closeChild(w)
		case <-time.After(2 * time.Millisecond):
		}
		if c.Write {
			fmt.Fprintf(w, "record %d of %d\n", n, os.Getpid())
		}
	}
}

func closeChild(w *Writer) int {
	if err := w.Close(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// A reporter is a running reporter child.
type reporter struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
}

func startReporter(t *testing.T, c reporterConf) *reporter {
	t.Helper()
	cmd := childCommand(t, "", "reporter", c)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	r := &reporter{cmd, stdin}
	t.Cleanup(func() { r.cmd.Process.Kill(); r.cmd.Wait() })
	return r
}

// close ends the child's input and waits for it to close its Writer.
func (r *reporter) close(t *testing.T) {
	t.Helper()
	r.stdin.Close()
	require.NoError(t, r.cmd.Wait())
}

func (r *reporter) kill(t *testing.T) {
	t.Helper()
	require.NoError(t, r.cmd.Process.Kill())
	r.cmd.Wait()
}

// reportCalls returns how often each archive (base name) was reported
// done, and which were started by a child that hung.
func reportCalls(t *testing.T, calls string) (done map[string]int, started []string) {
	t.Helper()
	b, err := os.ReadFile(calls)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	done = map[string]int{}
	for l := range strings.Lines(string(b)) {
		what, a, _ := strings.Cut(strings.TrimSuffix(l, "\n"), " ")
		switch what {
		case "done":
			done[filepath.Base(a)]++
		case "start":
			started = append(started, filepath.Base(a))
		default:
			t.Fatalf("%s: bad line %q", calls, l)
		}
	}
	return done, started
}

// allReported reports whether every archive in dir was reported done, and
// compressed, if compressed.
func allReported(t *testing.T, dir, calls string, compressed bool) bool {
	done, _ := reportCalls(t, calls)
	archives := ourArchives(t, dir)
	for _, a := range archives {
		if done[a] == 0 || compressed && !strings.HasSuffix(a, ".gz") {
			return false
		}
	}
	return len(archives) > 0
}

// checkOncePerArchive checks that every archive in dir was reported done
// once, and nothing else was.
func checkOncePerArchive(t *testing.T, dir, calls string) {
	t.Helper()
	done, _ := reportCalls(t, calls)
	for _, a := range ourArchives(t, dir) {
		assert.Equal(t, 1, done[a], "%s: reports", a)
		delete(done, a)
	}
	assert.Empty(t, done, "reported, but no archive")
}

// atLeastArchives waits until dir holds at least n archives, and returns them.
func atLeastArchives(t *testing.T, dir string, n int) []string {
	t.Helper()
	var archives []string
	waitUntil(t, time.Duration(n)*3*time.Second, fmt.Sprintf("%d archives", n), func() bool {
		archives = ourArchives(t, dir)
		return len(archives) >= n
	})
	return archives
}

// TestOnRotateOnceAcrossProcesses: four processes write one log across
// rollovers and close; a fifth opens it once they have. Every archive is
// reported exactly once, whichever process made, compressed or reported it.
func TestOnRotateOnceAcrossProcesses(t *testing.T) {
	for _, opts := range []string{"every=1s,reopen=200ms", "every=1s,reopen=200ms,compress=1"} {
		t.Run(opts, func(t *testing.T) {
			dir := tempDir(t)
			c := reporterConf{Path: filepath.Join(dir, "error.log"), Opts: opts, Calls: filepath.Join(dir, "calls"), Write: true}
			var rs []*reporter
			for range 4 {
				rs = append(rs, startReporter(t, c))
			}
			atLeastArchives(t, dir, 4)
			for _, r := range rs {
				r.close(t)
			}
			c.Write = false
			last := startReporter(t, c)
			waitUntil(t, 20*time.Second, "every archive reported", func() bool {
				return allReported(t, dir, c.Calls, strings.Contains(opts, "compress"))
			})
			last.close(t)
			checkOncePerArchive(t, dir, c.Calls)
		})
	}
}

// TestOnRotateOwedByAKilledProcess: the process that made an archive is
// killed within its grace period, before the report; the next process to
// open the log reports it (and compresses it first, if compressing).
func TestOnRotateOwedByAKilledProcess(t *testing.T) {
	for _, opts := range []string{"every=1s,reopen=2s", "every=1s,reopen=2s,compress=1"} {
		t.Run(opts, func(t *testing.T) {
			dir := tempDir(t)
			c := reporterConf{Path: filepath.Join(dir, "error.log"), Opts: opts, Calls: filepath.Join(dir, "calls"), Write: true}
			first := startReporter(t, c)
			before := atLeastArchives(t, dir, 1)
			newest := atLeastArchives(t, dir, len(before)+1)
			first.kill(t)
			done, _ := reportCalls(t, c.Calls)
			require.Zero(t, done[newest[len(newest)-1]], "reported within its grace period (4s): the test needs it owed")

			c.Write = false
			next := startReporter(t, c)
			waitUntil(t, 20*time.Second, "every archive reported", func() bool {
				return allReported(t, dir, c.Calls, strings.Contains(opts, "compress"))
			})
			next.close(t)
			checkOncePerArchive(t, dir, c.Calls)
		})
	}
}

// TestOnRotateAgainAfterACrashInIt: a process killed while its OnRotate
// runs leaves that archive to the next process, which reports it again:
// at least once across a crash.
func TestOnRotateAgainAfterACrashInIt(t *testing.T) {
	dir := tempDir(t)
	c := reporterConf{Path: filepath.Join(dir, "error.log"), Opts: "every=1s,reopen=200ms", Calls: filepath.Join(dir, "calls"), Write: true, Hang: true}
	first := startReporter(t, c)
	var started []string
	waitUntil(t, 20*time.Second, "a report started", func() bool {
		_, started = reportCalls(t, c.Calls)
		return len(started) > 0
	})
	first.kill(t)
	require.Len(t, started, 1, "one report at a time")

	c.Write, c.Hang = false, false
	next := startReporter(t, c)
	waitUntil(t, 20*time.Second, "every archive reported", func() bool {
		return allReported(t, dir, c.Calls, false)
	})
	next.close(t)
	checkOncePerArchive(t, dir, c.Calls)
	done, _ := reportCalls(t, c.Calls)
	assert.Equal(t, 1, done[started[0]], "%s, whose report the crash cut", started[0])
}

// TestReportsWaitForAListing: an archive of this process's is reported
// only once a listing made after it has covered the older archives of
// other processes, which are reported first.
func TestReportsWaitForAListing(t *testing.T) {
	dir := tempDir(t)
	path := filepath.Join(dir, "error.log")
	var got []string
	j := sweepJanitor(t, dir, WithReopenCheck(5*time.Millisecond),
		WithOnRotate(func(a string) { got = append(got, filepath.Base(a)) }))
	j.openMaint()
	j.startReports()
	j.listCost = time.Hour // no listing due
	old := time.Now().Add(-time.Hour)
	for _, s := range []string{".2021-10-10", ".2021-10-11"} { // another process's, then this one's
		require.NoError(t, os.WriteFile(path+s, []byte("x\n"), 0o644))
		require.NoError(t, os.Chtimes(path+s, old, old))
	}
	j.notify(path + ".2021-10-11")
	time.Sleep(2 * j.grace())
	j.sweep()
	assert.Empty(t, got, "the 11th reported before the 10th was seen")
	j.listedAt = time.Time{}
	j.sweep() // the listing: both seen, neither covered yet
	j.listCost = 0
	// Where ripeness counts from a janitor's first sight (no change time,
	// as on Windows), the 10th is first seen by that listing.
	time.Sleep(2 * j.grace())
	j.sweep()
	assert.Equal(t, []string{"error.log.2021-10-10", "error.log.2021-10-11"}, got)
}
