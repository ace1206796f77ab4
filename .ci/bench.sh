#!/usr/bin/env bash
# Keeps the benchmarks from rotting: builds and vets the benchmarks module,
# runs its tests, every benchmark once, and a tiny multi-process throughput
# run. It measures nothing worth reading; docs/performance.md says how to
# measure. Called from .ci/run; takes about a minute.
set -euo pipefail
cd "$(dirname "$0")/../benchmarks"

step() { printf '\n== %s\n' "$*"; }

step "benchmarks: gofmt, go vet"
unformatted=$(gofmt -l .)
if [ -n "$unformatted" ]; then
  echo "gofmt would change:"; echo "$unformatted"; exit 1
fi
go vet ./...

step "benchmarks: tests (a 1 MiB record stays whole)"
go test -count=1 ./...

step "benchmarks: each benchmark once"
out=$(mktemp)
trap 'rm -f "$out"' EXIT
go test -run '^$' -bench . -benchmem -benchtime=1x ./... | tee "$out"
go run ./cmd/benchratio < "$out" > /dev/null

step "benchmarks: tiny multi-process throughput run"
go run ./cmd/throughput -n 1,2 -m 200 -d 1100ms -writers bare,lumberjack,timberjack,slogrotate,slogrotate-buffered,discard -q
