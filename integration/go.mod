module github.com/slogrotate/slogrotate/integration

go 1.26.0

require github.com/slogrotate/slogrotate v0.0.0

require github.com/open-telemetry/opentelemetry-collector-contrib/pkg/stanza v0.165.1 // indirect

replace github.com/slogrotate/slogrotate => ../
