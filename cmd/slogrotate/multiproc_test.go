//go:build linux

package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// archiveLayout is the default layout of -every 1s, in UTC (-utc).
const archiveLayout = "2006-01-02T15-04-05"

// A generator feeds one instance of the command numbered lines,
// "gen=G seq=N ts=...", one write(2) on the pipe per line, and counts the
// lines it handed over: those whose write completed.
type generator struct {
	gen    int
	w      *os.File
	handed int
	done   chan struct{}
}

func (g *generator) run(stop <-chan struct{}) {
	defer close(g.done)
	tick := time.NewTicker(2 * time.Millisecond) // pacing, not waiting: about 2,500 lines a second
	defer tick.Stop()
	for {
		select {
		case <-stop:
			return
		case <-tick.C:
		}
		for range 5 {
			line := fmt.Sprintf("gen=%d seq=%d ts=%s\n", g.gen, g.handed, time.Now().UTC().Format(time.RFC3339Nano))
			if _, err := g.w.WriteString(line); err != nil {
				return // the instance was killed: the pipe has no reader
			}
			g.handed++
		}
	}
}

// TestManyInstancesAcrossRollovers runs eight instances of the command on
// one log, rolling over every second, each fed by its own generator, for
// more than five periods, and kills two of them with SIGKILL half way.
// Then every line is accounted for: none torn or duplicated, each stamped
// line in the file of the period of the time the command stamped on it,
// every line a surviving instance was handed present, and of a killed
// instance's lines exactly a first run (what it wrote before it died, in
// order). Two instances write raw lines, which the command writes in
// batches of whole lines.
func TestManyInstancesAcrossRollovers(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "app.log")
	common := []string{"-every", "1s", "-utc"}
	variants := [][]string{
		{"-format", "timestamp"},
		{"-format", "timestamp", "-buffer", "64K", "-flush-interval", "50ms"},
		{"-format", "json"},
		{"-format", "json", "-buffer", "16K", "-flush-interval", "50ms"},
		{"-format", "timestamp", "-buffer", "64K", "-flush-interval", "100ms"}, // killed
		{"-format", "json"}, // killed
		{},                  // raw: the time a raw line is filed by is not in it
		{"-buffer", "64K", "-flush-interval", "50ms"},
	}
	killed := map[int]bool{4: true, 5: true}
	stop := make(chan struct{})
	var gens []*generator
	var procs []*pipedCommand
	for i, v := range variants {
		args := append(append(append([]string{}, common...), v...), log)
		cmd, w, done := startPiped(t, args...)
		procs = append(procs, &pipedCommand{cmd: cmd, done: done})
		g := &generator{gen: i, w: w, done: make(chan struct{})}
		gens = append(gens, g)
		go g.run(stop)
	}
	waitForArchives(t, dir, 3)
	for i := range killed {
		procs[i].cmd.Process.Kill()
		waitDone(t, procs[i].done) // killed: the error is expected
	}
	waitForArchives(t, dir, 6)
	close(stop)
	for i, g := range gens {
		<-g.done
		g.w.Close()
		if !killed[i] {
			if err := waitDone(t, procs[i].done); err != nil {
				t.Errorf("instance %d at the end of its input: %v, want exit status 0", i, err)
			}
		}
	}
	seen := collect(t, dir)
	checkAccounted(t, gens, killed, seen)
}

type pipedCommand struct {
	cmd  *exec.Cmd
	done chan error
}

// waitForArchives waits until dir holds n archives of app.log.
func waitForArchives(t *testing.T, dir string, n int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if got, _ := filepath.Glob(filepath.Join(dir, "app.log.2*")); len(got) >= n {
			return
		}
		time.Sleep(20 * time.Millisecond) // rollovers send no event
	}
	t.Fatalf("fewer than %d archives in %s after 30s", n, dir)
}

// A sighting is where one generated line was found.
type sighting struct {
	file  string
	stamp time.Time // the command's time, from its timestamp or JSON time
}

var (
	genLine   = regexp.MustCompile(`^gen=(\d+) seq=(\d+) ts=(\S+)$`)
	stampLine = regexp.MustCompile(`^(\S+) (.*)$`)
)

