//go:build !unix

// Package cputime reads the CPU time the process has used.
package cputime

import "time"

// Self is the CPU time this process has used; it is not measured on this
// platform and is always zero.
func Self() time.Duration { return 0 }
