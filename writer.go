package slogrotate

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// writer.go holds the Writer: Open, the write path (Write, emit, the
// buffer), maintain, which decides at a deadline whether to roll over, and
// the methods Rotate, Reopen, Sync, Flush and Close.

// MaxRecordSize is the largest record a single Write accepts. Larger writes
// are refused with [ErrRecordTooLarge] rather than risk being split: one
// write(2) of up to this size to a local file is appended whole.
const MaxRecordSize = 1 << 20

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
// Each Write should carry exactly one whole record, ending in a newline: it
// is written with one system call (alone, or in a batch of whole records
// with [WithBuffer]) and is never split across files or interleaved with
// another process's record. A record that does not end in a newline gets
// one, so that each record is a line of its own. Without a buffer, when
// Write returns without error the record is
// in the operating system's page cache, where it survives a crash of the
// process; [Writer.Sync] forces it to the disk. With a buffer, it is there
// once the batch is written (see [WithBuffer] for when).
type Writer struct {
	// Set by Open, then only read.
	path    string
	cfg     config
	lock    *lockFile // the rollover lock and the shared state (lockfile.go)
	janitor *janitor  // nil unless retention, compression, OnRotate or a buffer is on

	mu sync.Mutex // guards everything below

	// The open file, written by the rollover (rollover.go) and by emit,
	// which drops a descriptor that may no longer append.
	f       *os.File // nil after Close, or if the log could not be opened
	fd      uintptr  // f's descriptor, for writeRecord
	id      fileID   // identity of f
	openErr error    // why f is nil, for the error each write then reports
	closed  bool
	// lineOpen: the last write was cut short and its fragment could not
	// be blanked, so the file ends in a line not ended; the next write
	// starts with a newline (emit).
	lineOpen bool

	tm timing // the timing state, written only by its methods (timing.go)

	// With WithBuffer: records not yet written (buffer and flushLocked;
	// the timer writes them out at flushDue).
	buf      []byte
	bufSize  int
	flushDue int64 // when the oldest buffered record must be written

	// The writer's one timer (timer.go: arm and tick), due at timerAt.
	timer     *time.Timer
	ticks     sync.WaitGroup // runs of tick to come or under way, for Close to wait for
	timerAt   int64
	idleDelay time.Duration // how long after a boundary an idle writer rotates

	agreed agreementWatch // the options the processes must agree on (agreement.go)
}

