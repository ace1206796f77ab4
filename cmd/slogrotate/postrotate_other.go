//go:build !unix

package main

import "os/exec"

// killTree leaves the default: cancellation kills the program itself.
func killTree(*exec.Cmd) {}
