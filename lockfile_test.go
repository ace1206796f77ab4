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
		if !strings.HasPrefix(e.Name(), "error.log") || isLockFile(e.Name()) {
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

// The default lock files of a log NAME.EXT match none of the globs that
// pick a log and its archives: NAME.EXT*, *.EXT, *.EXT.*, *.EXT*, and *.log,
// *.log.*, *.log* (those three unless NAME itself holds ".log": the lock
// file's name keeps NAME). filepath.Match lets * match a leading dot, as
// shippers' glob libraries do. Every file Open and a rollover make, but the log and its
// archives, is checked; and two logs of one directory get lock files of
// their own.
func TestDefaultLockFilesMatchNoLogGlob(t *testing.T) {
	for _, tc := range []struct {
		base string
		opts []Option
	}{
		{"error.log", nil},
		{"error.txt", nil},
		{"app", nil},
		{"app.2021.log", nil},
		{"my.log.txt", nil},
		{".hidden.log", nil},
		{"app.log", []Option{WithKeepExtension()}},
	} {
		t.Run(tc.base, func(t *testing.T) {
			dir := tempDir(t)
			path := filepath.Join(dir, tc.base)
			opts := append([]Option{WithCompress(), WithMaxBackups(5)}, tc.opts...)
			w := openTest(t, path, nil, opts...)
			writeLine(t, w, "a")
			require.NoError(t, w.Rotate())
			writeLine(t, w, "b")
			require.NoError(t, w.Close())
			cfg := testConfig(t, opts...)
			ext := filepath.Ext(tc.base)
			globs := []string{tc.base + "*"}
			if ext != "" && ext != tc.base {
				globs = append(globs, "*"+ext, "*"+ext+".*", "*"+ext+"*")
			}
			if !strings.Contains(strings.TrimSuffix(tc.base, ext), ".log") {
				globs = append(globs, "*.log", "*.log.*", "*.log*")
			}
			entries, err := os.ReadDir(dir)
			require.NoError(t, err)
			others := 0
			for _, e := range entries {
				if _, ok := cfg.parseArchive(tc.base, e.Name()); ok || e.Name() == tc.base {
					continue
				}
				others++
				for _, g := range globs {
					m, err := filepath.Match(g, e.Name())
					require.NoError(t, err)
					assert.False(t, m, "%s matches %s", e.Name(), g)
				}
			}
			assert.Equal(t, 2, others, "the rollover and maintenance lock files")
		})
	}
	lock1, maint1 := lockPaths("/logs/error.log")
	lock2, maint2 := lockPaths("/logs/error.txt")
	assert.Len(t, map[string]bool{lock1: true, maint1: true, lock2: true, maint2: true}, 4)
}
