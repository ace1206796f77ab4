//go:build unix

package slogrotate

import (
	"os"
	"os/signal"
	"sync"
	"syscall"
)

// signal_unix.go: SIGHUP and SIGUSR1 on Unix; see HandleSignals.

func handleSignals(w *Writer, done func(os.Signal, error)) (stop func()) {
	ch := make(chan os.Signal, 4)
	quit := make(chan struct{})
	exited := make(chan struct{})
	signal.Notify(ch, syscall.SIGHUP, syscall.SIGUSR1)
	go func() {
		defer close(exited)
		for {
			select {
			case <-quit:
				return
			case sig := <-ch:
				var err error
				switch sig {
				case syscall.SIGHUP:
					err = w.Rotate()
				case syscall.SIGUSR1:
					err = w.Reopen()
				}
				done(sig, err)
			}
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() {
			signal.Stop(ch)
			close(quit)
			<-exited
		})
	}
}
