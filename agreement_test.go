package slogrotate

import (
	"errors"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The state records the agreement and gives it back, in format 2; a state
// of format 1 (an older version's) is still read, with no agreement, and
// written back as it was.
func TestStateAgreementRoundTrip(t *testing.T) {
	ny := time.FixedZone("EST", -5*3600)
	for _, opts := range [][]Option{
		nil,
		{WithSchedule(Every(2 * time.Second)), WithLocation(ny)},
		{WithArchiveLayout("Jan _2 2006 + 15h"), WithArchiveDir("old archives/%20"), WithKeepExtension(), WithCompressor(fastGzip{})},
	} {
		c := testConfig(t, opts...)
		s := sharedState{period: day1, id: fileID{7, 9}, freeIndex: 2, agreed: c.agreement("/logs/error.log")}
		b := s.encode()
		require.True(t, strings.HasPrefix(string(b), "slogrotate-state 2 "), "%s", b)
		got, err := parseState(b)
		require.NoError(t, err, "%s", b)
		assert.True(t, got.equal(s), "%s parses as %+v", b, got)
	}

	old := []byte("slogrotate-state 1 1634515200123456789 66305:9977922 3 ")
	old = append(old, sharedState{period: time.Unix(0, 1634515200123456789), id: fileID{66305, 9977922}, freeIndex: 3}.encode()[len(old):]...)
	got, err := parseState(old)
	require.NoError(t, err, "%s", old)
	assert.False(t, got.agreed.known())
	assert.Equal(t, 3, got.freeIndex)
	assert.Equal(t, string(old), string(got.encode()))
}

// Whatever the options, the state fits what is read back: each text is
// shortened to maxAgreedText, and the shortened texts of two options that
// differ still differ.
func TestStateAgreementFits(t *testing.T) {
	long := strings.Repeat("日", 500)
	a := agreement{}
	for i := range a {
		a[i] = shorten(strings.Repeat("%", maxAgreedText)) // each byte escaped to three
	}
	assert.Len(t, a[0], maxAgreedText)
	s := sharedState{period: time.Unix(0, -1<<63), id: fileID{1<<64 - 1, 1<<64 - 1}, freeIndex: 1<<63 - 1, agreed: a}
	b := s.encode()
	assert.Less(t, len(b), stateMax)
	got, err := parseState(b)
	require.NoError(t, err)
	assert.True(t, got.equal(s))

	assert.NotEqual(t, shorten(long+"a"), shorten(long+"b"))
	assert.Equal(t, shorten(long+"a"), shorten(shorten(long+"a")), "a shortened text is kept as it is")
	assert.True(t, strings.HasPrefix(shorten(long), strings.Repeat("日", 13)), shorten(long))
}

// The texts compared are canonical: one archive directory named three ways
// records one text, and zones that share a name but not their offsets
// record different ones.
func TestAgreementCanonical(t *testing.T) {
	dir := tempDir(t)
	t.Chdir(dir)
	agreed := func(log string, opts ...Option) agreement {
		c := defaultConfig()
		for _, o := range opts {
			o(&c)
		}
		require.NoError(t, c.check(log))
		return c.agreement(log)
	}
	log := filepath.Join(dir, "logs", "error.log")
	abs := agreed(log, WithArchiveDir(filepath.Join(dir, "logs", "old")))
	rel := agreed(log, WithArchiveDir("old"))
	fromCwd := agreed(filepath.Join("logs", "error.log"), WithArchiveDir("old"))
	assert.Equal(t, abs, rel)
	assert.Equal(t, abs, fromCwd)
	assert.Equal(t, "old", abs[3])
	assert.Equal(t, ".", agreed(log)[3])
	assert.Equal(t, ".", agreed(log, WithArchiveDir("."))[3], "the log's own directory is no other place")

	assert.Equal(t, "UTC (UTC+00:00)", zoneText(time.UTC))
	assert.NotEqual(t, zoneText(time.FixedZone("X", 3600)), zoneText(time.FixedZone("X", 7200)))
	assert.Equal(t, "X (X-03:30)", zoneText(time.FixedZone("X", -3*3600-1800)))
	if paris, err := time.LoadLocation("Europe/Paris"); err == nil {
		assert.Equal(t, "Europe/Paris (CET+01:00, CEST+02:00)", zoneText(paris))
	}
}

// The error names each option that differs, with both values, and nothing
// else.
func TestOptionsDifferText(t *testing.T) {
	here := testConfig(t, WithSchedule(Every(time.Second)), WithCompress()).agreement("/logs/error.log")
	there := testConfig(t, WithSchedule(Every(2*time.Second)), WithArchiveLayout("2006-01-02 15.04.05")).agreement("/logs/error.log")
	err := error(differ("/logs/error.log", "/logs/error.log.lock", here, there))
	assert.True(t, errors.Is(err, ErrOptionsDiffer))
	assert.Equal(t, "slogrotate: /logs/error.log is written by processes with different options "+
		"(/logs/error.log.lock records those of the last one to rotate it): "+
		`WithSchedule every 1s here, every 2s there; `+
		`WithArchiveLayout "2006-01-02T15-04-05" here, "2006-01-02 15.04.05" there; `+
		`WithCompressor .gz here, none there`, err.Error())
	assert.True(t, strings.HasPrefix(ErrOptionsDiffer.Error(), "slogrotate: "))
}

// Two writers of one log in this process, with a daily schedule so that
// no rollover is due: the one opened second reports at once, the first at
// its next reopen check and not before; each once, however often it looks
// again, and again when yet other options turn up.
func TestOptionsDifferAtReopenCheck(t *testing.T) {
	dir := tempDir(t)
	path := filepath.Join(dir, "error.log")
	clock := newClock(day1)
	a, aErrs := openCollecting(t, path, clock, WithArchiveLayout("2006-01-02"))
	writeLine(t, a, "a1")
	b, bErrs := openCollecting(t, path, clock, WithArchiveLayout("20060102"))
	require.Len(t, bErrs.all(), 1, "the second writer reports at Open")
	assert.ErrorIs(t, bErrs.all()[0], ErrOptionsDiffer)
	assert.Contains(t, bErrs.all()[0].Error(), `WithArchiveLayout "20060102" here, "2006-01-02" there`)

	clock.Add(time.Second - time.Millisecond)
	writeLine(t, a, "a2")
	assert.Empty(t, aErrs.all(), "before its reopen check")
	clock.Add(time.Millisecond)
	writeLine(t, a, "a3")
	require.Len(t, aErrs.all(), 1, "at its reopen check")
	assert.ErrorIs(t, aErrs.all()[0], ErrOptionsDiffer)
	assert.Contains(t, aErrs.all()[0].Error(), `WithArchiveLayout "2006-01-02" here, "20060102" there`)

	for range 3 {
		clock.Add(time.Second)
		writeLine(t, a, "a")
		writeLine(t, b, "b")
	}
	require.NoError(t, a.Reopen()) // records a's options again
	clock.Add(time.Second)
	writeLine(t, b, "b")
	require.NoError(t, b.Reopen()) // and b's
	clock.Add(time.Second)
	writeLine(t, a, "a")
	assert.Len(t, aErrs.all(), 1, "once per disagreement")
	assert.Len(t, bErrs.all(), 1, "once per disagreement")

	openCollecting(t, path, clock, WithArchiveLayout("2006.01.02"))
	clock.Add(time.Second)
	writeLine(t, a, "a")
	writeLine(t, b, "b")
	assert.Len(t, aErrs.all(), 2, "again when the options change")
	assert.Len(t, bErrs.all(), 2, "again when the options change")
	assert.Contains(t, aErrs.all()[1].Error(), `"2006.01.02" there`)

	// Nothing was lost on the way, and nothing rotated.
	assert.Equal(t, []string{"error.log"}, slices.Collect(maps.Keys(files(t, dir))))
	lines := strings.Split(content(t, path), "\n")
	assert.Len(t, lines, 8+5+1, lines)
}
