module github.com/slogrotate/slogrotate/examples/loggers

go 1.26.0

require github.com/slogrotate/slogrotate v0.0.0

replace github.com/slogrotate/slogrotate => ../..
