//go:build linux

package slogrotate

// Writes cut by SIGKILL (issue 15). Linux stops a write(2) between page
// sized chunks when a fatal signal is pending and keeps what it wrote, so
// a process killed in the middle of a batch leaves a prefix of it at the
// end of the file. These tests kill writer processes in a loop and read
// every file back.

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/slogrotate/slogrotate/internal/logcheck"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// recordStart begins every record a fault child writes.
var recordStart = []byte(`{"w":`)

// wholeRecord reports whether line, newline included, is one whole record.
func wholeRecord(line []byte) bool {
	_, ok := logcheck.Parse(line)
	return ok && bytes.HasSuffix(line, []byte("\n"))
}

// killLoop starts writers fault children on path that write until
// conf.until and, while more than half a second is left, SIGKILLs a random
// one every 0.5 to 1.5 pauses and starts a replacement under a new id.
// Then it waits for the survivors, which Close (writing out their
// buffers) at conf.until. It returns every child started and the ids of
// those killed.
func killLoop(t *testing.T, path string, conf faultConf, writers int, pause time.Duration) ([]*faultProc, map[int]bool) {
	t.Helper()
	var procs []*faultProc
	live := map[int]*faultProc{}
	spawn := func() {
		p := startFault(t, path, len(procs), conf)
		procs = append(procs, p)
		live[p.id] = p
	}
	for range writers {
		spawn()
	}
	killed := map[int]bool{}
	for {
		wait := pause/2 + rand.N(pause)
		if time.Until(conf.until) < wait+500*time.Millisecond {
			break
		}
		time.Sleep(wait)
		ids := make([]int, 0, len(live))
		for id := range live {
			ids = append(ids, id)
		}
		sort.Ints(ids)
		victim := live[ids[rand.IntN(len(ids))]]
		victim.cmd.Process.Kill()
		<-victim.exited
		delete(live, victim.id)
		killed[victim.id] = true
		spawn()
	}
	for _, p := range live {
		p.finish(t, 30*time.Second)
	}
	return procs, killed
}

// faultErrs counts the errors the children reported, by kind.
func faultErrs(procs []*faultProc) map[string]int {
	errs := map[string]int{}
	for _, p := range procs {
		p.mu.Lock()
		for _, e := range p.errs {
			errs[errKind(e)]++
		}
		p.mu.Unlock()
	}
	return errs
}

// TestMeasureKilledWrites measures how often a write cut by SIGKILL glues
// its fragment to a record whose write completed, for batches and single
// records of several sizes. SLOGROTATE_TEARS is how long each configuration
// runs (e.g. 10s); SLOGROTATE_TEARS_FS=tmpfs runs it on a tmpfs mounted for
// it (as root) instead of the temporary directory. Eight busy writers (no
// pause between records, so that a kill lands in a write as often as it
// can) on a one-second schedule, one killed every 10 to 30 ms. Archives
// are counted and removed as the run goes, which bounds the space it
// takes. It fails if any line is neither a record nor a fragment of a cut
// write, and if a fragment is glued to a whole record in a configuration
// where the writer looks for fragments (batches, records of 4 KiB or
// more); with small unbuffered records it only reports the rate.
func TestMeasureKilledWrites(t *testing.T) {
	spec := os.Getenv("SLOGROTATE_TEARS")
	if spec == "" {
		t.Skip("set SLOGROTATE_TEARS to a duration (e.g. 10s) to measure cut writes")
	}
	dur, err := time.ParseDuration(spec)
	require.NoError(t, err, "SLOGROTATE_TEARS")
	for _, c := range []struct {
		name  string
		conf  faultConf
		looks bool // the writer looks for a fragment before every write
	}{
		{"buffer=64KiB", faultConf{opts: ",buffer=65536"}, true},
		{"buffer=4KiB", faultConf{opts: ",buffer=4096"}, true},
		{"record=180B", faultConf{}, false},
		{"record=16KiB", faultConf{bigEvery: 1, bigSize: 16 << 10}, true},
		{"record=256KiB", faultConf{bigEvery: 1, bigSize: 256 << 10}, true},
		{"record=180B+64KiB", faultConf{bigEvery: 200, bigSize: 64 << 10}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir, fs := tempDir(t), "ext4"
			if os.Getenv("SLOGROTATE_TEARS_FS") == "tmpfs" {
				dir, fs = mountTmpfs(t, "size=8g"), "tmpfs"
			}
			conf := c.conf
			conf.opts = "every=1s,locktimeout=1s" + conf.opts
			conf.until = time.Now().Add(dur)
			var tally tearTally
			stop := make(chan struct{})
			swept := make(chan struct{})
			go func() {
				defer close(swept)
				for {
					select {
					case <-stop:
						return
					case <-time.After(250 * time.Millisecond):
					}
					tally.sweep(t, dir, time.Second)
				}
			}()
			procs, killed := killLoop(t, filepath.Join(dir, "error.log"), conf, 8, 20*time.Millisecond)
			close(stop)
			<-swept
			tally.sweep(t, dir, 0)
			per := func(n int) float64 { return 1000 * float64(n) / float64(len(killed)) }
			t.Logf("%s on %s, %v: processes=%d kills=%d MiB=%d records=%d cut=%d glued=%d (unaligned %d) other=%d: per 1000 kills cut %.1f glued %.1f",
				c.name, fs, dur, len(procs), len(killed), tally.bytes>>20, tally.records, tally.cut+tally.glued, tally.glued, tally.unaligned, tally.other,
				per(tally.cut+tally.glued), per(tally.glued))
			require.NotEmpty(t, killed, "no writer was killed")
			require.Zero(t, tally.other, "lines neither records nor fragments: %v; errors: %v", tally.samples, faultErrs(procs))
			if c.looks {
				require.Zero(t, tally.glued, "records glued to a fragment although the writer looks for one")
			}
		})
	}
}

