package slogrotate

import "time"

// timing.go holds a Writer's timing state: the period its file holds, when
// the write path must look up from writing (the deadline), the retry of a
// failed rollover, the size check and the base of derived clock readings.
// Its methods are the only writers of its fields; each that may move the
// deadline renews it.
// All of it is guarded by the Writer's mutex.

// timing is a Writer's timing state. Times are UnixNano.
type timing struct {
	cfg *config

	period    time.Time // the period the file holds records of
	periodEnd int64     // when that period ends
	nextCheck int64     // when to check next that the file is still at the path
	retryAt   int64     // before when a failed rollover is not retried
	busy      bool      // the last rollover found the lock busy past the timeout
	oversize  bool      // the file reached the size limit
	// deadline is the only field the write path reads: the earliest of
	// periodEnd and nextCheck (at once if oversize), not before retryAt.
	deadline int64

	// fromMonotonic: now extends wallBase, the last full reading of the
	// default clock, with the monotonic clock.
	fromMonotonic bool
	wallBase      time.Time
	// fastUntil: while the monotonic time since wallBase is below it, the
	// derived time is before the deadline and wallBase is fresh (since).
	fastUntil time.Duration

	// With WithMaxSize: bytes this process wrote since it last looked at
	// the file's size, and how many it may write before looking again.
	unchecked, sizeStep int64
}

// newTiming is the timing state of a Writer opened at now.
func newTiming(cfg *config, now time.Time) timing {
	t := timing{cfg: cfg, wallBase: now, fromMonotonic: cfg.wallClock && monotonicFollowsWall, sizeStep: 1<<63 - 1}
	if cfg.maxSize > 0 {
		t.sizeStep = max(cfg.maxSize/16, 1)
	}
	return t
}

// now is the time a write is placed by. With the default clock on Linux
// it is the last full reading of time.Now (wallBase) plus the monotonic
// time elapsed since: one clock read instead of time.Now's two, on the path
// of every record. The two clocks advance at the same rate
// (monotonicFollowsWall); they part only when the wall clock is
// stepped or the machine sleeps, so wallBase is renewed after baseLife,
// and nothing is decided on a derived time: one at or past the deadline is
// replaced by a full reading.
func (t *timing) now() time.Time {
	if !t.fromMonotonic {
		return t.cfg.clock()
	}
	d := time.Since(t.wallBase)
	if n := t.wallBase.Add(d); d < baseLife && n.UnixNano() < t.deadline {
		return n
	}
	t.wallBase = time.Now()
	t.renewFast()
	return t.wallBase
}

// since is the write path's one clock read, with the default clock on
// Linux: the monotonic time d since wallBase, and whether nothing is due
// at the time it derives (at(d)). It is the decision of now followed by
// due, without making a time.Time, which a record that joins a batch does
// not need (Writer.joinBatch). With another clock it reports false, and
// the write asks now.
func (t *timing) since() (time.Duration, bool) {
	if !t.fromMonotonic {
		return 0, false
	}
	d := time.Since(t.wallBase)
	return d, d < t.fastUntil
}

// at is the time d after wallBase, for a d that since returned early.
func (t *timing) at(d time.Duration) time.Time { return t.wallBase.Add(d) }

// renewFast keeps fastUntil true when wallBase or the deadline changes.
func (t *timing) renewFast() {
	t.fastUntil = min(time.Duration(t.deadline-t.wallBase.UnixNano()), baseLife)
}

// baseLife bounds how long a derived time may lag a stepped wall clock or
// a machine woken from sleep: a second of writing.
const baseLife = time.Second

// due reports whether a write at now must first look up (Writer.maintain).
func (t *timing) due(now time.Time) bool { return now.UnixNano() >= t.deadline }

// commit makes period the one the file holds, after a rollover at now.
func (t *timing) commit(period time.Time, now time.Time) {
	t.retryAt = 0
	t.unchecked = 0
	t.setPeriod(period)
	t.checkLater(now)
}

// setPeriod makes period the one the file holds.
func (t *timing) setPeriod(period time.Time) {
	t.period = period
	t.periodEnd = t.cfg.schedule.next(period, t.cfg.loc).UnixNano()
	t.update()
}

// checkLater schedules the next check that the file is the one at the
// path, which also looks at its size.
func (t *timing) checkLater(now time.Time) {
	t.nextCheck = now.UnixNano() + int64(t.cfg.reopenCheck)
	t.oversize = false
	t.update()
}

// checkNow makes the next write check the file at the path first: a write
// failed, and the file may be gone.
func (t *timing) checkNow() {
	t.nextCheck = 0
	t.update()
}

// setOversize records whether the file reached the size limit.
func (t *timing) setOversize(over bool) {
	t.oversize = over
	t.update()
}

// wrote counts n bytes written and reports whether it is time to look at
// the file's size.
func (t *timing) wrote(n int) bool {
	if t.unchecked += int64(n); t.unchecked < t.sizeStep {
		return false
	}
	t.unchecked = 0
	return true
}

// failed records a failed rollover at now (busy: the lock was), to be
// retried after retry.
func (t *timing) failed(now time.Time, retry time.Duration, busy bool) {
	t.busy = busy
	t.retryAt = now.UnixNano() + int64(retry)
	t.update()
}

// succeeded records a rollover that did not fail.
func (t *timing) succeeded() { t.busy = false }

func (t *timing) update() {
	t.deadline = max(min(t.periodEnd, t.nextCheck), t.retryAt)
	if t.oversize {
		t.deadline = t.retryAt
	}
	t.renewFast()
}
