//! `perisai-demo`: the server on a seeded branch, with simulated field devices that
//! enroll workers offline and sync over a flaky link, so a newcomer watches batches arrive
//! within a minute.
//!
//! What a run does, in order:
//! 1. seeds (or finds) branch `DEMO`, a Wadah, one agent per device (`--devices N`, default 5)
//!    and a supervisor account, and issues a fresh activation code per agent;
//! 2. prints the codes and the supervisor's login, then serves the device API (`--listen`);
//! 3. starts the devices ([`device`]): each is the real core (`AgentApp`, sealed queue, sync
//!    client, software signing key) in its own folder, activated through the HTTP API with its
//!    code, enrolling realistic workers ([`people`]) offline and syncing through its own flaky
//!    loopback proxy ([`link`]) that delays and cuts connections;
//! 4. narrates every event ([`console`]) and every ten seconds prints what the database holds
//!    ([`summary`]);
//! 5. on Ctrl-C (or SIGTERM, or after `--duration SECS`), stops enrolling, calms the links, lets
//!    every device deliver what it still holds, prints the devices' totals beside the
//!    database's, and exits 0. A second Ctrl-C quits at once.
//!
//! **Re-running.** The database is kept (seeding finds what exists; the supervisor's password is
//! printed only on the run that created it). The devices are not: their folders
//! (`--data-dir`, default `demo-devices/` beside the SQLite file, else `./data/demo-devices`)
//! are emptied at every run, and each agent activates a new device with its new code, as after
//! a reinstall: the server retires the agent's previous device and raises `chain.restart` for
//! review, which the summary shows among the fraud flags. Only folders marked as demo devices
//! are ever emptied.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use clap::Args;

use crate::summary::ServerSummary;
use perisai_server::db::{rfc3339, Db};
use perisai_server::keys::{hex, random_bytes, ServerKeys};
use perisai_server::router;
use perisai_server::serve::ServeArgs;
use perisai_server::service::{self, access::IssuedCode};
use perisai_server::state::AppState;
use perisai_sim::console::Console;
use perisai_sim::device::{DevicePlan, DeviceTotals, Fleet};
use perisai_sim::link::{FlakyLink, LinkState};
use perisai_sim::people::AREAS;

pub const BRANCH: &str = "DEMO";
pub const SUPERVISOR_EMAIL: &str = "supervisor@demo.perisai.test";
/// The demo agents, in creation order (more devices get "Agen Demo N").
const AGENTS: [&str; 10] = [
    "Siti Rahayu",
    "Budi Santoso",
    "Dewi Lestari",
    "Togar Simanjuntak",
    "Ni Made Sari",
    "Andi Pratama",
    "Asep Suryana",
    "Rosmaniar",
    "Yanti Rahmawati",
    "Eko Wibowo",
];
/// Most simulated devices (each is a thread, a SQLite file and a proxy).
const MAX_DEVICES: u16 = 20;
/// How often the server-side summary is printed.
const SUMMARY_EVERY: Duration = Duration::from_secs(10);

/// `perisai-demo` options: the server's, and the simulation's.
#[derive(Args, Debug, Clone)]
pub struct DemoArgs {
    #[command(flatten)]
    pub serve: ServeArgs,
    /// Simulated field devices, one agent each (1 to 20).
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u16).range(1..=MAX_DEVICES as i64))]
    pub devices: u16,
    /// Stop after this many seconds (default: run until Ctrl-C).
    #[arg(long, value_name = "SECS")]
    pub duration: Option<u64>,
    /// Folder of the simulated devices' data (default: `demo-devices` beside the SQLite file,
    /// else ./data/demo-devices); its device folders 1..N are emptied at every run.
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
}

/// What the demo seeded.
#[derive(Debug, Clone)]
pub struct Seeded {
    pub branch: String,
    pub wadah_id: String,
    /// (id, name) of the agents that get a device this run.
    pub agents: Vec<(String, String)>,
    /// One fresh code per agent of `agents`, in the same order.
    pub codes: Vec<IssuedCode>,
    pub supervisor_email: String,
    /// Set when the account was created by this run.
    pub supervisor_password: Option<String>,
}

fn agent_name(index: usize) -> String {
    AGENTS
        .get(index)
        .map_or_else(|| format!("Agen Demo {}", index + 1), |n| n.to_string())
}

