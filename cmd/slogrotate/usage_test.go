package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestUsageErrors: a bad command line exits 2 with a message that names
// the flag at fault, and creates no log.
func TestUsageErrors(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "app.log")
	for _, tc := range []struct {
		args []string
		want []string // all in the message
	}{
		{[]string{"-every", "500ms", log}, []string{"-every"}},
		{[]string{"-every", "25h", log}, []string{"-every"}},
		{[]string{"-hourly", "-daily", log}, []string{"daily", "-hourly"}},
		{[]string{"-every", "1s", "-weekly", "mon", log}, []string{"weekly", "-every"}},
		{[]string{"-daily-at", "25:00", log}, []string{"-daily-at"}},
		{[]string{"-daily-at", "6:3", log}, []string{"-daily-at"}},
		{[]string{"-weekly", "someday", log}, []string{"-weekly"}},
		{[]string{"-monthly", "-daily", log}, []string{"daily", "-monthly"}},
		{[]string{"-monthly=false", log}, []string{"-monthly"}},
		{[]string{"-header", "", log}, []string{"-header"}},
		{[]string{"-utc", "-location", "Europe/Paris", log}, []string{"location", "-utc"}},
		{[]string{"-location", "Mars/Olympus", log}, []string{"-location"}},
		{[]string{"-max-size", "10Q", log}, []string{"-max-size"}},
		{[]string{"-max-size", "0", log}, []string{"-max-size"}},
		{[]string{"-max-backups", "-1", log}, []string{"-max-backups"}},
		{[]string{"-max-age", "soon", log}, []string{"-max-age"}},
		{[]string{"-mode", "0400", log}, []string{"-mode"}},
		{[]string{"-mode", "999", log}, []string{"-mode"}},
		{[]string{"-buffer", "2G", log}, []string{"-buffer"}},
		{[]string{"-flush-interval", "0s", log}, []string{"-flush-interval"}},
		{[]string{"-reopen-check", "-1s", log}, []string{"-reopen-check"}},
		{[]string{"-lock-timeout", "x", log}, []string{"-lock-timeout"}},
		{[]string{"-lock-file", "", log}, []string{"-lock-file"}},
		{[]string{"-format", "xml", log}, []string{"-format"}},
		{[]string{"-input", "zero", log}, []string{"-input"}},
		{[]string{"-attr", "novalue", "-format", "json", log}, []string{"-attr"}},
		{[]string{"-attr", "msg=x", "-format", "json", log}, []string{"-attr"}},
		{[]string{"-attr", "a=b", log}, []string{"-attr", "-format json"}},
		{[]string{"-level", "WARN", "-format", "timestamp", log}, []string{"-level", "-format json"}},
		{[]string{"-layout", "2006", log}, []string{"-layout"}},
		{[]string{"-max-total-size", "0", log}, []string{"-max-total-size"}},
		{[]string{"-min-free-space", "0", log}, []string{"-min-free-space"}},
		{[]string{"-owner", "no-such-user-here:0", log}, []string{"-owner", "no-such-user-here"}},
		{[]string{"-owner", "7", log}, []string{"-owner", "GROUP"}},
		{[]string{"-compressor", "xz", log}, []string{"-compressor"}},
		{[]string{"-compress-level", "5", log}, []string{"-compress-level", "-compress"}},
		{[]string{"-compress", "-compress-level", "12", log}, []string{"-compress-level", "1 to 9"}},
		{[]string{"-compressor", "zstd", "-compress-level", "23", log}, []string{"-compress-level"}},
		{[]string{"-keep-uncompressed", "2", log}, []string{"-keep-uncompressed", "-compress"}},
		{[]string{"-compress", "-keep-uncompressed", "-1", log}, []string{"-keep-uncompressed"}},
		{[]string{"-post-rotate", "no-such-program-anywhere", log}, []string{"-post-rotate", "no-such-program-anywhere"}},
		{[]string{"-post-rotate-arg", "x", log}, []string{"-post-rotate-arg", "-post-rotate PROGRAM"}},
		{[]string{"-post-rotate", "true", "-post-rotate-timeout", "0s", log}, []string{"-post-rotate-timeout"}},
		{[]string{"-read-interval", "-1ms", log}, []string{"-read-interval", "negative"}},
		{[]string{"-read-interval", "soon", log}, []string{"-read-interval"}},
		{[]string{"-no-such-flag", log}, []string{"-no-such-flag"}},
		{[]string{}, []string{"PATH"}},
		{[]string{log, "extra"}, []string{"PATH"}},
	} {
		cmd := exec.Command(cmdBinary, tc.args...)
		out, err := cmd.CombinedOutput()
		if code := cmd.ProcessState.ExitCode(); code != 2 {
			t.Errorf("slogrotate %s: exit status %d (%v), want 2; output:\n%s", strings.Join(tc.args, " "), code, err, out)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(string(out), w) {
				t.Errorf("slogrotate %s: the message does not name %q:\n%s", strings.Join(tc.args, " "), w, out)
			}
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("usage errors left files behind: %v", entries)
	}
}

// TestCannotOpen: a log that cannot be opened (its directory would have to
// be made inside a regular file) exits 1 and says why.
func TestCannotOpen(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(cmdBinary, filepath.Join(file, "app.log"))
	out, _ := cmd.CombinedOutput()
	if code := cmd.ProcessState.ExitCode(); code != 1 {
		t.Fatalf("exit status %d, want 1; output:\n%s", code, out)
	}
	if !strings.Contains(string(out), "cannot open the log") || !strings.Contains(string(out), file) {
		t.Errorf("the message does not say which log cannot be opened:\n%s", out)
	}
}

// TestHelp: -h prints the usage and exits 0.
func TestHelp(t *testing.T) {
	out, err := exec.Command(cmdBinary, "-h").CombinedOutput()
	if err != nil {
		t.Fatalf("-h: %v\n%s", err, out)
	}
	for _, flag := range []string{"-every", "-format", "-buffer", "-tee", "-max-size"} {
		if !strings.Contains(string(out), flag) {
			t.Errorf("the usage does not list %s:\n%s", flag, out)
		}
	}
}
