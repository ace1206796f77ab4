module github.com/slogrotate/slogrotate

go 1.26.8

require (
	github.com/gofrs/flock v0.13.2
	golang.org/x/sys v0.50.0
)