/// Seeds (or finds) the demo data with at least `agents` agents, and issues one fresh code to
/// each of the first `agents`.
pub async fn seed(db: &Db, keys: &ServerKeys, agents: usize) -> Result<Seeded, DemoError> {
    let fail = |e: service::ServiceError| DemoError(e.to_string());
    let exists: Option<String> = sqlx::query_scalar("SELECT code FROM branches WHERE code = $1")
        .bind(BRANCH)
        .fetch_optional(db.pool())
        .await
        .map_err(|e| fail(e.into()))?;
    if exists.is_none() {
        service::org::create_branch(db, BRANCH, "Kantor Cabang Demo", None)
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
        None => service::org::create_wadah(db, BRANCH, "Koperasi Pedagang Pasar Demo")
            .await
            .map_err(fail)?,
    };
    let rows = sqlx::query(
        "SELECT id, name FROM agents WHERE wadah_id = $1 AND status = 'active' ORDER BY created_ms, id",
    )
    .bind(&wadah_id)
    .fetch_all(db.pool())
    .await
    .map_err(|e| fail(e.into()))?;
    let mut found = Vec::new();
    for row in &rows {
        let id: String = perisai_server::db::col(row, "id").map_err(|e| fail(e.into()))?;
        let name: String = perisai_server::db::col(row, "name").map_err(|e| fail(e.into()))?;
        found.push((id, name));
    }
    for index in found.len()..agents {
        let name = agent_name(index);
        let id = service::org::create_agent(db, &wadah_id, &name)
            .await
            .map_err(fail)?;
        found.push((id, name));
    }
    found.truncate(agents);
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
        service::org::create_user(
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
    let validity = perisai_server::config::Config::for_backend(db.backend()).code_validity;
    let mut codes = Vec::new();
    for (agent, _) in &found {
        codes.push(
            service::access::issue_code(db, keys, agent, validity)
                .await
                .map_err(fail)?,
        );
    }
    Ok(Seeded {
        branch: BRANCH.into(),
        wadah_id,
        agents: found,
        codes,
        supervisor_email: SUPERVISOR_EMAIL.into(),
        supervisor_password,
    })
}

/// The devices' folder: `demo-devices` beside the SQLite file, else `./data/demo-devices`.
fn default_devices_dir(database_url: &str) -> PathBuf {
    match perisai_server::db::sqlite_path(database_url) {
        Some(path) => path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("demo-devices"), |p| p.join("demo-devices")),
        None => PathBuf::from("./data/demo-devices"),
    }
}

/// Where the simulated devices reach the server: loopback when the server listens on every
/// address (the device's URL policy allows plain http to loopback only).
fn local_target(addr: SocketAddr) -> SocketAddr {
    match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => {
            SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), addr.port())
        }
        IpAddr::V6(ip) if ip.is_unspecified() => {
            SocketAddr::new(IpAddr::V6(Ipv6Addr::LOCALHOST), addr.port())
        }
        _ => addr,
    }
}

/// Why the demo stopped (the message for the terminal).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct DemoError(pub String);

fn failure(message: impl Into<String>) -> DemoError {
    DemoError(message.into())
}

