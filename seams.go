package slogrotate

import "os"

// Test seams. Production code never sets them; a test sets them to stop or
// kill a process at an exact point, or to simulate a fault that a real
// file system cannot be made to show on demand. No production branch
// depends on whether a seam is set: each is called where it stands and does
// nothing when nil.

// A stage names a point of the rollover protocol or of compression.
type stage string

const (
	stageLocked      stage = "locked"      // the rollover lock is held
	stageStated      stage = "stated"      // the live file was looked at
	stageRenamed     stage = "renamed"     // the live file was archived
	stageFollowing   stage = "following"   // follow, between its stat and its open
	stageCompressing stage = "compressing" // compression read its first block
	stageCompressed  stage = "compressed"  // the compressed file is synced
)

// testHook, if set, is called at each stage.
var testHook func(stage)

// reach calls testHook at s.
func reach(s stage) {
	if testHook != nil {
		testHook(s)
	}
}

// blankFragment is blankTail; a test replaces it to simulate a file system
// that cannot overwrite in place.
var blankFragment = blankTail

// signalHook, if set, is called after each signal HandleSignals acted on,
// with the error the action returned (nil if it succeeded).
var signalHook func(sig os.Signal, err error)

// appendOnce is writeRecord; the Windows test binary replaces it, only
// under Wine and only for the tests that say so, with one that makes each
// append under a LockFileEx lock on the whole file: Wine 8.0 does not make
// concurrent appends from several processes atomic, as Windows does.
var appendOnce = writeRecord

// tryLockFD and unlockFD take and release the lock of a lock file, through
// its descriptor: the platform's (lockfile_*.go). A Linux test swaps in
// fcntl(2) locks, the lock of the systems without flock(2), to check
// lockfile.go under their semantics.
var tryLockFD, unlockFD = tryLockSys, unlockSys
