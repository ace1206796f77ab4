package main

import (
	"io"
	"time"
)

// A pacedReader (-read-interval) reads a trickle of input at once and a
// stream of small records in batches. After a read that brought little
// (less than the buffer it was given and less than busy bytes), the next
// read does not start before interval has passed since that one began.
//
// The pause saves the writers CPU, not the command: a record written into
// an empty pipe wakes a reader blocked on it, and the kernel charges that
// wake-up to the writer's write(2). While the command pauses, records wait
// in the pipe and no write wakes anyone; the next read takes them all.
//
// Nothing read is held back: the copier writes every complete record one
// read brings before it asks for the next read, which is where the pause
// is. A read of busy bytes or more (half the pipe's capacity) means the
// pipe may have been full, its writer blocked: the next read starts at
// once, so a fast writer is never held to a pipeful per interval.
// Closing stopped ends a pause at once.
type pacedReader struct {
	r        io.Reader
	interval time.Duration
	busy     int
	stopped  <-chan struct{}
	timer    *time.Timer
	begun    time.Time // when the last read began
	short    bool      // the last read brought little
}

// defaultBusy is busy when the pipe's capacity is unknown: half of the
// smallest default among common systems (16 KiB on macOS and the BSDs).
const defaultBusy = 8 << 10

func newPacedReader(r io.Reader, interval time.Duration, pipeCapacity int, stopped <-chan struct{}) *pacedReader {
	busy := pipeCapacity / 2
	if busy <= 0 {
		busy = defaultBusy
	}
	return &pacedReader{r: r, interval: interval, busy: busy, stopped: stopped}
}

func (p *pacedReader) Read(b []byte) (int, error) {
	if p.short {
		p.pause(time.Until(p.begun.Add(p.interval)))
	}
	p.begun = time.Now()
	n, err := p.r.Read(b)
	p.short = n < len(b) && n < p.busy
	return n, err
}

// pause waits d, or until stopped is closed.
func (p *pacedReader) pause(d time.Duration) {
	if d <= 0 {
		return
	}
	if p.timer == nil {
		p.timer = time.NewTimer(d)
	} else {
		p.timer.Reset(d)
	}
	select {
	case <-p.timer.C:
	case <-p.stopped:
		p.timer.Stop()
	}
}
