//! `perisai-server admin …`: the operator commands of ARCHITECTURE.md §7, each a call into the
//! service layer; what each prints (the created id or code as the last line of stdout).

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;

use clap::{ArgGroup, Subcommand};
use perisai_domain::protocol::activation_target::ActivationTarget;

use super::Failure;
use crate::config::Config;
use crate::db::{rfc3339, Db};
use crate::keys::ServerKeys;
use crate::service::{self, ServiceError};

#[derive(Subcommand, Debug)]
pub enum AdminCommand {
    /// Create a branch (its id is its code).
    CreateBranch {
        #[arg(long)]
        code: String,
        #[arg(long)]
        name: String,
        /// The Kantor Cabang a KCP (sub-branch) belongs to.
        #[arg(long)]
        parent: Option<String>,
    },
    /// Create a Wadah in a branch.
    CreateWadah {
        #[arg(long)]
        branch: String,
        #[arg(long)]
        name: String,
    },
    /// Create an agent in a Wadah.
    CreateAgent {
        #[arg(long)]
        wadah: String,
        #[arg(long)]
        name: String,
    },
    /// Create an account; the password comes from PERISAI_PASSWORD or the first line of stdin.
    CreateUser {
        #[arg(long)]
        role: String,
        #[arg(long)]
        branch: Option<String>,
        #[arg(long)]
        wadah: Option<String>,
        #[arg(long)]
        email: String,
    },
    /// Issue a one-time activation code for an agent (72 hours, 5 tries).
    IssueCode {
        #[arg(long)]
        agent: String,
        /// The server URL devices use, for the QR payload.
        #[arg(long, env = "PERISAI_PUBLIC_URL")]
        server_url: Option<String>,
    },
    /// Revoke a device: it is told to wipe, and what it still sends is quarantined.
    RevokeDevice {
        #[arg(long)]
        device: String,
    },
    /// Suspend an agent.
    SuspendAgent {
        #[arg(long)]
        agent: String,
    },
    /// Dismiss an agent (all devices revoked).
    DismissAgent {
        #[arg(long)]
        agent: String,
    },
    /// Record a review decision on a record.
    Decide {
        #[arg(long)]
        record: String,
        #[arg(long)]
        decision: String,
        #[arg(long)]
        reason: Option<String>,
        /// Only needed when several branches hold the same record id.
        #[arg(long)]
        branch: Option<String>,
    },
    /// Erase a person's data at their request (UU PDP): the record keeps only what prices its
    /// contributions; the audit log keeps the request's reference. Erasing again changes nothing.
    Erase {
        #[arg(long)]
        record: String,
        /// The request's reference (a letter number, not personal data).
        #[arg(long)]
        reference: String,
        /// Only needed when several branches hold the same record id.
        #[arg(long)]
        branch: Option<String>,
    },
    /// Export a branch's enrollments.
    Export {
        #[arg(long)]
        branch: String,
        #[arg(long, default_value = "csv")]
        format: String,
        /// Write to this file instead of stdout.
        #[arg(long)]
        output: Option<PathBuf>,
    },
    /// Publish a rule set (one object or an array, the format of domain/rulesets/*.json) to the
    /// devices and to the server's validation; prints its id(s). Publishing again changes nothing.
    PublishRules {
        #[arg(long)]
        file: PathBuf,
    },
    /// Online consistent backup to FILE.
    Backup { file: PathBuf },
    /// Check that the database is consistent (device chains, acknowledgements, records; SQLite
    /// integrity); prints a JSON report, exits 1 when a problem is found. Changes nothing.
    Check,
    /// Which records a device or an account could reach.
    Reach {
        #[arg(long, conflicts_with = "user", required_unless_present = "user")]
        device: Option<String>,
        #[arg(long)]
        user: Option<String>,
    },
    /// Import payment confirmations (CSV: payment_ref,nik,contribution_month,amount,paid_at);
    /// prints {"imported","duplicates","errors":[{"line","code"}]}. Importing again changes nothing.
    ImportPayments {
        #[arg(long)]
        file: PathBuf,
    },
    /// Issue every agent's and Wadah's incentive statement for an ended month (YYYY-MM);
    /// running it again changes nothing.
    IssueStatements {
        #[arg(long)]
        month: String,
    },
    /// From month YYYY-MM on, pay a Wadah's agents under an incentive scheme of the built-in
    /// library (e.g. perisai-2022); prints the scheme id. The month must come after the latest
    /// month issued for the Wadah's branch. Assigning the same again changes nothing.
    AssignScheme {
        #[arg(long)]
        wadah: String,
        #[arg(long)]
        scheme: String,
        #[arg(long)]
        from: String,
    },
    /// Rotate the server signing key, one step at a time (docs/SECURITY.md "Key rotation"):
    /// --prepare makes the next key and announces it to the devices, --switch signs with it,
    /// --retire deletes the previous key from the key folder; --status lists the keys. Each step
    /// prints the fingerprint it is about; running it again changes nothing.
    #[command(group(ArgGroup::new("step").required(true).args(["prepare", "switch", "retire", "status"])))]
    RotateSigningKey {
        #[arg(long)]
        prepare: bool,
        #[arg(long)]
        switch: bool,
        #[arg(long)]
        retire: bool,
        #[arg(long)]
        status: bool,
    },
    /// Set a branch's time zone: +HH:MM or -HH:MM (UTC-12:00 to UTC+14:00), or WIB (+07:00),
    /// WITA (+08:00), WIT (+09:00); prints it as +HH:MM. Without one, a branch is on WIB.
    SetTimeZone {
        #[arg(long)]
        branch: String,
        #[arg(long, allow_hyphen_values = true)]
        utc_offset: String,
    },
}

