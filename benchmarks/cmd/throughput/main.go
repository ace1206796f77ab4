// Command throughput measures how fast several processes can log to one
// file through slog.NewJSONHandler over each writer: a bare O_APPEND file
// (the baseline), lumberjack v2, timberjack, slogrotate and slogrotate with
// WithBuffer. It prints markdown tables of aggregate records per second
// (and the ratio to the bare file measured in the same run), the latency of
// the slowest Handle calls, and how many records each writer lost.
//
//	go run ./cmd/throughput                      # the default run, under a minute on 2 cores
//	go run ./cmd/throughput -n 1,8 -m 200000 -d 5s -reps 3
//
// The program re-executes itself once per writer process. Each child opens
// the writer, builds its handler, reports ready and waits; the parent
// releases them all at once (closing a pipe they all read) and measures from
// that instant until the last child reports that it has written its records
// and closed its writer (which writes out a buffer). Each child times every
// Handle call; the parent merges the timings of all children for the
// percentiles.
//
// There are two modes. steady: nothing rotates during the run, and each
// process writes -m records. rollover: each process writes for -d and the
// writers rotate meanwhile: slogrotate on an Every(time.Second) schedule,
// timberjack with RotationInterval of one second, and lumberjack, which has
// no time-based rotation, at -lj-maxsize MB (its size count is per process).
//
// After each run the parent reads every file back and counts, per writer,
// the records lost, duplicated or torn. Every record carries its process
// number and sequence number.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/slogrotate/slogrotate/benchmarks/internal/cputime"
	"github.com/slogrotate/slogrotate/benchmarks/internal/writers"
)

const childEnv = "SLOGROTATE_THROUGHPUT_CHILD"

func main() {
	if os.Getenv(childEnv) != "" {
		if err := child(); err != nil {
			fmt.Fprintln(os.Stderr, "child:", err)
			os.Exit(1)
		}
		return
	}
	if err := parent(); err != nil {
		fmt.Fprintln(os.Stderr, "throughput:", err)
		os.Exit(1)
	}
}

// ---- parent ----

type options struct {
	procs     []int
	kinds     []string
	modes     []string
	records   int
	duration  time.Duration
	size      int
	reps      int
	ljMB      int
	dir       string
	keep      bool
	window    time.Duration
	quiet     bool
	rate      int
	childArgs []string
}

func parseFlags() (*options, error) {
	var o options
	procs := flag.String("n", "1,2,8,32", "comma-separated numbers of processes")
	kinds := flag.String("writers", strings.Join(writers.Kinds, ","), "comma-separated writers; bare is the baseline and is always run; discard (slog.NewJSONHandler(io.Discard), which writes nothing) shows the cost of the encoding alone")
	modes := flag.String("mode", "steady,rollover", "comma-separated modes: steady (nothing rotates; -m records per process), rollover (each process writes for -d while the writers rotate)")
	flag.IntVar(&o.records, "m", 20000, "records per process in steady mode")
	flag.DurationVar(&o.duration, "d", 1200*time.Millisecond, "how long each process writes in rollover mode (the schedule rolls every second)")
	flag.IntVar(&o.size, "size", 150, "approximate size of a record (bytes of JSON, newline included)")
	flag.IntVar(&o.reps, "reps", 1, "repetitions of each measurement; the table shows the median records/s and the worst latencies")
	flag.IntVar(&o.ljMB, "lj-maxsize", 1, "lumberjack's MaxSize in MB in rollover mode")
	flag.StringVar(&o.dir, "dir", "", "directory for the log files (default: a new temporary directory, removed afterwards)")
	flag.BoolVar(&o.keep, "keep", false, "keep the log files")
	flag.DurationVar(&o.window, "window", 50*time.Millisecond, "rollover mode: writes that start this soon after a second boundary count as written during a rollover")
	flag.BoolVar(&o.quiet, "q", false, "do not print progress")
	flag.IntVar(&o.rate, "rate", 0, "records per second per process (0: as fast as possible); with a rate the processes do not saturate the CPUs, so the latencies show the writers rather than the scheduler, and records/s is just the rate")
	flag.Parse()
	for _, s := range strings.Split(*procs, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("-n: bad number of processes %q", s)
		}
		o.procs = append(o.procs, n)
	}
	o.kinds = []string{"bare"}
	for _, k := range strings.Split(*kinds, ",") {
		k = strings.TrimSpace(k)
		if !slices.Contains(writers.Kinds, k) && k != writers.Discard {
			return nil, fmt.Errorf("-writers: unknown writer %q (want %s)", k, strings.Join(writers.Kinds, ", "))
		}
		if k != "bare" {
			o.kinds = append(o.kinds, k)
		}
	}
	for _, m := range strings.Split(*modes, ",") {
		m = strings.TrimSpace(m)
		if m != "steady" && m != "rollover" {
			return nil, fmt.Errorf("-mode: unknown mode %q (want steady, rollover)", m)
		}
		o.modes = append(o.modes, m)
	}
	if o.records < 1 || o.size < 80 || o.reps < 1 || o.duration <= 0 {
		return nil, errors.New("-m, -reps and -d must be positive and -size at least 80")
	}
	return &o, nil
}