/// Runs the demo until Ctrl-C, SIGTERM or `--duration`.
pub async fn run(db: Db, keys: Arc<ServerKeys>, args: &DemoArgs) -> Result<(), DemoError> {
    let console = Console::new();
    let devices = usize::from(args.devices);
    let folder = args
        .data_dir
        .clone()
        .unwrap_or_else(|| default_devices_dir(db.url()));
    // First the folders: a folder that is not a demo device's stops the demo before anything
    // is seeded or served.
    let dirs: Vec<PathBuf> = (1..=devices).map(|n| folder.join(n.to_string())).collect();
    for dir in &dirs {
        perisai_sim::device::reset_folder(dir).map_err(failure)?;
    }
    let seeded = seed(&db, &keys, devices).await?;
    introduce(&console, &seeded);

    let config = perisai_server::serve::config_from(&db, &args.serve);
    let state = AppState::new(db.clone(), keys.clone(), config)
        .map_err(|e| failure(format!("metrics: {e}")))?;
    let listener = tokio::net::TcpListener::bind(&args.serve.listen)
        .await
        .map_err(|e| {
            failure(format!(
                "cannot listen on {}: {:?}",
                args.serve.listen,
                e.kind()
            ))
        })?;
    let addr = listener
        .local_addr()
        .map_err(|e| failure(format!("no local address: {:?}", e.kind())))?;
    console.plain(format!("server key fingerprint {}", keys.fingerprint()));
    console.plain(format!("listening on http://{addr}"));
    tracing::info!(%addr, "serving (demo)");
    let (stop_server, server_stopping) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(perisai_server::http_server::serve(
        listener,
        router::router(state),
        Duration::from_secs(args.serve.header_timeout_secs.max(1)),
        async {
            let _ = server_stopping.await;
        },
    ));
    // The command to look at the data meanwhile; a PostgreSQL URL may hold a password: not
    // printed.
    let export = match perisai_server::db::sqlite_path(db.url()) {
        Some(_) => format!(
            "perisai-server --database-url {} admin export --branch {BRANCH} --format csv",
            db.url()
        ),
        None => format!(
            "perisai-server --database-url <URL> admin export --branch {BRANCH} --format csv"
        ),
    };
    let target = local_target(addr);
    console.plain(format!(
        "aplikasi web supervisor: buka http://{target}/login di peramban (ekspor CSV juga: \
         {export}) / supervisors' web app: open http://{target}/login in a browser (CSV export \
         too: {export})"
    ));
    let folders = match devices {
        1 => format!("{}/1", folder.display()),
        n => format!("{}/1..{n}", folder.display()),
    };
    console.plain(format!(
        "perangkat simulasi: {devices}, data di {folders} (dikosongkan setiap demo); Ctrl-C untuk berhenti / \
         simulated devices: {devices}, data in {folders} (emptied at every demo run); Ctrl-C to stop"
    ));

    let links_state = Arc::new(LinkState::default());
    let fleet = Arc::new(Fleet::new(console.clone(), keys.fingerprint().to_string()));
    let mut links = Vec::new();
    let mut threads = Vec::new();
    for (index, (dir, code)) in dirs.into_iter().zip(&seeded.codes).enumerate() {
        let number = index + 1;
        let link = FlakyLink::start(number, target, links_state.clone(), console.clone())
            .await
            .map_err(|e| failure(format!("cannot start a demo link: {:?}", e.kind())))?;
        let link_url = format!("http://{}", link.addr);
        // Activation happens at the branch office, straight to the server, when the device
        // may reach it with plain http (loopback); else through its link.
        let activation_url = if target.ip().is_loopback() {
            format!("http://{target}")
        } else {
            link_url.clone()
        };
        let plan = DevicePlan {
            number,
            area: &AREAS[index % AREAS.len()],
            dir,
            code: code.code.clone(),
            activation_url,
            link_url,
        };
        links.push(link);
        let fleet = fleet.clone();
        // AgentApp and its HTTP client block: each device runs on its own thread.
        let thread = std::thread::Builder::new()
            .name(format!("demo-device-{number}"))
            .spawn(move || perisai_sim::device::run(plan, fleet))
            .map_err(|e| failure(format!("cannot start a device: {:?}", e.kind())))?;
        threads.push(thread);
    }

    let (why_id, why_en) = watch(&db, &console, args.duration).await;
    console.say(format!(
        "{why_id}: perangkat berhenti mendaftar dan mengirim sisa antrean lewat jaringan yang tenang \
         (Ctrl-C lagi untuk keluar langsung) / {why_en}: the devices stop enrolling and send what \
         they still hold over a calm link (Ctrl-C again to quit at once)"
    ));
    fleet.stop.store(true, Ordering::SeqCst);
    links_state.calm();
    let impatient = tokio::spawn(async {
        perisai_server::serve::shutdown_signal().await;
        eprintln!("quitting at once (second signal)");
        std::process::exit(130);
    });
    let totals: Vec<DeviceTotals> = tokio::task::spawn_blocking(move || {
        threads
            .into_iter()
            .map(|t| t.join().unwrap_or_default())
            .collect()
    })
    .await
    .unwrap_or_default();
    impatient.abort();
    for link in &links {
        link.stop();
    }
    let _ = stop_server.send(());
    let _ = server.await;

    let all = DeviceTotals::sum(&totals);
    console.say("demo selesai / demo finished");
    console.plain(format!(
        "perangkat melaporkan: {sv} disimpan, {rf} formulir ditolak aplikasi, {w} peringatan dikonfirmasi / \
         devices reported: accepted {a}, duplicate {d}, rejected {r}, batches {b}, unsent {u} \
         (saved {sv}, refused by the app {rf}, warnings confirmed {w})",
        sv = all.saved,
        rf = all.refused_forms,
        w = all.confirmed_warnings,
        a = all.accepted,
        d = all.duplicates,
        r = all.rejected,
        b = all.batches,
        u = all.left_unsent,
    ));
    console.plain(format!(
        "jaringan: {f} koneksi diputus dengan sengaja / link: {fs} broken on purpose",
        f = links_state.faults(),
        fs = perisai_sim::console::counted(links_state.faults(), "connection"),
    ));
    match ServerSummary::read(&db, BRANCH).await {
        Ok(summary) => console.plain(format!(
            "{summary} (semua demo di basis data ini / every demo run on this database)"
        )),
        Err(e) => console.plain(format!("server: cannot read the database ({e})")),
    }
    if !all.activated {
        return Err(failure("no simulated device could be activated"));
    }
    Ok(())
}

