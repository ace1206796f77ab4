package slogrotate

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gofrs/flock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRolloverAtMidnight(t *testing.T) {
	dir := tempDir(t)
	clock := newClock(day1)
	w := openTest(t, filepath.Join(dir, "error.log"), clock)
	writeLine(t, w, "a")
	clock.Set(time.Date(2021, 10, 18, 23, 59, 59, 999999999, time.UTC))
	writeLine(t, w, "b")
	clock.Set(time.Date(2021, 10, 19, 0, 0, 0, 0, time.UTC))
	writeLine(t, w, "c")
	assert.Equal(t, map[string]string{
		"error.log.2021-10-18": "a\nb\n",
		"error.log":            "c\n",
	}, files(t, dir))
}

// Idle days leave no empty archives: a jump of several periods produces one
// archive, named for the period the file holds.
func TestIdlePeriodsLeaveNoArchives(t *testing.T) {
	dir := tempDir(t)
	clock := newClock(day1)
	w := openTest(t, filepath.Join(dir, "error.log"), clock)
	writeLine(t, w, "a")
	clock.Add(4 * 24 * time.Hour)
	writeLine(t, w, "b")
	clock.Add(24 * time.Hour)
	clock.Add(24 * time.Hour)
	writeLine(t, w, "c")
	assert.Equal(t, map[string]string{
		"error.log.2021-10-18": "a\n",
		"error.log.2021-10-22": "b\n",
		"error.log":            "c\n",
	}, files(t, dir))
}

// An archive name taken by a file this writer did not make is never
// overwritten; the next free index is used.
func TestTakenArchiveNameIsNotOverwritten(t *testing.T) {
	dir := tempDir(t)
	path := filepath.Join(dir, "error.log")
	require.NoError(t, os.WriteFile(path+".2021-10-18", []byte("someone else's\n"), 0o644))
	require.NoError(t, os.WriteFile(path+".2021-10-18.1.gz", []byte("compressed elsewhere"), 0o644))
	clock := newClock(day1)
	w := openTest(t, path, clock)
	writeLine(t, w, "a")
	clock.Add(24 * time.Hour)
	writeLine(t, w, "b")
	assert.Equal(t, map[string]string{
		"error.log.2021-10-18":      "someone else's\n",
		"error.log.2021-10-18.1.gz": "compressed elsewhere",
		"error.log.2021-10-18.2":    "a\n",
		"error.log":                 "b\n",
	}, files(t, dir))
}

// Two writers on one path in one process each hold their own lock file
// descriptor, so they exercise the same protocol as two processes: the
// second to cross a boundary finds the rotation done and only reopens, and
// a write it made before the boundary through its old descriptor lands in
// the archive, where it belongs.
func TestSecondWriterOnlyReopens(t *testing.T) {
	dir := tempDir(t)
	path := filepath.Join(dir, "error.log")
	clock := newClock(day1)
	a := openTest(t, path, clock)
	b := openTest(t, path, clock)
	writeLine(t, a, "a1")
	writeLine(t, b, "b1")

	clock.Set(time.Date(2021, 10, 19, 0, 0, 1, 0, time.UTC))
	writeLine(t, a, "a2") // a rotates
	// b still holds the old descriptor; a record b stamps before midnight
	// goes to the archive through it.
	clock.Set(time.Date(2021, 10, 18, 23, 59, 59, 0, time.UTC))
	writeLine(t, b, "b-late")
	clock.Set(time.Date(2021, 10, 19, 0, 0, 1, 0, time.UTC))
	writeLine(t, b, "b2") // b reopens; it must not rename again
	assert.Equal(t, map[string]string{
		"error.log.2021-10-18": "a1\nb1\nb-late\n",
		"error.log":            "a2\nb2\n",
	}, files(t, dir))
}