// Open opens the log at path for appending, creating it and its parent
// directories if needed, and returns a Writer that rotates it. Every process
// sharing the log must open it with the same schedule, location, archive
// layout, archive directory, extension keeping, compression and lock file;
// processes that disagree name, date or compress archives differently.
//
// The lock file records all of those but the lock file itself (a process
// with another lock file shares nothing with the others), as the process
// that last rotated the log had them. A writer that finds other options recorded
// reports [ErrOptionsDiffer] to the error handler, naming each option that
// differs: at Open, and, once Open has recorded this process's options, a
// writer already running learns of them at its next reopen check or
// rollover. Open does not fail for it, so that a rolling restart which
// changes the options keeps the service up. While processes disagree, each
// rotates by its own options: the file is archived at the boundaries of
// every schedule in play, by the naming of the process that archives it,
// and a process writes on into the file it has until its own period ends
// even if another archived it. No record is lost or duplicated and no
// archive name is used twice, but an archive made meanwhile may hold
// records of other periods than its name says. Once the processes with the
// other options have exited, only the remaining options decide, from their
// next boundary on. Retention and compression see only the archive names
// the remaining options make; others stay until removed by hand.
//
// If the file at path holds records of an earlier period (a process wrote
// it yesterday and nobody has written since), Open archives it first.
//
// A nil option, or an option given a bad value, makes Open fail with an
// error matching [ErrInvalidOption].
//
// Open starts one goroutine if retention, compression, [WithOnRotate] or
// [WithBuffer] is on: the janitor, which deletes and compresses archives
// and calls OnRotate. A timer (idle rotation, the flush interval) runs its
// function on a goroutine of its own while it fires. [Writer.Close] stops
// both.
func Open(path string, opts ...Option) (*Writer, error) {
	cfg := defaultConfig()
	for i, o := range opts {
		if o == nil {
			cfg.fail("Open: option %d of %d is nil", i+1, len(opts))
			continue
		}
		o(&cfg)
	}
	if err := cfg.check(path); err != nil {
		return nil, err
	}
	fi, err := os.Stat(path)
	if err == nil && fi.IsDir() {
		return nil, fmt.Errorf("slogrotate: log path %s is a directory", path)
	}
	if err != nil { // a file at path has its directory
		if err := mkdirAllOwned(filepath.Dir(path), dirMode(cfg.mode), cfg.owner); err != nil {
			return nil, fmt.Errorf("slogrotate: create log directory: %w", err)
		}
	}
	if err := cfg.prepareArchiveDir(path); err != nil {
		return nil, err
	}
	lock, err := openLock(cfg.lockPath, cfg.mode)
	if err != nil {
		return nil, err
	}
	lock.own(cfg.owner)
	w := &Writer{path: path, cfg: cfg, lock: lock}
	w.idleDelay = rand.N(maxIdleDelay)
	if cfg.bufSize > 0 {
		w.bufSize = cfg.bufSize
		w.buf = make([]byte, 0, cfg.bufSize)
	}
	if cfg.compress || cfg.maxBackups > 0 || cfg.maxAge > 0 || cfg.maxTotal > 0 || cfg.minFree > 0 || cfg.onRotate != nil || cfg.bufSize > 0 {
		// Before the first rollover, which may archive a file left from an
		// earlier period: that archive is the janitor's too.
		w.janitor = newJanitor(path, &w.cfg, lock)
	}
	now := cfg.clock()
	w.tm = newTiming(&w.cfg, now)
	// A lock file that is merely busy is no reason to fail: the writer
	// writes on and rotates later. One that cannot be opened at all (a
	// symlink planted in its place, no permission) would leave the log
	// unrotated forever, so Open reports it.
	// Under the mutex, as every rollover: the rollover arms the timer, whose
	// function may run before it returns.
	w.mu.Lock()
	err = w.rollover(now, opening, cfg.lockTimeout)
	w.mu.Unlock()
	if err != nil && (w.f == nil || !errors.Is(err, ErrLockBusy)) {
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

var _ io.WriteCloser = (*Writer)(nil)

// Path returns the path of the live log file.
func (w *Writer) Path() string { return w.path }

// Write appends p as one record, with a newline after it if p does not end
// in one. It returns [ErrRecordTooLarge] if p is longer than
// [MaxRecordSize] and [ErrClosed] after Close. Every error but ErrClosed is
// also passed to the error handler. On success it returns len(p).
func (w *Writer) Write(p []byte) (int, error) {
	size := len(p)
	if size > MaxRecordSize {
		err := fmt.Errorf("%w: %d bytes for %s", ErrRecordTooLarge, size, w.path)
		w.cfg.onError(err)
		return 0, err
	}
	if size > 0 && p[size-1] != '\n' {
		p = append(p[:size:size], '\n')
	}
	w.mu.Lock()
	if w.joinBatch(p) {
		w.mu.Unlock()
		return size, nil
	}
	defer w.mu.Unlock()
	if w.closed {
		return 0, ErrClosed
	}
	var now time.Time
	if d, early := w.tm.since(); early {
		now = w.tm.at(d) // nothing is due
	} else if now = w.tm.now(); w.tm.due(now) {
		w.maintain(now)
	}
	var n int
	var err error
	if w.bufSize > 0 && len(p) < w.bufSize {
		n, err = w.buffer(p, now)
	} else {
		w.flushLocked() // keep the order of records
		n, err = w.emit(p)
	}
	return min(n, size), err
}

// joinBatch adds the record p to the batch under way if it fits and
// nothing is due (timing.since): the common case of a buffered write,
// which then needs nothing but a clock read and p's bytes. It must be
// called with w.mu held.
func (w *Writer) joinBatch(p []byte) bool {
	if w.closed || len(w.buf) == 0 || len(w.buf)+len(p) > w.bufSize || len(p) >= w.bufSize {
		return false
	}
	if _, early := w.tm.since(); !early {
		return false
	}
	w.buf = append(w.buf, p...)
	return true
}

// emit writes p, one record or a batch of whole records, with one system
// call. Errors go to the error handler too.
func (w *Writer) emit(p []byte) (int, error) {
	if w.f == nil {
		err := w.notOpen("write")
		w.cfg.onError(err)
		return 0, err
	}
	rec := p
	if w.lineOpen {
		// The fragment of an earlier cut record could not be blanked: end
		// its line first, in the same write, so this record is whole.
		rec = append([]byte{'\n'}, p...)
	}
	n, err := appendOnce(w.fd, rec)
	if w.tm.wrote(n) {
		w.checkSize()
	}
	switch {
	case n == len(rec):
		w.lineOpen, n = false, len(p)
		w.endFragmentBefore(rec) // a killed process's cut write may precede it
	case n > 0:
		// The file system took only part of the record: it is full, or
		// over a quota or size limit. The record is lost; its fragment is
		// blanked to spaces and a newline, so that whatever any process
		// appends next starts on a line of its own.
		berr := blankFragment(w.fd, n)
		w.lineOpen = berr != nil
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
		w.tm.checkNow()
	}
	return n, err
}

// notOpen is the error of op with no file open, and why if known.
func (w *Writer) notOpen(op string) error {
	if w.openErr != nil {
		return fmt.Errorf("slogrotate: %s %s: the log file is not open: %w", op, w.path, w.openErr)
	}
	return fmt.Errorf("slogrotate: %s %s: the log file is not open", op, w.path)
}

// minLookedAt is the smallest unbuffered record after which the writer
// looks for a fragment (see endFragment). The look costs an lseek(2) per
// write and, once in 4096 writes, a pread(2): small next to a write(2) of
// 4 KiB, but a large part of the cost of a small record's.
const minLookedAt = 4 << 10

// endFragmentBefore ends the line of a fragment just before rec, which
// emit has just appended whole. A buffered writer looks after every
// batch; an unbuffered one after records of minLookedAt bytes or more.
func (w *Writer) endFragmentBefore(rec []byte) {
	if w.bufSize == 0 && len(rec) < minLookedAt {
		return
	}
	err := endFragment(w.fd, rec)
	if err == nil {
		return
	}
	w.cfg.onError(fmt.Errorf("slogrotate: write %s: the write before this one was cut short (a process killed in the middle of it?), and its line could not be ended: %w", w.path, err))
	if errors.Is(err, errAppendLost) {
		w.f.Close() // never write through a descriptor that may not append
		w.f = nil
		w.tm.checkNow()
	}
}

// maintain runs on the first write at or after the deadline: it rolls over if
// the period has ended or the file reached the size limit, and otherwise
// checks that w.f is still the file at the path. Errors go to the error
// handler; the write goes ahead with whatever file w.f is then.
func (w *Writer) maintain(now time.Time) {
	// Buffered records were written before now, in the period of the file
	// w.f holds: they go there before anything changes.
	w.flushLocked()
	why := scheduled
	if now.UnixNano() < w.tm.periodEnd && w.f != nil {
		if !w.tm.oversize {
			w.tm.checkLater(now)
			w.lookAtOptions()
			info, err := statPath(w.path)
			if err == nil && info.id == w.id && (w.cfg.maxSize == 0 || info.size < w.cfg.maxSize) {
				return
			}
			w.tm.setOversize(err == nil && info.id == w.id)
		}
		if w.tm.oversize {
			why = sized
		}
	}
	// After a lock wait that timed out, the holder is stalled: retries
	// try the lock once, without waiting, and do not report the same
	// busy lock again.
	wait, wasBusy := w.cfg.lockTimeout, w.tm.busy
	if wasBusy {
		wait = 0
	}
	if err := w.rollover(now, why, wait); err != nil && !(wasBusy && errors.Is(err, ErrLockBusy)) {
		w.cfg.onError(err)
	}
}

// checkSize looks at the real size of the file, which all processes write,
// and makes the next write roll over if it reached the limit.
func (w *Writer) checkSize() {
	if info, err := statFile(w.f); err == nil && info.size >= w.cfg.maxSize {
		w.tm.setOversize(true)
	}
}

// commit makes period the one w.f holds, after a rollover at now, and
// sets the timer for the new period.
func (w *Writer) commit(period time.Time, now time.Time) {
	w.tm.commit(period, now)
	w.arm(now)
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
	return w.rollover(w.cfg.clock(), forced, w.cfg.lockTimeout)
}

// Reopen closes the file this writer has open and opens the file at the
// path, as after a rename by an outside tool. It is meant for a SIGUSR1
// handler; without it the writer notices within the reopen-check interval.
// Like any rollover, it first archives the file at the path if that file
// holds records of a period that has ended.
func (w *Writer) Reopen() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return ErrClosed
	}
	w.flushLocked()
	return w.rollover(w.cfg.clock(), scheduled, w.cfg.lockTimeout)
}

