#!/usr/bin/env bash
# The iOS app's Swift, compiled and tested on Linux against the real library and a real server.
# What CI runs for ios/:
#
#   scripts/swift-tests.sh
#
# 1. A Swift toolchain: `swift` on PATH if there is one (5.10 or newer), else Debian 13's
#    swiftlang 6.0.3 in a debootstrapped root kept outside the clone (scripts/lib/swift-linux.sh:
#    made once, about 3 minutes and 530 MB of packages; later runs reuse it).
# 2. bindings/generate.sh: libperisai_ffi.so (unstripped) and the Swift bindings; perisai-server.
#    The generated Swift goes to ios/Sources/PerisaiCore/Generated, its C header and module map
#    to ios/build/linux/perisai_ffiFFI (build output, never committed).
# 3. `swift test --enable-code-coverage` in ios/: compiles PerisaiCore (the bindings) and
#    PerisaiFieldKit (the app model, every screen's state, sync scheduling: everything but the
#    SwiftUI views and the Apple-only parts, which scripts/check-mobile-syntax.sh parses) and runs
#    ios/Tests/PerisaiFieldKitTests against the library and real perisai-server processes.
# 4. Line coverage of the hand-written Linux-compiled Swift (PerisaiCore and PerisaiFieldKit, the
#    generated bindings left out) from llvm-cov; below SWIFT_MIN_COVERAGE (70) % fails.
# 5. No process the step started may survive it: the tests stop their servers on every path, and
#    anything left is listed, ended, and fails the step.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
started=$(date +%s)
min_coverage=${SWIFT_MIN_COVERAGE:-70}

source scripts/lib/survivors.sh
source scripts/lib/swift-linux.sh

# Processes this step starts carry their own marker too (besides the test run's), so the step
# can check itself when run alone.
PERISAI_SWIFT_STEP="$(date +%s)-$$-$RANDOM"
export PERISAI_SWIFT_STEP
check_step_survivors() {
  local status=$? survivors
  survivors=$(test_run_survivors "PERISAI_SWIFT_STEP=$PERISAI_SWIFT_STEP")
  if [ -n "$survivors" ]; then
    printf 'scripts/swift-tests.sh: FAIL: processes the Swift tests started are still running:\n%s\n' "$survivors" >&2
    awk '{print $1}' <<<"$survivors" | xargs -r kill -KILL 2>/dev/null || true
    [ "$status" -eq 0 ] && status=1
  fi
  exit "$status"
}
trap check_step_survivors EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

echo "==> Swift toolchain"
host_swift=""
if command -v swift >/dev/null && swift --version 2>/dev/null | grep -qE 'Swift version (5\.(1[0-9])|[6-9])'; then
  host_swift=$(command -v swift)
  echo "using $host_swift: $(swift --version 2>&1 | head -n 1)"
else
  swift_root_ready
fi

echo "==> Generating the bindings (bindings/generate.sh) and building perisai-server"
bindings/generate.sh >/dev/null
cargo build -q -p perisai-server --bin perisai-server
target=$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
target=${target:-$repo/target}

# Copied only when changed, so a warm run does not recompile the bindings.
copy_if_changed() { cmp -s "$1" "$2" || { mkdir -p "$(dirname "$2")"; cp "$1" "$2"; }; }
gen=$target/bindings/swift
copy_if_changed "$gen/perisai_ffi.swift" ios/Sources/PerisaiCore/Generated/perisai_ffi.swift
copy_if_changed "$gen/perisai_ffiFFI.h" ios/build/linux/perisai_ffiFFI/perisai_ffiFFI.h
copy_if_changed "$gen/perisai_ffiFFI.modulemap" ios/build/linux/perisai_ffiFFI/module.modulemap

log=$target/swift-tests.log
cov_json=ios/.build/perisai-coverage.json
rm -f "$cov_json"
status=0
if [ -n "$host_swift" ]; then
  export PERISAI_FFI_LIB_DIR=$target/debug PERISAI_SERVER_BIN=$target/debug/perisai-server
  run_swift() { (cd ios && nice -n 10 "$@"); }
  pkg_in=$repo/ios
