// Package slogrotate is a time-rotating log file that many processes can
// share, and a [log/slog] handler that writes to it.
//
// Services that run as several worker processes often point all of them at
// one log file that rotates daily. Rotating writers built for one process
// lose records there: one process renames the file while another still
// writes through its old descriptor, then the second renames again over the
// first one's archive. A [Writer] avoids that with a small protocol:
//
//   - Each record is appended with one write(2) on an O_APPEND descriptor,
//     so records from different processes never interleave. The write path
//     takes no file lock and makes no other system call.
//   - A rollover happens under an advisory lock on a separate lock file,
//     taken only when a period ends (or the file must be reopened), never
//     per record.
//   - Under the lock a process decides from shared state kept in the lock
//     file, not from its own memory: if another process already rotated it
//     only reopens, and an archive name that is taken is never reused. A
//     process that finds the rotation done in that state, read without
//     the lock, opens the new file without taking the lock at all.
//
// The protocol is in this file, top to bottom.
package slogrotate

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/gofrs/flock"
)

// MaxRecordSize is the largest record a single Write accepts. Larger writes
// are refused with [ErrRecordTooLarge] rather than risk being split: one
// write(2) of up to this size to a local file is appended whole.
const MaxRecordSize = 1 << 20

var (
	// ErrRecordTooLarge is returned for a write longer than MaxRecordSize.
	ErrRecordTooLarge = errors.New("slogrotate: record larger than MaxRecordSize")
	// ErrClosed is returned by writes to a closed Writer.
	ErrClosed = errors.New("slogrotate: writer is closed")

	errNotRegular = errors.New("not a regular file")
	errAppendLost = errors.New("could not set O_APPEND again")
	errLockBusy   = errors.New("lock held by another process")
	errVanished   = errors.New("the file was moved away by another program during the rollover")
)

// testHook, if set by a test, is called at named points of the rollover so
// that a test can stop or kill a process exactly there.
var testHook func(stage string)

// followHook, if set by a test, is called in follow between its stat of
// the path and its open, where another process may rotate.
var followHook func()

// blankFragment is blankTail; a test replaces it to simulate a file system
// that cannot overwrite in place.
var blankFragment = blankTail

func blanked(err error) string {
	if err != nil {
		return fmt.Sprintf("could not be blanked (%v): the next record starts with a newline", err)
	}
	return "was blanked"
}

// retryDelay is how long a writer waits after a failed rollover before it
// tries again, so that a persistent fault costs one attempt a second rather
// than one per record.
const retryDelay = time.Second

// A Writer appends records to a log file that rotates on a schedule, and is
// safe for use by many goroutines and by many processes that open the same
// path with the same options.
//
// Each Write should carry exactly one whole record: it is written with one
// system call and is never split across files or interleaved with another
// process's record. Write does not buffer; when it returns without error
// the record is in the operating system's page cache (call [Writer.Sync] to
// force it to the disk).
type Writer struct {
	path string
	cfg  config
	lock *flock.Flock

	mu        sync.Mutex
	f         *os.File // nil after Close, or if the log could not be opened
	fd        uintptr  // f's descriptor, for writeRecord
	id        fileID   // identity of f
	period    time.Time
	periodEnd int64 // UnixNano at which f's period ends
	nextCheck int64 // UnixNano of the next check that f is still at path
	// epoch is the last full reading of the default clock, which now
	// extends with the monotonic clock.
	epoch   time.Time
	retryAt int64 // UnixNano before which a failed rollover is not retried
	// deadline is the only field the write path reads: the earliest of
	// periodEnd and nextCheck, but not before retryAt.
	deadline int64
	closed   bool

	// With WithMaxSize: bytes this process wrote since it last looked at
	// the file's size, and how many it may write before looking again.
	unchecked, sizeStep int64
	oversize            bool // the file reached the size limit

	// openErr is why w.f is nil, for the error each write then reports.
	openErr error

	// cut: the last write was cut short and its fragment could not be
	// blanked; the next write starts with a newline.
	cut bool

	jan *janitor // nil unless retention, compression or OnRotate is on

	// With WithBuffer: records not yet written, and the timer that writes
	// them out after the flush interval.
	buf        []byte
	bufSize    int
	flushTimer *time.Timer
	timerArmed bool
}

