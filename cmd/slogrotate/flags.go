package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"strconv"
	"strings"
	"time"

	"github.com/slogrotate/slogrotate"
)

// settings is what the command line asks for: the Writer's options and how
// the command itself turns input lines into records.
type settings struct {
	path     string
	opts     []slogrotate.Option
	format   format
	level    string
	attrs    []attr
	tee      bool
	bufBytes int // -buffer, 0 if not given

	schedule     slogrotate.Schedule
	scheduleFlag string // the flag that set schedule, for the conflict message
	zoneFlag     string // -utc or -location, whichever was given
	layoutGiven  bool
	loc          *time.Location // of the Writer and of timestamps
}

type attr struct{ key, value string }

// usageError is a bad command line: exit status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// parseFlags reads the command line. Every flag that is one Writer option
// is one line in the table below, made with the helpers at the end of
// this file; the helpers check the value, so a bad one is reported with
// the flag's name rather than by Open.
func parseFlags(args []string, stderr io.Writer) (*settings, error) {
	s := &settings{format: formatRaw, level: "INFO", schedule: slogrotate.Daily(), loc: time.Local}
	fl := flag.NewFlagSet("slogrotate", flag.ContinueOnError)
	fl.SetOutput(stderr)
	fl.Usage = func() {} // on an error, the hint below rather than every flag

	s.scheduleVar(fl, "every", "roll over every `DURATION` (a whole number of seconds, 1s to 24h)", parseEvery)
	s.scheduleVar(fl, "hourly", "roll over at the start of every hour", nil)
	s.scheduleVar(fl, "daily", "roll over at midnight (the default)", nil)
	s.scheduleVar(fl, "daily-at", "roll over once a day at `HH:MM`", parseDailyAt)
	s.scheduleVar(fl, "weekly", "roll over at midnight starting `DAY` (sunday..saturday)", parseWeekly)
	s.zoneVar(fl, "utc", "compute boundaries and names in UTC")
	s.zoneVar(fl, "location", "compute boundaries and names in time `ZONE` (e.g. Europe/Paris)")

	s.option(fl, "layout", "Go time `LAYOUT` of archive name suffixes", str(slogrotate.WithArchiveLayout))
	s.option(fl, "archive-dir", "put archives in `DIR` (relative to the log's directory), on the log's file system", str(slogrotate.WithArchiveDir))
	s.option(fl, "keep-extension", "name archives app.2021-10-18.log rather than app.log.2021-10-18", boolean(slogrotate.WithKeepExtension))
	s.option(fl, "idle-rotation", "rotate at the end of a period even when no line comes (default true)", negated(slogrotate.WithoutIdleRotation))
	s.option(fl, "max-size", "also roll over at `SIZE` bytes (100M, 1G)", size64(slogrotate.WithMaxSize))
	s.option(fl, "max-backups", "keep at most `N` archives", count(slogrotate.WithMaxBackups))
	s.option(fl, "max-age", "delete archives older than `DURATION`", duration(slogrotate.WithMaxAge))
	s.option(fl, "compress", "gzip archives", boolean(slogrotate.WithCompress))
	s.option(fl, "mode", "octal permission `BITS` of the files created", octal(slogrotate.WithFileMode))
	s.option(fl, "lock-file", "`PATH` of the lock file (default: hidden beside the log, .error.lock-log for error.log)", str(slogrotate.WithLockFile))
	s.option(fl, "buffer", "batch records in memory up to `SIZE` bytes (64K)", bufferSize(&s.bufBytes))
	s.option(fl, "flush-interval", "write buffered records after at most `DURATION`", duration(slogrotate.WithFlushInterval))
	s.option(fl, "reopen-check", "check for a moved log file every `DURATION`", duration(slogrotate.WithReopenCheck))
	s.option(fl, "lock-timeout", "wait at most `DURATION` for the rollover lock", duration(slogrotate.WithLockTimeout))

	fl.Var(formatFlag{&s.format}, "format", "record `FORMAT`: raw, json or timestamp")
	fl.Var(attrFlag{&s.attrs}, "attr", "add `KEY=VALUE` to every JSON record (repeatable)")
	fl.StringVar(&s.level, "level", s.level, "`LEVEL` string of JSON records")
	fl.BoolVar(&s.tee, "tee", false, "also copy standard input to standard output")

	if err := fl.Parse(args); errors.Is(err, flag.ErrHelp) {
		usage(fl)
		return nil, err
	} else if err != nil {
		fmt.Fprintf(stderr, "Run 'slogrotate -h' for usage.\n")
		return nil, err // flag has printed the message, which names the flag
	}
	if err := s.finish(fl); err != nil {
		fmt.Fprintf(stderr, "slogrotate: %v\n", err)
		fmt.Fprintf(stderr, "Run 'slogrotate -h' for usage.\n")
		return nil, err
	}
	return s, nil
}

