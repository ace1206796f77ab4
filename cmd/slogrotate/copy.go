package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sync/atomic"
	"time"

	"github.com/slogrotate/slogrotate"
)

// A copier reads standard input and writes it to the Writer, one record
// per line (or per NUL-terminated record with -input nul).
//
// Everything complete that one read brings is written at once, in as few
// Writes as whole records allow: each Write holds whole records, at most
// MaxRecordSize bytes, and is one write(2) (or joins the Writer's buffer
// with -buffer). Nothing complete waits for more input.
type copier struct {
	w   *slogrotate.Writer
	r   *recordReader
	sep byte
	enc *encoder
	// direct: raw records, written from the read buffer: lines as they
	// are, NUL-terminated records once their NULs are ended (endRecords).
	direct bool
	// clock, outside raw mode, is the Writer's clock, pinned to the time
	// stamped on the records being written (see pinnedClock).
	clock   *pinnedClock
	scratch []byte
	// long collects a record longer than the reader's buffer; limit is
	// the longest piece of it that makes one record, part the number of
	// pieces of it written so far.
	long  []byte
	limit int
	part  int
	yield yielder
}

// readSize is the most the command reads at once. Larger reads make fewer
// system calls but run slower: 128 KiB (what cat uses) stays in the
// processor's cache between the read and the write, and 1 MiB did not
// (copying 220 MB went from 0.106 s to 0.132 s).
const readSize = 128 << 10

func newCopier(w *slogrotate.Writer, in io.Reader, s *settings, clock *pinnedClock) *copier {
	c := &copier{w: w, clock: clock, sep: s.sep, enc: newEncoder(s)}
	c.limit = c.enc.pieceLimit()
	c.direct = s.format == formatRaw
	size := readSize
	if c.direct && s.bufBytes > 0 {
		// With -buffer, a run of raw records shorter than the Writer's
		// buffer joins the batch there; a longer one is written at once,
		// without a copy. Input that arrives faster than it is written
		// fills the reads, which are made large enough for such a run to
		// be the longer kind.
		size = max(size, s.bufBytes+64<<10)
	}
	if c.direct {
		// A run, with the partial record before it, is then at most one
		// record long, and every record in it shorter than a piece.
		size = min(size, c.limit-partialRoom)
	}
	c.r = newRecordReader(in, s.sep, size)
	c.scratch = make([]byte, 0, 64<<10)
	return c
}

// run copies until the input ends or fails. Whatever was read is written,
// a last record without its separator too; the error is nil at the end
// of the input and when stopped.
func (c *copier) run() error {
	for {
		c.yield.maybe()
		b, err := c.r.next()
		if errors.Is(err, errLongRecord) {
			if !c.inLong() {
				c.stamp()
			}
			c.long = append(c.long, b...)
			c.spill()
			continue
		}
		if c.inLong() && err == nil {
			// The long record ends with the first of these records.
			i := bytes.IndexByte(b, c.sep)
			c.long = append(c.long, b[:i+1]...)
			c.endLong()
			b = b[i+1:]
		}
		if err == nil {
			c.writeRun(b)
			continue
		}
		if len(b) > 0 || c.inLong() {
			if !c.inLong() {
				c.stamp()
			}
			c.long = append(c.long, b...)
			c.endLong()
		}
		if errors.Is(err, io.EOF) || errors.Is(err, errStopped) {
			return nil
		}
		return fmt.Errorf("read standard input: %w", err)
	}
}

// inLong reports whether a long record has been started and not ended.
func (c *copier) inLong() bool { return len(c.long) > 0 || c.part > 0 }

// stamp sets the time of the records that follow, outside raw mode.
func (c *copier) stamp() {
	if c.clock != nil {
		c.enc.setStamp(time.Now())
	}
}

// writeRun writes b, one or more whole records each ending with the
// separator, stamped with one time, in as few Writes as whole records of
// at most MaxRecordSize allow.
func (c *copier) writeRun(b []byte) {
	if c.direct {
		if c.sep != '\n' {
			b = endRecords(b, c.sep)
		}
		c.write(b) // at most c.limit bytes of whole records: see newCopier
		return
	}
	c.stamp()
	for len(b) > 0 {
		i := bytes.IndexByte(b, c.sep)
		text := c.text(b[:i+1])
		b = b[i+1:]
		if len(text) >= c.limit { // only with reads longer than a piece
			c.flush()
			c.writePieces(text)
			continue
		}
		c.add(text)
	}
	c.flush()
}

// text is a record as read without its separator and, with -input nul,
// without one newline that ends it: the encoder adds the newline.
func (c *copier) text(rec []byte) []byte {
	rec = trimByte(rec, c.sep)
	if c.sep != '\n' {
		rec = trimByte(rec, '\n')
	}
	return rec
}

