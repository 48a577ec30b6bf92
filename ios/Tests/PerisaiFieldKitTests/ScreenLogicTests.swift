// The parts of the screens that need no server: the lock, the QR code, the GPS fix, the
// language, withdrawing, months and dates. Against the real library where the core is involved.

import Foundation
import PerisaiCore
@testable import PerisaiFieldKit
import XCTest

final class ScreenLogicTests: XCTestCase {
    private var device: TestDevice!

    override func setUpWithError() throws {
        device = try TestDevice(online: false)
    }

    override func tearDown() {
        device.remove()
    }

    func testTheLockCoversWhileAwayAndLocksAgainOnlyAfterFiveMinutes() {
        let clock = TestClock()
        let lock = LockGate(now: { clock.seconds })
        var changes = 0
        let token = lock.listen { changes += 1 }
        XCTAssertTrue(lock.locked)
        lock.unlockFailed()
        XCTAssertTrue(lock.failed)
        XCTAssertTrue(lock.locked)
        lock.unlock()
        XCTAssertFalse(lock.failed)
        XCTAssertTrue(lock.showsScreens)
        lock.left()
        XCTAssertFalse(lock.showsScreens, "covered in the app switcher")
        clock.seconds += LockGate.relockAfter - 1
        lock.returned()
        XCTAssertTrue(lock.showsScreens)
        lock.left()
        lock.left() // inactive, then background: the first moment counts
        clock.seconds += LockGate.relockAfter
        lock.returned()
        XCTAssertTrue(lock.locked)
        XCTAssertGreaterThan(changes, 5)
        lock.unlisten(token)
        let seen = changes
        lock.unlock()
        XCTAssertEqual(changes, seen)
    }

    func testTheActivationQRCodeIsReadAndAnythingElseRefused() {
        let request = ActivationRequest.fromQR(" perisai:activate?server=https://sync.kc-bogor.id&code=7K3Q-P9XW-M2RT-4&fp=ab12cd ")
        XCTAssertEqual(request, ActivationRequest(serverUrl: "https://sync.kc-bogor.id", code: "7K3Q-P9XW-M2RT-4", fingerprint: "ab12cd"))
        XCTAssertEqual(ActivationRequest.fromQR("perisai:activate?server=http%3A%2F%2F127.0.0.1%3A8080&code=X")?.serverUrl,
                       "http://127.0.0.1:8080")
        XCTAssertNil(ActivationRequest.fromQR("perisai:activate?server=https://a.id&code=X&fp=")?.fingerprint)
        XCTAssertNil(ActivationRequest.fromQR("perisai:activate?server=ftp://a.id&code=X"))
        XCTAssertNil(ActivationRequest.fromQR("perisai:activate?server=https://a.id"))
        XCTAssertNil(ActivationRequest.fromQR("https://a.id/?code=X"))
        XCTAssertEqual(ActivationRequest.typed(serverUrl: " https://a.id// ", code: " X "),
                       ActivationRequest(serverUrl: "https://a.id", code: "X", fingerprint: nil))
        XCTAssertNil(ActivationRequest.typed(serverUrl: "a.id", code: "X"))
        XCTAssertNil(ActivationRequest.typed(serverUrl: "https://a.id", code: " "))
    }

    func testTypedActivationNeedsBothValuesAndTheCoreRefusesAPlainRemoteURL() throws {
        let model = try device.launch()
        let screen = model.activation()
        screen.server = "sync.example.id"
        screen.activateTyped()
        XCTAssertEqual(screen.message, "Isi alamat server (https://…) dan kode aktivasi.")
        screen.server = "http://sync.example.id"
        screen.code = "7K3QP9XWM2RT4"
        screen.activateTyped()
        XCTAssertNil(screen.activated)
        XCTAssertNotNil(screen.message)
        XCTAssertNotEqual(screen.message, "Isi alamat server (https://…) dan kode aktivasi.")
    }

    func testOnlyAFreshPreciseFixIsTaken() throws {
        let model = try device.launch()
        let form = model.enrollment(model.openNewEnrollment())
        XCTAssertEqual(form.fields.first { $0.key == "location" }?.kind, .location)
        device.location.answer = .success(LocationFix(lat: -6.595, lon: 106.816, accuracyM: 12, takenAt: Date(timeIntervalSinceNow: -3600)))
        form.captureLocation()
        XCTAssertEqual(form.locationProblem, "Lokasi lama, bukan yang sekarang. Coba lagi.")
        XCTAssertNil(form.fields.first { $0.key == "location" }?.location)
        device.location.answer = .success(LocationFix(lat: -6.595, lon: 106.816, accuracyM: 3000, takenAt: Date()))
        form.captureLocation()
        XCTAssertEqual(form.locationProblem, "Lokasi kurang tepat. Coba lagi di tempat terbuka.")
        device.location.answer = .failure(.denied)
        form.captureLocation()
        XCTAssertEqual(form.locationProblem, "Izin lokasi ditolak. Ubah di Pengaturan.")
        device.location.answer = .failure(.unavailable)
        form.captureLocation()
        XCTAssertEqual(form.locationProblem, "Lokasi tidak didapat. Coba di tempat terbuka.")
        device.location.answer = .success(LocationFix(lat: -6.595, lon: 106.816, accuracyM: 12, takenAt: Date()))
        form.captureLocation()
        XCTAssertNil(form.locationProblem)
        XCTAssertFalse(form.locating)
        XCTAssertEqual(form.fields.first { $0.key == "location" }?.location, "-6.59500, 106.81600 (±12 m)")
        XCTAssertEqual(device.location.requests, 5)
        // The fix travels with the record and comes back with a reopened draft.
        form.setText("full_name", "Siti Aminah")
        form.saveDraft()
        let draft = try XCTUnwrap(form.draftId)
        let json = try model.core.loadDraft(draftId: draft)
        XCTAssertTrue(json.contains("\"accuracy_m\""), json)
        let reopened = model.enrollment(.draft(draft))
        XCTAssertEqual(reopened.fields.first { $0.key == "location" }?.location, "-6.59500, 106.81600 (±12 m)")
    }