// finish checks what single flags cannot: the path, and flags that only
// make sense with others.
func (s *settings) finish(fl *flag.FlagSet) error {
	if fl.NArg() != 1 {
		return usageError{fmt.Sprintf("want exactly one log file PATH after the flags, got %d arguments", fl.NArg())}
	}
	s.path = fl.Arg(0)
	if s.path == "" {
		return usageError{"the log file PATH is empty"}
	}
	set := map[string]bool{}
	fl.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if s.format != formatJSON {
		for _, name := range []string{"attr", "level"} {
			if set[name] {
				return usageError{fmt.Sprintf("-%s needs -format json", name)}
			}
		}
	}
	s.layoutGiven = set["layout"]
	s.opts = append([]slogrotate.Option{slogrotate.WithSchedule(s.schedule)}, s.opts...)
	return nil
}

func usage(fl *flag.FlagSet) {
	out := fl.Output()
	fmt.Fprintf(out, "Usage: slogrotate [flags] PATH\n\n")
	fmt.Fprintf(out, "Appends each line of standard input to the time-rotating log file PATH,\n")
	fmt.Fprintf(out, "which other processes may share. See docs/command.md.\n\nFlags:\n")
	fl.PrintDefaults()
}

// option registers a flag whose value becomes one Writer option.
func (s *settings) option(fl *flag.FlagSet, name, usage string, parse optionParser) {
	fl.Var(&optionFlag{parse: parse, add: func(o slogrotate.Option) {
		if o != nil { // a flag that asks for the default
			s.opts = append(s.opts, o)
		}
	}}, name, usage)
}

// An optionParser turns a flag's text into an Option, or says what is
// wrong with the text.
type optionParser struct {
	parse  func(string) (slogrotate.Option, error)
	isBool bool
}

type optionFlag struct {
	parse optionParser
	add   func(slogrotate.Option)
	text  string
}

func (f *optionFlag) String() string   { return f.text }
func (f *optionFlag) IsBoolFlag() bool { return f.parse.isBool }

func (f *optionFlag) Set(text string) error {
	o, err := f.parse.parse(text)
	if err != nil {
		return err
	}
	f.text = text
	f.add(o)
	return nil
}

func str(opt func(string) slogrotate.Option) optionParser {
	return optionParser{parse: func(s string) (slogrotate.Option, error) {
		if s == "" {
			return nil, errors.New("must not be empty")
		}
		return opt(s), nil
	}}
}

func duration(opt func(time.Duration) slogrotate.Option) optionParser {
	return optionParser{parse: func(s string) (slogrotate.Option, error) {
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 {
			return nil, errors.New("want a positive duration such as 500ms, 30s, 2h")
		}
		return opt(d), nil
	}}
}

func count(opt func(int) slogrotate.Option) optionParser {
	return optionParser{parse: func(s string) (slogrotate.Option, error) {
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 {
			return nil, errors.New("want a positive whole number")
		}
		return opt(n), nil
	}}
}

