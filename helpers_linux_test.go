//go:build linux

package slogrotate

// Helpers of the fault tests (faults_*_test.go) and the chaos soak: the
// fault child, a writer process that they start, stop, kill and run as
// other users. Linux only: it stops itself with tgkill(2).

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/slogrotate/slogrotate/internal/logcheck"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A fault child (role "fault") opens the log at Path with the options in
// Opts (see childOptions) and writes records in logcheck's format, one
// Write each, every Gap, until Until or until it is killed. Every
// BigEvery-th record is padded to BigSize bytes. SIGTERM ends the run
// early, with Close. It reports on standard output:
//
//	ERR <message>     each call of the error handler
//	LOST <seq>        a Write that returned an error (the record is lost)
//	HOLDING           it is about to stop itself (StopAt)
//	STALLING ns       with Stall: the rollover sleeps from ns ...
//	STALLED ns        ... to ns
//	DONE n maxlat-ns unreported
//
// With StopAt set to a stage it raises SIGSTOP on itself the StopSkip+1-th
// time the rollover reaches that stage, while holding whatever lock the
// stage holds. "unreported" counts failed Writes whose error did not reach
// the error handler.
type faultChildConf struct {
	Path     string
	ID       int
	Opts     string
	Gap      time.Duration
	Until    time.Time // zero: until killed
	BigEvery int
	BigSize  int
	StopAt   string
	StopSkip int
	Stall    time.Duration // with StopAt: sleep this long there instead of stopping
}

func init() { children["fault"] = runFaultChild }

func runFaultChild() int {
	var c faultChildConf
	childConf(&c)
	path, id, gap, bigEvery, bigSize := c.Path, c.ID, c.Gap, c.BigEvery, c.BigSize
	out := bufio.NewWriter(os.Stdout)
	var outMu sync.Mutex
	say := func(format string, args ...any) {
		outMu.Lock()
		fmt.Fprintf(out, format+"\n", args...)
		out.Flush()
		outMu.Unlock()
	}
	if at := stage(c.StopAt); at != "" {
		skip := c.StopSkip
		testHook = func(s stage) {
			if s != at {
				return
			}
			if skip--; skip == -1 { // once
				if c.Stall > 0 {
					// A slow file system rather than a stopped process:
					// the rollover takes Stall, and the process runs on.
					say("STALLING %d", time.Now().UnixNano())
					time.Sleep(c.Stall)
					say("STALLED %d", time.Now().UnixNano())
					return
				}
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
	// The writer's clock is the time stamped into the record being written.
	var stamp atomic.Int64
	stamp.Store(time.Now().UnixNano())
	clock := func() time.Time { return time.Unix(0, stamp.Load()) }
	opts := append(childOptions(c.Opts), WithErrorHandler(onError), WithClock(clock))
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
	// SIGTERM ends the run like Until, with Close: a test that stops
	// the child this way checks what Close leaves behind (no compressor's
	// temporary file). Crashes are SIGKILL.
	term := make(chan os.Signal, 1)
	signal.Notify(term, syscall.SIGTERM)
write:
	for ; c.Until.IsZero() || time.Now().Before(c.Until); seq++ {
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
		stamp.Store(now.UnixNano())
		_, err := w.Write(rec)
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

// appendRecord appends a fault child's record: what
// fmt.Appendf(b, `{"w":%d,"seq":%d,"wt":%q,"pad":%q}`+"\n", ...) appends
// for a body of letters, without fmt's cost per byte, so that the write is
// most of what a child writing large records does and a kill often lands
// in it.
func appendRecord(b []byte, id, seq int, now time.Time, body string) []byte {
	b = append(b, `{"w":`...)
	b = strconv.AppendInt(b, int64(id), 10)
	b = append(b, `,"seq":`...)
	b = strconv.AppendInt(b, int64(seq), 10)
	b = append(b, `,"wt":"`...)
	b = now.AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","pad":"`...)
	b = append(b, body...)
	return append(b, "\"}\n"...)
}

func TestAppendRecord(t *testing.T) {
	now := time.Date(2026, 12, 1, 19, 27, 5, 507100000, time.UTC)
	want := fmt.Appendf(nil, `{"w":%d,"seq":%d,"wt":%q,"pad":%q}`+"\n", 12, 3456, now.Format(time.RFC3339Nano), "xxxx")
	require.Equal(t, string(want), string(appendRecord([]byte("junk"), 12, 3456, now, "xxxx")[4:]))
}

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
	stallFrom  time.Time // a stall (faultConf.stall) began and ended
	stallTo    time.Time
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
	stall    time.Duration // with stopAt: sleep this long there instead of stopping
	cred     *syscall.Credential
	exe      string // the test binary to run; os.Args[0] if empty
}

func startFault(t *testing.T, path string, id int, c faultConf) *faultProc {
	t.Helper()
	cmd := childCommand(t, c.exe, "fault", faultChildConf{
		Path: path, ID: id, Opts: c.opts, Gap: c.gap, Until: c.until,
		BigEvery: c.bigEvery, BigSize: c.bigSize, StopAt: c.stopAt, StopSkip: c.stopSkip,
		Stall: c.stall,
	})
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
			case strings.HasPrefix(line, "STALLING "):
				ns, _ := strconv.ParseInt(line[9:], 10, 64)
				p.stallFrom = time.Unix(0, ns)
			case strings.HasPrefix(line, "STALLED "):
				ns, _ := strconv.ParseInt(line[8:], 10, 64)
				p.stallTo = time.Unix(0, ns)
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

// checkArchiveNames checks that every archive of ours is named for the
// period of the first record in it: a file is archived under the period it
// was started in, however long a fault kept it live.
func checkArchiveNames(t *testing.T, dir string, s *logcheck.Report) {
	t.Helper()
	cfg := testConfig(t, childOptions("every=1s")...)
	for name, f := range s.ByFile {
		a, ok := cfg.parseArchive("error.log", name)
		if !ok || len(f.Records) == 0 {
			continue
		}
		first := f.Records[0].WT
		for _, r := range f.Records {
			if r.WT.Before(first) {
				first = r.WT
			}
		}
		if p := cfg.schedule.start(first, time.UTC); !p.Equal(a.period) {
			t.Errorf("archive %s starts with a record of the period %v", name, p)
		}
	}
}

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

// errKind shortens an error message to what kind of error it is.
func errKind(e string) string {
	e = strings.TrimPrefix(e, "slogrotate: ")
	if i := strings.IndexByte(e, ' '); i > 0 {
		e = e[:i]
	}
	return strings.TrimSuffix(e, ":")
}
