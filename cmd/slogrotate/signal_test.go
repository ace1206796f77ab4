//go:build linux

package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"
)

// pipeUnread is the number of bytes written to the pipe whose write end is
// w that its reader has not read yet (FIONREAD).
func pipeUnread(t *testing.T, w *os.File) int {
	var n int32
	if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, w.Fd(), syscall.TIOCINQ, uintptr(unsafe.Pointer(&n))); errno != 0 {
		t.Fatalf("FIONREAD: %v", errno)
	}
	return int(n)
}

// startPiped starts the command with standard input from a pipe the test
// holds the write end of.
func startPiped(t *testing.T, args ...string) (*exec.Cmd, *os.File, chan error) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(cmdBinary, args...)
	cmd.Stdin = r
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r.Close()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() { cmd.Process.Kill(); w.Close() })
	return cmd, w, done
}

// TestTerminateMidStream: SIGTERM or SIGINT while the command waits for
// more input, with lines in its buffer (a flush interval of an hour keeps
// them there) and a partial line read: it exits 0 and everything it read
// is in the file, the partial line with a newline added.
func TestTerminateMidStream(t *testing.T) {
	for _, tc := range []struct {
		name string
		sig  syscall.Signal
		args []string
	}{
		{"raw/SIGTERM", syscall.SIGTERM, nil},
		{"timestamp/SIGINT", syscall.SIGINT, []string{"-format", "timestamp"}},
		{"json/SIGTERM", syscall.SIGTERM, []string{"-format", "json"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			log := filepath.Join(t.TempDir(), "app.log")
			args := append([]string{"-buffer", "1M", "-flush-interval", "1h"}, tc.args...)
			cmd, w, done := startPiped(t, append(args, log)...)
			var input strings.Builder
			for i := range 1000 {
				fmt.Fprintf(&input, "line %d\n", i)
			}
			input.WriteString("partial line without newline")
			if _, err := w.WriteString(input.String()); err != nil {
				t.Fatal(err)
			}
			// The command has read all of it once the pipe is empty.
			deadline := time.Now().Add(10 * time.Second)
			for pipeUnread(t, w) > 0 && time.Now().Before(deadline) {
				time.Sleep(time.Millisecond) // no event says when a pipe was read
			}
			if n := pipeUnread(t, w); n > 0 {
				t.Fatalf("the command did not read its input within 10s (%d bytes left)", n)
			}
			cmd.Process.Signal(tc.sig)
			if err := waitDone(t, done); err != nil {
				t.Fatalf("exit after %v: %v, want status 0", tc.sig, err)
			}
			lines := readLines(t, log)
			if len(lines) != 1001 {
				t.Fatalf("%d lines in the log, want 1001 (1000 and the partial one)", len(lines))
			}
			for i, l := range lines {
				want := fmt.Sprintf("line %d", i)
				if i == 1000 {
					want = "partial line without newline"
				}
				if !strings.Contains(l, want) {
					t.Fatalf("line %d is %q, want it to carry %q", i, l, want)
				}
			}
		})
	}
}

func waitDone(t *testing.T, done chan error) error {
	t.Helper()
	select {
	case err := <-done:
		return err
	case <-time.After(30 * time.Second):
		t.Fatal("the command did not exit within 30s")
		return nil
	}
}

// TestHangupRotates: SIGHUP archives the live file at once, and the lines
// that come after it go to the new live file.
func TestHangupRotates(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "app.log")
	cmd, w, done := startPiped(t, "-daily", log)
	fmt.Fprintf(w, "before\n")
	waitForFile(t, log, "before\n")
	cmd.Process.Signal(syscall.SIGHUP)
	archive := waitForArchive(t, dir, "app.log.")
	fmt.Fprintf(w, "after\n")
	w.Close()
	if err := waitDone(t, done); err != nil {
		t.Fatalf("exit at the end of the input: %v", err)
	}
	if got := readLines(t, archive); len(got) != 1 || got[0] != "before" {
		t.Errorf("archive %s holds %q, want [before]", archive, got)
	}
	if got := readLines(t, log); len(got) != 1 || got[0] != "after" {
		t.Errorf("live file holds %q, want [after]", got)
	}
}

func waitForArchive(t *testing.T, dir, prefix string) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), prefix) && !strings.HasSuffix(e.Name(), ".lock") {
				return filepath.Join(dir, e.Name())
			}
		}
		time.Sleep(5 * time.Millisecond) // a rename sends no event
	}
	t.Fatalf("no archive %s* appeared in %s within 10s", prefix, dir)
	return ""
}
