package slogrotate

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Two Writers of one log in one process share its lock file and rotate
// one at a time: no two rollovers hold the lock at once, and every record
// is in exactly one file.
func TestTwoWritersInOneProcessRotateInTurn(t *testing.T) {
	testTwoWritersRotateInTurn(t)
}

func testTwoWritersRotateInTurn(t *testing.T) {
	dir := tempDir(t)
	path := filepath.Join(dir, "error.log")
	var inside, overlaps, rollovers atomic.Int32
	testHook = func(s stage) {
		if s != stageLocked {
			return
		}
		rollovers.Add(1)
		if inside.Add(1) > 1 {
			overlaps.Add(1)
		}
		time.Sleep(100 * time.Microsecond) // widen the window another rollover would fall into
		inside.Add(-1)
	}
	defer func() { testHook = nil }()
	const each = 100
	var wg sync.WaitGroup
	for i := range 2 {
		w, err := Open(path, WithLocation(time.UTC), WithErrorHandler(func(err error) { t.Errorf("writer %d: %v", i, err) }))
		require.NoError(t, err)
		wg.Go(func() {
			defer w.Close()
			for n := range each {
				_, err := fmt.Fprintf(w, "w%d r%d\n", i, n)
				assert.NoError(t, err)
				assert.NoError(t, w.Rotate())
			}
		})
	}
	wg.Wait()
	assert.Zero(t, overlaps.Load(), "rollovers of two Writers held the lock at once")
	assert.GreaterOrEqual(t, rollovers.Load(), int32(2*each))
	seen := map[string]int{}
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), "error.log") || strings.HasSuffix(e.Name(), ".lock") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		require.NoError(t, err)
		for line := range strings.Lines(string(b)) {
			seen[line]++
		}
	}
	assert.Len(t, seen, 2*each, "records lost")
	for line, n := range seen {
		assert.Equal(t, 1, n, "record %q", line)
	}
}
