#!/usr/bin/env bash
# .ci/actionlint.sh: lints the GitHub Actions workflows in .github/workflows
# with actionlint, installed through the Go module proxy at a pinned
# version (built once per machine, into $(go env GOPATH)/bin). Called from
# .ci/run; exits non-zero, naming file, line and rule, on any finding.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

version=v1.7.12
bin=$(go env GOPATH)/bin/actionlint

if ! [ -x "$bin" ] || [ "$("$bin" -version 2>/dev/null | head -n 1)" != "$version" ]; then
  GOFLAGS= go install "github.com/rhysd/actionlint/cmd/actionlint@$version"
fi

# shellcheck and pyflakes, if installed, also check the workflows' run:
# scripts; actionlint skips those checks when they are missing.
"$bin" -no-color .github/workflows/*.yml
echo "actionlint $version: .github/workflows clean"