// result is one run: one writer, one number of processes, one repetition.
type result struct {
	mode    string
	kind    string
	procs   int
	records int64
	elapsed time.Duration
	lat     []int64 // every Handle call, ns
	window  []int64 // rollover mode: calls that started within the window after a boundary
	first   []int64 // rollover mode: each process's first call after each boundary
	check   check
	errors  int64
	cpu     time.Duration // CPU time (user and system) the children used from the barrier on
	psi     float64       // share of the run in which some task waited for a CPU (/proc/pressure/cpu)
}

func (r *result) rate() float64 { return float64(r.records) / r.elapsed.Seconds() }

// cpuPerRecord is the children's CPU time per record, in µs.
func (r *result) cpuPerRecord() float64 { return r.cpu.Seconds() * 1e6 / float64(r.records) }

func parent() error {
	o, err := parseFlags()
	if err != nil {
		return err
	}
	root := o.dir
	if root == "" {
		if root, err = os.MkdirTemp("", "slogrotate-throughput-"); err != nil {
			return err
		}
		if !o.keep {
			defer os.RemoveAll(root)
		}
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	fmt.Println(machine())
	fmt.Printf("\nrecords of ~%d B through slog.NewJSONHandler(writer), one goroutine per process; steady: %d records per process; rollover: %v per process; %d repetition(s)\n",
		o.size, o.records, o.duration, o.reps)
	if o.rate > 0 {
		fmt.Printf("each process paced at %d records/s\n", o.rate)
	}

	start := time.Now()
	for _, mode := range o.modes {
		// runs[n][rep][kind]. Each repetition runs every writer once, in an
		// order rotated by one from the previous repetition's, so that a
		// drift in the machine's load does not always favour the same one;
		// each writer is compared with the bare file of its repetition.
		runs := map[int][]map[string]*result{}
		for _, n := range o.procs {
			for rep := range o.reps {
				byKind := map[string]*result{}
				k := len(o.kinds)
				for j := range k {
					kind := o.kinds[(j+rep)%k]
					dir := filepath.Join(root, fmt.Sprintf("%s-%d-%s-%d", mode, n, kind, rep))
					r, err := run(exe, o, mode, kind, n, dir)
					if err != nil {
						return fmt.Errorf("%s, %d processes, %s: %w", mode, n, kind, err)
					}
					if !o.keep {
						os.RemoveAll(dir)
					}
					byKind[kind] = r
					if !o.quiet {
						fmt.Fprintf(os.Stderr, "%-8s %2d procs rep %d %-20s %9.0f rec/s %5.2f µs CPU/rec  lost %d  cpu pressure %3.0f%%  (%v)\n",
							mode, n, rep, kind, r.rate(), r.cpuPerRecord(), r.check.lost, 100*r.psi, time.Since(start).Round(time.Second))
					}
				}
				runs[n] = append(runs[n], byKind)
			}
		}
		printTable(o, mode, runs)
	}
	fmt.Printf("\ntotal time %v\n", time.Since(start).Round(time.Second))
	return nil
}

// cpuPressure reads the total time, in µs, some task waited for a CPU.
func cpuPressure() int64 {
	data, err := os.ReadFile("/proc/pressure/cpu")
	if err != nil {
		return 0
	}
	_, rest, _ := strings.Cut(string(data), "total=")
	rest, _, _ = strings.Cut(rest, "\n")
	n, _ := strconv.ParseInt(strings.TrimSpace(rest), 10, 64)
	return n
}

// run runs one measurement: n children writing through kind in dir.
func run(exe string, o *options, mode, kind string, n int, dir string) (*result, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	path := filepath.Join(dir, "app.log")
	// The file exists before the run, as a service's log usually does:
	// lumberjack and timberjack create a missing file with O_TRUNC, so
	// processes starting together would otherwise truncate each other's
	// first records.
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		return nil, err
	}
	goR, goW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	defer goW.Close()
	type proc struct {
		cmd  *exec.Cmd
		out  *bufio.Reader
		done time.Time
		sum  summary
		err  error
	}
	procs := make([]*proc, n)
	for i := range procs {
		args := []string{
			"-kind", kind, "-path", path, "-proc", strconv.Itoa(i), "-size", strconv.Itoa(o.size),
			"-lat", filepath.Join(dir, fmt.Sprintf("lat-%d.bin", i)), "-lj-maxsize", strconv.Itoa(o.ljMB),
			"-window", o.window.String(), "-rate", strconv.Itoa(o.rate),
		}
		if mode == "rollover" {
			args = append(args, "-rollover", "-d", o.duration.String())
		} else {
			args = append(args, "-m", strconv.Itoa(o.records))
		}
		cmd := exec.Command(exe, args...)
		cmd.Env = append(os.Environ(), childEnv+"=1")
		cmd.ExtraFiles = []*os.File{goR}
		cmd.Stderr = os.Stderr
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			return nil, err
		}
		if err := cmd.Start(); err != nil {
			return nil, err
		}
		p := &proc{cmd: cmd, out: bufio.NewReader(stdout)}
		procs[i] = p
		defer func() {
			if p.cmd.ProcessState == nil {
				p.cmd.Process.Kill()
				p.cmd.Wait()
			}
		}()
	}
	goR.Close()
	for i, p := range procs {
		line, err := p.out.ReadString('\n')
		if err != nil || line != "ready\n" {
			return nil, fmt.Errorf("child %d did not get ready: %q %v", i, line, err)
		}
	}

	psi0 := cpuPressure()
	t0 := time.Now()
	goW.Close() // the start barrier: every child is blocked reading the pipe
	var wg sync.WaitGroup
	for _, p := range procs {
		wg.Go(func() {
			line, err := p.out.ReadBytes('\n')
			p.done = time.Now()
			if err != nil {
				p.err = fmt.Errorf("no summary: %w", err)
				return
			}
			p.err = json.Unmarshal(line, &p.sum)
		})
	}
	wg.Wait()
	psi1 := cpuPressure()
	r := &result{mode: mode, kind: kind, procs: n}
	var end time.Time
	for i, p := range procs {
		if err := p.cmd.Wait(); err != nil && p.err == nil {
			p.err = err
		}
		if p.err != nil {
			return nil, fmt.Errorf("child %d: %w", i, p.err)
		}
		if p.done.After(end) {
			end = p.done
		}
		r.records += p.sum.Records
		r.errors += p.sum.Errors
		r.cpu += time.Duration(p.sum.CPU)
		lat, window, first, err := readLatencies(filepath.Join(dir, fmt.Sprintf("lat-%d.bin", i)))
		if err != nil {
			return nil, err
		}
		r.lat = append(r.lat, lat...)
		r.window = append(r.window, window...)
		r.first = append(r.first, first...)
	}
	r.elapsed = end.Sub(t0)
	r.psi = float64(psi1-psi0) / float64(r.elapsed.Microseconds())
	counts := make([]int64, n)
	for i, p := range procs {
		counts[i] = p.sum.Records
	}
	if kind == writers.Discard {
		r.check.lost = -1 // nothing to read back
	} else if r.check, err = checkFiles(dir, counts); err != nil {
		return nil, err
	}
	slices.Sort(r.lat)
	slices.Sort(r.window)
	slices.Sort(r.first)
	return r, nil
}