    func testAQueuedRecordCanBeWithdrawnAndANewEmptyFormLeavesNoDraft() throws {
        let model = try device.launch()
        let empty = model.openNewEnrollment()
        _ = model.enrollment(empty)
        model.back()
        XCTAssertEqual(model.home.state?.drafts, 0, "nothing entered, nothing kept")
        let form = model.enrollment(model.openNewEnrollment())
        fill(form, sitiValues)
        form.submit()
        let id = try XCTUnwrap(form.submitted?.id, "\(form.fields.flatMap(\.errors)) \(form.warnings) \(String(describing: form.problem))")
        model.open(.myEnrollments)
        let mine = model.myEnrollments()
        let row = try XCTUnwrap(mine.rows.first { $0.id == id })
        XCTAssertTrue(row.canWithdraw)
        XCTAssertFalse(row.needsFix)
        XCTAssertEqual(row.stateLabel, "Menunggu dikirim")
        XCTAssertTrue(row.number.hasPrefix("#1  "))
        mine.open(row)
        XCTAssertEqual(model.path.last, .receipt(id))
        model.back()
        mine.withdraw(row)
        XCTAssertNil(mine.problem)
        XCTAssertEqual(mine.rows.first { $0.id == id }?.state, .withdrawn)
        XCTAssertEqual(mine.rows.first { $0.id == id }?.canWithdraw, false)
        XCTAssertEqual(model.home.state?.toSend, 0)
        // Withdrawing twice: the core refuses, in the agent's language.
        mine.withdraw(row)
        XCTAssertNotNil(mine.problem)
    }

    func testWarningsNeedTheAgentsConfirmation() throws {
        let model = try device.launch()
        let first = model.enrollment(model.openNewEnrollment())
        fill(first, sitiValues)
        first.submit()
        XCTAssertNotNil(first.submitted)
        // The same NIK again on this device: a warning, queued only once the agent confirms.
        let again = model.enrollment(model.openNewEnrollment())
        fill(again, sitiValues)
        again.submit()
        XCTAssertNil(again.submitted)
        XCTAssertEqual(again.warnings.map(\.code), ["nik.duplicate_local"])
        again.dismissWarnings()
        XCTAssertTrue(again.warnings.isEmpty)
        again.submit(acceptWarnings: true)
        XCTAssertNotNil(again.submitted)
    }

    func testTheLanguageIsTheAgentsChoiceElseThePhones() throws {
        XCTAssertEqual(Lang.from(locale: Locale(identifier: "in_ID")), .id)
        XCTAssertEqual(Lang.from(locale: Locale(identifier: "en_GB")), .en)
        let english = try device.launch(locale: Locale(identifier: "en_US"))
        XCTAssertEqual(english.lang, .en)
        XCTAssertEqual(english.t(ScreenText.send), "Send")
        var changes = 0
        english.listen { changes += 1 }
        english.setLanguage(.id)
        english.setLanguage(.id)
        XCTAssertEqual(changes, 1, "an unchanged choice redraws nothing")
        XCTAssertEqual(device.settings.string(forKey: AppModel.languageKey), "id")
        XCTAssertEqual(try device.launch(locale: Locale(identifier: "en_US")).lang, .id)
    }

    func testMonthsAndDatesAsAgentsReadThem() {
        XCTAssertEqual(CalendarText.month("2026-11", .id), "November 2026")
        XCTAssertEqual(CalendarText.month("2026-08", .id), "Agustus 2026")
        XCTAssertEqual(CalendarText.month("2026-08", .en), "August 2026")
        XCTAssertEqual(CalendarText.month("Agustus", .id), "Agustus")
        XCTAssertEqual(CalendarText.shift("2026-12", by: 1), "2027-01")
        XCTAssertEqual(CalendarText.shift("2027-01", by: -1), "2026-12")
        XCTAssertNil(CalendarText.shift("2026-13", by: 1))
        XCTAssertEqual(CalendarText.date("not a time"), "not a time")
        XCTAssertEqual(CalendarText.date("2026-12-04T03:00:00Z").count, 10)
    }

    func testRecordStatesAreWordedInBothLanguagesAndTheCoreSaysWhatCanBeDone() {
        let states: [RecordState] = [.draft, .queued, .sent, .accepted, .flagged, .rejected, .approved,
                                     .hasIssues, .rejectedByReview, .superseded, .withdrawn, .purged]
        XCTAssertEqual(Set(states.map { RecordStates.label($0, .id) }).count, states.count)
        XCTAssertEqual(Set(states.map { RecordStates.label($0, .en) }).count, states.count)
        XCTAssertEqual(states.filter(RecordStates.needsFix), [.rejected, .hasIssues])
        XCTAssertEqual(states.filter(RecordStates.canWithdraw), [.draft, .queued])
    }
}
