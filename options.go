package slogrotate

import (
	"compress/gzip"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// options.go holds the Option type, the configuration it builds and its
// check at Open, and the options themselves.

// An Option configures a [Writer]. Options are applied in order; a later
// option overrides an earlier one of the same kind. An option given a bad
// value makes [Open] fail with an error that names the option.
type Option func(*config)

type config struct {
	schedule     Schedule
	loc          *time.Location
	layout       string
	archiveDir   string // resolved by check; "" for the log's directory
	keepExt      bool
	lockPath     string
	maintPath    string // the maintenance lock's; set by check
	mode         fs.FileMode
	reopenCheck  time.Duration
	lockTimeout  time.Duration
	clock        func() time.Time
	wallClock    bool // clock is time.Now, which the writer may extend (timing.now)
	onError      func(error)
	maxSize      int64
	maxBackups   int
	maxAge       time.Duration
	maxTotal     int64
	minFree      int64     // WithMinFreeSpace
	owner        fileOwner // WithOwner
	compress     bool
	compressor   Compressor // when compress
	keepPlain    int        // WithKeepUncompressed
	exts         []string   // see compressedExts; set by check
	onRotate     func(archive string)
	bufSize      int
	flushEvery   time.Duration
	flushLevel   slog.Leveler
	idleRotation bool
	header       []byte // WithHeader, ending in a newline
	errs         []error
}

func defaultConfig() config {
	return config{
		schedule:     Daily(),
		loc:          time.Local,
		mode:         0o640,
		reopenCheck:  time.Second,
		lockTimeout:  100 * time.Millisecond,
		clock:        time.Now,
		wallClock:    true,
		flushEvery:   time.Second,
		flushLevel:   slog.LevelError,
		idleRotation: true,
	}
}

func (c *config) fail(format string, args ...any) {
	c.errs = append(c.errs, invalidOption(fmt.Errorf("slogrotate: "+format, args...)))
}

// WithSchedule sets when the file rolls over. The default is [Daily].
func WithSchedule(s Schedule) Option {
	return func(c *config) { c.schedule = s }
}

// WithLocation sets the time zone in which period boundaries and archive
// names are computed. The default is [time.Local]; pass [time.UTC] for
// names that do not depend on the host's zone.
func WithLocation(loc *time.Location) Option {
	return func(c *config) {
		if loc == nil {
			c.fail("WithLocation(nil): a location is required")
			return
		}
		c.loc = loc
	}
}

// WithArchiveLayout sets the Go time layout (see [time.Layout]) of the
// suffix that names an archive: with "2006-01-02", error.log is archived as
// error.log.2021-10-18. The default depends on the schedule: a date for
// daily and weekly schedules, then hour, minute or second precision for
// shorter periods. Open rejects a layout that would give two periods the
// same name, that cannot be parsed back (retention relies on that), or that
// contains a path separator.
func WithArchiveLayout(layout string) Option {
	return func(c *config) { c.layout = layout }
}

// WithArchiveDir puts archives (and their compressed forms) in dir rather
// than beside the live file, as logrotate's olddir does. A relative dir is
// relative to the log's directory. Open creates it like the log's
// directory. Retention, compression and OnRotate look there.
//
// Two logs of the same base name must not share an archive directory:
// their archives would have the same names.
//
// The directory must be on the same file system (and mount) as the log: a rename
// across file systems would become a copy, while other processes still
// append to the old file through their descriptors, and their records
// would be lost. Open fails if it is not; a rollover that finds it moved
// to another file system since (a mount over it) reports the error and
// writes on into the live file, losing nothing.
func WithArchiveDir(dir string) Option {
	return func(c *config) {
		if dir == "" {
			c.fail("WithArchiveDir(\"\"): empty directory")
			return
		}
		c.archiveDir = dir
	}
}

// WithKeepExtension names archives with the log's extension last, for
// tools that open files by extension: app.log is archived as
// app.2021-10-18.log, app.2021-10-18.1.log, app.2021-10-18.log.gz. A log
// whose name has no extension (error) keeps the default form
// (error.2021-10-18). A log whose extension would make archive names
// ambiguous (app.gz, app.tmp) is refused.
func WithKeepExtension() Option {
	return func(c *config) { c.keepExt = true }
}

// WithLockFile sets the path of the lock file that serializes rollovers and
// holds the state the processes share; the maintenance lock file is the
// same path with ".maint.lock" for ".lock". Every process writing one log
// must use the same lock file.
//
// The default is a hidden file beside the log, named after it with
// ".lock-" in place of its extension's dot (error.log's is
// .error.lock-log), so that no glob for the log and its archives, such as
// error.log* or *.log, picks it up. Earlier versions of this package used
// the log's path plus ".lock": while processes of an earlier version and
// of this one write one log (a rolling upgrade), give them all one lock
// file, for example WithLockFile(path + ".lock").
func WithLockFile(path string) Option {
	return func(c *config) {
		if path == "" {
			c.fail("WithLockFile(\"\"): empty lock file path")
			return
		}
		c.lockPath = path
	}
}

// WithFileMode sets the permission bits of the files the writer creates:
// the log, its archives (compressed too) and the lock files. They are set
// explicitly, so the process umask neither widens nor narrows them. The
// lock files get the log's mode because every process that may write the
// log must be able to rotate it.
//
// The default is 0640: logs often carry secrets, so other users may not
// read them, while the group (a log shipper's, say) may. Workers that run
// as different users of one group need 0660. Directories the writer
// creates get the same bits plus search permission where read is granted.
func WithFileMode(mode fs.FileMode) Option {
	return func(c *config) {
		if mode&^fs.ModePerm != 0 {
			c.fail("WithFileMode(%v): only permission bits are allowed", mode)
			return
		}
		if mode&0o600 != 0o600 {
			c.fail("WithFileMode(%v): the owner needs read and write permission (0600) to reopen the files it creates", mode)
			return
		}
		c.mode = mode
	}
}

// WithoutIdleRotation turns off the rotation of a file at the end of its
// period when nobody writes. Idle rotation is on by default, so that
// yesterday's archive exists right after midnight, OnRotate reports it on
// time, and retention by age deletes records when their age says, not
// when the service next logs. A process that is idle at a boundary wakes
// once (one timer per Writer, nothing per record) and goes through the
// rollover as a write would: the first process archives the file and the
// others follow it, without the lock; an empty file is left in place.
// Turn it off to keep idle processes from waking at each boundary; the
// file is then rotated by the first write after the boundary.
//
// Like every option that switches something, it takes no argument: it
// switches from the default (as [WithCompress] and [WithKeepExtension] do).
func WithoutIdleRotation() Option {
	return func(c *config) { c.idleRotation = false }
}

// WithReopenCheck sets how often a writer checks, with one stat of the
// log's path, whether the file it writes to is still the one at the path.
// That is how it notices a rollover done by another process for a reason
// other than the schedule ([Writer.Rotate]) and a file moved away by an
// outside tool such as logrotate. Records written between the move and the
// check go to the moved file. The check also reads the lock file, where a
// process opened with other options records them (see [ErrOptionsDiffer]).
// The default is one second; the check costs one stat and one read of the
// lock file per interval, never anything per record.
func WithReopenCheck(d time.Duration) Option {
	return func(c *config) {
		if d <= 0 {
			c.fail("WithReopenCheck(%v): the interval must be positive", d)
			return
		}
		c.reopenCheck = d
	}
}

// WithLockTimeout bounds how long a rollover waits for the rollover lock
// (at a write, in Open, Rotate and Reopen, and when an idle writer rotates).
// A writer that cannot get it in time (another process holds it and is
// stopped or very slow) keeps writing to the file it has and reports
// [ErrLockBusy] to the error handler, once; its writes then try the lock
// again every few milliseconds without waiting, so that they are on the new
// file soon after the holder is done. The default is 100ms.
func WithLockTimeout(d time.Duration) Option {
	return func(c *config) {
		if d <= 0 {
			c.fail("WithLockTimeout(%v): the timeout must be positive", d)
			return
		}
		c.lockTimeout = d
	}
}

// WithClock replaces the clock the writer reads to decide which period a
// write belongs to; the default is [time.Now]. It exists for tests, and for
// programs that stamp each record themselves and want it filed by that
// very stamp (the slogrotate command does: its clock returns the stamp of
// the line being written). It is called from writing goroutines and from the
// writer's background goroutine, so it must be safe for concurrent use.
func WithClock(now func() time.Time) Option {
	return func(c *config) {
		if now == nil {
			c.fail("WithClock(nil): a clock function is required")
			return
		}
		c.clock, c.wallClock = now, false
	}
}

// WithErrorHandler sets the function that receives every error the writer
// meets after Open: failed writes, failed rollovers, a lock it could not
// get in time, failed compression or retention. It is called
// synchronously, from writing goroutines (with the Writer's internal mutex
// held) and from the background goroutine, so it must be safe for
// concurrent use and must not write to the same Writer. A nil function
// discards errors. The default prints to standard
// error, at most once a second, with a count of the errors it held back.
//
// It is the only place a [Handler]'s errors surface: [log/slog] drops the
// error a handler returns.
func WithErrorHandler(f func(error)) Option {
	return func(c *config) {
		if f == nil {
			f = func(error) {}
		}
		c.onError = f
	}
}

// WithMaxSize also rolls the file over when it reaches size bytes, within
// a period. Archives of one period are then numbered in the order they were
// made: error.log.2021-10-18, error.log.2021-10-18.1, .2, ...
//
// The size is the shared file's real size, read with fstat(2), not a count
// kept by one process. To keep system calls off the write path, a writer
// looks at the size after every size/16 bytes it has written itself and at
// each reopen check; a file can therefore grow past size by what the
// processes write between two looks.
func WithMaxSize(size int64) Option {
	return func(c *config) {
		if size <= 0 {
			c.fail("WithMaxSize(%d): the size must be positive", size)
			return
		}
		c.maxSize = size
	}
}

// WithMaxBackups keeps at most n archives: after a rollover, the oldest
// archives beyond n are deleted. Only files whose names this writer's
// naming produces are counted or deleted (error.log.notes and
// error.log.2021-10-18.bak never are). The cost: a sweep that deletes
// lists the archive directory first, so that an archive removed behind
// its back is not counted; at the limit, that is every sweep.
func WithMaxBackups(n int) Option {
	return func(c *config) {
		if n <= 0 {
			c.fail("WithMaxBackups(%d): the count must be positive", n)
			return
		}
		c.maxBackups = n
	}
}

// WithMaxAge deletes archives whose period ended more than d ago. The age
// comes from the period in the archive's name, not from its modification
// time, which copying or touching a file changes.
func WithMaxAge(d time.Duration) Option {
	return func(c *config) {
		if d <= 0 {
			c.fail("WithMaxAge(%v): the age must be positive", d)
			return
		}
		c.maxAge = d
	}
}

// WithMaxTotalSize deletes the oldest archives (by period, then index)
// until the archives of this log total at most bytes. Only files whose
// names this writer's naming produces are counted or deleted, each at its
// size on disk (the compressed size once compressed); the live file is not
// counted, nor a compressor's temporary file. It combines with
// [WithMaxBackups] and [WithMaxAge]: an archive is deleted when any of them
// says so.
//
// The limit is applied by the sweep after each rollover (and at Open). A
// sweep never deletes an archive within its grace period (twice
// [WithReopenCheck], plus the flush interval with [WithBuffer]: a writer
// may still append to it), and, so as never to leave a hole in the
// history, deletes nothing newer while an older archive that must go is
// waiting; it sweeps again when that grace period ends. So right after a
// sweep the archives can exceed bytes only while the oldest archive the
// limit would delete is still in its grace period. In a burst of size
// rollovers, that is the archives made in the last grace period: the total
// can overshoot bytes by what the processes write in that time, and, until
// the next sweep, by the archives made since the last one.
//
// The cost: one lstat(2) per archive per sweep, and a sort of the archives
// when they are over the limit, on the background goroutine of the process
// that sweeps.
func WithMaxTotalSize(bytes int64) Option {
	return func(c *config) {
		if bytes <= 0 {
			c.fail("WithMaxTotalSize(%d): the size must be positive", bytes)
			return
		}
		c.maxTotal = bytes
	}
}

// WithMinFreeSpace deletes the oldest archives (by period, then index)
// while the file system that holds the archives has less than bytes free,
// as free as an unprivileged user sees it (statfs(2)'s f_bavail on Unix,
// GetDiskFreeSpaceEx on Windows). The live file is never deleted, nor
// anything whose name this writer's naming does not produce. It is one
// selection with [WithMaxTotalSize], [WithMaxBackups] and [WithMaxAge]:
// an archive is deleted when any of them says so, and the space the
// others free counts towards the floor.
//
// Like WithMaxTotalSize it is applied by the sweep after each rollover
// (and at Open), oldest first, never deleting an archive within its grace
// period nor anything newer while an older one waits for its grace period
// to end. The sweep measures the free space once, then counts each
// deleted archive's size as freed rather than measuring again, so an
// archive whose space a reader still holds open does not make it delete
// more. When deleting every archive would still leave less than bytes
// free, the sweep deletes them all and reports that to the error handler
// ([WithErrorHandler]), once per sweep. Between rollovers nothing is deleted:
// the floor is not a guarantee that the disk never fills.
//
// Where the free space cannot be measured (Unix systems other than Linux,
// macOS, FreeBSD and DragonFly BSD), the option deletes nothing and the
// janitor reports that once.
func WithMinFreeSpace(bytes int64) Option {
	return func(c *config) {
		if bytes <= 0 {
			c.fail("WithMinFreeSpace(%d): the size must be positive", bytes)
			return
		}
		c.minFree = bytes
	}
}

// WithOwner gives the files and directories the writer creates the user
// uid and group gid, where the process may (root may give any; another
// user only a group it belongs to): the live file, whoever creates it and
// whenever (at Open, at each rollover), the lock files, the log's
// directory and the archive directory if Open creates them, and
// compressed archives. At Open it also gives them to the live file and
// the lock files already there. Archives are the live file renamed and
// keep its owner. Use it when a process running as root opens a log that
// workers running as another user share: without it, a file root creates
// is root's, and the workers may not be able to write it. On Windows the
// option is accepted and ignored.
//
// Without WithOwner, a new live file made at a rollover gets the owner of
// the file it replaces, where the process may, as logrotate's create and
// lumberjack do; a compressed archive gets the owner of its source. Only
// the live file made when there was none (the first one, or after an
// outside tool moved the file away) is the creating process's.
//
// A file is created first and then given its owner: for that moment the
// other users' processes may fail to open it, which they report and retry
// at their next write.
func WithOwner(uid, gid int) Option {
	return func(c *config) {
		if uid < 0 || gid < 0 {
			c.fail("WithOwner(%d, %d): user and group ids must not be negative", uid, gid)
			return
		}
		c.owner = fileOwner{uid: uid, gid: gid, set: true}
	}
}

// WithCompress gzips archives, in the background, once no writer can still
// append to them: twice the reopen-check interval (plus the flush interval
// with [WithBuffer]) after both their last write and their rename. One
// process at a time compresses; a compression cut short by a crash is
// redone by the next process that looks. It is
// WithCompressor(GzipCompressor(gzip.DefaultCompression)).
func WithCompress() Option {
	return WithCompressor(GzipCompressor(gzip.DefaultCompression))
}

// WithCompressor compresses archives with c, as [WithCompress] does with
// gzip: a compressed archive is named with c's extension appended
// (error.log.2021-10-18.zst). Archives already compressed with gzip (.gz)
// still count as archives, for retention and for the choice of a free
// archive name, so a switch from gzip to another compressor keeps them
// under the same rules; archives of any other earlier compressor do not.
// Every process writing one log must use the same compressor: a process
// does not recognise the extensions of the others.
//
// Open fails if comp is nil, if its extension is not a dot followed by
// letters, digits, '-', '_' or '+' (with more dots between parts, none of
// them digits only, which archive indexes use), if it ends in ".tmp" or
// ".lock" (the writer's temporary and lock files), if it makes the names of
// compressed and plain archives ambiguous under the archive layout, or if
// comp.NewWriter fails. Open calls NewWriter once to find out.
//
// The cost is the compressor's: CPU and memory on one background goroutine,
// in one process at a time.
func WithCompressor(comp Compressor) Option {
	return func(c *config) {
		if err := checkCompressor(comp); err != nil {
			c.fail("WithCompressor(%s): %w", compressorName(comp), err)
			return
		}
		c.compress, c.compressor = true, comp
	}
}

// WithKeepUncompressed leaves the newest n archives (by period, then index)
// uncompressed, as logrotate's delaycompress does, so that the most recent
// ones can be read with ordinary tools; older archives are compressed as
// usual. It has no effect without [WithCompress] or [WithCompressor], and
// n = 0 (the default) compresses every archive once complete. With
// [WithOnRotate], an archive is reported once compressed, so only when it
// is no longer among the newest n, and not at all if retention deletes it
// first. The cost: the sweep sorts the archives, n log n in their number.
func WithKeepUncompressed(n int) Option {
	return func(c *config) {
		if n < 0 {
			c.fail("WithKeepUncompressed(%d): the count must not be negative", n)
			return
		}
		c.keepPlain = n
	}
}

// WithOnRotate calls f with the path of each archive once it is complete:
// after the grace period in which late writes may still arrive, and after
// compression if it is on (the path then ends in the compressor's
// extension, .gz by default). It is meant for uploading or indexing
// archives.
//
// Across the processes of a log, f is called once per archive, in the
// order the archives were made, by whichever process holds the
// maintenance lock; f runs on that process's background goroutine, never
// on the write path, and may log, even through this Writer. A report
// owed when its process closes or dies is made by the next sweep in any
// process, or at the next start: the maintenance lock file records the
// newest archive reported, and is moved past an archive only once f has
// returned. So a process that dies while f runs leaves that archive to be
// reported again: at least once across a crash, exactly once otherwise;
// use the archive's path to make f idempotent.
//
// The costs: one call at a time across the log, holding the maintenance
// lock, so a slow f delays compression and retention (not writes or
// rollovers) in every process; a report waits for the archives made
// before it (one that cannot be compressed holds back the reports after
// it); and a report waits for a listing of the archive directory made
// after the archive, which the janitor makes for it at most a grace
// period after its last one (one listing per grace period, with
// thousands of archives more than it would list otherwise). A complete archive is reported before
// retention deletes it, in the same sweep; one that retention deletes
// before it is reported (with compression, before it is compressed, or
// while an older one holds the reports back) is not. The first process
// with f to open a log starts the record at the newest archive there:
// archives made before are not reported.
func WithOnRotate(f func(archive string)) Option {
	return func(c *config) { c.onRotate = f }
}

// WithBuffer batches records in memory, up to size bytes, and writes each
// batch with one system call. Every batch holds whole records, so records
// from different processes still never interleave, and a batch is written
// before every rollover, so each record still lands in the file of the
// period in which it was written.
//
// A batch is written when the next record would not fit, when the flush
// interval has passed since the oldest buffered record ([WithFlushInterval],
// also while the process is idle), at the end of the period (so that a
// follower of the live file sees every record), before a rollover, on [Writer.Flush],
// [Writer.Sync] and [Writer.Close], and, through a [Handler], right after
// any record at or above the flush level ([WithFlushLevel]). A record of
// size bytes or more bypasses the buffer.
//
// A file still empty at the end of its period is archived all the same
// (another process may hold records of that period in its buffer), and
// the archive is removed after the grace period if it stayed empty: on
// Linux by the next sweep of any process once the grace period has passed
// since its rename, elsewhere by a process that has watched it that long.
//
// The cost: a process that crashes loses the records still in its buffer,
// at most one flush interval's worth of records below the flush level. Use
// it where that is acceptable. size must be between 1 and MaxRecordSize.
// Each batch's write(2) has a fixed cost, so small buffers save less; 64 KiB
// is a good size for records of a few hundred bytes.
func WithBuffer(size int) Option {
	return func(c *config) {
		if size <= 0 || size > MaxRecordSize {
			c.fail("WithBuffer(%d): the size must be between 1 and MaxRecordSize (%d)", size, MaxRecordSize)
			return
		}
		c.bufSize = size
	}
}

// WithFlushInterval bounds how long a buffered record waits before it is
// written (see [WithBuffer]). The default is one second.
func WithFlushInterval(d time.Duration) Option {
	return func(c *config) {
		if d <= 0 {
			c.fail("WithFlushInterval(%v): the interval must be positive", d)
			return
		}
		c.flushEvery = d
	}
}

// WithFlushLevel sets the level at and above which a [Handler] over a
// buffered writer writes the buffer out right after the record, so that an
// error is in the file before the process can crash. The default is
// [slog.LevelError]. It costs one write(2) per such record; a logger that
// writes to the Writer directly rather than through a Handler does not
// flush by level.
func WithFlushLevel(level slog.Leveler) Option {
	return func(c *config) {
		if level == nil {
			c.fail("WithFlushLevel(nil): a level is required")
			return
		}
		c.flushLevel = level
	}
}

func (c *config) check(path string) error {
	if err := errors.Join(c.errs...); err != nil {
		return err
	}
	if path == "" {
		return errors.New("slogrotate: empty log file path")
	}
	if err := c.schedule.Err(); err != nil {
		return invalidOption(err)
	}
	if c.layout == "" {
		c.layout = c.schedule.Layout()
	}
	if err := validLayout(c.layout, c.schedule); err != nil {
		return invalidOption(err)
	}
	if err := c.setExtensions(filepath.Base(path)); err != nil {
		return invalidOption(err)
	}
	if c.lockPath == "" {
		c.lockPath, c.maintPath = lockPaths(path)
	} else {
		c.maintPath = maintLockPath(c.lockPath)
	}
	if c.archiveDir != "" && !filepath.IsAbs(c.archiveDir) {
		c.archiveDir = filepath.Join(filepath.Dir(path), c.archiveDir)
	}
	if err := c.checkHeader(); err != nil {
		return err
	}
	if c.onError == nil {
		c.onError = stderrReporter()
	}
	return nil
}

// stderrReporter prints errors to standard error, at most one line a
// second, so that a full disk does not turn into a flood of messages.
func stderrReporter() func(error) {
	var (
		mu      sync.Mutex
		last    time.Time
		dropped int
	)
	return func(err error) {
		mu.Lock()
		defer mu.Unlock()
		now := time.Now()
		if !last.IsZero() && now.Sub(last) < time.Second {
			dropped++
			return
		}
		last = now
		if dropped > 0 {
			fmt.Fprintf(os.Stderr, "%v (and %d more errors in the last second)\n", err, dropped)
			dropped = 0
			return
		}
		fmt.Fprintf(os.Stderr, "%v\n", err)
	}
}