// Why a rollover is attempted.
type reason int

const (
	scheduled reason = iota // the period ended, or the file must be reopened
	forced                  // Rotate was called
	sized                   // the file reached WithMaxSize
)

// Open opens the log at path for appending, creating it and its parent
// directories if needed, and returns a Writer that rotates it. Every process
// sharing the log must open it with the same schedule, layout and lock file.
//
// If the file at path holds records of an earlier period (a process wrote
// it yesterday and nobody has written since), Open archives it first.
func Open(path string, opts ...Option) (*Writer, error) {
	cfg := defaultConfig()
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	if err := cfg.check(path); err != nil {
		return nil, err
	}
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return nil, fmt.Errorf("slogrotate: log path %s is a directory", path)
	}
	if err := os.MkdirAll(filepath.Dir(path), dirMode(cfg.mode)); err != nil {
		return nil, fmt.Errorf("slogrotate: create log directory: %w", err)
	}
	w := &Writer{
		path: path,
		cfg:  cfg,
		lock: flock.New(cfg.lockPath, flock.SetFlag(lockFileFlag), flock.SetPermissions(cfg.mode)),
	}
	if cfg.bufSize > 0 {
		w.bufSize = cfg.bufSize
		w.buf = make([]byte, 0, cfg.bufSize)
	}
	if cfg.maxSize > 0 {
		w.sizeStep = max(cfg.maxSize/16, 1)
	} else {
		w.sizeStep = 1<<63 - 1
	}
	if cfg.compress || cfg.maxBackups > 0 || cfg.maxAge > 0 || cfg.onRotate != nil {
		// Before the first rollover, which may archive a file left from an
		// earlier period: that archive is the janitor's too.
		w.jan = newJanitor(path, &w.cfg)
	}
	now := cfg.clock()
	w.epoch = now
	// A lock file that is merely busy is no reason to fail: the writer
	// writes on and rotates later. One that cannot be opened at all (a
	// symlink planted in its place, no permission) would leave the log
	// unrotated forever, so Open reports it.
	if err := w.rollover(now, scheduled); err != nil && (w.f == nil || !errors.Is(err, errLockBusy)) {
		w.Close()
		return nil, err
	} else if err != nil {
		cfg.onError(err)
	}
	return w, nil
}

// dirMode is the mode of directories Open creates: the file mode plus
// search permission wherever it grants read permission.
func dirMode(mode fs.FileMode) fs.FileMode {
	return mode | (mode&0o444)>>2
}

// Path returns the path of the live log file.
func (w *Writer) Path() string { return w.path }

// Write appends p as one record. It returns [ErrRecordTooLarge] if p is
// longer than [MaxRecordSize] and [ErrClosed] after Close. Any error is
// also passed to the error handler.
func (w *Writer) Write(p []byte) (int, error) {
	return w.write(p, time.Time{})
}

// write appends p; now, if not zero, is the time the caller read from the
// writer's clock.
func (w *Writer) write(p []byte, now time.Time) (int, error) {
	if len(p) > MaxRecordSize {
		err := fmt.Errorf("%w: %d bytes for %s", ErrRecordTooLarge, len(p), w.path)
		w.cfg.onError(err)
		return 0, err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return 0, ErrClosed
	}
	derived := false
	if now.IsZero() {
		now, derived = w.now()
	}
	if now.UnixNano() >= w.deadline && derived {
		// Nothing is decided on a derived time: read the wall clock.
		w.epoch = time.Now()
		now = w.epoch
		w.updateDeadline()
	}
	if now.UnixNano() >= w.deadline {
		w.maintain(now)
	}
	if w.bufSize > 0 && len(p) < w.bufSize {
		return w.buffer(p, now)
	}
	w.flushLocked() // keep the order of records
	return w.emit(p)
}

// now is the time a write is placed by, and whether it was derived rather
// than read. With the default clock on Linux it is the last full reading
// of time.Now plus the monotonic time elapsed since: one clock read instead
// of time.Now's two, about 20 ns of the 120 ns a buffered write costs. The
// two clocks advance at the same rate (monotonicFollowsWall); they part
// only when the wall clock is stepped or the machine sleeps, so the full
// reading is renewed at least every epochLife of writing and before
// anything is decided (see write and updateDeadline).
func (w *Writer) now() (t time.Time, derived bool) {
	if !w.cfg.wallClock || !monotonicFollowsWall {
		return w.cfg.clock(), false
	}
	return w.epoch.Add(time.Since(w.epoch)), true
}

