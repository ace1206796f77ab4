package slogrotate

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"
)

// rollover.go holds the effects of the rollover protocol: gathering the
// facts under the lock, carrying out what decide (decide.go) plans, the
// follow that opens the new file without the lock, and the rename that
// archives. Every process that reaches a boundary decides from the same
// facts, kept on disk rather than in its memory, so that all of them end
// with the same file open and exactly one of them renamed it.

// How soon a failed rollover is tried again.
const (
	// retryDelay is for faults that persist: no permission, no space, a
	// lock file that cannot be opened. Retrying once a second rather than
	// at every record keeps such a fault from costing system calls per
	// record.
	retryDelay = time.Second
	// busyRetry is for a rollover lock that another process held past the
	// lock timeout. The holder is stopped or slow, not broken: once it is
	// done, every process must be on the new file within milliseconds.
	// Each retry is a read of the shared state and one try of the lock,
	// without waiting (see Writer.maintain).
	busyRetry = 5 * time.Millisecond
)

// rollover gathers the facts under the rollover lock, decides, and carries
// the decision out. It waits at most wait for the lock. On error, w.f is
// left as it was (or opened without the lock if there was none) and the
// next attempt is scheduled (see retryDelay and busyRetry).
//
// It must be called with w.mu held.
func (w *Writer) rollover(now time.Time, why reason, wait time.Duration) error {
	err := w.tryRollover(now, why, wait)
	if err == nil {
		w.tm.succeeded()
		return nil
	}
	busy, retry := errors.Is(err, ErrLockBusy), retryDelay
	if busy {
		retry = busyRetry
	}
	w.fallback(now, retry, busy)
	return err
}

// tryRollover is one attempt at a rollover: the follow if the shared
// state says the work is done, otherwise the locked protocol.
func (w *Writer) tryRollover(now time.Time, why reason, wait time.Duration) error {
	cur := w.cfg.schedule.start(now, w.cfg.loc)
	// At a boundary one process rotates and every other one only has to
	// open the new file: it may do that without the lock once the shared
	// state says the rotation is done, also while it waits for the lock.
	// Without this shortcut the followers would take the lock in turn, and
	// the last of eight would wait for seven rollovers. Open may follow
	// too: most Opens find the file current, and a short-lived program
	// (a cron job, one run of the command) pays for what Open does on
	// every run. (The lock file was opened for writing by Open already.)
	canFollow := why == scheduled && w.f != nil || why == opening
	if canFollow && w.follow(now, cur) {
		return nil
	}
	held, err := w.lock.lock(wait, func() bool { return canFollow && w.follow(now, cur) })
	if errors.Is(err, ErrLockBusy) {
		return fmt.Errorf("%w: %s, for %v; writing on to the current file", ErrLockBusy, w.cfg.lockPath, w.cfg.lockTimeout)
	}
	if err != nil || !held {
		return err
	}
	defer w.lock.unlock()
	reach(stageLocked)

	lf := w.lock.file()
	f, err := w.gather(lf, why, cur)
	if err != nil {
		return err
	}
	reach(stageStated)
	return w.carryOut(lf, f, decide(f), now)
}

// gather reads the facts under the lock. A shared state that cannot be
// read is reported and treated as unknown: the files alone decide, and
// the state is replaced.
func (w *Writer) gather(lf *os.File, why reason, cur time.Time) (facts, error) {
	f := w.ownFacts(why, cur)
	var err error
	if f.state, f.known, err = readState(lf); err != nil {
		w.cfg.onError(err)
	}
	w.notice(f.state)
	if err := w.statLive(&f); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return facts{}, fmt.Errorf("slogrotate: rotate: %w", err)
	}
	return f, nil
}

// ownFacts are the facts this writer knows without looking at the disk.
func (w *Writer) ownFacts(why reason, cur time.Time) facts {
	return facts{
		why: why, cur: cur,
		own: w.id, open: w.f != nil, ownLinked: w.f != nil && !unlinked(w.f), ownPeriod: w.tm.period,
		maxSize: w.cfg.maxSize, buffered: w.bufSize > 0,
	}
}

// statLive adds what is at the path to f.
func (w *Writer) statLive(f *facts) error {
	live, err := statPath(w.path)
	if err != nil {
		return err
	}
	f.live, f.exists = live, true
	f.headerOnly = headerOnly(w.path, live.size, w.cfg.header)
	f.mtimePeriod = w.cfg.schedule.start(live.mtime, w.cfg.loc)
	return nil
}

// carryOut makes plan p come true, under the lock.
func (w *Writer) carryOut(lf *os.File, f facts, p plan, now time.Time) error {
	switch p.act {
	case writeOn:
		w.commit(w.tm.period, now)
		return nil
	case archiveLive:
		i, err := w.archive(p.archived, p.fromIndex, f.live.id)
		switch {
		case errors.Is(err, ErrFileMoved):
			w.cfg.onError(err)
			p = p.reopened(p.fromIndex) // the move took no index
		case err != nil:
			return err
		default:
			if w.janitor != nil {
				w.janitor.notify(w.cfg.archiveFile(w.path, p.archived, i))
			}
			reach(stageRenamed)
			p = p.reopened(i + 1)
		}
	}
	if p.act == adopt {
		var replaced *fileInfo
		if f.exists {
			replaced = &f.live
		}
		if err := w.openLive(w.cfg.liveOwner(replaced)); err != nil {
			return err
		}
	}
	st := p.state(w.id)
	st.agreed = w.ownAgreement() // recorded for the processes to compare
	if !f.known || !st.equal(f.state) {
		if err := writeState(lf, st); err != nil {
			w.cfg.onError(err)
		}
	}
	w.commit(p.period, now)
	return nil
}

