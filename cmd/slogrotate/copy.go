package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"sync/atomic"
	"time"

	"github.com/slogrotate/slogrotate"
)

// A copier reads standard input and writes it to the Writer, one record
// per line.
type copier struct {
	w   *slogrotate.Writer
	r   *bufio.Reader
	enc *encoder // nil in raw mode, where a line is its own record
	// clock, outside raw mode, is the Writer's clock, pinned to the time
	// stamped on the records being written (see pinnedClock).
	clock *pinnedClock
	// batch is, with -buffer, the most bytes of whole records handed to
	// the Writer in one Write; 0 means one Write per record.
	batch   int
	scratch []byte
	part    int // pieces of the current long line written so far
}

func newCopier(w *slogrotate.Writer, in io.Reader, s *settings, clock *pinnedClock) *copier {
	c := &copier{w: w, clock: clock}
	limit := slogrotate.MaxRecordSize - 1
	if s.format != formatRaw {
		c.enc = newEncoder(s)
		limit = c.enc.pieceLimit()
	}
	// The reader's buffer is the piece limit: ReadSlice hands over a line
	// longer than that in pieces (bufio.ErrBufferFull), never fails on it.
	c.r = bufio.NewReaderSize(in, limit)
	c.batch = s.bufBytes
	c.scratch = make([]byte, 0, max(c.batch, 4096))
	return c
}

// run copies until the input ends or fails. Whatever was read is written,
// a last line without a newline getting one; the error is nil at the end
// of the input and when stopped.
func (c *copier) run() error {
	for {
		run, err := c.r.ReadSlice('\n')
		switch {
		case err == nil:
			c.write(c.extend(run), false)
			continue
		case errors.Is(err, bufio.ErrBufferFull):
			c.write(run, true)
			continue
		}
		if len(run) > 0 || c.part > 0 {
			c.write(run, false)
		}
		if errors.Is(err, io.EOF) || errors.Is(err, errStopped) {
			return nil
		}
		return fmt.Errorf("read standard input: %w", err)
	}
}

// extend adds to line, which ReadSlice returned, the whole lines after it
// that the reader holds already, up to c.batch bytes, so that lines read
// together are handed to the Writer together (with -buffer it would batch
// them into one write(2) anyway; this saves a Write call per line).
func (c *copier) extend(line []byte) []byte {
	room := min(c.batch-len(line), c.r.Buffered())
	if room <= 0 || c.part > 0 {
		return line
	}
	next, _ := c.r.Peek(room) // buffered already: Peek does not read
	i := bytes.LastIndexByte(next, '\n')
	if i < 0 {
		return line
	}
	c.r.Discard(i + 1)
	// ReadSlice's line and the bytes Peek saw are adjacent in the reader's
	// buffer, which line's capacity spans.
	return line[:len(line)+i+1]
}

// write writes b, which is whole lines (ending in a newline) or, if more,
// a piece of a long line that continues.
func (c *copier) write(b []byte, more bool) {
	whole := !more && c.part == 0 && len(b) > 0 && b[len(b)-1] == '\n'
	if c.enc == nil && whole {
		c.w.Write(b) // errors went to the Writer's error handler
		return
	}
	if c.enc == nil {
		c.writePiece(c.nextPiece(b, more))
		return
	}
	if c.part == 0 {
		c.enc.setStamp(time.Now()) // the pieces of a line share its time
	}
	c.clock.pin(c.enc.stamp)
	defer c.clock.unpin()
	if !whole {
		c.writePiece(c.nextPiece(b, more))
		return
	}
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		c.add(piece{text: b[:i]})
		b = b[i+1:]
	}
	c.flush()
}

// nextPiece numbers a piece of a long line, or the last line of the input.
func (c *copier) nextPiece(b []byte, more bool) piece {
	p := piece{text: bytes.TrimSuffix(b, []byte{'\n'}), more: more}
	if more || c.part > 0 {
		c.part++
		p.part = c.part
	}
	if !more {
		c.part = 0
	}
	return p
}

func (c *copier) writePiece(p piece) {
	if c.enc == nil {
		c.scratch = append(append(c.scratch[:0], p.text...), '\n')
	} else {
		c.scratch = c.enc.appendRecord(c.scratch[:0], p)
	}
	c.w.Write(c.scratch)
	c.scratch = c.scratch[:0]
}

// add appends the record for p to the batch, writing out the batch first
// if the record would not fit; without batching it writes the record now.
func (c *copier) add(p piece) {
	n := len(c.scratch)
	c.scratch = c.enc.appendRecord(c.scratch, p)
	if c.batch == 0 {
		c.flush()
	} else if len(c.scratch) > c.batch && n > 0 {
		c.w.Write(c.scratch[:n])
		c.scratch = c.scratch[:copy(c.scratch, c.scratch[n:])]
	}
}

func (c *copier) flush() {
	if len(c.scratch) > 0 {
		c.w.Write(c.scratch)
		c.scratch = c.scratch[:0]
	}
}

// A pinnedClock is the Writer's clock outside raw mode. While the command
// writes records it has stamped with a time, the clock reads that time, so
// that the Writer puts each record in the file of the period its timestamp
// is in, even when a boundary passes between the stamp and the Write.
// Otherwise (between lines, for a signal's Rotate) it reads time.Now.
type pinnedClock struct{ ns atomic.Int64 }

func (c *pinnedClock) now() time.Time {
	if ns := c.ns.Load(); ns != 0 {
		return time.Unix(0, ns)
	}
	return time.Now()
}

func (c *pinnedClock) pin(t time.Time) { c.ns.Store(t.UnixNano()) }
func (c *pinnedClock) unpin()          { c.ns.Store(0) }

// errStopped ends the input when SIGTERM or SIGINT arrived.
var errStopped = errors.New("stopped by a signal")

// A stoppableReader reads from r until stop is set. The copier then ends
// with what its buffer holds, which was read and must be written.
type stoppableReader struct {
	r    io.Reader
	stop *atomic.Bool
}

func (s stoppableReader) Read(p []byte) (int, error) {
	if s.stop.Load() {
		return 0, errStopped
	}
	n, err := s.r.Read(p)
	if n == 0 && s.stop.Load() {
		return 0, errStopped // the read was interrupted by the deadline
	}
	return n, err
}
