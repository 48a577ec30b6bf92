#!/usr/bin/env bash
# The whole test suite: the README's second command, and what CI runs (.ci/run).
# Installs what is missing, or fails saying how. Nothing is skipped silently: under CI=true a part
# that cannot run fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."

# Each step is announced, and the time each took is listed at the end (the CI budget is 30 min).
STEP_NAME=""
STEP_STARTED=$SECONDS
STEP_TIMES=""
step() {
  end_step
  STEP_NAME=$*
  STEP_STARTED=$SECONDS
  printf '\n==> %s\n' "$*"
}
end_step() {
  [ -n "$STEP_NAME" ] && STEP_TIMES+=$(printf '%5d s  %s' "$((SECONDS - STEP_STARTED))" "${STEP_NAME:0:90}")$'\n'
  STEP_NAME=""
}

# Every process this run starts carries a marker; at the end none may still be running.
source scripts/lib/survivors.sh
mark_test_run
check_survivors() {
  local status=$? survivors
  end_step
  printf '\n==> Time per step (%d s in all)\n%s' "$SECONDS" "$STEP_TIMES"
  survivors=$(test_run_survivors)
  if [ -n "$survivors" ]; then
    printf '\n==> FAIL: processes this test run started are still running:\n%s\n' "$survivors" >&2
    # Ended now, so that the next run starts clean; the run still fails.
    awk '{print $1}' <<<"$survivors" | xargs -r kill -KILL 2>/dev/null || true
    [ "$status" -eq 0 ] && status=1
  elif [ "$status" -eq 0 ]; then
    printf '\n==> No process started by this run is still running.\n'
    printf '\nAll test steps passed.\n'
  fi
  exit "$status"
}
trap check_survivors EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

step "Rust toolchain"
command -v cargo >/dev/null || { echo "cargo not found: install Rust 1.80+ with rustup (https://rustup.rs)"; exit 1; }
rustup component list --installed 2>/dev/null | grep -q rustfmt || rustup component add rustfmt clippy

# A clean clone gains nothing from incremental compilation, which would add ~2.5 GB to target/.
if [ "${CI:-}" = "true" ]; then export CARGO_INCREMENTAL=0; fi
free_kb=$(df -Pk . | awk 'NR==2 {print $4}')
# Measured on a fresh machine: target/ 3.5 GB, the Swift root 2.6 GB, Maven 0.9 GB, the nightly
# toolchain for cargo-fuzz; a later run on the same machine adds only target/.
echo "Free disk space here: $((free_kb / 1024 / 1024)) GB (a first run on a machine writes about 8 GB)"
if [ "$free_kb" -lt $((8 * 1024 * 1024)) ]; then
  echo "WARNING: less than 8 GB free; builds may fail mid-link (free space, or set CARGO_TARGET_DIR to a larger disk)" >&2
fi

step "Format (cargo fmt --check)"
cargo fmt --all -- --check

step "Lint (cargo clippy --all-targets -- -D warnings)"
cargo clippy --workspace --all-targets -- -D warnings

step "One-way layers: no import cycle between the modules of a crate (scripts/module_cycles.py)"
# Every crate of the workspace (domain, core, bindings, cli, sync-server, sim, tests).
python3 scripts/module_cycles.py

step "PostgreSQL for the server's tests (both backends run; never skipped)"
source scripts/lib/postgres.sh
ensure_postgres

step "Rust tests (unit, table-driven, property, crash, CLI, server on SQLite and PostgreSQL; fault tests in their short version)"
cargo test --workspace

step "API fuzzing: schemathesis against /openapi.json of a real server (no 5xx, every answer as documented)"
bash scripts/api-fuzz.sh

step "Fuzzing, short: every cargo-fuzz target 20 s (batch decoder, enrollment JSON, NIK/phone/name/date)"
bash scripts/fuzz.sh 20

step "Kotlin bindings and Android screen logic on the JVM, against the real library and server"
bash scripts/jvm-tests.sh

step "Android app: every android/app Kotlin file compiled against the catalog's AndroidX and Android 15; UI tests on Robolectric against the real library and server (screenshots to docs/screenshots/android/)"
bash scripts/android-tests.sh

step "iOS app's Swift on Linux: app model and screen states compiled and tested against the real library and server, with line coverage"
bash scripts/swift-tests.sh

step "Supervisors' web app in headless Chromium against the real server and devices (screenshots to docs/screenshots/)"
bash scripts/web-tests.sh

step "Syntax check of the Swift and Android UI sources that cannot be compiled here"
bash scripts/check-mobile-syntax.sh

# Benchmarks are type-checked by clippy --all-targets above; run them with the commands in
# docs/PERFORMANCE.md (timings on a shared CI machine would be noise).

# The closing check (check_survivors, on exit) prints "All test steps passed." when nothing
# failed and no process of this run is left running.
