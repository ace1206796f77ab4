// Benchmarks comparing slogrotate with a bare O_APPEND file, lumberjack v2
// and timberjack, in one process. Run them with
//
//	go test -bench . -benchmem
//
// and compare each writer with the bare file measured in the same run with
//
//	go test -bench . -benchmem | go run ./cmd/benchratio
//
// Sub-benchmarks are named key=value (BenchmarkSlogJSON/size=150B/writer=bare)
// so that benchstat can put the writers side by side: benchstat -col /writer.
// The multi-process comparison is cmd/throughput; docs/performance.md has
// the figures.
package benchmarks

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slogrotate/slogrotate"
	"github.com/slogrotate/slogrotate/benchmarks/internal/cputime"
	"github.com/slogrotate/slogrotate/benchmarks/internal/writers"
)

var sizes = []struct {
	name string
	size int
}{{"150B", 150}, {"1KiB", 1 << 10}, {"16KiB", 16 << 10}}

// truncateEvery bounds what a benchmark leaves in the page cache: after
// this many bytes the file is truncated (with the timer stopped), so that
// long runs measure the writers, not the kernel's dirty-page writeback.
const truncateEvery = 64 << 20

// A target is one writer of a benchmark, with the slog handler over it.
type target struct {
	name string
	open func(path string) (slog.Handler, io.Closer, error)
}

// targets are the writers of BenchmarkSlogJSON: each writer through
// slog.NewJSONHandler, and slogrotate's own Handler, plain and buffered.
// writer=discard encodes and drops the record: the floor.
func targets() []target {
	var ts []target
	for _, kind := range append([]string{writers.Discard}, writers.Kinds...) {
		ts = append(ts, target{kind, func(path string) (slog.Handler, io.Closer, error) {
			w, err := writers.Open(kind, path, writers.Config{})
			if err != nil {
				return nil, nil, err
			}
			return slog.NewJSONHandler(w, nil), w, nil
		}})
	}
	for _, kind := range []string{"slogrotate", "slogrotate-buffered"} {
		ts = append(ts, target{kind + "-handler", func(path string) (slog.Handler, io.Closer, error) {
			w, err := slogrotate.Open(path, writers.SlogrotateOptions(kind, writers.Config{})...)
			if err != nil {
				return nil, nil, err
			}
			return slogrotate.NewJSONHandler(w, nil), w, nil
		}})
	}
	return ts
}

// BenchmarkSlogJSON logs one record per op through slog.Logger.LogAttrs.
// The encoded JSON line is about the size in the name, newline included.
// writer=discard is slog.NewJSONHandler(io.Discard): the encoding alone.
func BenchmarkSlogJSON(b *testing.B) {
	for _, s := range sizes {
		pad := writers.Pad(s.size)
		for _, t := range targets() {
			b.Run("size="+s.name+"/writer="+t.name, func(b *testing.B) {
				path := filepath.Join(b.TempDir(), "app.log")
				h, c, err := t.open(path)
				if err != nil {
					b.Fatal(err)
				}
				defer c.Close()
				logger := slog.New(h)
				ctx := context.Background()
				b.SetBytes(int64(s.size))
				per := max(truncateEvery/s.size, 1)
				b.ResetTimer()
				for i := range b.N {
					a := writers.Attrs(1, i, pad)
					logger.LogAttrs(ctx, slog.LevelInfo, writers.Msg, a[:]...)
					if i%per == per-1 && t.name != writers.Discard {
						b.StopTimer()
						if err := os.Truncate(path, 0); err != nil {
							b.Fatal(err)
						}
						b.StartTimer()
					}
				}
				b.StopTimer()
				if err := c.Close(); err != nil {
					b.Fatal(err)
				}
			})
		}
	}
}

// line150 is a preformatted record of 150 bytes.
var line150 = func() []byte {
	l := []byte(`{"time":"2025-11-26T01:18:00.123456789Z","level":"INFO","msg":"request served","p":1,"i":100000,"pad":"`)
	l = append(l, strings.Repeat("x", 150-len(l)-3)...)
	return append(l, "\"}\n"...)
}()

