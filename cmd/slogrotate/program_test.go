package main

import (
	"fmt"
	"os"
	"strings"
	"time"
)

// programEnv makes the test binary, run by the command as its
// -post-rotate program, act as one (testProgram) instead of running tests.
const programEnv = "SLOGROTATE_TEST_PROGRAM"

// testProgram is the -post-rotate program of the tests, by mode:
// record=FILE appends its last argument and a newline to FILE in one
// O_APPEND write; fail says so on standard error and exits 3; hang says
// so and sleeps for a minute, to be killed long before.
func testProgram(mode string, args []string) int {
	archive := args[len(args)-1]
	switch {
	case strings.HasPrefix(mode, "record="):
		f, err := os.OpenFile(strings.TrimPrefix(mode, "record="), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer f.Close()
		if _, err := f.WriteString(archive + "\n"); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		return 0
	case mode == "fail":
		fmt.Fprintf(os.Stderr, "boom on %s\n", archive)
		return 3
	case mode == "hang":
		fmt.Fprintf(os.Stderr, "hanging on %s\n", archive)
		time.Sleep(time.Minute)
	}
	return 2
}
