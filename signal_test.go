//go:build unix

package slogrotate

import (
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/slogrotate/slogrotate/internal/logcheck"
)

// handled installs a signalHook for the test and returns the channel on
// which it reports each handled signal.
func handled(t *testing.T) <-chan os.Signal {
	t.Helper()
	ch := make(chan os.Signal, 8)
	signalHook = func(sig os.Signal, err error) {
		if err != nil {
			t.Errorf("handling %v: %v", sig, err)
		}
		ch <- sig
	}
	t.Cleanup(func() { signalHook = nil })
	return ch
}

func waitSignal(t *testing.T, ch <-chan os.Signal, want os.Signal) {
	t.Helper()
	select {
	case got := <-ch:
		if got != want {
			t.Fatalf("handled %v, want %v", got, want)
		}
	case <-time.After(time.Minute):
		t.Fatalf("%v not handled within a minute", want)
	}
}

func readFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func writeString(t *testing.T, w io.Writer, s string) {
	t.Helper()
	if _, err := io.WriteString(w, s); err != nil {
		t.Fatal(err)
	}
}

func TestHandleSignalsRotate(t *testing.T) {
	dir := tempDir(t)
	path := filepath.Join(dir, "error.log")
	w, err := Open(path, WithLocation(time.UTC), WithReopenCheck(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	ch := handled(t)
	stop := HandleSignals(w, func(err error) { t.Errorf("error handler: %v", err) })
	defer stop()

	writeString(t, w, "before\n")
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitSignal(t, ch, syscall.SIGHUP)
	writeString(t, w, "after\n")

	archives := archiveNames(t, path)
	if len(archives) != 1 {
		t.Fatalf("want one archive after SIGHUP, got %v", archives)
	}
	for name := range archives {
		if got := readFile(t, filepath.Join(dir, name)); got != "before\n" {
			t.Errorf("archive %s holds %q, want %q", name, got, "before\n")
		}
	}
	if got := readFile(t, path); got != "after\n" {
		t.Errorf("live file holds %q, want %q", got, "after\n")
	}
}

func TestHandleSignalsReopen(t *testing.T) {
	dir := tempDir(t)
	path := filepath.Join(dir, "error.log")
	moved := filepath.Join(dir, "moved.log")
	w, err := Open(path, WithLocation(time.UTC), WithReopenCheck(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	ch := handled(t)
	stop := HandleSignals(w, nil)
	defer stop()

	writeString(t, w, "before\n")
	// As logrotate does (without create): move the file away, then signal.
	if err := os.Rename(path, moved); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGUSR1); err != nil {
		t.Fatal(err)
	}
	waitSignal(t, ch, syscall.SIGUSR1)
	writeString(t, w, "after\n")

	if got := readFile(t, moved); got != "before\n" {
		t.Errorf("moved file holds %q, want %q", got, "before\n")
	}
	if got := readFile(t, path); got != "after\n" {
		t.Errorf("new live file holds %q, want %q", got, "after\n")
	}
	if a := archiveNames(t, path); len(a) != 0 {
		t.Errorf("SIGUSR1 must not archive; archives: %v", a)
	}
}

// TestHandleSignalsStop checks that stop is idempotent, that after it the
// writer no longer acts on the signals, and that a signal arriving after
// Close is not reported as an error.
func TestHandleSignalsStop(t *testing.T) {
	dir := tempDir(t)
	path := filepath.Join(dir, "error.log")
	w, err := Open(path, WithLocation(time.UTC), WithReopenCheck(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	ch := handled(t)
	var reported []error
	stop := HandleSignals(w, func(err error) { reported = append(reported, err) })
	writeString(t, w, "x\n")
	w.Close()
	syscall.Kill(os.Getpid(), syscall.SIGHUP)
	waitSignal(t, ch, syscall.SIGHUP)
	stop()
	stop()
	if len(reported) != 0 {
		t.Errorf("a signal after Close reported %v", reported)
	}

	// Keep the process alive through the next SIGHUP: it must reach only
	// this channel.
	guard := make(chan os.Signal, 1)
	signal.Notify(guard, syscall.SIGHUP)
	defer signal.Stop(guard)
	syscall.Kill(os.Getpid(), syscall.SIGHUP)
	<-guard
	select {
	case sig := <-ch:
		t.Errorf("%v handled after stop", sig)
	default:
	}
	if a := archiveNames(t, path); len(a) != 0 {
		t.Errorf("the log was archived: %v", a)
	}
}

// TestSignalsAcrossProcesses sends SIGHUP, then SIGUSR1 after moving the
// file away, to four writer processes that run HandleSignals, as an
// operator or a postrotate script does: SIGHUP archives the file once, not
// once per process, and after handling either signal no process writes to
// the old file again. The reopen check is an hour, so only the signals can
// explain the switch.
func TestSignalsAcrossProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("forks four writer processes")
	}
	dir := tempDir(t)
	path := filepath.Join(dir, "error.log")
	moved := filepath.Join(dir, "moved.log")
	opts := "reopen=1h,locktimeout=3s"

	// A first record, so that the file is not empty when SIGHUP arrives
	// (an empty file is never archived).
	marker := openMarker(t, path, opts)
	marker.write(t)
	marker.w.Close()

	ids := []int{0, 1, 2, 3}
	writers := startWriters(t, ids, streamConf{Path: path, Opts: opts, Signals: true})
	signalAll := func(sig syscall.Signal) map[int]int {
		t.Helper()
		for _, c := range writers {
			if err := c.cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
		}
		// Each writer reports how many records it had begun when it had
		// handled the signal; all later ones must be in the new file.
		after := map[int]int{}
		for _, c := range writers {
			select {
			case line := <-c.signals:
				f := strings.Fields(line)
				n, _ := strconv.Atoi(f[2])
				after[c.id] = n
			case <-c.exited:
				t.Fatalf("writer %d exited on %v: %s", c.id, sig, c.stderr.String())
			case <-time.After(time.Minute):
				t.Fatalf("writer %d did not handle %v within a minute", c.id, sig)
			}
		}
		return after
	}

	time.Sleep(200 * time.Millisecond) // let them write
	afterHUP := signalAll(syscall.SIGHUP)
	archives := archiveNames(t, path)
	if len(archives) != 1 {
		t.Fatalf("SIGHUP to %d processes: want exactly one archive, got %v", len(writers), archives)
	}
	var archive string
	for name := range archives {
		archive = filepath.Join(dir, name)
	}

	time.Sleep(200 * time.Millisecond)
	if err := os.Rename(path, moved); err != nil {
		t.Fatal(err)
	}
	afterUSR1 := signalAll(syscall.SIGUSR1)
	time.Sleep(200 * time.Millisecond)
	want := stopWriters(t, writers)
	want[-1] = 1

	rep, err := logcheck.ScanDir(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	rep.AccountAll(want)
	t.Log(rep)
	for _, p := range rep.Problems {
		t.Error(p)
	}
	if rep.Blank > 0 {
		t.Errorf("%d blank lines", rep.Blank)
	}
	for _, f := range []struct {
		name  string
		after map[int]int // records from this seq on must not be here
	}{{archive, afterHUP}, {moved, afterUSR1}, {path, nil}} {
		file := rep.ByFile[filepath.Base(f.name)]
		if file == nil {
			t.Errorf("%s: not read", filepath.Base(f.name))
			continue
		}
		bad := 0
		for i, r := range file.Records {
			if n, ok := f.after[r.W]; ok && r.Seq >= n {
				if bad++; bad <= 5 {
					t.Errorf("%s: record w=%d seq=%d written after its writer handled the signal (at seq %d)", file.Places[i], r.W, r.Seq, n)
				}
			}
		}
		t.Logf("%s: %d records", filepath.Base(f.name), len(file.Records))
	}
	if a := archiveNames(t, path); len(a) != 1 {
		t.Errorf("want still one archive, got %v", a)
	}
}
