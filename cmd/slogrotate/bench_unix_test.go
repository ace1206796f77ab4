//go:build unix

package main

import (
	"os"
	"syscall"
)

// voluntarySwitches is how often the finished process gave up the
// processor before its time slice ended, all its threads counted.
func voluntarySwitches(p *os.ProcessState) int64 {
	if ru, ok := p.SysUsage().(*syscall.Rusage); ok {
		return int64(ru.Nvcsw)
	}
	return 0
}
