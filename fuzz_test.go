package slogrotate

import (
	"fmt"
	"hash/crc32"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Fuzz targets for the three parsers that read what the outside world can
// change: the options (schedule and archive layout), archive names found
// in the log's directory (retention deletes what the parser accepts), and
// the shared state in the lock file. `go test` runs the seeds and the
// corpus in testdata/fuzz; .ci/faults.sh fuzzes each for a while.

// FuzzSchedule: no schedule or layout makes the options panic, and a
// layout that Open accepts names every period so that the name parses
// back to exactly that period and index.
func FuzzSchedule(f *testing.F) {
	f.Add(uint8(0), int64(time.Second), int64(0), int64(1634515200), "", false)
	f.Add(uint8(0), int64(15*time.Minute), int64(0), int64(1634515200), "2006-01-02T15-04", true)
	f.Add(uint8(1), int64(6), int64(30), int64(1634515200), "20060102", true)
	f.Add(uint8(2), int64(1), int64(0), int64(1634515200), "2006-01-02", true)
	f.Add(uint8(3), int64(0), int64(0), int64(1634515200), "2006-01-02.15", true)
	f.Add(uint8(4), int64(0), int64(0), int64(1634515200), "2006-01-02.1", true)
	f.Add(uint8(0), int64(1500*time.Millisecond), int64(0), int64(0), "Jan 2", true)
	f.Add(uint8(0), int64(time.Second), int64(0), int64(1634515200), "2006-01-02T15-04-05.000", true)
	f.Add(uint8(0), int64(time.Second), int64(0), int64(1634515200), "2006-01-02T15-04-05.9", true)
	f.Add(uint8(1), int64(-1), int64(61), int64(-5), "06-01-02", true)
	f.Add(uint8(2), int64(9), int64(0), int64(1<<40), "2006/01/02", true)
	f.Fuzz(func(t *testing.T, kind uint8, a, b, at int64, layout string, setLayout bool) {
		var s Schedule
		switch kind % 7 {
		case 0:
			s = Every(time.Duration(a))
		case 1:
			s = DailyAt(int(a), int(b))
		case 2:
			s = Weekly(time.Weekday(a))
		case 3:
			s = Hourly()
		case 4:
			s = Daily()
		case 5:
			s = Schedule{}
		case 6:
			s = Monthly()
		}
		_ = s.String()
		_ = s.Layout()
		s.Period(time.Unix(at, 0), time.UTC)
		c := defaultConfig()
		c.loc = time.UTC
		opts := []Option{WithSchedule(s)}
		if setLayout {
			opts = append(opts, WithArchiveLayout(layout))
		}
		for _, o := range opts {
			o(&c)
		}
		if c.check("/logs/error.log") != nil {
			return
		}
		// A period of this century (before 2069, from when a two-digit
		// year, which Go parses into 1969-2068, would name a period of the
		// last one).
		const from, span = 946684800, 68 * 365 * 86400 // 2000-01-01, 68 years
		t0 := time.Unix(from+(at%span+span)%span, 0)
		p := s.start(t0, time.UTC)
		for range 3 {
			for _, index := range []int{0, 1, 12} {
				name := filepath.Base(c.archiveFile("/logs/error.log", p, index))
				for _, n := range []string{name, name + ".gz"} {
					got, ok := c.parseArchive("error.log", n)
					if !ok || !got.period.Equal(p) || got.index != index || got.compressed != strings.HasSuffix(n, ".gz") || got.name != n {
						t.Fatalf("layout %q, schedule %v: the archive %d of the period %v is named %q, which parses back as %+v (ok=%v)",
							c.layout, s, index, p, n, got, ok)
					}
				}
			}
			p = s.next(p, time.UTC)
		}
	})
}

// fuzzOptions are the configurations FuzzParseArchive parses names with.
func fuzzOptions() [][]Option {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		ny = time.FixedZone("EST", -5*3600)
	}
	return [][]Option{
		{},
		{WithSchedule(Hourly())},
		{WithSchedule(Every(time.Second))},
		{WithSchedule(Every(15 * time.Minute))},
		{WithSchedule(DailyAt(6, 30))},
		{WithSchedule(Weekly(time.Monday))},
		{WithArchiveLayout("20060102")},
		{WithSchedule(Hourly()), WithArchiveLayout("2006-01-02.15")},
		{WithArchiveLayout("2006-01-02.1")},
		{WithSchedule(Every(time.Second)), WithArchiveLayout("2006-01-02T15-04-05.000")},
		{WithSchedule(Hourly()), WithLocation(ny)},
		{WithSchedule(DailyAt(1, 30)), WithLocation(ny)},
		{WithKeepExtension()},
		{WithKeepExtension(), WithSchedule(Hourly()), WithArchiveLayout("2006-01-02.15")},
		{WithKeepExtension(), WithArchiveDir("old"), WithArchiveLayout("2006-01-02.1")},
	}
}

// fuzzConfig builds a configuration, or returns nil if Open would refuse
// it.
func fuzzConfig(opts ...Option) *config {
	c := defaultConfig()
	c.loc = time.UTC
	for _, opt := range opts {
		opt(&c)
	}
	if c.check("/logs/error.log") != nil {
		return nil
	}
	return &c
}

