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
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func init() { otherChildren["idle"] = runIdleChild }

const idleRecords = 50

// runIdleChild opens the log with the default clock on a one-second
// schedule, writes idleRecords records at once, reports the time it wrote
// them, and then writes nothing until its standard input closes; it
// reports how often it took the rollover lock after Open.
func runIdleChild(string) int {
	var locked atomic.Int64
	opened := false
	testHook = func(s stage) {
		if s == stageLocked && opened {
			locked.Add(1)
		}
	}
	w, err := Open(os.Getenv("SR_PATH"), WithLocation(time.UTC), WithSchedule(Every(time.Second)))
	if err != nil {
		fmt.Println("OPENFAILED", err)
		return 2
	}
	opened = true
	id := os.Getenv("SR_ID")
	wrote := time.Now()
	for seq := range idleRecords {
		fmt.Fprintf(w, "{\"w\":%s,\"seq\":%d}\n", id, seq)
	}
	fmt.Println("WROTE", wrote.UnixNano())
	io.Copy(io.Discard, os.Stdin)
	err = w.Close()
	fmt.Println("LOCKED", locked.Load())
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
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), childEnv+"=idle", "SR_PATH="+path, "SR_ID="+strconv.Itoa(id))
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

	locks := 0
	for i, c := range children {
		require.NoError(t, c.stdin.Close())
		require.True(t, c.out.Scan(), "child %d", i)
		k, err := strconv.Atoi(strings.TrimPrefix(c.out.Text(), "LOCKED "))
		require.NoError(t, err, "child %d: %q", i, c.out.Text())
		locks += k
		require.NoError(t, c.cmd.Wait(), "child %d", i)
	}
	t.Logf("%d processes took the rollover lock %d times in all", n, locks)
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

// With WithIdleRotation(false), the file waits for the first write after
// the boundary.
func TestIdleRotationOff(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for a real one-second boundary")
	}
	dir := tempDir(t)
	path := filepath.Join(dir, "error.log")
	w, err := Open(path, WithLocation(time.UTC), WithSchedule(Every(time.Second)), WithIdleRotation(false))
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
