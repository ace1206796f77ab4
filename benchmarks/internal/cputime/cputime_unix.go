//go:build unix

// Package cputime reads the CPU time the process has used.
package cputime

import (
	"syscall"
	"time"
)

// Self is the CPU time (user and system) this process has used.
func Self() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
