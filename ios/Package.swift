// swift-tools-version:5.9
// Perisai Field for iOS: the Rust core as an XCFramework, its uniffi-generated Swift bindings, the
// screen state and platform keys (PerisaiFieldKit), and the SwiftUI app sources (PerisaiField/,
// turned into an app target by project.yml with XcodeGen).
//
// Build the XCFramework and copy the bindings first (macOS with Xcode and rustup):
//   ios/build-xcframework.sh
import PackageDescription

let package = Package(
    name: "PerisaiField",
    defaultLocalization: "id",
    platforms: [.iOS(.v15), .macOS(.v12)],
    products: [
        .library(name: "PerisaiCore", targets: ["PerisaiCore"]),
        .library(name: "PerisaiFieldKit", targets: ["PerisaiFieldKit"]),
    ],
    targets: [
        // libperisai_ffi.a for iOS devices and simulators, with the C header and module map of
        // the `perisai_ffiFFI` module the generated Swift imports.
        .binaryTarget(name: "perisai_ffiFFI", path: "build/PerisaiFFI.xcframework"),
        // The generated bindings (Sources/PerisaiCore/Generated/perisai_ffi.swift, copied by the
        // build script) and a few conveniences over them.
        .target(name: "PerisaiCore", dependencies: ["perisai_ffiFFI"], path: "Sources/PerisaiCore"),
        // Screen state, Secure Enclave signer, Keychain key vault, background sync.
        .target(name: "PerisaiFieldKit", dependencies: ["PerisaiCore"], path: "Sources/PerisaiFieldKit"),
        .testTarget(name: "PerisaiFieldKitTests", dependencies: ["PerisaiFieldKit"], path: "Tests/PerisaiFieldKitTests"),
    ]
)
