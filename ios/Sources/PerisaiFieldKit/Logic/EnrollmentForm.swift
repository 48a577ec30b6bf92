// The enrollment form's state, rendered from the core's FormDefinition. Fields, order, labels,
// hints, options, limits and keyboards are the core's; so are reading a typed number
// (`parseWholeNumber`) and pricing what is entered (`quoteForm`). The form keeps what the agent
// entered, writes the enrollment JSON, and shows the core's report beside each field.
// Blocking: use it on the app model's core lane (EnrollmentScreen does).

import Foundation
import PerisaiCore

public struct FieldUI: Identifiable, Equatable {
    public var id: String { key }
    public let key: String
    public let kind: FieldKind
    /// The keyboard the core asks for (digits for a NIK, the phone pad for a phone…).
    public let input: InputMode
    public let label: String
    public let hint: String
    public let required: Bool
    public let maxLength: Int?
    public let options: [String]
    /// Radio buttons (one answer) rather than check boxes.
    public let singlePick: Bool
    public let text: String
    public let selected: Set<Int>
    public let checked: Bool
    /// For a location field: the fix taken, as `-6.59500, 106.81600 (±12 m)`.
    public let location: String?
    public let errors: [String]
    public let warnings: [String]
}

public struct IssueUI: Identifiable, Equatable {
    public var id: String { field + code }
    public let field: String
    public let code: String
    public let message: String
}

/// The contribution for what is entered so far, as the core prices it.
public struct QuoteUI: Equatable {
    public let total: Int64
    /// `Rp50.400`.
    public let totalFormatted: String
    public let months: Int
}

public enum SubmitResult {
    case done(Submitted)
    case confirmWarnings([IssueUI])
    case fixErrors([IssueUI])
    case refused(code: String, message: String)
}

public final class EnrollmentForm {
    public let definition: FormDefinition
    public var lang: Lang
    /// The record this form corrects ("has issues" or rejected), if any.
    public let correcting: String?
    public private(set) var draftId: String?

    private let app: AgentAppProtocol
    private let inputs: [FieldDef]
    private var text: [String: String] = [:]
    private var picked: [String: Set<Int>] = [:]
    private var checked: [String: Bool] = [:]
    private var locations: [String: [String: Double]] = [:]
    private var report: ValidationReport?

    public init(app: AgentAppProtocol, lang: Lang, correcting: String? = nil, draftId: String? = nil) throws {
        self.app = app
        self.lang = lang
        self.correcting = correcting
        self.definition = app.form()
        self.inputs = definition.fields.filter { !$0.deviceManaged }
        if let draftId {
            self.draftId = draftId
            try fill(json: app.loadDraft(draftId: draftId))
        } else if let correcting, let json = try? app.enrollmentJson(id: correcting) {
            // The record to fix, as the core keeps it (nothing when its content was erased).
            try fill(json: json)
        }
    }

    public var fields: [FieldUI] { inputs.map(render) }

    public func setText(_ key: String, _ value: String) {
        guard let def = def(key) else { return }
        if let max = def.constraints.maxLength, value.count > Int(max) {
            text[key] = String(value.prefix(Int(max)))
        } else {
            text[key] = value
        }
        forget(key)
    }

    public func select(_ key: String, _ index: Int) {
        guard let def = def(key), def.options.indices.contains(index) else { return }
        var now = picked[key] ?? []
        if def.kind == .multiChoice && !optionsAreSets(def) {
            if now.contains(index) { now.remove(index) } else { now.insert(index) }
        } else {
            now = [index]
        }
        picked[key] = now
        forget(key)
    }

    public func setChecked(_ key: String, _ value: Bool) {
        checked[key] = value
        forget(key)
    }

    public func setLocation(_ key: String, lat: Double, lon: Double, accuracyM: Double) {
        locations[key] = ["lat": lat, "lon": lon, "accuracy_m": accuracyM]
        forget(key)
    }

    /// The key of the form's location field, if it has one.
    public var locationKey: String? { inputs.first { $0.kind == .location }?.key }

    /// Something was entered (an empty form is not kept as a draft).
    public var hasInput: Bool { json() != "{}" }

    /// Core: the contribution for what is entered so far; nil while there is nothing to price.
    public func quote() -> QuoteUI? {
        guard let quote = try? app.quoteForm(inputJson: json()) else { return nil }
        return QuoteUI(total: quote.totalDue, totalFormatted: formatRupiah(amount: quote.totalDue), months: quote.months.count)
    }