// Every process but the one that rotates opens the new file without the
// rollover lock once the shared state says the rotation is done, so the
// followers at a boundary do not queue for the lock. Here the lock is held
// by someone else throughout: b must still move to the new file, at once,
// rather than time out and write on into the archive.
func TestFollowerDoesNotNeedTheLock(t *testing.T) {
	dir := tempDir(t)
	path := filepath.Join(dir, "error.log")
	clock := newClock(day1)
	a := openTest(t, path, clock)
	b := openTest(t, path, clock, WithLockTimeout(time.Minute))
	writeLine(t, a, "a1")
	writeLine(t, b, "b1")
	clock.Add(24 * time.Hour)
	writeLine(t, a, "a2") // a rotates

	held := flock.New(lockPathOf(path))
	locked, err := held.TryLock()
	require.NoError(t, err)
	require.True(t, locked)
	defer held.Unlock()
	done := make(chan error, 1)
	go func() {
		_, err := b.Write([]byte("b2\n"))
		done <- err
	}()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("b waited for the rollover lock to follow a rotation already done")
	}
	assert.Equal(t, map[string]string{
		"error.log.2021-10-18": "a1\nb1\n",
		"error.log":            "a2\nb2\n",
	}, files(t, dir))
}

// A follower that finds the state current opens the file the state names
// and nothing else. Here b's reopen check finds that a rotated early
// (Rotate), and while b follows, the day ends and a rotates again: the file
// b then finds at the path is the next day's. b's record, of the earlier
// day, must not go there; b falls back to the locked protocol, which keeps
// it in the file b had (an archive of its day).
func TestFollowerOpensOnlyTheFileTheStateNames(t *testing.T) {
	dir := tempDir(t)
	path := filepath.Join(dir, "error.log")
	clockA, clockB := newClock(day1), newClock(day1)
	a := openTest(t, path, clockA)
	b := openTest(t, path, clockB)
	writeLine(t, a, "a1")
	writeLine(t, b, "b1")
	require.NoError(t, a.Rotate())
	writeLine(t, a, "a2")

	testHook = func(s stage) {
		if s != stageFollowing {
			return
		}
		testHook = nil
		clockA.Add(24 * time.Hour)
		writeLine(t, a, "a3") // a rotates the day away under b's feet
	}
	defer func() { testHook = nil }()
	clockB.Add(2 * time.Second) // past b's reopen check, still day 1
	writeLine(t, b, "b2")
	assert.Equal(t, map[string]string{
		"error.log.2021-10-18":   "a1\nb1\nb2\n",
		"error.log.2021-10-18.1": "a2\n",
		"error.log":              "a3\n",
	}, files(t, dir))
}

// Open follows too: when the state names the file at the path, for the
// current period, with this process's options, Open opens it without the
// lock, so that a stopped lock holder does not hold it up (nor make it
// report ErrLockBusy). A file of an earlier period it must still archive,
// under the lock: with the lock held, it reports the lock busy and writes
// on to the stale file, as after any failed rollover.
func TestOpenFollowsACurrentFile(t *testing.T) {
	dir := tempDir(t)
	path := filepath.Join(dir, "error.log")
	clock := newClock(day1)
	a := openTest(t, path, clock)
	writeLine(t, a, "a1")

	held := flock.New(lockPathOf(path))
	locked, err := held.TryLock()
	require.NoError(t, err)
	require.True(t, locked)
	defer held.Unlock()

	b := openTest(t, path, clock) // fails the test on any error reported
	writeLine(t, b, "b1")
	require.NoError(t, b.Close())
	assert.Equal(t, map[string]string{"error.log": "a1\nb1\n"}, files(t, dir))

	clock.Add(24 * time.Hour)
	c, errs := openCollecting(t, path, clock)
	require.NotEmpty(t, errs.all())
	assert.ErrorIs(t, errs.all()[0], ErrLockBusy)
	writeLine(t, c, "c1")
	require.NoError(t, held.Unlock())
	require.NoError(t, c.Rotate())
	assert.Equal(t, map[string]string{"error.log.2021-10-18": "a1\nb1\nc1\n", "error.log": ""}, files(t, dir))
}

