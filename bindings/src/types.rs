//! The records and enums the shells see, each mirroring one core type field for field, and the
//! `From` conversions between them. Conversion code only: no rule, default or format is decided
//! here (matrix-rust-sdk's facade style).

use perisai_core::app::{
    CashRecorded as CoreCashRecorded, ParticipantCard as CoreParticipantCard,
    Receipt as CoreReceipt, RecordState as CoreRecordState, RecordSummary as CoreRecordSummary,
    Submitted as CoreSubmitted,
};
use perisai_core::form::{
    Choice as CoreChoice, Constraints as CoreConstraints, FieldDef as CoreFieldDef,
    FieldKind as CoreFieldKind, FormDefinition as CoreFormDefinition, InputMode as CoreInputMode,
};
use perisai_core::incentive::{
    Line as CoreLine, LineKind as CoreLineKind, Statement as CoreStatement,
    Status as CoreStatementStatus,
};
use perisai_core::message::Message as CoreMessage;
use perisai_core::record::Program as CoreProgram;
use perisai_core::rules::report::{Issue as CoreIssue, ValidationReport as CoreReport};
use perisai_core::tariff::{
    MonthQuote as CoreMonthQuote, Quote as CoreQuote, QuoteRequest as CoreQuoteRequest,
};

/// A bilingual text: Indonesian (`id`) first, English (`en`). Never holds personal data.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct Message {
    pub id: String,
    pub en: String,
}

impl From<CoreMessage> for Message {
    fn from(m: CoreMessage) -> Self {
        Message { id: m.id, en: m.en }
    }
}

/// One problem with an enrollment: the field, a stable code (DOMAIN.md §4) and the message.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct Issue {
    pub field: String,
    pub code: String,
    pub message: Message,
}

impl From<CoreIssue> for Issue {
    fn from(i: CoreIssue) -> Self {
        Issue {
            field: i.field,
            code: i.code,
            message: i.message.into(),
        }
    }
}

/// Every problem at once: errors block a submit, warnings need the agent's confirmation.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct ValidationReport {
    pub valid: bool,
    pub errors: Vec<Issue>,
    pub warnings: Vec<Issue>,
}

impl From<CoreReport> for ValidationReport {
    fn from(r: CoreReport) -> Self {
        ValidationReport {
            valid: r.valid,
            errors: r.errors.into_iter().map(Issue::from).collect(),
            warnings: r.warnings.into_iter().map(Issue::from).collect(),
        }
    }
}

/// A BPJS Ketenagakerjaan program open to BPU workers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, uniffi::Enum)]
#[allow(clippy::upper_case_acronyms)]
pub enum Program {
    /// Jaminan Kecelakaan Kerja (work accident).
    JKK,
    /// Jaminan Kematian (death).
    JKM,
    /// Jaminan Hari Tua (old-age savings), optional.
    JHT,
}

impl From<Program> for CoreProgram {
    fn from(p: Program) -> Self {
        match p {
            Program::JKK => CoreProgram::JKK,
            Program::JKM => CoreProgram::JKM,
            Program::JHT => CoreProgram::JHT,
        }
    }
}

impl From<CoreProgram> for Program {
    fn from(p: CoreProgram) -> Self {
        match p {
            CoreProgram::JKK => Program::JKK,
            CoreProgram::JKM => Program::JKM,
            CoreProgram::JHT => Program::JHT,
        }
    }
}

/// What to price: `months` contribution months from (`start_year`, `start_month`).
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct QuoteRequest {
    pub monthly_income: i64,
    pub programs: Vec<Program>,
    pub months: u32,
    pub start_year: i32,
    /// 1 to 12.
    pub start_month: u32,
    /// An occupation code (DOMAIN.md §5); none means not in the transport sector.
    pub occupation: Option<String>,
}

impl From<QuoteRequest> for CoreQuoteRequest {
    fn from(q: QuoteRequest) -> Self {
        CoreQuoteRequest {
            monthly_income: q.monthly_income,
            programs: q.programs.into_iter().map(CoreProgram::from).collect(),
            months: q.months,
            start: (q.start_year, q.start_month),
            occupation: q.occupation,
        }
    }
}

/// One contribution month, in whole rupiah, priced by the rule set named in `rule_set`.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct MonthQuote {
    /// `YYYY-MM`.
    pub month: String,
    pub jkk: i64,
    pub jkm: i64,
    /// 0 when JHT was not chosen.
    pub jht: i64,
    pub total: i64,
    pub rule_set: String,
}

