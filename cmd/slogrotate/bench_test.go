package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// BenchmarkVersusCat copies the same input, a file of 3,000,000 lines of
// 150 bytes, with `cat >> file` and with the command, each started as a
// process with standard input redirected from the file. Each iteration is
// a round that runs every contender once, in an order that rotates from
// round to round; each round gives the command's rate (lines per second)
// and CPU time (user and system) as ratios to cat's in that round, and the
// medians of those ratios are reported: the machine may be shared, and
// load that comes and goes then falls on both sides of a ratio.
//
//	rate-vs-cat  the command's lines per second ÷ cat's (above 1: faster)
//	cpu-vs-cat   the command's CPU time ÷ cat's (below 1: less CPU)
//
// switches/run is the median of the command's voluntary context switches
// in a run (Unix only), which Go's scheduler can multiply (see yielder).
// With SLOGROTATE_BASELINE set to another build of the command (the one
// before a change), it runs in the same rounds, and base-rate-vs-cat,
// base-cpu-vs-cat, base-switches/run and rate-vs-base (the command's rate
// ÷ the baseline's) are reported too. The log says the same in words.
//
//	go test -run '^$' -bench VersusCat -benchtime 15x .
func BenchmarkVersusCat(b *testing.B) {
	const lines = 3_000_000
	dir := benchDir(b)
	input := filepath.Join(dir, "input")
	writeInput(b, input, lines, '\n')
	nulInput := filepath.Join(dir, "input.nul")
	writeInput(b, nulInput, lines, 0)
	baseline := os.Getenv("SLOGROTATE_BASELINE")
	for _, args := range [][]string{
		{}, {"-input", "nul"}, {"-format", "timestamp"}, {"-format", "json"},
		{"-buffer", "64K"}, {"-buffer", "64K", "-format", "timestamp"},
	} {
		in := input
		if slices.Contains(args, "nul") {
			in = nulInput
		}
		contenders := []contender{
			{name: "cat", input: input, argv: []string{"sh", "-c", `exec cat >> "$0"`}},
			{name: "command", input: in, argv: append([]string{cmdBinary}, args...)},
		}
		if baseline != "" {
			contenders = append(contenders, contender{name: "baseline", input: in, argv: append([]string{baseline}, args...)})
		}
		b.Run(strings.Join(append([]string{"raw"}, args...), ""), func(b *testing.B) {
			var rounds []round
			for b.Loop() {
				rounds = append(rounds, runRound(b, dir, contenders, len(rounds)))
			}
			reportVersusCat(b, rounds, lines, len(contenders) > 2)
		})
	}
}

// A contender is one program BenchmarkVersusCat times: argv, with the
// output file appended, reading input.
type contender struct {
	name  string
	input string
	argv  []string
}

// A round is what each contender's run took, in contender order.
type round []runCost

// runCost is what one run took: wall time, CPU time (user and system),
// and how often the process gave up the processor before its time slice
// ended (voluntary context switches, all its threads counted; 0 where
// unknown).
type runCost struct {
	wall, cpu time.Duration
	switches  int64
}

// runRound runs every contender once, starting with the one at index n
// modulo their number, so that no contender always follows the same one.
func runRound(b *testing.B, dir string, contenders []contender, n int) round {
	r := make(round, len(contenders))
	for k := range contenders {
		i := (n + k) % len(contenders)
		r[i] = timeRun(b, dir, contenders[i])
	}
	return r
}

// reportVersusCat reports the medians of the rounds' ratios to cat (the
// first contender), and to the baseline (the third) if there is one, and
// the median context switches of a run of the command and of the baseline.
func reportVersusCat(b *testing.B, rounds []round, lines int, hasBase bool) {
	med := func(f func(r round) float64) float64 {
		rs := make([]float64, len(rounds))
		for i, r := range rounds {
			rs[i] = f(r)
		}
		slices.Sort(rs)
		return rs[len(rs)/2]
	}
	catRate := med(func(r round) float64 { return float64(lines) / r[0].wall.Seconds() })
	rate := med(func(r round) float64 { return r[0].wall.Seconds() / r[1].wall.Seconds() })
	cpu := med(func(r round) float64 { return r[1].cpu.Seconds() / r[0].cpu.Seconds() })
	switches := med(func(r round) float64 { return float64(r[1].switches) })
	b.ReportMetric(catRate, "cat-lines/s")
	b.ReportMetric(rate, "rate-vs-cat")
	b.ReportMetric(cpu, "cpu-vs-cat")
	b.ReportMetric(switches, "switches/run")
	b.Logf("the command: %.3fx cat's lines/s, %.3fx cat's CPU time, %.0f context switches a run (medians of %d rounds; cat %.2fM lines/s)",
		rate, cpu, switches, len(rounds), catRate/1e6)
	if !hasBase {
		return
	}
	baseRate := med(func(r round) float64 { return r[0].wall.Seconds() / r[2].wall.Seconds() })
	baseCPU := med(func(r round) float64 { return r[2].cpu.Seconds() / r[0].cpu.Seconds() })
	baseSwitches := med(func(r round) float64 { return float64(r[2].switches) })
	vsBase := med(func(r round) float64 { return r[2].wall.Seconds() / r[1].wall.Seconds() })
	b.ReportMetric(baseRate, "base-rate-vs-cat")
	b.ReportMetric(baseCPU, "base-cpu-vs-cat")
	b.ReportMetric(baseSwitches, "base-switches/run")
	b.ReportMetric(vsBase, "rate-vs-base")
	b.Logf("the baseline: %.3fx cat's lines/s, %.3fx cat's CPU time, %.0f context switches a run; the command: %.3fx the baseline's lines/s",
		baseRate, baseCPU, baseSwitches, vsBase)
}

// benchDir is a temporary directory in memory (/dev/shm) where there is
// one, so that the disk's own pace does not decide the ratio.
func benchDir(b *testing.B) string {
	dir, err := os.MkdirTemp("/dev/shm", "slogrotate-bench-")
	if err != nil {
		return b.TempDir()
	}
	b.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// timeRun runs c with a fresh output file in dir and returns what the run
// took (with its children: cat under sh).
func timeRun(b *testing.B, dir string, c contender) runCost {
	out := filepath.Join(dir, "out")
	old, _ := filepath.Glob(filepath.Join(dir, ".out*")) // lock files
	for _, p := range append(old, out) {
		os.Remove(p)
	}
	in, err := os.Open(c.input)
	if err != nil {
		b.Fatal(err)
	}
	defer in.Close()
	cmd := exec.Command(c.argv[0], append(c.argv[1:], out)...)
	cmd.Stdin = in
	t0 := time.Now()
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("%s: %v\n%s", c.name, err, out)
	}
	return runCost{
		wall:     time.Since(t0),
		cpu:      cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime(),
		switches: voluntarySwitches(cmd.ProcessState),
	}
}

// writeInput writes lines of 150 bytes, each ending with sep.
func writeInput(b *testing.B, path string, lines int, sep byte) {
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	pad := bytes.Repeat([]byte{'x'}, 150)
	buf := make([]byte, 0, 1<<20)
	for i := range lines {
		n := len(buf)
		buf = fmt.Appendf(buf, `{"level":"INFO","seq":%d,"ts":"2024-01-01T00:00:00.000000Z","msg":"a typical log line of 150 bytes","pad":"`, i)
		buf = append(append(buf, pad[:149-(len(buf)-n)-2]...), '"', '}', sep)
		if len(buf) > 1<<20-200 {
			f.Write(buf)
			buf = buf[:0]
		}
	}
	f.Write(buf)
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
}
