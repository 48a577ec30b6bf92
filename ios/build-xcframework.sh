#!/usr/bin/env bash
# Builds ios/build/PerisaiFFI.xcframework (libperisai_ffi.a for iOS devices, the iOS simulators and
# macOS, so that `swift test` runs on a Mac) and copies the generated Swift bindings into
# Sources/PerisaiCore/Generated. Runs on macOS with Xcode and rustup. On Linux,
# scripts/swift-tests.sh compiles and tests the same Swift against the host library instead.
#
#   ios/build-xcframework.sh            # release
#   ios/build-xcframework.sh --debug
set -euo pipefail
cd "$(dirname "$0")/.."

[ "$(uname -s)" = Darwin ] || { echo "build-xcframework.sh needs macOS with Xcode (xcodebuild, lipo)" >&2; exit 1; }
command -v xcodebuild >/dev/null || { echo "xcodebuild not found: install Xcode" >&2; exit 1; }
command -v rustup >/dev/null || { echo "rustup not found: https://rustup.rs" >&2; exit 1; }

profile=release; flag=(--release)
[ "${1:-}" = "--debug" ] && { profile=debug; flag=(); }

device=aarch64-apple-ios
simulators=(aarch64-apple-ios-sim x86_64-apple-ios)
macs=(aarch64-apple-darwin x86_64-apple-darwin)
rustup target add "$device" "${simulators[@]}" "${macs[@]}"

# A static library only here: the crate's own crate-types are cdylib and lib. The deployment
# targets are Package.swift's (iOS 16, macOS 13).
for target in "$device" "${simulators[@]}" "${macs[@]}"; do
  IPHONEOS_DEPLOYMENT_TARGET=16.0 MACOSX_DEPLOYMENT_TARGET=13.0 \
    cargo rustc -p perisai-ffi --lib --crate-type staticlib --target "$target" "${flag[@]}"
done

# The Swift bindings, generated from the (unstripped) host library.
if [ "$profile" = release ]; then bindings/generate.sh --release; else bindings/generate.sh; fi

out=ios/build
rm -rf "$out"
mkdir -p "$out/headers" "$out/sim" "$out/mac"
cp target/bindings/swift/perisai_ffiFFI.h "$out/headers/"
# Xcode looks for module.modulemap beside the headers of an XCFramework library.
cp target/bindings/swift/perisai_ffiFFI.modulemap "$out/headers/module.modulemap"
lipo -create \
  "target/${simulators[0]}/$profile/libperisai_ffi.a" \
  "target/${simulators[1]}/$profile/libperisai_ffi.a" \
  -output "$out/sim/libperisai_ffi.a"
lipo -create \
  "target/${macs[0]}/$profile/libperisai_ffi.a" \
  "target/${macs[1]}/$profile/libperisai_ffi.a" \
  -output "$out/mac/libperisai_ffi.a"
xcodebuild -create-xcframework \
  -library "target/$device/$profile/libperisai_ffi.a" -headers "$out/headers" \
  -library "$out/sim/libperisai_ffi.a" -headers "$out/headers" \
  -library "$out/mac/libperisai_ffi.a" -headers "$out/headers" \
  -output "$out/PerisaiFFI.xcframework"

mkdir -p ios/Sources/PerisaiCore/Generated
cp target/bindings/swift/perisai_ffi.swift ios/Sources/PerisaiCore/Generated/
echo "Built $out/PerisaiFFI.xcframework; bindings in ios/Sources/PerisaiCore/Generated/"
