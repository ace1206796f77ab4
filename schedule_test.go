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
		// Daylight saving starts at midnight: the 1st of October 2017
		// began at 01:00 in Asunción, the 8th of September 2019 in Santiago.
		"America/Asuncion": {"2017-10-01", "2018-03-25"},
		"America/Santiago": {"2019-09-08", "2019-04-07"},
	}
	schedules := []Schedule{Every(time.Second * 7), Every(15 * time.Minute), Every(30 * time.Minute), Hourly(), Every(2 * time.Hour), Daily(), DailyAt(2, 15), Weekly(time.Sunday), Monthly()}
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
				if s.kind != kindEvery {
					// A day starts on its own date, at its first instant.
					checkStartsOfDays(t, name, s, from, to, loc)
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

// checkStartsOfDays checks that each boundary of s from from to to is the
// first instant of a local day (for schedules that roll at midnight) or at
// least on the right date.
func checkStartsOfDays(t *testing.T, name string, s Schedule, from, to time.Time, loc *time.Location) {
	t.Helper()
	for b := s.next(s.start(from, loc), loc); b.Before(to); b = s.next(b, loc) {
		before := b.Add(-time.Nanosecond).In(loc)
		if s.kind == kindDaily && (s.hour != 0 || s.minute != 0) {
			continue
		}
		require.NotEqual(t, b.In(loc).Format(time.DateOnly), before.Format(time.DateOnly),
			"%s: boundary %v is not the first instant of its day", name, b.In(loc))
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
	assert.Equal(t, "2006-01", Monthly().Layout())
	assert.Equal(t, "2006-01-02T15", Hourly().Layout())
	assert.Equal(t, "2006-01-02T15-04", Every(15*time.Minute).Layout())
	assert.Equal(t, "2006-01-02T15-04-05", Every(time.Second).Layout())
}

// Monthly rolls at the first instant of each month's first day, whatever
// the month's length and even where daylight saving starts at midnight on
// the 1st (Asunción, 1 October 2017, which began at 01:00):
// one rollover per calendar month, each period named by its month and
// parsed back to itself, and every instant in the period Period gives.
func TestMonthlyIsCalendarTrue(t *testing.T) {
	zones := []string{"UTC", "America/New_York", "Australia/Lord_Howe", "America/Asuncion", "America/Santiago", "America/Havana"}
	s := Monthly()
	for _, zone := range zones {
		loc, err := time.LoadLocation(zone)
		if err != nil {
			t.Skipf("zone data for %s is not available: %v", zone, err)
		}
		b := s.start(time.Date(2016, 12, 15, 12, 0, 0, 0, loc), loc)
		require.Equal(t, time.Date(2016, 12, 1, 0, 0, 0, 0, loc), b, zone)
		for month := 0; month < 40; month++ {
			n := s.next(b, loc)
			local := n.In(loc)
			wantMonth := time.Month((int(b.In(loc).Month()) % 12) + 1)
			require.Equal(t, 1, local.Day(), "%s: boundary %v is not on the 1st", zone, local)
			require.Equal(t, wantMonth, local.Month(), "%s: boundary %v skips or repeats a month", zone, local)
			require.NotEqual(t, 1, n.Add(-time.Nanosecond).In(loc).Day(), "%s: boundary %v is not the first instant of the 1st", zone, local)
			name := b.Format(s.Layout())
			back, ok := periodNamed(s, s.Layout(), loc, name)
			require.True(t, ok && back.Equal(b), "%s: %q does not parse back to %v", zone, name, b)
			for _, at := range []time.Time{b, b.Add(time.Hour), n.Add(-time.Nanosecond), b.Add(n.Sub(b) / 2)} {
				st, end := s.Period(at, loc)
				require.True(t, st.Equal(b) && end.Equal(n), "%s: Period(%v) = %v, %v; want %v, %v", zone, at, st, end, b, n)
			}
			b = n
		}
	}
}

// Lengths of months: January has 31 days, February 28 or 29.
func TestMonthlyPeriodLengths(t *testing.T) {
	for _, c := range []struct {
		at   time.Time
		days int
	}{
		{time.Date(2021, 1, 31, 23, 0, 0, 0, time.UTC), 31},
		{time.Date(2021, 2, 10, 0, 0, 0, 0, time.UTC), 28},
		{time.Date(2020, 2, 29, 12, 0, 0, 0, time.UTC), 29},
		{time.Date(2021, 4, 1, 0, 0, 0, 0, time.UTC), 30},
	} {
		st, end := Monthly().Period(c.at, time.UTC)
		assert.Equal(t, time.Date(c.at.Year(), c.at.Month(), 1, 0, 0, 0, 0, time.UTC), st)
		assert.Equal(t, time.Duration(c.days)*24*time.Hour, end.Sub(st), "%v", c.at)
	}
}

// Open trusts a schedule's default layout without checking it
// (validLayout): every default must pass checkLayout. Every's steps are
// all divisors of a day and some that are not.
func TestDefaultLayoutsAreValid(t *testing.T) {
	schedules := []Schedule{Daily(), DailyAt(6, 30), Weekly(time.Wednesday), Monthly()}
	for step := 1; step <= 86400; step++ {
		if 86400%step == 0 || step%997 == 0 {
			schedules = append(schedules, Every(time.Duration(step)*time.Second))
		}
	}
	for _, s := range schedules {
		require.NoError(t, checkLayout(s.Layout(), s), s.String())
	}
}
