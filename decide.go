package slogrotate

import "time"

// decide.go holds the decision of the rollover protocol: the facts a
// rollover gathers, the plan it makes of them, and decide, the pure
// function from one to the other. rollover.go carries plans out.

// Why a rollover is attempted.
type reason int

const (
	scheduled reason = iota // the period ended, or the file must be reopened
	opening                 // Open: as scheduled, with no file open yet
	forced                  // Rotate was called
	sized                   // the file reached WithMaxSize
)

// facts is what a rollover knows when it decides.
type facts struct {
	why reason
	cur time.Time // the period the clock is in

	state sharedState // what the lock file says, if known
	known bool

	live        fileInfo // the file at the path, if exists
	exists      bool
	mtimePeriod time.Time // the period in which live was last written

	own       fileID // the file this writer has open, if open
	open      bool
	ownLinked bool      // own still has a name (retention has not removed it)
	ownPeriod time.Time // the period this writer holds own for

	maxSize  int64 // WithMaxSize, or 0
	buffered bool  // WithBuffer: processes may hold records not yet written
	// headerOnly: the live file holds the header (WithHeader) and nothing
	// else, which makes it as empty as a file of no bytes.
	headerOnly bool
}

// An action is what a rollover does to the files.
type action int

const (
	keep        action = iota // w.f is the live file: nothing to open
	adopt                     // open the file at the path, creating it if there is none
	archiveLive               // archive the live file, then open a new one
	writeOn                   // a later period's file is live: write on into w.f, its archive
)

// A plan is the decision of a rollover: an action, and the state the
// processes share once it is carried out.
type plan struct {
	act action
	// For archiveLive: the period the live file holds, and the first
	// archive index that may be free for it.
	archived  time.Time
	fromIndex int
	// The period the live file holds afterwards, and the first archive
	// index that may be free for that period.
	period    time.Time
	freeIndex int
}

// decide is the protocol's decision. It has no side effects: the locked
// rollover and the lock-free follow both ask it, so the shortcut is the
// locked protocol's own conclusion.
func decide(f facts) plan {
	if !f.exists {
		return plan{act: adopt, period: f.cur}
	}
	// Which period does the live file hold? The shared state says, if it
	// speaks of this very file. Otherwise the file was put there behind
	// the protocol's back (by an outside tool, or by a process that died
	// before it could record it): its last write dates it, and an empty
	// one (or one with only the header) belongs to the current period.
	hasRecords := f.live.size > 0 && !f.headerOnly
	period, free := f.cur, 0
	switch {
	case f.known && f.state.id == f.live.id:
		period, free = f.state.period, f.state.freeIndex
	case hasRecords:
		period = f.mtimePeriod
	}
	if period.After(f.cur) && f.open && f.ownPeriod.Equal(f.cur) && f.own != f.live.id && f.ownLinked {
		// Another process whose clock read came after this writer's has
		// rolled over. The file this writer holds is the archive of its
		// write's period, where the write belongs; the later file is
		// neither archived nor relabelled. (If that archive is gone, or
		// the writer holds the later file itself, the write can only go
		// to the later file.)
		return plan{act: writeOn}
	}
	// Archive if the period is over, if Rotate asked and nobody beat this
	// writer to it, or if the file is over the size limit (its real size,
	// which every process writes). An empty file is not archived, so idle
	// periods leave no empty archives; but with buffers, another process
	// may still hold records of the period that is over, which it writes
	// into this file before its own rollover: the file is archived, and the
	// janitor removes the archive once no writer can append to it if it is
	// still empty.
	stale := period.Before(f.cur)
	early := f.why == forced && (!f.open || f.live.id == f.own) ||
		f.maxSize > 0 && f.live.size >= f.maxSize
	if (hasRecords || f.buffered && stale) && (stale || early) {
		return plan{act: archiveLive, archived: period, fromIndex: free, period: f.cur}
	}
	if stale {
		period, free = f.cur, 0
	}
	if f.open && f.live.id == f.own {
		return plan{act: keep, period: period, freeIndex: free}
	}
	return plan{act: adopt, period: period, freeIndex: free}
}

// reopened is p once the file to archive is gone from the path, archived
// by this rollover or moved away by someone else: whatever is at the path
// then is opened as the current period's. If the archive was of that
// period too (a size rollover, Rotate), the first index that may be free
// for it is free.
func (p plan) reopened(free int) plan {
	p.act, p.freeIndex = adopt, 0
	if p.archived.Equal(p.period) {
		p.freeIndex = free
	}
	return p
}

// state is the shared state once p is carried out and id is the live file.
func (p plan) state(id fileID) sharedState {
	return sharedState{period: p.period, id: id, freeIndex: p.freeIndex}
}