impl From<CoreMonthQuote> for MonthQuote {
    fn from(m: CoreMonthQuote) -> Self {
        MonthQuote {
            month: m.month,
            jkk: m.jkk,
            jkm: m.jkm,
            jht: m.jht,
            total: m.total,
            rule_set: m.rule_set,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct Quote {
    pub months: Vec<MonthQuote>,
    pub total_due: i64,
}

impl From<CoreQuote> for Quote {
    fn from(q: CoreQuote) -> Self {
        Quote {
            months: q.months.into_iter().map(MonthQuote::from).collect(),
            total_due: q.total_due,
        }
    }
}

/// A record's state on the device (ARCHITECTURE.md §3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum RecordState {
    Draft,
    Queued,
    Sent,
    Accepted,
    Flagged,
    Rejected,
    Approved,
    HasIssues,
    RejectedByReview,
    Superseded,
    Withdrawn,
    Purged,
}

impl From<CoreRecordState> for RecordState {
    fn from(s: CoreRecordState) -> Self {
        match s {
            CoreRecordState::Draft => RecordState::Draft,
            CoreRecordState::Queued => RecordState::Queued,
            CoreRecordState::Sent => RecordState::Sent,
            CoreRecordState::Accepted => RecordState::Accepted,
            CoreRecordState::Flagged => RecordState::Flagged,
            CoreRecordState::Rejected => RecordState::Rejected,
            CoreRecordState::Approved => RecordState::Approved,
            CoreRecordState::HasIssues => RecordState::HasIssues,
            CoreRecordState::RejectedByReview => RecordState::RejectedByReview,
            CoreRecordState::Superseded => RecordState::Superseded,
            CoreRecordState::Withdrawn => RecordState::Withdrawn,
            CoreRecordState::Purged => RecordState::Purged,
        }
    }
}

impl From<RecordState> for CoreRecordState {
    fn from(s: RecordState) -> Self {
        match s {
            RecordState::Draft => CoreRecordState::Draft,
            RecordState::Queued => CoreRecordState::Queued,
            RecordState::Sent => CoreRecordState::Sent,
            RecordState::Accepted => CoreRecordState::Accepted,
            RecordState::Flagged => CoreRecordState::Flagged,
            RecordState::Rejected => CoreRecordState::Rejected,
            RecordState::Approved => CoreRecordState::Approved,
            RecordState::HasIssues => CoreRecordState::HasIssues,
            RecordState::RejectedByReview => CoreRecordState::RejectedByReview,
            RecordState::Superseded => CoreRecordState::Superseded,
            RecordState::Withdrawn => CoreRecordState::Withdrawn,
            RecordState::Purged => CoreRecordState::Purged,
        }
    }
}

/// The answer to a submit: the record is durably queued.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct Submitted {
    pub id: String,
    pub receipt_no: u64,
    /// The short reference with a check digit, printed on the receipt.
    pub reference: String,
    pub status: RecordState,
    /// The warnings confirmed with the record.
    pub warnings: Vec<Issue>,
}

impl From<CoreSubmitted> for Submitted {
    fn from(s: CoreSubmitted) -> Self {
        Submitted {
            id: s.id,
            receipt_no: s.receipt_no,
            reference: s.reference,
            status: s.status.into(),
            warnings: s.warnings.into_iter().map(Issue::from).collect(),
        }
    }
}

/// One line of the agent's list.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct RecordSummary {
    pub id: String,
    pub state: RecordState,
    /// `None` for drafts.
    pub receipt_no: Option<u64>,
    pub reference: Option<String>,
    pub created_at: String,
    /// `None` once the content is erased.
    pub full_name: Option<String>,
}

impl From<CoreRecordSummary> for RecordSummary {
    fn from(r: CoreRecordSummary) -> Self {
        RecordSummary {
            id: r.id,
            state: r.state.into(),
            receipt_no: r.receipt_no,
            reference: r.reference,
            created_at: r.created_at,
            full_name: r.full_name,
        }
    }
}

/// The participant's receipt (personal fields are `None` once erased).
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct Receipt {
    pub id: String,
    pub receipt_no: u64,
    pub reference: String,
    pub state: RecordState,
    /// True only once the server confirmed a payment.
    pub paid: bool,
    /// `BELUM DIBAYAR` / `SUDAH DIBAYAR`.
    pub payment_status: String,
    pub full_name: Option<String>,
    pub nik_masked: Option<String>,
    pub programs: Vec<String>,
    pub payment_months: Option<u32>,
    pub total: Option<i64>,
    /// As printed, e.g. `Rp50.400`.
    pub total_formatted: Option<String>,
    /// `dd/mm/yyyy`.
    pub enrolled_on: Option<String>,
    pub created_at: String,
    pub rule_set: Option<String>,
    pub warnings: Vec<Issue>,
    pub supersedes: Option<String>,
    pub payment_code: Option<String>,
    pub next_due_month: Option<String>,
    pub outcome_codes: Vec<String>,
    pub review_note: Option<String>,
    /// The participant's phone (E.164), to send the receipt to; `None` once erased.
    pub phone: Option<String>,
}