// epochLife bounds how long a derived time may lag a stepped wall clock or
// a machine woken from sleep: a second of writing.
const epochLife = time.Second

// emit writes p, one record or a batch of whole records, with one system
// call. Errors go to the error handler too.
func (w *Writer) emit(p []byte) (int, error) {
	if w.f == nil {
		err := fmt.Errorf("slogrotate: write %s: the log file is not open", w.path)
		if w.openErr != nil {
			err = fmt.Errorf("slogrotate: write %s: the log file is not open: %w", w.path, w.openErr)
		}
		w.cfg.onError(err)
		return 0, err
	}
	rec := p
	if w.cut {
		// The fragment of an earlier cut record could not be blanked: end
		// its line first, in the same write, so this record is whole.
		rec = append([]byte{'\n'}, p...)
	}
	n, err := writeRecord(w.fd, rec)
	if w.unchecked += int64(n); w.unchecked >= w.sizeStep {
		w.checkSize()
	}
	switch {
	case n == len(rec):
		w.cut, n = false, len(p)
	case n > 0:
		// The file system took only part of the record: it is full, or
		// over a quota or size limit. The record is lost; its fragment is
		// blanked to spaces and a newline, so that whatever any process
		// appends next starts on a line of its own.
		berr := blankFragment(w.fd, n)
		w.cut = berr != nil
		err = fmt.Errorf("%w: the record was cut after %d of %d bytes (is the file system full?) and is lost; its fragment %s",
			io.ErrShortWrite, n, len(rec), blanked(berr))
		n = 0
		if errors.Is(berr, errAppendLost) {
			w.f.Close() // never write through a descriptor that may not append
			w.f = nil
		}
	}
	if err != nil {
		err = fmt.Errorf("slogrotate: write %s: %w", w.path, err)
		w.cfg.onError(err)
		// A failure may mean the file is gone (its directory was removed);
		// check again on the next write rather than a second later.
		w.nextCheck = 0
		w.updateDeadline()
	}
	return n, err
}

// maintain runs on the first write at or after w.deadline: it rolls over if
// the period has ended and otherwise checks that w.f is still the file at
// the path. Errors go to the error handler; the write goes ahead with
// whatever file w.f is then.
func (w *Writer) maintain(now time.Time) {
	// Buffered records were written before now, in the period of the file
	// w.f holds: they go there before anything changes.
	w.flushLocked()
	ns := now.UnixNano()
	why := scheduled
	if ns < w.periodEnd && w.f != nil {
		if w.oversize {
			why = sized
		} else {
			w.nextCheck = ns + int64(w.cfg.reopenCheck)
			w.updateDeadline()
			info, err := statPath(w.path)
			if err == nil && info.id == w.id && (w.cfg.maxSize == 0 || info.size < w.cfg.maxSize) {
				return
			}
			if err == nil && info.id == w.id {
				why = sized
			}
		}
	}
	if err := w.rollover(now, why); err != nil {
		w.cfg.onError(err)
	}
}

// checkSize looks at the real size of the file, which all processes write,
// and makes the next write roll over if it reached the limit.
func (w *Writer) checkSize() {
	w.unchecked = 0
	if info, err := statFile(w.f); err == nil && info.size >= w.cfg.maxSize {
		w.oversize = true
		w.updateDeadline()
	}
}

func (w *Writer) updateDeadline() {
	w.deadline = max(min(w.periodEnd, w.nextCheck), w.retryAt)
	if w.oversize {
		w.deadline = w.retryAt
	}
	if w.cfg.wallClock && monotonicFollowsWall {
		w.deadline = min(w.deadline, w.epoch.UnixNano()+int64(epochLife))
	}
}

// Rotate archives the live file now, whatever the schedule says, unless it
// is empty. It is meant for a SIGHUP handler. If the file at the path is no
// longer the one this writer has open, because another process rotated it
// or an outside tool moved it, Rotate only reopens: sending the signal to
// every worker archives the file once, not once per worker.
func (w *Writer) Rotate() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return ErrClosed
	}
	w.flushLocked()
	return w.rollover(w.cfg.clock(), forced)
}

