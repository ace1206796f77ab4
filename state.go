package slogrotate

import (
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"strconv"
	"strings"
	"time"
)

// sharedState is what the processes sharing a log agree on, kept in the lock
// file and written only under the rollover lock. It is read under the lock,
// and also without it by a process that only needs to know whether a
// rollover is already done (Writer.follow): a read torn by a concurrent
// write fails the checksum and sends that process to the lock. It is what lets a
// process decide from facts rather than from its own memory, which may be
// hours old.
type sharedState struct {
	// period is the start of the period the live file holds.
	period time.Time
	// id identifies the live file the state speaks of. If the file at the
	// log's path has another identity, the state is stale (an outside tool
	// moved the file, or a process died between creating the file and
	// recording it) and says nothing about that file.
	id fileID
	// next is the lowest archive index that may still be free for period:
	// a hint that saves probing names a size-based rollover already used.
	next int
}

// equal reports whether s and o say the same.
func (s sharedState) equal(o sharedState) bool {
	return s.period.Equal(o.period) && s.id == o.id && s.next == o.next
}

const (
	// stateOffset leaves the lock file's first byte alone: on Windows the
	// lock is a mandatory byte-range lock on that byte, and reading or
	// writing it through another handle would fail.
	stateOffset = 1
	// stateMax caps what is read back: the lock file is shared with other
	// processes and is treated as untrusted input.
	stateMax    = 256
	stateMagic  = "slogrotate-state"
	stateFormat = 1
)

// encode renders the state as one line with a checksum, so that a torn or
// foreign lock file is detected instead of trusted.
func (s sharedState) encode() []byte {
	body := fmt.Sprintf("%s %d %d %d:%d %d", stateMagic, stateFormat, s.period.UnixNano(), s.id.hi, s.id.lo, s.next)
	return fmt.Appendf(nil, "%s %08x\n", body, crc32.ChecksumIEEE([]byte(body)))
}

// parseState parses what encode wrote. Anything else is ErrBadState.
func parseState(b []byte) (sharedState, error) {
	line, _, ok := strings.Cut(string(b), "\n")
	if !ok {
		return sharedState{}, ErrBadState
	}
	i := strings.LastIndexByte(line, ' ')
	if i < 0 {
		return sharedState{}, ErrBadState
	}
	body, sum := line[:i], line[i+1:]
	want, err := strconv.ParseUint(sum, 16, 32)
	if err != nil || len(sum) != 8 || uint32(want) != crc32.ChecksumIEEE([]byte(body)) {
		return sharedState{}, ErrBadState
	}
	f := strings.Split(body, " ")
	if len(f) != 5 || f[0] != stateMagic || f[1] != strconv.Itoa(stateFormat) {
		return sharedState{}, ErrBadState
	}
	ns, err1 := strconv.ParseInt(f[2], 10, 64)
	hi, lo, _ := strings.Cut(f[3], ":")
	h, err2 := strconv.ParseUint(hi, 10, 64)
	l, err3 := strconv.ParseUint(lo, 10, 64)
	next, err4 := strconv.Atoi(f[4])
	if err := errors.Join(err1, err2, err3, err4); err != nil || next < 0 {
		return sharedState{}, ErrBadState
	}
	s := sharedState{period: time.Unix(0, ns), id: fileID{h, l}, next: next}
	if string(s.encode()) != line+"\n" {
		return sharedState{}, ErrBadState // a number not written the way encode writes it
	}
	return s, nil
}

// readState reads the state from the open lock file. An empty file (a new
// lock file) gives ok == false and no error.
func readState(f *os.File) (s sharedState, ok bool, err error) {
	buf := make([]byte, stateMax)
	n, err := f.ReadAt(buf, stateOffset)
	if err != nil && err != io.EOF {
		return sharedState{}, false, fmt.Errorf("slogrotate: read state from %s: %w", f.Name(), err)
	}
	if n == 0 {
		return sharedState{}, false, nil
	}
	s, err = parseState(buf[:n])
	if err != nil {
		return sharedState{}, false, fmt.Errorf("%w in lock file %s; it is replaced", err, f.Name())
	}
	return s, true, nil
}

// writeState replaces the state in the open lock file.
func writeState(f *os.File, s sharedState) error {
	b := s.encode()
	if _, err := f.WriteAt(b, stateOffset); err != nil {
		return fmt.Errorf("slogrotate: write state to %s: %w", f.Name(), err)
	}
	// Drop whatever a longer, older or foreign content left behind.
	if err := f.Truncate(stateOffset + int64(len(b))); err != nil {
		return fmt.Errorf("slogrotate: write state to %s: %w", f.Name(), err)
	}
	return nil
}
