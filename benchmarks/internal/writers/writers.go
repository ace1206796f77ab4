// Package writers builds the log writers the benchmarks compare, so that
// the go test benchmarks and cmd/throughput configure them identically.
package writers

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/DeRuina/timberjack"
	"github.com/slogrotate/slogrotate"
	"gopkg.in/natefinch/lumberjack.v2"
)

// Kinds lists the writers, the bare file (the baseline) first.
var Kinds = []string{"bare", "lumberjack", "timberjack", "slogrotate", "slogrotate-buffered"}

// Discard is an extra kind, not in Kinds: a writer that drops every
// record, the floor of what the slog encoding costs without any write.
const Discard = "discard"

// BufferSize is the WithBuffer size of "slogrotate-buffered".
const BufferSize = 64 << 10

// Config says how a writer rotates during a run.
type Config struct {
	// Rollover makes the writers rotate during the run: slogrotate on an
	// Every(time.Second) schedule, timberjack with RotationInterval of a
	// second, lumberjack (which has no time rotation) at LumberjackMB.
	// Without it nothing rotates: the rotating writers get a size limit
	// they never reach and slogrotate its default daily schedule.
	Rollover bool
	// LumberjackMB is lumberjack's MaxSize (in MB) with Rollover.
	LumberjackMB int
	// Extra options for slogrotate (both kinds), after the defaults.
	Slogrotate []slogrotate.Option
}

// never is a MaxSize (MB) that no run reaches: 1 TB.
const never = 1 << 20

// Open opens the writer kind at path. Close closes it (and, for a buffered
// slogrotate Writer, writes out what it buffered).
func Open(kind, path string, cfg Config) (io.WriteCloser, error) {
	switch kind {
	case Discard:
		return nopCloser{io.Discard}, nil
	case "bare":
		return os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	case "lumberjack":
		l := &lumberjack.Logger{Filename: path, MaxSize: never}
		if cfg.Rollover {
			l.MaxSize = max(cfg.LumberjackMB, 1)
		}
		return l, nil
	case "timberjack":
		l := &timberjack.Logger{Filename: path, MaxSize: never}
		if cfg.Rollover {
			l.RotationInterval = time.Second
		}
		return l, nil
	case "slogrotate", "slogrotate-buffered":
		return slogrotate.Open(path, SlogrotateOptions(kind, cfg)...)
	}
	return nil, fmt.Errorf("unknown writer %q (want one of %s)", kind, strings.Join(Kinds, ", "))
}

// SlogrotateOptions are the options Open gives slogrotate for kind.
func SlogrotateOptions(kind string, cfg Config) []slogrotate.Option {
	var opts []slogrotate.Option
	if cfg.Rollover {
		opts = append(opts, slogrotate.WithSchedule(slogrotate.Every(time.Second)))
	}
	if kind == "slogrotate-buffered" {
		opts = append(opts, slogrotate.WithBuffer(BufferSize))
	}
	return append(opts, cfg.Slogrotate...)
}

// Msg is the message of every benchmark record.
const Msg = "request served"

// Attrs returns the attributes of record seq of process proc, padded so
// that the JSON line slog.JSONHandler writes is about size bytes.
func Attrs(proc, seq int, pad string) [3]slog.Attr {
	return [3]slog.Attr{slog.Int("p", proc), slog.Int("i", seq), slog.String("pad", pad)}
}

// Pad returns the pad attribute value that makes a record about size bytes
// long, newline included, when encoded by slog.NewJSONHandler (with a
// six-digit sequence number; the time's length varies by a few bytes).
func Pad(size int) string {
	var buf bytes.Buffer
	h := slog.NewJSONHandler(&buf, nil)
	r := slog.NewRecord(time.Now(), slog.LevelInfo, Msg, 0)
	a := Attrs(1, 100000, "")
	r.AddAttrs(a[:]...)
	h.Handle(context.Background(), r)
	return strings.Repeat("x", max(size-buf.Len(), 0))
}

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }
