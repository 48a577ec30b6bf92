//! The stable validation codes of DOMAIN.md §4, as constants, so the validator, the tariff's
//! parameter checks and the shells that match on codes spell them one way.

pub const REQUIRED: &str = "required";
pub const TYPE: &str = "type";
pub const UNKNOWN_FIELD: &str = "unknown_field";
pub const NIK_FORMAT: &str = "nik.format";
pub const NIK_PROVINCE: &str = "nik.province";
pub const NIK_BIRTH_DATE: &str = "nik.birth_date";
pub const NIK_SERIAL: &str = "nik.serial";
pub const NIK_BIRTH_DATE_MISMATCH: &str = "nik.birth_date_mismatch";
pub const NIK_SEX_MISMATCH: &str = "nik.sex_mismatch";
pub const NIK_DUPLICATE_LOCAL: &str = "nik.duplicate_local";
pub const NIK_DUPLICATE_KNOWN: &str = "nik.duplicate_known";
pub const NAME_FORMAT: &str = "name.format";
pub const BIRTH_PLACE_FORMAT: &str = "birth_place.format";
pub const BIRTH_DATE_FORMAT: &str = "birth_date.format";
pub const AGE_TOO_YOUNG: &str = "age.too_young";
pub const AGE_TOO_OLD: &str = "age.too_old";
pub const SEX_INVALID: &str = "sex.invalid";
pub const PHONE_FORMAT: &str = "phone.format";
pub const ADDRESS_FORMAT: &str = "address.format";
pub const OCCUPATION_UNKNOWN: &str = "occupation.unknown";
pub const INCOME_BELOW_MINIMUM: &str = "income.below_minimum";
pub const INCOME_ABOVE_MAXIMUM: &str = "income.above_maximum";
pub const PROGRAMS_INVALID: &str = "programs.invalid";
pub const PAYMENT_MONTHS_INVALID: &str = "payment_months.invalid";
pub const CONSENT_MISSING: &str = "consent.missing";
pub const LOCATION_RANGE: &str = "location.range";
pub const ENROLLED_ON_FORMAT: &str = "enrolled_on.format";
pub const SUPERSEDES_INVALID: &str = "supersedes.invalid";

/// Every code above: the warnings are the `nik.*_mismatch` and `nik.duplicate_*` ones.
pub const ALL: [&str; 28] = [
    REQUIRED,
    TYPE,
    UNKNOWN_FIELD,
    NIK_FORMAT,
    NIK_PROVINCE,
    NIK_BIRTH_DATE,
    NIK_SERIAL,
    NIK_BIRTH_DATE_MISMATCH,
    NIK_SEX_MISMATCH,
    NIK_DUPLICATE_LOCAL,
    NIK_DUPLICATE_KNOWN,
    NAME_FORMAT,
    BIRTH_PLACE_FORMAT,
    BIRTH_DATE_FORMAT,
    AGE_TOO_YOUNG,
    AGE_TOO_OLD,
    SEX_INVALID,
    PHONE_FORMAT,
    ADDRESS_FORMAT,
    OCCUPATION_UNKNOWN,
    INCOME_BELOW_MINIMUM,
    INCOME_ABOVE_MAXIMUM,
    PROGRAMS_INVALID,
    PAYMENT_MONTHS_INVALID,
    CONSENT_MISSING,
    LOCATION_RANGE,
    ENROLLED_ON_FORMAT,
    SUPERSEDES_INVALID,
];

/// A text that is not in its field's format: `code` is the field's `*.format` code
/// ([`NIK_FORMAT`], [`PHONE_FORMAT`], [`NAME_FORMAT`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{code}")]
pub struct FormatError {
    pub code: &'static str,
}