// follow is the rollover of a process that finds the work done. It reads
// the shared state without the lock (a state torn by a concurrent update
// fails its checksum) and asks decide; if the plan changes neither the
// files nor the state, it carries it out and reports true. Any doubt
// reports false, and the caller takes the lock.
//
// A writer with no file yet (Open) follows only if the state records its
// own options: otherwise the locked protocol records them, for the other
// processes to notice.
func (w *Writer) follow(now, cur time.Time) bool {
	f := w.ownFacts(scheduled, cur)
	var err error
	f.state, f.known, err = w.lock.readState()
	w.notice(f.state)
	if err != nil || !f.known || !f.open && f.state.agreed != w.ownAgreement() || w.statLive(&f) != nil {
		return false
	}
	p := decide(f)
	switch {
	case p.act == writeOn:
		w.commit(w.tm.period, now)
		return true
	case p.act == archiveLive || !p.state(f.live.id).sameLive(f.state):
		return false
	case p.act == adopt:
		reach(stageFollowing)
		if !w.openKnown(f.live.id) {
			return false
		}
	}
	w.commit(p.period, now)
	return true
}

// openKnown points w.f at the file at the path if it is still the file id
// names. If another process rotated it away since it was looked at,
// whatever is at the path now is not known to be this period's: w.f stays
// as it was, for the locked protocol to decide.
func (w *Writer) openKnown(id fileID) bool {
	f, err := openExisting(w.path)
	if err != nil {
		return false
	}
	if info, err := statFile(f); err != nil || info.id != id {
		f.Close()
		return false
	}
	if w.f == nil {
		chownFile(f, w.cfg.owner) // Open gives the file there the owner
	} else {
		w.f.Close()
	}
	w.f, w.fd, w.id, w.openErr = f, f.Fd(), id, nil
	return true
}

// fallback keeps the writer writing after a failed rollover: to the file it
// has if any, otherwise to the file at the path opened without the lock;
// and it schedules the next attempt after retry.
func (w *Writer) fallback(now time.Time, retry time.Duration, busy bool) {
	if w.f != nil && unlinked(w.f) {
		// The file was deleted, or its directory was: nothing written to
		// it can ever be read. Failing each write, which reports the record
		// lost, is better than acknowledging it.
		w.f.Close()
		w.f = nil
	}
	if w.f == nil {
		if w.openErr = w.openLive(w.cfg.owner); w.openErr == nil {
			w.tm.setPeriod(w.cfg.schedule.start(now, w.cfg.loc))
		}
	}
	w.tm.failed(now, retry, busy)
	w.arm(now)
}

// openLive points w.f at the file at the path, creating it if needed, and
// gives it the owner o where the process may.
func (w *Writer) openLive(o fileOwner) error {
	f, err := createLive(w.path, w.cfg.mode, w.cfg.header)
	if err != nil {
		return fmt.Errorf("slogrotate: open log: %w", err)
	}
	chownFile(f, o)
	info, err := statFile(f)
	if err != nil {
		f.Close()
		return fmt.Errorf("slogrotate: open log: %w", err)
	}
	if w.f != nil {
		w.f.Close()
	}
	w.f, w.fd, w.id, w.openErr = f, f.Fd(), info.id, nil
	return nil
}

// archive renames the live file to the first free archive name of period,
// trying indexes from from on, and returns the index it used. A name is
// free if neither it nor its compressed form exists; the rename itself
// refuses to replace a file, so a name taken between the check and the
// rename is skipped too.
//
// id is the identity of the file the caller decided to archive. If an
// outside tool moved that file away before the rename, archive fails with
// ErrFileMoved, and if it also put another file at the path, that file is
// renamed back rather than archived under a period it does not hold.
func (w *Writer) archive(period time.Time, from int, id fileID) (index int, err error) {
	for i := from; ; i++ {
		name := w.cfg.archiveFile(w.path, period, i)
		if w.cfg.compressedExists(name) {
			continue
		}
		err := renameNoReplace(w.path, name)
		if errors.Is(err, fs.ErrExist) {
			if got, serr := statPath(name); serr == nil && got.id == id {
				// A link-then-unlink rename cut short (the process died
				// between the two) left the file under both names: finish
				// it rather than archive the same file twice.
				if err := os.Remove(w.path); err != nil {
					return 0, fmt.Errorf("slogrotate: archive: %w", err)
				}
				return i, nil
			}
			continue
		}
		if errors.Is(err, fs.ErrNotExist) {
			return 0, fmt.Errorf("%w: archive %s", ErrFileMoved, w.path)
		}
		if crossDevice(err) {
			return 0, fmt.Errorf("slogrotate: archive: %w: %w", err, errCrossDevice)
		}
		if err != nil {
			return 0, fmt.Errorf("slogrotate: archive: %w", err)
		}
		if got, err := statPath(name); err == nil && got.id != id {
			renameNoReplace(name, w.path)
			return 0, fmt.Errorf("%w: archive %s", ErrFileMoved, w.path)
		}
		return i, nil
	}
}
