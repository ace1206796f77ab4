// Command workers shows slogrotate doing what it is for: N worker processes
// log into one file that rotates every second, then every file is read back
// and every record accounted for.
//
//	go run ./examples/workers                  # 8 workers, 5 s, every second
//	go run ./examples/workers -workers 32 -duration 20s -every 2s -dir /tmp/logs
//
// It re-executes itself as each worker. The table at the end counts files
// and records, and the records lost, duplicated, torn (a line that is not a
// whole record) and misplaced (in the file of another period than the one
// in which it was written).
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/slogrotate/slogrotate"
	"github.com/slogrotate/slogrotate/internal/logcheck"
)

const workerEnv = "SLOGROTATE_WORKER"

type settings struct {
	workers  int
	duration time.Duration
	every    time.Duration
	dir      string
	pace     time.Duration
	maxSize  int64
	backups  int
	compress bool
	buffer   int
}

func main() {
	var s settings
	flag.IntVar(&s.workers, "workers", 8, "number of worker processes")
	flag.DurationVar(&s.duration, "duration", 5*time.Second, "how long the workers write")
	flag.DurationVar(&s.every, "every", time.Second, "rollover interval (whole seconds)")
	flag.StringVar(&s.dir, "dir", "", "log directory (default: a new temporary directory)")
	flag.DurationVar(&s.pace, "pace", 200*time.Microsecond, "pause between a worker's records")
	flag.Int64Var(&s.maxSize, "max-size", 0, "also roll over at this many bytes (WithMaxSize)")
	flag.IntVar(&s.backups, "max-backups", 0, "keep only this many archives (WithMaxBackups); lost records are then not counted")
	flag.BoolVar(&s.compress, "compress", false, "gzip archives (WithCompress)")
	flag.IntVar(&s.buffer, "buffer", 0, "batch records in a buffer of this many bytes (WithBuffer)")
	flag.Parse()
	if id := os.Getenv(workerEnv); id != "" {
		os.Exit(work(id, s))
	}
	if err := run(s); err != nil {
		fmt.Fprintln(os.Stderr, "workers:", err)
		os.Exit(1)
	}
}

func options(s settings) []slogrotate.Option {
	opts := []slogrotate.Option{
		slogrotate.WithSchedule(slogrotate.Every(s.every)),
		slogrotate.WithLocation(time.UTC),
	}
	if s.maxSize > 0 {
		opts = append(opts, slogrotate.WithMaxSize(s.maxSize))
	}
	if s.backups > 0 {
		opts = append(opts, slogrotate.WithMaxBackups(s.backups))
	}
	if s.compress {
		// A short reopen check lets compression start within the run.
		opts = append(opts, slogrotate.WithCompress(), slogrotate.WithReopenCheck(200*time.Millisecond))
	}
	if s.buffer > 0 {
		opts = append(opts, slogrotate.WithBuffer(s.buffer))
	}
	return opts
}

// work is one worker process: it logs records numbered from 0 until the
// duration is over, reports its progress on stdout, and prints its total.
func work(id string, s settings) int {
	path := filepath.Join(s.dir, "error.log")
	// The writer reads its clock from the record about to be written, so
	// the check below can tell exactly which period the writer chose for
	// each record. (With the default clock, a record slog stamped a few
	// microseconds before a boundary may open the next period's file.)
	var now atomic.Int64 // the writer's background goroutine reads it too
	clock := func() time.Time { return time.Unix(0, now.Load()) }
	lw, err := slogrotate.Open(path, append(options(s), slogrotate.WithClock(clock))...)
	if err != nil {
		fmt.Fprintln(os.Stderr, "worker:", err)
		return 1
	}
	log := slog.New(slogrotate.NewJSONHandler(lw, nil))
	w, _ := strconv.Atoi(id)
	end := time.Now().Add(s.duration)
	seq := 0
	lastReport := time.Now()
	for now.Store(time.Now().UnixNano()); clock().Before(end); now.Store(time.Now().UnixNano()) {
		log.LogAttrs(context.Background(), slog.LevelError, "upstream timed out",
			slog.Int("w", w), slog.Int("seq", seq), slog.Time("wt", clock()), slog.String("path", "/api/v1/orders"))
		seq++
		if time.Since(lastReport) > 100*time.Millisecond {
			fmt.Println("P", seq)
			lastReport = time.Now()
		}
		time.Sleep(s.pace)
	}
	if err := lw.Close(); err != nil {
		fmt.Fprintln(os.Stderr, "worker:", err)
		return 1
	}
	fmt.Println("DONE", seq)
	return 0
}

