// PerisaiCore: the uniffi-generated Swift bindings of perisai-ffi (Generated/perisai_ffi.swift,
// copied there by ios/build-xcframework.sh on a Mac and by scripts/swift-tests.sh on Linux) and
// small conveniences over them. No domain rule lives here or anywhere in the app: validation,
// tariffs, sealing, queue rules, the receipt's text and number parsing are the core's.

import Foundation

/// The agent's language: one setting for the screens' words and the core's messages.
public enum Lang: String, Sendable, CaseIterable {
    case id
    case en

    /// Indonesian for `id`/`in` locales, English otherwise.
    public static func from(locale: Locale) -> Lang {
        let code = locale.identifier.lowercased()
        return code.hasPrefix("id") || code.hasPrefix("in") ? .id : .en
    }
}

extension Message {
    /// The core's bilingual text in the agent's language.
    public func text(_ lang: Lang) -> String { lang == .id ? id : en }
}

extension PerisaiError {
    /// The stable code, whatever the case.
    public var code: String {
        switch self {
        case let .Failed(code, _, _, _): return code
        case let .Invalid(code, _, _, _): return code
        }
    }

    /// The request parameter at fault (`amount`, `months`, `month`…), when the core names one.
    public var field: String? {
        if case let .Failed(_, _, _, field) = self { return field }
        return nil
    }

    /// The core's message (never personal data) in the agent's language.
    public func message(_ lang: Lang) -> String {
        switch self {
        case let .Failed(_, messageId, messageEn, _): return lang == .id ? messageId : messageEn
        case let .Invalid(_, messageId, messageEn, _): return lang == .id ? messageId : messageEn
        }
    }
}