// FuzzParseArchive: for any file name, if the writer's parser accepts it
// as one of its archives, the writer's naming makes exactly that name for
// the period and index it parsed. Retention deletes what the parser
// accepts, so it must never accept a name the writer did not make. The
// configuration is one of fuzzOptions, with the fuzzed layout if Open
// accepts it.
func FuzzParseArchive(f *testing.F) {
	options := fuzzOptions()
	configs := make([]*config, len(options))
	for i, o := range options {
		configs[i] = fuzzConfig(o...)
	}
	day := time.Date(2021, 10, 18, 0, 0, 0, 0, time.UTC)
	for i, c := range configs {
		p := c.schedule.start(day.Add(7*time.Hour+15*time.Minute), c.loc)
		name := filepath.Base(c.archiveFile("/logs/error.log", p, 0))
		for _, n := range []string{name, name + ".3.gz", name + ".0", name + ".01", name + ".-1", name + ".gz.gz"} {
			f.Add(uint8(i), "", n)
		}
	}
	for _, n := range []string{"error.log", "error.log.", "error.log..1", "error.log.2021-10-18.+1", "error.log.2021-10-18 ", "error.log.2021-02-29", "error.log.2021-10-18.bak", "error.log.notes", "error.log.2021-11-07T01"} {
		f.Add(uint8(0), "", n)
		f.Add(uint8(1), "", n)
	}
	f.Add(uint8(1), "Jan _2 2006 15h", "error.log.Oct 18 2021 07h")
	f.Add(uint8(0), "2006-002", "error.log.2021-291.1")
	f.Add(uint8(2), "20060102150405.000", "error.log.20211018071500.000.2.gz")
	f.Fuzz(func(t *testing.T, sel uint8, layout, name string) {
		i := int(sel) % len(configs)
		c := configs[i]
		if layout != "" {
			if lc := fuzzConfig(append(options[i][:len(options[i]):len(options[i])], WithArchiveLayout(layout))...); lc != nil {
				c = lc
			}
		}
		a, ok := c.parseArchive("error.log", name)
		if !ok {
			return
		}
		want := filepath.Base(c.archiveFile("/logs/error.log", a.period, a.index))
		if a.compressed {
			want += ".gz"
		}
		if want != name || a.name != name {
			t.Fatalf("layout %q, schedule %v, zone %v: %q parses as period %v index %d, which is named %q",
				c.layout, c.schedule, c.loc, name, a.period, a.index, want)
		}
	})
}

// FuzzParseState: the lock file's content is untrusted. parseState never
// panics, and whatever it accepts, in the current format or in format 1,
// is exactly what encode writes for the state it parsed. The checksum makes random input almost always rejected,
// so the target also parses each input as the body of a line with a
// correct checksum, which lets the fuzzer reach the fields.
func FuzzParseState(f *testing.F) {
	good := sharedState{period: time.Unix(0, 1634515200123456789), id: fileID{66305, 9977922}, freeIndex: 3}
	f.Add(good.encode())
	f.Add(sharedState{}.encode())
	f.Add(sharedState{period: time.Unix(0, -1), id: fileID{1<<64 - 1, 0}, freeIndex: 1<<31 - 1}.encode())
	f.Add([]byte("slogrotate-state 1 1634515200123456789 66305:9977922 3"))
	f.Add([]byte("slogrotate-state 1 1 1:2:3 0"))
	f.Add([]byte("slogrotate-state 1 1 1 0"))
	f.Add([]byte("slogrotate-state 2 1 1:2 0"))
	agreed := agreement{"every 1s", "UTC (UTC+00:00)", "2006-01-02 15.04", "../old archives", "on", ".zst"}
	f.Add(sharedState{period: good.period, id: good.id, freeIndex: 3, agreed: agreed}.encode())
	f.Add([]byte("slogrotate-state 2 1 1:2 0 schedule=every+1s zone=UTC layout=2006 dir=. keepext=off compress=%2"))
	f.Add([]byte("slogrotate-state 2 1 1:2 0 schedule=every+1s zone=UTC layout=2006 dir= keepext=off compress=none"))
	f.Add([]byte("slogrotate-state 2 1 1:2 0 zone=UTC schedule=every+1s layout=2006 dir=. keepext=off compress=none"))
	f.Add([]byte("slogrotate-state 1 1 1:2 0 schedule=every+1s zone=UTC layout=2006 dir=. keepext=off compress=none"))
	f.Add([]byte("\x00slogrotate-state 1 garbage\n"))
	f.Add([]byte(""))
	f.Add([]byte("\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		check := func(in []byte) {
			s, err := parseState(in)
			if err != nil {
				return
			}
			line, _, _ := strings.Cut(string(in), "\n")
			if got := string(s.encode()); got != line+"\n" {
				t.Fatalf("parseState accepted %q as %+v, which encodes as %q", line, s, got)
			}
		}
		check(b)
		body, _, _ := strings.Cut(string(b), "\n")
		check(fmt.Appendf(nil, "%s %08x\n", body, crc32.ChecksumIEEE([]byte(body))))
	})
}
