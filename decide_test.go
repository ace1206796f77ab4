package slogrotate

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDecide covers every row of the rollover decision: what a process
// concludes from the shared state, the file at the path and its own file.
func TestDecide(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2021, 10, d, 0, 0, 0, 0, time.UTC) }
	live, other, mine := fileID{1, 10}, fileID{1, 11}, fileID{1, 12}
	// base: day 19 has begun; the state names the live file as day 18's,
	// and this writer holds it for day 18.
	base := func() facts {
		return facts{
			why: scheduled, cur: day(19),
			state: sharedState{period: day(18), id: live, freeIndex: 2}, known: true,
			live: fileInfo{id: live, size: 100}, exists: true, mtimePeriod: day(18),
			own: live, open: true, ownLinked: true, ownPeriod: day(18),
		}
	}
	cases := []struct {
		name   string
		change func(*facts)
		want   plan
	}{
		{"stale file is archived from the state's next index",
			func(*facts) {},
			plan{act: archiveLive, archived: day(18), fromIndex: 2, period: day(19)}},
		{"stale empty file is kept as the current period's",
			func(f *facts) { f.live.size = 0 },
			plan{act: keep, period: day(19)}},
		{"stale empty file of a buffered log is archived: others may hold its records",
			func(f *facts) { f.live.size, f.buffered = 0, true },
			plan{act: archiveLive, archived: day(18), fromIndex: 2, period: day(19)}},
		{"another process rotated: adopt the file the state names",
			func(f *facts) {
				f.state = sharedState{period: day(19), id: other, freeIndex: 0}
				f.live = fileInfo{id: other, size: 5}
				f.mtimePeriod = day(19)
			},
			plan{act: adopt, period: day(19)}},
		{"the current period's file is already open: nothing to do",
			func(f *facts) {
				f.state.period, f.mtimePeriod, f.ownPeriod = day(19), day(19), day(19)
			},
			plan{act: keep, period: day(19), freeIndex: 2}},
		{"forced rotation of this writer's own file",
			func(f *facts) {
				f.why = forced
				f.state.period, f.mtimePeriod, f.ownPeriod = day(19), day(19), day(19)
			},
			plan{act: archiveLive, archived: day(19), fromIndex: 2, period: day(19)}},
		{"forced rotation already done by another process only reopens",
			func(f *facts) {
				f.why = forced
				f.state = sharedState{period: day(19), id: other, freeIndex: 1}
				f.live = fileInfo{id: other, size: 5}
				f.mtimePeriod, f.ownPeriod = day(19), day(19)
			},
			plan{act: adopt, period: day(19), freeIndex: 1}},
		{"forced rotation of an empty file does nothing",
			func(f *facts) {
				f.why = forced
				f.live.size = 0
				f.state.period, f.mtimePeriod, f.ownPeriod = day(19), day(19), day(19)
			},
			plan{act: keep, period: day(19), freeIndex: 2}},
		{"size limit reached",
			func(f *facts) {
				f.why, f.maxSize = sized, 100
				f.state.period, f.mtimePeriod, f.ownPeriod = day(19), day(19), day(19)
			},
			plan{act: archiveLive, archived: day(19), fromIndex: 2, period: day(19)}},
		{"size limit not reached by the real size",
			func(f *facts) {
				f.why, f.maxSize = sized, 101
				f.state.period, f.mtimePeriod, f.ownPeriod = day(19), day(19), day(19)
			},
			plan{act: keep, period: day(19), freeIndex: 2}},
		{"a later period is live: write on into this writer's file",
			func(f *facts) {
				f.cur, f.ownPeriod = day(18), day(18)
				f.state = sharedState{period: day(19), id: other}
				f.live = fileInfo{id: other, size: 5}
				f.mtimePeriod = day(19)
			},
			plan{act: writeOn}},
		{"a later period is live, and this writer holds that file itself",
			func(f *facts) {
				f.cur, f.ownPeriod = day(18), day(18)
				f.state = sharedState{period: day(19), id: live}
				f.mtimePeriod = day(19)
			},
			plan{act: keep, period: day(19)}},
		{"a later period is live, and retention removed this writer's file",
			func(f *facts) {
				f.cur, f.ownPeriod, f.ownLinked = day(18), day(18), false
				f.state = sharedState{period: day(19), id: other}
				f.live = fileInfo{id: other, size: 5}
				f.mtimePeriod = day(19)
			},
			plan{act: adopt, period: day(19)}},
		{"a later period is live, and this writer has no file for its own",
			func(f *facts) {
				f.cur, f.open = day(18), false
				f.state = sharedState{period: day(19), id: other}
				f.live = fileInfo{id: other, size: 5}
			},
			plan{act: adopt, period: day(19)}},
		{"unknown state: the last write dates the file",
			func(f *facts) { f.known, f.state = false, sharedState{} },
			plan{act: archiveLive, archived: day(18), fromIndex: 0, period: day(19)}},
		{"unknown state, empty file: the current period's",
			func(f *facts) {
				f.known, f.state = false, sharedState{}
				f.live.size = 0
			},
			plan{act: keep, period: day(19)}},
		{"the state names a file that was moved away: the one there is dated by its last write",
			func(f *facts) {
				f.live = fileInfo{id: other, size: 7}
				f.mtimePeriod = day(17)
			},
			plan{act: archiveLive, archived: day(17), fromIndex: 0, period: day(19)}},
		{"a file put there this period by an outside tool is adopted",
			func(f *facts) {
				f.live = fileInfo{id: other, size: 7}
				f.mtimePeriod = day(19)
			},
			plan{act: adopt, period: day(19)}},
		{"nothing at the path: create the current period's file",
			func(f *facts) { f.exists, f.live = false, fileInfo{} },
			plan{act: adopt, period: day(19)}},
		{"Open: no file of its own yet",
			func(f *facts) {
				f.open, f.own, f.ownPeriod = false, fileID{}, time.Time{}
				f.state.period, f.mtimePeriod = day(19), day(19)
			},
			plan{act: adopt, period: day(19), freeIndex: 2}},
		{"Open with a stale file left by yesterday's processes",
			func(f *facts) { f.open, f.own, f.ownPeriod = false, mine, time.Time{} },
			plan{act: archiveLive, archived: day(18), fromIndex: 2, period: day(19)}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := base()
			c.change(&f)
			assert.Equal(t, c.want, decide(f))
		})
	}
}

