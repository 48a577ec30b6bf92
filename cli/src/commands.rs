//! One function per command of ARCHITECTURE.md §7. Each turns its arguments into calls on the core and
//! the result into an [`Outcome`]; no domain rule is decided here.
//!
//! `validate` and `quote` are read-only: they never open the store, so they create no folder and
//! no file. The other commands open `AgentApp` on the data folder, whose data key is wrapped by a
//! `FileKeyVault` at `<data-dir>/device.key` (0600). Input is read and checked (size, UTF-8, JSON
//! object) before the store is opened, so a bad file never touches it.
//!
//! `activate` and `sync` sign with the device key `<data-dir>/device-signing.key` (P-256, 0600,
//! created by `activate`). When the server revokes the device, the core erases the store's
//! personal data as the server's signed command says, and `sync` deletes that key file too (what
//! a phone shell does with its keystore key), then exits 1 with `device.revoked`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, FixedOffset, NaiveDate, SecondsFormat, Utc};
use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;
use serde_json::{json, Value};

use perisai_core::app::{
    statement_month, AgentApp, AppConfig, RecordState, Statement, StatementStatus, Submitted,
    DB_FILE,
};
use perisai_core::record::Program;
use perisai_core::rules::{self, NoLookups};
use perisai_core::seal::FileKeyVault;
use perisai_core::signer::SoftwareSigner;
use perisai_core::sync::SyncObserver;
use perisai_core::tariff::{self, QuoteRequest, RuleBook, YearMonth};
use perisai_core::CoreError;

use crate::args::{Cli, Command, TimeZone};
use crate::input::{self, Source};
use crate::output::{Exit, Failure, Outcome};

/// Name of the data-key file inside the data folder.
const KEY_FILE: &str = "device.key";
/// Name of the device signing-key file inside the data folder.
const SIGNING_KEY_FILE: &str = "device-signing.key";

pub fn run(cli: Cli) -> Outcome {
    let Cli {
        data_dir,
        tz,
        command,
    } = cli;
    let result = match command {
        Command::Validate { file } => validate(&Source::from_arg(&file), tz),
        Command::Quote {
            income,
            programs,
            months,
            start,
            occupation,
        } => quote(&income, &programs, &months, &start, occupation),
        Command::Enroll {
            file,
            accept_warnings,
        } => Store::new(data_dir, tz)
            .and_then(|store| store.enroll(&Source::from_arg(&file), accept_warnings)),
        Command::List { state } => Store::new(data_dir, tz).and_then(|store| store.list(state)),
        Command::Receipt { id } => Store::new(data_dir, tz).and_then(|store| store.receipt(&id)),
        Command::Withdraw { id } => Store::new(data_dir, tz).and_then(|store| store.withdraw(&id)),
        Command::Correct {
            id,
            file,
            accept_warnings,
        } => Store::new(data_dir, tz)
            .and_then(|store| store.correct(&id, &Source::from_arg(&file), accept_warnings)),
        Command::Queue => Store::new(data_dir, tz).and_then(|store| store.queue()),
        Command::Status => Store::new(data_dir, tz).and_then(|store| store.status()),
        Command::Activate {
            server,
            code,
            fingerprint,
        } => Store::new(data_dir, tz)
            .and_then(|store| store.activate(&server, &code, fingerprint.as_deref())),
        Command::Sync { server } => {
            Store::new(data_dir, tz).and_then(|store| store.sync(server.as_deref()))
        }
        Command::Commission { month } => {
            Store::new(data_dir, tz).and_then(|store| store.commission(month.as_deref()))
        }
        Command::Participants => Store::new(data_dir, tz).and_then(|store| store.participants()),
        Command::Cash {
            record_id,
            amount,
            months,
        } => Store::new(data_dir, tz).and_then(|store| store.cash(&record_id, &amount, &months)),
    };
    result.unwrap_or_else(Outcome::from)
}

/// `validate FILE|-`: the report, exit 0 if valid, else 1. A JSON object with wrong types or
/// unknown fields is a report (codes `type`, `unknown_field`); anything else is `input.malformed`.
fn validate(source: &Source, tz: TimeZone) -> Result<Outcome, Failure> {
    let (_, object) = input::read_object(source)?;
    let (report, _) = rules::validate(
        &Value::Object(object),
        today(tz),
        &RuleBook::builtin(),
        &NoLookups,
    );
    Ok(if report.valid {
        Outcome::success(&report)
    } else {
        Outcome::refused(&report)
    })
}