/// Prints what was seeded: branch, codes, the supervisor's login.
fn introduce(console: &Console, seeded: &Seeded) {
    console.plain("Perisai Field: demo");
    console.plain(format!(
        "cabang / branch {} (Kantor Cabang Demo), Wadah {} (Koperasi Pedagang Pasar Demo)",
        seeded.branch, seeded.wadah_id
    ));
    for (index, ((agent_id, name), code)) in seeded.agents.iter().zip(&seeded.codes).enumerate() {
        let area = &AREAS[index % AREAS.len()];
        console.plain(format!(
            "agen {name} ({agent_id}), device {n} di {place}: kode aktivasi / activation code {code} \
             (berlaku sampai / valid until {until})",
            n = index + 1,
            place = area.name,
            code = code.code,
            until = rfc3339(code.expires_ms),
        ));
    }
    match &seeded.supervisor_password {
        Some(p) => console.plain(format!(
            "supervisor login: {} / {p}",
            seeded.supervisor_email
        )),
        None => console.plain(format!(
            "supervisor login: {} (kata sandi dicetak pada demo pertama di basis data ini / \
             password printed by the first demo run on this database)",
            seeded.supervisor_email
        )),
    }
}

/// Prints the database summary every ten seconds until the duration ends or a signal comes;
/// returns what stopped it (Indonesian, English).
async fn watch(db: &Db, console: &Console, duration: Option<u64>) -> (&'static str, &'static str) {
    let deadline = async {
        match duration {
            Some(secs) => tokio::time::sleep(Duration::from_secs(secs)).await,
            None => std::future::pending::<()>().await,
        }
    };
    tokio::pin!(deadline);
    let signal = perisai_server::serve::shutdown_signal();
    tokio::pin!(signal);
    let mut ticker = tokio::time::interval(SUMMARY_EVERY);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    // The first tick is immediate: nothing to show yet.
    ticker.tick().await;
    loop {
        tokio::select! {
            _ = &mut deadline => return ("waktu --duration habis", "--duration elapsed"),
            _ = &mut signal => return ("Ctrl-C", "Ctrl-C"),
            _ = ticker.tick() => match ServerSummary::read(db, BRANCH).await {
                Ok(summary) => console.say(summary),
                Err(e) => console.say(format!("server: cannot read the database ({e})")),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_folders_sit_beside_the_sqlite_file() {
        assert_eq!(
            default_devices_dir("sqlite:./data/perisai.db"),
            PathBuf::from("./data/demo-devices")
        );
        assert_eq!(
            default_devices_dir("sqlite:/tmp/x/p.db"),
            PathBuf::from("/tmp/x/demo-devices")
        );
        assert_eq!(
            default_devices_dir("sqlite:p.db"),
            PathBuf::from("demo-devices")
        );
        assert_eq!(
            default_devices_dir("postgres://u@h/db"),
            PathBuf::from("./data/demo-devices")
        );
    }

    #[test]
    fn devices_reach_a_server_listening_everywhere_over_loopback() {
        let any: SocketAddr = "0.0.0.0:8080".parse().unwrap();
        assert_eq!(local_target(any), "127.0.0.1:8080".parse().unwrap());
        let lan: SocketAddr = "192.168.1.5:8080".parse().unwrap();
        assert_eq!(local_target(lan), lan);
    }
}
