// An agent's day at the level of the app model, against the real library and a real server: the
// same day as the Android UI test. Lock, a form from the core's definition with Indonesian
// errors, enrolling before activation and without a signal, QR activation with the server key's
// fingerprint, a draft kept across a relock and a restart, sync when the signal comes back, a
// supervisor's decisions and a payment code coming back, a correction, participants due, cash,
// a payment confirmed, the commission estimate, and the language switched.

import Foundation
import PerisaiCore
@testable import PerisaiFieldKit
import XCTest

final class AgentDayTests: XCTestCase {
    func testAnAgentsDay() throws {
        let server = try RealServer.start()
        addTeardownBlock { server.stop() }
        let device = try TestDevice(online: false)
        addTeardownBlock { device.remove() }

        // Morning, at the market, no signal. The app starts locked, and starts sync scheduling.
        var model = try device.launch()
        XCTAssertTrue(model.lock.locked)
        XCTAssertFalse(model.lock.showsScreens)
        XCTAssertEqual(device.background.registrations, 1)
        XCTAssertEqual(device.network.watching, 1)
        XCTAssertEqual(device.background.requests.map(\.0), [SyncScheduler.taskIdentifier])
        model.lock.unlock()
        XCTAssertTrue(model.lock.showsScreens)
        XCTAssertEqual(model.home.state?.activated, false)
        XCTAssertEqual(model.t(ScreenText.homeTitle), "Beranda")

        // The form comes from the core's definition, in Indonesian, with the core's errors.
        let first = model.enrollment(model.openNewEnrollment())
        XCTAssertEqual(first.fields.first?.key, "nik")
        XCTAssertEqual(first.fields.first { $0.key == "full_name" }?.label, "Nama lengkap")
        XCTAssertEqual(first.fields.first { $0.key == "nik" }?.input, .digits)
        XCTAssertFalse(first.fields.contains { $0.key == "supersedes" })
        first.setText("nik", "12345")
        first.check()
        XCTAssertEqual(first.fields.first { $0.key == "nik" }?.errors, ["NIK harus 16 angka, sesuai KTP."])
        first.submit()
        XCTAssertEqual(first.problem, "Perbaiki isian yang ditandai merah.")
        XCTAssertNil(first.submitted)
        fill(first, sitiValues)
        XCTAssertTrue(first.fields.first { $0.key == "nik" }?.errors.isEmpty ?? false, "an edited field forgets its old errors")
        // The core prices what is entered: JKK 1% of Rp2.000.000 + JKM Rp6.800, 3 months.
        XCTAssertEqual(first.quote, QuoteUI(total: 80_400, totalFormatted: "Rp80.400", months: 3))
        first.submit()
        let siti = try XCTUnwrap(first.submitted, "\(String(describing: first.problem)) \(first.fields.flatMap(\.errors))")
        XCTAssertEqual(model.path, [.receipt(siti.id)], "the receipt replaces the form")

        // Her receipt, and the text she gets by SMS: the core's, BELUM DIBAYAR, masked NIK only.
        let receipt = model.receipt(siti.id)
        let shown = try XCTUnwrap(receipt.receipt)
        XCTAssertEqual(shown.receipt.paymentStatus, "BELUM DIBAYAR")
        XCTAssertTrue(shown.lines.contains { $0 == ("Iuran", "Rp80.400 untuk 3 bulan") })
        XCTAssertTrue(shown.shareText.contains("Status pembayaran: BELUM DIBAYAR"), shown.shareText)
        XCTAssertTrue(shown.shareText.contains("3201••••••••0002"))
        XCTAssertFalse(shown.shareText.contains("3201155501900002"))
        XCTAssertEqual(receipt.smsURL?.scheme, "sms")
        XCTAssertTrue(receipt.smsURL?.absoluteString.contains("+6281234567890") ?? false)

        // Saved without a signal (and before activation): queued, sent when a path appears.
        XCTAssertEqual(model.scheduler.status, .waitingForNetwork)
        XCTAssertEqual(model.home.state?.toSend, 1)
        XCTAssertEqual(model.home.syncText, "Akan dikirim begitu ada sinyal.")
        model.back()

        // Activation from the branch's QR code. A QR whose fingerprint is not the server's key
        // is refused by the core and binds nothing.
        let agent = try server.agent()
        let qr = try server.qrPayload(agent: agent)
        XCTAssertTrue(qr.contains("fp=\(server.fingerprint)"), qr)
        model.open(.activation)
        let activation = model.activation()
        activation.scanned("https://example.com/not-ours")
        XCTAssertEqual(activation.message, "Ini bukan kode QR aktivasi Perisai.")
        let forged = String(server.fingerprint.reversed())
        activation.scanned(qr.replacingOccurrences(of: "fp=\(server.fingerprint)", with: "fp=\(forged)"))
        XCTAssertNil(activation.activated)
        XCTAssertNotNil(activation.message)
        XCTAssertEqual(model.home.state?.activated, false)
        activation.scanned(qr)
        let bound = try XCTUnwrap(activation.activated, activation.message ?? "")
        XCTAssertEqual(bound.agentId, agent)
        XCTAssertEqual(bound.branch, "KC-BGR")
        XCTAssertEqual(activation.message, "Perangkat aktif. Agen: \(agent), cabang: KC-BGR.")
        XCTAssertEqual(model.home.state?.activated, true)
        XCTAssertEqual(try model.core.deviceStatus().serverKeyFingerprint, server.fingerprint)
        XCTAssertEqual(model.home.state?.toSend, 1, "still no signal: nothing went")
        model.back()

        // A second participant, half entered when the agent leaves the app.
        let second = model.enrollment(model.openNewEnrollment())
        second.setText("full_name", "Budi Santoso")
        second.setText("nik", "3201151203850001")
        let formRoute = second.route
        // A minute away (an SMS sent): no lock, nothing lost.
        model.didLeaveForeground()
        XCTAssertTrue(model.lock.covered)
        XCTAssertFalse(model.lock.showsScreens)
        device.clock.seconds += 60
        model.didEnterForeground()
        XCTAssertFalse(model.lock.locked)
        // Six minutes away: locked again; the screen and what was typed are still there.
        model.didLeaveForeground()
        device.clock.seconds += 6 * 60
        model.didEnterForeground()
        XCTAssertTrue(model.lock.locked)
        XCTAssertEqual(model.path, [formRoute])
        XCTAssertTrue(model.enrollment(formRoute) === second)
        XCTAssertEqual(second.fields.first { $0.key == "full_name" }?.text, "Budi Santoso")
        model.lock.unlock()
        XCTAssertEqual(second.fields.first { $0.key == "nik" }?.text, "3201151203850001")
        // Leaving the app kept it as a draft too: the phone restarts the app later.
        let draftId = try XCTUnwrap(second.draftId)
        model = try device.launch()
        model.lock.unlock()
        XCTAssertEqual(model.home.state?.drafts, 1)
        model.open(.myEnrollments)
        let mine = model.myEnrollments()
        let draftRow = try XCTUnwrap(mine.rows.first { $0.isDraft })
        XCTAssertEqual(draftRow.id, draftId)
        XCTAssertEqual(draftRow.stateLabel, "Draf")
        mine.open(draftRow)
        XCTAssertEqual(model.path.last, .draft(draftId))
        let reopened = model.enrollment(.draft(draftId))
        XCTAssertEqual(reopened.fields.first { $0.key == "full_name" }?.text, "Budi Santoso")
        fill(reopened, [("birth_place", "Bogor"), ("birth_date", "1985-03-12"), ("phone", "0813-1111-2222"),
                        ("address", "Pangkalan ojek Jl. Pajajaran, Bogor"), ("monthly_income", "1.500.000")],
             sex: "Laki-laki", occupation: "Kurir", months: "1 bulan")
        reopened.submit()
        let budi = try XCTUnwrap(reopened.submitted, "\(reopened.fields.flatMap(\.errors))")
        XCTAssertEqual(budi.id, draftId, "a submitted draft keeps its id")
        XCTAssertEqual(model.home.state?.toSend, 2)
        XCTAssertEqual(model.home.state?.drafts, 0)

        // The signal comes back: the waiting sync runs by itself.
        device.network.set(online: true)
        guard case let .done(report) = model.scheduler.status else { return XCTFail("\(model.scheduler.status)") }
        XCTAssertEqual(report.sent, 2)
        XCTAssertEqual(report.accepted, 2)
        XCTAssertEqual(model.home.state?.toSend, 0)
        XCTAssertEqual(model.home.state?.awaitingReview, 2)
        XCTAssertNotNil(model.home.state?.lastSync)
        XCTAssertEqual(model.home.syncText, "Terkirim 2, diterima 2, ditolak 0.")

        // The supervisor approves Siti and returns Budi's record; a background run brings it down.
        try server.admin("decide", "--record", siti.id, "--decision", "approved")
        try server.admin("decide", "--record", budi.id, "--decision", "has_issues", "--reason", "Alamat kurang lengkap")
        let run = try XCTUnwrap(device.background.grant())
        XCTAssertEqual(run.completions, [true])
        XCTAssertEqual(model.home.state?.approved, 1)
        XCTAssertEqual(model.home.state?.needsFix, 1)
        mine.reload()
        let budiRow = try XCTUnwrap(mine.rows.first { $0.id == budi.id })
        XCTAssertTrue(budiRow.needsFix)
        XCTAssertFalse(budiRow.canWithdraw)
        XCTAssertEqual(budiRow.stateLabel, "Perlu diperbaiki")

        // Siti's payment code came back: on her receipt and in "Peserta saya", due this month.
        let sitiReceipt = model.receipt(siti.id)
        let code = try XCTUnwrap(sitiReceipt.receipt?.receipt.paymentCode)
        XCTAssertTrue(sitiReceipt.receipt?.shareText.contains(code) ?? false)
        model.open(.participants)
        let participants = model.participants()
        let row = try XCTUnwrap(participants.rows.first { $0.id == siti.id })
        XCTAssertEqual(row.name, "SITI AMINAH")
        XCTAssertEqual(row.paymentCode, code)
        XCTAssertEqual(participants.paymentCodeText(row), "Kode iuran: \(code)")
        let thisMonth = try XCTUnwrap(receipt.receipt?.receipt.enrolledOn.map { d in
            String(d.split(separator: "/").reversed().prefix(2).joined(separator: "-"))
        })
        XCTAssertEqual(row.nextDueMonth, thisMonth)
        XCTAssertEqual(participants.dueText(row),
                       "Iuran berikutnya: \(CalendarText.month(thisMonth, .id))" + (row.overdue ? " (terlambat)" : ""))
        XCTAssertEqual(row.paymentStatus, "BELUM DIBAYAR")

        // Budi's record fixed: the correction starts from what the core kept.
        mine.fix(budiRow)
        let correction = model.enrollment(.correction(budi.id))
        XCTAssertEqual(correction.title, "Perbaiki pendaftaran")
        XCTAssertEqual(correction.reviewNote, "Alamat kurang lengkap")
        XCTAssertTrue(model.receipt(budi.id).receipt?.lines.contains { $0 == ("Catatan supervisor", "Alamat kurang lengkap") } ?? false)
        XCTAssertEqual(correction.fields.first { $0.key == "full_name" }?.text, "BUDI SANTOSO")
        correction.setText("address", "Pangkalan ojek Jl. Pajajaran No. 5, RT 02/RW 03, Bogor")
        correction.setChecked("consent", true)
        correction.submit()
        let fixed = try XCTUnwrap(correction.submitted, "\(correction.fields.flatMap(\.errors)) \(String(describing: correction.problem))")
        XCTAssertNotEqual(fixed.id, budi.id)
        XCTAssertEqual(model.home.state?.needsFix, 0)

        // Siti pays the agent in cash: recorded, still BELUM DIBAYAR, goes with the next sync.
        let cash = model.cash(siti.id)
        XCTAssertEqual(cash.participant?.name, "SITI AMINAH")
        XCTAssertEqual(cash.receiptContribution, "Rp80.400 untuk 3 bulan")
        cash.amount = "banyak"
        cash.months = "3"
        cash.save()
        XCTAssertNotNil(cash.amountError, "the core refuses what is not an amount")
        XCTAssertNil(cash.saved)
        cash.amount = "Rp80.400"
        cash.save()
        let saved = try XCTUnwrap(cash.saved, cash.problem ?? "")
        XCTAssertEqual(saved.cash.amountFormatted, "Rp80.400")
        XCTAssertEqual(saved.paymentStatus, "BELUM DIBAYAR")
        XCTAssertFalse(saved.paid)
        XCTAssertEqual(model.home.state?.unsentCash, 1)
        model.home.send()
        guard case .done = model.scheduler.status else { return XCTFail("\(model.scheduler.status)") }
        XCTAssertEqual(model.home.state?.unsentCash, 0)
        XCTAssertEqual(model.home.state?.awaitingReview, 1, "the correction went")
        XCTAssertEqual(try model.core.receipt(id: budi.id).state, .superseded)

        // The branch confirms her first month's payment: paid, the next month due, and the
        // agent's running month shows a provisional contribution incentive of 15%.
        let paidAt = ISO8601DateFormatter().string(from: Date())
        let imported = try server.importPayments(["PAY-\(UUID().uuidString.prefix(8)),3201155501900002,\(thisMonth),26800,\(paidAt)"])
        XCTAssertTrue(imported.contains("\"imported\": 1") || imported.contains("\"imported\":1"), imported)
        model.home.send()
        guard case .done = model.scheduler.status else { return XCTFail("\(model.scheduler.status)") }
        participants.reload()
        let paidRow = try XCTUnwrap(participants.rows.first { $0.id == siti.id })
        XCTAssertEqual(paidRow.nextDueMonth, CalendarText.shift(thisMonth, by: 1))
        XCTAssertEqual(model.receipt(siti.id).receipt?.receipt.paymentStatus, "SUDAH DIBAYAR")
        model.open(.commission)
        let commission = model.commission()
        let page = try XCTUnwrap(commission.page, commission.problem ?? "")
        XCTAssertEqual(page.month, thisMonth)
        XCTAssertFalse(page.confirmed)
        XCTAssertTrue(page.statusText.hasPrefix("Sementara per "), page.statusText)
        XCTAssertFalse(page.canGoNext)
        let line = try XCTUnwrap(page.lines.first { $0.kind == .contribution })
        XCTAssertEqual(line.amountFormatted, "Rp4.020")
        XCTAssertEqual(line.participant, "SITI AMINAH")
        XCTAssertEqual(line.kindLabel, "Iuran")
        XCTAssertFalse(line.note.contains(" / "), "only the agent's language: \(line.note)")
        commission.previous()
        XCTAssertEqual(commission.page?.month, CalendarText.shift(thisMonth, by: -1))
        XCTAssertEqual(commission.page?.canGoNext, true)
        commission.next()
        XCTAssertEqual(commission.page?.month, thisMonth)

        // One language setting: the screens and the core's messages switch together, and stay.
        let idNote = line.note
        model.setLanguage(.en)
        XCTAssertEqual(model.t(ScreenText.homeTitle), "Home")
        XCTAssertTrue(commission.page?.statusText.hasPrefix("Provisional as of ") ?? false)
        let enNote = try XCTUnwrap(commission.page?.lines.first { $0.kind == .contribution }?.note)
        XCTAssertNotEqual(enNote, idNote)
        XCTAssertEqual(model.receipt(siti.id).receipt?.lines.first?.0, "Receipt no.")
        XCTAssertTrue(model.receipt(siti.id).receipt?.shareText.hasPrefix("BPJS KETENAGAKERJAAN ENROLLMENT RECEIPT") ?? false)
        let english = model.enrollment(model.openNewEnrollment())
        XCTAssertEqual(english.fields.first { $0.key == "full_name" }?.label, "Full name")
        english.setText("nik", "12345")
        english.check()
        XCTAssertEqual(english.fields.first { $0.key == "nik" }?.errors, ["The NIK must be 16 digits, as on the ID card (KTP)."])
        model = try device.launch(locale: Locale(identifier: "id_ID"))
        XCTAssertEqual(model.lang, .en, "the agent's choice outlives a restart")
    }
}
