package slogrotate

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// An archiveName is a file name this writer's naming produces:
// base.<period>[.<index>][.gz].
type archiveName struct {
	name       string
	period     time.Time
	end        time.Time // the period's end, which MaxAge counts from
	index      int
	compressed bool
}

// archiveFile is the name of the index-th archive of period.
func (c *config) archiveFile(path string, period time.Time, index int) string {
	name := path + "." + period.In(c.loc).Format(c.layout)
	if index > 0 {
		name += "." + strconv.Itoa(index)
	}
	return name
}

// parseArchive reports whether name (a base name, without directory) is
// one that archiveFile could have produced for base, perhaps compressed.
// It is strict, because retention deletes what it accepts: the period must
// format back to exactly the text in the name and be a period start of the
// schedule, and the index must be written without sign or leading zeros.
func (c *config) parseArchive(base, name string) (archiveName, bool) {
	rest, ok := strings.CutPrefix(name, base+".")
	if !ok {
		return archiveName{}, false
	}
	a := archiveName{name: name}
	for _, ext := range c.compressedExts() {
		if r, ok := strings.CutSuffix(rest, ext); ok {
			rest, a.compressed = r, true
			break
		}
	}
	if p, ok := c.parsePeriod(rest); ok {
		a.period, a.end = p, c.schedule.next(p, c.loc)
		return a, true
	}
	i := strings.LastIndexByte(rest, '.')
	if i < 0 {
		return archiveName{}, false
	}
	digits := rest[i+1:]
	n, err := strconv.Atoi(digits)
	if err != nil || n < 1 || strconv.Itoa(n) != digits {
		return archiveName{}, false
	}
	p, ok := c.parsePeriod(rest[:i])
	if !ok {
		return archiveName{}, false
	}
	a.period, a.end, a.index = p, c.schedule.next(p, c.loc), n
	return a, true
}

func (c *config) parsePeriod(s string) (time.Time, bool) {
	return periodNamed(c.schedule, c.layout, c.loc, s)
}

// periodNamed returns the period whose archive suffix is exactly text.
func periodNamed(s Schedule, layout string, loc *time.Location, text string) (time.Time, bool) {
	t, err := time.ParseInLocation(layout, text, loc)
	if err != nil || t.Format(layout) != text {
		return time.Time{}, false
	}
	// The layout may carry less than the instant (a date, for a daily
	// schedule at 06:30): the period is the one whose start formats to the
	// text, which starts at or just after the parsed instant.
	for p, i := s.start(t, loc), 0; i < 2; p, i = s.next(p, loc), i+1 {
		if p.Format(layout) == text {
			return p, true
		}
	}
	return time.Time{}, false
}

// checkLayout rejects layouts that cannot name periods uniquely: each of a
// run of consecutive periods must format to a name that parses back to
// exactly that period. UTC is used so that daylight saving, which makes even
// a good hourly layout repeat once a year, does not count against it; the
// writer's next-free-name rule covers that hour.
func checkLayout(layout string, s Schedule) error {
	if strings.ContainsAny(layout, `/\`) || strings.ContainsRune(layout, 0) {
		return fmt.Errorf("slogrotate: archive layout %q contains a path separator", layout)
	}
	b := s.start(time.Date(2021, 1, 4, 0, 0, 0, 0, time.UTC), time.UTC)
	seen := make(map[string]time.Time, 400)
	for range 400 {
		name := b.Format(layout)
		if prev, dup := seen[name]; dup {
			return fmt.Errorf("slogrotate: archive layout %q gives the periods starting %v and %v the same name %q; add finer fields to it",
				layout, prev.Format(time.DateTime), b.Format(time.DateTime), name)
		}
		seen[name] = b
		if back, ok := periodNamed(s, layout, time.UTC, name); !ok || !back.Equal(b) {
			return fmt.Errorf("slogrotate: archive layout %q cannot be parsed back to the period it names (%q)", layout, name)
		}
		b = s.next(b, time.UTC)
	}
	// A run of consecutive periods does not show that a field which
	// changes slowly is missing (the month, in an hourly layout): periods
	// spread over the years must parse back to themselves too. (Up to
	// 2068: Go reads a two-digit year as 1969 to 2068.)
	for y := 2000; y <= 2068; y += 4 {
		for m := 1; m <= 12; m++ {
			b := s.start(time.Date(y+m%4, time.Month(m), 1+(y+7*m)%28, (y+5*m)%24, (y+11*m)%60, (y+13*m)%60, 0, time.UTC), time.UTC)
			name := b.Format(layout)
			if back, ok := periodNamed(s, layout, time.UTC, name); !ok || !back.Equal(b) {
				return fmt.Errorf("slogrotate: archive layout %q cannot be parsed back to the period it names (%q, for the period starting %v); add the fields it leaves out",
					layout, name, b.Format(time.DateTime))
			}
		}
	}
	return nil
}
