#!/usr/bin/env bash
# .ci/cmd.sh [install|test]
#
# The command cmd/slogrotate and the servers its end-to-end tests drive:
# Debian's uwsgi with its Python 3 plugin (TestUwsgi).
#   install  installs uwsgi-core and uwsgi-plugin-python3 with apt-get if
#            uwsgi or its python3 plugin is missing (quiet, idempotent)
#   test     vets the command's module and runs its tests with -race (they
#            build the binary themselves)
# The command is its own module (cmd/slogrotate/go.mod, for zstd); its
# go.work builds it against this repository's library. Workspace mode
# refuses GOFLAGS=-mod=mod, which .ci/run sets for the root module.
# Without an argument: both. Set SLOGROTATE_REQUIRE_UWSGI=1 to make
# TestUwsgi fail rather than skip when uwsgi is missing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

have_uwsgi() {
  command -v uwsgi >/dev/null 2>&1 && [ -e /usr/lib/uwsgi/plugins/python3_plugin.so ]
}

mode=${1:-all}
case $mode in all|install|test) ;; *) echo "usage: $0 [install|test]" >&2; exit 64 ;; esac

if [ "$mode" != test ] && ! have_uwsgi; then
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "cmd.sh: uwsgi is missing and apt-get cannot install it here; TestUwsgi will skip" >&2
  else
    out=$(mktemp)
    if ! { apt-get update -qq &&
           DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends uwsgi-core uwsgi-plugin-python3; } >"$out" 2>&1; then
      cat "$out" >&2
      rm -f "$out"
      exit 1
    fi
    rm -f "$out"
  fi
fi

if [ "$mode" != install ]; then
  cd cmd/slogrotate
  GOFLAGS= go vet ./...
  GOFLAGS= go test -race -count=1 -timeout 10m ./...
fi
