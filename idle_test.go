//go:build unix

package slogrotate

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func init() { children["idle"] = runIdleChild }

// idleChildConf configures an idle child.
type idleChildConf struct {
	Path string
	ID   int
}

const idleRecords = 50

// runIdleChild opens the log with the default clock on a one-second
// schedule, writes idleRecords records at once, reports the time it wrote
// them, and then writes nothing until its standard input closes; it
// reports when it took the rollover lock after Open.
func runIdleChild() int {
	var c idleChildConf
	childConf(&c)
	var (
		mu     sync.Mutex
		opened bool
		locked []string
	)
	testHook = func(s stage) {
		mu.Lock()
		defer mu.Unlock()
		if s == stageLocked && opened {
			locked = append(locked, strconv.FormatInt(time.Now().UnixNano(), 10))
		}
	}
	w, err := Open(c.Path, WithLocation(time.UTC), WithSchedule(Every(time.Second)))
	if err != nil {
		fmt.Println("OPENFAILED", err)
		return 2
	}
	mu.Lock()
	opened = true
	mu.Unlock()
	wrote := time.Now()
	for seq := range idleRecords {
		fmt.Fprintf(w, "{\"w\":%d,\"seq\":%d}\n", c.ID, seq)
	}
	fmt.Println("WROTE", wrote.UnixNano())
	io.Copy(io.Discard, os.Stdin)
	err = w.Close()
	mu.Lock()
	fmt.Println("LOCKED", strings.Join(locked, ","))
	mu.Unlock()
	if err != nil {
		fmt.Println("CLOSEFAILED", err)
		return 2
	}
	return 0
}

// At the end of a period in which several processes wrote and then went
// idle, the file is archived within about a second, with nobody writing:
// once, with every record, and the others follow the one that rotated.
func TestIdleProcessesRotateOnTime(t *testing.T) {
	if testing.Short() {
		t.Skip("forks processes across a real one-second boundary")
	}
	dir := tempDir(t)
	path := filepath.Join(dir, "error.log")
	// Start just after a boundary, so that every child writes in one period.
	time.Sleep(time.Until(time.Now().Truncate(time.Second).Add(time.Second + 50*time.Millisecond)))
	const n = 4
	type child struct {
		cmd   *exec.Cmd
		stdin io.WriteCloser
		out   *bufio.Scanner
	}
	var children []child
	for id := range n {
		cmd := childCommand(t, "", "idle", idleChildConf{Path: path, ID: id})
		cmd.Stderr = os.Stderr
		stdin, err := cmd.StdinPipe()
		require.NoError(t, err)
		out, err := cmd.StdoutPipe()
		require.NoError(t, err)
		require.NoError(t, cmd.Start())
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
		children = append(children, child{cmd, stdin, bufio.NewScanner(out)})
	}
	var period time.Time
	for i, c := range children {
		require.True(t, c.out.Scan(), "child %d exited before writing", i)
		ns, err := strconv.ParseInt(strings.TrimPrefix(c.out.Text(), "WROTE "), 10, 64)
		require.NoError(t, err, "child %d: %q", i, c.out.Text())
		p := time.Unix(0, ns).UTC().Truncate(time.Second)
		if i > 0 && !p.Equal(period) {
			t.Fatalf("the children wrote in two periods (%v, %v): the machine is too slow for this test", period, p)
		}
		period = p
	}
	end := period.Add(time.Second)
	archive := path + "." + period.Format("2006-01-02T15-04-05")
	appeared := time.Time{}
	for deadline := end.Add(3 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if _, err := os.Stat(archive); err == nil {
			appeared = time.Now()
			break
		}
	}
	require.False(t, appeared.IsZero(), "no archive %s within 3s of the period's end, with nobody writing", archive)
	lag := appeared.Sub(end)
	t.Logf("archived %v after the period ended", lag.Round(time.Millisecond))
	assert.Less(t, lag, time.Second, "the idle file was rotated late")

	// Each later boundary, with the file empty, costs one more lock (the
	// shared state names the new period): count those of this one.
	locks := 0
	for i, c := range children {
		require.NoError(t, c.stdin.Close())
		require.True(t, c.out.Scan(), "child %d", i)
		line, ok := strings.CutPrefix(c.out.Text(), "LOCKED ")
		require.True(t, ok, "child %d: %q", i, c.out.Text())
		for _, ns := range strings.Split(line, ",") {
			if at, err := strconv.ParseInt(ns, 10, 64); err == nil && time.Unix(0, at).Before(end.Add(500*time.Millisecond)) {
				locks++
			}
		}
		require.NoError(t, c.cmd.Wait(), "child %d", i)
	}
	t.Logf("%d processes took the rollover lock %d times at the boundary", n, locks)
	assert.Less(t, locks, n, "every process took the lock: none followed the one that rotated")

	data, err := os.ReadFile(archive)
	require.NoError(t, err)
	assert.Equal(t, n*idleRecords, strings.Count(string(data), "\n"), "records in the archive")
	names, err := filepath.Glob(path + ".2*")
	require.NoError(t, err)
	assert.Equal(t, []string{archive}, names, "archives")
	live, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Empty(t, live, "the live file after the rotation")
}

// With WithoutIdleRotation, the file waits for the first write after
// the boundary.
func TestIdleRotationOff(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for a real one-second boundary")
	}
	dir := tempDir(t)
	path := filepath.Join(dir, "error.log")
	w, err := Open(path, WithLocation(time.UTC), WithSchedule(Every(time.Second)), WithoutIdleRotation())
	require.NoError(t, err)
	defer w.Close()
	writeLine(t, w, "a")
	time.Sleep(time.Until(time.Now().Truncate(time.Second).Add(1300 * time.Millisecond)))
	names, err := filepath.Glob(path + ".2*")
	require.NoError(t, err)
	assert.Empty(t, names, "archived with nobody writing, although idle rotation is off")
	writeLine(t, w, "b")
	names, err = filepath.Glob(path + ".2*")
	require.NoError(t, err)
	assert.Len(t, names, 1, "the first write after the boundary archives")
}
