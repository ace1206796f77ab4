package slogrotate

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseArchive(t *testing.T) {
	c := testConfig(t)
	day := time.Date(2021, 10, 18, 0, 0, 0, 0, time.UTC)
	checkParses(t, c, "error.log", map[string]*archiveName{
		"error.log.2021-10-18":          {period: day},
		"error.log.2021-10-18.gz":       {period: day, compressed: true},
		"error.log.2021-10-18.3":        {period: day, index: 3},
		"error.log.2021-10-18.12.gz":    {period: day, index: 12, compressed: true},
		"error.log.notes":               nil,
		"error.log.2021-10-18.bak":      nil,
		"error.log.2021-10-18.03":       nil, // not a name this writer makes
		"error.log.2021-10-18.0":        nil,
		"error.log.2021-10-18.-1":       nil,
		"error.log.2021-10-18.gz.tmp":   nil,
		"error.log.2021-10-18.1.gz.tmp": nil,
		"error.log.2021-13-01":          nil,
		"error.log.2021-1-18":           nil,
		"error.log.lock":                nil,
		"error.log.lock.maint":          nil,
		"error.log.maint.lock":          nil, // the maintenance lock
		"error.log":                     nil,
		"other.log.2021-10-18":          nil,
		"error.log.2021-10-18T05":       nil,
		"error.log..2021-10-18":         nil,
	})
}

// A daily schedule at 06:30 names periods by their day; parsing gives the
// period's real start.
func TestParseArchiveDailyAt(t *testing.T) {
	c := testConfig(t, WithSchedule(DailyAt(6, 30)))
	got, ok := c.parseArchive("error.log", "error.log.2021-10-18")
	require.True(t, ok)
	assert.Equal(t, time.Date(2021, 10, 18, 6, 30, 0, 0, time.UTC), got.period)
	assert.Equal(t, "/logs/error.log.2021-10-18", c.archiveFile("/logs/error.log", got.period, 0))
}

func TestRetentionSelection(t *testing.T) {
	dir := []string{
		"error.log.2021-10-14.gz",
		"error.log.2021-10-15", "error.log.2021-10-15.gz", // compression cut short: one archive
		"error.log.2021-10-16", "error.log.2021-10-16.1.gz", "error.log.2021-10-16.2",
		"error.log.2021-10-17",
		"error.log.notes", "error.log.2021-10-13.bak", "error.log.lock",
	}
	now := time.Date(2021, 10, 18, 12, 0, 0, 0, time.UTC)

	c := testConfig(t, WithMaxBackups(3))
	assert.Equal(t, []string{
		"error.log.2021-10-14.gz", "error.log.2021-10-15", "error.log.2021-10-15.gz", "error.log.2021-10-16",
	}, names(c.expired(parseAll(c, dir...), now)), "keeps the three newest: 17, 16.2, 16.1")

	// The 15th ended at midnight on the 16th, 60h before now.
	c = testConfig(t, WithMaxAge(50*time.Hour))
	assert.Equal(t, []string{
		"error.log.2021-10-14.gz", "error.log.2021-10-15", "error.log.2021-10-15.gz",
	}, names(c.expired(parseAll(c, dir...), now)))

	c = testConfig(t)
	assert.Empty(t, c.expired(parseAll(c, dir...), now), "no limits, nothing deleted")

	// Seven files, six archives (the 15th is there twice): under both
	// counts, only age decides.
	for _, n := range []int{6, 7} {
		c = testConfig(t, WithMaxBackups(n), WithMaxAge(50*time.Hour))
		assert.Equal(t, []string{
			"error.log.2021-10-14.gz", "error.log.2021-10-15", "error.log.2021-10-15.gz",
		}, names(c.expired(parseAll(c, dir...), now)), "MaxBackups(%d)", n)
		c = testConfig(t, WithMaxBackups(n))
		assert.Empty(t, c.expired(parseAll(c, dir...), now), "MaxBackups(%d)", n)
	}
}

// Size rollovers number a period's archives in the order they were made,
// and the time rollover that ends the period takes the next number.
func TestSizeRolloverOrder(t *testing.T) {
	dir := tempDir(t)
	path := filepath.Join(dir, "error.log")
	clock := newClock(day1)
	w := openTest(t, path, clock, WithMaxSize(32))
	for i := range 12 {
		writeLine(t, w, "record-number-"+string(rune('a'+i))) // 17 bytes
	}
	clock.Add(24 * time.Hour)
	writeLine(t, w, "next-day")
	got := files(t, dir)
	assert.Equal(t, map[string]string{
		"error.log.2021-10-18":   "record-number-a\nrecord-number-b\n",
		"error.log.2021-10-18.1": "record-number-c\nrecord-number-d\n",
		"error.log.2021-10-18.2": "record-number-e\nrecord-number-f\n",
		"error.log.2021-10-18.3": "record-number-g\nrecord-number-h\n",
		"error.log.2021-10-18.4": "record-number-i\nrecord-number-j\n",
		"error.log.2021-10-18.5": "record-number-k\nrecord-number-l\n",
		"error.log":              "next-day\n",
	}, got)
}

