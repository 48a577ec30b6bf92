// The enrollment form screen: a new enrollment, a reopened draft or a correction. What the agent
// enters is kept here while the screen is on the stack (a relock or a redraw loses nothing) and
// saved as a draft when the agent leaves the screen or the app; submitting queues it and opens
// its receipt.

import Foundation
import PerisaiCore

public final class EnrollmentScreen: ScreenState, LanguageFollower {
    /// A fix older than this is not taken: the agent is somewhere else by now.
    public static let freshFixAge: TimeInterval = 120
    /// A fix less precise than this is not taken (a cell-tower guess, not a GPS fix).
    public static let usableAccuracyM: Double = 500

    private unowned let model: AppModel
    public let route: Route
    public let correcting: String?
    private var form: EnrollmentForm?
    private var startedDraftId: String?

    public private(set) var fields: [FieldUI] = []
    public private(set) var quote: QuoteUI?
    /// Warnings the agent must confirm before it is queued.
    public private(set) var warnings: [IssueUI] = []
    public private(set) var problem: String?
    public private(set) var locating = false
    public private(set) var locationProblem: String?
    /// The draft this form is saved as, once saved.
    public private(set) var draftId: String?
    /// Set when the enrollment was queued (the receipt opens).
    public private(set) var submitted: Submitted?
    /// For a correction: what the supervisor wrote when returning the record.
    public private(set) var reviewNote: String?

    init(model: AppModel, route: Route, draftId: String? = nil, correcting: String? = nil) {
        self.model = model
        self.route = route
        self.correcting = correcting
        startedDraftId = draftId
        super.init()
        let lang = model.lang
        model.run({ app -> (EnrollmentForm, String?) in
            let form = try EnrollmentForm(app: app, lang: lang, correcting: correcting, draftId: draftId)
            return (form, try correcting.flatMap { try app.receipt(id: $0).reviewNote })
        }) { [self] result in
            switch result {
            case let .success((form, note)):
                self.form = form
                reviewNote = note
                self.draftId = form.draftId
                show(form.fields, form.quote())
            case let .failure(error):
                problem = model.problem(error)
                changed()
            }
        }
    }

    public var title: String {
        model.t(correcting == nil ? ScreenText.enrollmentTitle : ScreenText.correctionTitle)
    }

    public func setText(_ key: String, _ value: String) { edit { $0.setText(key, value) } }
    public func select(_ key: String, _ index: Int) { edit { $0.select(key, index) } }
    public func setChecked(_ key: String, _ value: Bool) { edit { $0.setChecked(key, value) } }

    /// Core: checks everything entered; each field then shows its issues.
    public func check() { edit { _ = try? $0.check() } }

    /// Asks the phone for a fix now and takes it only when fresh and precise enough.
    public func captureLocation() {
        guard let key = form?.locationKey else { return }
        locating = true
        locationProblem = nil
        changed()
        let now = Date()
        model.platform.location.requestFix { [self] result in
            model.platform.lanes.main.async { [self] in
                locating = false
                switch result {
                case let .success(fix):
                    if let refusal = Self.refusal(of: fix, now: now) {
                        locationProblem = model.t(refusal)
                        changed()
                    } else {
                        edit { $0.setLocation(key, lat: fix.lat, lon: fix.lon, accuracyM: fix.accuracyM) }
                    }
                case .failure(.denied):
                    locationProblem = model.t(ScreenText.locationDenied)
                    changed()
                case .failure(.unavailable):
                    locationProblem = model.t(ScreenText.locationUnavailable)
                    changed()
                }
            }
        }
    }

    /// Why a fix is not taken, or nil: one measured before the agent asked (a cached one) or more
    /// than `freshFixAge` before it, or too imprecise.
    static func refusal(of fix: LocationFix, now asked: Date) -> Words? {
        if fix.takenAt < asked.addingTimeInterval(-freshFixAge) { return ScreenText.locationStale }
        if fix.accuracyM > usableAccuracyM || fix.accuracyM < 0 { return ScreenText.locationImprecise }
        return nil
    }

    /// Core: validates, seals and queues (or corrects); warnings only with `acceptWarnings`.
    public func submit(acceptWarnings: Bool = false) {
        guard let form else { return }
        warnings = []
        model.run({ _ in (form.submit(acceptWarnings: acceptWarnings), form.fields) }) { [self] result in
            guard case let .success((outcome, fields)) = result else { return }
            self.fields = fields
            switch outcome {
            case let .done(done):
                submitted = done
                problem = nil
                changed()
                model.replaceTop(with: .receipt(done.id))
                // Sent at once when there is a network, else as soon as one appears.
                model.scheduler.sendNow()
            case let .confirmWarnings(list):
                warnings = list
                changed()
            case .fixErrors:
                problem = model.t(ScreenText.fixErrors)
                changed()
            case let .refused(_, message):
                problem = message
                changed()
            }
        }
    }

    /// The agent dismissed the warnings to look again.
    public func dismissWarnings() {
        warnings = []
        changed()
    }

    /// Core: keeps what was entered as a draft (not validated).
    public func saveDraft() {
        guard let form else { return }
        model.run({ _ in try form.saveDraft() }) { [self] result in
            switch result {
            case let .success(id): draftId = id
            case let .failure(error): problem = model.problem(error)
            }
            changed()
        }
    }

    /// When the agent leaves the screen or the app: a started new form (or a reopened draft) is
    /// kept as a draft; a submitted one or a correction is not.
    func saveDraftIfStarted() {
        guard submitted == nil, correcting == nil, let form, form.hasInput || startedDraftId != nil else { return }
        saveDraft()
    }

    func languageChanged() {
        let lang = model.lang
        edit { $0.lang = lang }
    }

    /// Every change and core call on the core lane; the fields and the quote are redrawn after.
    private func edit(_ change: @escaping (EnrollmentForm) -> Void) {
        guard let form else { return }
        model.run({ _ -> ([FieldUI], QuoteUI?) in
            change(form)
            return (form.fields, form.quote())
        }) { [self] result in
            if case let .success((fields, quote)) = result { show(fields, quote) }
        }
    }

    private func show(_ fields: [FieldUI], _ quote: QuoteUI?) {
        self.fields = fields
        self.quote = quote
        changed()
    }
}