// After the rename, the new file is the current period's; the archive's
// index is taken only if the archive was of the current period too.
func TestPlanAfterArchive(t *testing.T) {
	d18, d19 := time.Date(2021, 10, 18, 0, 0, 0, 0, time.UTC), time.Date(2021, 10, 19, 0, 0, 0, 0, time.UTC)
	stale := plan{act: archiveLive, archived: d18, fromIndex: 2, period: d19}
	assert.Equal(t, plan{act: adopt, archived: d18, fromIndex: 2, period: d19, freeIndex: 0}, stale.reopened(4))
	assert.Equal(t, plan{act: adopt, archived: d18, fromIndex: 2, period: d19, freeIndex: 0}, stale.reopened(stale.fromIndex))
	sized := plan{act: archiveLive, archived: d19, fromIndex: 2, period: d19}
	assert.Equal(t, plan{act: adopt, archived: d19, fromIndex: 2, period: d19, freeIndex: 4}, sized.reopened(4))
	assert.Equal(t, plan{act: adopt, archived: d19, fromIndex: 2, period: d19, freeIndex: 2}, sized.reopened(sized.fromIndex))
}

// A process that archived with link(2) and unlink(2) (the rename of
// systems without a no-replace rename) and died between the two left the
// live file under its archive's name too. The next rollover finishes that
// rename rather than archive the same file a second time as .1.
func TestCutLinkRenameIsFinished(t *testing.T) {
	if isWindows {
		t.Skip("Windows renames with MoveFileEx, never with link and unlink")
	}
	dir := tempDir(t)
	path := filepath.Join(dir, "error.log")
	clock := newClock(day1)
	w := openTest(t, path, clock)
	writeLine(t, w, "a")
	require.NoError(t, os.Link(path, path+".2021-10-18"))
	clock.Add(24 * time.Hour)
	writeLine(t, w, "b")
	assert.Equal(t, map[string]string{
		"error.log.2021-10-18": "a\n",
		"error.log":            "b\n",
	}, files(t, dir))
}
