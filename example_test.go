package slogrotate_test

import (
	"fmt"
	"log"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/slogrotate/slogrotate"
)

// A log shared by every worker process of a service, rolled over at local
// midnight, written through slog.
func ExampleNewJSONHandler() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)

	w, err := slogrotate.Open(filepath.Join(dir, "error.log"),
		slogrotate.WithSchedule(slogrotate.Daily()),
	)
	if err != nil {
		log.Fatal(err)
	}
	defer w.Close()
	logger := slog.New(slogrotate.NewJSONHandler(w, &slog.HandlerOptions{Level: slog.LevelWarn}))
	logger.Error("payment failed", "order", 1234)

	data, _ := os.ReadFile(filepath.Join(dir, "error.log"))
	fmt.Println(len(data) > 0)
	// Output: true
}

// The Writer alone, for loggers that take an io.Writer. Each Write must be
// one whole record.
func ExampleOpen() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)

	w, err := slogrotate.Open(filepath.Join(dir, "access.log"),
		slogrotate.WithSchedule(slogrotate.Every(15*time.Minute)),
		slogrotate.WithLocation(time.UTC),
	)
	if err != nil {
		log.Fatal(err)
	}
	defer w.Close()
	std := log.New(w, "", 0)
	std.Println("GET /healthz 200")

	data, _ := os.ReadFile(w.Path())
	fmt.Print(string(data))
	// Output: GET /healthz 200
}

// Archive names follow the schedule's granularity.
func ExampleSchedule_Layout() {
	t := time.Date(2021, 10, 18, 13, 45, 0, 0, time.UTC)
	for _, s := range []slogrotate.Schedule{slogrotate.Daily(), slogrotate.Hourly(), slogrotate.Every(15 * time.Minute)} {
		start, _ := s.Period(t, time.UTC)
		fmt.Println("error.log." + start.Format(s.Layout()))
	}
	// Output:
	// error.log.2021-10-18
	// error.log.2021-10-18T13
	// error.log.2021-10-18T13-45
}
