package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os/exec"
	"slices"
	"strings"
	"time"

	"github.com/slogrotate/slogrotate"
)

// defaultPostTimeout is how long a -post-rotate program may run before it
// is killed, unless -post-rotate-timeout says otherwise.
const defaultPostTimeout = 5 * time.Minute

// postStderrMax is how much of a program's standard error is reported.
const postStderrMax = 8 << 10

// postRotateFlags defines -post-rotate, -post-rotate-arg and
// -post-rotate-timeout, which make one WithOnRotate option (see
// finishPostRotate).
func (s *settings) postRotateFlags(fl *flag.FlagSet) {
	fl.StringVar(&s.post.prog, "post-rotate", "", "run `PROGRAM` (no shell) with each finished archive's path as last argument")
	fl.Func("post-rotate-arg", "an `ARG`ument of the -post-rotate program before the archive's path (repeatable)", func(text string) error {
		s.post.args = append(s.post.args, text)
		return nil
	})
	fl.DurationVar(&s.post.timeout, "post-rotate-timeout", defaultPostTimeout, "kill a -post-rotate program still running after `DURATION`")
	for _, name := range []string{"post-rotate", "post-rotate-arg", "post-rotate-timeout"} {
		s.optionOf[name] = "WithOnRotate"
	}
}

// finishPostRotate checks the -post-rotate flags and finds the program, so
// that a wrong name is a usage error rather than a failure at every
// archive.
func (s *settings) finishPostRotate(set map[string]bool) error {
	if s.post.prog == "" {
		for _, name := range []string{"post-rotate", "post-rotate-arg", "post-rotate-timeout"} {
			if set[name] {
				return usageError{fmt.Sprintf("-%s needs a -post-rotate PROGRAM", name)}
			}
		}
		return nil
	}
	if s.post.timeout <= 0 {
		return usageError{"invalid value for flag -post-rotate-timeout: want a positive duration"}
	}
	path, err := exec.LookPath(s.post.prog)
	if err != nil {
		return usageError{fmt.Sprintf("invalid value for flag -post-rotate: %v", err)}
	}
	s.post.path = path
	return nil
}

// postRotateConfig is what the -post-rotate flags ask for.
type postRotateConfig struct {
	prog    string // as given
	path    string // found by finishPostRotate
	args    []string
	timeout time.Duration
}

// A postRotator runs the -post-rotate program on each archive the Writer
// reports, and reports each failure and each program's standard error on
// stderr. The Writer reports one archive at a time across every instance
// sharing the log, and records the archive reported only once the program
// has ended: an instance killed meanwhile leaves the archive to be
// reported again (WithOnRotate).
type postRotator struct {
	cfg    postRotateConfig
	stderr io.Writer
}

func newPostRotator(cfg postRotateConfig, stderr io.Writer) *postRotator {
	return &postRotator{cfg: cfg, stderr: stderr}
}

// option is the WithOnRotate option that hands archives to p.
func (p *postRotator) option() slogrotate.Option { return slogrotate.WithOnRotate(p.run) }

// run runs the program on archive, on the Writer's background goroutine
// (never on the write path), and reports how it went.
func (p *postRotator) run(archive string) {
	out, err := p.exec(archive)
	p.report(archive, out, err)
}

// exec runs the program on archive and returns its standard error.
func (p *postRotator) exec(archive string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), p.cfg.timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, p.cfg.path, append(slices.Clone(p.cfg.args), archive)...)
	stderr := &capped{max: postStderrMax}
	cmd.Stderr = stderr // standard input and output are the null device
	killTree(cmd)
	// A child of the program that keeps its standard error open does not
	// hold up the report for long.
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	if ctx.Err() != nil {
		err = fmt.Errorf("killed after -post-rotate-timeout %v", p.cfg.timeout)
	}
	return stderr.buf.Bytes(), err
}

// report writes what the program said on standard error, and how it
// failed, one line each, prefixed with the program and the archive.
func (p *postRotator) report(archive string, out []byte, err error) {
	prefix := fmt.Sprintf("slogrotate: -post-rotate %s %s: ", p.cfg.prog, archive)
	var b strings.Builder
	for line := range strings.Lines(string(out)) {
		b.WriteString(prefix + strings.TrimRight(line, "\r\n") + "\n")
	}
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		b.WriteString(prefix + "failed: " + exit.ProcessState.String() + "\n")
	case err != nil:
		b.WriteString(prefix + "failed: " + err.Error() + "\n")
	}
	io.WriteString(p.stderr, b.String())
}

// capped keeps the first max bytes written to it and notes that more came.
type capped struct {
	buf bytes.Buffer
	max int
	cut bool
}

func (c *capped) Write(p []byte) (int, error) {
	if room := c.max - c.buf.Len(); room < len(p) {
		if !c.cut {
			c.buf.Write(p[:max(room, 0)])
			c.buf.WriteString("\n[standard error cut here]\n")
		}
		c.cut = true
		return len(p), nil
	}
	return c.buf.Write(p)
}
