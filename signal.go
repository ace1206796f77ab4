package slogrotate

import (
	"errors"
	"os"
)

// signal.go holds HandleSignals; signal_unix.go and signal_windows.go
// what each system has of SIGHUP and SIGUSR1.

// HandleSignals makes w follow the signals that log rotation tools and
// operators traditionally send to a process that writes a log file:
//
//   - SIGHUP archives the live file now, as [Writer.Rotate]. Sending it to
//     every worker of a service archives the file once, not once per
//     worker: a worker that finds the file already archived only reopens.
//   - SIGUSR1 reopens the file at the path, as [Writer.Reopen]. It is what
//     a logrotate postrotate script sends after moving the file, so that
//     writers switch to the new file at once rather than within the
//     reopen-check interval (see [WithReopenCheck]).
//
// Errors go to errs; if errs is nil, to the writer's error handler (see
// [WithErrorHandler]). A signal that arrives after w is closed is ignored.
//
// The returned stop function stops the handling and restores the signals'
// previous behavior; it waits for a signal being handled to finish, and is
// safe to call more than once. Call it before closing w.
//
// On systems without these signals (Windows), HandleSignals does nothing
// and stop is a no-op: call [Writer.Rotate] and [Writer.Reopen] from
// whatever mechanism the service uses instead.
func HandleSignals(w *Writer, errs func(error)) (stop func()) {
	if w == nil {
		if errs != nil {
			errs(errors.New("slogrotate: HandleSignals was given a nil Writer; no signal is handled"))
		}
		return func() {}
	}
	if errs == nil {
		errs = w.cfg.onError
	}
	return handleSignals(w, func(sig os.Signal, err error) {
		if errors.Is(err, ErrClosed) {
			err = nil
		}
		if err != nil {
			errs(err)
		}
		if signalHook != nil {
			signalHook(sig, err)
		}
	})
}