/// The password for `create-user`: `PERISAI_PASSWORD`, else the first line of stdin.
fn read_password() -> Result<String, Failure> {
    if let Ok(p) = std::env::var("PERISAI_PASSWORD") {
        return Ok(p);
    }
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!("password: ");
        let _ = std::io::stderr().flush();
    }
    let mut line = String::new();
    stdin
        .lock()
        .read_line(&mut line)
        .map_err(|e| Failure::new(format!("cannot read the password: {:?}", e.kind())))?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

/// `admin rotate-signing-key`: one step, or the status (one line per key).
async fn rotate_signing_key(
    db: &Db,
    keys: &ServerKeys,
    prepare: bool,
    switch: bool,
    retire: bool,
) -> Result<(), Failure> {
    use crate::keys::rotation;
    let failed = |e: crate::keys::KeyError| Failure::new(e.to_string());
    let now = crate::db::now_ms();
    let (step, done, again) = if prepare {
        (
            rotation::prepare(db, keys.dir(), now)
                .await
                .map_err(failed)?,
            "kunci berikutnya dibuat dan diumumkan ke perangkat / next key made and announced \
             to the devices; run --switch once the devices have synced",
            "kunci berikutnya sudah ada / a next key is already prepared: nothing changed",
        )
    } else if switch {
        (
            rotation::switch(db, keys.dir(), now)
                .await
                .map_err(failed)?,
            "server menandatangani dengan kunci baru (setiap instance dalam 5 detik) / the \
             servers sign with the new key (every instance within 5 s); run --retire after the \
             grace period",
            "sudah beralih / already switched: nothing changed",
        )
    } else if retire {
        (
            rotation::retire(db, keys.dir(), now).await.map_err(failed)?,
            "kunci lama dihapus dari folder kunci / the previous key is deleted from the key folder",
            "sudah dipensiunkan / already retired: nothing changed",
        )
    } else {
        for line in rotation::status(db, keys.dir()).await.map_err(failed)? {
            println!("{line}");
        }
        return Ok(());
    };
    eprintln!("{}", if step.changed { done } else { again });
    println!("{}", step.fingerprint);
    Ok(())
}

