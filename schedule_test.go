package slogrotate

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// On both daylight-saving change days of three zones (Lord Howe's shift is
// 30 minutes), every schedule must give strictly increasing boundaries,
// put every instant in exactly one period, never name two periods alike,
// and roll a daily schedule exactly once a day.
func TestScheduleAcrossDST(t *testing.T) {
	days := map[string][]string{
		"America/New_York":    {"2021-03-14", "2021-11-07"},
		"Europe/London":       {"2021-03-28", "2021-10-31"},
		"Australia/Lord_Howe": {"2021-04-04", "2021-10-03"},
	}
	schedules := []Schedule{Every(time.Second * 7), Every(15 * time.Minute), Every(30 * time.Minute), Hourly(), Every(2 * time.Hour), Daily(), DailyAt(2, 15), Weekly(time.Sunday)}
	for zone, dates := range days {
		loc, err := time.LoadLocation(zone)
		if err != nil {
			t.Skipf("zone data for %s is not available: %v", zone, err)
		}
		for _, date := range dates {
			d, err := time.ParseInLocation(time.DateOnly, date, loc)
			require.NoError(t, err)
			from, to := d.Add(-12*time.Hour), d.Add(36*time.Hour)
			for _, s := range schedules {
				name := zone + " " + date + " " + s.String()
				b := s.start(from, loc)
				require.False(t, b.After(from), name)
				names := map[string]bool{}
				dailyRolls := map[string]int{}
				for b.Before(to) {
					n := s.next(b, loc)
					require.True(t, n.After(b), "%s: boundary %v does not advance", name, b)
					if s.kind != kindEvery { // wall-clock repeats are named with an index
						label := b.Format(s.Layout())
						require.False(t, names[label], "%s: two periods named %s", name, label)
						names[label] = true
					}
					dailyRolls[n.In(loc).Format(time.DateOnly)]++
					b = n
				}
				if s.kind == kindDaily {
					assert.Equal(t, 1, dailyRolls[date], "%s: rollovers on the change day", name)
				}
				// Every minute of the two days lies in exactly the period
				// start() gives.
				for at := from; at.Before(to); at = at.Add(time.Minute + 7*time.Second) {
					st, end := s.Period(at, loc)
					require.False(t, st.After(at), "%s: start %v after %v", name, st, at)
					require.True(t, end.After(at), "%s: end %v not after %v", name, end, at)
					require.True(t, s.start(st, loc).Equal(st), "%s: start of a start", name)
				}
			}
		}
	}
}

// Hourly rolls once per wall-clock hour: on a 23-hour day there are 23
// periods, and on a 25-hour day the repeated hour is one period, so 24.
func TestHourlyCountsOnChangeDays(t *testing.T) {
	loc, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skip("no zone data:", err)
	}
	for date, want := range map[string]int{"2021-03-14": 23, "2021-11-07": 24, "2021-06-01": 24} {
		d, _ := time.ParseInLocation(time.DateOnly, date, loc)
		end := time.Date(d.Year(), d.Month(), d.Day()+1, 0, 0, 0, 0, loc)
		n := 0
		for b := d; b.Before(end); b = Hourly().next(b, loc) {
			n++
		}
		assert.Equal(t, want, n, date)
	}
}

func TestEveryAlignsToTheClock(t *testing.T) {
	s := Every(15 * time.Minute)
	st, end := s.Period(time.Date(2021, 10, 18, 10, 7, 3, 0, time.UTC), time.UTC)
	assert.Equal(t, time.Date(2021, 10, 18, 10, 0, 0, 0, time.UTC), st)
	assert.Equal(t, time.Date(2021, 10, 18, 10, 15, 0, 0, time.UTC), end)
	// 7 minutes does not divide the day: the last period ends at midnight.
	st, end = Every(7*time.Minute).Period(time.Date(2021, 10, 18, 23, 59, 0, 0, time.UTC), time.UTC)
	assert.Equal(t, time.Date(2021, 10, 18, 23, 55, 0, 0, time.UTC), st)
	assert.Equal(t, time.Date(2021, 10, 19, 0, 0, 0, 0, time.UTC), end)
	st, _ = Weekly(time.Monday).Period(time.Date(2021, 10, 17, 12, 0, 0, 0, time.UTC), time.UTC) // a Sunday
	assert.Equal(t, time.Date(2021, 10, 11, 0, 0, 0, 0, time.UTC), st)
	st, _ = DailyAt(6, 30).Period(time.Date(2021, 10, 18, 6, 29, 0, 0, time.UTC), time.UTC)
	assert.Equal(t, time.Date(2021, 10, 17, 6, 30, 0, 0, time.UTC), st)
}

func TestDefaultLayouts(t *testing.T) {
	assert.Equal(t, "2006-01-02", Daily().Layout())
	assert.Equal(t, "2006-01-02", Weekly(time.Monday).Layout())
	assert.Equal(t, "2006-01-02T15", Hourly().Layout())
	assert.Equal(t, "2006-01-02T15-04", Every(15*time.Minute).Layout())
	assert.Equal(t, "2006-01-02T15-04-05", Every(time.Second).Layout())
}
