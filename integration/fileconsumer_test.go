// Package integration tests slogrotate against real log shippers. It is a
// module of its own so that their large dependency graphs stay out of the
// library's go.mod.
package integration

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/stanza/fileconsumer"
	"go.opentelemetry.io/collector/component/componenttest"

	"github.com/slogrotate/slogrotate"
	"github.com/slogrotate/slogrotate/internal/logcheck"
)

// The writer processes re-execute the test binary, as the root package's
// tests do: SLOGROTATE_TEST_CHILD names the role ("writer", the only one
// here) and SLOGROTATE_TEST_CHILD_CONFIG holds its writerConf as JSON.
const (
	childEnv     = "SLOGROTATE_TEST_CHILD"
	childConfEnv = "SLOGROTATE_TEST_CHILD_CONFIG"
)

// writerConf configures a writer process.
type writerConf struct {
	Path     string
	ID       int
	Buffered bool // WithBuffer, flushed every 300ms
}

func TestMain(m *testing.M) {
	if role, ok := os.LookupEnv(childEnv); ok {
		if role != "writer" {
			fmt.Fprintf(os.Stderr, "%s=%q: no such child role\n", childEnv, role)
			os.Exit(2)
		}
		os.Exit(writer())
	}
	os.Exit(m.Run())
}

// writer is the writer process that TestFileconsumer starts. It writes
// JSON records {"w":id,"seq":n,"wt":...} into a log that rolls over every
// second, 2ms apart, until its standard input is closed, then prints
// "DONE n".
func writer() int {
	var c writerConf
	if err := json.Unmarshal([]byte(os.Getenv(childConfEnv)), &c); err != nil {
		fmt.Fprintln(os.Stderr, "writer:", childConfEnv, err)
		return 2
	}
	id := c.ID
	var stamp atomic.Int64
	stamp.Store(time.Now().UnixNano())
	opts := []slogrotate.Option{
		slogrotate.WithSchedule(slogrotate.Every(time.Second)),
		slogrotate.WithLocation(time.UTC),
		slogrotate.WithLockTimeout(3 * time.Second),
		// The record's "wt" is the time the writer decided its period by.
		slogrotate.WithClock(func() time.Time { return time.Unix(0, stamp.Load()) }),
	}
	if c.Buffered {
		opts = append(opts, slogrotate.WithBuffer(64<<10), slogrotate.WithFlushInterval(300*time.Millisecond))
	}
	w, err := slogrotate.Open(c.Path, opts...)
	if err != nil {
		fmt.Fprintln(os.Stderr, "writer:", err)
		return 2
	}
	stopped := make(chan struct{})
	go func() {
		io.Copy(io.Discard, os.Stdin)
		close(stopped)
	}()
	fmt.Println("READY")
	log := slog.New(slogrotate.NewJSONHandler(w, nil))
	pad := strings.Repeat("x", 60)
	for n := 0; ; n++ {
		select {
		case <-stopped:
			if err := w.Close(); err != nil {
				fmt.Fprintln(os.Stderr, "writer:", err)
				return 2
			}
			fmt.Println("DONE", n)
			return 0
		default:
		}
		now := time.Now()
		stamp.Store(now.UnixNano())
		log.LogAttrs(context.Background(), slog.LevelInfo, "record",
			slog.Int("w", id), slog.Int("seq", n), slog.Time("wt", now), slog.String("pad", pad))
		time.Sleep(2 * time.Millisecond)
	}
}

type child struct {
	id     int
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	ready  chan struct{}
	exited chan struct{}
	done   int
	stderr bytes.Buffer
}

func startWriter(t *testing.T, path string, id int, buffered bool) *child {
	t.Helper()
	c := &child{id: id, ready: make(chan struct{}), exited: make(chan struct{}), done: -1}
	conf, err := json.Marshal(writerConf{Path: path, ID: id, Buffered: buffered})
	if err != nil {
		t.Fatal(err)
	}
	c.cmd = exec.Command(os.Args[0], "-test.run=^$")
	c.cmd.Env = append(os.Environ(), childEnv+"=writer", childConfEnv+"="+string(conf))
	c.cmd.Stderr = &c.stderr
	if c.stdin, err = c.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	out, err := c.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		select {
		case <-c.exited:
		default:
			c.cmd.Process.Kill()
			<-c.exited
		}
	})
	go func() {
		defer close(c.exited)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			switch line := sc.Text(); {
			case line == "READY":
				close(c.ready)
			case strings.HasPrefix(line, "DONE "):
				c.done, _ = strconv.Atoi(strings.TrimPrefix(line, "DONE "))
			}
		}
		c.cmd.Wait()
	}()
	select {
	case <-c.ready:
	case <-c.exited:
		t.Fatalf("writer %d exited: %s", id, c.stderr.String())
	case <-time.After(time.Minute):
		t.Fatalf("writer %d not ready after a minute", id)
	}
	return c
}

func (c *child) stop(t *testing.T) int {
	t.Helper()
	c.stdin.Close()
	select {
	case <-c.exited:
	case <-time.After(time.Minute):
		t.Fatalf("writer %d did not stop", c.id)
	}
	if c.done < 0 || c.stderr.Len() > 0 {
		t.Fatalf("writer %d failed: %s", c.id, c.stderr.String())
	}
	return c.done
}

