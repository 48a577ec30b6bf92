#!/usr/bin/env bash
# The main job: `perisai-demo` (crate demo/). The sync server on embedded SQLite with a seeded branch,
# Wadah, agents and supervisor, and simulated field devices (the real core, each with its own
# sealed store and P-256 key) that enroll realistic workers offline and sync over a flaky link.
# Batches arrive within the first minute; Ctrl-C stops it cleanly (the devices first deliver what
# they still hold).
#
# Usage: scripts/demo.sh [demo options], e.g. --devices 10, --duration 120, --listen 0.0.0.0:8080
# (see `perisai-demo --help`). The database is ./data/demo/perisai.db unless
# PERISAI_DATABASE_URL says otherwise; it is kept between runs (the simulated devices are not).
# Server logs go to stderr at `warn` unless RUST_LOG is set; the demo narrates on stdout.
# The desktop shell walk-through is scripts/cli-tour.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

export PERISAI_DATABASE_URL=${PERISAI_DATABASE_URL:-sqlite:./data/demo/perisai.db}
export RUST_LOG=${RUST_LOG:-warn}
exec cargo run --release -p perisai-demo -- "$@"
