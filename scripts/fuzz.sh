#!/usr/bin/env bash
# Fuzzing (docs/RELIABILITY.md, "Fuzzing"): builds the cargo-fuzz targets of fuzz/ and runs each for
# SECONDS_PER_TARGET seconds (default 20), one after the other, on a scratch copy of the committed
# seed corpus (the repository is never rewritten). Fails on any crash, printing the reproducer's
# path and the command that replays it.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]
#
# Targets: batch_decoder, enrollment_json, nik_phone (the default set), and server_records (the
# server's record preparation; it builds the whole server, so it runs only with FUZZ_SERVER=1 or
# when named). Environment:
#   FUZZ_SERVER=1       also run server_records
#   FUZZ_SANITIZER=…    none (default: the targets are safe Rust; half the build time, twice
#                       the executions) or address (AddressSanitizer; the long campaigns use it)
#   FUZZ_CORPUS_OUT=dir keep the grown corpus of each target in dir/<target> (long campaigns)
#   FUZZ_ARGS="…"       extra libFuzzer options (e.g. "-rss_limit_mb=4096")
# Installs what is missing (the nightly toolchain, minimal profile; cargo-fuzz), or fails saying
# how. Under CI=true nothing is skipped: a target that cannot be built or run fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-20}"
shift || true
case "$seconds" in
  '' | *[!0-9]*) echo "usage: scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]" >&2; exit 2 ;;
esac

default_targets=(batch_decoder enrollment_json nik_phone)
if [ "$#" -gt 0 ]; then
  targets=("$@")
else
  targets=("${default_targets[@]}")
  if [ "${FUZZ_SERVER:-0}" = 1 ]; then
    targets+=(server_records)
  else
    echo "note: server_records is not in this run (FUZZ_SERVER=1 adds it; it builds the server)."
  fi
fi
features=()
for t in "${targets[@]}"; do
  [ -f "fuzz/fuzz_targets/$t.rs" ] || { echo "unknown fuzz target: $t" >&2; exit 2; }
  [ "$t" = server_records ] && features=(--features server)
done
sanitizer="${FUZZ_SANITIZER:-none}"
# C code in the dependency tree (SQLite above all, which no target calls) is built without
# optimization: it is not fuzzed, and -O0 cuts its build from about a minute of CPU to seconds.
export CFLAGS="${CFLAGS:--O0}"

step() { printf '\n==> %s\n' "$*"; }

step "Nightly toolchain and cargo-fuzz"
command -v rustup >/dev/null || {
  echo "rustup not found: install it (https://rustup.rs), then rerun; fuzzing needs nightly Rust."
  exit 1
}
if ! rustup run nightly rustc --version >/dev/null 2>&1; then
  rustup toolchain install nightly --profile minimal
fi
rustup run nightly rustc --version
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
  cargo install cargo-fuzz --locked || {
    echo "cannot install cargo-fuzz: 'cargo install cargo-fuzz --locked' needs crates.io."
    exit 1
  }
fi
cargo +nightly fuzz --version

step "Build (sanitizer: $sanitizer${features:+, ${features[*]}})"
build_start=$SECONDS
cargo +nightly fuzz build -s "$sanitizer" "${features[@]}"
echo "build: $((SECONDS - build_start)) s"

scratch="$(mktemp -d "${TMPDIR:-/tmp}/perisai-fuzz.XXXXXX")"
trap 'rm -rf "$scratch"' EXIT
mkdir -p fuzz/artifacts
failed=()
summary=()

for t in "${targets[@]}"; do
  step "Fuzz $t for $seconds s"
  corpus="$scratch/corpus/$t"
  artifacts="fuzz/artifacts/$t"
  mkdir -p "$corpus" "$artifacts"
  cp fuzz/corpus/"$t"/* "$corpus"/
  dict=()
  [ -f "fuzz/dict/$t.dict" ] && dict=("-dict=fuzz/dict/$t.dict")
  log="$scratch/$t.log"
  # -malloc_limit_mb: a compression bomb or any runaway allocation is a crash, not a slow run.
  # shellcheck disable=SC2086
  set +e
  cargo +nightly fuzz run -s "$sanitizer" "${features[@]}" "$t" "$corpus" -- \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=512 \
    -print_final_stats=1 -artifact_prefix="$artifacts/" "${dict[@]}" ${FUZZ_ARGS:-} \
    >"$log" 2>&1
  status=$?
  set -e
  done_line="$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -1 || true)"
  execs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)"
  rate="$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)"
  rss="$(sed -n 's/^stat::peak_rss_mb: *//p' "$log" | tail -1)"
  cov="$(sed -n 's/.* cov: \([0-9]*\) ft: \([0-9]*\) corp: \([0-9]*\)\/.*/cov \1, ft \2, corpus \3/p' \
    <<<"$done_line")"
  if [ "$status" -ne 0 ] || [ -z "$done_line" ]; then
    grep -E -A30 'panicked at|ERROR: libFuzzer|ERROR: AddressSanitizer|SUMMARY' "$log" | head -60 || tail -40 "$log"
    reproducer="$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)"
    echo
    echo "FAILED: $t (exit $status)"
    if [ -n "$reproducer" ]; then
      echo "reproducer: $reproducer"
      how="-s $sanitizer${features:+ ${features[*]}} $t $reproducer"
      echo "replay:     cargo +nightly fuzz run $how"
      echo "minimize:   cargo +nightly fuzz tmin $how"
      echo "bytes (base64, first 4 KiB): $(head -c 4096 "$reproducer" | base64 -w0)"
    else
      echo "no reproducer was written; the full log:"
      tail -80 "$log"
    fi
    failed+=("$t")
    summary+=("$t: FAILED")
  else
    summary+=("$t: ${execs:-?} runs, ${rate:-?} exec/s, ${cov:-?}, peak RSS ${rss:-?} MB")
  fi
  if [ -n "${FUZZ_CORPUS_OUT:-}" ]; then
    mkdir -p "$FUZZ_CORPUS_OUT/$t"
    cp "$corpus"/* "$FUZZ_CORPUS_OUT/$t"/
  fi
done

step "Summary ($seconds s per target)"
printf '%s\n' "${summary[@]}"
if [ "${#failed[@]}" -gt 0 ]; then
  echo "fuzzing found crashes in: ${failed[*]} (reproducers under fuzz/artifacts/)"
  exit 1
fi
echo "No crash."
