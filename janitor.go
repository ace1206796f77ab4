package slogrotate

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// janitor.go holds the janitor: its goroutine, the listing of the archive
// directory and the sweep that removes and compresses archives.

// The janitor does the work a rollover leaves behind, off the write path:
// deleting archives beyond the retention limits, compressing archives, and
// telling the user (WithOnRotate) that an archive is complete (report.go).
//
// It runs on a goroutine of each Writer that needs it, woken after each
// rollover the Writer makes, at Open, and when an archive it is waiting for
// becomes ripe. A sweep holds the maintenance lock (see lockPaths and
// maintLockPath), a second advisory lock, so that exactly one process
// sweeps at a time while writers never wait for it: the rollover lock is
// not held while the directory is listed or a file compressed: listing a
// directory of thousands of archives under it would stall every writer
// that crosses the boundary.
//
// When is an archive ripe for compression? A writer appends to a file
// after it has been renamed only until it next looks at the path: at its
// first write after the period ended (which reopens before writing), or at
// its next reopen check, at most WithReopenCheck after the rename, for a
// rollover it did not see coming (a size rollover or Rotate in another
// process). So an archive is complete once twice the reopen check
// interval (plus a flush interval, with WithBuffer) has passed since both
// its last write and its rename. On Linux the archive's change time, which
// a rename sets, tells when that was, so any process's janitor judges an
// archive from the archive itself; elsewhere the sweep's first sight of an
// archive stands in for the rename, which it cannot precede, and a janitor
// judges only what it has watched that long. As a second safeguard,
// the compressor checks that the archive did not grow while it read it, and
// starts over if it did. Only a process stopped for longer than that between reading its
// clock and its write(2) could still append, into a file already removed.
//
// Compression is crash-safe and idempotent: the archive is compressed into
// name.gz.tmp (name, the compressor's extension, .tmp), which is synced
// and renamed (without replacing) to name.gz, and only then is the source
// removed. A temporary file found while holding the maintenance lock was
// left by a process that died; it is removed and the work redone. A source
// found beside its .gz (or its compressed file of any extension the writer
// recognises) was compressed by a process that died before removing it; it
// is removed.
type janitor struct {
	path string
	cfg  *config
	// maint is the maintenance lock (nil until its file could be opened).
	maint     *lockFile
	maintPath string
	// rolloverLock is the rollover lock, the Writer's, taken around the step that
	// frees an archive name behind a rollover's back: removing a
	// compressed archive's source.
	rolloverLock *lockFile

	wake chan struct{}
	stop chan struct{}
	done chan struct{}

	// names holds what the sweeps learned of the names in the archive
	// directory that begin with the log's base name and a dot (see
	// listDue), so that a name is parsed once, not at every sweep. A
	// listing drops the names it did not find, so names never outgrows the
	// directory, and a name that comes back is new. Only the sweep (and
	// startReports, before it runs) touches the fields from here to mu.
	names  map[string]listedName
	sweeps uint64 // listings made, which listedName.sweep refers to
	// listedAt is when the last listing began and listCost how long it
	// took; see listDue.
	listedAt time.Time
	listCost time.Duration
	// coverBy, if set, is when a report waiting for a listing to cover
	// its archive (see covered) makes one due.
	coverBy time.Time
	// unsure has the plain archives in names not yet found with records,
	// when buffering (see removeEmpty).
	unsure map[string]bool
	// archives has the archives in names, oldest first (see
	// oldestFirst), so that the selections of retention, which sort them,
	// find them sorted. scratch is the array listedArchives reuses, sizeOf
	// the map sizes reuses.
	archives []archiveName
	scratch  []archiveName
	sizeOf   map[string]int64
	listing  bool // a listing is under way
	// toldNoFree records that the error handler was told this system
	// cannot measure free space.
	toldNoFree bool

	mu   sync.Mutex
	made []string // archives this process made since the last sweep
}

// A listedName is what the janitor knows of a name in the archive directory.
type listedName struct {
	kind    nameKind
	archive archiveName // for an archive
	// firstSeen is when this janitor first listed the name: no earlier
	// than an archive's rename, which is when late writes may arrive even
	// into a file whose last write (mtime) is days old.
	firstSeen time.Time
	sweep     uint64 // the last listing that had the name
	// size is the archive's size (WithMaxTotalSize, WithMinFreeSpace),
	// once sized: measured when it was no longer fresh, so final.
	size  int64
	sized bool
}

type nameKind uint8

