module github.com/slogrotate/slogrotate/benchmarks

go 1.26

replace github.com/slogrotate/slogrotate => ../

require (
	github.com/DeRuina/timberjack v1.4.10
	github.com/slogrotate/slogrotate v0.0.0
	gopkg.in/natefinch/lumberjack.v2 v2.2.1
)

require (
	github.com/gofrs/flock v0.13.0 // indirect
	github.com/klauspost/compress v1.18.7 // indirect
	golang.org/x/sys v0.38.0 // indirect
)
