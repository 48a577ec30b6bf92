//! Usage errors from clap, turned into the contract's exit 2 and JSON error on stdout.
//!
//! Clap's own rendering quotes what was typed (an unknown argument, a rejected value), and a
//! mistyped command line can hold a NIK or a name. So stderr gets a rendering built only from the
//! command's own definitions: what kind of mistake, which defined argument, the accepted values and
//! the usage line. `--help` and `--version` still print clap's text and exit 0.

use std::fmt::Write as _;

use clap::error::{ContextKind, ContextValue, ErrorKind};

use crate::output::{Failure, Outcome};

/// What to do with a clap parse error: print help (exit 0) or report a usage error (exit 2).
pub enum ParseFailure {
    /// `--help` / `--version`: clap's text on stdout, exit 0.
    Informational(clap::Error),
    /// A usage error: JSON on stdout, a safe explanation on stderr, exit 2.
    Usage { outcome: Outcome, stderr: String },
}

pub fn classify(error: clap::Error) -> ParseFailure {
    match error.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => ParseFailure::Informational(error),
        _ => {
            let argument = defined_argument(&error);
            let mut failure = Failure::usage();
            failure.field = argument.clone();
            failure.kind = Some(kind_name(error.kind()));
            ParseFailure::Usage {
                outcome: failure.into(),
                stderr: render(&error, argument.as_deref()),
            }
        }
    }
}

/// The defined argument at fault (`--income <N>`), never a word the user typed: for an unknown
/// argument clap's `InvalidArg` is the typed word itself, so it is left out.
fn defined_argument(error: &clap::Error) -> Option<String> {
    if matches!(
        error.kind(),
        ErrorKind::UnknownArgument | ErrorKind::InvalidSubcommand
    ) {
        return None;
    }
    match error.get(ContextKind::InvalidArg)? {
        ContextValue::String(s) => Some(s.clone()),
        ContextValue::Strings(list) => Some(list.join(", ")),
        _ => None,
    }
}

fn render(error: &clap::Error, argument: Option<&str>) -> String {
    let mut text = String::from("error: ");
    match (error.kind(), error.kind().as_str()) {
        (ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand, _) | (_, None) => {
            text.push_str("a command is required")
        }
        (_, Some(description)) => text.push_str(description),
    }
    if let Some(argument) = argument {
        let _ = write!(text, ": {argument}");
    }
    text.push('\n');
    if let Some(ContextValue::Strings(values)) = error.get(ContextKind::ValidValue) {
        let _ = writeln!(text, "  [possible values: {}]", values.join(", "));
    }
    for kind in [ContextKind::SuggestedArg, ContextKind::SuggestedSubcommand] {
        match error.get(kind) {
            Some(ContextValue::String(s)) => {
                let _ = writeln!(text, "  tip: did you mean '{s}'?");
            }
            Some(ContextValue::Strings(list)) if !list.is_empty() => {
                let _ = writeln!(text, "  tip: did you mean '{}'?", list.join("', '"));
            }
            _ => {}
        }
    }
    if let Some(ContextValue::StyledStr(usage)) = error.get(ContextKind::Usage) {
        let _ = writeln!(text, "\n{}", usage.to_string().trim_end());
    }
    text.push_str("\nFor more information, try '--help'.\n");
    text
}

/// A stable, matchable name for the kind of usage error.
fn kind_name(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::InvalidValue => "invalid_value",
        ErrorKind::UnknownArgument => "unknown_argument",
        ErrorKind::InvalidSubcommand => "unknown_command",
        ErrorKind::MissingRequiredArgument => "missing_argument",
        ErrorKind::MissingSubcommand | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            "missing_command"
        }
        ErrorKind::ArgumentConflict => "argument_conflict",
        ErrorKind::TooManyValues | ErrorKind::TooFewValues | ErrorKind::WrongNumberOfValues => {
            "wrong_number_of_values"
        }
        ErrorKind::InvalidUtf8 => "invalid_utf8",
        _ => "usage",
    }
}
