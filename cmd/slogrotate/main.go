// Command slogrotate appends each line of its standard input to a
// time-rotating log file that many processes may share, so that programs
// not written in Go get the same guarantees as the library's Writer:
//
//	myjob 2>&1 | slogrotate -daily /var/log/jobs/error.log
//
// Each line is one record: written whole with one write(2) on an O_APPEND
// descriptor, never interleaved with another process's record, in the file
// of the period in which it was written. With -input nul a record ends
// with a NUL byte instead (not written) and may hold several lines, such
// as a traceback; it is appended whole all the same, and ends with a
// newline in the file. Several instances of the command (and Go programs
// using the library) may write the same log at once; they rotate it
// together.
//
// Everything complete that one read brings is written at once, in as few
// write(2) calls as whole records of at most MaxRecordSize bytes allow;
// nothing complete waits for more input. With -buffer the Writer also
// batches records across reads, up to the flush interval. With
// -read-interval the command reads a stream of small records in batches,
// which saves the writers CPU: after a read that brought little, the next
// one starts only once the interval has passed since that read began.
//
// With -post-rotate, a program runs on each finished archive, once across
// all the processes sharing the log, and again after a crash that cut it
// short (see docs/command.md).
//
// # Long lines
//
// A record is at most [slogrotate.MaxRecordSize] bytes. A longer line (or
// NUL-terminated record) is split into several records, never cut or
// dropped: a log's job is to keep what was said, and a reader can join the
// pieces, while a cut loses the end of the line for good. Each piece ends with a newline. In JSON
// mode every piece carries "part" (1, 2, ...), all but the last "more":
// true, and the command's "pid", so pieces can be joined even when other
// processes' records come between them. In timestamp mode all pieces carry
// the line's timestamp, followed by '+' instead of a space on every piece
// after the first. Raw mode cannot mark anything without changing the
// line: every piece but the last is exactly MaxRecordSize bytes (with its
// newline), which is how a reader recognizes that the next record this
// process wrote continues it.
//
// # Signals
//
// SIGHUP rotates the log now ([slogrotate.Writer.Rotate]), SIGUSR1
// reopens it ([slogrotate.Writer.Reopen]). SIGTERM and SIGINT stop
// reading: what was read is written (a partial line with a newline
// added), the log is closed and the command exits 0, as at the end of the
// input.
//
// # Exit status
//
// 0 at the end of the input or after SIGTERM or SIGINT; 1 if the log
// cannot be opened or standard input cannot be read; 2 for a bad command
// line, with a message naming the flag. Errors writing the log go to
// standard error, at most one line a second, and do not stop the command.
//
// The flags are in docs/command.md and `slogrotate -h`.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/slogrotate/slogrotate"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run is the command; it returns the exit status.
func run(args []string, stdin *os.File, stdout, stderr io.Writer) int {
	s, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		return 2
	}
	opts := s.opts
	var clock *pinnedClock
	if s.format != formatRaw {
		clock = &pinnedClock{}
		opts = append(opts, slogrotate.WithClock(clock.now))
	}
	var post *postRotator
	if s.post.path != "" {
		post = newPostRotator(s.post, stderr)
		opts = append(opts, post.option())
	}
	w, err := slogrotate.Open(s.path, opts...)
	if err != nil {
		return openFailed(s, err, stderr)
	}
	stopSignals := slogrotate.HandleSignals(w, nil)
	capacity := pipeCapacity(stdin)
	in, restore := openInput(stdin)
	defer restore()
	var stop atomic.Bool
	stopped := make(chan struct{}) // closed after stop is set: ends a pause
	stopTerm := onTerminate(func() {
		stop.Store(true)
		close(stopped)
		in.interrupt()
	})
	var src io.Reader = &stoppableReader{r: in, stop: &stop, drain: stopDrain}
	if s.readInterval > 0 {
		src = newPacedReader(src, s.readInterval, capacity, stopped)
	}
	if s.tee {
		src = &teeReader{r: src, w: stdout, stderr: stderr}
	}
	status := 0
	if err := newCopier(w, src, s, clock).run(); err != nil {
		fmt.Fprintf(stderr, "slogrotate: %v\n", err)
		status = 1
	}
	if post != nil {
		// The archives made in the last grace period are complete, and
		// reported, only once it has passed; a closed Writer reports
		// nothing more.
		time.Sleep(s.grace + lingerMargin)
	}
	stopTerm()
	stopSignals()
	if err := w.Close(); err != nil {
		fmt.Fprintf(stderr, "slogrotate: %v\n", err)
	}
	return status
}

// lingerMargin is how much longer than the grace period the command stays
// at the end with -post-rotate: the Writer looks again 10ms after an
// archive's grace period ends.
const lingerMargin = 200 * time.Millisecond

// openFailed reports why Open failed. An option Open rejects is a usage
// error (the flags check everything else before, so it is the layout);
// anything else (no permission, a missing directory that cannot be
// created) is the log that cannot be opened.
func openFailed(s *settings, err error, stderr io.Writer) int {
	if s.layoutGiven && errors.Is(err, slogrotate.ErrInvalidOption) {
		fmt.Fprintf(stderr, "slogrotate: invalid value for flag -layout: %v\n", unprefixed(err))
		return 2
	}
	fmt.Fprintf(stderr, "slogrotate: cannot open the log: %v\n", unprefixed(err))
	return 1
}

// unprefixed is the library's message without its "slogrotate: ", which
// the command's own message has already.
func unprefixed(err error) string {
	return strings.TrimPrefix(err.Error(), "slogrotate: ")
}

// onTerminate calls stop once when SIGTERM or SIGINT arrives. The returned
// function ends the watch. SIGPIPE is ignored so that a closed standard
// output (-tee into a pipe whose reader left) does not kill the command
// with the log's records still in its buffer.
func onTerminate(stop func()) (end func()) {
	signal.Ignore(syscall.SIGPIPE)
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGTERM, os.Interrupt)
	done := make(chan struct{})
	go func() {
		select {
		case <-ch:
			stop()
		case <-done:
		}
	}()
	return func() {
		signal.Stop(ch)
		close(done)
	}
}

// A teeReader copies what it reads to w, until a write to w fails: then it
// says so once on stderr and goes on without the copy, since the log
// matters more.
type teeReader struct {
	r      io.Reader
	w      io.Writer
	stderr io.Writer
	failed bool
}

func (t *teeReader) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	if n > 0 && !t.failed {
		if _, werr := t.w.Write(p[:n]); werr != nil {
			t.failed = true
			fmt.Fprintf(t.stderr, "slogrotate: -tee: %v; copying to standard output stops, logging goes on\n", werr)
		}
	}
	return n, err
}