// Another writer's size rollover is noticed by a writer that only looks at
// the path: it reopens within the reopen check instead of rotating again.
func TestSizeRolloverSeenByOtherWriter(t *testing.T) {
	dir := tempDir(t)
	path := filepath.Join(dir, "error.log")
	clock := newClock(day1)
	a := openTest(t, path, clock, WithMaxSize(1000))
	b := openTest(t, path, clock, WithMaxSize(1000))
	big := strings.Repeat("x", 990)
	mid := strings.Repeat("y", 61)
	writeLine(t, a, big)  // 991 bytes: a looks at the size, under the limit
	writeLine(t, b, "b1") // 994
	writeLine(t, a, mid)  // 62 more bytes of a's own: a looks, finds 1056
	writeLine(t, a, "a3") // so a rolls over before this write
	writeLine(t, b, "b2") // b has not looked yet: into the archive
	clock.Add(time.Second)
	writeLine(t, b, "b3") // b's reopen check finds the new file
	got := files(t, dir)
	assert.Equal(t, big+"\nb1\n"+mid+"\nb2\n", got["error.log.2021-10-18"])
	assert.Equal(t, "a3\nb3\n", got["error.log"])
	assert.Len(t, got, 2)
}

func TestMaxBackupsAfterRollover(t *testing.T) {
	dir := tempDir(t)
	path := filepath.Join(dir, "error.log")
	require.NoError(t, os.WriteFile(path+".notes", []byte("keep me"), 0o644))
	require.NoError(t, os.WriteFile(path+".2021-10-01.bak", []byte("keep me too"), 0o644))
	clock := newClock(day1)
	rotated := make(chan string, 10)
	w := openTest(t, path, clock, WithMaxBackups(2), WithReopenCheck(5*time.Millisecond),
		WithOnRotate(func(a string) { rotated <- a }))
	for range 5 {
		writeLine(t, w, "x")
		clock.Add(24 * time.Hour)
	}
	writeLine(t, w, "last")
	// Retention spares an archive until its grace period is over, then
	// deletes it at the next sweep.
	require.Eventually(t, func() bool {
		// Names only: a file may go between listing and reading.
		entries, err := os.ReadDir(dir)
		return err == nil && len(entries) == 7 // the five below and two lock files
	}, 10*time.Second, 5*time.Millisecond)
	require.NoError(t, w.Close())
	got := files(t, dir)
	assert.Equal(t, map[string]string{
		"error.log.notes":          "keep me",
		"error.log.2021-10-01.bak": "keep me too",
		"error.log.2021-10-21":     "x\n",
		"error.log.2021-10-22":     "x\n",
		"error.log":                "last\n",
	}, got)
}

// A writer whose clock still reads the previous period (it read it just
// before the boundary) must not size-rotate the next period's file, nor
// relabel the new file with its own, earlier period: its record goes to
// the file it holds, the archive of its period.
func TestLaggingWriterDoesNotSizeRotateTheNextPeriod(t *testing.T) {
	dir := tempDir(t)
	path := filepath.Join(dir, "error.log")
	at := func(ms int) time.Time {
		return time.Date(2021, 10, 18, 10, 0, 0, 0, time.UTC).Add(time.Duration(ms) * time.Millisecond)
	}
	ca, cb := newClock(at(500)), newClock(at(500))
	opts := []Option{WithSchedule(Every(time.Second)), WithMaxSize(100)}
	a := openTest(t, path, ca, opts...)
	b := openTest(t, path, cb, opts...)
	big := func(c string) string { return strings.Repeat(c, 120) }
	writeLine(t, a, "a0")
	ca.Set(at(1100))
	writeLine(t, a, big("A")) // rolls over into 10:00:01; that file is now over the limit
	cb.Set(at(950))
	writeLine(t, b, big("B")) // b, still in 10:00:00, writes to its file: the archive
	writeLine(t, b, "b2")     // b saw its file over the limit; the live file is the next period's
	ca.Set(at(1200))
	writeLine(t, a, "a2") // a rotates the 10:00:01 file by size
	assert.Equal(t, map[string]string{
		"error.log.2021-10-18T10-00-00": "a0\n" + big("B") + "\nb2\n",
		"error.log.2021-10-18T10-00-01": big("A") + "\n",
		"error.log":                     "a2\n",
	}, files(t, dir))
}