const (
	nameForeign nameKind = iota // not of this writer's naming: never touched
	nameArchive
	nameTmp // a compressor's temporary file
)

// tmpSuffix ends a compressor's temporary file: the compressed archive's
// name and this.
const tmpSuffix = ".tmp"

// listBatch is how many names a listing reads at a time.
const listBatch = 1024

// relistFactor bounds the time spent listing the archive directory to
// about 0.2% of the time that passes: see listDue.
const relistFactor = 500

func newJanitor(path string, cfg *config, rolloverLock *lockFile) *janitor {
	j := &janitor{
		path:         path,
		cfg:          cfg,
		maintPath:    cfg.maintPath,
		rolloverLock: rolloverLock,
		wake:         make(chan struct{}, 1),
		stop:         make(chan struct{}),
		done:         make(chan struct{}),
	}
	// Created now, with the log's mode, so that every process that may
	// write the log may also sweep.
	j.openMaint()
	j.startReports()
	go j.run()
	j.notify("")
	return j
}

// openMaint opens the maintenance lock file if it is not open yet, and
// reports whether it is.
func (j *janitor) openMaint() bool {
	if j.maint != nil {
		return true
	}
	l, err := openLock(j.maintPath, j.cfg.mode)
	if err != nil {
		j.cfg.onError(fmt.Errorf("slogrotate: maintenance lock: %w", err))
		return false
	}
	l.own(j.cfg.owner)
	j.maint = l
	return true
}

// grace is how long an archive must have been left alone before it is
// complete; see the type's comment. A buffered writer may write a batch of
// the archive's period up to one flush interval after the rollover.
func (j *janitor) grace() time.Duration {
	g := 2 * j.cfg.reopenCheck
	if j.cfg.bufSize > 0 {
		g += j.cfg.flushEvery
	}
	return g
}

// notify wakes the janitor; archive, if not empty, is one this process just
// made (a path).
func (j *janitor) notify(archive string) {
	if archive != "" {
		j.mu.Lock()
		j.made = append(j.made, filepath.Base(archive))
		j.mu.Unlock()
	}
	select {
	case j.wake <- struct{}{}:
	default:
	}
}

// close stops the janitor, abandoning a compression under way (the next
// sweep in any process redoes it).
func (j *janitor) close() {
	close(j.stop)
	<-j.done
	if j.maint != nil {
		j.maint.release()
	}
}

// stopped reports whether close was called.
func (j *janitor) stopped() bool {
	select {
	case <-j.stop:
		return true
	default:
		return false
	}
}

func (j *janitor) run() {
	defer close(j.done)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		select {
		case <-j.stop:
			return
		case <-j.wake:
		case <-timer.C:
		}
		if again := j.sweep(); again > 0 {
			timer.Reset(again)
		}
	}
}

// sweep does one round of maintenance and returns when to look again (0:
// only when woken).
func (j *janitor) sweep() time.Duration {
	if ok, again := j.tryLock(); !ok {
		return again
	}
	defer j.maint.unlock()

	j.awaitRollover()
	r := &ripeness{j: j, grace: j.grace()}
	fresh, err := j.update(r)
	if err != nil {
		j.cfg.onError(err)
		return retryDelay
	}
	j.removeEmpty(r)
	// Reported before retention, which may delete what is complete.
	j.report(r)
	archives := j.retain(r, fresh)
	if j.cfg.compress && !j.compressAll(r, archives) {
		return 0
	}
	j.report(r)
	return r.again
}

// tryLock takes the maintenance lock without waiting. If it cannot, it
// reports when to try again.
func (j *janitor) tryLock() (ok bool, again time.Duration) {
	if !j.openMaint() {
		return false, retryDelay
	}
	ok, err := j.maint.lock(0, nil)
	switch {
	case errors.Is(err, ErrLockBusy):
		// Another process is sweeping; what it does not cover (an archive
		// made after it listed the directory) is looked at next time.
		return false, j.grace()
	case err != nil:
		j.cfg.onError(err)
		return false, retryDelay
	}
	return ok, 0
}

// dir is the directory the janitor lists: where the archives are.
func (j *janitor) dir() string {
	return j.cfg.archiveDirOf(j.path)
}

// update brings names up to date, listing the directory if that is due,
// and reports whether it listed. Between listings it adds the archives
// this process made, and asks for a sweep once the next listing is due,
// which finds those of other processes.
func (j *janitor) update(r *ripeness) (listed bool, err error) {
	j.mu.Lock()
	made := j.made
	j.made = nil
	j.mu.Unlock()
	if j.listDue() {
		return true, j.listClean()
	}
	r.later(j.untilListDue())
	for _, name := range made {
		j.learn(name)
	}
	return false, nil
}