impl From<CoreReceipt> for Receipt {
    fn from(r: CoreReceipt) -> Self {
        Receipt {
            id: r.id,
            receipt_no: r.receipt_no,
            reference: r.reference,
            state: r.state.into(),
            paid: r.paid,
            payment_status: r.payment_status,
            full_name: r.full_name,
            nik_masked: r.nik_masked,
            programs: r.programs,
            payment_months: r.payment_months,
            total: r.total,
            total_formatted: r.total_formatted,
            enrolled_on: r.enrolled_on,
            created_at: r.created_at,
            rule_set: r.rule_set,
            warnings: r.warnings.into_iter().map(Issue::from).collect(),
            supersedes: r.supersedes,
            payment_code: r.payment_code,
            next_due_month: r.next_due_month,
            outcome_codes: r.outcome_codes,
            review_note: r.review_note,
            phone: r.phone,
        }
    }
}

/// A participant the agent follows: what the card keeps, also after the record's purge.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct ParticipantCard {
    pub record_id: String,
    pub name: String,
    /// `3201••••••••0001`.
    pub nik_masked: String,
    /// `YYYY-MM`: the first contribution month not yet confirmed paid.
    pub next_due_month: String,
    pub payment_code: Option<String>,
    /// For a purged record, the state it had.
    pub status: RecordState,
    /// E.164 (`+628…`), for the agent's call or WhatsApp.
    pub phone: String,
    /// The next month's contribution is past its due day (the 15th).
    pub overdue: bool,
}

impl From<CoreParticipantCard> for ParticipantCard {
    fn from(c: CoreParticipantCard) -> Self {
        ParticipantCard {
            record_id: c.record_id,
            name: c.name,
            nik_masked: c.nik_masked,
            next_due_month: c.next_due_month,
            payment_code: c.payment_code,
            status: c.status.into(),
            phone: c.phone,
            overdue: c.overdue,
        }
    }
}

/// Cash the agent recorded; `sent` is false until a sync carried it to the branch.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct CashRecorded {
    pub id: String,
    pub record_id: String,
    pub amount: i64,
    /// `Rp50.400`.
    pub amount_formatted: String,
    pub months: u32,
    pub collected_at: String,
    pub sent: bool,
}

impl From<CoreCashRecorded> for CashRecorded {
    fn from(c: CoreCashRecorded) -> Self {
        CashRecorded {
            id: c.id,
            record_id: c.record_id,
            amount: c.amount,
            amount_formatted: c.amount_formatted,
            months: c.months,
            collected_at: c.collected_at,
            sent: c.sent,
        }
    }
}

/// `Confirmed`: issued, never changes. `Provisional`: an estimate as of `as_of`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum StatementStatus {
    Confirmed,
    Provisional,
}

impl From<CoreStatementStatus> for StatementStatus {
    fn from(s: CoreStatementStatus) -> Self {
        match s {
            CoreStatementStatus::Confirmed => StatementStatus::Confirmed,
            CoreStatementStatus::Provisional => StatementStatus::Provisional,
        }
    }
}

/// What a statement line pays for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum LineKind {
    Acquisition,
    Contribution,
    Adjustment,
    Management,
}

impl From<CoreLineKind> for LineKind {
    fn from(k: CoreLineKind) -> Self {
        match k {
            CoreLineKind::Acquisition => LineKind::Acquisition,
            CoreLineKind::Contribution => LineKind::Contribution,
            CoreLineKind::Adjustment => LineKind::Adjustment,
            CoreLineKind::Management => LineKind::Management,
        }
    }
}

/// One line of a statement; `note` reads Indonesian, then English after ` / `.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct StatementLine {
    pub kind: LineKind,
    pub record_id: String,
    pub amount: i64,
    pub note: String,
}

impl From<CoreLine> for StatementLine {
    fn from(l: CoreLine) -> Self {
        StatementLine {
            kind: l.kind.into(),
            record_id: l.record_id,
            amount: l.amount,
            note: l.note,
        }
    }
}

