#!/usr/bin/env bash
# .ci/integration.sh [install|modules]
#
# The integration tests against the real programs a shared log lives with
# (issue 5): Debian's logrotate, GNU tail -F, rsyslog's imfile as a log
# shipper, the OpenTelemetry Collector's file consumer (module
# integration/), and zap, zerolog, log and slog writing into one file
# (module examples/loggers/); and zstd plugged in as the compressor
# (module examples/zstd/).
#
# Installs logrotate and rsyslog with apt-get if they are missing (GNU
# tail comes with coreutils), then runs the tests: the root module's
# (TestLogrotate, TestTailFollower, TestRsyslogImfile, the signal tests)
# and the nested modules'. TestRsyslogImfile starts its own rsyslogd with
# its own configuration; whether the package's install starts the
# system's daemon is the host's policy and does not matter to the test.
#   install  only installs (for a CI that runs the root module's tests
#            itself, e.g. with -race: run this before them)
#   modules  only runs the nested modules' tests (installs nothing)
# Idempotent; prints nothing but go test's result lines, and the full
# output of whatever fails.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

have_logrotate() {
  command -v logrotate >/dev/null 2>&1 || [ -x /usr/sbin/logrotate ] || [ -x /sbin/logrotate ]
}

have_rsyslog() {
  command -v rsyslogd >/dev/null 2>&1 || [ -x /usr/sbin/rsyslogd ]
}

mode=${1:-all}
case $mode in all|install|modules) ;; *) echo "usage: $0 [install|modules]" >&2; exit 64 ;; esac

missing=()
have_logrotate || missing+=(logrotate)
have_rsyslog || missing+=(rsyslog)
if [ "$mode" != modules ] && [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "integration.sh: missing ${missing[*]}, and apt-get cannot install it here; TestLogrotate or TestRsyslogImfile will skip" >&2
  else
    out=$(mktemp)
    if ! { apt-get update -qq &&
           DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >"$out" 2>&1; then
      cat "$out" >&2
      rm -f "$out"
      echo "integration.sh: installing ${missing[*]} failed" >&2
      exit 1
    fi
    rm -f "$out"
  fi
fi

[ "$mode" = install ] && exit 0

if [ "$mode" = all ]; then
  # The root module's integration tests: logrotate, tail -F, rsyslog, signals.
  go test -count=1 -timeout 5m \
    -run '^(TestLogrotate|TestTailFollower|TestRsyslogImfile|TestHandleSignals.*|TestSignalsAcrossProcesses)$' .
fi
# Other loggers into one file (its own module: zap, zerolog).
(cd examples/loggers && go vet ./... && go test -count=1 -timeout 5m ./...)
# A compressor other than gzip: zstd (its own module: klauspost/compress).
(cd examples/zstd && go vet ./... && go test -count=1 -timeout 5m ./...)
# The OpenTelemetry Collector's file consumer (its own module: a large graph).
(cd integration && go vet ./... && go test -count=1 -timeout 5m ./...)
