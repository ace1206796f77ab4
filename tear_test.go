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
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// wholeRecord parses a line written by a fault child, newline included.
func wholeRecord(line []byte) (itRecord, bool) {
	if !bytes.HasSuffix(line, []byte("\n")) {
		return itRecord{}, false
	}
	return parseRecord(line)
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

// recordStart begins every record a fault child writes.
var recordStart = []byte(`{"w":`)

// tornLine counts a line that is not a whole record. A line that ends
// with a whole record after something else is glued: a cut write's
// fragment continued by a record whose write completed, which is then
// lost although it was written. Any other torn line that begins as a
// record does is a fragment, counted by the writer whose record it begins
// (-1 if the fragment is too short to name it); what is left is foreign.
func (s *logScan) tornLine(file string, line []byte) {
	s.torn++
	if i := bytes.LastIndex(line, recordStart); i > 0 {
		if _, ok := wholeRecord(line[i:]); ok {
			s.glued++
			s.problem("%s: a fragment glued to a whole record: %.80q ... %.120q", file, line[:min(i, 80)], line[i:])
			return
		}
	}
	body := bytes.TrimSuffix(line, []byte("\n"))
	rest, ok := bytes.CutPrefix(body, recordStart)
	if !ok && !bytes.HasPrefix(recordStart, body) {
		s.foreign++
		s.problem("%s: torn line %.100q", file, line)
		return
	}
	w := -1
	if i := bytes.IndexByte(rest, ','); i > 0 {
		if n, err := strconv.Atoi(string(rest[:i])); err == nil {
			w = n
		}
	}
	s.fragments[w]++
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

// cutsBy counts the fragments left by the writers in ids.
func (s *logScan) cutsBy(ids map[int]bool) int {
	n := 0
	for w, k := range s.fragments {
		if ids[w] {
			n += k
		}
	}
	return n
}

// TestMeasureKilledWrites measures how often a write cut by SIGKILL glues
// its fragment to a record whose write completed, for batches and single
// records of several sizes. SLOGROTATE_TEARS is how long each configuration
// runs (e.g. 10s); SLOGROTATE_TEARS_FS=tmpfs runs it on a tmpfs mounted for
// it (as root) instead of the temporary directory. Eight busy writers (no
// pause between records, so that a kill lands in a write as often as it
// can) on a one-second schedule, one killed every 10 to 30 ms. Archives
// are counted and removed as the run goes, which bounds the space it
// takes; a run that fills the file system says so (other lines: blanked
// fragments; write errors).
func TestMeasureKilledWrites(t *testing.T) {
	spec := os.Getenv("SLOGROTATE_TEARS")
	if spec == "" {
		t.Skip("set SLOGROTATE_TEARS to a duration (e.g. 10s) to measure cut writes")
	}
	dur, err := time.ParseDuration(spec)
	require.NoError(t, err, "SLOGROTATE_TEARS")
	for _, c := range []struct {
		name string
		conf faultConf
	}{
		{"buffer=64KiB", faultConf{opts: ",buffer=65536"}},
		{"buffer=4KiB", faultConf{opts: ",buffer=4096"}},
		{"record=180B", faultConf{}},
		{"record=16KiB", faultConf{bigEvery: 1, bigSize: 16 << 10}},
		{"record=256KiB", faultConf{bigEvery: 1, bigSize: 256 << 10}},
		{"record=180B+64KiB", faultConf{bigEvery: 200, bigSize: 64 << 10}},
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
			if tally.other > 0 {
				t.Logf("other lines: %v; errors: %v", tally.samples, faultErrs(procs))
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
		if err != nil || !fi.Mode().IsRegular() || filepath.Ext(name) == ".lock" ||
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
		if _, ok := wholeRecord(line[i:]); ok {
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

// runCutterChild is a buffered writer that dies by SIGKILL in the middle
// of writing its one batch: it fills its buffer (SR_OPTS must set one of
// 1 MiB) with records, then flushes it while another thread, already
// spinning, watches the file grow and, once 64 KiB more are in it, sends
// SIGKILL to the process. The write stops at the next page of the file it
// would copy, as a write stops when any SIGKILL arrives during it.
func runCutterChild(string) int {
	path := os.Getenv("SR_PATH")
	id, _ := strconv.Atoi(os.Getenv("SR_ID"))
	w, err := Open(path, childOptions(os.Getenv("SR_OPTS"))...)
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
	for seq := 0; ; seq++ {
		rec = appendRecord(rec[:0], id, seq, time.Now(), pad)
		if len(w.buf)+len(rec) > w.bufSize {
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

func init() { otherChildren["cutter"] = runCutterChild }

// startCutter runs a cutter child on path and waits for its SIGKILL.
func startCutter(t *testing.T, path string, id int, opts string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"=cutter", "SR_PATH="+path, "SR_ID="+strconv.Itoa(id), "SR_OPTS="+opts)
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
		t.Skip("forks processes for about three seconds")
	}
	dir := tempDir(t)
	path := filepath.Join(dir, "error.log")
	conf := faultConf{opts: "locktimeout=1s,buffer=8192", gap: 200 * time.Microsecond, until: time.Now().Add(3 * time.Second)}
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
	for id := 100; id < 140 && time.Until(conf.until) > 500*time.Millisecond; id++ {
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

	s := scanLogDir(t, dir)
	missing, dup := 0, 0
	for _, p := range survivors {
		m, d := s.account(p.id, p.n, p.lost)
		missing, dup = missing+m, dup+d
	}
	for id := range cutters {
		m, d := s.account(id, -1, nil)
		missing, dup = missing+m, dup+d
	}
	cut := s.cutsBy(cutters)
	t.Logf("cutters=%d cut=%d glued=%d torn=%d records=%d missing=%d duplicated=%d",
		len(cutters), cut, s.glued, s.torn, s.records, missing, dup)
	for _, p := range s.problems {
		t.Error(p)
	}
	require.Zero(t, s.glued, "fragments continued by a whole record")
	require.Zero(t, missing+dup)
	require.Equal(t, s.torn, cut+s.fragments[-1], "torn lines that are no cutter's fragment")
	require.GreaterOrEqual(t, cut, len(cutters)/4, "too few batches were cut: the test did not exercise the repair")
}
