#!/usr/bin/env bash
# Generates the Kotlin and Swift bindings of perisai-ffi from the host library.
#
#   bindings/generate.sh            # debug build
#   bindings/generate.sh --release  # release build
#
# Kotlin goes to target/bindings/kotlin (JVM) and target/bindings/kotlin-android (the app's, with
# bindings/uniffi-android.toml). Builds the host cdylib (unstripped: uniffi reads its metadata from the symbols), then runs this
# workspace's own uniffi-bindgen in library mode. Output goes to target/bindings/{kotlin,swift}:
# generated code is build output and is never committed. Formatting is skipped (--no-format) so no
# ktlint or swiftformat is needed.
set -euo pipefail
cd "$(dirname "$0")/.."

profile=debug
cargo_profile=()
case "${1:-}" in
  "") ;;
  --release) profile=release; cargo_profile=(--release) ;;
  *) echo "usage: bindings/generate.sh [--release]" >&2; exit 2 ;;
esac

target_dir=$(cargo metadata --format-version 1 --no-deps \
  | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
target_dir=${target_dir:-target}

# The generator first, then the library: building the generator also rebuilds the library with
# the `bindgen` feature, and the library the bindings are read from must be the one shipped.
# Unstripped, even if a profile strips by default: uniffi reads its metadata from the symbols.
export CARGO_PROFILE_RELEASE_STRIP=false CARGO_PROFILE_DEV_STRIP=false
cargo build -p perisai-ffi --features bindgen --bin uniffi-bindgen "${cargo_profile[@]}"
cargo build -p perisai-ffi --lib "${cargo_profile[@]}"

case "$(uname -s)" in
  Darwin) lib="$target_dir/$profile/libperisai_ffi.dylib" ;;
  MINGW*|MSYS*|CYGWIN*) lib="$target_dir/$profile/perisai_ffi.dll" ;;
  *) lib="$target_dir/$profile/libperisai_ffi.so" ;;
esac
[ -f "$lib" ] || { echo "library not found: $lib" >&2; exit 1; }

out="$target_dir/bindings"
rm -rf "$out/kotlin" "$out/kotlin-android" "$out/swift"
for language in kotlin swift; do
  "$target_dir/$profile/uniffi-bindgen" generate --library "$lib" \
    --language "$language" --out-dir "$out/$language" --no-format
done
# The Android app's flavour (uniffi-android.toml: no java.lang.ref.Cleaner below API 33).
"$target_dir/$profile/uniffi-bindgen" generate --library "$lib" --config bindings/uniffi-android.toml \
  --language kotlin --out-dir "$out/kotlin-android" --no-format

kotlin=$(find "$out/kotlin" -name '*.kt' | head -n 1)
kotlin_android=$(find "$out/kotlin-android" -name '*.kt' | head -n 1)
[ -n "$kotlin_android" ] || { echo "no Android Kotlin file generated" >&2; exit 1; }
grep -q 'SystemCleaner' "$kotlin_android" || { echo "$kotlin_android: the Android cleaner option was not applied" >&2; exit 1; }
swift=$(find "$out/swift" -name '*.swift' | head -n 1)
[ -n "$kotlin" ] || { echo "no Kotlin file generated" >&2; exit 1; }
[ -n "$swift" ] || { echo "no Swift file generated" >&2; exit 1; }
echo "Kotlin: $kotlin (Android: $kotlin_android)"
echo "Swift:  $swift (and its .h and .modulemap beside it)"
