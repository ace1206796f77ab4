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
// process with standard input redirected from the file, and reports the
// lines per second of each and their ratio, and the CPU time (user and
// system) per line of each and their ratio. Runs alternate between the
// two and the median of each side counts: the machine is shared, and
// alternating spreads any disturbance over both. CPU time is the steadier
// of the two figures when other work shares the machine.
//
// With SLOGROTATE_BASELINE set to another build of the command (the one
// before a change), it is timed in the same rotation and its ratio to cat
// reported as base-ratio.
//
//	go test -run '^$' -bench VersusCat -benchtime 10x ./cmd/slogrotate
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
		b.Run(strings.Join(append([]string{"raw"}, args...), ""), func(b *testing.B) {
			var cat, cmd, base, catCPU, cmdCPU []time.Duration
			for b.Loop() {
				wall, cpu := timeRun(b, dir, input, "sh", "-c", `exec cat >> "$0"`)
				cat, catCPU = append(cat, wall), append(catCPU, cpu)
				wall, cpu = timeRun(b, dir, in, cmdBinary, args...)
				cmd, cmdCPU = append(cmd, wall), append(cmdCPU, cpu)
				if baseline != "" && in == input { // a baseline may predate -input
					wall, _ = timeRun(b, dir, in, baseline, args...)
					base = append(base, wall)
				}
			}
			catRate := lines / median(cat).Seconds()
			cmdRate := lines / median(cmd).Seconds()
			b.ReportMetric(catRate, "cat-lines/s")
			b.ReportMetric(cmdRate, "cmd-lines/s")
			b.ReportMetric(cmdRate/catRate, "ratio")
			b.ReportMetric(float64(median(catCPU))/lines, "cat-cpu-ns/line")
			b.ReportMetric(float64(median(cmdCPU))/lines, "cmd-cpu-ns/line")
			b.ReportMetric(float64(median(catCPU))/float64(median(cmdCPU)), "cpu-ratio")
			if len(base) > 0 {
				b.ReportMetric(lines/median(base).Seconds()/catRate, "base-ratio")
			}
		})
	}
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

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

// timeRun runs name with args and a fresh output file in dir as its last
// argument, standard input from input, and returns how long it took and
// the CPU time it used (with its children: cat under sh).
func timeRun(b *testing.B, dir, input, name string, args ...string) (wall, cpu time.Duration) {
	out := filepath.Join(dir, "out")
	for _, p := range []string{out, filepath.Join(dir, ".out.lock")} {
		os.Remove(p)
	}
	in, err := os.Open(input)
	if err != nil {
		b.Fatal(err)
	}
	defer in.Close()
	cmd := exec.Command(name, append(args, out)...)
	cmd.Stdin = in
	t0 := time.Now()
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("%s: %v\n%s", name, err, out)
	}
	return time.Since(t0), cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
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