// BenchmarkWriterWrite writes a preformatted 150-byte line per op: the cost
// of the writer alone, without slog. writer=bare is os.File.Write.
func BenchmarkWriterWrite(b *testing.B) {
	for _, kind := range writers.Kinds {
		b.Run("writer="+kind, func(b *testing.B) {
			path := filepath.Join(b.TempDir(), "app.log")
			w, err := writers.Open(kind, path, writers.Config{})
			if err != nil {
				b.Fatal(err)
			}
			defer w.Close()
			b.SetBytes(int64(len(line150)))
			per := truncateEvery / len(line150)
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				if _, err := w.Write(line150); err != nil {
					b.Fatal(err)
				}
				if i%per == per-1 {
					b.StopTimer()
					os.Truncate(path, 0)
					b.StartTimer()
				}
			}
		})
	}
}

// BenchmarkTimeNow is a full reading of the wall clock, which Writer.Write
// takes only at a deadline (a rollover or a reopen check, once a second by
// default), and BenchmarkTimeSince the monotonic read it makes for every
// other record to decide whether the period has ended: part of the
// difference between writer=slogrotate and writer=bare above.
func BenchmarkTimeNow(b *testing.B) {
	var t time.Time
	for range b.N {
		t = time.Now()
	}
	_ = t
}

func BenchmarkTimeSince(b *testing.B) {
	base := time.Now()
	var d time.Duration
	for range b.N {
		d = time.Since(base)
	}
	_ = d
}

// BenchmarkBufferSize is BenchmarkWriterWrite's buffered writer with
// WithBuffer sizes from 4 KiB to 1 MiB: what a batch's write(2) costs per
// record at each size, to choose one by.
func BenchmarkBufferSize(b *testing.B) {
	for _, size := range []int{4 << 10, 16 << 10, 64 << 10, 256 << 10, 1 << 20} {
		b.Run(fmt.Sprintf("size=%dKiB", size>>10), func(b *testing.B) {
			path := filepath.Join(b.TempDir(), "app.log")
			w, err := slogrotate.Open(path, slogrotate.WithBuffer(size))
			if err != nil {
				b.Fatal(err)
			}
			defer w.Close()
			b.SetBytes(int64(len(line150)))
			per := truncateEvery / len(line150)
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				if _, err := w.Write(line150); err != nil {
					b.Fatal(err)
				}
				if i%per == per-1 {
					b.StopTimer()
					os.Truncate(path, 0)
					b.StartTimer()
				}
			}
		})
	}
}

// bufioFile is the ceiling of a buffered writer that really writes: a
// 64 KiB bufio.Writer over an O_APPEND file, with none of slogrotate's
// guarantees (a batch may end in the middle of a record, nothing rotates).
type bufioFile struct {
	*bufio.Writer
	f *os.File
}

func (b *bufioFile) Close() error {
	return errors.Join(b.Flush(), b.f.Close())
}

// BenchmarkBufferedVsBufio logs a 150-byte JSON record per op, as
// BenchmarkSlogJSON does, through slog.NewJSONHandler into writer=bufio (a
// bufio.Writer of slogrotate-buffered's size over the same kind of
// O_APPEND file: the ceiling) and into slogrotate with WithBuffer of that
// size, directly (writer=slogrotate-buffered) and through its Handler
// (writer=slogrotate-buffered-handler). The ratio of interest is bufio's
// ns/op over slogrotate's, measured in the same run (benchratio's "×
// bufio"). The paired= sub-benchmarks measure bufio and one slogrotate
// writer in alternating chunks of records (see benchPaired): their
// ratio-p50 is that ratio, less disturbed by other load on the machine.
func BenchmarkBufferedVsBufio(b *testing.B) {
	open := map[string]func(path string) (slog.Handler, io.Closer, error){
		"bufio": func(path string) (slog.Handler, io.Closer, error) {
			f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
			if err != nil {
				return nil, nil, err
			}
			bf := &bufioFile{bufio.NewWriterSize(f, writers.BufferSize), f}
			return slog.NewJSONHandler(bf, nil), bf, nil
		},
		"slogrotate-buffered": func(path string) (slog.Handler, io.Closer, error) {
			w, err := slogrotate.Open(path, slogrotate.WithBuffer(writers.BufferSize))
			return slog.NewJSONHandler(w, nil), w, err
		},
		"slogrotate-buffered-handler": func(path string) (slog.Handler, io.Closer, error) {
			w, err := slogrotate.Open(path, slogrotate.WithBuffer(writers.BufferSize))
			return slogrotate.NewJSONHandler(w, nil), w, err
		},
	}
	pad := writers.Pad(150)
	for _, name := range []string{"slogrotate-buffered", "slogrotate-buffered-handler"} {
		b.Run("paired="+name, func(b *testing.B) { benchPaired(b, open["bufio"], open[name], pad) })
	}
	for _, name := range []string{"bufio", "slogrotate-buffered", "slogrotate-buffered-handler"} {
		b.Run("writer="+name, func(b *testing.B) {
			path := filepath.Join(b.TempDir(), "app.log")
			h, c, err := open[name](path)
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			logger := slog.New(h)
			ctx := context.Background()
			b.SetBytes(150)
			per := truncateEvery / 150
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				a := writers.Attrs(1, i, pad)
				logger.LogAttrs(ctx, slog.LevelInfo, writers.Msg, a[:]...)
				if i%per == per-1 {
					b.StopTimer()
					if err := os.Truncate(path, 0); err != nil {
						b.Fatal(err)
					}
					b.StartTimer()
				}
			}
			b.StopTimer()
			if err := c.Close(); err != nil {
				b.Fatal(err)
			}
		})
	}
}

