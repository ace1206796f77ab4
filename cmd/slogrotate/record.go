package main

import (
	"encoding/binary"
	"os"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/slogrotate/slogrotate"
)

// A format is how the command turns an input line into a record.
type format int

const (
	formatRaw       format = iota // the line as read
	formatJSON                    // {"time":...,"level":...,"msg":line,attrs...}
	formatTimestamp               // "<RFC 3339 time> line"
)

func (f format) String() string {
	switch f {
	case formatJSON:
		return "json"
	case formatTimestamp:
		return "timestamp"
	}
	return "raw"
}

// stampLayout is the timestamp of -format timestamp: RFC 3339 with a fixed
// six-digit fraction, so that every prefix has the same width in a zone and
// the character after it says whether the record starts a line (a space)
// or continues one ('+').
const stampLayout = "2006-01-02T15:04:05.000000Z07:00"

// A piece is a part of the input to make one record (or, in raw mode with
// -buffer, a run of whole lines). A line longer than the record limit
// arrives as several pieces: part counts them from 1, and more says
// another piece of the same line follows. part is 0 for a whole line.
type piece struct {
	text []byte // without the newline
	part int
	more bool
}

// An encoder appends the record for a piece to a buffer, without
// allocating: it runs once per line.
type encoder struct {
	format format
	loc    *time.Location
	// head is the start of every JSON record up to the msg value, tail
	// what follows it (the attributes); both are fixed at start-up.
	head, tail []byte
	pid        []byte
	// stamp is the time of the line being written, formatted once for
	// all the records that share it.
	stamp     time.Time
	stampText []byte
	// carry holds the bytes of a UTF-8 sequence cut by a JSON piece
	// boundary, which open the next piece (see appendJSONPiece).
	carry []byte
}

func newEncoder(s *settings) *encoder {
	e := &encoder{format: s.format, loc: s.loc}
	e.head = append(e.head, `,"level":`...)
	e.head = appendJSONString(e.head, []byte(s.level))
	e.head = append(e.head, `,"msg":`...)
	for _, a := range s.attrs {
		e.tail = append(e.tail, ',')
		e.tail = appendJSONString(e.tail, []byte(a.key))
		e.tail = append(e.tail, ':')
		e.tail = appendJSONString(e.tail, []byte(a.value))
	}
	e.pid = strconv.AppendInt(nil, int64(os.Getpid()), 10)
	return e
}

// pieceLimit is the longest piece of a line that still makes a record of
// at most MaxRecordSize bytes: the line itself in raw mode, the line after
// the timestamp, and in JSON a message every byte of which may take six
// bytes to escape, after the fixed fields and a carried UTF-8 sequence.
func (e *encoder) pieceLimit() int {
	switch e.format {
	case formatTimestamp:
		return slogrotate.MaxRecordSize - len(stampLayout) - 16 - 1
	case formatJSON:
		fixed := len(`{"time":""}`) + len(time.RFC3339Nano) + 8 + len(e.head) + len(e.tail) + len(`,"part":,"more":true,"pid":`) + 40
		return (slogrotate.MaxRecordSize-fixed)/6 - utf8.UTFMax
	}
	return slogrotate.MaxRecordSize - 1
}

// setStamp sets the time of the records that follow.
func (e *encoder) setStamp(t time.Time) {
	e.stamp = t.In(e.loc)
	switch e.format {
	case formatTimestamp:
		e.stampText = e.stamp.AppendFormat(e.stampText[:0], stampLayout)
	case formatJSON:
		e.stampText = append(e.stampText[:0], `{"time":"`...)
		e.stampText = e.stamp.AppendFormat(e.stampText, time.RFC3339Nano)
		e.stampText = append(e.stampText, '"')
	}
}