// TestFileconsumer runs the OpenTelemetry Collector's file consumer (the
// engine of the filelog receiver) on the log while four processes write
// across at least five rollovers, and checks that every record arrives
// exactly once, with the configuration the README recommends: the live
// file and its archives, excluding the lock files. The consumer recognizes
// a renamed file by its first bytes and reads on from where it stopped, so
// a record that reaches a file after its rename (its writer read the clock
// just before the boundary, or, buffered, wrote its last batch of the
// period up to one flush interval late) is still delivered.
//
// Following only the live file is not enough, even unbuffered: the
// consumer then reads a renamed file to its end once, at its next poll,
// and misses whatever reaches the file later. With the live file alone, a
// CI run of this test got 7396 of 7448 records.
func TestFileconsumer(t *testing.T) {
	if testing.Short() {
		t.Skip("runs four writer processes for about six seconds, twice")
	}
	match := func(path string) (include, exclude []string) {
		// The default lock files are hidden beside the log, out of path.*.
		return []string{path, path + ".*"}, []string{path + ".*.gz", path + ".*.gz.tmp"}
	}
	t.Run("unbuffered", func(t *testing.T) { testFileconsumer(t, false, match) })
	t.Run("buffered", func(t *testing.T) { testFileconsumer(t, true, match) })
}

func testFileconsumer(t *testing.T, buffered bool, match func(path string) (include, exclude []string)) {
	dir, err := os.MkdirTemp("", "slogrotate-otel-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	path := filepath.Join(dir, "error.log")

	var (
		mu       sync.Mutex
		seen     = map[logcheck.Key]int{}
		foreign  []string
		received = make(chan struct{}, 1)
	)
	emit := func(_ context.Context, tokens [][]byte, _ map[string]any, _ int64, _ []int64) error {
		mu.Lock()
		defer mu.Unlock()
		for _, tok := range tokens {
			r, ok := logcheck.Parse(tok) // a token is a line without its newline
			if !ok {
				foreign = append(foreign, fmt.Sprintf("%.100q", tok))
				continue
			}
			seen[r.Key()]++
		}
		select {
		case received <- struct{}{}:
		default:
		}
		return nil
	}
	cfg := fileconsumer.NewConfig()
	cfg.Include, cfg.Exclude = match(path)
	cfg.StartAt = "beginning"
	cfg.PollInterval = 50 * time.Millisecond
	m, err := cfg.Build(componenttest.NewNopTelemetrySettings(), emit)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Start(nil); err != nil {
		t.Fatal(err)
	}
	defer m.Stop()

	var writers []*child
	for id := range 4 {
		writers = append(writers, startWriter(t, path, id, buffered))
	}
	// Let at least five rollovers happen.
	deadline := time.Now().Add(time.Minute)
	for archives(t, path) < 5 {
		if time.Now().After(deadline) {
			t.Fatal("fewer than 5 rollovers in a minute")
		}
		time.Sleep(100 * time.Millisecond)
	}
	want := map[int]int{}
	total := 0
	for _, c := range writers {
		want[c.id] = c.stop(t)
		total += want[c.id]
	}

	// Wait until the consumer has delivered as many records as were
	// written, then for two more polls in which it must deliver nothing
	// more.
	timeout := time.After(30 * time.Second)
	for {
		mu.Lock()
		n := 0
		for _, c := range seen {
			n += c
		}
		mu.Unlock()
		if n >= total {
			break
		}
		select {
		case <-received:
		case <-timeout:
			mu.Lock()
			missing := locateMissing(t, path, seen)
			mu.Unlock()
			t.Fatalf("the consumer delivered %d of %d records in 30s; never delivered:\n%s", n, total, missing)
		}
	}
	time.Sleep(2 * cfg.PollInterval)
	if err := m.Stop(); err != nil {
		t.Fatal(err)
	}

	mu.Lock()
	defer mu.Unlock()
	for _, f := range foreign {
		t.Errorf("delivered a token that is not a whole record: %s", f)
	}
	problems, _ := logcheck.ExactlyOnce(seen, want)
	for _, p := range problems {
		t.Errorf("delivered: %s", p)
	}
	// The files themselves too: every record once, in its period's file.
	rep, err := logcheck.Check(path, func(t time.Time) (time.Time, string) {
		s := slogrotate.Every(time.Second)
		start, _ := s.Period(t, time.UTC)
		return start, start.Format(s.Layout())
	}, want)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range rep.Problems {
		t.Errorf("on disk: %s", p)
	}
	t.Logf("%d records from %d writers across %d rollovers", total, len(want), archives(t, path))
}

func archives(t *testing.T, path string) int {
	t.Helper()
	entries, err := os.ReadDir(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		if name := e.Name(); strings.HasPrefix(name, filepath.Base(path)+".") && !strings.HasSuffix(name, ".lock") {
			n++
		}
	}
	return n
}

// locateMissing describes the records on disk that the consumer never
// delivered: which file holds them and where, so a failure says whether
// they were written late into an archive or missed in the live file.
func locateMissing(t *testing.T, path string, seen map[logcheck.Key]int) string {
	t.Helper()
	rep, err := logcheck.ScanLog(path)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	shown := 0
	for _, name := range rep.Names() {
		f := rep.ByFile[name]
		for i, r := range f.Records {
			if seen[r.Key()] == 0 {
				if shown++; shown <= 40 {
					fmt.Fprintf(&b, "  %s (%d bytes) offset %d: %s written at %s\n", f.Places[i], f.Size, f.Places[i].Offset, r.Key(), r.WT.Format(time.RFC3339Nano))
				}
			}
		}
	}
	fmt.Fprintf(&b, "  (%d in all)", shown)
	return b.String()
}