// A follower trusts the state only if it names the file at the path and
// the current period: when it does not (here an outside tool replaced the
// file after the rotation), b takes the lock and the locked protocol
// decides.
func TestFollowerDoubtsStaleState(t *testing.T) {
	dir := tempDir(t)
	path := filepath.Join(dir, "error.log")
	clock := newClock(day1)
	a := openTest(t, path, clock)
	b := openTest(t, path, clock, WithLockTimeout(50*time.Millisecond), WithErrorHandler(func(error) {}))
	writeLine(t, a, "a1")
	writeLine(t, b, "b1")
	clock.Add(24 * time.Hour)
	writeLine(t, a, "a2") // a rotates
	require.NoError(t, os.Rename(path, path+".moved"))
	require.NoError(t, os.WriteFile(path, nil, 0o640))

	held := flock.New(lockPathOf(path))
	locked, err := held.TryLock()
	require.NoError(t, err)
	require.True(t, locked)
	// Locked out, b cannot know what the file at the path holds: it writes
	// on to the file it has, as after any failed rollover, rather than
	// guess.
	_, err = b.Write([]byte("b2\n"))
	require.NoError(t, err)
	require.NoError(t, held.Unlock())
	clock.Add(2 * retryDelay)
	writeLine(t, b, "b3") // with the lock: adopts the empty file
	assert.Equal(t, map[string]string{
		"error.log.2021-10-18": "a1\nb1\nb2\n",
		"error.log.moved":      "a2\n",
		"error.log":            "b3\n",
	}, files(t, dir))
}

// A file left by an earlier day, with no lock file to say what it holds, is
// dated by its last write and archived under that day's name.
func TestStaleFileAtOpen(t *testing.T) {
	dir := tempDir(t)
	path := filepath.Join(dir, "error.log")
	require.NoError(t, os.WriteFile(path, []byte("old\n"), 0o644))
	old := time.Date(2021, 10, 15, 12, 0, 0, 0, time.UTC)
	require.NoError(t, os.Chtimes(path, old, old))
	w := openTest(t, path, newClock(day1))
	writeLine(t, w, "new")
	assert.Equal(t, map[string]string{
		"error.log.2021-10-15": "old\n",
		"error.log":            "new\n",
	}, files(t, dir))
}

// An empty stale file is not archived: it is adopted for the current
// period.
func TestEmptyStaleFileIsAdopted(t *testing.T) {
	dir := tempDir(t)
	path := filepath.Join(dir, "error.log")
	require.NoError(t, os.WriteFile(path, nil, 0o644))
	old := time.Date(2021, 10, 15, 12, 0, 0, 0, time.UTC)
	require.NoError(t, os.Chtimes(path, old, old))
	w := openTest(t, path, newClock(day1))
	writeLine(t, w, "new")
	assert.Equal(t, map[string]string{"error.log": "new\n"}, files(t, dir))
}

// Rotate archives once even when every writer is told to (a SIGHUP sent to
// a process group): the others find the file already replaced.
func TestRotateOnceAcrossWriters(t *testing.T) {
	dir := tempDir(t)
	path := filepath.Join(dir, "error.log")
	clock := newClock(day1)
	a := openTest(t, path, clock)
	b := openTest(t, path, clock)
	writeLine(t, a, "a1")
	require.NoError(t, a.Rotate())
	require.NoError(t, b.Rotate())
	writeLine(t, b, "b1")
	writeLine(t, a, "a2")
	require.NoError(t, a.Rotate())
	writeLine(t, a, "a3")
	clock.Add(24 * time.Hour)
	writeLine(t, a, "a4")
	assert.Equal(t, map[string]string{
		"error.log.2021-10-18":   "a1\n",
		"error.log.2021-10-18.1": "b1\na2\n",
		"error.log.2021-10-18.2": "a3\n",
		"error.log":              "a4\n",
	}, files(t, dir))
}

