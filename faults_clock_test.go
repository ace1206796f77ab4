package slogrotate

// Fault tests: clocks that jump, across writers in one process
// (TestClockJumps covers one writer).

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestClockJumpBackAcrossWriters: after a rollover, one writer's clock
// jumps back an hour while another's was behind all along, a third process
// opens the log with a clock an hour behind, and Rotate is called while
// the clock is behind. No archive is overwritten, no rollover is repeated,
// and records go to the live file (or, for a writer that has not yet seen
// the rollover, to the archive of the period its clock says).
func TestClockJumpBackAcrossWriters(t *testing.T) {
	dir := tempDir(t)
	path := filepath.Join(dir, "error.log")
	at := func(day, h, m int) time.Time { return time.Date(2021, 10, day, h, m, 0, 0, time.UTC) }
	ca, cb := newClock(at(18, 23, 30)), newClock(at(18, 23, 30))
	a := openTest(t, path, ca, WithSchedule(Hourly()))
	b := openTest(t, path, cb, WithSchedule(Hourly()))
	writeLine(t, a, "a1")
	writeLine(t, b, "b1")
	ca.Set(at(19, 0, 10))
	writeLine(t, a, "a2") // rolls over: T23 is archived
	ca.Set(at(18, 23, 10))
	writeLine(t, a, "a3") // an hour back: no rollover, into the live file
	cb.Set(at(18, 23, 40))
	writeLine(t, b, "b2") // b's clock says 23h: the archive of 23h, through its old descriptor
	c := openTest(t, path, newClock(at(18, 22, 50)), WithSchedule(Hourly()))
	writeLine(t, c, "c1") // opens an hour behind: adopts the live file
	ca.Set(at(19, 0, 20))
	writeLine(t, a, "a4") // forward again: still the same period, no rollover
	cb.Set(at(19, 0, 30))
	writeLine(t, b, "b3") // b catches up: reopens, does not rename again
	assert.Equal(t, map[string]string{
		"error.log.2021-10-18T23": "a1\nb1\nb2\n",
		"error.log":               "a2\na3\nc1\na4\nb3\n",
	}, files(t, dir))

	// Rotate while the clock is an hour behind the live file's period:
	// the file is archived under its own period, not the clock's, and the
	// archive of the clock's period is not touched.
	ca.Set(at(18, 23, 50))
	require.NoError(t, a.Rotate())
	writeLine(t, a, "a5") // the clock's period: 23h
	ca.Set(at(19, 0, 40))
	writeLine(t, a, "a6") // 00h: the 23h file is archived under the next free name
	assert.Equal(t, map[string]string{
		"error.log.2021-10-18T23":   "a1\nb1\nb2\n",
		"error.log.2021-10-19T00":   "a2\na3\nc1\na4\nb3\n",
		"error.log.2021-10-18T23.1": "a5\n",
		"error.log":                 "a6\n",
	}, files(t, dir))

	// A jump forward by days: one archive, named for the period of the file.
	ca.Add(5 * 24 * time.Hour)
	writeLine(t, a, "a7")
	writeLine(t, b, "b4") // b's clock is days behind a's: into the archive of its period (00h)
	assert.Equal(t, map[string]string{
		"error.log.2021-10-18T23":   "a1\nb1\nb2\n",
		"error.log.2021-10-19T00":   "a2\na3\nc1\na4\nb3\nb4\n",
		"error.log.2021-10-18T23.1": "a5\n",
		"error.log.2021-10-19T00.1": "a6\n",
		"error.log":                 "a7\n",
	}, files(t, dir))
}
