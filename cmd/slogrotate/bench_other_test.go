//go:build !unix

package main

import "os"

// voluntarySwitches is unknown outside Unix.
func voluntarySwitches(*os.ProcessState) int64 { return 0 }