/// `quote --income N --programs JKK,JKM[,JHT] --months M --start YYYY-MM [--occupation CODE]`.
fn quote(
    income: &str,
    programs: &str,
    months: &str,
    start: &str,
    occupation: Option<String>,
) -> Result<Outcome, Failure> {
    let request = QuoteRequest {
        monthly_income: income
            .trim()
            .parse()
            .map_err(|_| Failure::parameter("monthly_income", "type"))?,
        programs: parse_programs(programs)?,
        months: months
            .trim()
            .parse()
            .map_err(|_| Failure::parameter("payment_months", "type"))?,
        start: YearMonth::parse(start.trim())
            .map(|m| (m.year(), m.month()))
            .ok_or_else(|| Failure::parameter("start", "start.format"))?,
        occupation,
    };
    let quote = tariff::quote(&RuleBook::builtin(), &request)?;
    Ok(Outcome::success(&quote))
}

/// `JKK,JKM[,JHT]`, in any order, by the core's program codes. Which packages are allowed is
/// the core's rule.
fn parse_programs(text: &str) -> Result<Vec<Program>, Failure> {
    text.split(',')
        .map(|name| {
            [Program::JKK, Program::JKM, Program::JHT]
                .into_iter()
                .find(|p| p.code() == name.trim())
                .ok_or_else(|| Failure::parameter("programs", "programs.invalid"))
        })
        .collect()
}

/// The agent's local date in the chosen time zone.
fn today(tz: TimeZone) -> NaiveDate {
    now(tz).date_naive()
}

/// Now, in the chosen time zone.
fn now(tz: TimeZone) -> DateTime<FixedOffset> {
    let offset = FixedOffset::east_opt(tz.utc_offset_minutes() * 60)
        .unwrap_or_else(|| unreachable!("WIB, WITA and WIT are valid offsets"));
    Utc::now().with_timezone(&offset)
}

/// The commands that work on the local store in the data folder.
struct Store {
    data_dir: PathBuf,
    tz: TimeZone,
}

impl Store {
    fn new(data_dir: Option<PathBuf>, tz: TimeZone) -> Result<Store, Failure> {
        let data_dir = match data_dir {
            Some(dir) => dir,
            None => default_data_dir().ok_or_else(Failure::no_data_dir)?,
        };
        Ok(Store { data_dir, tz })
    }

    /// Whether a store was ever created here. Reading commands on a fresh folder answer "no
    /// records" without creating anything.
    fn exists(&self) -> bool {
        self.data_dir.join(DB_FILE).is_file()
    }

    /// Opens the store, creating the folder (0700), its key file (0600) and the database on
    /// first use.
    fn open(&self) -> Result<AgentApp, Failure> {
        create_private_dir(&self.data_dir)?;
        let vault = FileKeyVault::open_or_create(&self.data_dir.join(KEY_FILE))?;
        let mut config = AppConfig::new(self.data_dir.clone());
        config.utc_offset_minutes = self.tz.utc_offset_minutes();
        Ok(AgentApp::open(config, Arc::new(vault))?)
    }

    /// `enroll FILE|- [--accept-warnings]`.
    fn enroll(&self, source: &Source, accept_warnings: bool) -> Result<Outcome, Failure> {
        let text = match input::read_object(source) {
            Ok((text, _)) => text,
            Err(failure) => return Ok(not_queued(failure)),
        };
        let app = self.open()?;
        Ok(submitted(app.submit(&text, accept_warnings)))
    }

    /// `correct ID FILE [--accept-warnings]`: a new record that replaces ID.
    fn correct(
        &self,
        id: &str,
        source: &Source,
        accept_warnings: bool,
    ) -> Result<Outcome, Failure> {
        let text = match input::read_object(source) {
            Ok((text, _)) => text,
            Err(failure) => return Ok(not_queued(failure)),
        };
        if !self.exists() {
            return Err(CoreError::NotFound.into());
        }
        let app = self.open()?;
        Ok(submitted(app.correct(id, &text, accept_warnings)))
    }

    /// `list [--state S]`: the records, in receipt order.
    fn list(&self, state: Option<String>) -> Result<Outcome, Failure> {
        let state = state.as_deref().map(RecordState::parse).transpose()?;
        if !self.exists() {
            return Ok(Outcome::success(&json!([])));
        }
        let records = self.open()?.list(state)?;
        Ok(Outcome::success(&records))
    }

    /// `receipt ID`.
    fn receipt(&self, id: &str) -> Result<Outcome, Failure> {
        if !self.exists() {
            return Err(CoreError::NotFound.into());
        }
        let receipt = self.open()?.receipt(id)?;
        Ok(Outcome::success(&receipt))
    }