// appendRecord appends the record for p, ending with a newline.
func (e *encoder) appendRecord(dst []byte, p piece) []byte {
	switch e.format {
	case formatTimestamp:
		dst = append(dst, e.stampText...)
		if p.part > 1 {
			dst = append(dst, '+')
		} else {
			dst = append(dst, ' ')
		}
		dst = append(dst, p.text...)
	case formatJSON:
		dst = e.appendJSON(dst, p)
	default:
		dst = append(dst, p.text...)
	}
	return append(dst, '\n')
}

func (e *encoder) appendJSON(dst []byte, p piece) []byte {
	dst = append(dst, e.stampText...)
	dst = append(dst, e.head...)
	dst = e.appendJSONPiece(dst, p)
	dst = append(dst, e.tail...)
	if p.part > 0 {
		dst = append(dst, `,"part":`...)
		dst = strconv.AppendInt(dst, int64(p.part), 10)
		if p.more {
			dst = append(dst, `,"more":true`...)
		}
		dst = append(dst, `,"pid":`...)
		dst = append(dst, e.pid...)
	}
	return append(dst, '}')
}

// appendJSONPiece appends the msg string of p. A piece boundary may fall
// inside a UTF-8 sequence; escaping half a sequence would turn it into
// U+FFFD, so the bytes of a sequence that may still be completed are
// carried over to the next piece of the same line.
func (e *encoder) appendJSONPiece(dst []byte, p piece) []byte {
	text := p.text
	if len(e.carry) > 0 {
		e.carry = append(e.carry, text...)
		text = e.carry
	}
	var keep []byte
	if p.more {
		cut := incompleteTail(text)
		keep = text[len(text)-cut:]
		text = text[:len(text)-cut]
	}
	dst = appendJSONString(dst, text)
	e.carry = append(e.carry[:0], keep...)
	return dst
}

// incompleteTail is the length of a UTF-8 sequence at the end of b that is
// valid so far but incomplete: its lead byte and fewer continuation bytes
// than it announces.
func incompleteTail(b []byte) int {
	for n := 1; n < utf8.UTFMax && n <= len(b); n++ {
		if c := b[len(b)-n]; utf8.RuneStart(c) {
			if c >= utf8.RuneSelf && !utf8.FullRune(b[len(b)-n:]) {
				return n
			}
			return 0
		}
	}
	return 0
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string, escaped as encoding/json
// does (without the HTML escapes): invalid UTF-8 becomes U+FFFD.
func appendJSONString(dst, s []byte) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		for i+8 <= len(s) && !mayNeedEscape(binary.LittleEndian.Uint64(s[i:])) {
			i += 8
		}
		if i == len(s) {
			break
		}
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			dst = append(dst, s[start:i]...)
			dst = appendEscape(dst, c)
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRune(s[i:])
		if r == utf8.RuneError && size == 1 || r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			if r == utf8.RuneError {
				dst = append(dst, `\ufffd`...)
			} else {
				dst = append(dst, `\u202`...)
				dst = append(dst, hexDigits[r&0xf])
			}
			start = i + size
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// mayNeedEscape reports whether any of the eight bytes in x may need
// escaping in a JSON string: a control character, '"', '\\' or a byte of
// a multi-byte sequence. It looks at eight bytes at once, which made
// -format json twice as fast on log lines that are mostly plain ASCII; a
// false alarm (a borrow crossing into the next byte) only sends those
// bytes through the byte-by-byte path.
func mayNeedEscape(x uint64) bool {
	control := (x - ones*0x20) &^ x // a byte below 0x20 borrows
	return (control|zeroByte(x^ones*'"')|zeroByte(x^ones*'\\')|x)&highs != 0
}

// zeroByte has the high bit of a byte set where v has a zero byte (and
// maybe in bytes above it).
func zeroByte(v uint64) uint64 { return (v - ones) &^ v }

func appendEscape(dst []byte, c byte) []byte {
	switch c {
	case '"', '\\':
		return append(dst, '\\', c)
	case '\n':
		return append(dst, '\\', 'n')
	case '\r':
		return append(dst, '\\', 'r')
	case '\t':
		return append(dst, '\\', 't')
	}
	return append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
}
