package slogrotate

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slogrotate/slogrotate/internal/logcheck"
)

// The multi-process tests re-execute the test binary. A child is told what
// to do through environment variables and reports on standard output:
// "HOLDING" when it stops inside a rollover on purpose, "DONE n" when it
// has written n records and closed its writer.
const childEnv = "SLOGROTATE_TEST_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) != "" {
		os.Exit(runChild())
	}
	os.Exit(m.Run())
}

// childSpec describes one child writer.
type childSpec struct {
	id int
	// plan lists the windows, in milliseconds after the common start, in
	// which the child writes; it opens its writer at the start of the first
	// and exits after the last.
	plan [][2]int
	// hang, if set, makes the child stop inside its first rollover at that
	// stage ("locked" or "renamed"), print HOLDING, and wait to be killed.
	hang string
	// killAt, if positive, is when the parent kills the child with SIGKILL.
	killAt time.Duration
	opts   string // extra options, see childOptions
}

func (c childSpec) env(path string, start time.Time) []string {
	var plan []string
	for _, w := range c.plan {
		plan = append(plan, fmt.Sprintf("%d-%d", w[0], w[1]))
	}
	return append(os.Environ(),
		childEnv+"=writer",
		"SR_PATH="+path,
		"SR_ID="+strconv.Itoa(c.id),
		"SR_START="+strconv.FormatInt(start.UnixNano(), 10),
		"SR_PLAN="+strings.Join(plan, ","),
		"SR_HANG="+c.hang,
		"SR_OPTS="+c.opts,
	)
}

// childOptions turns SR_OPTS ("every=1s,locktimeout=2s") into options.
func childOptions(spec string) []Option {
	opts := []Option{WithLocation(time.UTC)}
	for _, kv := range strings.Split(spec, ",") {
		k, v, _ := strings.Cut(kv, "=")
		d, _ := time.ParseDuration(v)
		switch k {
		case "every":
			opts = append(opts, WithSchedule(Every(d)))
		case "locktimeout":
			opts = append(opts, WithLockTimeout(d))
		}
	}
	return opts
}

func runChild() int {
	path := os.Getenv("SR_PATH")
	id, _ := strconv.Atoi(os.Getenv("SR_ID"))
	startNS, _ := strconv.ParseInt(os.Getenv("SR_START"), 10, 64)
	start := time.Unix(0, startNS)
	var plan [][2]int
	for _, w := range strings.Split(os.Getenv("SR_PLAN"), ",") {
		a, b, _ := strings.Cut(w, "-")
		from, _ := strconv.Atoi(a)
		to, _ := strconv.Atoi(b)
		plan = append(plan, [2]int{from, to})
	}
	if stage := os.Getenv("SR_HANG"); stage != "" {
		testHook = func(s string) {
			if s == stage {
				fmt.Println("HOLDING")
				select {} // until the parent's SIGKILL
			}
		}
	}
	at := func(ms int) time.Time { return start.Add(time.Duration(ms) * time.Millisecond) }
	time.Sleep(time.Until(at(plan[0][0])))

	// The writer's clock returns the instant stamped into the record being
	// written, so that the file a record lands in can be checked against
	// the time the writer used to choose it.
	var now time.Time
	opts := append(childOptions(os.Getenv("SR_OPTS")), WithClock(func() time.Time { return now }))
	now = time.Now()
	h, err := New(path, opts...)
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 2
	}
	log := slog.New(h)
	pad := strings.Repeat("x", 60)
	big := strings.Repeat("y", 64<<10)
	seq := 0
	for _, w := range plan {
		time.Sleep(time.Until(at(w[0])))
		for end := at(w[1]); time.Now().Before(end); seq++ {
			body := pad
			if seq%250 == 7 {
				body = big // large records must stay whole too
			}
			now = time.Now()
			log.LogAttrs(context.Background(), slog.LevelInfo, "record",
				slog.Int("w", id), slog.Int("seq", seq), slog.Time("wt", now), slog.String("pad", body))
			time.Sleep(2 * time.Millisecond)
		}
	}
	if err := h.Close(); err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 2
	}
	fmt.Println("DONE", seq)
	return 0
}

// runChildren starts every child at once, kills those with killAt or a
// hang when due, and returns how many records each reported (-1 if killed).
func runChildren(t *testing.T, path string, start time.Time, specs []childSpec) map[int]int {
	t.Helper()
	var (
		mu   sync.Mutex
		want = map[int]int{}
		wg   sync.WaitGroup
	)
	for _, c := range specs {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = c.env(path, start)
		cmd.Stderr = os.Stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		if c.killAt > 0 {
			timer := time.AfterFunc(time.Until(start.Add(c.killAt)), func() { cmd.Process.Kill() })
			defer timer.Stop()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			n, killed := -1, false
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				line := sc.Text()
				switch {
				case line == "HOLDING":
					cmd.Process.Kill()
					killed = true
				case strings.HasPrefix(line, "DONE "):
					n, _ = strconv.Atoi(strings.TrimPrefix(line, "DONE "))
				}
			}
			err := cmd.Wait()
			mu.Lock()
			defer mu.Unlock()
			switch {
			case c.hang != "" && !killed:
				t.Errorf("child %d never reached rollover stage %q", c.id, c.hang)
			case c.hang == "" && c.killAt == 0 && (err != nil || n < 0):
				t.Errorf("child %d failed: %v", c.id, err)
			}
			if c.hang != "" || c.killAt > 0 && err != nil {
				n = -1 // killed: its records must be 0..k with no hole
			}
			want[c.id] = n
		}()
	}
	wg.Wait()
	return want
}

