package main

import (
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/slogrotate/slogrotate"
)

// option registers a flag whose value becomes one Writer option.
func (s *settings) option(fl *flag.FlagSet, name, usage string, parse optionParser) {
	s.optionOf[name] = parse.option
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
	option string // the option's name: WithMaxSize
}

// optionName is the name of the option function f: WithMaxSize.
func optionName(f any) string {
	name := runtime.FuncForPC(reflect.ValueOf(f).Pointer()).Name()
	return name[strings.LastIndexByte(name, '.')+1:]
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
	return optionParser{option: optionName(opt), parse: func(s string) (slogrotate.Option, error) {
		if s == "" {
			return nil, errors.New("must not be empty")
		}
		return opt(s), nil
	}}
}

// headerLine is a line of text, given without its newline, which it adds.
func headerLine(opt func([]byte) slogrotate.Option) optionParser {
	return optionParser{option: optionName(opt), parse: func(s string) (slogrotate.Option, error) {
		if s == "" || strings.ContainsRune(s, 0) {
			return nil, errors.New("want a line of text, not empty and without a NUL byte")
		}
		return opt([]byte(s + "\n")), nil
	}}
}

func duration(opt func(time.Duration) slogrotate.Option) optionParser {
	return optionParser{option: optionName(opt), parse: func(s string) (slogrotate.Option, error) {
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 {
			return nil, errors.New("want a positive duration such as 500ms, 30s, 2h")
		}
		return opt(d), nil
	}}
}

func count(opt func(int) slogrotate.Option) optionParser {
	return optionParser{option: optionName(opt), parse: func(s string) (slogrotate.Option, error) {
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 {
			return nil, errors.New("want a positive whole number")
		}
		return opt(n), nil
	}}
}

// natural is a count that may be 0.
func natural(opt func(int) slogrotate.Option) optionParser {
	return optionParser{option: optionName(opt), parse: func(s string) (slogrotate.Option, error) {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return nil, errors.New("want a whole number, 0 or more")
		}
		return opt(n), nil
	}}
}

func size64(opt func(int64) slogrotate.Option) optionParser {
	return optionParser{option: optionName(opt), parse: func(s string) (slogrotate.Option, error) {
		n, err := parseSize(s)
		if err != nil {
			return nil, err
		}
		return opt(n), nil
	}}
}

// onOff is a boolean flag for an option that takes the boolean.
func onOff(opt func(bool) slogrotate.Option) optionParser {
	return optionParser{option: optionName(opt), isBool: true, parse: func(s string) (slogrotate.Option, error) {
		on, err := strconv.ParseBool(s)
		if err != nil {
			return nil, errors.New("want true or false")
		}
		return opt(on), nil
	}}
}

func boolean(opt func() slogrotate.Option) optionParser {
	return optionParser{option: optionName(opt), isBool: true, parse: func(s string) (slogrotate.Option, error) {
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

// negated is a boolean flag, on by default, for an option that turns the
// behaviour off.
func negated(opt func() slogrotate.Option) optionParser {
	return optionParser{option: optionName(opt), isBool: true, parse: func(s string) (slogrotate.Option, error) {
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

func octal(opt func(fs.FileMode) slogrotate.Option) optionParser {
	return optionParser{option: optionName(opt), parse: func(s string) (slogrotate.Option, error) {
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
	return optionParser{option: "WithBuffer", parse: func(s string) (slogrotate.Option, error) {
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
