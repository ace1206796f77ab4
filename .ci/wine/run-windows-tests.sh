#!/usr/bin/env bash
# .ci/wine/run-windows-tests.sh PKGDIR [test-binary flags...]
#
# Cross-compiles the tests of one package for windows/amd64 and runs the
# test binary under Wine, e.g. (from the module root):
#
#   .ci/wine/run-windows-tests.sh . -test.v -test.run 'TestRotate' -test.timeout 10m
#   .ci/wine/run-windows-tests.sh ./internal/lock -test.count=1
#
# Flags are passed to the test binary verbatim, so use the -test.X spelling
# (-test.v, -test.run, -test.timeout, -test.count ...).
# The binary runs with the package directory as its working directory, as
# under `go test`.  Exit status is the test binary's (0 = pass, 1 = test
# failure, 2 = panic/timeout ...); build failures exit non-zero too.
# Runs setup.sh first if the Wine prefix is not ready.
#
# Env: WINE_GO_BUILD_FLAGS  extra flags for `go test -c` (e.g. "-tags foo")
#      WINE_KEEP_EXE=1      keep the built .exe (path is printed)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=env.sh
. "$here/env.sh"

if [ $# -lt 1 ]; then
  sed -n '2,20p' "${BASH_SOURCE[0]}" >&2
  exit 64
fi
pkgdir="$1"; shift
case "$pkgdir" in
  /*|./*|../*|.) pkg="$pkgdir" ;;
  *) pkg="./$pkgdir" ;;
esac
[ -d "$pkgdir" ] || { echo "run-windows-tests: no such directory: $pkgdir" >&2; exit 64; }

if ! command -v wine >/dev/null \
   || [ ! -f "$WINEPREFIX/.slogrotate-ready" ] \
   || [ ! -f "$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll" ]; then
  "$here/setup.sh"
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/wine-gotest.XXXXXX")"
if [ "${WINE_KEEP_EXE:-0}" != 1 ]; then trap 'rm -rf "$work"' EXIT; fi
exe="$work/$(basename "$(cd "$pkgdir" && pwd)").test.exe"

# shellcheck disable=SC2086  # WINE_GO_BUILD_FLAGS is a word list on purpose
GOOS=windows GOARCH=amd64 CGO_ENABLED=0 \
  go test -c ${WINE_GO_BUILD_FLAGS:-} -o "$exe" "$pkg"
if [ ! -f "$exe" ]; then
  # `go test -c` writes nothing for a package without test files.
  echo "run-windows-tests: $pkg has no test files; nothing to run"
  exit 0
fi
[ "${WINE_KEEP_EXE:-0}" = 1 ] && echo "run-windows-tests: kept $exe" >&2

set +e
( cd "$pkgdir" && wine "$exe" "$@" </dev/null )
rc=$?
set -e
exit "$rc"
