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

// Flush writes out the records buffered by [WithBuffer]. Without a buffer
// it does nothing.
func (w *Writer) Flush() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return ErrClosed
	}
	return w.flushLocked()
}

// buffer adds the record p to the batch, writing the batch first if p
// would not fit. It must be called with w.mu held.
func (w *Writer) buffer(p []byte, now time.Time) (int, error) {
	if len(w.buf)+len(p) > w.bufSize {
		w.flushLocked() // its error went to the error handler
	}
	w.buf = append(w.buf, p...)
	if !w.timerArmed {
		// Flush by the end of the period at the latest, so that a period's
		// records are in the live file when it is renamed, where a
		// follower that stops reading at the rename still sees them.
		delay := w.cfg.flushEvery
		const early = 5 * time.Millisecond // timers fire late, not early
		if untilEnd := time.Duration(w.periodEnd-now.UnixNano()) - early; untilEnd > 0 && untilEnd < delay {
			delay = untilEnd
		}
		w.timerArmed = true
		if w.flushTimer == nil {
			w.flushTimer = time.AfterFunc(delay, w.timedFlush)
		} else {
			w.flushTimer.Reset(delay)
		}
	}
	return len(p), nil
}

func (w *Writer) timedFlush() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.timerArmed = false
	if !w.closed {
		w.flushLocked()
	}
}

// flushLocked writes the batch, if any, with one system call. The records
// of a failed batch are dropped (the error handler has been told), so that
// a full disk does not make the buffer grow without bound.
func (w *Writer) flushLocked() error {
	if len(w.buf) == 0 {
		return nil
	}
	_, err := w.emit(w.buf)
	w.buf = w.buf[:0]
	return err
}

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

func blanked(err error) string {
	if err != nil {
		return fmt.Sprintf("could not be blanked (%v): the next record starts with a newline", err)
	}
	return "was blanked"
}

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
		w.endFragmentBefore(rec) // a killed process's cut write may precede it
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
