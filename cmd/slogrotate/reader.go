package main

import (
	"bytes"
	"errors"
	"io"
)

// A recordReader hands over its input in runs of whole records, each
// ending with the separator (a newline, or a NUL with -input nul), read in
// big chunks, without copying them and without allocating.
//
// It is not a bufio.Reader for speed: bufio slides a partial record to the
// front of its buffer and reads after it, into memory that is then not
// aligned, and the kernel copies into unaligned memory about 20% slower
// (reading 220 MB took 0.087 s instead of 0.071 s), which alone kept the
// command below 0.9x cat. Here a partial record is moved to just before a
// fixed, page-aligned read position. Like bufio.Reader (and unlike
// bufio.Scanner) it has no length limit: a record too long for the buffer
// is handed over in chunks.
type recordReader struct {
	rd  io.Reader
	sep byte
	buf []byte // room for a partial record, then the read position
	r   int    // start of the unread data buf[r:w]
	w   int
	err error
}

// partialRoom is the room before the read position. A partial record that
// does not fit there is handed over as a chunk (errLongRecord), to be put
// together by the caller.
const partialRoom = 4096

// errLongRecord says that next returned a chunk of a record, not whole
// records.
var errLongRecord = errors.New("record longer than the reader's buffer")

func newRecordReader(rd io.Reader, sep byte, size int) *recordReader {
	// A large allocation starts on a page boundary, so buf[partialRoom:]
	// does too.
	return &recordReader{rd: rd, sep: sep, buf: make([]byte, partialRoom+size), r: partialRoom, w: partialRoom}
}

// next returns all the whole records it holds, reading first if it holds
// none. Otherwise it returns, with errLongRecord, the start of a record
// that continues; or the rest of the input, without a separator, with the
// error that ended it (io.EOF at the end), which it goes on returning.
func (rr *recordReader) next() ([]byte, error) {
	for {
		data := rr.buf[rr.r:rr.w]
		if i := bytes.LastIndexByte(data, rr.sep); i >= 0 {
			rr.r += i + 1
			return data[:i+1], nil
		}
		if rr.err != nil {
			rr.r = rr.w
			return data, rr.err
		}
		if len(data) > partialRoom {
			rr.r = rr.w
			return data, errLongRecord
		}
		rr.fill()
	}
}

// fill moves the partial record to just before the read position and
// reads.
func (rr *recordReader) fill() {
	k := copy(rr.buf[partialRoom-(rr.w-rr.r):], rr.buf[rr.r:rr.w])
	rr.r, rr.w = partialRoom-k, partialRoom
	n, err := rr.rd.Read(rr.buf[partialRoom:])
	rr.w += n
	rr.err = err
}
