// Run on macOS after ios/build-xcframework.sh: `swift test` (host) or Xcode (simulator).
// The same behaviour is tested on Linux through the Kotlin twin of this code (bindings/jvm).

import PerisaiCore
@testable import PerisaiFieldKit
import XCTest

final class PerisaiFieldKitTests: XCTestCase {
    private var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: dir)
    }

    func testTheSecureEnclaveSignerSpeaksTheProtocolEncodings() throws {
        let signer = SecureEnclaveSigner(tag: "test.\(UUID().uuidString)")
        defer { signer.delete() }
        XCTAssertEqual(try signer.publicKey().count, 65)
        XCTAssertTrue(try checkDeviceSigner(signer: signer))
    }

    func testTheKeychainVaultOpensTheSealedStore() throws {
        let vault = KeychainKeyVault(account: "test.\(UUID().uuidString)")
        let app = try AgentApp.open(dataDir: dir.path, utcOffsetMinutes: 420, keyVault: vault)
        XCTAssertEqual(try app.queueStatus()["queued"], 0)
        XCTAssertThrowsError(try vault.unwrapKey(wrapped: Data([1, 2, 3])))
    }

    func testTheFormIsRenderedFromTheCoreAndShowsItsErrors() throws {
        let app = try AgentApp.open(dataDir: dir.path, utcOffsetMinutes: 420, keyVault: softwareKeyVault(path: dir.appendingPathComponent("k").path))
        let form = try EnrollmentForm(app: app, lang: .id)
        XCTAssertEqual(form.fields.first?.key, "nik")
        XCTAssertFalse(form.fields.contains { $0.key == "supersedes" })
        form.setText("nik", "12345")
        guard case .fixErrors = form.submit() else { return XCTFail("an invalid form must not be queued") }
        XCTAssertFalse(form.fields.first { $0.key == "nik" }!.errors.isEmpty)
    }

    func testANewDeviceShowsAProvisionalCommissionOfZero() throws {
        let app = try AgentApp.open(dataDir: dir.path, utcOffsetMinutes: 420, keyVault: softwareKeyVault(path: dir.appendingPathComponent("k").path))
        let page = try CommissionModel(app: app, lang: .id).start()
        XCTAssertFalse(page.confirmed)
        XCTAssertTrue(page.statusText.hasPrefix("Sementara per "))
        XCTAssertEqual(page.totalFormatted, "Rp0")
        XCTAssertTrue(page.lines.isEmpty)
        XCTAssertFalse(page.canGoNext)
    }

    func testCashIsCheckedByTheCoreAndTheReceiptStaysUnpaid() throws {
        let app = try AgentApp.open(dataDir: dir.path, utcOffsetMinutes: 420, keyVault: softwareKeyVault(path: dir.appendingPathComponent("k").path))
        let json = """
        {"nik": "3201155501900002", "full_name": "Siti Aminah", "birth_place": "Bogor", "birth_date": "1990-01-15",
         "sex": "F", "phone": "0812 3456 7890", "address": "Pasar Anyar Blok C No. 12, Bogor", "occupation": "PEDAGANG",
         "monthly_income": 2000000, "programs": ["JKK", "JKM"], "payment_months": 3, "consent": true, "enrolled_on": "2026-11-20"}
        """
        let id = try app.submit(inputJson: json, acceptWarnings: false).id
        let cash = try CashEntry(app: app, recordId: id, lang: .id)
        cash.setAmount("0")
        cash.setMonths("3")
        guard case .fixInput = cash.save() else { return XCTFail("the core refuses Rp0") }
        XCTAssertNotNil(cash.amountError)
        cash.setAmount("80.400")
        guard case let .saved(done) = cash.save() else { return XCTFail("a valid amount is recorded") }
        XCTAssertEqual(done.paymentStatus, "BELUM DIBAYAR")
        XCTAssertEqual(try app.unsentCash(), 1)
    }
}
