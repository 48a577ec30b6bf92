#!/usr/bin/env bash
# The whole test suite: the README's second command, and what CI runs (.ci/run).
# Installs what is missing, or fails saying how. Nothing is skipped silently: under CI=true a part
# that cannot run fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

step "Rust toolchain"
command -v cargo >/dev/null || { echo "cargo not found: install Rust 1.80+ with rustup (https://rustup.rs)"; exit 1; }
rustup component list --installed 2>/dev/null | grep -q rustfmt || rustup component add rustfmt clippy

step "Format (cargo fmt --check)"
cargo fmt --all -- --check

step "Lint (cargo clippy --all-targets -- -D warnings)"
cargo clippy --workspace --all-targets -- -D warnings

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

step "Supervisors' web app in headless Chromium against the real server and devices (screenshots to docs/screenshots/)"
bash scripts/web-tests.sh

step "Syntax check of the Swift and Android UI sources that cannot be compiled here"
bash scripts/check-mobile-syntax.sh

# Benchmarks are type-checked by clippy --all-targets above; run them with the commands in
# docs/PERFORMANCE.md (timings on a shared CI machine would be noise).

echo
echo "All test steps passed."
