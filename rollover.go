package slogrotate

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"
)

// retryDelay is how long a writer waits after a failed rollover before it
// tries again, so that a persistent fault costs one attempt a second rather
// than one per record.
const retryDelay = time.Second

// Why a rollover is attempted.
type reason int

const (
	scheduled reason = iota // the period ended, or the file must be reopened
	forced                  // Rotate was called
	sized                   // the file reached WithMaxSize
)

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
	reach(stageLocked)

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
	reach(stageStated)
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
			case errors.Is(err, ErrFileMoved):
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
				reach(stageRenamed)
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
	reach(stageFollowing)
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
			return nil, fmt.Errorf("slogrotate: lock %s: %w within %v; writing on to the current file", w.cfg.lockPath, ErrLockBusy, w.cfg.lockTimeout)
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
// ErrFileMoved, and if it also put another file at the path, that file is
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
			return 0, fmt.Errorf("slogrotate: archive %s: %w", w.path, ErrFileMoved)
		}
		if err != nil {
			return 0, fmt.Errorf("slogrotate: archive: %w", err)
		}
		if got, err := statPath(name); err == nil && got.id != id {
			renameNoReplace(name, w.path)
			return 0, fmt.Errorf("slogrotate: archive %s: %w", w.path, ErrFileMoved)
		}
		return i, nil
	}
}