func run(s settings) error {
	if s.dir == "" {
		dir, err := os.MkdirTemp("", "slogrotate-workers-")
		if err != nil {
			return err
		}
		s.dir = dir
	}
	check, err := slogrotate.Open(filepath.Join(s.dir, "error.log"), options(s)...)
	if err != nil {
		return err // bad flags: say so before forking anyone
	}
	check.Close()
	fmt.Printf("%d workers writing %s into %s, rolling over every %v\n", s.workers, s.duration, filepath.Join(s.dir, "error.log"), s.every)

	progress := make([]atomic.Int64, s.workers)
	want := map[int]int{}
	var (
		mu   sync.Mutex
		wg   sync.WaitGroup
		errs []error
	)
	for i := range s.workers {
		cmd := exec.Command(os.Args[0], os.Args[1:]...)
		cmd.Env = append(os.Environ(), workerEnv+"="+strconv.Itoa(i))
		cmd.Args = append(cmd.Args, "-dir", s.dir)
		cmd.Stderr = os.Stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			return err
		}
		if err := cmd.Start(); err != nil {
			return err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				kind, n, _ := strings.Cut(sc.Text(), " ")
				v, _ := strconv.Atoi(n)
				progress[i].Store(int64(v))
				if kind == "DONE" {
					mu.Lock()
					want[i] = v
					mu.Unlock()
				}
			}
			if err := cmd.Wait(); err != nil {
				mu.Lock()
				errs = append(errs, fmt.Errorf("worker %d: %w", i, err))
				mu.Unlock()
			}
		}()
	}

	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	start, last, lastAt := time.Now(), int64(0), time.Now()
	tty := isTerminal(os.Stdout)
wait:
	for {
		select {
		case <-done:
			break wait
		case <-tick.C:
			var total int64
			for i := range progress {
				total += progress[i].Load()
			}
			rate := float64(total-last) / time.Since(lastAt).Seconds()
			last, lastAt = total, time.Now()
			line := fmt.Sprintf("%5.1fs  %9d records  %9.0f records/s  %3d rollovers", time.Since(start).Seconds(), total, rate, countArchives(s.dir))
			if tty {
				fmt.Printf("\r%s", line)
			} else if time.Since(start)%time.Second < 250*time.Millisecond {
				fmt.Println(line)
			}
		}
	}
	if tty {
		fmt.Println()
	}
	if len(errs) > 0 {
		return fmt.Errorf("%d workers failed: %v", len(errs), errs)
	}

	if s.backups > 0 {
		want = nil // retention deleted archives by design
	}
	sched := slogrotate.Every(s.every)
	rep, err := logcheck.Check(filepath.Join(s.dir, "error.log"), func(t time.Time) (time.Time, string) {
		st, _ := sched.Period(t, time.UTC)
		return st, st.Format(sched.Layout())
	}, want)
	if err != nil {
		return err
	}
	fmt.Println()
	fmt.Printf("%-12s %10d\n", "files", rep.Files)
	fmt.Printf("%-12s %10d\n", "records", rep.Records)
	if want == nil {
		fmt.Printf("%-12s %10s\n", "lost", "n/a (retention on)")
	} else {
		fmt.Printf("%-12s %10d\n", "lost", rep.Lost)
	}
	fmt.Printf("%-12s %10d\n", "duplicated", rep.Duplicated)
	fmt.Printf("%-12s %10d\n", "torn", rep.Torn)
	fmt.Printf("%-12s %10d\n", "misplaced", rep.Misplaced)
	for _, p := range rep.Problems {
		fmt.Println("  ", p)
	}
	if !rep.OK() {
		return fmt.Errorf("some records are not where they belong")
	}
	return nil
}

func countArchives(dir string) int {
	m, _ := filepath.Glob(filepath.Join(dir, "error.log.*"))
	n := 0
	for _, f := range m {
		if !strings.HasSuffix(f, ".lock") {
			n++
		}
	}
	return n
}

func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
