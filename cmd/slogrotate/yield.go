package main

import (
	"runtime"
	"time"
)

// A yielder lets the copying goroutine pass through Go's scheduler every
// few milliseconds, which the copy loop otherwise never does: it goes from
// one system call to the next (read, write) without ever blocking in Go's
// sense.
//
// Go's runtime monitor (sysmon) treats a goroutine that has not been
// through the scheduler for 10 ms as one to preempt. One inside a system
// call cannot be preempted, so the monitor takes its P away instead, and
// the thread must get a P back when the call returns; since the copy loop
// is in system calls nearly all the time, that happened again and again,
// with the monitor waking every few tens of microseconds. Copying
// 450 MB of 150-byte lines (BenchmarkVersusCat) made about 1,500
// voluntary context switches a run; with a yield every yieldEvery, about
// 230, and about 4% less CPU time. A yield costs a few microseconds: the
// goroutine may move to another thread.
type yielder struct{ last time.Time }

// yieldEvery is well under the monitor's 10 ms, with room for a read and
// a write in between.
const yieldEvery = 5 * time.Millisecond

// maybe yields if yieldEvery has passed since the last yield.
func (y *yielder) maybe() {
	if now := time.Now(); now.Sub(y.last) >= yieldEvery {
		runtime.Gosched()
		y.last = now
	}
}
