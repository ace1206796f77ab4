//go:build linux

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestPostRotateOncePerArchive: eight instances with -post-rotate share a
// log across rollovers; the program runs exactly once for every archive,
// whichever instance made or compressed it. With compression, archives
// still uncompressed when the last instance ends are compressed and
// reported by the next instance that opens the log.
func TestPostRotateOncePerArchive(t *testing.T) {
	for _, mode := range []string{"plain", "compress"} {
		t.Run(mode, func(t *testing.T) {
			dir := t.TempDir()
			log := filepath.Join(dir, "app.log")
			calls := filepath.Join(dir, "calls")
			t.Setenv(programEnv, "record="+calls)
			args := []string{"-every", "1s", "-utc", "-reopen-check", "200ms", "-idle-rotation=false", "-post-rotate", os.Args[0]}
			if mode == "compress" {
				args = append(args, "-compress")
			}
			runInstances(t, 8, dir, append(args, log))
			if mode == "compress" {
				// The next start: an instance with no input.
				_, w, done := startPiped(t, append(args, log)...)
				w.Close()
				if err := waitDone(t, done); err != nil {
					t.Fatal(err)
				}
			}
			checkCalls(t, dir, calls, mode == "compress")
		})
	}
}

// runInstances runs n instances of the command with args, each fed paced
// lines, until dir holds six archives, then ends their input and waits
// for them to exit.
func runInstances(t *testing.T, n int, dir string, args []string) {
	stop := make(chan struct{})
	var gens []*generator
	var dones []chan error
	for i := range n {
		_, w, done := startPiped(t, args...)
		g := &generator{gen: i, w: w, done: make(chan struct{})}
		gens = append(gens, g)
		dones = append(dones, done)
		go g.run(stop)
	}
	waitForArchives(t, dir, 6)
	close(stop)
	for i, g := range gens {
		<-g.done
		g.w.Close()
		if err := waitDone(t, dones[i]); err != nil {
			t.Fatalf("instance %d: %v", i, err)
		}
	}
}

// checkCalls checks that the program was called exactly once for each
// archive in dir, and for nothing else; with compressed, that every
// archive is compressed.
func checkCalls(t *testing.T, dir, calls string, compressed bool) {
	data, err := os.ReadFile(calls)
	if err != nil {
		t.Fatalf("the program never ran: %v", err)
	}
	count := map[string]int{}
	for _, l := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
		count[l]++
	}
	archives, _ := filepath.Glob(filepath.Join(dir, "app.log.2*"))
	for _, a := range archives {
		if compressed != strings.HasSuffix(a, ".gz") {
			t.Errorf("%s: compressed %v, want %v", a, !compressed, compressed)
		}
		if count[a] != 1 {
			t.Errorf("%s: the program ran %d times for it, want once", a, count[a])
		}
		delete(count, a)
	}
	for c, n := range count {
		t.Errorf("the program ran %d times for %s, which is no archive", n, c)
	}
	t.Logf("%d archives, each reported once", len(archives))
}

// TestPostRotateFailureAndHang: a program that fails and one that hangs
// past -post-rotate-timeout are reported on standard error, with what
// they wrote there, for every archive; meanwhile every line is written,
// in the file of its period (rollovers were not held up), and the
// command exits 0 at the end of its input.
func TestPostRotateFailureAndHang(t *testing.T) {
	for _, tc := range []struct{ mode, want string }{
		{"fail", `^slogrotate: -post-rotate \S+ (\S+): (boom on (\S+)|failed: exit status 3)$`},
		{"hang", `^slogrotate: -post-rotate \S+ (\S+): (hanging on (\S+)|failed: killed after -post-rotate-timeout 300ms)$`},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			dir := t.TempDir()
			log := filepath.Join(dir, "app.log")
			t.Setenv(programEnv, tc.mode)
			c := start(t, "-every", "1s", "-utc", "-format", "timestamp", "-reopen-check", "200ms", "-idle-rotation=false",
				"-post-rotate", os.Args[0], "-post-rotate-timeout", "300ms", log)
			handed := 0
			for end := time.Now().Add(4500 * time.Millisecond); time.Now().Before(end); handed++ {
				fmt.Fprintf(c.stdin, "gen=0 seq=%d ts=%s\n", handed, time.Now().UTC().Format(time.RFC3339Nano))
				time.Sleep(2 * time.Millisecond) // pacing, not waiting
			}
			c.stdin.Close()
			if code := c.wait(t); code != 0 {
				t.Fatalf("exit status %d; stderr:\n%s", code, c.stderr.String())
			}
			checkPeriods(t, dir, handed)
			checkReported(t, dir, c.stderr.String(), regexp.MustCompile(tc.want))
		})
	}
}

// checkPeriods checks that the log holds the handed lines 0..n-1, each
// once, every one in an archive stamped in the archive's period.
func checkPeriods(t *testing.T, dir string, n int) {
	seen := map[int]int{}
	files, _ := filepath.Glob(filepath.Join(dir, "app.log*"))
	for _, f := range files {
		name := filepath.Base(f)
		if strings.HasSuffix(name, ".lock") {
			continue
		}
		period, isArchive := archivePeriod(t, name)
		for _, line := range readLines(t, f) {
			stamp, _, seq, ok := parseLine(t, line)
			if !ok {
				t.Fatalf("%s: a torn or foreign line %q", name, line)
			}
			if isArchive && !stamp.Truncate(time.Second).Equal(period) {
				t.Errorf("%s: line stamped %v is in the archive of %v", name, stamp, period)
			}
			seen[seq]++
		}
	}
	for seq := range n {
		if seen[seq] != 1 {
			t.Fatalf("seq=%d is in the log %d times, want once", seq, seen[seq])
		}
	}
}

// checkReported checks that every line of stderr matches want, and that
// each archive in dir has both the program's own message and the
// failure reported, exactly once each.
func checkReported(t *testing.T, dir, stderr string, want *regexp.Regexp) {
	said, failed := map[string]int{}, map[string]int{}
	for _, l := range strings.Split(strings.TrimSuffix(stderr, "\n"), "\n") {
		m := want.FindStringSubmatch(l)
		if m == nil {
			t.Errorf("unexpected line on standard error: %q", l)
			continue
		}
		if m[3] != "" {
			said[m[3]]++
		} else {
			failed[m[1]]++
		}
	}
	archives, _ := filepath.Glob(filepath.Join(dir, "app.log.2*"))
	if len(archives) < 3 {
		t.Errorf("%d archives, want at least 3 rollovers", len(archives))
	}
	for _, a := range archives {
		if said[a] != 1 || failed[a] != 1 {
			t.Errorf("%s: the program's message reported %d times, its failure %d times, want once each", a, said[a], failed[a])
		}
	}
}
