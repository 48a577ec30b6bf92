//! `perisai-server demo`: the server with a seeded branch (`DEMO`), a Wadah, two agents and a
//! supervisor, printing fresh activation codes and how to log in. Seeding is idempotent: a second
//! run reuses what exists and only issues new codes.
//!
//! Simulated devices come with the device-side sync client: [`simulate_devices`] is the hook
//! they plug into (it receives the server URL and the codes once the server listens).

use std::net::SocketAddr;
use std::sync::Arc;

use crate::admin::{self, access::IssuedCode};
use crate::cli::{Failure, ServeArgs};
use crate::db::{rfc3339, Db};
use crate::keys::{hex, random_bytes, ServerKeys};

pub const BRANCH: &str = "DEMO";
pub const SUPERVISOR_EMAIL: &str = "supervisor@demo.perisai.test";
const AGENTS: [&str; 2] = ["Siti Rahayu", "Budi Santoso"];

/// What the demo seeded.
#[derive(Debug, Clone)]
pub struct Seeded {
    pub branch: String,
    pub wadah_id: String,
    pub agent_ids: Vec<String>,
    pub codes: Vec<IssuedCode>,
    pub supervisor_email: String,
    /// Set when the account was created by this run.
    pub supervisor_password: Option<String>,
}

/// Seeds (or finds) the demo data and issues one fresh code per agent.
pub async fn seed(db: &Db, keys: &ServerKeys) -> Result<Seeded, Failure> {
    let fail = |e: admin::AdminError| Failure {
        message: e.to_string(),
        exit_code: 1,
    };
    let exists: Option<String> = sqlx::query_scalar("SELECT code FROM branches WHERE code = $1")
        .bind(BRANCH)
        .fetch_optional(db.pool())
        .await
        .map_err(|e| fail(e.into()))?;
    if exists.is_none() {
        admin::org::create_branch(db, BRANCH, "Kantor Cabang Demo", None)
            .await
            .map_err(fail)?;
    }
    let wadah: Option<String> =
        sqlx::query_scalar("SELECT id FROM wadah WHERE branch = $1 ORDER BY id LIMIT 1")
            .bind(BRANCH)
            .fetch_optional(db.pool())
            .await
            .map_err(|e| fail(e.into()))?;
    let wadah_id = match wadah {
        Some(id) => id,
        None => admin::org::create_wadah(db, BRANCH, "Koperasi Pedagang Pasar Demo")
            .await
            .map_err(fail)?,
    };
    let mut agent_ids: Vec<String> = sqlx::query_scalar(
        "SELECT id FROM agents WHERE wadah_id = $1 AND status = 'active' ORDER BY created_ms, id",
    )
    .bind(&wadah_id)
    .fetch_all(db.pool())
    .await
    .map_err(|e| fail(e.into()))?;
    for name in AGENTS.iter().skip(agent_ids.len()) {
        agent_ids.push(
            admin::org::create_agent(db, &wadah_id, name)
                .await
                .map_err(fail)?,
        );
    }
    let mut supervisor_password = None;
    let account: Option<String> = sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind(SUPERVISOR_EMAIL)
        .fetch_optional(db.pool())
        .await
        .map_err(|e| fail(e.into()))?;
    if account.is_none() {
        let password = match std::env::var("PERISAI_PASSWORD") {
            Ok(p) => p,
            Err(_) => hex(&random_bytes::<9>().map_err(|e| fail(e.into()))?),
        };
        admin::org::create_user(
            db,
            "supervisor",
            Some(BRANCH),
            None,
            SUPERVISOR_EMAIL,
            &password,
        )
        .await
        .map_err(fail)?;
        supervisor_password = Some(password);
    }
    let validity = crate::config::Config::for_backend(db.backend()).code_validity;
    let mut codes = Vec::new();
    for agent in agent_ids.iter().take(AGENTS.len()) {
        codes.push(
            admin::access::issue_code(db, keys, agent, validity)
                .await
                .map_err(fail)?,
        );
    }
    Ok(Seeded {
        branch: BRANCH.into(),
        wadah_id,
        agent_ids,
        codes,
        supervisor_email: SUPERVISOR_EMAIL.into(),
        supervisor_password,
    })
}

/// The hook for simulated devices (the device-side sync client's issue fills it in): called
/// once the server listens, with its URL, its key fingerprint and the fresh codes.
pub fn simulate_devices(server_url: &str, fingerprint: &str, codes: &[IssuedCode]) {
    tracing::info!(
        server_url,
        fingerprint,
        codes = codes.len(),
        "simulated devices are not available yet; activate with the desktop shell: perisai activate --server URL --code CODE --fingerprint F"
    );
}

pub async fn run(db: Db, keys: Arc<ServerKeys>, args: &ServeArgs) -> Result<(), Failure> {
    let seeded = seed(&db, &keys).await?;
    println!("demo branch {} (Wadah {})", seeded.branch, seeded.wadah_id);
    for (code, name) in seeded.codes.iter().zip(AGENTS) {
        println!(
            "agent {name} ({}): activation code {} (valid until {})",
            code.agent_id,
            code.code,
            rfc3339(code.expires_ms)
        );
    }
    match &seeded.supervisor_password {
        Some(p) => println!("supervisor login: {} / {p}", seeded.supervisor_email),
        None => println!(
            "supervisor login: {} (password set on the first demo run)",
            seeded.supervisor_email
        ),
    }
    println!("the supervisors' web app comes with its own issue; until then use the admin commands (admin decide, admin export)");
    let fingerprint = keys.fingerprint().to_string();
    let codes = seeded.codes.clone();
    let ready = Box::new(move |addr: SocketAddr| {
        simulate_devices(&format!("http://{addr}"), &fingerprint, &codes);
    });
    crate::cli::serve(db, keys, args, Some(ready)).await
}
