// "Uang tunai diterima": the form an agent fills after taking cash from a participant. The core
// records it, sealed, with the time, and sends it with the next sync.
//
// No rule here: what the agent typed is read by the core (`parseWholeNumber`: grouping dots and
// spaces, `Rp` in front); a text that is not a number is sent as 0, so the core refuses it with its own message,
// shown beside the input it names (`amount` or `months`). Recording cash never makes anything
// paid: the receipt keeps reading BELUM DIBAYAR until the server confirms a payment.

import Foundation
import PerisaiCore

/// Blocking: call it on the app model's lane.
public final class CashEntry {
    public struct Participant {
        public let name: String
        public let nikMasked: String
        public let paymentCode: String?
        public let nextDueMonth: String
    }

    public struct Saved {
        public let cash: CashRecorded
        /// `dd/MM/yyyy HH.mm`.
        public let collectedAt: String
        /// The receipt's status after recording: `BELUM DIBAYAR` until the server confirms.
        public let paymentStatus: String
        public let paid: Bool
        /// Cash records still waiting for a sync, this one included.
        public let unsent: UInt64
    }

    public enum Result {
        case saved(Saved)
        /// The core refused a value; `amountError` or `monthsError` shows its message.
        case fixInput(code: String, message: String)
        /// The core refused for another reason (the record takes no cash, the store failed…).
        case refused(code: String, message: String)
    }

    public let recordId: String
    public let lang: Lang
    /// Who paid, from the card the core keeps; nil when the record has none.
    public let participant: Participant?
    /// What the receipt asks the participant to pay, e.g. `Rp50.400 untuk 3 bulan`.
    public let receiptContribution: String?

    public private(set) var amountText = ""
    public private(set) var monthsText = ""
    public private(set) var amountError: String?
    public private(set) var monthsError: String?
    /// Once recorded, `save()` answers this again and records nothing more.
    public private(set) var saved: Saved?

    private let app: AgentAppProtocol

    /// Core: the form for the participant of record `recordId`.
    public init(app: AgentAppProtocol, recordId: String, lang: Lang) throws {
        self.app = app
        self.recordId = recordId
        self.lang = lang
        if let card = try app.participants().first(where: { $0.recordId == recordId }) {
            participant = Participant(name: card.name, nikMasked: card.nikMasked, paymentCode: card.paymentCode,
                                      nextDueMonth: card.nextDueMonth)
        } else {
            participant = nil
        }
        let receipt = try? app.receipt(id: recordId)
        if let total = receipt?.totalFormatted {
            let months = receipt?.paymentMonths.map { " " + ScreenText.forMonths(Int($0)).text(lang) } ?? ""
            receiptContribution = total + months
        } else {
            receiptContribution = nil
        }
    }

    public func setAmount(_ text: String) {
        amountText = text
        amountError = nil
    }

    public func setMonths(_ text: String) {
        monthsText = text
        monthsError = nil
    }

    /// Core: records the cash now; once recorded, answers the same without recording twice.
    public func save() -> Result {
        if let saved { return .saved(saved) }
        do {
            let cash = try app.recordCash(recordId: recordId, amount: Self.wholeNumber(amountText),
                                          months: Self.months(monthsText))
            let receipt = try app.receipt(id: recordId)
            let unsent = try app.unsentCash()
            let done = Saved(cash: cash, collectedAt: CalendarText.dateTime(cash.collectedAt),
                             paymentStatus: receipt.paymentStatus, paid: receipt.paid, unsent: unsent)
            saved = done
            return .saved(done)
        } catch let error as PerisaiError {
            let message = error.message(lang)
            switch error.field {
            case "amount":
                amountError = message
                return .fixInput(code: error.code, message: message)
            case "months":
                monthsError = message
                return .fixInput(code: error.code, message: message)
            default:
                return .refused(code: error.code, message: message)
            }
        } catch {
            return .refused(code: "platform.unexpected", message: error.localizedDescription)
        }
    }

    /// Core: `50.400`, `Rp50.400` → 50400; anything else → 0, which the core refuses.
    static func wholeNumber(_ typed: String) -> Int64 { parseWholeNumber(typed: typed) ?? 0 }

    /// Months as the facade takes them; a negative or unreadable text → 0, which the core refuses.
    static func months(_ typed: String) -> UInt32 {
        guard let n = parseWholeNumber(typed: typed), n >= 0, n <= Int64(UInt32.max) else { return 0 }
        return UInt32(n)
    }
}