// benchPaired logs the records of BenchmarkBufferedVsBufio through two
// writers in alternating chunks (see alternate): ratio-p50 is the first
// writer's time over the second's, the second's speed relative to the
// first's.
func benchPaired(b *testing.B, first, second func(path string) (slog.Handler, io.Closer, error), pad string) {
	dir := b.TempDir()
	var loggers [2]*slog.Logger
	var paths [2]string
	for i, open := range []func(string) (slog.Handler, io.Closer, error){first, second} {
		paths[i] = filepath.Join(dir, strconv.Itoa(i)+".log")
		h, c, err := open(paths[i])
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close()
		loggers[i] = slog.New(h)
	}
	ctx := context.Background()
	per := truncateEvery / 150
	log := func(w, i int) {
		a := writers.Attrs(1, i, pad)
		loggers[w].LogAttrs(ctx, slog.LevelInfo, writers.Msg, a[:]...)
		if i%per == per-1 {
			b.StopTimer()
			if err := os.Truncate(paths[w], 0); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
		}
	}
	alternate(b, 2000, "ratio-p50", func(i int) { log(0, i) }, func(i int) { log(1, i) })
}

// alternate runs b.N ops of first and of second in alternating chunks of
// chunk ops (each going first every other round), so that both see the
// same load on a shared machine: ns/op is one op of each. It reports
// metric, the median over rounds of first's time over second's, and each
// one's mean time per op (first-ns/op, second-ns/op).
func alternate(b *testing.B, chunk int, metric string, first, second func(i int)) {
	fs := [2]func(int){first, second}
	var total [2]time.Duration
	var ratios []float64
	b.ResetTimer()
	for done, round := 0, 0; done < b.N; round++ {
		n := min(chunk, b.N-done)
		var took [2]time.Duration
		for k := range 2 {
			w := (k + round) % 2
			t0 := time.Now()
			for j := range n {
				fs[w](done + j)
			}
			took[w] = time.Since(t0)
			total[w] += took[w]
		}
		ratios = append(ratios, float64(took[0])/float64(took[1]))
		done += n
	}
	b.StopTimer()
	slices.Sort(ratios)
	b.ReportMetric(ratios[len(ratios)/2], metric)
	b.ReportMetric(float64(total[0])/float64(b.N), "first-ns/op")
	b.ReportMetric(float64(total[1])/float64(b.N), "second-ns/op")
}

// archiveDir is a directory holding a live log and n archives of earlier
// days, shared by the runs of one BenchmarkRollover sub-benchmark (making
// 10,000 files for every b.N would dominate the benchmark's run time).
type archiveDir struct {
	dir, path string
	made      int // archives this benchmark made and removed so far
}

var (
	archiveDirsMu sync.Mutex
	archiveDirs   = map[int]*archiveDir{}
	rolloverRoot  string
)