    /// `withdraw ID`: `{"id", "status", "receipt_no", "reference"}` (a draft is discarded:
    /// `{"id", "status": "discarded"}`).
    fn withdraw(&self, id: &str) -> Result<Outcome, Failure> {
        if !self.exists() {
            return Err(CoreError::NotFound.into());
        }
        let app = self.open()?;
        app.withdraw(id)?;
        match app.receipt(id) {
            Ok(r) => Ok(Outcome::success(&Withdrawn {
                id: &r.id,
                receipt_no: Some(r.receipt_no),
                reference: Some(&r.reference),
                status: r.state.as_str(),
            })),
            Err(CoreError::NotFound) => Ok(Outcome::success(&Withdrawn {
                id,
                receipt_no: None,
                reference: None,
                status: "discarded",
            })),
            Err(e) => Err(e.into()),
        }
    }

    /// The device signing key, created on first use (0600).
    fn signer(&self) -> Result<SoftwareSigner, Failure> {
        create_private_dir(&self.data_dir)?;
        Ok(SoftwareSigner::open_or_create(
            self.data_dir.join(SIGNING_KEY_FILE),
        )?)
    }

    /// `activate --server URL --code CODE [--fingerprint F]`: `{"device_id", "agent_id",
    /// "branch"}`.
    fn activate(
        &self,
        server: &str,
        code: &str,
        fingerprint: Option<&str>,
    ) -> Result<Outcome, Failure> {
        let app = self.open()?;
        let signer = self.signer()?;
        let activated = app.activate(server, code, fingerprint, &signer)?;
        Ok(Outcome::success(&activated))
    }

    /// `sync [--server URL]`: `{"sent", "accepted", "duplicates", "rejected", "batches",
    /// "bytes_up", "bytes_down"}`; progress lines (no personal data) on stderr.
    fn sync(&self, server: Option<&str>) -> Result<Outcome, Failure> {
        if !self.exists() {
            return Err(CoreError::NotActivated.into());
        }
        let app = self.open()?;
        let signer = self.signer()?;
        match app.sync(server, &signer, Some(&Progress)) {
            Ok(report) => Ok(Outcome::success(&report)),
            Err(CoreError::DeviceRevoked) => {
                // The core erased the data; the key it signed with goes too.
                let _ = std::fs::remove_file(self.data_dir.join(SIGNING_KEY_FILE));
                Err(CoreError::DeviceRevoked.into())
            }
            Err(e) => Err(e.into()),
        }
    }

    /// `commission [--month YYYY-MM]`: the statement as last received (ARCHITECTURE.md §7). On a fresh
    /// folder, the month is checked and the answer is the empty provisional statement, without
    /// creating anything.
    fn commission(&self, month: Option<&str>) -> Result<Outcome, Failure> {
        if !self.exists() {
            let now = now(self.tz);
            let month = statement_month(month, now.date_naive())?;
            let as_of = now.to_rfc3339_opts(SecondsFormat::Secs, false);
            return Ok(Outcome::success(&Statement::empty(
                month,
                StatementStatus::Provisional,
                as_of,
            )));
        }
        let statement = self.open()?.commission(month)?;
        Ok(Outcome::success(&statement))
    }

    /// `participants`: `[{"record_id", "name", "nik_masked", "next_due_month", "payment_code",
    /// "status", "phone", "overdue"}]`, in receipt order.
    fn participants(&self) -> Result<Outcome, Failure> {
        if !self.exists() {
            return Ok(Outcome::success(&json!([])));
        }
        let cards = self.open()?.participants()?;
        Ok(Outcome::success(&cards))
    }

    /// `cash RECORD_ID --amount N --months M`: `{"id", "record_id", "amount", "amount_formatted",
    /// "months", "collected_at", "sent": false}`.
    fn cash(&self, record_id: &str, amount: &str, months: &str) -> Result<Outcome, Failure> {
        let amount: i64 = amount
            .trim()
            .parse()
            .map_err(|_| Failure::parameter("amount", "type"))?;
        let months: u32 = months
            .trim()
            .parse()
            .map_err(|_| Failure::parameter("months", "type"))?;
        if !self.exists() {
            return Err(CoreError::NotFound.into());
        }
        let recorded = self.open()?.record_cash(record_id, amount, months)?;
        Ok(Outcome::success(&recorded))
    }

