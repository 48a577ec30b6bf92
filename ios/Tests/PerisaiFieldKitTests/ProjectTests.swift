// The Xcode project and the package agree with the code: what cannot be compiled here (the app
// target is built by Xcode from project.yml) is checked as text.

import Foundation
@testable import PerisaiFieldKit
import XCTest

final class ProjectTests: XCTestCase {
    /// ios/, from this file's place in it.
    private let ios = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    private func read(_ path: String) throws -> String {
        try String(contentsOf: ios.appendingPathComponent(path), encoding: .utf8)
    }

    func testProjectYmlOwnsEveryInfoPlistKeyTheAppNeeds() throws {
        let yml = try read("project.yml")
        let info = try XCTUnwrap(yml.range(of: "    info:\n      path: PerisaiField/Info.plist\n      properties:\n"),
                                 "XcodeGen rewrites Info.plist from `properties`: without them it erases the keys")
        let properties = String(yml[info.upperBound...])
        XCTAssertTrue(properties.contains("BGTaskSchedulerPermittedIdentifiers: [\(SyncScheduler.taskIdentifier)]"),
                      "the identifier the scheduler registers must be permitted")
        XCTAssertTrue(properties.contains("UIBackgroundModes: [processing]"))
        for key in ["NSFaceIDUsageDescription", "NSCameraUsageDescription", "NSLocationWhenInUseUsageDescription"] {
            XCTAssertTrue(properties.contains("        \(key): \""), key)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: ios.appendingPathComponent("PerisaiField/Info.plist").path)
                       && (try? read(".gitignore").contains("/PerisaiField/Info.plist")) != true,
                       "Info.plist is XcodeGen's output, not a second source of keys")
    }

    func testTheDeploymentTargetHasEveryAPITheAppUses() throws {
        let views = try FileManager.default.contentsOfDirectory(atPath: ios.appendingPathComponent("PerisaiField/Views").path)
            .map { try read("PerisaiField/Views/" + $0) }.joined() + (try read("PerisaiField/PerisaiFieldApp.swift"))
        let iOS16 = ["NavigationStack", "navigationDestination", "ShareLink"].filter(views.contains)
        XCTAssertFalse(iOS16.isEmpty, "the app uses iOS 16 APIs")
        let yml = try read("project.yml")
        let package = try read("Package.swift")
        XCTAssertTrue(yml.contains("iOS: \"16.0\""), "project.yml: \(iOS16) need iOS 16")
        XCTAssertTrue(yml.contains("IPHONEOS_DEPLOYMENT_TARGET: \"16.0\""))
        XCTAssertTrue(package.contains(".iOS(.v16)"), "Package.swift: \(iOS16) need iOS 16")
        XCTAssertFalse(yml.contains("\"15.0\"") || package.contains(".iOS(.v15)"))
    }

    func testTheAppCreatesItsModelOnceAtLaunchAndStartsIt() throws {
        let app = try read("PerisaiField/PerisaiFieldApp.swift")
        XCTAssertEqual(app.components(separatedBy: "AppModel(").count - 1, 1, "one app model per process")
        let launch = try XCTUnwrap(app.range(of: "didFinishLaunchingWithOptions"), "created while the app launches")
        let made = try XCTUnwrap(app.range(of: "AppModel("))
        XCTAssertGreaterThan(made.lowerBound, launch.lowerBound)
        XCTAssertTrue(app[made.lowerBound...].contains("model.start()"))
        XCTAssertFalse(app.contains("wrappedValue"), "a StateObject's value read in init is a throw-away object")
    }

    func testTheXCFrameworkHasAMacOSSliceForSwiftTestOnAMac() throws {
        let script = try read("build-xcframework.sh")
        XCTAssertTrue(script.contains("aarch64-apple-darwin") && script.contains("x86_64-apple-darwin"), "macOS targets built")
        let create = try XCTUnwrap(script.range(of: "xcodebuild -create-xcframework"))
        let libraries = script[create.lowerBound...].components(separatedBy: "-library").count - 1
        XCTAssertEqual(libraries, 3, "iOS devices, iOS simulators and macOS")
        XCTAssertTrue(try read("Package.swift").contains(".macOS(.v13)"))
    }
}
