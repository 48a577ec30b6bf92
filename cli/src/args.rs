//! The command line of `perisai` (ARCHITECTURE.md §7), as clap derive types.
//!
//! Flags with a closed set of values (`--tz`, `--state`) are checked by clap, so a wrong one is a
//! usage error (exit 2). Flags whose values are domain data (`--income`, `--programs`, `--months`,
//! `--start`, `--month`, `--amount`) are taken as text and checked by their command, so a wrong
//! one is invalid input (exit 1) with a JSON error naming the field, like any other invalid input.

use std::path::PathBuf;

use clap::builder::PossibleValuesParser;
use clap::{Parser, Subcommand, ValueEnum};
use perisai_core::app::RecordState;

#[derive(Debug, Parser)]
#[command(
    name = "perisai",
    version,
    about = "Perisai Field desktop shell: enroll BPU workers offline (same API as the phones)",
    long_about = "Perisai Field desktop shell: enroll BPU workers offline (same API as the phones).\n\
                  Every command prints one JSON document on stdout. Exit 0: success; 1: invalid \
                  input or refused operation (the JSON says why); 2: usage error or unreadable file."
)]
pub struct Cli {
    /// Folder of the sealed local store and its key (default: $XDG_DATA_HOME/perisai or
    /// ~/.local/share/perisai)
    #[arg(long, global = true, env = "PERISAI_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    /// The agent's time zone: it decides "today" for ages, dates and tariffs
    #[arg(long, global = true, value_enum, default_value_t = TimeZone::Wib)]
    pub tz: TimeZone,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check an enrollment (a JSON file, or - for stdin) without storing anything
    Validate {
        /// JSON file, or - for stdin
        #[arg(value_name = "FILE|-")]
        file: String,
    },
    /// Price contributions month by month
    Quote {
        /// Declared monthly income in rupiah
        #[arg(long, value_name = "N", allow_hyphen_values = true)]
        income: String,
        /// JKK,JKM or JKK,JKM,JHT
        #[arg(long, value_name = "JKK,JKM[,JHT]")]
        programs: String,
        /// Number of months paid at once
        #[arg(long, value_name = "M", allow_hyphen_values = true)]
        months: String,
        /// First contribution month
        #[arg(long, value_name = "YYYY-MM")]
        start: String,
        /// Occupation code (transport-sector codes may get a discount)
        #[arg(long, value_name = "CODE")]
        occupation: Option<String>,
    },
    /// Validate and queue an enrollment (a JSON file, or - for stdin)
    Enroll {
        /// JSON file, or - for stdin
        #[arg(value_name = "FILE|-")]
        file: String,
        /// Confirm the warnings (the agent checked them with the worker)
        #[arg(long)]
        accept_warnings: bool,
    },
    /// List the records on this device
    List {
        /// Only records in this state
        #[arg(long, value_name = "S", value_parser = state_names())]
        state: Option<String>,
    },
    /// Show a record's receipt
    Receipt {
        #[arg(value_name = "ID")]
        id: String,
    },
    /// Withdraw a record that has not been sent yet
    Withdraw {
        #[arg(value_name = "ID")]
        id: String,
    },
    /// Queue a corrected record that supersedes ID
    Correct {
        #[arg(value_name = "ID")]
        id: String,
        /// JSON file, or - for stdin
        #[arg(value_name = "FILE|-")]
        file: String,
        /// Confirm the warnings (the agent checked them with the worker)
        #[arg(long)]
        accept_warnings: bool,
    },
    /// Count the records in every state
    Queue,
    /// Show the device's link to the server: activation, pinned server key (and the next one a
    /// key rotation announced), last sync, batches not yet acknowledged
    Status,
    /// Activate this device with a one-time code from the branch office
    Activate {
        /// The sync server, https://… (plain http:// only to this machine)
        #[arg(long, value_name = "URL")]
        server: String,
        /// The activation code (e.g. ABCD-EFGH-JKMN-P)
        #[arg(long, value_name = "CODE")]
        code: String,
        /// The server key fingerprint from the QR code (hex; the first 16 digits are enough)
        #[arg(long, value_name = "F")]
        fingerprint: Option<String>,
    },
    /// Send the queue to the server and bring down decisions
    Sync {
        /// Another server than the one of the activation
        #[arg(long, value_name = "URL")]
        server: Option<String>,
    },
    /// Show the commission statement of a month, as last received (this month by default)
    Commission {
        /// The statement month (default: this month)
        #[arg(long, value_name = "YYYY-MM")]
        month: Option<String>,
    },
    /// List the participants this device follows
    Participants,
    /// Record cash taken from a participant (sent to the branch at the next sync)
    Cash {
        /// The participant's record id
        #[arg(value_name = "RECORD_ID")]
        record_id: String,
        /// Amount in rupiah
        #[arg(long, value_name = "N", allow_hyphen_values = true)]
        amount: String,
        /// Number of contribution months it pays
        #[arg(long, value_name = "M", allow_hyphen_values = true)]
        months: String,
    },
}

/// Indonesia's three time zones.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum TimeZone {
    /// Western Indonesia, UTC+7
    #[value(name = "WIB")]
    Wib,
    /// Central Indonesia, UTC+8
    #[value(name = "WITA")]
    Wita,
    /// Eastern Indonesia, UTC+9
    #[value(name = "WIT")]
    Wit,
}

impl TimeZone {
    pub fn utc_offset_minutes(self) -> i32 {
        match self {
            TimeZone::Wib => 7 * 60,
            TimeZone::Wita => 8 * 60,
            TimeZone::Wit => 9 * 60,
        }
    }
}

/// `--state` accepts exactly the core's stable state names (ARCHITECTURE.md §3).
fn state_names() -> PossibleValuesParser {
    PossibleValuesParser::new(RecordState::ALL.map(RecordState::as_str))
}