// Rotate on an empty file does nothing: no empty archives.
func TestRotateEmptyFile(t *testing.T) {
	dir := tempDir(t)
	w := openTest(t, filepath.Join(dir, "error.log"), newClock(day1))
	require.NoError(t, w.Rotate())
	assert.Equal(t, map[string]string{"error.log": ""}, files(t, dir))
}

// A file moved away by an outside tool is noticed at the next reopen check,
// and the moved file is left alone.
func TestExternalMoveIsNoticed(t *testing.T) {
	dir := tempDir(t)
	path := filepath.Join(dir, "error.log")
	clock := newClock(day1)
	w := openTest(t, path, clock, WithReopenCheck(time.Second))
	writeLine(t, w, "a")
	require.NoError(t, os.Rename(path, path+".moved"))
	writeLine(t, w, "b") // within the check interval: still the moved file
	clock.Add(time.Second)
	writeLine(t, w, "c")
	clock.Add(24 * time.Hour)
	writeLine(t, w, "d")
	assert.Equal(t, map[string]string{
		"error.log.moved":      "a\nb\n",
		"error.log.2021-10-18": "c\n",
		"error.log":            "d\n",
	}, files(t, dir))
}

// The clock jumping back after a rollover neither repeats the rollover nor
// overwrites an archive: writing goes on into the current file. A jump
// forward by days produces one archive.
func TestClockJumps(t *testing.T) {
	dir := tempDir(t)
	path := filepath.Join(dir, "error.log")
	clock := newClock(time.Date(2021, 10, 18, 23, 30, 0, 0, time.UTC))
	w := openTest(t, path, clock, WithSchedule(Hourly()))
	writeLine(t, w, "a")
	clock.Add(time.Hour)
	writeLine(t, w, "b") // rolls over into the 00 hour of the 19th
	clock.Add(-time.Hour)
	writeLine(t, w, "c") // back in the 23 hour: no rollover
	clock.Add(time.Hour)
	writeLine(t, w, "d")
	clock.Add(72 * time.Hour)
	writeLine(t, w, "e")
	assert.Equal(t, map[string]string{
		"error.log.2021-10-18T23": "a\n",
		"error.log.2021-10-19T00": "b\nc\nd\n",
		"error.log":               "e\n",
	}, files(t, dir))
}

// A garbage lock file is reported and replaced, never trusted.
func TestGarbageLockFile(t *testing.T) {
	dir := tempDir(t)
	path := filepath.Join(dir, "error.log")
	require.NoError(t, os.WriteFile(lockPathOf(path), []byte("\x00slogrotate-state 1 garbage\n"+strings.Repeat("z", 10000)), 0o644))
	_, errs := openCollecting(t, path, nil)
	require.Len(t, errs.all(), 1)
	assert.ErrorContains(t, errs.all()[0], "unreadable shared state")
	lock, err := os.ReadFile(lockPathOf(path))
	require.NoError(t, err)
	_, err = parseState(lock[stateOffset:])
	assert.NoError(t, err, "the lock file holds valid state again")
}

func TestStateRoundTrip(t *testing.T) {
	s := sharedState{period: time.Unix(0, 1634515200123456789), id: fileID{7, 1 << 40}, freeIndex: 3}
	got, err := parseState(s.encode())
	require.NoError(t, err)
	assert.True(t, got.period.Equal(s.period))
	assert.Equal(t, s.id, got.id)
	assert.Equal(t, s.freeIndex, got.freeIndex)
	b := s.encode()
	b[20] ^= 1
	_, err = parseState(b)
	assert.ErrorIs(t, err, ErrBadState)
}

