#!/usr/bin/env bash
# The supervisors' web app in a real headless Chromium (driven by playwright-core from npm), against
# the real perisai-server binary and real devices (the perisai desktop shell). Installs Chromium and
# the npm packages when missing. Writes screenshots of the main pages to docs/screenshots/.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/chromium.sh
ensure_chromium
command -v node >/dev/null || { echo "Node.js 18+ is needed for the browser tests (https://nodejs.org)" >&2; exit 1; }
cargo build -q -p perisai-server -p perisai-cli
(cd tests/web && { [ -d node_modules/playwright-core ] || npm ci --no-audit --no-fund --loglevel=error; })
(cd tests/web && node --test --test-concurrency=1 ./*.test.mjs)
