// When the device syncs and what each outcome means, with the real library (and a real server
// where the outcome needs one); the system's side (network path, background runs) is played by
// the test.

import Foundation
import PerisaiCore
@testable import PerisaiFieldKit
import XCTest

/// A lane that keeps the work until the test runs it: the system's time passing.
final class HeldLane {
    private(set) var held: [() -> Void] = []
    var lane: Lane { Lane { [unowned self] in self.held.append($0) } }

    func runAll() {
        while !held.isEmpty { held.removeFirst()() }
    }
}

final class SyncSchedulingTests: XCTestCase {
    private var device: TestDevice!

    override func setUpWithError() throws {
        device = try TestDevice(online: true)
    }

    override func tearDown() {
        device.remove()
    }

    func testStartingTwiceRegistersAndWatchesOnce() throws {
        let model = try device.launch()
        model.start()
        model.scheduler.start()
        XCTAssertTrue(model.isStarted)
        XCTAssertTrue(model.scheduler.isRegistered)
        XCTAssertEqual(device.background.registrations, 1)
        XCTAssertEqual(device.network.watching, 1)
        XCTAssertEqual(device.background.requests.count, 1)
        let (identifier, earliest) = try XCTUnwrap(device.background.requests.first)
        XCTAssertEqual(identifier, "id.perisai.field.sync")
        XCTAssertGreaterThanOrEqual(earliest.timeIntervalSinceNow, SyncScheduler.backgroundInterval - 60)
    }

    func testARefusedRegistrationIsVisible() throws {
        device.background.refuses = true
        let model = try device.launch()
        XCTAssertFalse(model.scheduler.isRegistered)
        XCTAssertNil(device.background.grant())
    }

    func testABackgroundRunIsCompletedEvenWhenTheSyncCannotHappen() throws {
        let model = try device.launch()
        let run = try XCTUnwrap(device.background.grant())
        // Not activated: retrying cannot help, and the run is completed all the same.
        XCTAssertEqual(run.completions, [true])
        guard case let .stopped(code, message) = model.scheduler.status else { return XCTFail("\(model.scheduler.status)") }
        XCTAssertEqual(code, "device.not_activated")
        XCTAssertFalse(message.id.isEmpty)
        XCTAssertEqual(model.home.syncText, message.id)
        XCTAssertFalse(model.scheduler.isPending)
        XCTAssertEqual(device.background.requests.count, 2, "each run asks for the next")
    }

    func testAnExpiredRunIsEndedAtOnceAndCompletedOnlyOnce() throws {
        let held = HeldLane()
        let platform = try device.platform(lanes: Lanes(core: .inline, sync: held.lane, main: .inline))
        let model = try AppModel(platform: platform)
        model.start()
        let run = try XCTUnwrap(device.background.grant())
        XCTAssertEqual(run.completions, [], "the sync has not run yet")
        let expire = try XCTUnwrap(run.expirationHandler)
        expire()
        XCTAssertEqual(run.completions, [false], "ended at once when the time is up")
        XCTAssertTrue(model.scheduler.isPending, "and tried again later")
        held.runAll()
        XCTAssertEqual(run.completions, [false], "never completed twice")
    }

    func testAnExpiredRunCancelsItsRunningSyncWhichIsTriedAgainLater() throws {
        // The server takes one batch a minute: after the first batch the sync waits out the
        // server's Retry-After (about a minute) before the second, unless the expiry cancels it.
        let server = try RealServer.start(serveArgs: ["--batches-per-minute", "1"])
        addTeardownBlock { server.stop() }
        // The run's sync on a queue of its own, so that the system can end the run meanwhile.
        let platform = try device.platform(lanes: Lanes(core: .inline, sync: .queue("test.sync"), main: .inline))
        let model = try AppModel(platform: platform)
        model.start()
        let code = try server.admin("issue-code", "--agent", try server.agent())
        _ = try model.core.activate(serverUrl: server.url, code: code, fingerprint: server.fingerprint, signer: device.signer)
        for n in 0..<15 { _ = try model.core.submit(inputJson: enrollment(serial: n), acceptWarnings: true) }

        let run = try XCTUnwrap(device.background.grant())
        // iOS ends the run once the first batch (10 records) is acknowledged.
        let limit = Date().addingTimeInterval(60)
        while try model.core.queueStatus()["accepted"] != 10, Date() < limit { Thread.sleep(forTimeInterval: 0.02) }
        let expire = try XCTUnwrap(run.expirationHandler)
        expire()
        XCTAssertEqual(run.completions, [false], "ended at once when the time is up")
        // The sync ends too: without the cancel it would wait out the server's minute and send
        // the rest (`done`). The limit only catches a hang.
        let ended = Date().addingTimeInterval(120)
        while model.scheduler.status == .running, Date() < ended { Thread.sleep(forTimeInterval: 0.02) }
        guard case let .retryLater(code, message) = model.scheduler.status else { return XCTFail("\(model.scheduler.status)") }
        XCTAssertEqual(code, "sync.cancelled")
        XCTAssertEqual(message.id, "Sinkronisasi dihentikan. Data tetap tersimpan dan akan dikirim nanti.")
        XCTAssertTrue(model.scheduler.isPending, "tried again when a path appears or in the background")
        XCTAssertEqual(run.completions, [false], "never completed twice")
        let queue = try model.core.queueStatus()
        XCTAssertEqual(queue["accepted"], 10)
        XCTAssertEqual((queue["queued"] ?? 0) + (queue["sent"] ?? 0), 5, "the rest stays on the phone")
    }

