# shellcheck shell=bash
# Common Wine environment for .ci/wine/*.sh.  Source it; do not execute it.
# Every variable can be overridden from the caller's environment.

# Dedicated 64-bit prefix, separate from any ~/.wine a developer may have.
# Deliberately NOT taken from an ambient $WINEPREFIX (that may be someone's
# real prefix); override with SLOGROTATE_WINEPREFIX.
export WINEPREFIX="${SLOGROTATE_WINEPREFIX:-${HOME:-/root}/.wine-slogrotate}"
export WINEARCH=win64
# Silence Wine's fixme:/err: chatter (it goes to stderr and would be mixed
# into test output).  Set WINEDEBUG=err+all,fixme+all to debug Wine itself.
export WINEDEBUG="${WINEDEBUG:--all}"
# Never offer to download/install Mono (mscoree) or Gecko (mshtml): those
# prompts are GUI dialogs that would hang or fail without a display.
export WINEDLLOVERRIDES="${WINEDLLOVERRIDES:-mscoree,mshtml=}"
# Headless: make sure Wine never tries to talk to an X server even if the
# caller has DISPLAY set (wine's "nodrv" fallback is used instead).
unset DISPLAY WAYLAND_DISPLAY

SLOGROTATE_WINE_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export SLOGROTATE_WINE_DIR