// untilListDue is how long until a listing is due.
func (j *janitor) untilListDue() time.Duration {
	return max(relistFactor*j.listCost-time.Since(j.listedAt), 0) + time.Millisecond
}

// learnCompressed adds to names z, the compressed form of the archive
// plain, as first seen when plain was: it is the same archive, which a
// listing since then covers (see covered).
func (j *janitor) learnCompressed(plain, z string) {
	j.learn(z)
	if n, ok := j.names[z]; ok && n.firstSeen.After(j.names[plain].firstSeen) {
		n.firstSeen = j.names[plain].firstSeen
		j.names[z] = n
	}
}

// learn adds to names one that this process just made, if it is not
// there yet and is still in the directory.
func (j *janitor) learn(name string) {
	if _, err := os.Lstat(filepath.Join(j.dir(), name)); err != nil {
		return
	}
	if _, ok := j.names[name]; !ok {
		n := j.classify(filepath.Base(j.path), name)
		n.sweep = j.sweeps
		j.add(name, n, time.Now())
	}
}

// listDue reports whether a sweep lists the directory. Listing thousands
// of archives after every rollover would make a rollover's cost grow with
// the archives kept, so a sweep lists only once relistFactor times the
// last listing's duration has passed since it began: a directory of tens
// of archives at every sweep, one of 10,000 (a listing of 15 to 20 ms)
// every 8 to 10 seconds. In
// between, names has what this process learned: its listing, and what it
// made, compressed and removed since. What other processes made meanwhile
// waits for the next listing, or for their own sweep; what they (or
// anyone) removed, the sweep finds gone when it looks at it. So a sweep
// deletes by count or size only on a listing of its own (retain), and
// reports only archives a listing made after them has covered (report).
func (j *janitor) listDue() bool {
	return j.names == nil || time.Since(j.listedAt) >= relistFactor*j.listCost ||
		!j.coverBy.IsZero() && !time.Now().Before(j.coverBy)
}

// forget removes name from names, as gone.
func (j *janitor) forget(name string) {
	if n := j.names[name]; n.kind == nameArchive && !j.listing {
		i, _ := slices.BinarySearchFunc(j.archives, n.archive, oldestFirst)
		for ; i < len(j.archives); i++ {
			if j.archives[i].name == name {
				j.archives = slices.Delete(j.archives, i, i+1)
				break
			}
		}
	}
	delete(j.names, name)
	delete(j.unsure, name)
}

// oldestFirst orders archives as newestFirst does, the other way round.
func oldestFirst(a, b archiveName) int { return newestFirst(b, a) }

// listClean lists the directory into names and removes the temporary
// files of compressors that died. It must be called with the maintenance
// lock held.
func (j *janitor) listClean() error {
	dir := j.dir()
	start := time.Now()
	tmps, err := j.list(dir, filepath.Base(j.path))
	if err != nil {
		return fmt.Errorf("slogrotate: list %s: %w", dir, err)
	}
	j.listedAt, j.listCost, j.coverBy = start, time.Since(start), time.Time{}
	for _, name := range tmps {
		// Nobody else holds the maintenance lock, so nobody is writing
		// this file: a crashed compressor left it.
		if j.remove(filepath.Join(dir, name)) {
			j.forget(name)
		}
	}
	return nil
}

// A ripeness is what one sweep knows of time: the grace period, and when to
// look again for the archives it had to leave alone because they were too
// fresh.
type ripeness struct {
	j     *janitor
	grace time.Duration
	again time.Duration // 0: only when woken
}

// later asks for another sweep after wait, if none is due sooner.
func (r *ripeness) later(wait time.Duration) {
	if r.again == 0 || wait < r.again {
		r.again = wait
	}
}