    func testKirimWithoutANetworkWaitsForOneAndThenSends() throws {
        let server = try RealServer.start()
        addTeardownBlock { server.stop() }
        let model = try device.launch()
        model.lock.unlock()
        model.open(.activation)
        let activation = model.activation()
        activation.scanned(try server.qrPayload(agent: server.agent()))
        XCTAssertNotNil(activation.activated, activation.message ?? "")
        guard case .done = model.scheduler.status else { return XCTFail("activation sends at once: \(model.scheduler.status)") }

        device.network.set(online: false)
        let form = model.enrollment(model.openNewEnrollment())
        fill(form, sitiValues)
        form.submit()
        XCTAssertNotNil(form.submitted)
        XCTAssertEqual(model.scheduler.status, .waitingForNetwork)
        XCTAssertTrue(model.scheduler.isPending)
        XCTAssertEqual(model.home.state?.toSend, 1)
        model.home.send()
        XCTAssertEqual(model.home.state?.toSend, 1, "still no network")
        device.network.set(online: true)
        guard case let .done(report) = model.scheduler.status else { return XCTFail("\(model.scheduler.status)") }
        XCTAssertEqual(report.accepted, 1)
        XCTAssertFalse(model.scheduler.isPending)
        XCTAssertEqual(model.home.state?.toSend, 0)
        // A path that appears with nothing waiting starts nothing.
        device.network.set(online: false)
        device.network.set(online: true)
        guard case .done = model.scheduler.status else { return XCTFail("\(model.scheduler.status)") }
    }

    func testAServerThatDoesNotAnswerLeavesTheSyncPendingForLater() throws {
        let server = try RealServer.start()
        addTeardownBlock { server.stop() }
        let model = try device.launch()
        model.activation().scanned(try server.qrPayload(agent: server.agent()))
        XCTAssertEqual(model.home.state?.activated, true)
        let form = model.enrollment(model.openNewEnrollment())
        fill(form, sitiValues)
        server.stop()
        device.network.set(online: false)
        form.submit()
        XCTAssertNotNil(form.submitted)
        // iOS grants a background run (it has a network), but no server answers. The core's
        // retries run out, the run reports failure (so iOS runs it again), the sync stays pending.
        let run = try XCTUnwrap(device.background.grant())
        XCTAssertEqual(run.completions, [false])
        guard case let .retryLater(code, message) = model.scheduler.status else { return XCTFail("\(model.scheduler.status)") }
        XCTAssertEqual(code, "sync.network")
        XCTAssertTrue(model.scheduler.isPending, "tried again when a path appears or in the background")
        XCTAssertEqual(model.home.syncText, message.id + " Dicoba lagi otomatis.")
        XCTAssertEqual((model.home.state?.toSend ?? 0) + (model.home.state?.sending ?? 0), 1, "kept, to be sent again")
    }

    func testARevokedDeviceDeletesItsSigningKey() throws {
        let server = try RealServer.start()
        addTeardownBlock { server.stop() }
        let model = try device.launch()
        model.activation().scanned(try server.qrPayload(agent: server.agent()))
        let deviceId = try XCTUnwrap(model.core.deviceStatus().deviceId)
        try server.admin("revoke-device", "--device", deviceId)
        model.home.send()
        guard case .revoked = model.scheduler.status else { return XCTFail("\(model.scheduler.status)") }
        XCTAssertTrue(device.signingKeyDeleted)
        XCTAssertFalse(model.scheduler.isPending, "retrying cannot help")
    }

    func testTheRealLanesRunTheCoreOffTheCallerAndAnswerOnTheMainLane() throws {
        let platform = try device.platform(lanes: .dispatch())
        let model = try AppModel(platform: platform)
        let answered = expectation(description: "answered")
        model.run({ app -> (Bool, UInt64?) in (Thread.isMainThread, try app.queueStatus()["queued"]) }) { result in
            XCTAssertTrue(Thread.isMainThread)
            guard case let .success((onMain, queued)) = result else { return XCTFail("\(result)") }
            XCTAssertFalse(onMain)
            XCTAssertEqual(queued, 0)
            answered.fulfill()
        }
        wait(for: [answered], timeout: 60)
    }
}

/// A valid enrollment of a trader at Pasar Anyar; `serial` makes her NIK unique.
private func enrollment(serial: Int) -> String {
    let nik = "320115550190" + String(1000 + serial)
    return """
    {"nik": "\(nik)", "full_name": "Siti Aminah", "birth_place": "Bogor", "birth_date": "1990-01-15",
     "sex": "F", "phone": "0812 3456 7890", "address": "Pasar Anyar Blok C No. 12, Bogor",
     "occupation": "PEDAGANG", "monthly_income": 2000000, "programs": ["JKK", "JKM"],
     "payment_months": 3, "consent": true}
    """
}