else
  # In the root: the clone at /perisai, the target folder at /perisai-target.
  export PERISAI_FFI_LIB_DIR=/perisai-target/debug PERISAI_SERVER_BIN=/perisai-target/debug/perisai-server
  SWIFT_BINDS="$repo:/perisai $target:/perisai-target"
  SWIFT_PASS_ENV="PERISAI_SWIFT_STEP PERISAI_FFI_LIB_DIR PERISAI_SERVER_BIN CI"
  run_swift() { in_swift_root /perisai/ios nice -n 10 "$@"; }
  pkg_in=/perisai/ios
fi

# XCTest only: no swift-testing run that would close with "0 tests" (flag of Swift 6's SwiftPM).
xctest_only=()
test_help=$(run_swift swift test --help 2>/dev/null || true)
[[ "$test_help" != *--disable-swift-testing* ]] || xctest_only=(--disable-swift-testing)

echo "==> swift test --enable-code-coverage (ios/: PerisaiCore, PerisaiFieldKit and their tests)"
run_swift swift test --enable-code-coverage "${xctest_only[@]}" 2>&1 | tee "$log" || status=$?
[ "${PIPESTATUS[0]}" -eq 0 ] || status=${PIPESTATUS[0]}
# XCTest's own count, as a closing line CI reads (also after a failure).
swift_count() {
  python3 - "$log" <<'PY'
import re, sys
text = open(sys.argv[1], errors="replace").read()
m = re.findall(r"Executed (\d+) tests?, with (\d+) failures?", text)
if not m:
    sys.exit("no XCTest summary in the log (the tests did not build, or crashed)")
run, failed = map(int, m[-1])
print(f"Swift: {run - failed} passed, {failed} failed")
PY
}
if [ "$status" -ne 0 ]; then
  swift_count || true
  echo "scripts/swift-tests.sh: swift test failed (log: $log)" >&2
  exit "$status"
fi
if grep -qE "Executed 0 tests" "$log"; then
  echo "scripts/swift-tests.sh: swift test ran no test" >&2
  exit 1
fi

echo "==> Line coverage of the hand-written Swift compiled here"
# The profile and the test bundle swift test wrote; llvm-cov from the same toolchain.
codecov=$(run_swift swift test --show-codecov-path | tail -n 1)
profdata=$(dirname "$codecov")/default.profdata
bin=$(run_swift swift build --show-bin-path | tail -n 1)/PerisaiFieldPackageTests.xctest
llvm_cov=llvm-cov
[ -n "$host_swift" ] || llvm_cov=/usr/libexec/swift/bin/llvm-cov
[ -n "$host_swift" ] && ! command -v llvm-cov >/dev/null && llvm_cov="$(dirname "$host_swift")/llvm-cov"
run_swift sh -c '"$0" export -summary-only -instr-profile "$1" "$2" > "$3"' \
  "$llvm_cov" "$profdata" "$bin" "$pkg_in/.build/perisai-coverage.json"
python3 - "$cov_json" "$min_coverage" <<'PY'
import json, sys
data = json.load(open(sys.argv[1]))
minimum = float(sys.argv[2])
rows, covered, total = [], 0, 0
for f in data["data"][0]["files"]:
    name = f["filename"]
    if "/Sources/" not in name or "/Generated/" in name:
        continue  # tests, and the generated bindings
    short = name.split("/Sources/", 1)[1]
    lines = f["summary"]["lines"]
    rows.append((short, lines["covered"], lines["count"]))
    covered += lines["covered"]
    total += lines["count"]
for short, c, n in sorted(rows):
    print(f"  {short:55s} {c:5d}/{n:<5d} {100.0 * c / max(n, 1):5.1f}%")
pct = 100.0 * covered / max(total, 1)
print(f"Swift line coverage (PerisaiCore and PerisaiFieldKit, generated bindings excluded): "
      f"{covered}/{total} lines, {pct:.1f}% (minimum {minimum:.0f}%)")
if not rows:
    sys.exit("no Swift source file in the coverage report")
if pct < minimum:
    sys.exit(f"Swift line coverage {pct:.1f}% is below {minimum:.0f}%")
PY

swift_count
echo "scripts/swift-tests.sh: $(( $(date +%s) - started )) s"
