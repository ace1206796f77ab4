package slogrotate

import "errors"

// errors.go holds the package's error values.

// The errors a caller may want to tell apart, in what a Writer method
// returns or in what the error handler receives (see [WithErrorHandler]).
// Every error of the package starts with "slogrotate: ", once. Those a
// rollover or a write meets carry the path and the operation after the
// sentinel's text: test for them with [errors.Is].
var (
	// ErrRecordTooLarge is returned for a write longer than [MaxRecordSize].
	ErrRecordTooLarge = errors.New("slogrotate: record larger than MaxRecordSize")

	// ErrClosed is returned by the methods of a closed Writer. It is not
	// passed to the error handler: writing after Close is the caller's
	// mistake, not a fault of the log.
	ErrClosed = errors.New("slogrotate: writer is closed")

	// ErrLockBusy reports that another process held the rollover lock for
	// longer than the lock timeout (see [WithLockTimeout]). The writer
	// writes on to the file it has and tries again shortly; it is
	// transient, and a handler that filters errors may count it rather
	// than raise an alarm.
	ErrLockBusy = errors.New("slogrotate: lock held by another process")

	// ErrFileMoved reports that another program (logrotate, an operator)
	// moved the live file away while a rollover was archiving it. The
	// writer leaves that file alone and writes to whatever is at the path.
	ErrFileMoved = errors.New("slogrotate: the file was moved away by another program during the rollover")

	// ErrBadState reports that the lock file held something other than the
	// state a Writer writes (torn by a crash, or written by someone else).
	// The rollover decides from the files alone and replaces the state.
	ErrBadState = errors.New("slogrotate: unreadable shared state")

	// ErrInvalidOption is matched by the errors of Open that a bad option
	// value causes (each names the option or the schedule it is about), so
	// that a program configured from a command line or a file can tell
	// them from a log that cannot be opened.
	ErrInvalidOption = errors.New("slogrotate: invalid option")
)

// invalidOption marks err as one of ErrInvalidOption's, keeping its text.
func invalidOption(err error) error { return optionError{err} }

type optionError struct{ error }

func (e optionError) Unwrap() error        { return e.error }
func (e optionError) Is(target error) bool { return target == ErrInvalidOption }

// Errors that stay inside the package.
var (
	errNotRegular = errors.New("not a regular file")
	errAppendLost = errors.New("could not set O_APPEND again")
	// errCrossDevice explains why an archive is never copied.
	errCrossDevice = errors.New("archives cannot be renamed across file systems, and a copy would lose the records other processes append to the file meanwhile")
)
