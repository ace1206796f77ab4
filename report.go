package slogrotate

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// report.go holds the reports to OnRotate: which archives are owed one,
// and the watermark that makes each reported once across the processes of
// a log and at least once across a crash.
//
// The maintenance lock file holds the watermark: the newest archive (by
// period, then index) that OnRotate was called for. A sweep, which holds
// the maintenance lock, reports the archives newer than the watermark,
// oldest first, each once it is complete (ripe, and compressed when
// compression is on), and moves the watermark past each after OnRotate
// returns. So:
//   - while processes live, each archive is reported once, by whichever
//     process sweeps: every report of the log is made under one lock, and
//     the watermark has moved before the lock is released;
//   - nothing is owed by a process in particular: what one that closed or
//     died had not reported, the next sweep reports, in any process or at
//     the next start;
//   - a process that dies while OnRotate runs leaves the watermark before
//     that archive, which is reported again: at least once across a crash.
//
// A report waits for the archives made before it: one not yet complete
// (or that cannot be compressed) holds back the reports of those after
// it. It also waits for a listing of the directory made after the
// archive (see covered). A sweep reports before retention deletes, so a
// complete archive is reported first; one that retention deletes before
// it is reported is not. The watermark starts when a process with OnRotate first opens
// the log, at the newest archive there: older archives are not reported.

// A watermark is the newest archive reported, by its period and index; -1
// is below every index.
type watermark struct {
	period time.Time
	index  int
}

// watermarkMagic begins the maintenance lock file's content.
const watermarkMagic = "slogrotate-reported 1"

// noneReported is the watermark of a log without archives: every archive
// is newer.
var noneReported = watermark{period: time.Unix(0, 0), index: -1}

func markOf(a archiveName) watermark { return watermark{period: a.period, index: a.index} }

// below reports whether a is newer than the archive m stands for.
func (m watermark) below(a archiveName) bool {
	if c := a.period.Compare(m.period); c != 0 {
		return c > 0
	}
	return a.index > m.index
}

// encode renders m as one sealed line.
func (m watermark) encode() []byte {
	return seal(fmt.Sprintf("%s %d %d", watermarkMagic, m.period.UnixNano(), m.index))
}

// parseWatermark parses what encode wrote. Anything else is ErrBadState.
func parseWatermark(b []byte) (watermark, error) {
	body, ok := unseal(b)
	rest, ok2 := strings.CutPrefix(body, watermarkMagic+" ")
	ns, index, ok3 := strings.Cut(rest, " ")
	if !ok || !ok2 || !ok3 {
		return watermark{}, ErrBadState
	}
	n, err1 := strconv.ParseInt(ns, 10, 64)
	i, err2 := strconv.Atoi(index)
	if err1 != nil || err2 != nil || i < -1 {
		return watermark{}, ErrBadState
	}
	m := watermark{period: time.Unix(0, n), index: i}
	if !bytes.Equal(m.encode(), seal(body)) {
		return watermark{}, ErrBadState // a number not written the way encode writes it
	}
	return m, nil
}

// readWatermark reads the watermark from the open maintenance lock file.
// A file without one (a new file) gives ok == false and no error.
func readWatermark(f *os.File) (m watermark, ok bool, err error) {
	b, err := readSealed(f, "report watermark")
	if err != nil || len(b) == 0 {
		return watermark{}, false, err
	}
	if m, err = parseWatermark(b); err != nil {
		return watermark{}, false, fmt.Errorf("%w in maintenance lock file %s; it is replaced", err, f.Name())
	}
	return m, true, nil
}

// owed returns the archives of sorted (oldest first, see oldestFirst)
// newer than m, an archive there twice (plain and compressed) once.
func owed(sorted []archiveName, m watermark) []archiveName {
	i := sort.Search(len(sorted), func(i int) bool { return m.below(sorted[i]) })
	return slices.CompactFunc(slices.Clone(sorted[i:]), sameArchive)
}

// newestMark is the watermark of the newest of archives.
func newestMark(archives []archiveName) watermark {
	m := noneReported
	for _, a := range archives {
		if m.below(a) {
			m = markOf(a)
		}
	}
	return m
}

