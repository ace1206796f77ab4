module github.com/slogrotate/slogrotate/examples/zstd

go 1.26.0

require github.com/slogrotate/slogrotate v0.0.0

require (
	github.com/gofrs/flock v0.13.0 // indirect
	github.com/klauspost/compress v1.20.4
	golang.org/x/sys v0.38.0 // indirect
)

replace github.com/slogrotate/slogrotate => ../..
