//go:build windows

package slogrotate

import "os"

// chownFile does nothing: WithOwner is ignored on Windows.
func chownFile(*os.File, fileOwner) {}

// chownPath does nothing: WithOwner is ignored on Windows.
func chownPath(string, fileOwner) {}