// ripe reports whether the archive name (a path) is complete: no writer can
// append to it any more (see the janitor's comment). If it is not, ripe
// asks for a sweep once it will be.
func (r *ripeness) ripe(name string) bool {
	seen, ok := r.j.names[filepath.Base(name)]
	if !ok {
		// Made since the listing, or missed by it (an archive for
		// OnRotate): its rename may be only just past.
		r.later(r.grace + 10*time.Millisecond)
		return false
	}
	fi, err := os.Lstat(name)
	if errors.Is(err, fs.ErrNotExist) {
		r.j.forget(filepath.Base(name))
	}
	if err != nil || !fi.Mode().IsRegular() {
		return false
	}
	last := fi.ModTime()
	if changed, ok := changedAt(fi); ok {
		if changed.After(last) {
			last = changed
		}
	} else if seen.firstSeen.After(last) {
		last = seen.firstSeen
	}
	if age := time.Since(last); age < r.grace {
		r.later(r.grace - age + 10*time.Millisecond)
		return false
	}
	return true
}

// retain deletes the archives that retention no longer keeps, once they
// are ripe, and returns the listing's archives for the compression pass
// (nil if neither retention nor compression needs them).
func (j *janitor) retain(r *ripeness, fresh bool) []archiveName {
	// Retention by count alone needs the archives only when there are too
	// many, which most sweeps do not find: then there is nothing to sort.
	var archives []archiveName
	if j.cfg.compress || j.cfg.maxAge > 0 || j.cfg.maxTotal > 0 || j.cfg.minFree > 0 || j.cfg.maxBackups > 0 && len(j.archives) > j.cfg.maxBackups {
		archives = j.listedArchives()
	}
	gone := j.cfg.expired(archives, j.cfg.clock())
	if !fresh && j.deletesByCountOrSize(r, archives, gone) {
		// Names may hold archives removed since the listing (an empty
		// one, one OnRotate moved away): counted, they would make this
		// sweep delete one that the limits keep.
		if err := j.listClean(); err != nil {
			j.cfg.onError(err)
			return nil
		}
		return j.retain(r, true)
	}
	j.removeRipe(r, gone, false)
	// Measured after the expired archives are gone, so what they freed is
	// in the figure and not counted again (they have no size any more).
	sizes, free := j.sizes(r, archives), j.freeSpace()
	over, short := j.cfg.overSize(archives, gone, sizes, free)
	// Oldest first, and none newer while an older one must wait for its
	// grace period: the size limits never leave a hole in the history.
	j.removeRipe(r, over, true)
	if short {
		j.cfg.onError(fmt.Errorf("slogrotate: %s has %d bytes free, under WithMinFreeSpace(%d), and deleting every archive of %s cannot free enough",
			j.dir(), free, j.cfg.minFree, j.path))
	}
	return archives
}

// deletesByCountOrSize reports whether retention deletes archives, by
// count (WithMaxBackups) or by size (WithMaxTotalSize, WithMinFreeSpace),
// from archives, gone being what count and age retention delete.
func (j *janitor) deletesByCountOrSize(r *ripeness, archives, gone []archiveName) bool {
	if j.cfg.maxBackups > 0 && len(archives) > j.cfg.maxBackups {
		return true
	}
	if j.cfg.maxTotal == 0 && j.cfg.minFree == 0 {
		return false
	}
	over, _ := j.cfg.overSize(archives, gone, j.sizes(r, archives), j.freeSpace())
	return len(over) > 0
}

// freeSpace measures, for WithMinFreeSpace, the bytes free on the file
// system of the archive directory, once per sweep: the sweep then counts
// what it deletes rather than measuring again. Sweeps never race: each
// holds the maintenance lock, in every process, and measures only after
// it has it and has listed the directory, so it sees what earlier sweeps
// deleted both in the listing and in the figure, and deletes for itself
// only what is still missing. Where the space cannot be measured it
// returns the floor itself, which deletes nothing, and reports why (where
// the system cannot measure at all, once per janitor).
func (j *janitor) freeSpace() int64 {
	if j.cfg.minFree == 0 {
		return 0
	}
	free, err := freeSpace(j.dir())
	if err == nil {
		return free
	}
	if errors.Is(err, errFreeSpaceUnsupported) {
		if !j.toldNoFree {
			j.toldNoFree = true
			j.cfg.onError(fmt.Errorf("slogrotate: WithMinFreeSpace: %w: no archive is deleted for space", err))
		}
	} else {
		j.cfg.onError(fmt.Errorf("slogrotate: WithMinFreeSpace: measure free space of %s: %w", j.dir(), err))
	}
	return j.cfg.minFree
}

// removeRipe deletes the archives of list that are ripe; a fresh archive
// may still take a late write, and goes at a later sweep. With inOrder it
// stops at the first that is not ripe. What is removed leaves names, so
// that compression skips it.
func (j *janitor) removeRipe(r *ripeness, list []archiveName, inOrder bool) {
	dir := j.dir()
	for _, a := range list {
		name := filepath.Join(dir, a.name)
		if !r.ripe(name) {
			if inOrder {
				return
			}
			continue
		}
		if j.remove(name) {
			j.forget(a.name)
		}
	}
}