func periodFunc(s Schedule, loc *time.Location) logcheck.Period {
	return func(t time.Time) (time.Time, string) {
		start, _ := s.Period(t, loc)
		return start, start.Format(s.Layout())
	}
}

// TestMultiProcess is the foundation's main guarantee: many processes
// writing one log across rollovers lose, duplicate, tear and misplace
// nothing, every period has exactly one archive, and idle periods leave
// none. The scenario covers late starters, early stoppers, writers idle for
// several periods, a window in which nobody writes, a stale file left from
// an earlier day, writers killed mid-run, and processes killed while they
// hold the rollover lock, before and after the rename.
func TestMultiProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("forks processes for about eight seconds")
	}
	dir := tempDir(t)
	path := filepath.Join(dir, "error.log")
	sched := Every(time.Second)
	period := periodFunc(sched, time.UTC)

	// A file left from yesterday, with no lock file: the first process to
	// open the log must archive it under yesterday's name.
	yesterday := time.Now().UTC().Add(-24 * time.Hour).Truncate(time.Second)
	var stale strings.Builder
	for i := range 3 {
		fmt.Fprintf(&stale, `{"w":99,"seq":%d,"wt":%q}`+"\n", i, yesterday.Add(time.Duration(i)*time.Millisecond).Format(time.RFC3339Nano))
	}
	if err := os.WriteFile(path, []byte(stale.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(path, yesterday, yesterday); err != nil {
		t.Fatal(err)
	}

	// Start 200ms past a whole second, so boundaries fall at 800, 1800, ...
	// Nobody writes from 2700 to 4900: the periods [2800,3800) and
	// [3800,4800) must leave no file at all.
	start := time.Now().Truncate(time.Second).Add(1200 * time.Millisecond)
	opts := "every=1s,locktimeout=3s"
	busy := [][2]int{{0, 2700}, {4900, 7000}}
	specs := []childSpec{
		{id: 0, plan: busy, opts: opts},
		{id: 1, plan: busy, opts: opts},
		{id: 2, plan: busy, opts: opts},
		{id: 3, plan: busy, opts: opts},
		{id: 4, plan: [][2]int{{2000, 2700}, {4900, 7000}}, opts: opts},                         // starts late
		{id: 5, plan: [][2]int{{0, 1500}}, opts: opts},                                          // stops early
		{id: 6, plan: [][2]int{{0, 300}, {2000, 2200}, {5000, 5100}, {6800, 7000}}, opts: opts}, // idle for periods
		{id: 7, plan: busy, opts: opts, killAt: 2300 * time.Millisecond},                        // killed mid-run
		{id: 8, plan: busy, opts: opts, killAt: 5500 * time.Millisecond},
		{id: 20, plan: [][2]int{{600, 7000}}, opts: opts, hang: "locked"},   // dies holding the lock
		{id: 21, plan: [][2]int{{4850, 7000}}, opts: opts, hang: "renamed"}, // dies after its rename
	}
	want := runChildren(t, path, start, specs)
	want[99] = 3

	rep, err := logcheck.Check(path, period, want)
	if err != nil {
		t.Fatal(err)
	}
	t.Log(rep)
	for _, p := range rep.Problems {
		t.Error(p)
	}
	if !rep.OK() {
		t.Fatalf("records not accounted for: %v", rep)
	}

	// Exactly one archive per period that had records, named for it; none
	// for the quiet periods; none with an index, which would mean a second
	// rename of the same period.
	names := archiveNames(t, path)
	if _, ok := names[filepath.Base(path)+"."+yesterday.Format(sched.Layout())]; !ok {
		t.Errorf("the stale file was not archived under yesterday's name; archives: %v", names)
	}
	for name := range names {
		if indexSuffix(name) {
			t.Errorf("archive %s has an index: a period was renamed twice", name)
		}
	}
	for _, quiet := range []int{3300, 4300} {
		_, n := period(start.Add(time.Duration(quiet) * time.Millisecond))
		if _, ok := names["error.log."+n]; ok {
			t.Errorf("the quiet period %s has an archive", n)
		}
	}
	if len(names) < 6 { // yesterday's plus at least five rollovers
		t.Errorf("want at least 6 archives, got %d: %v", len(names), names)
	}
}

func archiveNames(t *testing.T, path string) map[string]bool {
	t.Helper()
	entries, err := os.ReadDir(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	base := filepath.Base(path)
	names := map[string]bool{}
	for _, e := range entries {
		if n := e.Name(); strings.HasPrefix(n, base+".") && n != base+".lock" {
			names[n] = true
		}
	}
	return names
}

func indexSuffix(name string) bool {
	i := strings.LastIndexByte(name, '.')
	_, err := strconv.Atoi(name[i+1:])
	return err == nil
}

// tempDir is t.TempDir without its cleanup's quirks under Wine, where
// removing the directory fails with "Invalid function".
func tempDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "slogrotate-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}
