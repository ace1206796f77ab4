// Package slogrotate is a time-rotating log file that many processes can
// share, and a [log/slog] handler that writes to it.
//
// Services that run as several worker processes often point all of them at
// one log file that rotates daily. Rotating writers built for one process
// lose records there: one process renames the file while another still
// writes through its old descriptor, then the second renames again over the
// first one's archive. A [Writer] avoids that with a small protocol:
//
//   - Each record is appended with one write(2) on an O_APPEND descriptor,
//     so records from different processes never interleave. The write path
//     takes no file lock; a small record costs no other system call (a
//     batch, or a record of 4 KiB or more, one lseek(2) to make sure that
//     a write another process was killed in the middle of ends its line).
//   - A rollover happens under an advisory lock on a separate lock file,
//     taken only when a period ends (or the file must be reopened), never
//     per record.
//   - Under the lock a process decides from shared state kept in the lock
//     file, not from its own memory: if another process already rotated it
//     only reopens, and an archive name that is taken is never reused. A
//     process that finds the rotation done in that state, read without
//     the lock, opens the new file without taking the lock at all.
package slogrotate