func size64(opt func(int64) slogrotate.Option) optionParser {
	return optionParser{parse: func(s string) (slogrotate.Option, error) {
		n, err := parseSize(s)
		if err != nil {
			return nil, err
		}
		return opt(n), nil
	}}
}

// negated is a boolean flag, on by default, for an option that turns the
// behaviour off.
func negated(opt func() slogrotate.Option) optionParser {
	return optionParser{isBool: true, parse: func(s string) (slogrotate.Option, error) {
		on, err := strconv.ParseBool(s)
		if err != nil {
			return nil, errors.New("want true or false")
		}
		if on {
			return nil, nil // the default: no option
		}
		return opt(), nil
	}}
}

func boolean(opt func() slogrotate.Option) optionParser {
	return optionParser{isBool: true, parse: func(s string) (slogrotate.Option, error) {
		on, err := strconv.ParseBool(s)
		if err != nil {
			return nil, errors.New("want true or false")
		}
		if !on {
			return nil, nil // the default: no option
		}
		return opt(), nil
	}}
}

func octal(opt func(fs.FileMode) slogrotate.Option) optionParser {
	return optionParser{parse: func(s string) (slogrotate.Option, error) {
		m, err := strconv.ParseUint(s, 8, 32)
		if err != nil || m&^0o777 != 0 {
			return nil, errors.New("want octal permission bits such as 0640")
		}
		if m&0o600 != 0o600 {
			return nil, errors.New("the owner needs read and write permission (0600)")
		}
		return opt(fs.FileMode(m)), nil
	}}
}

func bufferSize(size *int) optionParser {
	return optionParser{parse: func(s string) (slogrotate.Option, error) {
		n, err := parseSize(s)
		if err != nil {
			return nil, err
		}
		if n > slogrotate.MaxRecordSize {
			return nil, fmt.Errorf("at most %d bytes (MaxRecordSize)", slogrotate.MaxRecordSize)
		}
		*size = int(n)
		return slogrotate.WithBuffer(int(n)), nil
	}}
}