pub async fn run(db: &Db, keys: &ServerKeys, command: AdminCommand) -> Result<(), Failure> {
    match command {
        AdminCommand::CreateBranch { code, name, parent } => {
            println!(
                "{}",
                service::org::create_branch(db, &code, &name, parent.as_deref()).await?
            );
        }
        AdminCommand::CreateWadah { branch, name } => {
            println!("{}", service::org::create_wadah(db, &branch, &name).await?);
        }
        AdminCommand::CreateAgent { wadah, name } => {
            println!("{}", service::org::create_agent(db, &wadah, &name).await?);
        }
        AdminCommand::CreateUser {
            role,
            branch,
            wadah,
            email,
        } => {
            let password = read_password()?;
            let id = service::org::create_user(
                db,
                &role,
                branch.as_deref(),
                wadah.as_deref(),
                &email,
                &password,
            )
            .await?;
            println!("{id}");
        }
        AdminCommand::IssueCode { agent, server_url } => {
            let validity = Config::for_backend(db.backend()).code_validity;
            let issued = service::access::issue_code(db, keys, &agent, validity).await?;
            println!("agent {}", issued.agent_id);
            println!("branch {}", issued.branch);
            println!("expires {}", rfc3339(issued.expires_ms));
            println!("server key fingerprint {}", keys.fingerprint());
            if let Some(url) = server_url {
                let target = ActivationTarget {
                    server_url: url,
                    code: issued.code.clone(),
                    fingerprint: Some(keys.fingerprint()),
                };
                println!("qr {}", target.qr_payload());
            }
            println!("{}", issued.code);
        }
        AdminCommand::RevokeDevice { device } => {
            println!("{}", service::access::revoke_device(db, &device).await?);
        }
        AdminCommand::SuspendAgent { agent } => {
            println!("{}", service::access::suspend_agent(db, &agent).await?);
        }
        AdminCommand::DismissAgent { agent } => {
            println!("{}", service::access::dismiss_agent(db, &agent).await?);
        }
        AdminCommand::Decide {
            record,
            decision,
            reason,
            branch,
        } => {
            let id = service::review::decide_from_cli(
                db,
                keys,
                &record,
                &decision,
                reason.as_deref(),
                branch.as_deref(),
            )
            .await?;
            println!("{id}");
        }
        AdminCommand::Erase {
            record,
            reference,
            branch,
        } => {
            match service::erase::erase_from_cli(db, keys, &record, branch.as_deref(), &reference)
                .await?
            {
                service::erase::Erased::Now { branch } => println!("{branch}/{record}"),
                service::erase::Erased::Already { branch } => {
                    eprintln!("sudah dihapus sebelumnya / already erased: nothing changed");
                    println!("{branch}/{record}");
                }
            }
        }
        AdminCommand::Export {
            branch,
            format,
            output,
        } => {
            if format != "csv" {
                return Err(Failure::new("only --format csv is supported"));
            }
            let rows = match output {
                Some(path) => {
                    let mut file = std::fs::File::create(&path).map_err(|e| {
                        Failure::new(format!("cannot create the export file: {:?}", e.kind()))
                    })?;
                    service::export::export_csv(db, keys, &branch, &mut file).await?
                }
                None => {
                    let stdout = std::io::stdout();
                    let mut lock = stdout.lock();
                    service::export::export_csv(db, keys, &branch, &mut lock).await?
                }
            };
            eprintln!("exported {rows} rows (recorded in the audit log)");
        }
        AdminCommand::PublishRules { file } => {
            let json = read_small_file(&file, service::rules::MAX_FILE_BYTES)?;
            let (ids, changed) = service::rules::publish(db, &json).await?;
            if !changed {
                eprintln!("already published: nothing changed");
            }
            println!("{}", ids.join(","));
        }
        AdminCommand::RotateSigningKey {
            prepare,
            switch,
            retire,
            status: _,
        } => rotate_signing_key(db, keys, prepare, switch, retire).await?,
        AdminCommand::Backup { file } => {
            let what = service::backup::backup(db, &file).await?;
            println!("{what}");
            println!("the key folder is not in the backup: keep a copy of it apart");
            println!("{}", file.display());
        }
        AdminCommand::Check => {
            let report = service::check::check(db, keys).await?;
            let json = serde_json::to_string(&report)
                .map_err(|e| Failure::new(format!("cannot print the report: {e}")))?;
            println!("{json}");
            if !report.ok {
                return Err(Failure::new(format!(
                    "the database is not consistent: {} problems (listed above)",
                    report.problem_count
                )));
            }
        }
        AdminCommand::Reach { device, user } => {
            let report = match (device, user) {
                (Some(device), _) => service::reach::device(db, &device).await?,
                (None, Some(user)) => service::reach::user(db, &user).await?,
                (None, None) => return Err(Failure::new("give --device or --user")),
            };
            println!("{report}");
        }
        AdminCommand::ImportPayments { file } => {
            // Quotes with the rule sets in force on the server, published updates included.
            let book = {
                let mut conn = db.pool().acquire().await.map_err(ServiceError::from)?;
                service::rules::book(&mut conn).await?
            };
            let report = crate::service::payments::import::import_file(
                db,
                keys,
                &book,
                &file,
                crate::db::now_ms(),
            )
            .await?;
            let json = serde_json::to_string(&report)
                .map_err(|e| Failure::new(format!("cannot print the report: {e}")))?;
            println!("{json}");
            if report.header_refused() {
                return Err(Failure::new(format!(
                    "the header must be {}",
                    crate::service::payments::import::HEADER.join(",")
                )));
            }
        }
        AdminCommand::IssueStatements { month } => {
            let issued =
                crate::service::payments::statements::issue(db, keys, &month, crate::db::now_ms())
                    .await?;
            let json = serde_json::to_string(&issued)
                .map_err(|e| Failure::new(format!("cannot print the report: {e}")))?;
            println!("{json}");
        }
        AdminCommand::AssignScheme {
            wadah,
            scheme,
            from,
        } => {
            if !crate::service::payments::schemes::assign(db, &wadah, &scheme, &from).await? {
                eprintln!("already assigned: nothing changed");
            }
            println!("{scheme}");
        }
        AdminCommand::SetTimeZone { branch, utc_offset } => {
            let minutes = crate::service::payments::time_zone::parse_offset(&utc_offset)?;
            if !crate::service::payments::time_zone::set(db, &branch, minutes).await? {
                eprintln!("already set: nothing changed");
            }
            println!(
                "{}",
                crate::service::payments::time_zone::format_offset(minutes)
            );
        }
    }
    Ok(())
}

/// Reads a small text file given on the command line, refusing one larger than `limit` bytes
/// or not UTF-8 (the message names the file, never its content).
fn read_small_file(path: &std::path::Path, limit: usize) -> Result<String, Failure> {
    let bytes = std::fs::read(path)
        .map_err(|e| Failure::new(format!("cannot read {}: {:?}", path.display(), e.kind())))?;
    if bytes.len() > limit {
        return Err(Failure::new(format!(
            "{} is larger than {limit} bytes",
            path.display()
        )));
    }
    String::from_utf8(bytes).map_err(|_| Failure::new(format!("{} is not UTF-8", path.display())))
}