// check is what reading the files back found.
type check struct {
	files, lines, torn, dup, lost int64
}

// checkFiles reads every log file in dir (the live file and the archives
// of every writer's naming; lock files and latency files are skipped) and
// accounts for the records each process reported writing.
func checkFiles(dir string, counts []int64) (check, error) {
	var c check
	seen := make([][]bool, len(counts))
	for i, n := range counts {
		seen[i] = make([]bool, n)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return c, err
	}
	for _, e := range entries {
		name := e.Name()
		if !strings.HasPrefix(name, "app") || strings.HasSuffix(name, ".lock") || !e.Type().IsRegular() {
			continue
		}
		c.files++
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return c, err
		}
		for len(data) > 0 {
			line := data
			if i := bytes.IndexByte(data, '\n'); i >= 0 {
				line, data = data[:i], data[i+1:]
			} else {
				data = nil
			}
			c.lines++
			p, i, ok := parseRecord(line)
			if !ok || p >= len(seen) || i >= len(seen[p]) {
				c.torn++
				continue
			}
			if seen[p][i] {
				c.dup++
			}
			seen[p][i] = true
		}
	}
	for _, s := range seen {
		for _, ok := range s {
			if !ok {
				c.lost++
			}
		}
	}
	return c, nil
}

// parseRecord extracts the process and sequence numbers of a line that is
// one whole record as slog.JSONHandler writes it.
func parseRecord(line []byte) (p, i int, ok bool) {
	if !bytes.HasPrefix(line, []byte(`{"time":"`)) || !bytes.HasSuffix(line, []byte(`"}`)) ||
		bytes.Count(line, []byte(`{"time":"`)) != 1 {
		return 0, 0, false
	}
	num := func(key string) (int, bool) {
		k := bytes.Index(line, []byte(key))
		if k < 0 {
			return 0, false
		}
		rest := line[k+len(key):]
		end := bytes.IndexByte(rest, ',')
		if end < 0 {
			return 0, false
		}
		n, err := strconv.Atoi(string(rest[:end]))
		return n, err == nil && n >= 0
	}
	p, ok1 := num(`,"p":`)
	i, ok2 := num(`,"i":`)
	return p, i, ok1 && ok2
}

