module github.com/slogrotate/slogrotate/cmd/slogrotate

go 1.25.0

require (
	github.com/klauspost/compress v1.20.4
	github.com/slogrotate/slogrotate v0.0.0-20261201222627-5c9ae96415ed
	golang.org/x/sys v0.38.0
)

require (
	github.com/gofrs/flock v0.13.0 // indirect
)
