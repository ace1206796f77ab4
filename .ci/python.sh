#!/usr/bin/env bash
# .ci/python.sh [install|test]
#
# The Python package python/ (issue 18) and the stack its tests drive:
# Debian's uwsgi with its Python 3 plugin, gunicorn and Django.
#   install  installs them, and pip and setuptools, with apt-get if any is
#            missing (quiet, idempotent)
#   test     installs the package with pip (no network: --no-build-isolation,
#            Debian's setuptools; Go builds the command into it) into a
#            temporary directory, runs the whole suite against that install,
#            and the quick tests against the source tree (PYTHONPATH)
# Without an argument: both. Set SLOGROTATE_REQUIRE_STACK=1 to make the
# uwsgi and gunicorn tests fail rather than skip when a program is missing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

PY=${PYTHON:-/usr/bin/python3}
packages="uwsgi-core uwsgi-plugin-python3 gunicorn python3-django python3-setuptools python3-wheel python3-pip"

have_all() {
  command -v uwsgi >/dev/null 2>&1 && [ -e /usr/lib/uwsgi/plugins/python3_plugin.so ] &&
    command -v gunicorn >/dev/null 2>&1 &&
    "$PY" -c 'import django, setuptools, wheel, pip' >/dev/null 2>&1
}

mode=${1:-all}
case $mode in all|install|test) ;; *) echo "usage: $0 [install|test]" >&2; exit 64 ;; esac

if [ "$mode" != test ] && ! have_all; then
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "python.sh: $packages: some are missing and apt-get cannot install them here" >&2
  else
    out=$(mktemp)
    if ! { apt-get update -qq &&
           DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $packages; } >"$out" 2>&1; then
      cat "$out" >&2
      rm -f "$out"
      exit 1
    fi
    rm -f "$out"
  fi
fi

if [ "$mode" != install ]; then
  site=$(mktemp -d)
  trap 'rm -rf "$site" python/build python/slogrotate.egg-info' EXIT
  "$PY" -m pip install -q --disable-pip-version-check --root-user-action=ignore \
    --no-build-isolation --no-index --target "$site" ./python
  shipped="$site/slogrotate/bin/slogrotate"
  if [ ! -x "$shipped" ]; then
    echo "python.sh: the install has no $shipped: Go did not build the command into the package" >&2
    exit 1
  fi
  echo "installed package (command built in): all tests"
  (cd python/tests && PYTHONPATH="$site" SLOGROTATE_TEST_COMMAND="$shipped" \
    "$PY" -m unittest discover -s . -t .)
  echo "source tree by PYTHONPATH: the handler's tests"
  (cd python/tests && PYTHONPATH="$PWD/.." SLOGROTATE_TEST_COMMAND="$shipped" \
    "$PY" -m unittest test_handler)
fi
