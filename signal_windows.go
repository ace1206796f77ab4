package slogrotate

import "os"

// handleSignals does nothing: Windows has neither SIGHUP nor SIGUSR1.
func handleSignals(*Writer, func(os.Signal, error)) (stop func()) {
	return func() {}
}