// sizes returns, for WithMaxTotalSize and WithMinFreeSpace, the size of
// each of archives that is a regular file, as lstat says; a symbolic link
// or a directory with an archive's name is left out (retention never
// deletes it). A size that can no longer change is kept in names, so that
// a sweep does not stat thousands of archives: a compressed archive's, and
// without compression a plain archive's once ripe. A plain archive's is
// measured at every sweep when compressing: another process may have
// compressed it since this one listed it, and its old size would make
// the total too large.
func (j *janitor) sizes(r *ripeness, archives []archiveName) map[string]int64 {
	if j.cfg.maxTotal == 0 && j.cfg.minFree == 0 {
		return nil
	}
	if j.sizeOf == nil {
		j.sizeOf = make(map[string]int64, len(archives))
	}
	clear(j.sizeOf)
	dir := j.dir()
	for _, a := range archives {
		n := j.names[a.name]
		if n.sized {
			j.sizeOf[a.name] = n.size
			continue
		}
		fi, err := os.Lstat(filepath.Join(dir, a.name))
		if err != nil || !fi.Mode().IsRegular() {
			continue
		}
		j.sizeOf[a.name] = fi.Size()
		if a.compressed || !j.cfg.compress && time.Since(fi.ModTime()) > r.grace && time.Since(n.firstSeen) > r.grace {
			n.size, n.sized = fi.Size(), true
			j.names[a.name] = n
		}
	}
	return j.sizeOf
}

// compressAll compresses the ripe archives among archives. It reports
// false if the janitor was stopped meanwhile.
func (j *janitor) compressAll(r *ripeness, archives []archiveName) bool {
	dir := j.dir()
	for _, a := range j.cfg.compressible(archives) {
		if _, ok := j.names[a.name]; a.compressed || !ok || j.unsure[a.name] {
			continue // an archive still empty is removeEmpty's
		}
		src := filepath.Join(dir, a.name)
		if z, ok := j.cfg.compressedOf(src); ok {
			j.learnCompressed(a.name, z.Name())
			j.removeCompressedSource(src)
			continue
		}
		if !r.ripe(src) {
			continue
		}
		select {
		case <-j.stop:
			return false
		default:
		}
		dst, err := j.compress(src)
		if errors.Is(err, errStopped) {
			return false
		}
		if err != nil {
			j.cfg.onError(err)
			r.later(retryDelay)
			continue
		}
		j.learnCompressed(a.name, filepath.Base(dst))
		j.forget(a.name)
	}
	return true
}

// removeCompressedSource removes src, an archive that is also there
// compressed: a process compressed it and died before removing the source.
func (j *janitor) removeCompressedSource(src string) {
	// Under the rollover lock no rollover can be making an archive of
	// this name meanwhile: it checks for the compressed file under the
	// same lock.
	j.underRolloverLock(func() {
		z, ok := j.cfg.compressedOf(src)
		if !ok {
			return
		}
		// A source is never written after its compression began. One
		// written later is another archive under the same name, made by a
		// process that does not know this compressed extension (processes
		// configured differently): it is left alone.
		if fi, err := os.Lstat(src); err == nil && fi.ModTime().After(z.ModTime()) {
			j.cfg.onError(fmt.Errorf("slogrotate: %s is newer than its compressed form %s: left alone (do all processes of the log compress alike?)", src, z.Name()))
			return
		}
		j.remove(src)
	})
}

// removeEmpty removes the empty plain archives that are ripe (an archive
// holding only the header of WithHeader is empty too). A buffered log
// archives a file that is empty at the end of its period, because a
// process may still hold records of that period (see decide); once no
// writer can append to it, an archive still empty is of no use. It looks
// at the archives in unsure: each is looked at from its first listing
// until it is found with records (which are never taken out again) or
// gone, so a sweep of thousands of old archives costs no stat each.
func (j *janitor) removeEmpty(r *ripeness) {
	for name := range j.unsure {
		path := filepath.Join(j.dir(), name)
		fi, err := os.Lstat(path)
		if errors.Is(err, fs.ErrNotExist) {
			j.forget(name)
			continue
		}
		if err != nil || !fi.Mode().IsRegular() || fi.Size() != 0 && !headerOnly(path, fi.Size(), j.cfg.header) {
			delete(j.unsure, name)
			continue
		}
		if r.ripe(path) && j.remove(path) {
			j.forget(name)
		}
	}
}