// Reopen closes the file this writer has open and opens the file at the
// path, as after a rename by an outside tool. It is meant for a SIGUSR1
// handler; without it the writer notices within the reopen-check interval.
func (w *Writer) Reopen() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return ErrClosed
	}
	w.flushLocked()
	return w.rollover(w.cfg.clock(), scheduled)
}

// Sync writes out buffered records (see [WithBuffer]) and commits the file
// to stable storage with fsync.
func (w *Writer) Sync() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return ErrClosed
	}
	if err := w.flushLocked(); err != nil {
		return err
	}
	if w.f == nil {
		return nil
	}
	if err := w.f.Sync(); err != nil {
		return fmt.Errorf("slogrotate: sync %s: %w", w.path, err)
	}
	return nil
}

// Close writes out buffered records and closes the file. Writes after
// Close fail with [ErrClosed]. Close does not rotate: another process, or
// the next Open, archives the file when its period has ended.
func (w *Writer) Close() error {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return nil
	}
	err := w.flushLocked()
	w.closed = true
	if w.flushTimer != nil {
		w.flushTimer.Stop()
	}
	if w.f != nil {
		if cerr := w.f.Close(); cerr != nil {
			err = errors.Join(err, fmt.Errorf("slogrotate: close %s: %w", w.path, cerr))
		}
		w.f = nil
	}
	jan := w.jan
	w.mu.Unlock()
	// The janitor may be calling OnRotate or the error handler, which may
	// log through this writer: wait for it without holding w.mu.
	if jan != nil {
		jan.close()
	}
	return err
}

