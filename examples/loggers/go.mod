module github.com/slogrotate/slogrotate/examples/loggers

go 1.26.0

require (
	github.com/rs/zerolog v1.35.1
	github.com/slogrotate/slogrotate v0.0.0
	go.uber.org/zap v1.28.0
)

require (
	github.com/gofrs/flock v0.13.0 // indirect
	github.com/mattn/go-colorable v0.1.14 // indirect
	github.com/mattn/go-isatty v0.0.20 // indirect
	go.uber.org/multierr v1.10.0 // indirect
	golang.org/x/sys v0.38.0 // indirect
)

replace github.com/slogrotate/slogrotate => ../..
