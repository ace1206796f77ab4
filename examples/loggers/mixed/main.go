// Command mixed shows a code base that logs through zap, zerolog, the
// standard log package and log/slog, all into one rotating file, with slog
// also teeing warnings to standard error through slog.NewMultiHandler.
//
//	go run ./mixed                      # 3 s into a new temporary directory
//	go run ./mixed -dir /tmp/logs -for 10s -every 2s
//
// The file rolls over every second (-every), so the run crosses a few
// rollovers; at the end the program reads every file back and counts each
// logger's records. Run it as several processes at once on the same -dir
// and they share the file the same way.
//
// The one rule for sharing a slogrotate.Writer with another logger: each
// Write must carry exactly one whole record. zap's ioCore (with
// zapcore.AddSync, not a BufferedWriteSyncer), zerolog, log.Logger and
// slog's handlers all write each record with a single Write call.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog"
	"github.com/slogrotate/slogrotate"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

func main() {
	dir := flag.String("dir", "", "log directory (default: a new temporary directory)")
	dur := flag.Duration("for", 3*time.Second, "how long to log")
	every := flag.Duration("every", time.Second, "rollover period")
	flag.Parse()
	if *dir == "" {
		d, err := os.MkdirTemp("", "slogrotate-mixed-")
		if err != nil {
			log.Fatal(err)
		}
		*dir = d
	}
	path := filepath.Join(*dir, "app.log")
	written, err := run(path, *dur, *every)
	if err != nil {
		log.Fatal(err)
	}
	found, files, err := count(path)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s: %d files\n", path, files)
	names := make([]string, 0, len(written))
	for name := range written {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		fmt.Printf("  %-8s wrote %6d, found %6d\n", name, written[name], found[name])
	}
}

// run logs from all four loggers at once, for d, into the log at path, and
// returns how many records each wrote.
func run(path string, d, every time.Duration) (map[string]int, error) {
	// One Writer, which all four loggers share.
	w, err := slogrotate.Open(path,
		slogrotate.WithSchedule(slogrotate.Every(every)),
		slogrotate.WithLocation(time.UTC),
	)
	if err != nil {
		return nil, err
	}
	defer w.Close()

	// slog: every record to the file; warnings and errors also to stderr.
	slogger := slog.New(slog.NewMultiHandler(
		slogrotate.NewJSONHandler(w, nil),
		slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}),
	)).With("logger", "slog")

	// zap: a JSON core on the Writer. zapcore.AddSync keeps one Write per
	// entry, and Sync reaches Writer.Sync.
	zlog := zap.New(zapcore.NewCore(
		zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig()),
		zapcore.AddSync(w),
		zapcore.InfoLevel,
	)).With(zap.String("logger", "zap"))
	defer zlog.Sync()

	// zerolog: writes each event with one Write.
	zero := zerolog.New(w).With().Timestamp().Str("logger", "zerolog").Logger()

	// The standard log package: log.Logger writes each line with one Write.
	std := log.New(w, "", log.LstdFlags|log.Lmicroseconds|log.LUTC)

	loggers := map[string]func(seq int){
		"slog": func(seq int) {
			slogger.LogAttrs(context.Background(), slog.LevelInfo, "hello", slog.Int("seq", seq))
		},
		"zap": func(seq int) {
			zlog.Info("hello", zap.Int("seq", seq))
		},
		"zerolog": func(seq int) {
			zero.Info().Int("seq", seq).Msg("hello")
		},
		"stdlog": func(seq int) {
			std.Printf("logger=stdlog seq=%d msg=hello", seq)
		},
	}
	var (
		mu      sync.Mutex
		written = map[string]int{}
		wg      sync.WaitGroup
	)
	end := time.Now().Add(d)
	for name, logf := range loggers {
		wg.Go(func() {
			n := 0
			for ; time.Now().Before(end); n++ {
				logf(n)
				time.Sleep(time.Millisecond)
			}
			mu.Lock()
			written[name] = n
			mu.Unlock()
		})
	}
	wg.Wait()
	slogger.Warn("done; this line goes to the file and to stderr")
	return written, nil
}

// count reads the live file and every archive of the log at path and
// counts the records of each logger, checking that each sequence number
// appears once and that every line is a whole record.
func count(path string) (found map[string]int, files int, err error) {
	entries, err := os.ReadDir(filepath.Dir(path))
	if err != nil {
		return nil, 0, err
	}
	base := filepath.Base(path)
	found = map[string]int{}
	seen := map[string]map[int]bool{}
	for _, e := range entries {
		name := e.Name()
		if name != base && !strings.HasPrefix(name, base+".") || name == base+".lock" {
			continue
		}
		files++
		f, err := os.Open(filepath.Join(filepath.Dir(path), name))
		if err != nil {
			return nil, 0, err
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			logger, seq, ok := parse(sc.Bytes())
			if !ok {
				f.Close()
				return nil, 0, fmt.Errorf("%s: not a whole record: %q", name, sc.Text())
			}
			if seq < 0 {
				continue // the final warning
			}
			if seen[logger] == nil {
				seen[logger] = map[int]bool{}
			}
			if seen[logger][seq] {
				f.Close()
				return nil, 0, fmt.Errorf("%s: %s record %d appears twice", name, logger, seq)
			}
			seen[logger][seq] = true
			found[logger]++
		}
		f.Close()
		if err := sc.Err(); err != nil {
			return nil, 0, err
		}
	}
	return found, files, nil
}

// parse recognizes a record of any of the four loggers; seq is -1 for a
// record without one.
func parse(line []byte) (logger string, seq int, ok bool) {
	if bytes.HasPrefix(line, []byte("{")) {
		var r struct {
			Logger string `json:"logger"`
			Seq    *int   `json:"seq"`
		}
		if json.Unmarshal(line, &r) != nil || r.Logger == "" {
			return "", 0, false
		}
		if r.Seq == nil {
			return r.Logger, -1, true
		}
		return r.Logger, *r.Seq, true
	}
	// 2006/01/02 15:04:05.000000 logger=stdlog seq=12 msg=hello
	f := strings.Fields(string(line))
	if len(f) != 5 || f[2] != "logger=stdlog" || f[4] != "msg=hello" {
		return "", 0, false
	}
	if _, err := fmt.Sscanf(f[3], "seq=%d", &seq); err != nil {
		return "", 0, false
	}
	return "stdlog", seq, true
}
