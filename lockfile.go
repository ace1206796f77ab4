package slogrotate

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// lockfile.go holds the one owner of a lock file: the rollover lock (and
// the shared state it holds) and the maintenance lock are each a lockFile.
// It is the only code that opens a lock file, takes or waits for its
// lock, and reads or writes the state in it.
//
// One lockFile stands for its file in the whole process, shared by every
// Writer (and janitor) of the log, and it keeps one descriptor of the file
// open. That is what makes it correct where locks are fcntl(2) locks (AIX,
// Solaris): the kernel drops a process's lock when any descriptor of the
// file is closed, and fcntl locks do not exclude two goroutines of one
// process. So the state is read, with or without the lock, through the
// descriptor that is locked; a descriptor is closed only while no
// goroutine of the process holds the lock; and an in-process semaphore
// excludes the goroutines of the process from each other.

// A lockFile owns a lock file for the process. Get one with openLock and
// give it back with release.
type lockFile struct {
	path string
	key  string // path made absolute: the key in lockFiles
	mode fs.FileMode
	refs int // users; guarded by lockFiles

	// sem is held by the goroutine that holds the lock or is trying to
	// take it: whoever holds it may use f without fmu, and only it
	// replaces f.
	sem chan struct{}
	// fmu guards f against a reader that does not hold sem while refresh
	// replaces it.
	fmu sync.RWMutex
	f   *os.File
	// owner is given to the file whenever it is opened (WithOwner);
	// guarded by fmu.
	owner fileOwner
}

// lockFiles holds the lockFile of each lock file this process uses, by
// absolute path. Two spellings of one file (through a symbolic link) get
// two lockFiles: flock(2) and LockFileEx still exclude their holders from
// each other, fcntl(2) does not.
var lockFiles = struct {
	sync.Mutex
	m map[string]*lockFile
}{m: make(map[string]*lockFile)}

// openLock returns the process's owner of the lock file at path, opening
// the file (and creating it with mode) if it is the first user. Each call
// must be matched by one release.
func openLock(path string, mode fs.FileMode) (*lockFile, error) {
	key, err := filepath.Abs(path)
	if err != nil {
		key = filepath.Clean(path)
	}
	lockFiles.Lock()
	defer lockFiles.Unlock()
	if l := lockFiles.m[key]; l != nil {
		l.refs++
		return l, nil
	}
	f, err := openLockPath(path, mode)
	if err != nil {
		return nil, fmt.Errorf("slogrotate: open lock file: %w", err)
	}
	l := &lockFile{path: path, key: key, mode: mode, refs: 1, sem: make(chan struct{}, 1), f: f}
	lockFiles.m[key] = l
	return l, nil
}

// release gives back what openLock returned. The last user's release
// closes the file: nobody in the process can hold the lock then.
func (l *lockFile) release() {
	lockFiles.Lock()
	defer lockFiles.Unlock()
	if l.refs--; l.refs > 0 {
		return
	}
	delete(lockFiles.m, l.key)
	l.fmu.Lock()
	l.f.Close()
	l.f = nil
	l.fmu.Unlock()
}

// openLockPath opens the lock file at path, creating it, and gives it
// mode if this process may: every process that may write the log must be
// able to open it, whoever created it.
func openLockPath(path string, mode fs.FileMode) (*os.File, error) {
	f, err := openLockFile(path, mode)
	if err != nil {
		return nil, explainOpenError(err)
	}
	setMode(f, mode)
	return f, nil
}

// Polling bounds for a lock. flock(2) has no wait with a timeout, so lock
// polls; the first polls come quickly because a rollover holds the lock
// for well under a millisecond, and the interval doubles so that a long
// wait (a stopped lock holder) costs few wake-ups.
const (
	lockPollMin = 20 * time.Microsecond
	lockPollMax = 2 * time.Millisecond
)

// lock takes the lock, trying for at most wait (at least once); a lock
// still busy then is ErrLockBusy. While it waits it asks settled (if not
// nil), after each pause, whether the lock is still needed: if settled
// reports true, lock returns false and no error. A holder of the lock
// calls unlock.
func (l *lockFile) lock(wait time.Duration, settled func() bool) (bool, error) {
	deadline := time.Now().Add(wait)
	if ok, err := l.enter(deadline, settled); !ok || err != nil {
		return false, err
	}
	if err := l.refresh(); err != nil {
		<-l.sem
		return false, err
	}
	for delay := lockPollMin; ; delay = min(2*delay, lockPollMax) {
		ok, err := tryLockFD(l.f.Fd())
		if err != nil {
			<-l.sem
			return false, fmt.Errorf("slogrotate: lock %s: %w", l.path, err)
		}
		if ok {
			return true, nil
		}
		left := time.Until(deadline)
		if left <= 0 {
			<-l.sem
			return false, ErrLockBusy
		}
		pause(min(delay, left))
		if settled != nil && settled() {
			<-l.sem
			return false, nil
		}
	}
}

// enter takes the in-process semaphore, waiting until deadline (trying at
// least once) and asking settled, as lock does, every lockPollMax. Waiters
// are let in in the order they came: a goroutine that rotates again and
// again does not starve another.
func (l *lockFile) enter(deadline time.Time, settled func() bool) (bool, error) {
	select {
	case l.sem <- struct{}{}:
		return true, nil
	default:
	}
	var timer *time.Timer
	for {
		left := time.Until(deadline)
		if left <= 0 {
			return false, ErrLockBusy
		}
		if timer == nil {
			timer = time.NewTimer(min(left, lockPollMax))
			defer timer.Stop()
		} else {
			timer.Reset(min(left, lockPollMax))
		}
		select {
		case l.sem <- struct{}{}:
			return true, nil
		case <-timer.C:
		}
		if settled != nil && settled() {
			return false, nil
		}
	}
}

// unlock releases the lock that lock took.
func (l *lockFile) unlock() {
	unlockFD(l.f.Fd())
	<-l.sem
}

// refresh makes f the file at the path, if it is another one now (the
// lock file was removed, or replaced), and reports a path that no longer
// opens. It runs holding sem and before the lock is taken, when no
// goroutine of the process holds the lock: closing a descriptor then
// releases nothing.
func (l *lockFile) refresh() error {
	f, err := openLockPath(l.path, l.mode)
	if err != nil {
		return fmt.Errorf("slogrotate: lock %s: %w", l.path, err)
	}
	l.fmu.RLock()
	chownFile(f, l.owner)
	l.fmu.RUnlock()
	old, err1 := statFile(l.f)
	now, err2 := statFile(f)
	l.fmu.Lock()
	defer l.fmu.Unlock()
	if errors.Join(err1, err2) == nil && old.id == now.id {
		f.Close()
		return nil
	}
	l.f.Close()
	l.f = f
	return nil
}

// own gives the lock file the owner o (WithOwner), now and whenever
// refresh opens it again, where the process may. An unset o changes
// nothing, so that one Writer's owner is not undone by another's.
func (l *lockFile) own(o fileOwner) {
	if !o.set {
		return
	}
	l.fmu.Lock()
	defer l.fmu.Unlock()
	l.owner = o
	chownFile(l.f, o)
}

// file is the locked file, for the holder of the lock.
func (l *lockFile) file() *os.File { return l.f }

// readState reads the shared state without the lock, through the
// descriptor that stays open; see readState in state.go.
func (l *lockFile) readState() (sharedState, bool, error) {
	l.fmu.RLock()
	defer l.fmu.RUnlock()
	if l.f == nil {
		return sharedState{}, false, fs.ErrClosed
	}
	return readState(l.f)
}

// readWatermark reads the report watermark without the lock, through the
// descriptor that stays open; see readWatermark in report.go.
func (l *lockFile) readWatermark() (watermark, bool, error) {
	l.fmu.RLock()
	defer l.fmu.RUnlock()
	if l.f == nil {
		return watermark{}, false, fs.ErrClosed
	}
	return readWatermark(l.f)
}