// trimByte is b without one final byte c. It runs once or twice per
// record; bytes.TrimSuffix, which compares through a call, took 4% of
// the CPU time of -format timestamp.
func trimByte(b []byte, c byte) []byte {
	if n := len(b); n > 0 && b[n-1] == c {
		return b[:n-1]
	}
	return b
}

// endRecords turns b, raw records each ending with sep, into the records
// as written, in place, and returns them: each record ends with a newline
// instead of sep, as text and appendRecord make it, and a record that
// already ended with a newline keeps only that one. Records that need no
// shortening are not moved, so a run of them costs one pass.
func endRecords(b []byte, sep byte) []byte {
	n := 0 // length of the records as written so far
	for r := 0; r < len(b); {
		end := r + bytes.IndexByte(b[r:], sep)
		if n != r {
			copy(b[n:], b[r:end])
		}
		n += end - r
		if end == r || b[n-1] != '\n' {
			b[n] = '\n'
			n++
		}
		r = end + 1
	}
	return b[:n]
}

// add appends the record for text to the batch, writing out the batch
// first if the two would not fit one Write.
func (c *copier) add(text []byte) {
	n := len(c.scratch)
	c.scratch = c.enc.appendRecord(c.scratch, piece{text: text})
	if len(c.scratch) > slogrotate.MaxRecordSize {
		c.write(c.scratch[:n])
		c.scratch = c.scratch[:copy(c.scratch, c.scratch[n:])]
	}
}

// spill writes the pieces of the long record that are complete. A piece
// is exactly limit bytes, so that in raw mode (MaxRecordSize bytes with
// its newline) it is longer than any whole record's.
func (c *copier) spill() {
	for len(c.long) >= c.limit {
		c.writePiece(c.long[:c.limit], true)
		c.long = c.long[:copy(c.long, c.long[c.limit:])]
	}
}

// endLong writes the rest of the long record, or the last record of the
// input.
func (c *copier) endLong() {
	c.writePieces(c.text(c.long))
	c.long = c.long[:0]
}

// writePieces writes text, the end of a record (all of it if no piece of
// it was written yet), in pieces of limit bytes.
func (c *copier) writePieces(text []byte) {
	for len(text) >= c.limit {
		c.writePiece(text[:c.limit], true)
		text = text[c.limit:]
	}
	c.writePiece(text, false)
}

// writePiece writes text, a piece of a long record that continues if
// more, or the last piece of a record.
func (c *copier) writePiece(text []byte, more bool) {
	p := piece{text: text, more: more}
	if more || c.part > 0 {
		c.part++
		p.part = c.part
	}
	if !more {
		c.part = 0
	}
	c.scratch = c.enc.appendRecord(c.scratch[:0], p)
	c.flush()
}

func (c *copier) flush() {
	if len(c.scratch) > 0 {
		c.write(c.scratch)
		c.scratch = c.scratch[:0]
	}
}

// write hands p, whole records, to the Writer; outside raw mode with its
// clock pinned to their stamp. Errors went to the Writer's error handler.
func (c *copier) write(p []byte) {
	if c.clock != nil {
		c.clock.pin(c.enc.stamp)
		defer c.clock.unpin()
	}
	c.w.Write(p)
}

// A pinnedClock is the Writer's clock outside raw mode. While the command
// writes records it has stamped with a time, the clock reads that time, so
// that the Writer puts each record in the file of the period its timestamp
// is in, even when a boundary passes between the stamp and the Write.
// Otherwise (between writes, for a signal's Rotate) it reads time.Now.
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
//
// An input that drains (a pipe on Unix) is read on after the stop for what
// is already in it, up to drain bytes, without waiting for more: a service
// manager stops the writers and the command together, and the records the
// writers handed over before they went (some a -read-interval pause left
// in the pipe) are written rather than lost.
type stoppableReader struct {
	r     input
	stop  *atomic.Bool
	drain int
}

// stopDrain bounds what is read after a stop: what a pipe holds (64 KiB by
// default on Linux, 1 MiB at most unless raised) and not a writer that goes
// on writing.
const stopDrain = 1 << 20

func (s *stoppableReader) Read(p []byte) (int, error) {
	if s.stop.Load() {
		if !s.r.drains() || s.drain <= 0 {
			return 0, errStopped
		}
		n, err := s.r.Read(p[:min(len(p), s.drain)])
		s.drain -= n
		if n == 0 {
			return 0, errStopped
		}
		return n, err
	}
	n, err := s.r.Read(p)
	if n == 0 && s.stop.Load() {
		return s.Read(p) // interrupted (input.interrupt): drain what is there
	}
	return n, err
}