func TestBadInput(t *testing.T) {
	dir := tempDir(t)
	file := filepath.Join(dir, "plain")
	require.NoError(t, os.WriteFile(file, nil, 0o644))
	cases := []struct {
		name string
		path string
		opts []Option
		want string
	}{
		{"empty path", "", nil, "empty log file path"},
		{"directory", dir, nil, "is a directory"},
		{"parent is a file", filepath.Join(file, "error.log"), nil, "create log directory"},
		{"short interval", "x.log", []Option{WithSchedule(Every(500 * time.Millisecond))}, "at least one second"},
		{"fractional interval", "x.log", []Option{WithSchedule(Every(1500 * time.Millisecond))}, "whole number of seconds"},
		{"long interval", "x.log", []Option{WithSchedule(Every(48 * time.Hour))}, "at most 24h"},
		{"weekday", "x.log", []Option{WithSchedule(Weekly(time.Weekday(7)))}, "unknown weekday"},
		{"hour", "x.log", []Option{WithSchedule(DailyAt(24, 0))}, "hour out of range"},
		{"minute", "x.log", []Option{WithSchedule(DailyAt(3, -1))}, "minute out of range"},
		{"zero schedule", "x.log", []Option{WithSchedule(Schedule{})}, "zero Schedule"},
		{"layout repeats", "x.log", []Option{WithSchedule(Hourly()), WithArchiveLayout("2006-01-02")}, "same name"},
		{"layout not parseable", "x.log", []Option{WithArchiveLayout("Jan 2")}, "cannot be parsed back"},
		{"layout separator", "x.log", []Option{WithArchiveLayout("2006/01/02")}, "path separator"},
		{"nil location", "x.log", []Option{WithLocation(nil)}, "WithLocation(nil)"},
		{"file mode", "x.log", []Option{WithFileMode(fs.ModeDir | 0o644)}, "only permission bits"},
		{"reopen check", "x.log", []Option{WithReopenCheck(0)}, "WithReopenCheck"},
		{"lock timeout", "x.log", []Option{WithLockTimeout(-1)}, "WithLockTimeout"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w, err := Open(c.path, c.opts...)
			if err == nil {
				w.Close()
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.want)
			if len(c.opts) > 0 { // a bad option, not a bad path
				assert.ErrorIs(t, err, ErrInvalidOption)
			} else {
				assert.NotErrorIs(t, err, ErrInvalidOption)
			}
		})
	}
}

func TestRecordTooLarge(t *testing.T) {
	dir := tempDir(t)
	w, errs := openCollecting(t, filepath.Join(dir, "error.log"), nil)
	_, err := w.Write(make([]byte, MaxRecordSize+1))
	assert.ErrorIs(t, err, ErrRecordTooLarge)
	assert.Len(t, errs.all(), 1)
	n, err := w.Write(append(make([]byte, MaxRecordSize-1), '\n'))
	assert.NoError(t, err)
	assert.Equal(t, MaxRecordSize, n)
}

func TestWriteAfterClose(t *testing.T) {
	dir := tempDir(t)
	w, err := Open(filepath.Join(dir, "error.log"))
	require.NoError(t, err)
	require.NoError(t, w.Close())
	_, err = w.Write([]byte("x\n"))
	assert.ErrorIs(t, err, ErrClosed)
	assert.ErrorIs(t, w.Close(), ErrClosed, "a second Close")
	assert.ErrorIs(t, w.Rotate(), ErrClosed)
	assert.ErrorIs(t, w.Sync(), ErrClosed)
}

// The parent directories are created, and the files get the mode asked for
// whatever the umask. A directory gets the file mode plus search
// permission wherever the mode grants read permission, less the umask
// (os.MkdirAll applies it; the writer does not chmod directories).
func TestCreatesDirectoriesAndMode(t *testing.T) {
	for _, c := range []struct {
		mode, umask, dir fs.FileMode
	}{
		{0o600, 0o022, 0o700},
		{0o640, 0o022, 0o750},
		{0o640, 0o077, 0o700},
		{0o664, 0o002, 0o775},
		{0o664, 0o000, 0o775},
		{0o644, 0o027, 0o750},
	} {
		t.Run(fmt.Sprintf("mode %03o umask %03o", c.mode, c.umask), func(t *testing.T) {
			setUmask(t, c.umask)
			dir := tempDir(t)
			path := filepath.Join(dir, "a", "b", "error.log")
			w, err := Open(path, WithFileMode(c.mode))
			require.NoError(t, err)
			defer w.Close()
			fi, err := os.Stat(path)
			require.NoError(t, err)
			require.True(t, fi.Mode().IsRegular())
			for _, d := range []string{filepath.Join(dir, "a"), filepath.Join(dir, "a", "b")} {
				fi, err := os.Stat(d)
				require.NoError(t, err)
				require.True(t, fi.IsDir(), d)
			}
			if isWindows {
				return
			}
			assert.Equal(t, c.mode.String(), fi.Mode().Perm().String(), "mode of the log")
			for _, d := range []string{filepath.Join(dir, "a"), filepath.Join(dir, "a", "b")} {
				fi, err := os.Stat(d)
				require.NoError(t, err)
				assert.Equal(t, c.dir.String(), fi.Mode().Perm().String(), "mode of %s", d)
			}
		})
	}
}

