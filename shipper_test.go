//go:build linux

package slogrotate

// A real log shipper across rollovers: rsyslog's imfile follows the shared
// log, and what it ships is compared record by record with what the
// writer processes acknowledged. docs/operations.md gives the imfile
// configuration this test runs as the one to use.

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/slogrotate/slogrotate/internal/logcheck"
	"github.com/stretchr/testify/require"
)

// requireRsyslogEnv makes a missing rsyslogd a failure rather than a skip
// (.ci/run sets it).
const requireRsyslogEnv = "SLOGROTATE_REQUIRE_RSYSLOG"

// rsyslogdBinary returns the path of rsyslogd, or skips the test (fails
// it with SLOGROTATE_REQUIRE_RSYSLOG=1).
func rsyslogdBinary(t *testing.T) string {
	t.Helper()
	if path, err := exec.LookPath("rsyslogd"); err == nil {
		return path
	}
	for _, p := range []string{"/usr/sbin/rsyslogd", "/sbin/rsyslogd"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	const msg = "rsyslogd is not installed: apt-get install rsyslog (.ci/integration.sh install does)"
	if os.Getenv(requireRsyslogEnv) == "1" {
		t.Fatalf("%s, and %s=1", msg, requireRsyslogEnv)
	}
	t.Skip(msg)
	return ""
}

// imfileConf is the rsyslog configuration of the test: imfile alone as
// input (no network, no system log socket) in inotify mode, following the
// archives that match the glob archives, and writing each line it reads,
// as it read it, to the file out. rsyslogd's own messages go to its
// standard error.
//
// imfile follows the archives only, not the live file: each archive is a
// file imfile has never seen, which it reads whole from its first byte,
// and goes on reading as long as it exists, so the records that processes
// append after the rename are shipped too, and the deletion that follows
// compression comes after the last of them. Following the live file as
// well ships records earlier but not exactly once (docs/operations.md
// says why). The glob ends in a digit so that it matches the plain
// archives (error.log.<period>[.<index>]) but neither the compressed ones
// (.gz) nor the compressor's temporary files (.gz.tmp).
//
// The main queue is direct, so that a record reaches out in the order
// imfile read it: the test's last marker, read last, shows that everything
// before it was shipped. maxMessageSize is above the largest record the
// writers write (16 KiB); at rsyslog's default, 8k, it would be cut.
func imfileConf(archives, workDir, out string) string {
	return fmt.Sprintf(`global(workDirectory=%q maxMessageSize="64k")
main_queue(queue.type="Direct")
module(load="imfile" mode="inotify")
template(name="line" type="string" string="%%rawmsg%%\n")
ruleset(name="ship") {
  action(type="omfile" file=%q template="line")
}
input(type="imfile" file=%q tag="app" ruleset="ship" addMetadata="off")
`, workDir, out, archives)
}

// rsyslog is a running rsyslogd and what it shipped.
type rsyslog struct {
	cmd    *exec.Cmd
	stderr lockedBuffer
	exited chan struct{}
	out    string // the file its omfile action writes

	// What the test has read of out so far.
	f       *os.File
	partial []byte
	seen    map[logcheck.Key]int
	foreign []string
	marker  int // highest marker seen, -1 if none
}

// startRsyslog starts rsyslogd in the foreground with conf (which must
// write to out), its configuration file and PID file in dir. It is stopped
// at the end of the test if the test has not stopped it.
func startRsyslog(t *testing.T, bin, dir, conf, out string) *rsyslog {
	t.Helper()
	confPath := filepath.Join(dir, "rsyslog.conf")
	require.NoError(t, os.WriteFile(confPath, []byte(conf), 0o644))
	r := &rsyslog{out: out, exited: make(chan struct{}), seen: map[logcheck.Key]int{}, marker: -1}
	r.cmd = exec.Command(bin, "-n", "-f", confPath, "-i", filepath.Join(dir, "rsyslogd.pid"))
	r.cmd.Stdout = &r.stderr
	r.cmd.Stderr = &r.stderr
	require.NoError(t, r.cmd.Start())
	go func() {
		r.cmd.Wait()
		close(r.exited)
	}()
	t.Cleanup(func() {
		r.stop(t)
		if r.f != nil {
			r.f.Close()
		}
	})
	return r
}

// stop stops rsyslogd with SIGTERM and waits for it to exit (killing it
// after ten seconds).
func (r *rsyslog) stop(t *testing.T) {
	t.Helper()
	select {
	case <-r.exited:
		return
	default:
	}
	r.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-r.exited:
		if !r.cmd.ProcessState.Success() {
			t.Errorf("rsyslogd stopped by SIGTERM exited with %v:\n%s", r.cmd.ProcessState, r.stderr.String())
		}
	case <-time.After(10 * time.Second):
		r.cmd.Process.Kill()
		<-r.exited
		t.Errorf("rsyslogd did not stop within 10s of SIGTERM")
	}
}

