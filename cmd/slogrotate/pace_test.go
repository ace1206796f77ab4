//go:build linux

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestReadIntervalTrickle: with -read-interval, a record that comes
// longer than the interval after the last read began is read at once: it
// is in the file well before the interval could have passed again.
func TestReadIntervalTrickle(t *testing.T) {
	const interval = time.Second
	log := filepath.Join(t.TempDir(), "app.log")
	_, w, done := startPiped(t, "-input", "nul", "-read-interval", interval.String(), log)
	for i := range 3 {
		if i > 0 {
			// The trickle itself: records further apart than the interval.
			time.Sleep(interval + 100*time.Millisecond)
		}
		rec := fmt.Sprintf("trickle %d", i)
		sent := time.Now()
		if _, err := w.WriteString(rec + "\x00"); err != nil {
			t.Fatal(err)
		}
		waitForFile(t, log, rec+"\n")
		if took := time.Since(sent); took >= interval*9/10 {
			t.Errorf("record %d took %v to reach the file, want well under the interval %v: it waited for a pause", i, took, interval)
		}
	}
	w.Close()
	if err := waitDone(t, done); err != nil {
		t.Fatalf("exit at the end of the input: %v", err)
	}
}

// TestReadIntervalBatches: with -read-interval, records that come one by
// one, 10ms apart, within the interval after a short read are read by one
// read, so they share one timestamp; without pacing each would be read
// on its own.
func TestReadIntervalBatches(t *testing.T) {
	log := filepath.Join(t.TempDir(), "app.log")
	_, w, done := startPiped(t, "-input", "nul", "-format", "timestamp", "-utc", "-read-interval", "2s", log)
	w.WriteString("first\x00")
	waitForFile(t, log, "first\n") // a short read: the next starts 2s after it began
	const n = 20
	for i := range n {
		fmt.Fprintf(w, "burst %d\x00", i)
		time.Sleep(10 * time.Millisecond) // each record on its own in the pipe, as a worker writes them
	}
	w.Close()
	if err := waitDone(t, done); err != nil {
		t.Fatalf("exit at the end of the input: %v", err)
	}
	stamps := map[string]int{}
	for _, r := range readLines(t, log) {
		if strings.Contains(r, "burst") {
			stamps[r[:stampWidth(r)]]++
		}
	}
	if len(stamps) > 2 {
		t.Errorf("%d records 10ms apart were read by %d reads (distinct timestamps), want 1 (2 on a slow machine): %v", n, len(stamps), stamps)
	}
}

// TestReadIntervalBusy: a read of half the pipe's capacity or more is
// followed by no pause, even with an interval of an hour: the pipe may
// have been full and its writer blocked.
func TestReadIntervalBusy(t *testing.T) {
	log := filepath.Join(t.TempDir(), "app.log")
	cmd, w, done := startPiped(t, "-input", "nul", "-read-interval", "1h", log)
	rec := strings.Repeat("x", 99) + "\x00"
	// One write(2) of 40,000 bytes, more than half of 64 KiB: the pipe
	// takes it whole, and the command's read takes it whole.
	if _, err := w.WriteString(strings.Repeat(rec, 400)); err != nil {
		t.Fatal(err)
	}
	waitForFile(t, log, strings.Repeat(strings.Repeat("x", 99)+"\n", 400))
	w.WriteString("after the burst\x00")
	waitForFile(t, log, "after the burst\n")
	// That read was short: the command pauses for an hour, which SIGTERM
	// ends (the end of the input would be read only then).
	cmd.Process.Signal(syscall.SIGTERM)
	if err := waitDone(t, done); err != nil {
		t.Fatalf("exit after SIGTERM: %v", err)
	}
}

// TestReadIntervalTerminate: SIGTERM during an hour's pause ends it: the
// command writes what it read (held by -buffer until then) and what the
// pipe still holds, and exits 0.
func TestReadIntervalTerminate(t *testing.T) {
	log := filepath.Join(t.TempDir(), "app.log")
	cmd, w, done := startPiped(t, "-input", "nul", "-read-interval", "1h", "-buffer", "1M", "-flush-interval", "1h", log)
	w.WriteString("read before the pause\x00")
	deadline := time.Now().Add(10 * time.Second)
	for pipeUnread(t, w) > 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond) // no event says when a pipe was read
	}
	if n := pipeUnread(t, w); n > 0 {
		t.Fatalf("the command did not read its input within 10s (%d bytes left)", n)
	}
	// That read was short: the next starts in an hour. This record waits
	// in the pipe until then.
	w.WriteString("in the pipe\x00")
	started := time.Now()
	cmd.Process.Signal(syscall.SIGTERM)
	if err := waitDone(t, done); err != nil {
		t.Fatalf("exit after SIGTERM: %v, want status 0", err)
	}
	if took := time.Since(started); took > 10*time.Second {
		t.Errorf("the command took %v to exit after SIGTERM", took)
	}
	if got := readLines(t, log); len(got) != 2 || got[0] != "read before the pause" || got[1] != "in the pipe" {
		t.Errorf("the log holds %q, want the record read before the pause and the one left in the pipe", got)
	}
}

// TestReadIntervalWritesWakeNothing: records written while the command
// pauses wake none of its threads, which is the CPU the pause saves the
// writer. 500 records, 1ms apart, into the pipe during an hour's pause:
// a command that watched its input with Go's poller (epoll) was woken by
// most of them.
func TestReadIntervalWritesWakeNothing(t *testing.T) {
	log := filepath.Join(t.TempDir(), "app.log")
	cmd, w, done := startPiped(t, "-input", "nul", "-read-interval", "1h", log)
	w.WriteString("first\x00")
	waitForFile(t, log, "first\n") // a short read: the next starts in an hour
	const n = 500
	before := wakeUps(t, cmd.Process.Pid)
	for i := range n {
		fmt.Fprintf(w, "record %d\x00", i)
		time.Sleep(time.Millisecond) // each record alone, as a worker writes them
	}
	woken := wakeUps(t, cmd.Process.Pid) - before
	if woken > n/4 {
		t.Errorf("the command's threads were woken %d times by %d records written during a pause, want almost never", woken, n)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	if err := waitDone(t, done); err != nil {
		t.Fatalf("exit after SIGTERM: %v", err)
	}
}

// wakeUps is the number of times the threads of process pid were woken
// from a sleep (their voluntary context switches).
func wakeUps(t *testing.T, pid int) int {
	t.Helper()
	files, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/status", pid))
	if err != nil || len(files) == 0 {
		t.Fatalf("no threads of process %d in /proc: %v", pid, err)
	}
	total := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			continue // a thread that ended
		}
		for _, line := range strings.Split(string(data), "\n") {
			if v, ok := strings.CutPrefix(line, "voluntary_ctxt_switches:"); ok {
				k, _ := strconv.Atoi(strings.TrimSpace(v))
				total += k
			}
		}
	}
	return total
}