/// A month's commission statement (whole rupiah).
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct Statement {
    /// `YYYY-MM`.
    pub month: String,
    pub status: StatementStatus,
    /// RFC 3339: when it was computed or issued.
    pub as_of: String,
    pub acquisition: i64,
    pub contribution: i64,
    pub adjustments: i64,
    pub total: i64,
    pub lines: Vec<StatementLine>,
}

impl From<CoreStatement> for Statement {
    fn from(s: CoreStatement) -> Self {
        Statement {
            month: s.month.to_string(),
            status: s.status.into(),
            as_of: s.as_of,
            acquisition: s.acquisition,
            contribution: s.contribution,
            adjustments: s.adjustments,
            total: s.total,
            lines: s.lines.into_iter().map(StatementLine::from).collect(),
        }
    }
}

/// The enrollment form, as shells render it.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct FormDefinition {
    pub version: u32,
    /// The rule set the limits and options come from.
    pub rule_set: String,
    pub fields: Vec<FieldDef>,
}

impl From<CoreFormDefinition> for FormDefinition {
    fn from(f: CoreFormDefinition) -> Self {
        FormDefinition {
            version: f.version,
            rule_set: f.rule_set,
            fields: f.fields.into_iter().map(FieldDef::from).collect(),
        }
    }
}

/// One field of the form.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct FieldDef {
    /// The JSON field name in the enrollment record.
    pub key: String,
    pub kind: FieldKind,
    pub required: bool,
    /// Filled by the app, never an input.
    pub device_managed: bool,
    pub label: Message,
    pub hint: Message,
    pub options: Vec<Choice>,
    pub constraints: Constraints,
    /// The keyboard a typed field wants.
    pub input: InputMode,
}

/// The keyboard a typed field wants (digits for a NIK, the phone pad for a phone number…).
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum InputMode {
    Text,
    Name,
    Digits,
    Phone,
    Number,
}

impl From<CoreInputMode> for InputMode {
    fn from(m: CoreInputMode) -> Self {
        match m {
            CoreInputMode::Text => InputMode::Text,
            CoreInputMode::Name => InputMode::Name,
            CoreInputMode::Digits => InputMode::Digits,
            CoreInputMode::Phone => InputMode::Phone,
            CoreInputMode::Number => InputMode::Number,
        }
    }
}