// rolloverLayout is the archive suffix of the daily schedule.
const rolloverLayout = "2006-01-02"

func archivesDir(b *testing.B, n int) *archiveDir {
	archiveDirsMu.Lock()
	defer archiveDirsMu.Unlock()
	if d := archiveDirs[n]; d != nil {
		return d
	}
	if rolloverRoot == "" {
		var err error
		if rolloverRoot, err = os.MkdirTemp("", "slogrotate-bench-"); err != nil {
			b.Fatal(err)
		}
	}
	d := &archiveDir{dir: filepath.Join(rolloverRoot, strconv.Itoa(n))}
	d.path = filepath.Join(d.dir, "app.log")
	if err := os.MkdirAll(d.dir, 0o755); err != nil {
		b.Fatal(err)
	}
	day := time.Now().UTC().Truncate(24 * time.Hour)
	for i := 1; i <= n; i++ {
		name := d.path + "." + day.AddDate(0, 0, -i).Format(rolloverLayout)
		if err := os.WriteFile(name, line150, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	archiveDirs[n] = d
	return d
}

// removeArchive removes the archive the last Rotate made, so that every
// rotation of the benchmark finds the same number of archives.
func (d *archiveDir) removeArchive(b *testing.B) {
	name := d.path + "." + time.Now().UTC().Format(rolloverLayout)
	if d.made > 0 {
		name += "." + strconv.Itoa(d.made)
	}
	d.made++
	if err := os.Remove(name); err == nil {
		return
	}
	// The day changed, or the lock file's state numbered it otherwise.
	today, _ := filepath.Glob(d.path + "." + time.Now().UTC().Format(rolloverLayout) + "*")
	yesterday, _ := filepath.Glob(d.path + "." + time.Now().UTC().AddDate(0, 0, -1).Format(rolloverLayout) + ".*")
	for _, m := range append(today, yesterday...) {
		if i := strings.LastIndexByte(m, '.'); i > 0 {
			if k, err := strconv.Atoi(m[i+1:]); err == nil {
				d.made = max(d.made, k+1)
			}
		}
		os.Remove(m)
	}
}

// rotator is what BenchmarkRollover rotates: a slogrotate Writer, or, for
// writer=bare, a bare file rotated with the two system calls any rotation
// needs (rename the file, create the next one), the floor of the cost.
type rotator interface {
	io.WriteCloser
	Rotate() error
}

type bareRotator struct {
	*os.File
	path string
}

func (r *bareRotator) Rotate() error {
	if err := os.Rename(r.path, r.path+".bare"); err != nil {
		return err
	}
	f, err := os.OpenFile(r.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	r.File.Close()
	r.File = f
	return nil
}

func (d *archiveDir) open(b *testing.B, writer string) rotator {
	if writer == "bare" {
		f, err := os.OpenFile(d.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
		if err != nil {
			b.Fatal(err)
		}
		return &bareRotator{f, d.path}
	}
	opts := []slogrotate.Option{slogrotate.WithLocation(time.UTC)}
	switch writer {
	case "slogrotate":
		// Retention on, never reached: the janitor sweeps after every
		// rollover and deletes nothing.
		opts = append(opts, slogrotate.WithMaxBackups(100000))
	case "slogrotate-all":
		// And what else a sweep looks at: ages, reports, empty archives.
		opts = append(opts, slogrotate.WithMaxBackups(100000), slogrotate.WithMaxAge(100*365*24*time.Hour),
			slogrotate.WithOnRotate(func(string) {}), slogrotate.WithBuffer(64<<10))
	}
	w, err := slogrotate.Open(d.path, opts...)
	if err != nil {
		b.Fatal(err)
	}
	return w
}

// removeBare removes the archive bareRotator made.
func (d *archiveDir) removeBare(b *testing.B) {
	if err := os.Remove(d.path + ".bare"); err != nil {
		b.Fatal(err)
	}
}

func (d *archiveDir) remove(b *testing.B, writer string) {
	if writer == "bare" {
		d.removeBare(b)
	} else {
		d.removeArchive(b)
	}
}

// BenchmarkRollover measures a forced rollover (Writer.Rotate) with 10 and
// with 10,000 archives of earlier days in the directory. writer=slogrotate
// has WithMaxBackups(100000): its janitor sweeps after every rollover (on
// its own goroutine) and deletes nothing; writer=slogrotate-all adds
// WithMaxAge, WithOnRotate and WithBuffer, which the sweep looks at too.
// writer=slogrotate-
// nojanitor has no retention, so no janitor. writer=bare is a rename and a
// create, the floor of any rotation on this file system.
//
// op=rotate: rotate-ns/op is the mean time of one Rotate, rotate-p50-ns
// the median (a few slow file-system operations weigh on a mean of few
// ops). Each op writes a record (so that the file is not empty), rotates,
// pauses 50ms, in which the janitor's sweep (which the rollover starts on
// another goroutine) ends, as it does when rollovers are minutes or days
// apart, and removes the archive; ns/op is all of that. cpu-ns/op is the CPU time the whole
// process used per op: the difference between writer=slogrotate and
// writer=slogrotate-nojanitor is the janitor's cost per rollover.
//
// op=write: ns/op is one 150-byte Write. Every 20,000 writes there is a
// Rotate, preceded by a 25ms pause (neither timed), so that each
// rollover's janitor sweep overlaps the writes right after it, as in a real
// run. max-ns and p99.9-ns are of single writes.
//
// op=follow (slogrotate-nojanitor only): another Writer on the same log
// rotates (not timed), then ns/op is this Writer's Reopen, which takes the
// rollover lock, finds the file rotated and reopens it: what every process
// but the one that rotates does at a boundary, under the lock.
func BenchmarkRollover(b *testing.B) {
	const rotateEvery = 20000
	for _, n := range []int{10, 10000} {
		for _, writer := range []string{"bare", "slogrotate", "slogrotate-all", "slogrotate-nojanitor"} {
			name := fmt.Sprintf("archives=%d/writer=%s", n, writer)
			b.Run(name+"/op=rotate", func(b *testing.B) {
				d := archivesDir(b, n)
				w := d.open(b, writer)
				defer w.Close()
				time.Sleep(100 * time.Millisecond) // the janitor's sweep at Open
				var rotate time.Duration
				lat := make([]time.Duration, 0, b.N)
				cpu := cputime.Self()
				b.ResetTimer()
				for range b.N {
					if _, err := w.Write(line150); err != nil {
						b.Fatal(err)
					}
					t0 := time.Now()
					if err := w.Rotate(); err != nil {
						b.Fatal(err)
					}
					lat = append(lat, time.Since(t0))
					rotate += lat[len(lat)-1]
					time.Sleep(50 * time.Millisecond)
					d.remove(b, writer)
				}
				b.StopTimer()
				b.ReportMetric(float64(rotate)/float64(b.N), "rotate-ns/op")
				slices.Sort(lat)
				b.ReportMetric(float64(lat[len(lat)/2]), "rotate-p50-ns")
				b.ReportMetric(float64(cputime.Self()-cpu)/float64(b.N), "cpu-ns/op")
			})
			b.Run(name+"/op=write", func(b *testing.B) {
				d := archivesDir(b, n)
				w := d.open(b, writer)
				defer w.Close()
				lat := make([]time.Duration, 0, b.N)
				b.ReportAllocs()
				b.ResetTimer()
				for i := range b.N {
					if i%rotateEvery == 0 && i > 0 {
						b.StopTimer()
						time.Sleep(25 * time.Millisecond) // the previous sweep ends
						if err := w.Rotate(); err != nil {
							b.Fatal(err)
						}
						d.remove(b, writer)
						b.StartTimer()
					}
					t0 := time.Now()
					if _, err := w.Write(line150); err != nil {
						b.Fatal(err)
					}
					lat = append(lat, time.Since(t0))
				}
				b.StopTimer()
				slices.Sort(lat)
				b.ReportMetric(float64(lat[len(lat)-1]), "max-ns")
				b.ReportMetric(float64(lat[len(lat)*999/1000]), "p99.9-ns")
			})
			if writer == "bare" {
				continue
			}
			if writer == "slogrotate-nojanitor" {
				b.Run(name+"/op=follow", func(b *testing.B) {
					d := archivesDir(b, n)
					w := d.open(b, writer)
					defer w.Close()
					other := d.open(b, writer)
					defer other.Close()
					b.ReportAllocs()
					b.ResetTimer()
					for range b.N {
						b.StopTimer()
						if _, err := other.Write(line150); err != nil {
							b.Fatal(err)
						}
						if err := other.Rotate(); err != nil {
							b.Fatal(err)
						}
						d.removeArchive(b)
						b.StartTimer()
						if err := w.(*slogrotate.Writer).Reopen(); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		}
	}
}

// BenchmarkListDir is os.ReadDir of BenchmarkRollover's directories: a
// DirEntry per file. BenchmarkListDirNames lists them as the janitor's
// sweep does, with (*os.File).Readdirnames, 1024 names at a time: the part
// of a sweep that any listing costs (compare with cpu-ns/op of
// BenchmarkRollover's op=rotate).
func BenchmarkListDir(b *testing.B) {
	for _, n := range []int{10, 10000} {
		b.Run(fmt.Sprintf("archives=%d", n), func(b *testing.B) {
			d := archivesDir(b, n)
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				entries, err := os.ReadDir(d.dir)
				if err != nil || len(entries) < n {
					b.Fatal(len(entries), err)
				}
			}
		})
	}
}

func BenchmarkListDirNames(b *testing.B) {
	for _, n := range []int{10, 10000} {
		b.Run(fmt.Sprintf("archives=%d", n), func(b *testing.B) {
			d := archivesDir(b, n)
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				f, err := os.Open(d.dir)
				if err != nil {
					b.Fatal(err)
				}
				listed := 0
				for {
					names, err := f.Readdirnames(1024)
					listed += len(names)
					if err == io.EOF {
						break
					}
					if err != nil {
						b.Fatal(err)
					}
				}
				f.Close()
				if listed < n {
					b.Fatal(listed)
				}
			}
		})
	}
}

// BenchmarkLargeRecord writes records of exactly slogrotate.MaxRecordSize
// (1 MiB, newline included) with Writer.Write. The buffered writer passes
// records this large straight through.
func BenchmarkLargeRecord(b *testing.B) {
	rec := bytes.Repeat([]byte{'a'}, slogrotate.MaxRecordSize)
	rec[len(rec)-1] = '\n'
	for _, kind := range writers.Kinds {
		b.Run("size=1MiB/writer="+kind, func(b *testing.B) {
			path := filepath.Join(b.TempDir(), "app.log")
			w, err := writers.Open(kind, path, writers.Config{})
			if err != nil {
				b.Fatal(err)
			}
			defer w.Close()
			b.SetBytes(int64(len(rec)))
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				if _, err := w.Write(rec); err != nil {
					b.Fatal(err)
				}
				if i%64 == 63 {
					b.StopTimer()
					os.Truncate(path, 0)
					b.StartTimer()
				}
			}
		})
	}
}

// TestLargeRecordsStayWhole has 4 writers, each with its own Writer and so
// its own open file description, as separate processes would have, append
// records of exactly 1 MiB at the same time, half with Writer.Write and
// half through slogrotate's Handler, and checks that every record in the
// file is whole. A record one byte longer is refused.
func TestLargeRecordsStayWhole(t *testing.T) {
	const writersN, perWriter = 4, 8
	path := filepath.Join(t.TempDir(), "app.log")
	var wg sync.WaitGroup
	errs := make(chan error, writersN*perWriter)
	for g := range writersN {
		w, err := slogrotate.Open(path, slogrotate.WithErrorHandler(nil))
		if err != nil {
			t.Fatal(err)
		}
		defer w.Close()
		h := slogrotate.NewJSONHandler(w, &slog.HandlerOptions{ReplaceAttr: noTime})
		// Record g is the letter 'a'+g repeated, as a raw line or as the
		// message of a JSON record; the JSON line is exactly 1 MiB too.
		raw := bytes.Repeat([]byte{byte('a' + g)}, slogrotate.MaxRecordSize)
		raw[len(raw)-1] = '\n'
		msg := sizedMessage(t, byte('a'+g), slogrotate.MaxRecordSize)
		wg.Go(func() {
			logger := slog.New(h)
			for i := range perWriter {
				if i%2 == 0 {
					if _, err := w.Write(raw); err != nil {
						errs <- err
					}
				} else {
					logger.Info(msg)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}

	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := bytes.SplitAfter(data, []byte("\n"))
	if len(lines[len(lines)-1]) == 0 {
		lines = lines[:len(lines)-1]
	}
	if len(lines) != writersN*perWriter {
		t.Fatalf("%d lines in the file, want %d", len(lines), writersN*perWriter)
	}
	for i, l := range lines {
		if len(l) != slogrotate.MaxRecordSize {
			t.Fatalf("line %d is %d bytes, want %d", i, len(l), slogrotate.MaxRecordSize)
		}
		c := l[0]
		if c == '{' { // a JSON record: the message is one letter repeated
			c = l[bytes.Index(l, []byte(`"msg":"`))+len(`"msg":"`)]
		}
		if n := bytes.Count(l, []byte{c}); n < slogrotate.MaxRecordSize-200 {
			t.Fatalf("line %d mixes records: only %d bytes of %q", i, n, c)
		}
	}

	w, err := slogrotate.Open(path, slogrotate.WithErrorHandler(nil))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if _, err := w.Write(make([]byte, slogrotate.MaxRecordSize+1)); !errors.Is(err, slogrotate.ErrRecordTooLarge) {
		t.Fatalf("a write of MaxRecordSize+1 bytes returned %v, want ErrRecordTooLarge", err)
	}
}

// noTime drops the time from records, whose length varies (RFC 3339 drops
// trailing zeros of the fraction), so that a line's length is exact.
func noTime(groups []string, a slog.Attr) slog.Attr {
	if a.Key == slog.TimeKey && len(groups) == 0 {
		return slog.Attr{}
	}
	return a
}

// sizedMessage returns a message of the letter c repeated such that the
// JSON line slogrotate's Handler (with noTime) writes for it is exactly
// size bytes.
func sizedMessage(t *testing.T, c byte, size int) string {
	var buf bytes.Buffer
	h := slog.NewJSONHandler(&buf, &slog.HandlerOptions{ReplaceAttr: noTime})
	h.Handle(context.Background(), slog.NewRecord(time.Now(), slog.LevelInfo, "", 0))
	n := size - buf.Len()
	if n <= 0 {
		t.Fatal("size too small")
	}
	return strings.Repeat(string(c), n)
}

func TestMain(m *testing.M) {
	code := m.Run()
	if rolloverRoot != "" {
		os.RemoveAll(rolloverRoot)
	}
	os.Exit(code)
}

// BenchmarkOpen opens and closes a log per op, as a short-lived program (a
// cron job, one run of the command) does once: writer=bare is os.OpenFile
// with O_APPEND, the floor; layout=custom gives WithArchiveLayout a layout
// that is not the schedule's default, which Open must check.
func BenchmarkOpen(b *testing.B) {
	cases := []struct {
		name string
		open func(path string) (io.Closer, error)
	}{
		{"writer=bare", func(path string) (io.Closer, error) {
			return os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
		}},
		{"writer=slogrotate/layout=default", func(path string) (io.Closer, error) {
			return slogrotate.Open(path)
		}},
		{"writer=slogrotate/layout=custom", func(path string) (io.Closer, error) {
			return slogrotate.Open(path, slogrotate.WithArchiveLayout("20060102"))
		}},
	}
	openClose := func(b *testing.B, open func(string) (io.Closer, error), path string) {
		f, err := open(path)
		if err != nil {
			b.Fatal(err)
		}
		if err := f.Close(); err != nil {
			b.Fatal(err)
		}
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			path := filepath.Join(b.TempDir(), "app.log")
			b.ReportAllocs()
			for b.Loop() {
				openClose(b, c.open, path)
			}
		})
	}
	// The same in alternating chunks with the bare file (see alternate):
	// times-bare-p50 is the ratio, less disturbed by other load.
	for _, c := range cases[1:] {
		b.Run("paired="+strings.TrimPrefix(c.name, "writer="), func(b *testing.B) {
			dir := b.TempDir()
			alternate(b, 50, "times-bare-p50",
				func(int) { openClose(b, c.open, filepath.Join(dir, "app.log")) },
				func(int) { openClose(b, cases[0].open, filepath.Join(dir, "bare.log")) })
		})
	}
}
