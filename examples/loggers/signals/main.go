// Command signals logs a line every 100ms into a rotating file and follows
// the usual log-file signals with slogrotate.HandleSignals:
//
//	go run ./signals -log /tmp/app/app.log &
//	kill -HUP  $!     # archive app.log now (app.log.YYYY-MM-DD)
//	mv /tmp/app/app.log /tmp/app/app.log.moved
//	kill -USR1 $!     # reopen: write to a new app.log at once
//	kill $!           # stop
//
// Sending SIGHUP to every process that shares the log archives it once:
// the first to handle it renames the file, the others find it gone and only
// reopen. SIGUSR1 is what a logrotate postrotate script sends after moving
// the file; without it the writers notice the move within the reopen-check
// interval (slogrotate.WithReopenCheck, one second by default).
//
// On Windows HandleSignals does nothing; the program still runs.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/slogrotate/slogrotate"
)

func main() {
	path := flag.String("log", filepath.Join(os.TempDir(), "slogrotate-signals", "app.log"), "log file")
	flag.Parse()

	w, err := slogrotate.Open(*path)
	if err != nil {
		log.Fatal(err)
	}
	defer w.Close()
	// Stop handling the signals before the deferred Close.
	stop := slogrotate.HandleSignals(w, func(err error) {
		fmt.Fprintln(os.Stderr, "signals:", err)
	})
	defer stop()

	logger := slog.New(slogrotate.NewJSONHandler(w, nil))
	pid := os.Getpid()
	fmt.Fprintf(os.Stderr, "pid %d logging to %s\n  kill -HUP %d  rotates\n  kill -USR1 %d reopens\n  kill %d  stops\n",
		pid, *path, pid, pid, pid)

	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for n := 0; ; n++ {
		select {
		case <-ctx.Done():
			logger.Info("stopping", "records", n)
			return
		case <-tick.C:
			logger.Info("tick", "n", n, "pid", pid)
		}
	}
}
