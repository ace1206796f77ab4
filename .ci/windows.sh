#!/usr/bin/env bash
# .ci/windows.sh - the root package's tests as a windows/amd64 binary under
# Wine 8.0 (see .ci/wine/README.md). .ci/run calls it; it also runs alone:
#
#   bash .ci/windows.sh
#
# Quiet on success but for a summary: the count of tests, the time, and
# every skipped test with its reason (the points where Wine differs from
# Windows are skips that say so, never silent passes; docs/platforms.md
# lists them). On failure it prints the whole test output and exits 1.
# Extra arguments go to the test binary (e.g. -test.run 'TestWindows').
set -euo pipefail
cd "$(dirname "$0")/.."

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
t0=$SECONDS

if ! .ci/wine/setup.sh >"$log" 2>&1; then
  cat "$log" >&2
  echo "windows: Wine setup failed" >&2
  exit 1
fi

if ! .ci/wine/run-windows-tests.sh . -test.v -test.timeout 10m "$@" >"$log" 2>&1; then
  cat "$log"
  echo "FAIL  windows/amd64 under Wine ($((SECONDS - t0)) s)"
  exit 1
fi
if ! grep -q '^PASS$' "$log"; then
  cat "$log"
  echo "FAIL  windows/amd64 under Wine: no PASS line ($((SECONDS - t0)) s)"
  exit 1
fi

# Summary. A skip's reason is the last line the test logged before its
# result: attribute log lines to the test last started or continued.
awk -v secs="$((SECONDS - t0))" -v wine="$(wine --version 2>/dev/null)" '
  /^=== (RUN|CONT) / { cur = $3; next }
  /^ +[A-Za-z0-9_]+\.go:[0-9]+: / { line = $0; sub(/^ +/, "", line); reason[cur] = line; next }
  /^ *--- PASS: / { pass++; next }
  /^ *--- SKIP: / { skip++; name = $3; skips[skip] = name ": " reason[name]; next }
  END {
    printf "ok    windows/amd64 under %s: %d passed, %d skipped (%d s)\n", wine, pass, skip, secs
    for (i = 1; i <= skip; i++) {
      s = skips[i]
      if (length(s) > 200) s = substr(s, 1, 197) "..."
      print "  skip " s
    }
  }' "$log"
