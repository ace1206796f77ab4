//go:build unix

package main

import (
	"os/exec"
	"syscall"
)

// killTree makes the program the leader of a process group of its own and
// its cancellation kill the whole group, so that a hanging program's
// children go with it.
func killTree(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
}
