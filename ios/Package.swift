// swift-tools-version:5.9
// Perisai Field for iOS: the Rust core, its uniffi-generated Swift bindings (PerisaiCore), the app
// model and every screen's state (PerisaiFieldKit: Foundation only, compiled and tested on Linux
// too), the Apple-only parts (PerisaiFieldApple: Keychain, Secure Enclave, BGTaskScheduler,
// NWPathMonitor, Core Location), and the SwiftUI app sources (PerisaiField/, turned into an app
// target by project.yml with XcodeGen).
//
// The core library comes from:
// - macOS / iOS: build/PerisaiFFI.xcframework (iOS, simulators and macOS slices), made by
//   ios/build-xcframework.sh, which also copies the bindings to Sources/PerisaiCore/Generated;
// - Linux: build/linux/perisai_ffiFFI (the C header and module map) and the host
//   libperisai_ffi.so in $PERISAI_FFI_LIB_DIR, prepared by scripts/swift-tests.sh.
import PackageDescription

#if os(Linux)
import Foundation

let ffiLibDir = ProcessInfo.processInfo.environment["PERISAI_FFI_LIB_DIR"]
    ?? Context.packageDirectory + "/build/linux/lib"

let ffiTarget: Target = .systemLibrary(name: "perisai_ffiFFI", path: "build/linux/perisai_ffiFFI")
let coreLinker: [LinkerSetting] = [
    .linkedLibrary("perisai_ffi"),
    .unsafeFlags(["-L\(ffiLibDir)", "-Xlinker", "-rpath", "-Xlinker", ffiLibDir]),
]
let appleTargets: [Target] = []
let appleProducts: [Product] = []
#else
let ffiTarget: Target = .binaryTarget(name: "perisai_ffiFFI", path: "build/PerisaiFFI.xcframework")
let coreLinker: [LinkerSetting] = []
let appleTargets: [Target] = [
    .target(name: "PerisaiFieldApple", dependencies: ["PerisaiFieldKit"], path: "Sources/PerisaiFieldApple"),
    .testTarget(name: "PerisaiFieldAppleTests", dependencies: ["PerisaiFieldApple"], path: "Tests/PerisaiFieldAppleTests"),
]
let appleProducts: [Product] = [.library(name: "PerisaiFieldApple", targets: ["PerisaiFieldApple"])]
#endif

let package = Package(
    name: "PerisaiField",
    defaultLocalization: "id",
    // iOS 16: the app's SwiftUI uses NavigationStack, navigationDestination and ShareLink
    // (docs/DECISIONS.md). macOS 13: the host on which `swift test` runs on a Mac.
    platforms: [.iOS(.v16), .macOS(.v13)],
    products: [
        .library(name: "PerisaiCore", targets: ["PerisaiCore"]),
        .library(name: "PerisaiFieldKit", targets: ["PerisaiFieldKit"]),
    ] + appleProducts,
    targets: [
        ffiTarget,
        // The generated bindings (Sources/PerisaiCore/Generated/perisai_ffi.swift, build output)
        // and a few conveniences over them.
        .target(name: "PerisaiCore", dependencies: ["perisai_ffiFFI"], path: "Sources/PerisaiCore",
                linkerSettings: coreLinker),
        // The app model, every screen's state and actions, sync scheduling: Foundation only.
        .target(name: "PerisaiFieldKit", dependencies: ["PerisaiCore"], path: "Sources/PerisaiFieldKit"),
        // Against the real library and a real perisai-server (PERISAI_SERVER_BIN).
        .testTarget(name: "PerisaiFieldKitTests", dependencies: ["PerisaiFieldKit"], path: "Tests/PerisaiFieldKitTests"),
    ] + appleTargets
)
