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
# Wine 8.0 work-around compiled into the test binary (std-lib overlay):
#   Go's os.RemoveAll (and so t.TempDir's cleanup and os.Root.Remove) first
#   tries NtSetInformationFile(FileDispositionInformationEx); Wine 8.0 answers
#   STATUS_NOT_IMPLEMENTED, which Go does not treat as "unsupported", so it
#   fails with "unlinkat <path>: Invalid function." instead of falling back
#   to the classic delete path that Wine supports.  We build with
#   -overlay pointing at a copy of GOROOT's internal/syscall/windows/
#   at_windows.go that adds STATUS_NOT_IMPLEMENTED to the fallback cases.
#   Real Windows (10 1607+) never takes that branch, so behaviour there is
#   unchanged.  WINE_NO_STD_PATCH=1 disables it.
#
# The test binary sees SLOGROTATE_UNDER_WINE=1 in its environment.
#
# Env: WINE_GO_BUILD_FLAGS  extra flags for `go test -c` (e.g. "-tags foo")
#      WINE_KEEP_EXE=1      keep the built .exe (path is printed)
#      WINE_NO_STD_PATCH=1  build without the std-lib overlay above
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=env.sh
. "$here/env.sh"

if [ $# -lt 1 ]; then
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d' >&2
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

# --- std-lib overlay (see header) ------------------------------------------
overlay_flag=()
if [ "${WINE_NO_STD_PATCH:-0}" != 1 ]; then
  goroot="$(go env GOROOT)"
  src="$goroot/src/internal/syscall/windows/at_windows.go"
  if [ -f "$src" ] && [ "$(grep -c 'STATUS_NOT_SUPPORTED:' "$src")" = 1 ]; then
    # Stable location (per Go version) so the build cache keeps hitting.
    odir="$WINEPREFIX/.slogrotate-go-overlay/$(go env GOVERSION)"
    if [ ! -f "$odir/overlay.json" ] || [ "$src" -nt "$odir/overlay.json" ]; then
      mkdir -p "$odir"
      sed 's|STATUS_NOT_SUPPORTED:|STATUS_NOT_SUPPORTED, NTStatus(0xC0000002) /* STATUS_NOT_IMPLEMENTED: Wine 8 */ :|' \
        "$src" >"$odir/at_windows.go.tmp.$$"
      mv -f "$odir/at_windows.go.tmp.$$" "$odir/at_windows.go"
      printf '{"Replace":{"%s":"%s"}}\n' "$src" "$odir/at_windows.go" >"$odir/overlay.json.tmp.$$"
      mv -f "$odir/overlay.json.tmp.$$" "$odir/overlay.json"
    fi
    overlay_flag=(-overlay="$odir/overlay.json")
  elif grep -q 'STATUS_NOT_IMPLEMENTED' "$src" 2>/dev/null; then
    : # this Go already falls back on STATUS_NOT_IMPLEMENTED
  else
    echo "run-windows-tests: warning: cannot patch $src; os.RemoveAll may fail under Wine" >&2
  fi
fi

# shellcheck disable=SC2086  # WINE_GO_BUILD_FLAGS is a word list on purpose
GOOS=windows GOARCH=amd64 CGO_ENABLED=0 \
  go test -c "${overlay_flag[@]}" ${WINE_GO_BUILD_FLAGS:-} -o "$exe" "$pkg"
if [ ! -f "$exe" ]; then
  # `go test -c` writes nothing for a package without test files.
  echo "run-windows-tests: $pkg has no test files; nothing to run"
  exit 0
fi
[ "${WINE_KEEP_EXE:-0}" = 1 ] && echo "run-windows-tests: kept $exe" >&2

cd "$pkgdir"
# Lets a test tell it runs under Wine (Wine passes the Unix environment on).
# A test can also probe ntdll.dll for the export "wine_get_version".
export SLOGROTATE_UNDER_WINE=1
set +e
if [ -t 1 ] || [ -t 2 ]; then
  # Wine 8 drives a tty stdout/stderr through its console emulation, which
  # sprinkles ANSI cursor codes (ESC[?25l ... ESC[K) into the output.
  # Interactive use: merge stderr into stdout and pipe it so the text is
  # clean.  (CI, where neither is a tty, takes the plain branch below.)
  wine "$exe" "$@" </dev/null 2>&1 | cat
  rc=${PIPESTATUS[0]}
else
  wine "$exe" "$@" </dev/null
  rc=$?
fi
exit "$rc"
