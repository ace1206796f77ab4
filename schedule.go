package slogrotate

import (
	"fmt"
	"time"
)

// schedule.go holds the schedules: when a period starts and ends, and
// the archive layout each one names its periods with.

// A Schedule says when the log file rolls over. Build one with [Every],
// [Hourly], [Daily], [DailyAt], [Weekly] or [Monthly] and pass it to
// [WithSchedule].
//
// Boundaries are computed from calendar fields in the writer's location
// (see [WithLocation]), not by adding fixed durations, so a daylight-saving
// change neither skips nor doubles a rollover: Daily rolls once at each
// local midnight whether the day has 23, 24 or 25 hours, and a wall-clock
// hour that happens twice is one period, not two.
//
// The zero Schedule is invalid; [Open] reports it.
type Schedule struct {
	kind    scheduleKind
	step    int // seconds, for kindEvery
	hour    int // for kindDaily
	minute  int // for kindDaily
	weekday time.Weekday
	err     error
}

type scheduleKind int

const (
	kindNone scheduleKind = iota
	kindEvery
	kindDaily
	kindWeekly
	kindMonthly
)

// Every rolls over every d, aligned to the wall clock: the periods of a day
// start at local midnight and follow each other d apart, so
// Every(15*time.Minute) rolls at :00, :15, :30 and :45. If d does not
// divide 24 hours, the last period of each day is cut short at midnight.
// d must be a whole number of seconds between one second and 24 hours.
func Every(d time.Duration) Schedule {
	switch {
	case d < time.Second:
		return Schedule{err: fmt.Errorf("slogrotate: Every(%v): the interval must be at least one second", d)}
	case d > 24*time.Hour:
		return Schedule{err: fmt.Errorf("slogrotate: Every(%v): the interval must be at most 24h (use Weekly for longer periods)", d)}
	case d%time.Second != 0:
		return Schedule{err: fmt.Errorf("slogrotate: Every(%v): the interval must be a whole number of seconds", d)}
	case d == 24*time.Hour:
		return Daily()
	}
	return Schedule{kind: kindEvery, step: int(d / time.Second)}
}

// Hourly rolls over at the start of every wall-clock hour.
func Hourly() Schedule { return Every(time.Hour) }

// Daily rolls over at local midnight. It is the default schedule.
func Daily() Schedule { return DailyAt(0, 0) }

// DailyAt rolls over once a day at hour:minute local time. A period is
// named after the day on which it starts.
func DailyAt(hour, minute int) Schedule {
	if hour < 0 || hour > 23 {
		return Schedule{err: fmt.Errorf("slogrotate: DailyAt(%d, %d): hour out of range 0-23", hour, minute)}
	}
	if minute < 0 || minute > 59 {
		return Schedule{err: fmt.Errorf("slogrotate: DailyAt(%d, %d): minute out of range 0-59", hour, minute)}
	}
	return Schedule{kind: kindDaily, hour: hour, minute: minute}
}

// Weekly rolls over at local midnight at the start of day.
func Weekly(day time.Weekday) Schedule {
	if day < time.Sunday || day > time.Saturday {
		return Schedule{err: fmt.Errorf("slogrotate: Weekly(%d): unknown weekday (want time.Sunday to time.Saturday)", int(day))}
	}
	return Schedule{kind: kindWeekly, weekday: day}
}

// Monthly rolls over at local midnight at the start of the first day of
// each month, whatever the month's length. Its default archive layout names
// a period by its month ("2006-01").
func Monthly() Schedule { return Schedule{kind: kindMonthly} }

// String describes the schedule, for messages.
func (s Schedule) String() string {
	switch s.kind {
	case kindEvery:
		return fmt.Sprintf("every %v", time.Duration(s.step)*time.Second)
	case kindDaily:
		return fmt.Sprintf("daily at %02d:%02d", s.hour, s.minute)
	case kindWeekly:
		return "weekly on " + s.weekday.String()
	case kindMonthly:
		return "monthly"
	}
	return "invalid schedule"
}

// Err reports why s is not a valid schedule (a bad argument to the
// function that built it, or the zero Schedule), or nil if it is.
func (s Schedule) Err() error {
	if s.err != nil {
		return s.err
	}
	if s.kind == kindNone {
		return fmt.Errorf("slogrotate: the zero Schedule is not valid; use Every, Hourly, Daily, DailyAt, Weekly or Monthly")
	}
	return nil
}

