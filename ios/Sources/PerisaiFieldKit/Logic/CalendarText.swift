// The core's months and times as an agent reads them (the Swift twin of the Android app's
// logic/CalendarText.kt): `2026-11` → `November 2026`, an RFC 3339 time → `04/12/2026`.
// Presentation only: which month a payment or a statement belongs to is the core's decision.

import Foundation
import PerisaiCore

public enum CalendarText {
    // From this table rather than the platform's locale data, so Android, iOS and the JVM tests
    // print the same words.
    private static let idMonths = ["Januari", "Februari", "Maret", "April", "Mei", "Juni",
                                   "Juli", "Agustus", "September", "Oktober", "November", "Desember"]
    private static let enMonths = ["January", "February", "March", "April", "May", "June",
                                   "July", "August", "September", "October", "November", "December"]

    /// `YYYY-MM` as `November 2026`; as is when unreadable.
    public static func month(_ yearMonth: String, _ lang: Lang) -> String {
        guard let ym = parseMonth(yearMonth) else { return yearMonth }
        let names = lang == .id ? idMonths : enMonths
        return "\(names[ym.month - 1]) \(ym.year)"
    }

    /// The core's RFC 3339 time as `dd/MM/yyyy` in the agent's zone; as is when unreadable.
    public static func date(_ rfc3339: String) -> String { format(rfc3339, "dd/MM/yyyy") }

    /// The core's RFC 3339 time as `dd/MM/yyyy HH.mm` in the agent's zone.
    public static func dateTime(_ rfc3339: String) -> String { format(rfc3339, "dd/MM/yyyy HH.mm") }

    /// `YYYY-MM` shifted by `delta` months, or nil when unreadable.
    public static func shift(_ yearMonth: String, by delta: Int) -> String? {
        guard let ym = parseMonth(yearMonth) else { return nil }
        let index = ym.year * 12 + (ym.month - 1) + delta
        return String(format: "%04d-%02d", index / 12, index % 12 + 1)
    }

    static func parseMonth(_ text: String) -> (year: Int, month: Int)? {
        let parts = text.trimmingCharacters(in: .whitespaces).split(separator: "-")
        guard parts.count == 2, parts[0].count == 4, parts[1].count == 2,
              let year = Int(parts[0]), let month = Int(parts[1]), (1...12).contains(month) else { return nil }
        return (year: year, month: month)
    }

    private static func format(_ rfc3339: String, _ pattern: String) -> String {
        guard let date = ISO8601DateFormatter().date(from: rfc3339) else { return rfc3339 }
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.dateFormat = pattern
        return f.string(from: date)
    }
}
