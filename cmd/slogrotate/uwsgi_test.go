//go:build linux

package main

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// needProgram returns the path of a program the test drives, or skips the
// test when it is not installed, unless env is set to 1: then it fails.
func needProgram(t *testing.T, name, env, install string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		msg := fmt.Sprintf("%s is not installed (%s; .ci/cmd.sh install does it)", name, install)
		if os.Getenv(env) == "1" {
			t.Fatalf("%s, and %s=1 requires it", msg, env)
		}
		t.Skip(msg)
	}
	return path
}

// TestUwsgi runs the original setup: Debian's uwsgi with four worker
// processes running a Python WSGI app that logs every request through
// Python's logging into one log by way of the command, rolling over every
// second, driven by real HTTP requests for more than five periods. Two
// designs, both in docs/command.md:
//
//   - shared: the app logs to standard error and uwsgi's master hands all
//     workers' output to one instance (--logger pipe:slogrotate ...);
//   - per-worker: each worker starts its own instance and logs into its
//     stdin, so four instances append to the log at once.
//
// Every request's line (it carries a unique id) must be in the log
// exactly once, whole, in the file of the period of its timestamp.
func TestUwsgi(t *testing.T) {
	uwsgi := needProgram(t, "uwsgi", "SLOGROTATE_REQUIRE_UWSGI", "apt-get install uwsgi-core uwsgi-plugin-python3")
	app, err := filepath.Abs("testdata/wsgiapp.py")
	if err != nil {
		t.Fatal(err)
	}
	for _, mode := range []string{"shared", "per-worker"} {
		t.Run(mode, func(t *testing.T) {
			dir := t.TempDir()
			log := filepath.Join(dir, "app.log")
			command := []string{cmdBinary, "-every", "1s", "-utc", "-format", "timestamp", log}
			args := []string{"--plugin", "python3,logpipe", "--master", "--processes", "4",
				"--wsgi-file", app, "--need-app", "--disable-logging"}
			env := cleanPythonEnv()
			if mode == "shared" {
				args = append(args, "--logger", "pipe:"+strings.Join(command, " "))
				env = append(env, "SLOGROTATE_MODE=stderr")
			} else {
				env = append(env, "SLOGROTATE_MODE=pipe", "SLOGROTATE_CMD="+strings.Join(command, "\n"))
			}
			srv := startServer(t, uwsgi, append(args, "--http-socket"), env)
			sent := drive(t, srv.url, dir)
			srv.stop(t)
			checkRequests(t, dir, sent, mode == "per-worker")
		})
	}
}

// cleanPythonEnv is the environment without the variables of another
// Python (a pyenv one on PATH) that would mislead the embedded one.
func cleanPythonEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PYTHONHOME=") && !strings.HasPrefix(kv, "PYTHONPATH=") {
			env = append(env, kv)
		}
	}
	return env
}

type server struct {
	cmd    *exec.Cmd
	url    string
	output bytes.Buffer
	done   chan error
}

// startServer starts a server whose last argument is the address to
// listen on, and waits until it answers.
func startServer(t *testing.T, program string, args, env []string) *server {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	s := &server{url: "http://" + addr + "/", done: make(chan error, 1)}
	s.cmd = exec.Command(program, append(args, addr)...)
	s.cmd.Env = env
	s.cmd.Stdout, s.cmd.Stderr = &s.output, &s.output
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.done <- s.cmd.Wait() }()
	t.Cleanup(func() { s.cmd.Process.Kill() })
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(s.url + "?ready"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s
			}
		}
		select {
		case err := <-s.done:
			t.Fatalf("%s exited before it answered: %v\n%s", program, err, s.output.String())
		case <-time.After(50 * time.Millisecond): // until it listens: connection refused is no event
		}
	}
	t.Fatalf("%s did not answer within 20s:\n%s", program, s.output.String())
	return nil
}

