// The receipt ("Bukti pendaftaran"): the core's lines and the text sent to the participant.

import Foundation
import PerisaiCore

public final class ReceiptScreen: ScreenState, LanguageFollower, SyncFollower {
    private unowned let model: AppModel
    public let id: String
    public private(set) var receipt: ReceiptModel?
    public private(set) var problem: String?

    init(model: AppModel, id: String) {
        self.model = model
        self.id = id
        super.init()
        reload()
    }

    /// Core: the receipt again (after a sync a payment code or a confirmation may have come).
    public func reload() {
        let (id, lang) = (self.id, model.lang)
        model.run({ try ReceiptModel.load(app: $0, id: id, lang: lang) }) { [self] result in
            switch result {
            case let .success(r): receipt = r
            case let .failure(error): problem = model.problem(error)
            }
            changed()
        }
    }

    /// `sms:` with the core's text, to the participant's number while the core has it.
    public var smsURL: URL? {
        guard let receipt else { return nil }
        var components = URLComponents()
        components.scheme = "sms"
        components.path = receipt.receipt.phone ?? ""
        components.queryItems = [URLQueryItem(name: "body", value: receipt.shareText)]
        return components.url
    }

    func languageChanged() { reload() }
    func synced() { reload() }
}
