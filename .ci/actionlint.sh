#!/usr/bin/env bash
# .ci/actionlint.sh: lints the GitHub Actions workflows in .github/workflows
# with actionlint, installed through the Go module proxy at a pinned
# version (built once per machine, into $(go env GOPATH)/bin). Called from
# .ci/run; exits non-zero, naming file, line and rule, on any finding.
#
# When the shellcheck program is installed (apt-get install shellcheck),
# actionlint also checks the workflows' run: scripts with it, and skips
# that check when it is not; the last line printed says which.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

version=v1.7.12
bin=$(go env GOPATH)/bin/actionlint

if ! [ -x "$bin" ] || [ "$("$bin" -version 2>/dev/null | head -n 1)" != "$version" ]; then
  # Not under .ci/run's GOFLAGS=-mod=mod: go install pkg@version builds
  # outside this module.
  GOFLAGS='' go install "github.com/rhysd/actionlint/cmd/actionlint@$version"
fi

with=""
if command -v shellcheck >/dev/null 2>&1; then
  with=", run: scripts checked with $(shellcheck --version | sed -n 's/^version: /shellcheck /p')"
fi
"$bin" -no-color .github/workflows/*.yml
echo "actionlint $version: .github/workflows clean$with"