// rollover is the protocol. Under the lock it works out which period the
// file at the path holds, archives that file if its period is over (or, for
// Rotate, if it is the file this writer has open, and for the size limit,
// if it is over the limit), makes sure a live
// file exists, and points w.f at it. Every process that reaches it for the
// same boundary ends with the same file open, and exactly one of them did
// the rename.
//
// It must be called with w.mu held. On error, w.f is left as it was (or
// opened without the lock if there was none), and the next attempt waits
// retryDelay.
func (w *Writer) rollover(now time.Time, why reason) error {
	// At a boundary one process rotates and every other one only has to
	// open the new file: it may do that without the lock once the shared
	// state says the rotation is done, also while it waits for the lock.
	// Without this shortcut the followers would take the lock in turn, and
	// the last of eight would wait for seven rollovers.
	var settled func() bool
	if why == scheduled && w.f != nil {
		// (Open, with no file yet, takes the lock: it is where a lock
		// file that cannot be opened for writing is reported.)
		settled = func() bool { return w.follow(now) }
		if settled() {
			return nil
		}
	}
	unlock, err := w.acquire(settled)
	if err != nil {
		w.fallback(now)
		return err
	}
	if unlock == nil {
		return nil // settled while waiting
	}
	defer unlock()
	if testHook != nil {
		testHook("locked")
	}

	lf, err := openLockFile(w.cfg.lockPath)
	if err != nil {
		w.fallback(now)
		return fmt.Errorf("slogrotate: open lock file: %w", explainOpenError(err))
	}
	defer lf.Close()
	// Whoever created the lock file, every process that may write the log
	// must be able to open it: give it the log's mode if this process can.
	setMode(lf, w.cfg.mode)
	st, known, err := readState(lf)
	if err != nil {
		w.cfg.onError(err)
	}

	cur := w.cfg.schedule.start(now, w.cfg.loc)
	live, err := statPath(w.path)
	exists := err == nil
	if testHook != nil {
		testHook("stated")
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		w.fallback(now)
		return fmt.Errorf("slogrotate: rotate: %w", err)
	}

	// Which period does the live file hold? The shared state says, if it
	// speaks of this very file. Otherwise the file was put there behind the
	// protocol's back (by an outside tool, or by a process that died before
	// it could record it): its last write dates it, and an empty one belongs
	// to the current period.
	livePeriod := cur
	next := 0 // first archive index that may be free for livePeriod
	if exists {
		switch {
		case known && st.id == live.id:
			livePeriod = st.period
			next = st.next
		case live.size > 0:
			livePeriod = w.cfg.schedule.start(live.mtime, w.cfg.loc)
		}
		if livePeriod.After(cur) && w.f != nil && w.period.Equal(cur) {
			// A later period's file is live already: another process whose
			// clock read came after this write's has rolled over. The file
			// this writer holds is the archive of this write's period, so
			// the write belongs there, and this writer must neither archive
			// nor relabel the later file; its first write of the later
			// period reopens.
			w.nextCheck = now.UnixNano() + int64(w.cfg.reopenCheck)
			w.oversize = false
			w.updateDeadline()
			return nil
		}
		// Archive if the period is over, if Rotate asked and nobody beat
		// this writer to it, or if the file is over the size limit (its
		// real size, read here under the lock). An empty file is never
		// archived, so idle periods leave no empty archives.
		stale := livePeriod.Before(cur)
		early := why == forced && (w.f == nil || live.id == w.id) ||
			why == sized && live.size >= w.cfg.maxSize
		if live.size > 0 && (stale || early) {
			i, err := w.archive(livePeriod, next, live.id)
			switch {
			case errors.Is(err, errVanished):
				// An outside tool moved the file between the stat and the
				// rename: it is no longer ours to archive. Whatever is at
				// the path now is opened below as the current period's.
				w.cfg.onError(err)
			case err != nil:
				w.fallback(now)
				return err
			default:
				if w.jan != nil {
					w.jan.notify(w.cfg.archiveFile(w.path, livePeriod, i))
				}
				next = i + 1
				if testHook != nil {
					testHook("renamed")
				}
			}
			exists = false
		}
		if stale {
			livePeriod, next = cur, 0
		}
	}
	if !exists && !livePeriod.Equal(cur) {
		livePeriod, next = cur, 0
	}

	if !exists || w.f == nil || live.id != w.id {
		if err := w.reopen(); err != nil {
			w.fallback(now)
			return err
		}
	}

	newState := sharedState{period: livePeriod, id: w.id, next: next}
	if !known || !newState.period.Equal(st.period) || newState.id != st.id || newState.next != st.next {
		if err := writeState(lf, newState); err != nil {
			w.cfg.onError(err)
		}
	}
	w.period = livePeriod
	w.periodEnd = w.cfg.schedule.next(livePeriod, w.cfg.loc).UnixNano()
	w.nextCheck = now.UnixNano() + int64(w.cfg.reopenCheck)
	w.retryAt = 0
	w.oversize = false
	w.unchecked = 0
	w.updateDeadline()
	return nil
}

// follow is the rollover of a process that finds the work done: if the
// shared state, read without the lock, names the file at the path as the
// current period's live file, it opens that file and reports true. This is
// what the locked protocol would conclude from the same state, which only
// a process holding the lock writes. A state torn by a concurrent update
// fails its checksum, and any doubt (no state, another period, a file
// that is not the one the state names, one over the size limit) reports
// false: the caller takes the lock.
func (w *Writer) follow(now time.Time) bool {
	if testHook != nil {
		// A test that stops a process at a stage of the locked protocol
		// needs that process to go through it.
		return false
	}
	lf, err := readLockFile(w.cfg.lockPath)
	if err != nil {
		return false
	}
	st, known, err := readState(lf)
	lf.Close()
	cur := w.cfg.schedule.start(now, w.cfg.loc)
	if err != nil || !known || !st.period.Equal(cur) {
		return false
	}
	live, err := statPath(w.path)
	if err != nil || live.id != st.id || w.cfg.maxSize > 0 && live.size >= w.cfg.maxSize {
		return false
	}
	if followHook != nil {
		followHook()
	}
	if w.id != live.id {
		// Only the very file the state names: if another process rotated
		// it away since the stat, whatever is at the path now is not known
		// to be this period's, and w.f stays as it was for the locked
		// protocol to decide.
		f, err := openExisting(w.path)
		if err != nil {
			return false
		}
		if info, err := statFile(f); err != nil || info.id != st.id {
			f.Close()
			return false
		}
		w.f.Close()
		w.f, w.fd, w.id = f, f.Fd(), st.id
	}
	w.period = cur
	w.periodEnd = w.cfg.schedule.next(cur, w.cfg.loc).UnixNano()
	w.nextCheck = now.UnixNano() + int64(w.cfg.reopenCheck)
	w.retryAt = 0
	w.oversize = false
	w.unchecked = 0
	w.updateDeadline()
	return true
}