    /// The enrollment as the JSON object the core takes (empty fields left out).
    public func json() -> String {
        var object: [String: Any] = [:]
        for def in inputs {
            if let value = value(of: def) { object[def.key] = value }
        }
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    /// Core: validates without saving; every field then shows its issues.
    @discardableResult
    public func check() throws -> ValidationReport {
        let r = try app.validate(inputJson: json())
        report = r
        return r
    }

    /// Core: validates, seals and queues (or corrects). Warnings only with the agent's consent.
    public func submit(acceptWarnings: Bool = false) -> SubmitResult {
        let body = json()
        do {
            let done: Submitted
            if let correcting {
                done = try app.correct(id: correcting, inputJson: body, acceptWarnings: acceptWarnings)
            } else if let draftId {
                _ = try app.saveDraft(draftId: draftId, inputJson: body)
                done = try app.submitDraft(draftId: draftId, acceptWarnings: acceptWarnings)
            } else {
                done = try app.submit(inputJson: body, acceptWarnings: acceptWarnings)
            }
            report = nil
            return .done(done)
        } catch let PerisaiError.Invalid(_, _, _, report) {
            self.report = report
            if !report.errors.isEmpty { return .fixErrors(report.errors.map(ui)) }
            return .confirmWarnings(report.warnings.map(ui))
        } catch let error as PerisaiError {
            return .refused(code: error.code, message: error.message(lang))
        } catch {
            return .refused(code: "platform.unexpected", message: error.localizedDescription)
        }
    }

    /// Core: saves what was entered as a draft; returns its id.
    @discardableResult
    public func saveDraft() throws -> String {
        let id = try app.saveDraft(draftId: draftId, inputJson: json())
        draftId = id
        return id
    }

    // MARK: - JSON values

    private func value(of def: FieldDef) -> Any? {
        switch def.kind {
        case .text, .date:
            guard let t = text[def.key], !t.trimmingCharacters(in: .whitespaces).isEmpty else { return nil }
            return t
        case .integer:
            guard let t = text[def.key]?.trimmingCharacters(in: .whitespaces), !t.isEmpty else { return nil }
            // What the core reads as a number (`2.000.000`) is one; anything else goes as typed,
            // and the core answers with its `type` error.
            return parseWholeNumber(typed: t).map { NSNumber(value: $0) } ?? t
        case .choice:
            guard let i = picked[def.key]?.first else { return nil }
            return parse(def.options[i].valueJson)
        case .multiChoice:
            guard let chosen = picked[def.key], !chosen.isEmpty else { return nil }
            if optionsAreSets(def), let i = chosen.first { return parse(def.options[i].valueJson) }
            return chosen.sorted().compactMap { parse(def.options[$0].valueJson) }
        case .boolean:
            return checked[def.key]
        case .location:
            return locations[def.key]
        }
    }

    private func fill(json: String) throws {
        guard let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] else { return }
        for def in inputs {
            guard let value = object[def.key] else { continue }
            switch def.kind {
            case .text, .date:
                if let s = value as? String { text[def.key] = s }
            case .integer:
                if let n = value as? NSNumber { text[def.key] = n.stringValue } else if let s = value as? String { text[def.key] = s }
            case .choice, .multiChoice:
                let wanted = canonical(value)
                if let i = def.options.firstIndex(where: { parse($0.valueJson).map(canonical) == wanted }) {
                    picked[def.key] = [i]
                }
            case .boolean:
                if let b = value as? Bool { checked[def.key] = b }
            case .location:
                if let l = value as? [String: Any], let lat = (l["lat"] as? NSNumber)?.doubleValue,
                   let lon = (l["lon"] as? NSNumber)?.doubleValue {
                    locations[def.key] = ["lat": lat, "lon": lon, "accuracy_m": (l["accuracy_m"] as? NSNumber)?.doubleValue ?? 0]
                }
            }
        }
    }

    private func parse(_ valueJson: String) -> Any? {
        try? JSONSerialization.jsonObject(with: Data(valueJson.utf8), options: [.fragmentsAllowed])
    }

    /// Comparable text of a JSON value; arrays compared as sets (`["JKM","JKK"]` is `["JKK","JKM"]`).
    private func canonical(_ value: Any) -> String {
        if let array = value as? [Any] { return array.map { "\($0)" }.sorted().joined(separator: ",") }
        return "\(value)"
    }

    private func optionsAreSets(_ def: FieldDef) -> Bool {
        !def.options.isEmpty && def.options.allSatisfy { parse($0.valueJson) is [Any] }
    }

    // MARK: - rendering

    private func def(_ key: String) -> FieldDef? { inputs.first { $0.key == key } }

    private func forget(_ key: String) {
        guard let r = report else { return }
        report = ValidationReport(
            valid: r.valid,
            errors: r.errors.filter { $0.field != key },
            warnings: r.warnings.filter { $0.field != key }
        )
    }

    static func locationText(_ l: [String: Double]) -> String {
        String(format: "%.5f, %.5f (±%.0f m)", l["lat"] ?? 0, l["lon"] ?? 0, l["accuracy_m"] ?? 0)
    }

    private func ui(_ issue: Issue) -> IssueUI {
        IssueUI(field: issue.field, code: issue.code, message: issue.message.text(lang))
    }

    private func render(_ def: FieldDef) -> FieldUI {
        FieldUI(
            key: def.key,
            kind: def.kind,
            input: def.input,
            label: def.label.text(lang),
            hint: def.hint.text(lang),
            required: def.required,
            maxLength: def.constraints.maxLength.map { Int($0) },
            options: def.options.map { $0.label.text(lang) },
            singlePick: def.kind == .choice || optionsAreSets(def),
            text: text[def.key] ?? "",
            selected: picked[def.key] ?? [],
            checked: checked[def.key] ?? false,
            location: locations[def.key].map(Self.locationText),
            errors: (report?.errors ?? []).filter { $0.field == def.key }.map { $0.message.text(lang) },
            warnings: (report?.warnings ?? []).filter { $0.field == def.key }.map { $0.message.text(lang) }
        )
    }
}