// Sync writes out buffered records (see [WithBuffer]) and commits the file
// to stable storage with fsync. With no file open (the log could not be
// opened or reopened; every write fails meanwhile), it fails, saying why.
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
		return w.notOpen("sync")
	}
	if err := w.f.Sync(); err != nil {
		return fmt.Errorf("slogrotate: sync %s: %w", w.path, err)
	}
	return nil
}

// Close writes out buffered records and closes the file. Writes after
// Close fail with [ErrClosed], and so does a second Close. Close does not
// rotate: another process, or the next Open, archives the file when its
// period has ended.
//
// Close stops the goroutines Open started and waits for them: the janitor
// (abandoning a compression under way, which the next sweep in any
// process redoes) and a timer function that is running. When it returns,
// no goroutine of the Writer is left but those returning.
func (w *Writer) Close() error {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return ErrClosed
	}
	err := w.flushLocked()
	w.closed = true
	if w.timer != nil && w.timer.Stop() {
		w.ticks.Done() // its function will not run
	}
	if w.f != nil {
		if cerr := w.f.Close(); cerr != nil {
			err = errors.Join(err, fmt.Errorf("slogrotate: close %s: %w", w.path, cerr))
		}
		w.f = nil
	}
	jan := w.janitor
	w.mu.Unlock()
	// The janitor may be calling OnRotate or the error handler, which may
	// log through this writer: wait for it without holding w.mu.
	if jan != nil {
		jan.close()
	}
	w.ticks.Wait()
	w.lock.release()
	return err
}

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
	if len(w.buf) == 0 {
		// Flush by the end of the period at the latest, so that a period's
		// records are in the live file when it is renamed, where a
		// follower that stops reading at the rename still sees them.
		const early = 5 * time.Millisecond // timers fire late, not early
		w.flushDue = now.UnixNano() + int64(w.cfg.flushEvery)
		if end := w.tm.periodEnd - int64(early); end > now.UnixNano() {
			w.flushDue = min(w.flushDue, end)
		}
		w.buf = append(w.buf, p...)
		w.arm(now)
		return len(p), nil
	}
	w.buf = append(w.buf, p...)
	return len(p), nil
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