// Many goroutines writing through one Writer across rollovers: every line
// whole, none lost.
func TestConcurrentGoroutines(t *testing.T) {
	dir := tempDir(t)
	path := filepath.Join(dir, "error.log")
	clock := newClock(day1)
	w := openTest(t, path, clock, WithSchedule(Hourly()))
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 500 {
				if g == 0 && i%100 == 0 {
					clock.Add(time.Hour)
				}
				_, err := fmt.Fprintf(w, "g%d-%d\n", g, i)
				assert.NoError(t, err)
			}
		}()
	}
	wg.Wait()
	var lines []string
	for _, content := range files(t, dir) {
		lines = append(lines, strings.Split(strings.TrimSuffix(content, "\n"), "\n")...)
	}
	sort.Strings(lines)
	require.Len(t, lines, 8*500)
	for i := 1; i < len(lines); i++ {
		require.NotEqual(t, lines[i-1], lines[i])
	}
}

func TestErrorHandlerGetsWriteErrors(t *testing.T) {
	dir := tempDir(t)
	w, errs := openCollecting(t, filepath.Join(dir, "error.log"), nil)
	// Close the descriptor behind the writer's back: the next write fails
	// as a lost device would.
	w.mu.Lock()
	w.f.Close()
	w.mu.Unlock()
	_, err := w.Write([]byte("x\n"))
	require.Error(t, err)
	require.NotEmpty(t, errs.all())
	assert.True(t, errors.Is(errs.all()[0], err) || errs.all()[0].Error() == err.Error())
}

// An outside tool that moves the file between the writer's look at it and
// its rename (logrotate with "create") must not get its new file archived
// under the old period's name, nor lose the moved file.
func TestFileMovedDuringRollover(t *testing.T) {
	dir := tempDir(t)
	path := filepath.Join(dir, "error.log")
	clock := newClock(day1)
	w, errs := openCollecting(t, path, clock)
	writeLine(t, w, "a")
	testHook = func(s stage) {
		if s == stageStated {
			testHook = nil
			require.NoError(t, os.Rename(path, path+".1"))
			require.NoError(t, os.WriteFile(path, nil, 0o640))
		}
	}
	defer func() { testHook = nil }()
	clock.Add(24 * time.Hour)
	writeLine(t, w, "b")
	assert.Equal(t, map[string]string{
		"error.log.1": "a\n",
		"error.log":   "b\n",
	}, files(t, dir))
	require.Len(t, errs.all(), 1)
	assert.ErrorIs(t, errs.all()[0], ErrFileMoved)
}