// tearTally counts the lines of the files it has swept: whole records,
// fragments of a cut write on a line of their own (cut), fragments glued
// to a whole record (and of those, the ones whose record does not start
// at a multiple of 4096, where endFragment looks), and anything else.
type tearTally struct {
	bytes                                 int64
	records, cut, glued, unaligned, other int
	samples                               []string // of the other lines
}

// sweep counts and removes the archives in dir last modified more than
// age ago (no writer appends to them any more), and with age 0 every file
// but the lock files.
func (c *tearTally) sweep(t *testing.T, dir string, age time.Duration) {
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	for _, e := range entries {
		name := filepath.Join(dir, e.Name())
		fi, err := e.Info()
		if err != nil || !fi.Mode().IsRegular() || isLockFile(filepath.Base(name)) ||
			age > 0 && (e.Name() == "error.log" || time.Since(fi.ModTime()) < age) {
			continue
		}
		data, err := os.ReadFile(name)
		require.NoError(t, err)
		c.bytes += int64(len(data))
		off := 0
		for line := range bytes.Lines(data) {
			c.count(line, off)
			off += len(line)
		}
		require.NoError(t, os.Remove(name))
	}
}

// count classifies one line, found at offset off of its file. A line that
// begins a record, holds no other record start and ends as a record ends
// is taken to be whole without parsing it, which is what makes a sweep
// fast.
func (c *tearTally) count(line []byte, off int) {
	if bytes.HasPrefix(line, recordStart) && bytes.HasSuffix(line, []byte("\"}\n")) &&
		bytes.Index(line[1:], recordStart) < 0 {
		c.records++
		return
	}
	if i := bytes.LastIndex(line, recordStart); i > 0 {
		if wholeRecord(line[i:]) {
			c.glued++
			if (off+i)%4096 != 0 {
				c.unaligned++ // endFragment would not look
			}
			return
		}
	}
	if body := bytes.TrimSuffix(line, []byte("\n")); bytes.HasPrefix(body, recordStart) || bytes.HasPrefix(recordStart, body) && len(body) > 0 {
		c.cut++
	} else {
		c.other++
		if len(c.samples) < 3 {
			c.samples = append(c.samples, fmt.Sprintf("%.60q", line))
		}
	}
}

// cutterConf configures a cutter child.
type cutterConf struct {
	Path string
	ID   int
	Opts string // must set a buffer of 1 MiB
}