// read reads what rsyslogd has shipped since the last call.
func (r *rsyslog) read(t *testing.T) {
	t.Helper()
	if r.f == nil {
		f, err := os.Open(r.out)
		if os.IsNotExist(err) {
			return // nothing shipped yet
		}
		require.NoError(t, err)
		r.f = f
	}
	data, err := io.ReadAll(r.f)
	require.NoError(t, err)
	r.partial = append(r.partial, data...)
	for {
		i := bytes.IndexByte(r.partial, '\n')
		if i < 0 {
			return
		}
		r.add(r.partial[:i+1])
		r.partial = r.partial[i+1:]
	}
}

func (r *rsyslog) add(line []byte) {
	rec, ok := logcheck.Parse(line)
	if !ok {
		r.foreign = append(r.foreign, fmt.Sprintf("%.100q", line))
		return
	}
	r.seen[rec.Key()]++
	if rec.W == -1 {
		r.marker = max(r.marker, rec.Seq)
	}
}

// waitMarker waits until rsyslogd has shipped marker seq.
func (r *rsyslog) waitMarker(t *testing.T, seq int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for r.read(t); r.marker < seq; r.read(t) {
		select {
		case <-r.exited:
			t.Fatalf("rsyslogd exited (%v) before shipping marker %d:\n%s", r.cmd.ProcessState, seq, r.stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("rsyslogd did not ship marker %d within 30s; its messages:\n%s", seq, r.stderr.String())
		}
	}
}

// archivePeriods counts the periods that have archives in dir (plain or
// compressed), and the compressed archives.
func archivePeriods(t *testing.T, cfg *config, dir, base string) (periods, compressed int) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	seen := map[time.Time]bool{}
	for _, e := range entries {
		if a, ok := cfg.parseArchive(base, e.Name()); ok {
			seen[a.period] = true
			if a.compressed {
				compressed++
			}
		}
	}
	return len(seen), compressed
}

// TestRsyslogImfile runs rsyslogd with imfile following the archives
// (imfileConf) while 8 processes write across at least five periods of a
// second, with a size cap that rolls the file over several times within
// each, compression on, and one process killed by SIGKILL: once with the
// archives in an archive directory, once beside the log. Every record a
// process acknowledged (for the killed one: every record it left in the
// files) must be shipped exactly once, and nothing else.
func TestRsyslogImfile(t *testing.T) {
	if testing.Short() {
		t.Skip("runs rsyslogd and eight writer processes for about eight seconds, twice")
	}
	bin := rsyslogdBinary(t)
	t.Run("archive directory", func(t *testing.T) { testRsyslogImfile(t, bin, "old") })
	t.Run("beside the log", func(t *testing.T) { testRsyslogImfile(t, bin, "") })
}

// testRsyslogImfile is TestRsyslogImfile with the archives in archiveDir
// (relative to the log's directory; "" for beside the log).
func testRsyslogImfile(t *testing.T, bin, archiveDir string) {
	dir := tempDir(t)
	logDir := filepath.Join(dir, "log")
	rsDir := filepath.Join(dir, "rsyslog")
	workDir := filepath.Join(rsDir, "work")
	for _, d := range []string{logDir, workDir} {
		require.NoError(t, os.MkdirAll(d, 0o755))
	}
	path := filepath.Join(logDir, "error.log")
	oldDir := filepath.Join(logDir, archiveDir)
	// The default lock files are hidden beside the log, where no glob for
	// the log or its archives matches them (checkLogDir).
	opts := "every=1s,reopen=200ms,locktimeout=3s,maxsize=262144,compress"
	if archiveDir != "" {
		opts += ",archivedir=" + archiveDir
	}
	cfg := testConfig(t, childOptions(opts)...)

	// Each marker is archived at once (Rotate): once rsyslogd ships it, it
	// has read everything archived before it.
	marker := openMarker(t, path, opts)
	shipMarker := func(rs *rsyslog) {
		seq := marker.write(t)
		require.NoError(t, marker.w.Rotate())
		rs.waitMarker(t, seq)
	}
	out := filepath.Join(rsDir, "shipped.log")
	rs := startRsyslog(t, bin, rsDir, imfileConf(filepath.Join(oldDir, "error.log.*[0-9]"), workDir, out), out)
	shipMarker(rs) // rsyslogd is following the archives

	want, killed := writeAcrossRollovers(t, path, opts, func() int {
		n, _ := archivePeriods(t, cfg, oldDir, "error.log")
		return n
	})
	shipMarker(rs) // after every writer has stopped: rsyslogd has read all
	rs.stop(t)
	rs.read(t)
	marker.w.Close()
	want[-1] = marker.seq

	rep := checkShippedFiles(t, path, oldDir, cfg, want, killed)
	want[killed] = rep.Last[killed] + 1
	periods, gz := archivePeriods(t, cfg, oldDir, "error.log")
	t.Logf("files: %v; %d periods archived, %d archives compressed; %d records shipped; rsyslogd said: %q", rep, periods, gz, len(rs.seen), rs.stderr.String())
	if gz == 0 {
		t.Error("no archive was compressed during the run: the test means to ship a log whose archives are compressed")
	}
	checkLogDir(t, path, cfg)
	checkShipped(t, rs, rep, want)
}