// parseSize reads a byte count with an optional binary suffix: 4096, 64K,
// 100M, 1G (K, M and G are 1024, 1024² and 1024³, as in logrotate; a
// trailing B or iB is accepted).
func parseSize(s string) (int64, error) {
	t := strings.ToUpper(s)
	t = strings.TrimSuffix(strings.TrimSuffix(t, "B"), "I")
	mult := int64(1)
	if n := len(t); n > 0 {
		switch t[n-1] {
		case 'K':
			mult, t = 1<<10, t[:n-1]
		case 'M':
			mult, t = 1<<20, t[:n-1]
		case 'G':
			mult, t = 1<<30, t[:n-1]
		}
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n <= 0 || n > (1<<62)/mult {
		return 0, errors.New("want a positive size such as 65536, 64K, 100M or 1G")
	}
	return n * mult, nil
}

// scheduleVar registers one of the schedule flags, of which at most one may
// be given. parse reads the flag's value; nil makes it a boolean flag.
func (s *settings) scheduleVar(fl *flag.FlagSet, name, usage string, parse func(string) (slogrotate.Schedule, error)) {
	f := &scheduleFlag{s: s, name: name, parse: parse}
	fl.Var(f, name, usage)
}

type scheduleFlag struct {
	s     *settings
	name  string
	parse func(string) (slogrotate.Schedule, error)
}

func (f *scheduleFlag) String() string   { return "" }
func (f *scheduleFlag) IsBoolFlag() bool { return f.parse == nil }

func (f *scheduleFlag) Set(text string) error {
	if f.s.scheduleFlag != "" && f.s.scheduleFlag != f.name {
		return fmt.Errorf("conflicts with -%s: give one schedule", f.s.scheduleFlag)
	}
	f.s.scheduleFlag = f.name
	if f.parse != nil {
		sched, err := f.parse(text)
		if err != nil {
			return err
		}
		f.s.schedule = sched
		return nil
	}
	if on, err := strconv.ParseBool(text); err != nil || !on {
		return errors.New("takes no value")
	}
	if f.name == "hourly" {
		f.s.schedule = slogrotate.Hourly()
	} else {
		f.s.schedule = slogrotate.Daily()
	}
	return nil
}

// valid reports whether sched is one Open accepts.
func valid(sched slogrotate.Schedule) bool { return sched.Err() == nil }

func parseEvery(s string) (slogrotate.Schedule, error) {
	d, err := time.ParseDuration(s)
	if sched := slogrotate.Every(d); err == nil && valid(sched) {
		return sched, nil
	}
	return slogrotate.Schedule{}, errors.New("want a whole number of seconds from 1s to 24h, such as 1s, 15m, 6h")
}

func parseDailyAt(s string) (slogrotate.Schedule, error) {
	h, m, ok := strings.Cut(s, ":")
	hour, herr := strconv.Atoi(h)
	minute, merr := strconv.Atoi(m)
	if sched := slogrotate.DailyAt(hour, minute); ok && herr == nil && merr == nil && len(m) == 2 && valid(sched) {
		return sched, nil
	}
	return slogrotate.Schedule{}, errors.New("want a time of day HH:MM such as 06:30")
}

func parseWeekly(s string) (slogrotate.Schedule, error) {
	for d := time.Sunday; d <= time.Saturday; d++ {
		name := strings.ToLower(d.String())
		if t := strings.ToLower(s); t == name || t == name[:3] || t == strconv.Itoa(int(d)) {
			return slogrotate.Weekly(d), nil
		}
	}
	return slogrotate.Schedule{}, errors.New("want a day of the week: sunday..saturday, sun..sat or 0..6")
}

// zoneVar registers -utc (boolean) or -location ZONE, of which at most one
// may be given; the zone is the Writer's and the timestamps'.
func (s *settings) zoneVar(fl *flag.FlagSet, name, usage string) {
	fl.Var(&zoneFlag{s: s, name: name}, name, usage)
}

type zoneFlag struct {
	s    *settings
	name string
}

func (f *zoneFlag) String() string   { return "" }
func (f *zoneFlag) IsBoolFlag() bool { return f.name == "utc" }

func (f *zoneFlag) Set(text string) error {
	if f.s.zoneFlag != "" && f.s.zoneFlag != f.name {
		return fmt.Errorf("conflicts with -%s: give one zone", f.s.zoneFlag)
	}
	f.s.zoneFlag = f.name
	loc := time.UTC
	if f.name == "utc" {
		if on, err := strconv.ParseBool(text); err != nil || !on {
			return errors.New("takes no value")
		}
	} else {
		var err error
		if loc, err = time.LoadLocation(text); err != nil || text == "" {
			return fmt.Errorf("unknown time zone %q (want a name such as UTC, Local or Europe/Paris)", text)
		}
	}
	f.s.loc = loc
	f.s.opts = append(f.s.opts, slogrotate.WithLocation(loc))
	return nil
}

type formatFlag struct{ f *format }

func (f formatFlag) String() string {
	if f.f == nil {
		return ""
	}
	return f.f.String()
}

func (f formatFlag) Set(text string) error {
	for _, v := range []format{formatRaw, formatJSON, formatTimestamp} {
		if text == v.String() {
			*f.f = v
			return nil
		}
	}
	return errors.New("want raw, json or timestamp")
}

type attrFlag struct{ attrs *[]attr }

func (f attrFlag) String() string { return "" }

func (f attrFlag) Set(text string) error {
	k, v, ok := strings.Cut(text, "=")
	if !ok || k == "" {
		return errors.New("want KEY=VALUE with a non-empty key")
	}
	switch k {
	case "time", "level", "msg", "part", "more", "pid":
		return fmt.Errorf("the key %q is the command's own", k)
	}
	*f.attrs = append(*f.attrs, attr{k, v})
	return nil
}