// runCutterChild is a buffered writer that dies by SIGKILL in the middle
// of writing its one batch: it fills its buffer with records, then flushes it while another thread, already
// spinning, watches the file grow and, once 64 KiB more are in it, sends
// SIGKILL to the process. The write stops at the next page of the file it
// would copy, as a write stops when any SIGKILL arrives during it.
func runCutterChild() int {
	var c cutterConf
	childConf(&c)
	id := c.ID
	// No timer may write the batch out before the cutter does.
	w, err := Open(c.Path, append(childOptions(c.Opts), WithFlushInterval(time.Hour), WithoutIdleRotation())...)
	if err != nil {
		fmt.Fprintln(os.Stderr, "cutter:", err)
		return 2
	}
	var goal atomic.Int64
	go func(fd int) {
		runtime.LockOSThread()
		for goal.Load() == 0 {
		}
		var st unix.Stat_t
		for unix.Fstat(fd, &st) == nil && st.Size < goal.Load() {
		}
		syscall.Kill(os.Getpid(), syscall.SIGKILL)
	}(int(w.fd))
	pad := strings.Repeat("x", 100)
	var rec []byte
	full := func(n int) bool {
		w.mu.Lock()
		defer w.mu.Unlock()
		return len(w.buf)+n > w.bufSize
	}
	for seq := 0; ; seq++ {
		rec = appendRecord(rec[:0], id, seq, time.Now(), pad)
		if full(len(rec)) {
			break // the next record would flush the batch
		}
		w.Write(rec)
	}
	var st unix.Stat_t
	if err := unix.Fstat(int(w.fd), &st); err != nil {
		fmt.Fprintln(os.Stderr, "cutter:", err)
		return 2
	}
	goal.Store(st.Size + 64<<10)
	w.Flush()
	select {} // the SIGKILL, if the write outran it
}

func init() { children["cutter"] = runCutterChild }

// startCutter runs a cutter child on path and waits for its SIGKILL.
func startCutter(t *testing.T, path string, id int, opts string) {
	t.Helper()
	cmd := childCommand(t, "", "cutter", cutterConf{Path: path, ID: id, Opts: opts})
	cmd.Stderr = os.Stderr
	err := cmd.Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("cutter %d did not die by SIGKILL: %v", id, err)
	}
}

// TestKilledBatchLeavesOthersWhole: buffered writers that die by SIGKILL
// in the middle of a batch leave a prefix of it in the file, but the next
// batch any other writer appends starts on a line of its own. Three
// buffered writers write throughout while, one after another, cutters
// (see runCutterChild) die in the middle of a 1 MiB batch. Every record of
// the survivors is whole, once; every torn line is a cutter's fragment,
// none continued by a whole record; and most cutters did leave one.
func TestKilledBatchLeavesOthersWhole(t *testing.T) {
	if testing.Short() {
		t.Skip("forks processes for about six seconds")
	}
	dir := tempDir(t)
	path := filepath.Join(dir, "error.log")
	// The survivors write on for three seconds after the last cutter starts,
	// so that on a loaded machine one of them still writes after the cut.
	conf := faultConf{opts: "locktimeout=1s,buffer=8192", gap: 200 * time.Microsecond, until: time.Now().Add(6 * time.Second)}
	var survivors []*faultProc
	for id := range 3 {
		survivors = append(survivors, startFault(t, path, id, conf))
	}
	size := func() int64 {
		fi, err := os.Stat(path)
		require.NoError(t, err)
		return fi.Size()
	}
	cutters := map[int]bool{}
	for id := 100; id < 140 && time.Until(conf.until) > 3*time.Second; id++ {
		startCutter(t, path, id, "locktimeout=1s,buffer=1048576")
		cutters[id] = true
		// The next write is a survivor's batch, not the next cutter's:
		// two cut writes in a row leave two fragments on one line, which
		// only the writer of a third could separate.
		left := size()
		waitUntil(t, 5*time.Second, "a survivor's batch after the cut one", func() bool { return size() > left })
	}
	for _, p := range survivors {
		p.finish(t, 30*time.Second)
	}

	s := scanDir(t, dir)
	missing, dup := 0, 0
	for _, p := range survivors {
		m, d := s.Account(p.id, p.n, p.lost)
		missing, dup = missing+m, dup+d
	}
	for id := range cutters {
		m, d := s.Account(id, -1, nil)
		missing, dup = missing+m, dup+d
	}
	cut := s.FragmentsBy(cutters)
	t.Logf("cutters=%d cut=%d glued=%d torn=%d records=%d missing=%d duplicated=%d",
		len(cutters), cut, s.Glued, s.Torn, s.Records, missing, dup)
	require.Zero(t, s.Glued, "fragments continued by a whole record: %v", s.Problems)
	require.Zero(t, missing+dup, "%v", s.Problems)
	require.Equal(t, s.Torn, cut, "torn lines that are no cutter's fragment: %v", s.Problems)
	require.GreaterOrEqual(t, cut, len(cutters)/4, "too few batches were cut: the test did not exercise the repair")
}
