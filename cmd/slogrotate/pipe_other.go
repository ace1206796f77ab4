//go:build !linux

package main

import "os"

// pipeCapacity is 0, unknown: only Linux says how much a pipe holds.
func pipeCapacity(f *os.File) int { return 0 }