    /// `status`: the core's `DeviceStatus` (`{"activated", "device_id", "server_key_fingerprint",
    /// "server_key_next_fingerprint", "last_sync_at", "unacked_batches", ...}`); a folder with no
    /// store yet is simply not activated.
    fn status(&self) -> Result<Outcome, Failure> {
        if !self.exists() {
            return Ok(Outcome::success(
                &perisai_core::sync::DeviceStatus::default(),
            ));
        }
        Ok(Outcome::success(&self.open()?.device_status()?))
    }

    /// `queue`: `{"<state>": n, ...}` with every state, zeros included.
    fn queue(&self) -> Result<Outcome, Failure> {
        let counts = if self.exists() {
            self.open()?.queue_status()?
        } else {
            BTreeMap::new()
        };
        Ok(Outcome::success(&StateCounts(counts)))
    }
}

/// Sync progress on stderr, for a person watching: batch numbers, record counts, record ids
/// (not personal data) and stable codes only.
struct Progress;

impl SyncObserver for Progress {
    fn batch_sent(&self, seq: u64, records: u32, bytes: u64) {
        eprintln!("perisai: sending batch {seq} ({records} records, {bytes} bytes)");
    }

    fn batch_acked(&self, seq: u64, accepted: u32, rejected: u32) {
        eprintln!("perisai: batch {seq} acknowledged ({accepted} accepted, {rejected} rejected)");
    }

    fn record_rejected(&self, id: &str, codes: &[String]) {
        eprintln!("perisai: record {id} rejected: {}", codes.join(", "));
    }

    fn waiting_retry(&self, seconds: u64) {
        eprintln!("perisai: server not reachable; retrying in {seconds} s");
    }
}

/// The answer to `withdraw`: the tombstone keeps its receipt number (a discarded draft has none).
#[derive(Serialize)]
struct Withdrawn<'a> {
    id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    receipt_no: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reference: Option<&'a str>,
    status: &'a str,
}

/// Counts per state as one JSON object in the order of ARCHITECTURE.md §3 (`draft`, `queued`, `sent`…),
/// every state present; a state the core counts but this list lacks still appears, at the end.
struct StateCounts(BTreeMap<String, u64>);

impl Serialize for StateCounts {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let known = RecordState::ALL.map(RecordState::as_str);
        let extra = self.0.iter().filter(|(k, _)| !known.contains(&k.as_str()));
        let mut map = serializer.serialize_map(None)?;
        for state in known {
            map.serialize_entry(state, self.0.get(state).unwrap_or(&0))?;
        }
        for (state, n) in extra {
            map.serialize_entry(state, n)?;
        }
        map.end()
    }
}

/// An enroll or correction that never reached the store (unreadable, too large, malformed).
/// Input problems say `"status": "invalid"` like any refused enrollment; an unreadable file is a
/// usage error and only says why.
fn not_queued(failure: Failure) -> Outcome {
    if failure.exit == Exit::Usage {
        return failure.into();
    }
    failure.not_queued("invalid", &[], &[])
}

/// The outcome of a submit or a correction (ARCHITECTURE.md §7): `{"id", "receipt_no", "reference",
/// "status": "queued", "warnings"}`; on errors `"status": "invalid"`, on warnings without
/// `--accept-warnings` `"status": "needs_confirmation"`, both exit 1 with nothing queued.
fn submitted(result: Result<Submitted, CoreError>) -> Outcome {
    match result {
        Ok(done) => Outcome::success(&done),
        Err(CoreError::Invalid(report)) => {
            if report.errors.is_empty() && !report.warnings.is_empty() {
                Failure::unconfirmed_warnings().not_queued(
                    "needs_confirmation",
                    &report.errors,
                    &report.warnings,
                )
            } else {
                let (errors, warnings) = (report.errors.clone(), report.warnings.clone());
                Failure::from(CoreError::Invalid(report)).not_queued("invalid", &errors, &warnings)
            }
        }
        Err(CoreError::MalformedInput) => not_queued(Failure::malformed()),
        Err(e) => Failure::from(e).into(),
    }
}

/// `$XDG_DATA_HOME/perisai`, else `$HOME/.local/share/perisai`.
fn default_data_dir() -> Option<PathBuf> {
    let non_empty = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    if let Some(xdg) = non_empty("XDG_DATA_HOME") {
        return Some(PathBuf::from(xdg).join("perisai"));
    }
    non_empty("HOME").map(|home| PathBuf::from(home).join(".local/share/perisai"))
}

/// Creates the data folder readable by its owner only (0700), before the key file goes in it;
/// an existing folder is left as it is.
fn create_private_dir(dir: &Path) -> Result<(), Failure> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder
        .create(dir)
        .map_err(|e| CoreError::Io(format!("create data folder: {:?}", e.kind())).into())
}