func readLatencies(path string) (lat, window, first []int64, err error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, nil, err
	}
	next := func() []int64 {
		if len(data) < 8 {
			return nil
		}
		n := int(binary.LittleEndian.Uint64(data))
		data = data[8:]
		s := make([]int64, n)
		for i := range s {
			s[i] = int64(binary.LittleEndian.Uint64(data[8*i:]))
		}
		data = data[8*n:]
		return s
	}
	return next(), next(), next(), nil
}

func pct(s []int64, p float64) int64 {
	if len(s) == 0 {
		return 0
	}
	return s[min(int(float64(len(s))*p), len(s)-1)]
}

func us(ns int64) string { return fmt.Sprintf("%.0f", float64(ns)/1e3) }
func ms(ns int64) string { return fmt.Sprintf("%.2f", float64(ns)/1e6) }

func medianOf(v []float64) float64 {
	v = slices.Clone(v)
	slices.Sort(v)
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

// spread formats the median of v, with the range if there is more than one.
func spread(v []float64, format string) string {
	m := fmt.Sprintf(format, medianOf(v))
	if len(v) > 1 {
		m += fmt.Sprintf(" ["+format+"–"+format+"]", slices.Min(v), slices.Max(v))
	}
	return m
}

// merged merges the latencies of all repetitions and sums their checks.
func merged(rs []*result) (lat, window, first []int64, c check, errs, records int64) {
	for _, r := range rs {
		lat = append(lat, r.lat...)
		window = append(window, r.window...)
		first = append(first, r.first...)
		c.files += r.check.files
		c.lines += r.check.lines
		c.torn += r.check.torn
		c.dup += r.check.dup
		c.lost += r.check.lost
		errs += r.errors
		records += r.records
	}
	slices.Sort(lat)
	slices.Sort(window)
	slices.Sort(first)
	return
}

func printTable(o *options, mode string, runs map[int][]map[string]*result) {
	fmt.Printf("\n### %s\n\n", map[string]string{
		"steady":   fmt.Sprintf("Steady: no rollover during the run, %d records per process", o.records),
		"rollover": fmt.Sprintf("With rollovers: each process writes for %v; slogrotate Every(1s), timberjack RotationInterval 1s, lumberjack MaxSize %d MB", o.duration, o.ljMB),
	}[mode])
	fmt.Printf("records/s and CPU: median of %d repetition(s) [min–max]; × bare: median of the ratios to the bare file of the same repetition.\n", o.reps)
	fmt.Printf("Latencies: of single Handle calls, all repetitions merged. lost/torn/dup: totals over all repetitions. cpu psi: share of the run time in which some task on the machine waited for a CPU.\n\n")
	fmt.Println("| procs | writer | records/s | × bare | CPU µs/rec | × bare | p99 µs | p99.9 µs | max ms | lost | torn | dup | files | cpu psi % |")
	fmt.Println("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, n := range o.procs {
		for _, kind := range o.kinds {
			var rs []*result
			var rate, ratio, cpu, cpuRatio, psi, files []float64
			for _, byKind := range runs[n] {
				r, bare := byKind[kind], byKind["bare"]
				rs = append(rs, r)
				rate = append(rate, r.rate())
				ratio = append(ratio, r.rate()/bare.rate())
				cpu = append(cpu, r.cpuPerRecord())
				cpuRatio = append(cpuRatio, r.cpuPerRecord()/bare.cpuPerRecord())
				psi = append(psi, 100*r.psi)
				files = append(files, float64(r.check.files))
			}
			lat, _, _, c, errs, records := merged(rs)
			lost := strconv.FormatInt(c.lost, 10)
			if kind == writers.Discard {
				lost = "–"
			} else if c.lost > 0 {
				lost = fmt.Sprintf("**%d (%.2f%%)**", c.lost, 100*float64(c.lost)/float64(records))
			}
			if errs > 0 {
				lost += fmt.Sprintf(" (%d write errors)", errs)
			}
			fmt.Printf("| %d | %s | %s | %s | %s | %s | %s | %s | %s | %s | %d | %d | %.0f | %.0f |\n",
				n, kind, spread(rate, "%.0f"), spread(ratio, "%.2f"), spread(cpu, "%.2f"), spread(cpuRatio, "%.2f"),
				us(pct(lat, 0.99)), us(pct(lat, 0.999)), ms(pct(lat, 1)),
				lost, c.torn, c.dup, medianOf(files), medianOf(psi))
		}
	}
	if mode != "rollover" {
		return
	}
	fmt.Printf("\nWrites during a rollover (rollover mode). boundary: per process and second boundary, the slower of the first two\n")
	fmt.Printf("Handle calls that end after the boundary (under slogrotate, one of them takes the rollover lock and rolls over or reopens);\n")
	fmt.Printf("window: every call under way within %v after a boundary. bare does not rotate: its rows show what the machine alone\n", o.window)
	fmt.Printf("does to the same writes.\n\n")
	fmt.Println("| procs | writer | boundary writes | boundary p50 µs | boundary max ms | window writes | window p99.9 µs | window max ms |")
	fmt.Println("|---:|---|---:|---:|---:|---:|---:|---:|")
	for _, n := range o.procs {
		for _, kind := range o.kinds {
			if kind != "bare" && !strings.HasPrefix(kind, "slogrotate") {
				continue
			}
			var rs []*result
			for _, byKind := range runs[n] {
				rs = append(rs, byKind[kind])
			}
			_, window, first, _, _, _ := merged(rs)
			if len(first) == 0 {
				continue
			}
			fmt.Printf("| %d | %s | %d | %s | %s | %d | %s | %s |\n", n, kind, len(first), us(pct(first, 0.5)), ms(pct(first, 1)),
				len(window), us(pct(window, 0.999)), ms(pct(window, 1)))
		}
	}
}

func machine() string {
	cpu := "unknown"
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(data), "\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
				cpu = strings.TrimSpace(v)
				break
			}
		}
	}
	kernel := "unknown"
	if data, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		kernel = strings.TrimSpace(string(data))
	}
	return fmt.Sprintf("machine: %d CPUs (runtime.NumCPU), %s, %s, %s/%s, kernel %s, %s",
		runtime.NumCPU(), cpu, runtime.Version(), runtime.GOOS, runtime.GOARCH, kernel, time.Now().Format(time.RFC3339))
}

