//go:build linux

package slogrotate

// Fault tests: a full file system, for real. They mount a small tmpfs,
// which needs root (and a sandbox that allows mount(2)), and skip saying
// why when they cannot. Like every fault test (faults_*_test.go), they
// check the behaviour docs/failure.md promises.

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

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

// A record cut short by a full file system: write(2) appends what fits in
// the last free block and returns a short count. The writer reports the
// record as lost and blanks the fragment (spaces ending in a newline), so
// the next record, whichever process writes it, starts on a line of its
// own. When space returns the same Writer goes on writing.
func TestDiskFullCutRecordIsBlanked(t *testing.T) {
	dir := mountTmpfs(t, "size=256k")
	path := filepath.Join(dir, "error.log")
	clock := newClock(day1)
	a, errsA := openCollecting(t, path, clock)
	b, errsB := openCollecting(t, path, clock)
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
	w, errs := openCollecting(t, path, nil)
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
	w, errs := openCollecting(t, path, clock)
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
	_, err := os.Lstat(path)
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
	s := scanDir(t, dir)
	missing, dup := 0, 0
	var maxLat time.Duration
	for _, p := range procs {
		m, d := s.Account(p.id, p.n, p.lost)
		missing, dup = missing+m, dup+d
		maxLat = max(maxLat, p.maxLat)
		after := 0
		for key, found := range s.ByKey {
			if key.W == p.id && s.At(found[0]).WT.After(resumed) {
				after++
			}
		}
		assert.Greater(t, after, 0, "child %d wrote nothing after space returned", p.id)
		assert.Greater(t, p.errCount("no space left on device"), 0, "child %d never saw the disk full", p.id)
	}
	t.Logf("files=%d gz=%d records=%d reported-lost=%d errors=%d blank-lines=%d torn=%d missing=%d duplicated=%d max-write-latency=%v",
		s.Files, s.Gz, s.Records, lost, errs, s.Blank, s.Torn, missing, dup, maxLat)
	for _, p := range s.Problems {
		t.Error(p)
	}
	assert.Zero(t, s.Torn, "torn lines")
	assert.Zero(t, missing+dup, "missing or duplicated records")
	assert.Zero(t, s.TempFiles+s.BadGzip, "temporary files or bad gzip")
	assert.Greater(t, lost, 0, "the disk was never full for a writer")
	assert.Less(t, maxLat, 500*time.Millisecond, "a write blocked")
}