// Polling bounds for the rollover lock. flock has no wait with a timeout,
// so acquire polls; the first polls come quickly because a rollover holds
// the lock for well under a millisecond, and the interval doubles so that
// a long wait (a stopped lock holder) costs few wake-ups.
const (
	lockPollMin = 20 * time.Microsecond
	lockPollMax = 2 * time.Millisecond
)

// acquire takes the rollover lock, waiting at most the lock timeout. While
// it waits it asks settled (if not nil) whether the lock is still needed;
// if settled reports true, acquire returns a nil unlock and no error.
func (w *Writer) acquire(settled func() bool) (unlock func(), err error) {
	deadline := time.Now().Add(w.cfg.lockTimeout)
	for delay := lockPollMin; ; delay = min(2*delay, lockPollMax) {
		ok, err := w.lock.TryLock()
		if err != nil {
			return nil, fmt.Errorf("slogrotate: lock %s: %w", w.cfg.lockPath, explainOpenError(err))
		}
		if ok {
			return func() { w.lock.Unlock() }, nil
		}
		if settled != nil && settled() {
			return nil, nil
		}
		left := time.Until(deadline)
		if left <= 0 {
			return nil, fmt.Errorf("slogrotate: lock %s: %w within %v; writing on to the current file", w.cfg.lockPath, errLockBusy, w.cfg.lockTimeout)
		}
		pause(min(delay, left))
	}
}

// fallback keeps the writer writing after a failed rollover: to the file it
// has if any, otherwise to the file at the path opened without the lock, and
// schedules the next attempt.
func (w *Writer) fallback(now time.Time) {
	if w.f != nil && unlinked(w.f) {
		// The file was deleted, or its directory was: nothing written to
		// it can ever be read. Failing each write, which reports the record
		// lost, is better than acknowledging it.
		w.f.Close()
		w.f = nil
	}
	if w.f == nil {
		if w.openErr = w.reopen(); w.openErr == nil {
			w.period = w.cfg.schedule.start(now, w.cfg.loc)
			w.periodEnd = w.cfg.schedule.next(w.period, w.cfg.loc).UnixNano()
		}
	}
	w.retryAt = now.UnixNano() + int64(retryDelay)
	w.updateDeadline()
}

// reopen points w.f at the file at the path, creating it if needed.
func (w *Writer) reopen() error {
	f, err := openAppend(w.path, w.cfg.mode)
	if err != nil {
		return fmt.Errorf("slogrotate: open log: %w", err)
	}
	info, err := statFile(f)
	if err != nil {
		f.Close()
		return fmt.Errorf("slogrotate: open log: %w", err)
	}
	if w.f != nil {
		w.f.Close()
	}
	w.f, w.fd, w.id = f, f.Fd(), info.id
	return nil
}

// archive renames the live file to the first free archive name of period,
// trying indexes from next on, and returns the index it used. A name is free if neither it nor its
// compressed form exists; the rename itself refuses to replace a file, so
// a name taken between the check and the rename is skipped too.
//
// id is the identity of the file the caller decided to archive. If an
// outside tool moved that file away before the rename, archive fails with
// errVanished, and if it also put another file at the path, that file is
// renamed back rather than archived under a period it does not hold.
func (w *Writer) archive(period time.Time, next int, id fileID) (index int, err error) {
	for i := next; ; i++ {
		name := w.cfg.archiveFile(w.path, period, i)
		if _, err := os.Lstat(name + ".gz"); err == nil {
			continue
		}
		err := renameNoReplace(w.path, name)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if errors.Is(err, fs.ErrNotExist) {
			return 0, fmt.Errorf("slogrotate: archive %s: %w", w.path, errVanished)
		}
		if err != nil {
			return 0, fmt.Errorf("slogrotate: archive: %w", err)
		}
		if got, err := statPath(name); err == nil && got.id != id {
			renameNoReplace(name, w.path)
			return 0, fmt.Errorf("slogrotate: archive %s: %w", w.path, errVanished)
		}
		return i, nil
	}
}
