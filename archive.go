package slogrotate

import (
	"slices"
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
	rest, a.compressed = strings.CutSuffix(rest, ".gz")
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

// expired picks, from the archives in dir, those that retention deletes:
// all but the newest maxBackups, and those whose period ended more than
// maxAge before now. An archive present both plain and compressed (a
// compression cut short) counts once, and both files go together.
func (c *config) expired(archives []archiveName, now time.Time) []archiveName {
	if c.maxBackups == 0 && c.maxAge == 0 {
		return nil
	}
	var out []archiveName
	if c.maxBackups == 0 || len(archives) <= c.maxBackups {
		// Not over the count even if no archive is there twice: age alone
		// decides, archive by archive, and the sweep after every rollover
		// need not sort thousands of archives to find that out.
		if c.maxAge > 0 {
			for _, a := range archives {
				if c.tooOld(a, now) {
					out = append(out, a)
				}
			}
		}
		return out
	}
	slices.SortFunc(archives, func(a, b archiveName) int {
		if d := b.period.Compare(a.period); d != 0 {
			return d
		}
		if a.index != b.index {
			return b.index - a.index
		}
		switch {
		case a.compressed == b.compressed:
			return 0
		case a.compressed:
			return -1
		}
		return 1
	})
	kept := 0
	for i, a := range archives {
		same := i > 0 && archives[i-1].period.Equal(a.period) && archives[i-1].index == a.index
		if !same {
			kept++
		}
		if kept > c.maxBackups || c.maxAge > 0 && c.tooOld(a, now) {
			out = append(out, a)
		}
	}
	return out
}

// tooOld reports whether a's period ended more than maxAge before now.
func (c *config) tooOld(a archiveName, now time.Time) bool {
	end := a.end
	if end.IsZero() { // not made by parseArchive
		end = c.schedule.next(a.period, c.loc)
	}
	return now.Sub(end) > c.maxAge
}