// add puts n in names under name, as first seen at now.
func (j *janitor) add(name string, n listedName, now time.Time) {
	n.firstSeen = now
	if n.kind != nameArchive {
		j.names[name] = n
		return
	}
	j.names[name] = n
	if !j.listing { // a listing sorts them all at its end
		i, _ := slices.BinarySearchFunc(j.archives, n.archive, oldestFirst)
		j.archives = slices.Insert(j.archives, i, n.archive)
	}
	if j.cfg.bufSize > 0 && !n.archive.compressed {
		if j.unsure == nil {
			j.unsure = make(map[string]bool)
		}
		j.unsure[name] = true
	}
}

// list reads the archive directory into names and returns how many archives
// it has and its compressors' temporary files. It reads the names in
// batches rather than with os.ReadDir, which makes a DirEntry of each, and
// parses only names it has not seen before that begin as ours.
func (j *janitor) list(dir, base string) (tmps []string, err error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if j.names == nil {
		j.names = make(map[string]listedName)
	}
	j.sweeps++
	sweep := j.sweeps
	j.listing = true
	defer j.sortArchives()
	stem, _ := j.cfg.nameParts(base)
	prefix := stem + "."
	listed := 0
	for {
		batch, err := f.Readdirnames(listBatch)
		// Read after the batch, the time is no earlier than any first
		// sight in it, and so than any of its renames.
		now := time.Now()
		for _, name := range batch {
			if !strings.HasPrefix(name, prefix) {
				continue
			}
			n, ok := j.names[name]
			switch {
			case !ok:
				n = j.classify(base, name)
				n.sweep = sweep
				j.add(name, n, now)
			case n.sweep == sweep:
				// A directory that changes while it is read may list a
				// name twice.
				continue
			default:
				n.sweep = sweep
				j.names[name] = n
			}
			listed++
			if n.kind == nameTmp {
				tmps = append(tmps, name)
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	if listed < len(j.names) {
		for name, n := range j.names {
			if n.sweep != sweep {
				j.forget(name)
			}
		}
	}
	return tmps, nil
}

// sortArchives ends a listing: archives becomes the archives in names,
// sorted.
func (j *janitor) sortArchives() {
	j.listing = false
	j.archives = j.archives[:0]
	for _, n := range j.names {
		if n.kind == nameArchive {
			j.archives = append(j.archives, n.archive)
		}
	}
	slices.SortFunc(j.archives, oldestFirst)
}

// listedArchives returns the archives in names, oldest first, in an array
// the caller may reorder until the next call.
func (j *janitor) listedArchives() []archiveName {
	j.scratch = append(j.scratch[:0], j.archives...)
	return j.scratch
}

// classify tells what name, in the archive directory, is to the janitor.
func (j *janitor) classify(base, name string) listedName {
	if rest, ok := strings.CutSuffix(name, tmpSuffix); ok {
		if a, ok := j.cfg.parseArchive(base, rest); ok && a.compressed {
			return listedName{kind: nameTmp}
		}
		return listedName{kind: nameForeign}
	}
	if a, ok := j.cfg.parseArchive(base, name); ok {
		return listedName{kind: nameArchive, archive: a}
	}
	return listedName{kind: nameForeign}
}

func (j *janitor) remove(name string) bool {
	if err := os.Remove(name); err != nil && !errors.Is(err, fs.ErrNotExist) {
		j.cfg.onError(fmt.Errorf("slogrotate: remove: %w", err))
		return false
	}
	return true
}

// awaitRollover waits, for a while, until no rollover is under way. A
// rollover wakes the janitor between its rename and its opening of the
// new file; a listing meanwhile slows the rollover down (it holds the
// directory against the file's creation, and competes for the CPU), with
// thousands of archives to several times its usual length.
func (j *janitor) awaitRollover() {
	if ok, _ := j.rolloverLock.lock(100*time.Millisecond, j.stopped); ok {
		j.rolloverLock.unlock()
	}
}

// underRolloverLock runs f holding the rollover lock, waiting at most a
// second for it, and reports whether it ran f.
func (j *janitor) underRolloverLock(f func()) bool {
	ok, err := j.rolloverLock.lock(time.Second, j.stopped)
	if err != nil || !ok {
		return false
	}
	defer j.rolloverLock.unlock()
	f()
	return true
}
