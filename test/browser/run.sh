#!/usr/bin/env bash
# The browser tier: playwright-core in place (scripts/browser-deps: npm once, then nothing), then the test.
# Usage: run.sh SERVER_BINARY BUILD_DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(realpath "$2")
"$here/../../scripts/browser-deps" "$build/browser-node"
exec node "$here/pages_test.mjs" "$(realpath "$1")" "$build/browser-node" "$build/browser-artifacts"
