package slogrotate

import (
	"log/slog"
	"time"
)

// WithBuffer batches records in memory, up to size bytes, and writes each
// batch with one system call. Every batch holds whole records, so records
// from different processes still never interleave, and a batch is written
// before every rollover, so each record still lands in the file of the
// period in which it was written.
//
// A batch is written when the next record would not fit, when the flush
// interval has passed since the oldest buffered record ([WithFlushInterval],
// also while the process is idle), at the end of the period (so that a
// follower of the live file sees every record), before a rollover, on [Writer.Flush],
// [Writer.Sync] and [Writer.Close], and, through a [Handler], right after
// any record at or above the flush level ([WithFlushLevel]). A record of
// size bytes or more bypasses the buffer.
//
// The cost: a process that crashes loses the records still in its buffer,
// at most one flush interval's worth of records below the flush level. Use
// it where that is acceptable. size must be between 1 and MaxRecordSize.
// Each batch's write(2) has a fixed cost, so small buffers save less: with
// 150-byte records on ext4, a 4 KiB buffer cost twice as much per record as
// a 64 KiB one, and 256 KiB 15% less than 64 KiB (BenchmarkBufferSize in
// the benchmarks module).
func WithBuffer(size int) Option {
	return func(c *config) {
		if size <= 0 || size > MaxRecordSize {
			c.fail("WithBuffer(%d): the size must be between 1 and MaxRecordSize (%d)", size, MaxRecordSize)
			return
		}
		c.bufSize = size
	}
}

// WithFlushInterval bounds how long a buffered record waits before it is
// written (see [WithBuffer]). The default is one second.
func WithFlushInterval(d time.Duration) Option {
	return func(c *config) {
		if d <= 0 {
			c.fail("WithFlushInterval(%v): the interval must be positive", d)
			return
		}
		c.flushEvery = d
	}
}

// WithFlushLevel makes a [Handler] over a buffered writer write out the
// buffer right after each record at or above level, so that an error is in
// the file before the process can crash. The default is [slog.LevelError].
func WithFlushLevel(level slog.Leveler) Option {
	return func(c *config) {
		if level == nil {
			c.fail("WithFlushLevel(nil): a level is required")
			return
		}
		c.handler.flushLevel = level
	}
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
