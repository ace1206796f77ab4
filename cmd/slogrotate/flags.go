package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/slogrotate/slogrotate"
)

// settings is what the command line asks for: the Writer's options and how
// the command itself turns its input into records.
type settings struct {
	path     string
	opts     []slogrotate.Option
	format   format
	sep      byte // what ends an input record: '\n', or 0 with -input nul
	level    string
	attrs    []attr
	tee      bool
	bufBytes int // -buffer, 0 if not given
	// readInterval (-read-interval): after a short read, the least time
	// from its start to the next read's; 0 reads at once.
	readInterval time.Duration

	// optionOf names the Writer option each option flag sets, for the
	// test that keeps flags, options and docs/command.md in step.
	optionOf map[string]string

	compress      bool   // -compress
	compressor    string // -compressor, "" if not given
	compressLevel int
	post          postRotateConfig
	// grace is how long after a rollover the Writer may still append to
	// the archive (twice -reopen-check, plus -flush-interval with
	// -buffer): see endWait.
	grace time.Duration // -compress-level, 0 if not given

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

// parseFlags reads the command line.
func parseFlags(args []string, stderr io.Writer) (*settings, error) {
	s := newSettings()
	fl := s.flagSet(stderr)
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

func newSettings() *settings {
	return &settings{
		format: formatRaw, sep: '\n', level: "INFO", schedule: slogrotate.Daily(), loc: time.Local,
		optionOf: map[string]string{},
	}
}

// flagSet defines the flags into s. Every flag that is one Writer option
// is one line made with the helpers of optionflags.go, which check the
// value, so that a bad one is reported with the flag's name rather than
// by Open, and record which option the flag sets (s.optionOf).
func (s *settings) flagSet(stderr io.Writer) *flag.FlagSet {
	fl := flag.NewFlagSet("slogrotate", flag.ContinueOnError)
	fl.SetOutput(stderr)
	fl.Usage = func() {} // on an error, the hint below rather than every flag

	s.scheduleVar(fl, "every", "roll over every `DURATION` (a whole number of seconds, 1s to 24h)", parseEvery)
	s.scheduleVar(fl, "hourly", "roll over at the start of every hour", nil)
	s.scheduleVar(fl, "daily", "roll over at midnight (the default)", nil)
	s.scheduleVar(fl, "daily-at", "roll over once a day at `HH:MM`", parseDailyAt)
	s.scheduleVar(fl, "weekly", "roll over at midnight starting `DAY` (sunday..saturday)", parseWeekly)
	s.scheduleVar(fl, "monthly", "roll over at midnight starting the first of each month", nil)
	s.zoneVar(fl, "utc", "compute boundaries and names in UTC")
	s.zoneVar(fl, "location", "compute boundaries and names in time `ZONE` (e.g. Europe/Paris)")

	s.option(fl, "layout", "Go time `LAYOUT` of archive name suffixes", str(slogrotate.WithArchiveLayout))
	s.option(fl, "archive-dir", "put archives in `DIR` (relative to the log's directory), on the log's file system", str(slogrotate.WithArchiveDir))
	s.option(fl, "keep-extension", "name archives app.2021-10-18.log rather than app.log.2021-10-18", boolean(slogrotate.WithKeepExtension))
	s.option(fl, "idle-rotation", "rotate at the end of a period even when no line comes (default true)", negated(slogrotate.WithoutIdleRotation))
	s.option(fl, "max-size", "also roll over at `SIZE` bytes (100M, 1G)", size64(slogrotate.WithMaxSize))
	s.option(fl, "max-backups", "keep at most `N` archives", count(slogrotate.WithMaxBackups))
	s.option(fl, "max-age", "delete archives older than `DURATION`", duration(slogrotate.WithMaxAge))
	s.option(fl, "max-total-size", "delete the oldest archives while they total more than `SIZE` bytes", size64(slogrotate.WithMaxTotalSize))
	s.option(fl, "min-free-space", "delete the oldest archives while their file system has less than `SIZE` bytes free", size64(slogrotate.WithMinFreeSpace))
	s.compressionFlags(fl)
	s.option(fl, "keep-uncompressed", "leave the newest `N` archives uncompressed", natural(slogrotate.WithKeepUncompressed))
	s.option(fl, "mode", "octal permission `BITS` of the files created", octal(slogrotate.WithFileMode))
	s.option(fl, "owner", "give the files created to `USER:GROUP` (ids or names), where the command may", owner(slogrotate.WithOwner))
	s.option(fl, "header", "start every new log file with the line `TEXT`", headerLine(slogrotate.WithHeader))
	s.option(fl, "lock-file", "`PATH` of the lock file (default: hidden beside the log, .error.lock-log for error.log)", str(slogrotate.WithLockFile))
	s.option(fl, "buffer", "batch records in memory up to `SIZE` bytes (64K)", bufferSize(&s.bufBytes))
	s.option(fl, "flush-interval", "write buffered records after at most `DURATION`", duration(slogrotate.WithFlushInterval))
	s.option(fl, "reopen-check", "check for a moved log file every `DURATION`", duration(slogrotate.WithReopenCheck))
	s.option(fl, "lock-timeout", "wait at most `DURATION` for the rollover lock", duration(slogrotate.WithLockTimeout))
	s.postRotateFlags(fl)

	fl.Var(formatFlag{&s.format}, "format", "record `FORMAT`: raw, json or timestamp")
	fl.Var(inputFlag{&s.sep}, "input", "input `FRAMING`: line (each line a record) or nul (each record ends with a NUL byte)")
	fl.Var(attrFlag{&s.attrs}, "attr", "add `KEY=VALUE` to every JSON record (repeatable)")
	fl.StringVar(&s.level, "level", s.level, "`LEVEL` string of JSON records")
	fl.BoolVar(&s.tee, "tee", false, "also copy standard input to standard output")
	fl.DurationVar(&s.readInterval, "read-interval", 0, "after a read that brought little, start the next one `DURATION` after it began (0: at once)")
	return fl
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
	if s.readInterval < 0 {
		return usageError{fmt.Sprintf("invalid value %q for flag -read-interval: must not be negative", s.readInterval)}
	}
	s.layoutGiven = set["layout"]
	if err := s.finishCompression(set); err != nil {
		return err
	}
	if err := s.finishPostRotate(set); err != nil {
		return err
	}
	s.grace = 2 * flagDuration(fl, "reopen-check", time.Second)
	if s.bufBytes > 0 {
		s.grace += flagDuration(fl, "flush-interval", time.Second)
	}
	s.opts = append([]slogrotate.Option{slogrotate.WithSchedule(s.schedule)}, s.opts...)
	return nil
}

// flagDuration is the duration flag name was given, or def.
func flagDuration(fl *flag.FlagSet, name string, def time.Duration) time.Duration {
	if d, err := time.ParseDuration(fl.Lookup(name).Value.String()); err == nil {
		return d
	}
	return def
}

func usage(fl *flag.FlagSet) {
	out := fl.Output()
	fmt.Fprintf(out, "Usage: slogrotate [flags] PATH\n\n")
	fmt.Fprintf(out, "Appends each line (or NUL-terminated record, -input nul) of standard input\n")
	fmt.Fprintf(out, "to the time-rotating log file PATH, which other processes may share.\n")
	fmt.Fprintf(out, "See docs/command.md.\n\nFlags:\n")
	fl.PrintDefaults()
}

// scheduleVar registers one of the schedule flags, of which at most one may
// be given. parse reads the flag's value; nil makes it a boolean flag.
func (s *settings) scheduleVar(fl *flag.FlagSet, name, usage string, parse func(string) (slogrotate.Schedule, error)) {
	f := &scheduleFlag{s: s, name: name, parse: parse}
	s.optionOf[name] = "WithSchedule"
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
	switch f.name {
	case "hourly":
		f.s.schedule = slogrotate.Hourly()
	case "monthly":
		f.s.schedule = slogrotate.Monthly()
	default:
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
	s.optionOf[name] = "WithLocation"
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

type inputFlag struct{ sep *byte }

func (f inputFlag) String() string {
	switch {
	case f.sep == nil:
		return ""
	case *f.sep == 0:
		return "nul"
	}
	return "line"
}

func (f inputFlag) Set(text string) error {
	switch text {
	case "line":
		*f.sep = '\n'
	case "nul":
		*f.sep = 0
	default:
		return errors.New("want line or nul")
	}
	return nil
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
