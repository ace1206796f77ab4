package slogrotate

import (
	"bytes"
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
	// freeIndex is the lowest archive index that may still be free for
	// period: a hint that saves probing names a size-based rollover
	// already used.
	freeIndex int
	// agreed is what every process of the log must agree on, as the
	// process that wrote the state has it (agreement.go); unknown in a
	// state of format 1.
	agreed agreement
}

// equal reports whether s and o say the same.
func (s sharedState) equal(o sharedState) bool {
	return s.sameLive(o) && s.agreed == o.agreed
}

// sameLive reports whether s and o say the same of the live file, whatever
// options they record.
func (s sharedState) sameLive(o sharedState) bool {
	return s.period.Equal(o.period) && s.id == o.id && s.freeIndex == o.freeIndex
}

const (
	// stateOffset leaves the lock file's first byte alone: on Windows the
	// lock is a mandatory byte-range lock on that byte, and reading or
	// writing it through another handle would fail.
	stateOffset = 1
	// stateMax caps what is read back: the lock file is shared with other
	// processes and is treated as untrusted input. A state takes at most
	// about 1.3 KiB (TestStateAgreementFits): 110 bytes, and for each
	// agreed option its key and its text, at most maxAgreedText bytes,
	// escaped to at most three times as many.
	stateMax   = 2048
	stateMagic = "slogrotate-state"
	// stateFormat is the format written; format 1, the same without the
	// agreement, is still read, for the processes of an older version
	// that share the log during an upgrade.
	stateFormat  = 2
	stateFormat1 = 1
)

// encode renders the state as one sealed line (see seal), so that a torn
// or foreign lock file is detected instead of trusted. A state with no
// agreement (one read in format 1) is rendered in format 1.
func (s sharedState) encode() []byte {
	format, agreed := stateFormat1, ""
	if s.agreed.known() {
		format, agreed = stateFormat, " "+s.agreed.encode()
	}
	return seal(fmt.Sprintf("%s %d %d %d:%d %d%s", stateMagic, format, s.period.UnixNano(), s.id.hi, s.id.lo, s.freeIndex, agreed))
}

// parseState parses what encode wrote. Anything else is ErrBadState.
func parseState(b []byte) (sharedState, error) {
	body, ok := unseal(b)
	if !ok {
		return sharedState{}, ErrBadState
	}
	f := strings.Split(body, " ")
	if len(f) < 5 || f[0] != stateMagic {
		return sharedState{}, ErrBadState
	}
	var agreed agreement
	switch f[1] {
	case strconv.Itoa(stateFormat1):
		ok = len(f) == 5
	case strconv.Itoa(stateFormat):
		agreed, ok = parseAgreement(f[5:])
	default:
		ok = false
	}
	if !ok {
		return sharedState{}, ErrBadState
	}
	ns, err1 := strconv.ParseInt(f[2], 10, 64)
	hi, lo, _ := strings.Cut(f[3], ":")
	h, err2 := strconv.ParseUint(hi, 10, 64)
	l, err3 := strconv.ParseUint(lo, 10, 64)
	free, err4 := strconv.Atoi(f[4])
	if err := errors.Join(err1, err2, err3, err4); err != nil || free < 0 {
		return sharedState{}, ErrBadState
	}
	s := sharedState{period: time.Unix(0, ns), id: fileID{h, l}, freeIndex: free, agreed: agreed}
	if !bytes.Equal(s.encode(), seal(body)) {
		return sharedState{}, ErrBadState // a number not written the way encode writes it
	}
	return s, nil
}

// seal ends body (one line, no newline) with its checksum and a newline:
// what a lock file holds is shared with other processes, which may be
// writing it as it is read, and is treated as untrusted input.
func seal(body string) []byte {
	return fmt.Appendf(nil, "%s %08x\n", body, crc32.ChecksumIEEE([]byte(body)))
}

// unseal returns the body of the sealed line b begins with, and reports
// whether there is one whose checksum holds.
func unseal(b []byte) (string, bool) {
	line, _, ok := strings.Cut(string(b), "\n")
	if !ok {
		return "", false
	}
	i := strings.LastIndexByte(line, ' ')
	if i < 0 {
		return "", false
	}
	body, sum := line[:i], line[i+1:]
	want, err := strconv.ParseUint(sum, 16, 32)
	if err != nil || len(sum) != 8 || uint32(want) != crc32.ChecksumIEEE([]byte(body)) {
		return "", false
	}
	return body, true
}

// readState reads the state from the open lock file. An empty file (a new
// lock file) gives ok == false and no error.
func readState(f *os.File) (s sharedState, ok bool, err error) {
	b, err := readSealed(f, "state")
	if err != nil || len(b) == 0 {
		return sharedState{}, false, err
	}
	s, err = parseState(b)
	if err != nil {
		return sharedState{}, false, fmt.Errorf("%w in lock file %s; it is replaced", err, f.Name())
	}
	return s, true, nil
}

// writeState replaces the state in the open lock file.
func writeState(f *os.File, s sharedState) error {
	return writeSealed(f, s.encode(), "state")
}

// readSealed reads what the open lock file f holds after stateOffset, at
// most stateMax bytes; what names it in an error.
func readSealed(f *os.File, what string) ([]byte, error) {
	buf := make([]byte, stateMax)
	n, err := f.ReadAt(buf, stateOffset)
	if err != nil && err != io.EOF {
		return nil, fmt.Errorf("slogrotate: read %s from %s: %w", what, f.Name(), err)
	}
	return buf[:n], nil
}

// writeSealed replaces what the open lock file f holds after stateOffset
// with b; what names it in an error.
func writeSealed(f *os.File, b []byte, what string) error {
	if _, err := f.WriteAt(b, stateOffset); err != nil {
		return fmt.Errorf("slogrotate: write %s to %s: %w", what, f.Name(), err)
	}
	// Drop whatever a longer, older or foreign content left behind.
	if err := f.Truncate(stateOffset + int64(len(b))); err != nil {
		return fmt.Errorf("slogrotate: write %s to %s: %w", what, f.Name(), err)
	}
	return nil
}
