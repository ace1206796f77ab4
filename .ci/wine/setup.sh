#!/usr/bin/env bash
# .ci/wine/setup.sh - prepare this Debian 12 machine to run Go Windows test
# binaries (GOOS=windows go test -c) under Wine.  Idempotent: a second run
# only verifies and exits in ~1 s.
#
#   1. apt-get installs wine + wine64 (Wine 8.0) and the mingw-w64 C compiler
#      (no recommends: no fonts, GStreamer, Mesa ... needed for console .exe)
#   2. builds bcryptprimitives.dll from bcryptprimitives.c (see that file)
#   3. creates a headless 64-bit Wine prefix ($WINEPREFIX, default
#      ~/.wine-slogrotate) and puts the DLL into its system32
#
# Env: SLOGROTATE_WINEPREFIX  prefix location (an ambient WINEPREFIX is
#                              ignored on purpose, see env.sh)
#      WINE_SETUP_FORCE=1      rebuild the prefix from scratch
set -euo pipefail

# shellcheck source=env.sh
. "$(dirname "${BASH_SOURCE[0]}")/env.sh"

log() { printf '[wine-setup] %s\n' "$*" >&2; }
t0=$SECONDS

# --- 1. packages -----------------------------------------------------------
pkgs=(wine wine64 gcc-mingw-w64-x86-64)
missing=()
for p in "${pkgs[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
if ((${#missing[@]})); then
  SUDO=()
  if [ "$(id -u)" -ne 0 ]; then SUDO=(sudo -n); fi
  log "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt_log="$(mktemp)"
  # Quiet on success; the full apt output is shown if anything fails.
  if ! { "${SUDO[@]}" apt-get update -qq \
         && "${SUDO[@]}" apt-get install -y -qq --no-install-recommends \
              -o Dpkg::Use-Pty=0 "${missing[@]}"; } >"$apt_log" 2>&1; then
    cat "$apt_log" >&2; rm -f "$apt_log"
    log "apt-get failed"; exit 1
  fi
  rm -f "$apt_log"
  log "packages installed ($((SECONDS - t0)) s)"
fi
command -v wine >/dev/null || { log "wine not on PATH after install"; exit 1; }
command -v x86_64-w64-mingw32-gcc >/dev/null || { log "x86_64-w64-mingw32-gcc missing"; exit 1; }

# --- 2. bcryptprimitives.dll shim -------------------------------------------
build_dir="$(mktemp -d)"
trap 'rm -rf "$build_dir"' EXIT
dll="$build_dir/bcryptprimitives.dll"
# -nostdlib + explicit entry point: no CRT, imports only advapi32.
# No timestamp + fixed image base => byte-identical output, so the cmp below
# makes re-runs a no-op.
x86_64-w64-mingw32-gcc -O2 -Wall -Wextra -Werror -shared -s -nostdlib \
  -Wl,-e,DllMain -Wl,--no-insert-timestamp -Wl,--image-base,0x180000000 \
  -o "$dll" "$SLOGROTATE_WINE_DIR/bcryptprimitives.c" -ladvapi32 -lkernel32

# --- 3. Wine prefix ----------------------------------------------------------
sys32="$WINEPREFIX/drive_c/windows/system32"
# Only ever delete a prefix this script created (marked .slogrotate-init).
ours() { [ ! -e "$WINEPREFIX" ] || [ -e "$WINEPREFIX/.slogrotate-init" ]; }
if [ "${WINE_SETUP_FORCE:-0}" = 1 ] && [ -e "$WINEPREFIX/.slogrotate-ready" ]; then
  log "WINE_SETUP_FORCE=1: rebuilding $WINEPREFIX"
  rm -f "$WINEPREFIX/.slogrotate-ready"
fi
# A prefix is complete once wineboot has written system.reg and the
# (builtin) kernel32 placeholder; a half-made one is rebuilt.
if [ ! -f "$WINEPREFIX/system.reg" ] || [ ! -f "$sys32/kernel32.dll" ] \
   || [ ! -f "$WINEPREFIX/.slogrotate-ready" ]; then
  if ! ours; then
    log "$WINEPREFIX exists but was not created by $0; not touching it."
    log "Remove it or point SLOGROTATE_WINEPREFIX elsewhere."
    exit 1
  fi
  log "initialising Wine prefix $WINEPREFIX"
  wineserver -k 2>/dev/null || true
  rm -rf "$WINEPREFIX"
  mkdir -p "$WINEPREFIX"
  touch "$WINEPREFIX/.slogrotate-init"
  # -i: init new prefix.  Works without X (the "updating configuration"
  # window is simply not shown); stdin from /dev/null so nothing can prompt.
  # Its (harmless) complaints -- "it looks like wine32 is missing",
  # "failed to open L"C:\\windows\\syswow64\\rundll32.exe": c0000135",
  # nodrv_CreateWindow -- are discarded.
  wineboot -i </dev/null >/dev/null 2>&1 || true
  wineserver -w
  if [ ! -f "$WINEPREFIX/system.reg" ] || [ ! -f "$sys32/kernel32.dll" ]; then
    log "wineboot did not initialise $WINEPREFIX"; exit 1
  fi
  touch "$WINEPREFIX/.slogrotate-ready"
  log "prefix ready ($((SECONDS - t0)) s)"
fi

if ! cmp -s "$dll" "$sys32/bcryptprimitives.dll"; then
  install -m 0644 "$dll" "$sys32/bcryptprimitives.dll"
  log "installed $sys32/bcryptprimitives.dll"
fi

log "ok: $(wine --version) prefix=$WINEPREFIX ($((SECONDS - t0)) s)"