// stop stops the server with SIGINT (uwsgi's and gunicorn's quick stop)
// and waits for it.
func (s *server) stop(t *testing.T) {
	t.Helper()
	s.cmd.Process.Signal(os.Interrupt)
	select {
	case <-s.done:
	case <-time.After(30 * time.Second):
		t.Fatalf("the server did not stop within 30s:\n%s", s.output.String())
	}
}

// drive sends requests with unique ids from eight clients at once until
// the log has had six archives, and returns the ids of those answered.
func drive(t *testing.T, url, dir string) []string {
	var (
		mu   sync.Mutex
		sent []string
		wg   sync.WaitGroup
		stop = make(chan struct{})
	)
	client := &http.Client{Timeout: 10 * time.Second}
	for c := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				id := fmt.Sprintf("%d-%d", c, n)
				resp, err := client.Get(url + "?rid=" + id)
				if err != nil {
					t.Errorf("request %s: %v", id, err)
					return
				}
				resp.Body.Close()
				mu.Lock()
				sent = append(sent, id)
				mu.Unlock()
			}
		}()
	}
	waitForArchives(t, dir, 6)
	close(stop)
	wg.Wait()
	return sent
}

var requestLine = regexp.MustCompile(`^(\S+) pid=(\d+) INFO request rid=(\S+)$`)

// checkRequests waits until every request's line is in the log (the
// commands write what is left when their input ends, after the server
// stopped), then checks each is there once, in the file of its period.
func checkRequests(t *testing.T, dir string, sent []string, perWorker bool) {
	t.Helper()
	var found map[string][]string
	deadline := time.Now().Add(15 * time.Second)
	for {
		found = requestLines(t, dir)
		if len(found) >= len(sent) || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond) // the instances end on their own: no event reaches the test
	}
	pids := map[string]bool{}
	for _, id := range sent {
		switch lines := found[id]; len(lines) {
		case 0:
			t.Errorf("request %s: no line in the log", id)
		case 1:
			pids[strings.SplitN(lines[0], " ", 2)[0]] = true
		default:
			t.Errorf("request %s: %d lines in the log: %q", id, len(lines), lines)
		}
	}
	t.Logf("%d requests, each logged once, by %d worker processes", len(sent), len(pids))
	if perWorker && len(pids) < 2 {
		t.Errorf("only %d worker logged: the test did not show several instances appending at once", len(pids))
	}
}

// requestLines returns the request lines in the log by request id, each
// as "pid file". It checks that every line of every file is a whole
// timestamp record, and that request lines are in their period's file.
func requestLines(t *testing.T, dir string) map[string][]string {
	found := map[string][]string{}
	files, _ := filepath.Glob(filepath.Join(dir, "app.log*"))
	var latestArchive, live time.Time
	for _, f := range files {
		name := filepath.Base(f)
		if strings.HasSuffix(name, ".lock") {
			continue
		}
		period, isArchive := archivePeriod(t, name)
		for i, line := range readLines(t, f) {
			stamp, err := time.Parse(stampLayout, strings.SplitN(line, " ", 2)[0])
			if err != nil {
				t.Fatalf("%s:%d: not a timestamp record: %q", name, i+1, line)
			}
			m := requestLine.FindStringSubmatch(line)
			if m == nil {
				continue // the server's own messages
			}
			got := stamp.Truncate(time.Second)
			if isArchive && !got.Equal(period) {
				t.Fatalf("%s:%d: request line stamped %v in the archive of %v", name, i+1, stamp, period)
			}
			if isArchive {
				latestArchive = later(latestArchive, period)
			} else if !live.IsZero() && !live.Equal(got) {
				t.Fatalf("%s:%d: the live file holds lines of %v and of %v", name, i+1, live, got)
			} else {
				live = got
			}
			found[m[3]] = append(found[m[3]], m[2]+" "+name)
		}
	}
	if !live.IsZero() && !live.After(latestArchive) {
		t.Fatalf("the live file holds lines of %v, not after the latest archive's period %v", live, latestArchive)
	}
	return found
}
