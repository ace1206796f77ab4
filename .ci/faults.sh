#!/usr/bin/env bash
# Fault checks of issue 8 that do not fit the ordinary test run: each fuzz
# target for a bounded time, then the chaos soak. (The fault tests
# themselves, faults_*_test.go, run with the ordinary `go test`; as root they
# also mount a small tmpfs and run writers as uid 65534, otherwise they
# skip saying why.) Called from .ci/run; run by hand as `bash .ci/faults.sh`.
#
#   FUZZTIME  how long each fuzz target runs (default 10s)
#   SOAK      how long the chaos soak runs, once with unbuffered writers and
#             once with 64 KiB buffers (default 60s each)
set -euo pipefail
cd "$(dirname "$0")/.."
export GOFLAGS=-mod=mod
FUZZTIME=${FUZZTIME:-10s}
SOAK=${SOAK:-60s}

step() { printf '\n== %s\n' "$*"; }

for target in FuzzSchedule FuzzParseArchive FuzzParseState; do
  step "fuzz $target for $FUZZTIME"
  # A failing input is written to testdata/fuzz/$target/ and fails the run.
  go test -run '^$' -fuzz "^${target}\$" -fuzztime "$FUZZTIME" .
done

step "chaos soak for $SOAK (8 writers, SIGKILL every few hundred ms, an outside mover)"
SLOGROTATE_SOAK=$SOAK go test -race -count=1 -timeout 30m -run '^TestChaosSoak$' -v . |
  grep -Ev '^=== (RUN|PAUSE|CONT)'

step "chaos soak for $SOAK with 64 KiB buffers and two archives uncompressed (a killed writer's cut batch must not glue onto the next)"
SLOGROTATE_SOAK=$SOAK SLOGROTATE_SOAK_BUFFER=65536 go test -race -count=1 -timeout 30m -run '^TestChaosSoak$' -v . |
  grep -Ev '^=== (RUN|PAUSE|CONT)'
