package main

import (
	"io"
	"path/filepath"
	"slices"
	"testing"

	"github.com/slogrotate/slogrotate"
)

// -header starts the file the command creates with the line given, a
// newline added; a second run appends to that file and adds none.
func TestHeaderFlag(t *testing.T) {
	log := filepath.Join(t.TempDir(), "app.csv")
	for _, line := range []string{"a,1", "b,2"} {
		c := start(t, "-header", "name,n", log)
		if _, err := io.WriteString(c.stdin, line+"\n"); err != nil {
			t.Fatal(err)
		}
		c.stdin.Close()
		if code := c.wait(t); code != 0 {
			t.Fatalf("exit %d: %s", code, c.stderr.String())
		}
	}
	if got, want := readLines(t, log), []string{"name,n", "a,1", "b,2"}; !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

// -monthly sets the Monthly schedule, whose archives are named by month.
func TestMonthlyFlag(t *testing.T) {
	s := newSettings()
	if err := s.flagSet(io.Discard).Parse([]string{"-monthly", "app.log"}); err != nil {
		t.Fatal(err)
	}
	if s.schedule != slogrotate.Monthly() || s.schedule.Layout() != "2006-01" {
		t.Errorf("-monthly set the schedule %v, layout %q", s.schedule, s.schedule.Layout())
	}
}
