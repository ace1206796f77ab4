//go:build unix

package main

import (
	"os"
	"os/user"
	"path/filepath"
	"syscall"
	"testing"
)

// -owner gives the log and its lock files to the user and group named, by
// number or by name; the command runs as root, which may give them.
func TestOwnerFlag(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: only root can give files to another user")
	}
	spec := "65534:65534"
	if u, err := user.Lookup("nobody"); err == nil && u.Uid == "65534" {
		spec = "nobody:65534" // a name, resolved by os/user
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "app.log")
	c := start(t, "-owner", spec, path)
	if _, err := c.stdin.Write([]byte("hello\n")); err != nil {
		t.Fatal(err)
	}
	c.stdin.Close()
	if code := c.wait(t); code != 0 {
		t.Fatalf("exit status %d; stderr:\n%s", code, c.stderr.String())
	}
	for _, p := range []string{path, filepath.Join(dir, ".app.lock-log")} {
		fi, err := os.Lstat(p)
		if err != nil {
			t.Fatal(err)
		}
		st := fi.Sys().(*syscall.Stat_t)
		if st.Uid != 65534 || st.Gid != 65534 {
			t.Errorf("%s is owned by %d:%d, not 65534:65534 (-owner %s)", p, st.Uid, st.Gid, spec)
		}
	}
}