// ---- child ----

// summary is what a child reports on its standard output when done.
type summary struct {
	Records int64 `json:"records"`
	Errors  int64 `json:"errors"`
	CPU     int64 `json:"cpu_ns"` // user and system time from the barrier on
}

func child() error {
	fs := flag.NewFlagSet("child", flag.ContinueOnError)
	kind := fs.String("kind", "", "")
	path := fs.String("path", "", "")
	proc := fs.Int("proc", 0, "")
	size := fs.Int("size", 150, "")
	m := fs.Int("m", 0, "")
	d := fs.Duration("d", 0, "")
	rollover := fs.Bool("rollover", false, "")
	latPath := fs.String("lat", "", "")
	ljMB := fs.Int("lj-maxsize", 1, "")
	rate := fs.Int("rate", 0, "")
	win := fs.Duration("window", 50*time.Millisecond, "")
	if err := fs.Parse(os.Args[1:]); err != nil {
		return err
	}
	w, err := writers.Open(*kind, *path, writers.Config{Rollover: *rollover, LumberjackMB: *ljMB})
	if err != nil {
		return err
	}
	h := slog.NewJSONHandler(w, nil)
	pad := writers.Pad(*size)
	ctx := context.Background()
	// The timings are kept in chunks allocated as needed, outside the timed
	// calls, so that recording them never copies a large slice; and the
	// garbage collector, which only they would wake, is off (up to a
	// memory limit), so that it does not pause a timed call either.
	chunk := 1 << 16
	if !*rollover {
		chunk = *m
	}
	lat := &samples{size: chunk}
	starts := &samples{size: chunk} // wall clock, rollover mode
	lat.chunks = [][]int64{make([]int64, 0, chunk)}
	debug.SetGCPercent(-1)
	debug.SetMemoryLimit(1 << 30)

	fmt.Println("ready")
	io.Copy(io.Discard, os.NewFile(3, "go")) // the start barrier
	cpu0 := cputime.Self()

	var errs int64
	begin := time.Now()
	deadline := begin.Add(*d)
	for seq := 0; ; seq++ {
		if *rate > 0 && seq%50 == 0 {
			// Paced: write in bursts of 50 records, sleeping while ahead
			// of the schedule. The sleep is not part of any latency.
			time.Sleep(time.Until(begin.Add(time.Duration(int64(seq) * int64(time.Second) / int64(*rate)))))
		}
		t0 := time.Now()
		if *rollover && !t0.Before(deadline) || !*rollover && seq == *m {
			break
		}
		r := slog.NewRecord(t0, slog.LevelInfo, writers.Msg, 0)
		a := writers.Attrs(*proc, seq, pad)
		r.AddAttrs(a[:]...)
		if h.Handle(ctx, r) != nil {
			errs++
		}
		el := time.Since(t0)
		lat.add(int64(el))
		if *rollover {
			starts.add(t0.UnixNano())
		}
	}
	if err := w.Close(); err != nil {
		errs++
	}
	cpu := cputime.Self() - cpu0

	// Rollover mode: the writes around each second boundary. A write
	// rolls over if the writer's clock, read somewhere between the start
	// and the end of the call, is past the boundary: that is the first or
	// the second call that ends after it. first gets, per boundary, the
	// slower of those two; window every call that was under way within
	// the window after a boundary.
	var window, first []int64
	lastSec := int64(-1)
	all := lat.flat()
	for i, s := range starts.flat() {
		end := s + all[i]
		b := end / 1e9 * 1e9 // the last boundary before the end
		if s < b+int64(*win) {
			window = append(window, all[i])
		}
		if sec := end / 1e9; sec != lastSec {
			if lastSec >= 0 {
				l := all[i]
				if i+1 < len(all) {
					l = max(l, all[i+1])
				}
				first = append(first, l)
			}
			lastSec = sec
		}
	}
	var buf []byte
	for _, s := range [][]int64{all, window, first} {
		buf = binary.LittleEndian.AppendUint64(buf, uint64(len(s)))
		for _, v := range s {
			buf = binary.LittleEndian.AppendUint64(buf, uint64(v))
		}
	}
	if err := os.WriteFile(*latPath, buf, 0o644); err != nil {
		return err
	}
	out, _ := json.Marshal(summary{Records: int64(len(all)), Errors: errs, CPU: int64(cpu)})
	fmt.Println(string(out))
	return nil
}

// samples stores int64s in chunks of size, so that adding one never
// copies the ones before.
type samples struct {
	chunks [][]int64
	size   int
}

func (s *samples) add(v int64) {
	n := len(s.chunks)
	if n == 0 || len(s.chunks[n-1]) == cap(s.chunks[n-1]) {
		s.chunks = append(s.chunks, make([]int64, 0, max(s.size, 1)))
		n++
	}
	s.chunks[n-1] = append(s.chunks[n-1], v)
}

func (s *samples) flat() []int64 {
	var all []int64
	for _, c := range s.chunks {
		all = append(all, c...)
	}
	return all
}
