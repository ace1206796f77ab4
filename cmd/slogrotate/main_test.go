package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// cmdBinary is the command, built once by TestMain: the tests run it as a
// real process, as a shell or uwsgi would.
var cmdBinary string

func TestMain(m *testing.M) {
	if mode := os.Getenv(programEnv); mode != "" {
		os.Exit(testProgram(mode, os.Args[1:]))
	}
	dir, err := os.MkdirTemp("", "slogrotate-cmd-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	cmdBinary = filepath.Join(dir, "slogrotate")
	if out, err := exec.Command("go", "build", "-o", cmdBinary, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "go build: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// command is a running instance of the command, fed through stdin.
type command struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stderr bytes.Buffer
	done   chan error
}

func start(t *testing.T, args ...string) *command {
	t.Helper()
	c := &command{cmd: exec.Command(cmdBinary, args...), done: make(chan error, 1)}
	c.cmd.Stderr = &c.stderr
	var err error
	if c.stdin, err = c.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { c.done <- c.cmd.Wait() }()
	t.Cleanup(func() {
		c.cmd.Process.Kill()
		<-c.done
		c.done <- nil // for a wait in the test that comes after the cleanup's
	})
	return c
}

// wait waits for the command to exit and returns its exit status.
func (c *command) wait(t *testing.T) int {
	t.Helper()
	select {
	case err := <-c.done:
		c.done <- err
		if err != nil && c.cmd.ProcessState == nil {
			t.Fatalf("wait: %v", err)
		}
		return c.cmd.ProcessState.ExitCode()
	case <-time.After(30 * time.Second):
		t.Fatalf("the command did not exit within 30s; stderr:\n%s", c.stderr.String())
		return -1
	}
}

// readLines returns the lines of the file at path, failing on a last line
// without a newline (a torn record).
func readLines(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(data) == 0 {
		return nil
	}
	if data[len(data)-1] != '\n' {
		t.Fatalf("%s does not end with a newline: its last record is torn", path)
	}
	return strings.Split(string(data[:len(data)-1]), "\n")
}

// waitForFile waits until the file at path contains want, which the
// command has written once it has read the line: proof that it is running
// its read loop.
func waitForFile(t *testing.T, path, want string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if data, err := os.ReadFile(path); err == nil && strings.Contains(string(data), want) {
			return
		}
		time.Sleep(5 * time.Millisecond) // polling the file is the only signal there is
	}
	t.Fatalf("%s did not come to contain %q within 10s", path, want)
}