// collect reads every file of the log and returns where each line was
// seen, by generator and sequence number. It checks that each line is
// whole and stamped no earlier than generated, and that each file holds
// one period: an archive the one in its name, the live file one later
// than every archive's.
func collect(t *testing.T, dir string) map[[2]int][]sighting {
	seen := map[[2]int][]sighting{}
	files, _ := filepath.Glob(filepath.Join(dir, "app.log*"))
	var latestArchive time.Time
	livePeriods := map[time.Time]bool{}
	archives := 0
	for _, f := range files {
		name := filepath.Base(f)
		if strings.HasSuffix(name, ".lock") {
			continue
		}
		period, isArchive := archivePeriod(t, name)
		if isArchive {
			archives++
			latestArchive = later(latestArchive, period)
		}
		for i, line := range readLines(t, f) {
			stamp, gen, seq, ok := parseLine(t, line)
			if !ok {
				t.Errorf("%s:%d: torn or foreign line %q", name, i+1, line)
				continue
			}
			seen[[2]int{gen, seq}] = append(seen[[2]int{gen, seq}], sighting{name, stamp})
			if stamp.IsZero() {
				continue // a raw line: which period it was written in is not in it
			}
			got := stamp.Truncate(time.Second)
			if isArchive && !got.Equal(period) {
				t.Errorf("%s:%d: line stamped %v is in the archive of %v", name, i+1, stamp, period)
			}
			if !isArchive {
				livePeriods[got] = true
			}
		}
	}
	if archives < 5 {
		t.Errorf("%d archives, want at least 5 rollovers", archives)
	}
	for p := range livePeriods {
		if len(livePeriods) > 1 || !p.After(latestArchive) {
			t.Errorf("the live file holds lines of %d periods (%v), want one after the latest archive's (%v)", len(livePeriods), p, latestArchive)
		}
	}
	return seen
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// archivePeriod returns the period in an archive's name, app.log.<period>
// or app.log.<period>.<n>; false for the live file.
func archivePeriod(t *testing.T, name string) (time.Time, bool) {
	suffix, ok := strings.CutPrefix(name, "app.log.")
	if !ok {
		return time.Time{}, false
	}
	if len(suffix) > len(archiveLayout) {
		suffix = suffix[:len(archiveLayout)] // an index .1, .2 after the period
	}
	p, err := time.ParseInLocation(archiveLayout, suffix, time.UTC)
	if err != nil {
		t.Fatalf("unexpected file %s in the log's directory", name)
	}
	return p, true
}

// parseLine reads a timestamp, JSON or raw record of a generated line;
// the stamp of a raw one is zero.
func parseLine(t *testing.T, line string) (stamp time.Time, gen, seq int, ok bool) {
	var msg string
	if strings.HasPrefix(line, "gen=") {
		m := genLine.FindStringSubmatch(line)
		if m == nil {
			return time.Time{}, 0, 0, false
		}
		gen, _ = strconv.Atoi(m[1])
		seq, _ = strconv.Atoi(m[2])
		return time.Time{}, gen, seq, true
	} else if strings.HasPrefix(line, "{") {
		var rec struct {
			Time time.Time
			Msg  string
		}
		if json.Unmarshal([]byte(line), &rec) != nil {
			return time.Time{}, 0, 0, false
		}
		stamp, msg = rec.Time, rec.Msg
	} else {
		m := stampLine.FindStringSubmatch(line)
		if m == nil {
			return time.Time{}, 0, 0, false
		}
		var err error
		if stamp, err = time.Parse(stampLayout, m[1]); err != nil {
			return time.Time{}, 0, 0, false
		}
		msg = m[2]
	}
	m := genLine.FindStringSubmatch(msg)
	if m == nil {
		return time.Time{}, 0, 0, false
	}
	gen, _ = strconv.Atoi(m[1])
	seq, _ = strconv.Atoi(m[2])
	generated, err := time.Parse(time.RFC3339Nano, m[3])
	if err != nil || generated.Truncate(time.Microsecond).After(stamp) {
		t.Errorf("line %q: stamped before it was generated", line)
	}
	return stamp, gen, seq, true
}

// checkAccounted checks each generator's lines against what it handed
// over: each line at most once; from a surviving instance every one; from
// a killed one exactly the first k for some k.
func checkAccounted(t *testing.T, gens []*generator, killed map[int]bool, seen map[[2]int][]sighting) {
	for _, g := range gens {
		present := 0
		for seq := 0; seq < g.handed; seq++ {
			s := seen[[2]int{g.gen, seq}]
			if len(s) > 1 {
				t.Errorf("gen=%d seq=%d is in the log %d times: %v", g.gen, seq, len(s), s)
			}
			if len(s) > 0 {
				present++
			}
		}
		if len(seen[[2]int{g.gen, g.handed}]) > 0 {
			t.Errorf("gen=%d: a line beyond the %d handed over is in the log", g.gen, g.handed)
		}
		for seq := 0; seq < present; seq++ {
			if len(seen[[2]int{g.gen, seq}]) == 0 {
				t.Errorf("gen=%d seq=%d is missing (of %d lines handed over, %d in the log)", g.gen, seq, g.handed, present)
				break
			}
		}
		if !killed[g.gen] && present != g.handed {
			t.Errorf("gen=%d survived but %d of its %d lines are in the log", g.gen, present, g.handed)
		}
		t.Logf("gen=%d killed=%v: %d lines handed over, %d in the log", g.gen, killed[g.gen], g.handed, present)
	}
}