// Period returns the start and end of the period that contains t, with
// boundaries computed in loc. For an invalid schedule or a nil loc it
// returns t, t.
func (s Schedule) Period(t time.Time, loc *time.Location) (start, end time.Time) {
	if s.Err() != nil || loc == nil {
		return t, t
	}
	start = s.start(t, loc)
	return start, s.next(start, loc)
}

// Layout returns the default archive suffix layout for s: the coarsest one
// that names each period uniquely ("2006-01" for a monthly schedule,
// "2006-01-02" for daily and weekly ones, then hour, minute or second
// precision). Colons are avoided because Windows forbids them in file
// names.
func (s Schedule) Layout() string {
	switch s.kind {
	case kindMonthly:
		return "2006-01"
	case kindDaily, kindWeekly:
		return "2006-01-02"
	}
	switch {
	case s.step%3600 == 0:
		return "2006-01-02T15"
	case s.step%60 == 0:
		return "2006-01-02T15-04"
	}
	return "2006-01-02T15-04-05"
}

// start returns the start of the period that contains t, in loc.
func (s Schedule) start(t time.Time, loc *time.Location) time.Time {
	t = t.In(loc)
	y, mo, d := t.Date()
	var c time.Time
	switch s.kind {
	case kindEvery:
		secs := t.Hour()*3600 + t.Minute()*60 + t.Second()
		c = wallTime(y, mo, d, 0, 0, secs/s.step*s.step, loc)
	case kindDaily:
		c = wallTime(y, mo, d, s.hour, s.minute, 0, loc)
		if c.After(t) {
			c = wallTime(y, mo, d-1, s.hour, s.minute, 0, loc)
		}
	case kindWeekly:
		back := (int(t.Weekday()) - int(s.weekday) + 7) % 7
		c = wallTime(y, mo, d-back, 0, 0, 0, loc)
		if c.After(t) {
			c = wallTime(y, mo, d-back-7, 0, 0, 0, loc)
		}
	case kindMonthly:
		c = wallTime(y, mo, 1, 0, 0, 0, loc)
	default:
		return t
	}
	if c.After(t) {
		// Only in a daylight-saving gap or overlap can the wall-clock floor
		// land after t; the day's first boundary cannot, so walk from there.
		c = s.start(time.Date(y, mo, d-1, 23, 59, 59, 0, loc), loc)
	}
	for {
		n := s.next(c, loc)
		if n.After(t) {
			return c
		}
		c = n
	}
}

// next returns the first boundary strictly after b, where b is a boundary.
func (s Schedule) next(b time.Time, loc *time.Location) time.Time {
	b = b.In(loc)
	y, mo, d := b.Date()
	for k := 1; ; k++ {
		var n time.Time
		switch s.kind {
		case kindEvery:
			secs := b.Hour()*3600 + b.Minute()*60 + b.Second()
			secs = (secs/s.step + k) * s.step
			if secs >= 86400 {
				n = wallTime(y, mo, d+1, 0, 0, 0, loc)
			} else {
				n = wallTime(y, mo, d, 0, 0, secs, loc)
			}
		case kindDaily:
			n = wallTime(y, mo, d+k, s.hour, s.minute, 0, loc)
		case kindWeekly:
			n = wallTime(y, mo, d+7*k, 0, 0, 0, loc)
		case kindMonthly:
			n = wallTime(y, mo+time.Month(k), 1, 0, 0, 0, loc)
		default:
			return b.Add(time.Hour)
		}
		// A wall time that occurs twice resolves to its first instant,
		// which may not be after b; the next candidate is.
		if n.After(b) {
			return n
		}
	}
}

// wallTime is the boundary at a wall-clock time in loc: time.Date, except
// in a daylight-saving gap. There time.Date may return an instant before
// the gap, which for a gap at midnight (Asunción, Santiago, Havana) is on
// the previous day, and a daily period would start an hour early. A
// boundary in a gap is the gap's end: the first instant whose wall clock
// is not earlier than the time asked for.
func wallTime(y int, mo time.Month, d, h, m, sec int, loc *time.Location) time.Time {
	t := time.Date(y, mo, d, h, m, sec, 0, loc)
	want := time.Date(y, mo, d, h, m, sec, 0, time.UTC)
	ty, tmo, td := t.Date()
	th, tm, ts := t.Clock()
	got := time.Date(ty, tmo, td, th, tm, ts, 0, time.UTC)
	start, end := t.ZoneBounds()
	switch {
	case got.Before(want) && !end.IsZero():
		return end // t is before the gap
	case got.After(want) && !start.IsZero():
		return start // t is after the gap
	}
	return t
}