// startReports gives the log a watermark if it has none, before this
// process's first rollover can make an archive that must be reported. If
// another process holds the maintenance lock longer than the rollover
// lock's timeout, the first sweep that finds no watermark starts it.
func (j *janitor) startReports() {
	if j.cfg.onRotate == nil || j.maint == nil {
		return
	}
	if _, ok, err := j.maint.readWatermark(); ok && err == nil {
		return
	}
	if ok, err := j.maint.lock(j.cfg.lockTimeout, nil); !ok || err != nil {
		return
	}
	defer j.maint.unlock()
	if err := j.listClean(); err != nil {
		j.cfg.onError(err)
		return
	}
	j.readMark(true)
}

// readMark reads the watermark, starting it at the newest archive if there
// is none (or it is garbled). Unless starting, a sweep that finds none
// says so: the reports owed before that archive are lost. It must be
// called with the maintenance lock held.
func (j *janitor) readMark(starting bool) (watermark, bool) {
	m, ok, err := readWatermark(j.maint.file())
	if ok {
		return m, true
	}
	if err != nil && !errors.Is(err, ErrBadState) {
		j.cfg.onError(err)
		return m, false // unreadable: nothing is reported until it reads
	}
	m = newestMark(j.archives)
	switch {
	case starting:
	case err != nil:
		j.cfg.onError(fmt.Errorf("%w: OnRotate starts after the newest archive there", err))
	default:
		j.cfg.onError(fmt.Errorf("slogrotate: %s had no record of the archives reported: OnRotate starts after the newest archive there", j.maintPath))
	}
	return m, j.writeMark(m)
}

func (j *janitor) writeMark(m watermark) bool {
	if err := writeSealed(j.maint.file(), m.encode(), "report watermark"); err != nil {
		j.cfg.onError(err)
		return false
	}
	return true
}

// report calls OnRotate for the archives owed a report, oldest first, each
// once complete, moving the watermark past each after the call returns.
// It must be called with the maintenance lock held, after the listing.
func (j *janitor) report(r *ripeness) {
	if j.cfg.onRotate == nil {
		return
	}
	m, ok := j.readMark(false)
	if !ok {
		return
	}
	for _, a := range owed(j.archives, m) {
		if j.stopped() {
			return
		}
		if !j.covered(a) {
			j.listToCover(r)
			return
		}
		path, st := j.final(r, a)
		if st == archivePending {
			return
		}
		if st == archiveReady {
			j.cfg.onRotate(path)
		}
		if !j.writeMark(markOf(a)) {
			return
		}
	}
}

// covered reports whether a listing began after the archive a was made:
// archives are made in the order of their names (under the rollover
// lock), so that listing had every archive older than a that is still
// there, and none is passed over unreported. The archive's first sight
// (its listing, or this process's own rollover) comes after its rename.
func (j *janitor) covered(a archiveName) bool {
	return j.listedAt.After(j.names[a.name].firstSeen)
}

// listToCover asks for a listing that covers the archives made so far,
// at most one a grace period after the last: a report waits no longer
// than that for it, however many archives the directory holds, and the
// listings it costs are bounded by the grace period, not the rollovers.
func (j *janitor) listToCover(r *ripeness) {
	if j.coverBy.IsZero() {
		j.coverBy = j.listedAt.Add(r.grace)
	}
	r.later(max(time.Until(j.coverBy), 0) + time.Millisecond)
}

type archiveState uint8

const (
	archiveGone    archiveState = iota // neither plain nor compressed: deleted
	archivePending                     // not complete yet
	archiveReady
)

// final returns the path OnRotate gets for the archive a, and whether the
// archive is complete. A compressed archive is: it is renamed into place
// once written. A plain one is once ripe, if compression is off.
func (j *janitor) final(r *ripeness, a archiveName) (string, archiveState) {
	dir := j.dir()
	plain := filepath.Join(dir, j.cfg.plainName(a))
	if fi, ok := j.cfg.compressedOf(plain); ok && fi.Mode().IsRegular() {
		return filepath.Join(dir, fi.Name()), archiveReady
	}
	fi, err := os.Lstat(plain)
	switch {
	case err != nil || !fi.Mode().IsRegular():
		return "", archiveGone
	case j.cfg.compress || !r.ripe(plain):
		return "", archivePending
	}
	return plain, archiveReady
}