impl From<CoreFieldDef> for FieldDef {
    fn from(f: CoreFieldDef) -> Self {
        FieldDef {
            key: f.key.to_owned(),
            kind: f.kind.into(),
            required: f.required,
            device_managed: f.device_managed,
            label: f.label.into(),
            hint: f.hint.into(),
            options: f.options.into_iter().map(Choice::from).collect(),
            constraints: f.constraints.into(),
            input: f.input.into(),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum FieldKind {
    Text,
    Date,
    Choice,
    MultiChoice,
    Integer,
    Boolean,
    Location,
}

impl From<CoreFieldKind> for FieldKind {
    fn from(k: CoreFieldKind) -> Self {
        match k {
            CoreFieldKind::Text => FieldKind::Text,
            CoreFieldKind::Date => FieldKind::Date,
            CoreFieldKind::Choice => FieldKind::Choice,
            CoreFieldKind::MultiChoice => FieldKind::MultiChoice,
            CoreFieldKind::Integer => FieldKind::Integer,
            CoreFieldKind::Boolean => FieldKind::Boolean,
            CoreFieldKind::Location => FieldKind::Location,
        }
    }
}

/// An allowed value of a choice field.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct Choice {
    /// Exactly what the record holds, as JSON text: `"M"`, `12`, `["JKK","JKM"]`.
    pub value_json: String,
    pub label: Message,
}

impl From<CoreChoice> for Choice {
    fn from(c: CoreChoice) -> Self {
        Choice {
            value_json: c.value.to_string(),
            label: c.label.into(),
        }
    }
}

/// Limits a shell can enforce while typing; the core's validation stays the authority.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct Constraints {
    pub min_length: Option<u32>,
    pub max_length: Option<u32>,
    pub min: Option<i64>,
    pub max: Option<i64>,
    pub min_age: Option<u32>,
    pub max_age: Option<u32>,
}

impl From<CoreConstraints> for Constraints {
    fn from(c: CoreConstraints) -> Self {
        Constraints {
            min_length: c.min_length,
            max_length: c.max_length,
            min: c.min,
            max: c.max,
            min_age: c.min_age,
            max_age: c.max_age,
        }
    }
}

/// Where and how to activate (`perisai_core::protocol::activation_target`).
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct ActivationTarget {
    pub server_url: String,
    pub code: String,
    /// From the QR code; `None` when typed.
    pub fingerprint: Option<String>,
}

impl From<perisai_core::protocol::activation_target::ActivationTarget> for ActivationTarget {
    fn from(t: perisai_core::protocol::activation_target::ActivationTarget) -> Self {
        ActivationTarget {
            server_url: t.server_url,
            code: t.code,
            fingerprint: t.fingerprint,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_state_maps_both_ways_with_its_name() {
        for core in CoreRecordState::ALL {
            let ffi = RecordState::from(core);
            assert_eq!(CoreRecordState::from(ffi), core);
            // HasIssues ↔ has_issues: the FFI name is the core's stable string in CamelCase.
            let camel: String = core
                .as_str()
                .split('_')
                .map(|w| w[..1].to_uppercase() + &w[1..])
                .collect();
            assert_eq!(format!("{ffi:?}"), camel);
        }
    }

    #[test]
    fn the_form_keeps_every_field_and_choice_value() {
        let core = perisai_core::form::definition();
        let ffi = FormDefinition::from(core.clone());
        assert_eq!(ffi.version, core.version);
        assert_eq!(ffi.rule_set, core.rule_set);
        assert_eq!(ffi.fields.len(), core.fields.len());
        for (f, c) in ffi.fields.iter().zip(&core.fields) {
            assert_eq!(f.key, c.key);
            assert_eq!(f.required, c.required);
            assert_eq!(f.label.id, c.label.id);
            assert_eq!(f.options.len(), c.options.len());
            for (o, co) in f.options.iter().zip(&c.options) {
                let value: serde_json::Value = serde_json::from_str(&o.value_json).unwrap();
                assert_eq!(value, co.value);
            }
            assert_eq!(f.constraints.max_length, c.constraints.max_length);
            assert_eq!(f.constraints.min, c.constraints.min);
        }
    }

    #[test]
    fn programs_map_both_ways() {
        for p in [Program::JKK, Program::JKM, Program::JHT] {
            let core: CoreProgram = p.into();
            assert_eq!(core.code(), format!("{p:?}"));
            assert_eq!(Program::from(core), p);
        }
    }

    #[test]
    fn a_quote_request_keeps_every_field() {
        let core: CoreQuoteRequest = QuoteRequest {
            monthly_income: 2_500_000,
            programs: vec![Program::JKK, Program::JKM, Program::JHT],
            months: 12,
            start_year: 2026,
            start_month: 11,
            occupation: Some("KURIR".into()),
        }
        .into();
        assert_eq!(core.monthly_income, 2_500_000);
        assert_eq!(
            core.programs,
            vec![CoreProgram::JKK, CoreProgram::JKM, CoreProgram::JHT]
        );
        assert_eq!(core.months, 12);
        assert_eq!(core.start, (2026, 11));
        assert_eq!(core.occupation.as_deref(), Some("KURIR"));
    }

    #[test]
    fn a_quote_keeps_every_month_and_amount() {
        let quote: Quote = CoreQuote {
            months: vec![CoreMonthQuote {
                month: "2027-03".into(),
                jkk: 12_500,
                jkm: 3_400,
                jht: 50_000,
                total: 65_900,
                rule_set: "bpu-2026".into(),
            }],
            total_due: 65_900,
        }
        .into();
        assert_eq!(quote.total_due, 65_900);
        assert_eq!(
            quote.months,
            vec![MonthQuote {
                month: "2027-03".into(),
                jkk: 12_500,
                jkm: 3_400,
                jht: 50_000,
                total: 65_900,
                rule_set: "bpu-2026".into(),
            }]
        );
    }

    #[test]
    fn a_report_keeps_errors_and_warnings_apart_and_in_order() {
        let issue = |field: &str, code: &str| CoreIssue {
            field: field.into(),
            code: code.into(),
            message: CoreMessage::new(format!("id {code}"), format!("en {code}")),
        };
        let report: ValidationReport = CoreReport {
            valid: false,
            errors: vec![issue("nik", "nik.format"), issue("phone", "phone.format")],
            warnings: vec![issue("nik", "nik.duplicate_local")],
        }
        .into();
        assert!(!report.valid);
        let codes: Vec<_> = report.errors.iter().map(|i| i.code.as_str()).collect();
        assert_eq!(codes, ["nik.format", "phone.format"]);
        assert_eq!(report.warnings[0].code, "nik.duplicate_local");
        assert_eq!(report.warnings[0].message.id, "id nik.duplicate_local");
        assert_eq!(report.warnings[0].message.en, "en nik.duplicate_local");
    }
}