// With the default clock (on Linux) a write reads only the monotonic
// clock and adds it to the last full reading, which is renewed at least
// every baseLife: that is what bounds how long a step of the system clock
// or a sleep of the machine can go unnoticed. The derived time must track
// time.Now.
func TestDefaultClockIsExtendedAndRefreshed(t *testing.T) {
	if !monotonicFollowsWall {
		t.Skip("this platform reads the wall clock for every write")
	}
	dir := tempDir(t)
	w, err := Open(filepath.Join(dir, "error.log"), WithReopenCheck(time.Hour))
	require.NoError(t, err)
	defer w.Close()
	for range 1000 {
		before := time.Now()
		w.mu.Lock()
		got := w.tm.now()
		w.mu.Unlock()
		after := time.Now()
		require.True(t, w.tm.fromMonotonic)
		require.False(t, got.Before(before) || got.After(after), "derived %v outside [%v, %v]", got, before, after)
	}

	// A full reading older than baseLife is renewed by the next write,
	// although no rollover or reopen check (an hour away) is due.
	w.mu.Lock()
	w.tm.wallBase = w.tm.wallBase.Add(-time.Minute)
	w.tm.update()
	stale := w.tm.wallBase
	w.mu.Unlock()
	before := time.Now()
	writeLine(t, w, "a")
	w.mu.Lock()
	defer w.mu.Unlock()
	assert.False(t, w.tm.wallBase.Before(before), "the full reading was not renewed: base %v (was %v)", w.tm.wallBase, stale)

	// Nothing is decided on a derived time: one at or past the deadline is
	// replaced by a full reading.
	w.tm.deadline = time.Now().UnixNano()
	renewed := w.tm.now()
	assert.Equal(t, w.tm.wallBase, renewed, "a derived time past the deadline was used")
	assert.GreaterOrEqual(t, renewed.UnixNano(), w.tm.deadline)
}

// With the default clock, whose time a write derives from the monotonic
// clock between full readings, every record lands in the file of a period
// between the clock before its Write and the clock after it: here across
// at least two real one-second boundaries.
func TestDefaultClockPlacesRecordsInTheirPeriod(t *testing.T) {
	testRecordsInTheirPeriod(t)
}

// The same with a buffer, where most records join a batch after one read
// of the monotonic clock (timing.since).
func TestDefaultClockPlacesBufferedRecordsInTheirPeriod(t *testing.T) {
	testRecordsInTheirPeriod(t, WithBuffer(64<<10))
}

func testRecordsInTheirPeriod(t *testing.T, opts ...Option) {
	if testing.Short() {
		t.Skip("writes across two real one-second boundaries")
	}
	dir := tempDir(t)
	path := filepath.Join(dir, "error.log")
	w, err := Open(path, append([]Option{WithLocation(time.UTC), WithSchedule(Every(time.Second))}, opts...)...)
	require.NoError(t, err)
	type span struct{ before, after time.Time }
	var spans []span
	end := time.Now().Truncate(time.Second).Add(2*time.Second + 300*time.Millisecond)
	for seq := 0; time.Now().Before(end); seq++ {
		before := time.Now()
		_, err := fmt.Fprintf(w, "%d\n", seq)
		require.NoError(t, err)
		spans = append(spans, span{before, time.Now()})
		if seq%50 == 0 {
			time.Sleep(time.Millisecond)
		}
	}
	require.NoError(t, w.Close())

	lf, err := os.Open(lockPathOf(path))
	require.NoError(t, err)
	st, ok, err := readState(lf)
	lf.Close()
	require.NoError(t, err)
	require.True(t, ok)
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	start := func(t time.Time) time.Time { return w.cfg.schedule.start(t, w.cfg.loc) }
	seen, archives, bad := 0, 0, 0
	for _, e := range entries {
		period := st.period
		if e.Name() != "error.log" {
			a, ok := w.cfg.parseArchive("error.log", e.Name())
			if !ok {
				continue
			}
			period = a.period
			archives++
		}
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		require.NoError(t, err)
		for _, line := range strings.Fields(string(data)) {
			seq, err := strconv.Atoi(line)
			require.NoError(t, err)
			s := spans[seq]
			if period.Before(start(s.before)) || period.After(start(s.after)) {
				if bad++; bad <= 10 {
					t.Errorf("record %d, written between %v and %v, is in %s (period %v)", seq, s.before, s.after, e.Name(), period)
				}
			}
			seen++
		}
	}
	assert.Equal(t, len(spans), seen, "records read back")
	assert.GreaterOrEqual(t, archives, 2, "boundaries crossed")
	assert.Zero(t, bad, "misplaced records")
}