// writeAcrossRollovers runs 8 stream writers on the log at path with opts
// until periods (the number of periods archived) reaches 7: the first
// marker's and at least five rollovers by the schedule. Writer 7 is killed
// with SIGKILL once two periods are archived. It returns what the others
// acknowledged, and the killed writer's id.
func writeAcrossRollovers(t *testing.T, path, opts string, periods func() int) (want map[int]int, killed int) {
	t.Helper()
	writers := startWriters(t, []int{0, 1, 2, 3, 4, 5, 6, 7}, streamConf{Path: path, Opts: opts})
	victim := writers[7]
	waitUntil(t, time.Minute, "two periods archived", func() bool { return periods() >= 2 })
	require.NoError(t, victim.cmd.Process.Kill())
	<-victim.exited
	waitUntil(t, time.Minute, "seven periods archived", func() bool { return periods() >= 7 })
	return stopWriters(t, writers[:7]), victim.id
}

// checkLogDir checks that the log's directory holds only the live file,
// the archive directory or the archives, and the two hidden lock files:
// nothing the globs for the log (error.log, error.log.*[0-9]) pick up but
// the log and its plain archives.
func checkLogDir(t *testing.T, path string, cfg *config) {
	t.Helper()
	logDir := filepath.Dir(path)
	entries, err := os.ReadDir(logDir)
	require.NoError(t, err)
	allowed := map[string]bool{"error.log": true, filepath.Base(lockPathOf(path)): true, filepath.Base(maintPathOf(path)): true}
	for _, e := range entries {
		if _, archive := cfg.parseArchive("error.log", e.Name()); !allowed[e.Name()] && !archive && !(e.IsDir() && e.Name() == "old") {
			t.Errorf("%s in the log directory", e.Name())
		}
	}
}

// checkShippedFiles reads back the log's files, the live one and the
// archives in archiveDir (compressed or not; archiveDir may be the log's
// own directory), and checks that
// they hold every acknowledged record once, in the file of its period;
// the killed writer's records must be 0..k with no hole.
func checkShippedFiles(t *testing.T, path, archiveDir string, cfg *config, want map[int]int, killed int) *logcheck.Report {
	t.Helper()
	base := filepath.Base(path)
	rep, err := logcheck.ScanDir(archiveDir, nil)
	require.NoError(t, err)
	if archiveDir != filepath.Dir(path) {
		live, err := logcheck.ReadFile(path)
		require.NoError(t, err)
		rep.Add(live)
	}
	rep.CheckPeriods(base, periodFunc(Every(time.Second), time.UTC), func(name string) (string, bool) {
		a, ok := cfg.parseArchive(base, name)
		if !ok {
			t.Errorf("%s in the archive directory is not an archive of %s", name, base)
		}
		return a.period.Format(cfg.layout), ok
	})
	all := map[int]int{killed: -1}
	for w, n := range want {
		all[w] = n
	}
	rep.AccountAll(all)
	for _, p := range rep.Problems {
		t.Error(p)
	}
	require.True(t, rep.OK(), "records not accounted for in the files: %v", rep)
	return rep
}

// checkShipped compares what rsyslogd shipped with want: every record
// exactly once, nothing else. A missing record is reported with where it
// is in the files and whether rsyslogd shipped the records after it in
// the same file, which tells a record appended to an archive after the
// shipper left it from one skipped in the middle.
func checkShipped(t *testing.T, rs *rsyslog, rep *logcheck.Report, want map[int]int) {
	t.Helper()
	if len(rs.partial) > 0 {
		t.Errorf("rsyslogd's output ends in a partial line: %.100q", rs.partial)
	}
	for _, line := range rs.foreign {
		t.Errorf("rsyslogd shipped a line that is not a whole record: %s", line)
	}
	problems, missing := logcheck.ExactlyOnce(rs.seen, want)
	for _, p := range problems {
		t.Error(p)
	}
	if len(missing) == 0 {
		return
	}
	var where []string
	for _, m := range missing {
		if len(where) == 10 {
			break
		}
		p := rep.ByKey[m]
		if len(p) == 0 {
			continue
		}
		f := rep.ByFile[p[0].File]
		after := 0
		for _, r := range f.Records[p[0].Index+1:] {
			if rs.seen[r.Key()] > 0 {
				after++
			}
		}
		where = append(where, fmt.Sprintf("%s at %s (record %d of %d; %d after it shipped)", m, p[0], p[0].Index+1, len(f.Records), after))
	}
	t.Errorf("%d records not shipped; the first: %s\nrsyslogd's messages:\n%s", len(missing), strings.Join(where, "; "), rs.stderr.String())
}
