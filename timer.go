package slogrotate

import (
	"math"
	"time"
)

// The writer's one timer does what must happen when nobody writes: it
// writes out buffered records once they have waited the flush interval
// (WithBuffer), and it rotates the file at the end of its period
// (unless WithoutIdleRotation). It is armed when a record enters an empty buffer and
// when a period is committed, never per record.

// maxIdleDelay bounds how long after a boundary an idle writer rotates.
const maxIdleDelay = 50 * time.Millisecond

// arm sets the timer for the next thing due, if any. It must be called
// with w.mu held.
func (w *Writer) arm(now time.Time) {
	due := int64(math.MaxInt64)
	if w.cfg.idleRotation && w.f != nil {
		// Not before the retry of a failed rollover; and a little after
		// the boundary, differently in each process, so that one process
		// rotates and the others find the work done and follow it
		// without the lock.
		due = max(w.tm.periodEnd+int64(w.idleDelay), w.tm.retryAt)
		if w.tm.busy {
			// A stalled lock holder: writes retry often, to be on the
			// new file soon after it goes on; an idle writer has nothing
			// to misfile and retries once a second.
			due = max(due, now.UnixNano()+int64(retryDelay))
		}
	}
	if len(w.buf) > 0 {
		due = min(due, w.flushDue)
	}
	if due == math.MaxInt64 || due == w.timerAt || w.closed {
		return
	}
	w.timerAt = due
	d := time.Duration(due - now.UnixNano())
	// ticks counts the runs of tick to come: Reset that reports true moves
	// the run that was due; otherwise (and for a new timer) one is added.
	if w.timer == nil {
		w.ticks.Add(1)
		w.timer = time.AfterFunc(d, w.tick)
	} else if !w.timer.Reset(d) {
		w.ticks.Add(1)
	}
}

// tick is the timer's work: the rollover (which writes out the buffer
// first) if the period is over, otherwise the buffer if it is due. A tick
// that finds nothing due (the timer was reset meanwhile) only re-arms.
func (w *Writer) tick() {
	defer w.ticks.Done()
	w.mu.Lock()
	defer w.mu.Unlock()
	due := w.timerAt
	w.timerAt = 0
	if w.closed {
		return
	}
	// The flush interval is real time, whatever the writer's clock says
	// (WithClock): the buffer is due if the timer was set for it.
	now := w.tm.now()
	switch ns := now.UnixNano(); {
	case w.cfg.idleRotation && ns >= w.tm.periodEnd && w.tm.due(now):
		w.maintain(now)
	case len(w.buf) > 0 && due >= w.flushDue:
		w.flushLocked()
	}
	w.arm(now)
}
