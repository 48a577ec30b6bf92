//! A fault-injecting TCP proxy for the end-to-end tests: it stands between the devices and the
//! server on loopback and does to their traffic what a market's mobile network does to it.
//!
//! Under a seeded [`FaultPlan`], drawn request by request (HTTP/1.1 messages are framed by
//! their `Content-Length`), it cuts connections mid-request (N bytes into the request, so the
//! server gets part of it) and mid-response (N bytes into the answer, after the server did the
//! work), with a close or a reset; holds requests back and stalls bytes midway; duplicates
//! requests (a complete request from the client is written once more to the server on a fresh
//! connection and the duplicate's answer thrown away, as a retrying middlebox would); and
//! emulates a slow link (bandwidth, round trip, drops at random with a mean interval) shared by
//! every connection. It counts what it did ([`ProxyStats`]), so a test can show the faults
//! really happened.
//!
//! It only ever talks to loopback: [`FaultProxy::start`] refuses any other upstream, and it
//! listens on `127.0.0.1` (this workplace forbids traffic to other addresses).
//!
//! ```no_run
//! # async fn demo(server: std::net::SocketAddr) -> std::io::Result<()> {
//! use perisai_e2e::proxy::{FaultPlan, FaultProxy};
//! let proxy = FaultProxy::start(server, FaultPlan::hostile(42)).await?;
//! let url = proxy.url(); // give this to the devices instead of the server's URL
//! // ... run the devices ...
//! println!("{}", proxy.stats()); // what the network did to them
//! # let _ = url; Ok(()) }
//! ```
//!
//! The proxy runs on the tokio runtime that started it and stops, closing every connection, when
//! it is dropped. Rooms: [`plan`] (what to do, seeded), [`link`] (pacing of the slow link),
//! [`framing`] (where an HTTP/1.1 message ends, for duplicates).

pub mod framing;
pub mod link;
pub mod plan;

use std::collections::{BTreeMap, VecDeque};
use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use rand_chacha::ChaCha8Rng;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio::time::{sleep, sleep_until, timeout, timeout_at, Instant};

pub use framing::{Boundary, MessageFramer, MessageTracker};
pub use link::{Direction, Link};
pub use plan::{FaultPlan, LinkPlan, RequestFaults, CHUNK};

/// How long the proxy waits for the server to accept a connection.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a duplicate waits for its (discarded) answer.
const DUPLICATE_ANSWER_TIMEOUT: Duration = Duration::from_secs(30);
/// Chunks in flight per direction and connection (far above 64 kbit/s × 400 ms).
const PIPELINE: usize = 64;

/// Refuses any address outside loopback (127.0.0.0/8, ::1).
pub fn ensure_loopback(addr: SocketAddr) -> io::Result<()> {
    if addr.ip().is_loopback() {
        Ok(())
    } else {
        Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "{addr} is not a loopback address: the end-to-end tests only talk to this machine"
            ),
        ))
    }
}

/// A running proxy. Dropping it stops it and closes every connection through it.
pub struct FaultProxy {
    addr: SocketAddr,
    shared: Arc<Shared>,
    /// Dropped with the proxy: every task watching it stops.
    _stop: watch::Sender<()>,
    tasks: Vec<JoinHandle<()>>,
}

impl FaultProxy {
    /// Listens on `127.0.0.1:0` and forwards to `upstream` (which must be on loopback) under
    /// `plan`.
    pub async fn start(upstream: SocketAddr, plan: FaultPlan) -> io::Result<FaultProxy> {
        ensure_loopback(upstream)?;
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let (stop, stopped) = watch::channel(());
        let (link_drops, _) = watch::channel(0u64);
        let shared = Arc::new(Shared {
            upstream,
            link: RwLock::new(plan.link.clone().map(|l| Arc::new(Link::new(l)))),
            plan: RwLock::new(Arc::new(plan)),
            link_down_until: Mutex::new(None),
            link_drops,
            counters: Counters::default(),
            next_connection: AtomicU64::new(0),
        });
        let tasks = vec![
            tokio::spawn(accept_loop(listener, shared.clone(), stopped.clone())),
            tokio::spawn(drop_link_at_random(shared.clone(), stopped)),
        ];
        Ok(FaultProxy {
            addr,
            shared,
            _stop: stop,
            tasks,
        })
    }

    /// Where clients connect.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`: the server URL to give the devices.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The plan's seed, to print with a failure.
    pub fn seed(&self) -> u64 {
        self.shared.plan().seed
    }

    /// What the proxy did so far.
    pub fn stats(&self) -> ProxyStats {
        self.shared.counters.snapshot()
    }

    /// Replaces the plan for connections accepted from now on (e.g. a clean plan to let the
    /// devices finish after a stormy phase). A new link plan starts a new, idle link.
    pub fn set_plan(&self, plan: FaultPlan) {
        let link = plan.link.clone().map(|l| Arc::new(Link::new(l)));
        *write(&self.shared.link) = link;
        *write(&self.shared.plan) = Arc::new(plan);
    }

    /// Drops the link now: every open connection is cut (an operator-made fault, on top of the
    /// plan's).
    pub fn drop_link(&self) {
        let outage = self
            .shared
            .plan()
            .link
            .as_ref()
            .map_or(Duration::ZERO, |l| l.outage);
        self.shared.drop_link(outage);
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// What the proxy did, counted since it started.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProxyStats {
    /// Client connections accepted.
    pub connections: u64,
    /// Connections closed at once because the link was down.
    pub refused: u64,
    /// Connections the server did not accept.
    pub upstream_failures: u64,
    /// Requests held back before they went on to the server.
    pub delays: u64,
    /// Chunks held back midway.
    pub stalls: u64,
    /// Connections cut N bytes into a request.
    pub cuts_mid_request: u64,
    /// Connections cut N bytes into a response.
    pub cuts_mid_response: u64,
    /// Times the link dropped.
    pub link_drops: u64,
    /// Connections that were open when the link dropped.
    pub cut_by_link: u64,
    /// Cuts made with a reset rather than a close.
    pub resets: u64,
    /// Requests sent a second time to the server.
    pub duplicates_sent: u64,
    /// The statuses the server answered the duplicates with (answers thrown away).
    pub duplicate_statuses: BTreeMap<u16, u64>,
    /// Bytes forwarded from clients to the server (duplicates not counted).
    pub bytes_up: u64,
    /// Bytes forwarded from the server to clients.
    pub bytes_down: u64,
    /// Bytes of duplicated requests.
    pub duplicate_bytes: u64,
}

impl ProxyStats {
    /// Every cut, whatever made it.
    pub fn cuts(&self) -> u64 {
        self.cuts_mid_request + self.cuts_mid_response + self.cut_by_link
    }

    /// Duplicates the server answered (with any status).
    pub fn duplicates_answered(&self) -> u64 {
        self.duplicate_statuses.values().sum()
    }
}

impl fmt::Display for ProxyStats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} connections ({} refused while the link was down), {} cut mid-request, \
             {} cut mid-response, {} link drops cutting {} connections ({} cuts by reset), \
             {} delayed, {} stalls, {} duplicates sent (answers {:?}), {} B up, {} B down, \
             {} B duplicated",
            self.connections,
            self.refused,
            self.cuts_mid_request,
            self.cuts_mid_response,
            self.link_drops,
            self.cut_by_link,
            self.resets,
            self.delays,
            self.stalls,
            self.duplicates_sent,
            self.duplicate_statuses,
            self.bytes_up,
            self.bytes_down,
            self.duplicate_bytes,
        )
    }
}

/// What every task of one proxy shares.
struct Shared {
    upstream: SocketAddr,
    plan: RwLock<Arc<FaultPlan>>,
    link: RwLock<Option<Arc<Link>>>,
    link_down_until: Mutex<Option<Instant>>,
    /// Bumped at every link drop; each connection watches it.
    link_drops: watch::Sender<u64>,
    counters: Counters,
    next_connection: AtomicU64,
}

impl Shared {
    fn plan(&self) -> Arc<FaultPlan> {
        read(&self.plan).clone()
    }

    fn link(&self) -> Option<Arc<Link>> {
        read(&self.link).clone()
    }

    fn link_is_down(&self) -> bool {
        lock(&self.link_down_until).is_some_and(|until| Instant::now() < until)
    }

    fn drop_link(&self, outage: Duration) {
        bump(&self.counters.link_drops);
        *lock(&self.link_down_until) = Some(Instant::now() + outage);
        self.link_drops.send_modify(|n| *n += 1);
    }
}

// A poisoned lock only means a task panicked while holding it; the values inside (plans,
// instants) are replaced whole, so they are still consistent.
fn read<T>(lock: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(|p| p.into_inner())
}

fn write<T>(lock: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    lock.write().unwrap_or_else(|p| p.into_inner())
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

#[derive(Default)]
struct Counters {
    connections: AtomicU64,
    refused: AtomicU64,
    upstream_failures: AtomicU64,
    delays: AtomicU64,
    stalls: AtomicU64,
    cuts_mid_request: AtomicU64,
    cuts_mid_response: AtomicU64,
    link_drops: AtomicU64,
    cut_by_link: AtomicU64,
    resets: AtomicU64,
    duplicates_sent: AtomicU64,
    duplicate_statuses: Mutex<BTreeMap<u16, u64>>,
    bytes_up: AtomicU64,
    bytes_down: AtomicU64,
    duplicate_bytes: AtomicU64,
}

fn bump(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

fn add(counter: &AtomicU64, n: usize) {
    counter.fetch_add(n as u64, Ordering::Relaxed);
}

impl Counters {
    fn snapshot(&self) -> ProxyStats {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        ProxyStats {
            connections: get(&self.connections),
            refused: get(&self.refused),
            upstream_failures: get(&self.upstream_failures),
            delays: get(&self.delays),
            stalls: get(&self.stalls),
            cuts_mid_request: get(&self.cuts_mid_request),
            cuts_mid_response: get(&self.cuts_mid_response),
            link_drops: get(&self.link_drops),
            cut_by_link: get(&self.cut_by_link),
            resets: get(&self.resets),
            duplicates_sent: get(&self.duplicates_sent),
            duplicate_statuses: lock(&self.duplicate_statuses).clone(),
            bytes_up: get(&self.bytes_up),
            bytes_down: get(&self.bytes_down),
            duplicate_bytes: get(&self.duplicate_bytes),
        }
    }
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>, mut stop: watch::Receiver<()>) {
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = stop.changed() => return,
        };
        match accepted {
            Ok((client, _)) => {
                let number = shared.next_connection.fetch_add(1, Ordering::Relaxed);
                tokio::spawn(serve_connection(
                    client,
                    number,
                    shared.clone(),
                    stop.clone(),
                ));
            }
            // Out of file descriptors or the like: let it pass rather than spin.
            Err(_) => sleep(Duration::from_millis(10)).await,
        }
    }
}

/// Drops the link at the plan's random intervals (checking the plan again after each drop).
async fn drop_link_at_random(shared: Arc<Shared>, mut stop: watch::Receiver<()>) {
    let mut dice = shared.plan().link_dice();
    loop {
        let plan = shared.plan();
        let Some(wait) = plan.next_link_cut(&mut dice) else {
            tokio::select! {
                _ = sleep(Duration::from_millis(200)) => continue,
                _ = stop.changed() => return,
            }
        };
        tokio::select! {
            _ = sleep(wait) => {}
            _ = stop.changed() => return,
        }
        let outage = plan.link.as_ref().map_or(Duration::ZERO, |l| l.outage);
        shared.drop_link(outage);
    }
}

/// How a connection ended.
#[derive(Debug, PartialEq, Eq)]
enum ConnectionEnd {
    Done,
    CutRequest { reset: bool },
    CutResponse { reset: bool },
    LinkDrop,
    Failed,
    Stopped,
}

async fn serve_connection(
    client: TcpStream,
    number: u64,
    shared: Arc<Shared>,
    mut stop: watch::Receiver<()>,
) {
    bump(&shared.counters.connections);
    let plan = shared.plan();
    let mut up_dice = plan.dice(number);
    let link_drop_resets = plan.link_drop_resets(&mut up_dice);
    let mut down_dice = up_dice.clone();
    down_dice.set_word_pos(1u128 << 64);
    if shared.link_is_down() {
        bump(&shared.counters.refused);
        return;
    }
    let upstream = match timeout(CONNECT_TIMEOUT, TcpStream::connect(shared.upstream)).await {
        Ok(Ok(stream)) => stream,
        _ => {
            bump(&shared.counters.upstream_failures);
            return;
        }
    };
    let _ = client.set_nodelay(true);
    let _ = upstream.set_nodelay(true);
    let link = shared.link();
    let mut link_drops = shared.link_drops.subscribe();
    let (mut client_read, mut client_write) = client.into_split();
    let (mut server_read, mut server_write) = upstream.into_split();
    let (response_faults, planned_response_faults) = mpsc::unbounded_channel();

    let end = {
        let up = pump(
            Pump {
                role: Role::Requests { response_faults },
                shared: shared.clone(),
                plan: plan.clone(),
                link: link.clone(),
                dice: up_dice,
                stop: stop.clone(),
            },
            &mut client_read,
            &mut server_write,
        );
        let down = pump(
            Pump {
                role: Role::Responses {
                    planned: planned_response_faults,
                },
                shared: shared.clone(),
                plan: plan.clone(),
                link,
                dice: down_dice,
                stop: stop.clone(),
            },
            &mut server_read,
            &mut client_write,
        );
        tokio::pin!(up, down);
        let mut up_open = true;
        loop {
            tokio::select! {
                end = &mut up, if up_open => match end {
                    // The client sent all it will; the server may still answer.
                    PumpEnd::Eof => up_open = false,
                    PumpEnd::Cut { reset } => break ConnectionEnd::CutRequest { reset },
                    PumpEnd::Failed => break ConnectionEnd::Failed,
                },
                end = &mut down => break match end {
                    PumpEnd::Eof => ConnectionEnd::Done,
                    PumpEnd::Cut { reset } => ConnectionEnd::CutResponse { reset },
                    PumpEnd::Failed => ConnectionEnd::Failed,
                },
                _ = link_drops.changed() => break ConnectionEnd::LinkDrop,
                _ = stop.changed() => break ConnectionEnd::Stopped,
            }
        }
    };
    let (counter, reset) = match end {
        ConnectionEnd::CutRequest { reset } => (&shared.counters.cuts_mid_request, reset),
        ConnectionEnd::CutResponse { reset } => (&shared.counters.cuts_mid_response, reset),
        ConnectionEnd::LinkDrop => (&shared.counters.cut_by_link, link_drop_resets),
        ConnectionEnd::Done | ConnectionEnd::Failed | ConnectionEnd::Stopped => return,
    };
    bump(counter);
    if reset {
        // Closing with SO_LINGER 0 sends a reset instead of a FIN, and drops what the kernel
        // had not sent yet: the peer sees "connection reset", as after a radio drop.
        // A write half shuts down (FIN) when dropped, which the peer would read before the
        // reset; `forget` leaves the closing to the read half, which then resets.
        let client_reset = client_write.as_ref().set_zero_linger().is_ok();
        let server_reset = server_write.as_ref().set_zero_linger().is_ok();
        client_write.forget();
        server_write.forget();
        if client_reset || server_reset {
            bump(&shared.counters.resets);
        }
    }
    // The halves drop here: both sockets close.
}

/// A response's planned cut, handed from the request side to the response side.
struct ResponseFault {
    cut_after: Option<u64>,
    reset: bool,
}

/// Which way a pump goes, and what it tells the other way.
enum Role {
    /// Client to server: draws each request's faults, and passes its response's on.
    Requests {
        response_faults: mpsc::UnboundedSender<ResponseFault>,
    },
    /// Server to client: takes each response's faults, in the order of the requests.
    Responses {
        planned: mpsc::UnboundedReceiver<ResponseFault>,
    },
}

/// One direction of a connection.
struct Pump {
    role: Role,
    shared: Arc<Shared>,
    plan: Arc<FaultPlan>,
    link: Option<Arc<Link>>,
    dice: ChaCha8Rng,
    stop: watch::Receiver<()>,
}

impl Pump {
    fn direction(&self) -> Direction {
        match self.role {
            Role::Requests { .. } => Direction::Up,
            Role::Responses { .. } => Direction::Down,
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
enum PumpEnd {
    /// The source closed and everything was forwarded.
    Eof,
    /// The plan cut the connection here.
    Cut { reset: bool },
    /// A read or write failed.
    Failed,
}

/// What the reading side hands the writing side.
enum Piece {
    /// Bytes to write once the link has delivered them (`due`).
    Data {
        due: Instant,
        bytes: Vec<u8>,
    },
    Eof,
    Cut {
        reset: bool,
    },
    Failed,
}

/// Forwards one direction: the reading side applies the plan and the link's schedule, the
/// writing side writes each piece when it is due, so reading goes on while bytes are "in the
/// air".
async fn pump(pump: Pump, from: &mut OwnedReadHalf, to: &mut OwnedWriteHalf) -> PumpEnd {
    let (pieces, incoming) = mpsc::channel(PIPELINE);
    let shared = pump.shared.clone();
    let direction = pump.direction();
    let reading = read_side(pump, from, pieces);
    let writing = write_side(direction, &shared.counters, to, incoming);
    tokio::pin!(reading, writing);
    let mut reading_done = false;
    loop {
        tokio::select! {
            _ = &mut reading, if !reading_done => reading_done = true,
            end = &mut writing => return end,
        }
    }
}

/// The earlier of two planned cuts (stream offset, reset).
fn earliest(a: Option<(u64, bool)>, b: Option<(u64, bool)>) -> Option<(u64, bool)> {
    match (a, b) {
        (Some(x), Some(y)) => Some(if y.0 < x.0 { y } else { x }),
        (x, None) => x,
        (None, y) => y,
    }
}

async fn read_side(mut pump: Pump, from: &mut OwnedReadHalf, pieces: mpsc::Sender<Piece>) {
    let direction = pump.direction();
    let mut buf = vec![0u8; CHUNK];
    let mut tracker = MessageTracker::new();
    let mut read: u64 = 0;
    // The pending cut: the stream offset it falls at, and whether it resets.
    let mut cut: Option<(u64, bool)> = None;
    // Duplicates decided at each request's start, taken when the request is complete.
    let mut duplicates: VecDeque<Option<Duration>> = VecDeque::new();
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) => {
                let _ = pieces.send(Piece::Eof).await;
                return;
            }
            Ok(n) => n,
            Err(_) => {
                let _ = pieces.send(Piece::Failed).await;
                return;
            }
        };
        let chunk = &buf[..n];
        let chunk_start = read;
        read += n as u64;
        for boundary in tracker.feed(chunk) {
            match boundary {
                Boundary::Start(at) => {
                    let planned = match &mut pump.role {
                        Role::Requests { response_faults } => {
                            let faults = pump.plan.request_faults(&mut pump.dice);
                            let _ = response_faults.send(ResponseFault {
                                cut_after: faults.cut_response_after,
                                reset: faults.reset,
                            });
                            duplicates.push_back(faults.duplicate_after);
                            if let Some(delay) = faults.delay {
                                bump(&pump.shared.counters.delays);
                                sleep(delay).await;
                            }
                            faults
                                .cut_request_after
                                .map(|after| (at + after, faults.reset))
                        }
                        Role::Responses { planned } => planned
                            .try_recv()
                            .ok()
                            .and_then(|f| f.cut_after.map(|after| (at + after, f.reset))),
                    };
                    cut = earliest(cut, planned);
                }
                Boundary::End(at, message) => {
                    // A cut planned beyond the message's end does not happen.
                    if cut.is_some_and(|(cut_at, _)| cut_at > at) {
                        cut = None;
                    }
                    if direction == Direction::Up {
                        if let Some(Some(lag)) = duplicates.pop_front() {
                            spawn_duplicate(pump.shared.clone(), message, lag, pump.stop.clone());
                        }
                    }
                }
            }
        }
        let (forward, cut_now) = match cut {
            Some((at, reset)) if at <= read => {
                let keep = usize::try_from(at.saturating_sub(chunk_start)).unwrap_or(n);
                (&chunk[..keep.min(n)], Some(reset))
            }
            _ => (chunk, None),
        };
        if let Some(stall) = pump.plan.stall_for(&mut pump.dice) {
            bump(&pump.shared.counters.stalls);
            sleep(stall).await;
        }
        if !forward.is_empty() {
            let due = match &pump.link {
                Some(link) => link.schedule(direction, forward.len()),
                None => Instant::now(),
            };
            let piece = Piece::Data {
                due,
                bytes: forward.to_vec(),
            };
            if pieces.send(piece).await.is_err() {
                return;
            }
        }
        if let Some(reset) = cut_now {
            let _ = pieces.send(Piece::Cut { reset }).await;
            return;
        }
    }
}

async fn write_side(
    direction: Direction,
    counters: &Counters,
    to: &mut OwnedWriteHalf,
    mut incoming: mpsc::Receiver<Piece>,
) -> PumpEnd {
    let forwarded = match direction {
        Direction::Up => &counters.bytes_up,
        Direction::Down => &counters.bytes_down,
    };
    while let Some(piece) = incoming.recv().await {
        match piece {
            Piece::Data { due, bytes } => {
                sleep_until(due).await;
                if to.write_all(&bytes).await.is_err() {
                    return PumpEnd::Failed;
                }
                add(forwarded, bytes.len());
            }
            Piece::Eof => {
                let _ = to.shutdown().await;
                return PumpEnd::Eof;
            }
            Piece::Cut { reset } => return PumpEnd::Cut { reset },
            Piece::Failed => return PumpEnd::Failed,
        }
    }
    PumpEnd::Failed
}

/// Replays `request` to the server on a connection of its own after `lag`, and throws the
/// answer away (keeping its status for the counters).
fn spawn_duplicate(
    shared: Arc<Shared>,
    request: Vec<u8>,
    lag: Duration,
    mut stop: watch::Receiver<()>,
) {
    tokio::spawn(async move {
        tokio::select! {
            _ = replay(&shared, &request, lag) => {}
            _ = stop.changed() => {}
        }
    });
}

async fn replay(shared: &Shared, request: &[u8], lag: Duration) {
    sleep(lag).await;
    bump(&shared.counters.duplicates_sent);
    add(&shared.counters.duplicate_bytes, request.len());
    let Ok(Ok(mut stream)) = timeout(CONNECT_TIMEOUT, TcpStream::connect(shared.upstream)).await
    else {
        return;
    };
    if stream.write_all(request).await.is_err() {
        return;
    }
    let deadline = Instant::now() + DUPLICATE_ANSWER_TIMEOUT;
    let mut framer = MessageFramer::new();
    let mut head = Vec::new();
    let mut buf = vec![0u8; 8192];
    loop {
        match timeout_at(deadline, stream.read(&mut buf)).await {
            Ok(Ok(n)) if n > 0 => {
                if head.len() < 256 {
                    head.extend_from_slice(&buf[..n.min(256)]);
                }
                if !framer.push(&buf[..n]).is_empty() || framer.gave_up() {
                    break;
                }
            }
            _ => break,
        }
    }
    if let Some(status) = framing::status_code(&head) {
        *lock(&shared.counters.duplicate_statuses)
            .entry(status)
            .or_insert(0) += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tiny HTTP server: records every complete request and the bytes of each connection, and
    /// answers each request with `answer_len` bytes.
    struct Upstream {
        addr: SocketAddr,
        requests: Arc<Mutex<Vec<Vec<u8>>>>,
        /// Bytes received on each connection, recorded when it ends.
        received: Arc<Mutex<Vec<usize>>>,
        task: JoinHandle<()>,
    }

    impl Drop for Upstream {
        fn drop(&mut self) {
            self.task.abort();
        }
    }

    async fn upstream(answer_len: usize) -> Upstream {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let received = Arc::new(Mutex::new(Vec::new()));
        let (req, rec) = (requests.clone(), received.clone());
        let task = tokio::spawn(async move {
            loop {
                let Ok((mut stream, _)) = listener.accept().await else {
                    return;
                };
                let (req, rec) = (req.clone(), rec.clone());
                tokio::spawn(async move {
                    let mut framer = MessageFramer::new();
                    let mut total = 0;
                    let mut buf = vec![0u8; 4096];
                    loop {
                        let n = match stream.read(&mut buf).await {
                            Ok(0) | Err(_) => break,
                            Ok(n) => n,
                        };
                        total += n;
                        for request in framer.push(&buf[..n]) {
                            req.lock().unwrap().push(request);
                            let mut answer =
                                format!("HTTP/1.1 200 OK\r\ncontent-length: {answer_len}\r\n\r\n")
                                    .into_bytes();
                            answer.resize(answer.len() + answer_len, b'x');
                            if stream.write_all(&answer).await.is_err() {
                                break;
                            }
                        }
                    }
                    rec.lock().unwrap().push(total);
                });
            }
        });
        Upstream {
            addr,
            requests,
            received,
            task,
        }
    }

    fn request(body_len: usize) -> Vec<u8> {
        let mut bytes = format!(
            "POST /v1/batches HTTP/1.1\r\nhost: test\r\ncontent-length: {body_len}\r\n\r\n"
        )
        .into_bytes();
        bytes.resize(bytes.len() + body_len, b'b');
        bytes
    }

    /// What a client got for one request.
    struct Exchange {
        bytes: Vec<u8>,
        complete: bool,
        error: Option<io::ErrorKind>,
    }

    async fn exchange(addr: SocketAddr, request: &[u8]) -> Exchange {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        let mut out = Exchange {
            bytes: Vec::new(),
            complete: false,
            error: None,
        };
        if let Err(e) = stream.write_all(request).await {
            out.error = Some(e.kind());
            return out;
        }
        let mut framer = MessageFramer::new();
        let mut buf = vec![0u8; 4096];
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            match timeout_at(deadline, stream.read(&mut buf)).await {
                Ok(Ok(0)) => return out,
                Ok(Ok(n)) => {
                    out.bytes.extend_from_slice(&buf[..n]);
                    if !framer.push(&buf[..n]).is_empty() {
                        out.complete = true;
                        return out;
                    }
                }
                Ok(Err(e)) => {
                    out.error = Some(e.kind());
                    return out;
                }
                Err(_) => panic!("no answer and no cut within 10 s"),
            }
        }
    }

    /// Waits (bounded) until `check` holds.
    async fn eventually(what: &str, check: impl Fn() -> bool) {
        let deadline = Instant::now() + Duration::from_secs(5);
        while !check() {
            assert!(Instant::now() < deadline, "timed out waiting for: {what}");
            sleep(Duration::from_millis(10)).await;
        }
    }

    #[tokio::test]
    async fn a_clean_plan_forwards_requests_and_answers_untouched() {
        let server = upstream(1000).await;
        let proxy = FaultProxy::start(server.addr, FaultPlan::clean(1))
            .await
            .unwrap();
        let sent = request(5000);
        let got = exchange(proxy.addr(), &sent).await;
        assert!(got.complete);
        assert!(got.bytes.starts_with(b"HTTP/1.1 200 OK"));
        assert_eq!(
            server.requests.lock().unwrap().as_slice(),
            std::slice::from_ref(&sent)
        );
        let stats = proxy.stats();
        assert_eq!(stats.connections, 1);
        assert_eq!(stats.cuts(), 0);
        assert_eq!(stats.duplicates_sent, 0);
        assert_eq!(stats.bytes_up, sent.len() as u64);
        assert_eq!(stats.bytes_down, got.bytes.len() as u64);
    }

    #[tokio::test]
    async fn a_cut_mid_request_leaves_the_server_with_part_of_it_and_the_client_without_answer() {
        let server = upstream(100).await;
        let plan = FaultPlan::clean(2)
            .with_cuts(1.0, 0.0, 300..=300)
            .with_reset_share(0.0);
        let proxy = FaultProxy::start(server.addr, plan).await.unwrap();
        let got = exchange(proxy.addr(), &request(5000)).await;
        assert!(!got.complete);
        assert!(got.bytes.is_empty());
        eventually("the server saw the connection end", || {
            !server.received.lock().unwrap().is_empty()
        })
        .await;
        assert_eq!(server.received.lock().unwrap().as_slice(), &[300]);
        assert!(server.requests.lock().unwrap().is_empty());
        let stats = proxy.stats();
        assert_eq!(stats.cuts_mid_request, 1);
        assert_eq!(stats.bytes_up, 300);
    }

    #[tokio::test]
    async fn a_cut_mid_response_happens_after_the_server_took_the_request() {
        let server = upstream(5000).await;
        let plan = FaultPlan::clean(3)
            .with_cuts(0.0, 1.0, 50..=50)
            .with_reset_share(0.0);
        let proxy = FaultProxy::start(server.addr, plan).await.unwrap();
        let got = exchange(proxy.addr(), &request(2000)).await;
        // The server handled the request; the client got 50 bytes of the answer and an EOF.
        assert!(!got.complete);
        assert_eq!(got.bytes.len(), 50);
        assert_eq!(got.error, None);
        assert_eq!(server.requests.lock().unwrap().len(), 1);
        let stats = proxy.stats();
        assert_eq!(stats.cuts_mid_response, 1);
        assert_eq!(stats.resets, 0);
        assert_eq!(stats.bytes_down, 50);
    }

    #[tokio::test]
    async fn a_cut_by_reset_shows_as_connection_reset() {
        let server = upstream(200_000).await;
        let plan = FaultPlan::clean(4)
            .with_cuts(0.0, 1.0, 1000..=1000)
            .with_reset_share(1.0);
        let proxy = FaultProxy::start(server.addr, plan).await.unwrap();
        let got = exchange(proxy.addr(), &request(10)).await;
        assert!(!got.complete);
        assert!(got.bytes.len() <= 1000);
        assert_eq!(got.error, Some(io::ErrorKind::ConnectionReset));
        assert_eq!(proxy.stats().resets, 1);
    }

    #[tokio::test]
    async fn a_duplicated_request_reaches_the_server_twice_but_the_client_sees_one_answer() {
        let server = upstream(10).await;
        let plan = FaultPlan::clean(5).with_duplicates(1.0, Duration::ZERO..=Duration::ZERO);
        let proxy = FaultProxy::start(server.addr, plan).await.unwrap();
        let sent = request(3000);
        let got = exchange(proxy.addr(), &sent).await;
        assert!(got.complete);
        assert_eq!(
            got.bytes.len(),
            "HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\n".len() + 10
        );
        eventually("the duplicate's answer came back", || {
            proxy.stats().duplicates_answered() == 1
        })
        .await;
        let requests = server.requests.lock().unwrap().clone();
        assert_eq!(requests, vec![sent.clone(), sent.clone()]);
        let stats = proxy.stats();
        assert_eq!(stats.duplicates_sent, 1);
        assert_eq!(stats.duplicate_statuses, BTreeMap::from([(200, 1)]));
        assert_eq!(stats.duplicate_bytes, sent.len() as u64);
        assert_eq!(stats.bytes_up, sent.len() as u64);
    }

    #[tokio::test]
    async fn every_request_of_a_kept_alive_connection_can_be_duplicated() {
        let server = upstream(10).await;
        let plan = FaultPlan::clean(6).with_duplicates(1.0, Duration::ZERO..=Duration::ZERO);
        let proxy = FaultProxy::start(server.addr, plan).await.unwrap();
        let mut stream = TcpStream::connect(proxy.addr()).await.unwrap();
        let mut buf = vec![0u8; 4096];
        for body in [10, 20, 30] {
            stream.write_all(&request(body)).await.unwrap();
            let mut framer = MessageFramer::new();
            loop {
                let n = timeout(Duration::from_secs(5), stream.read(&mut buf))
                    .await
                    .unwrap()
                    .unwrap();
                assert!(n > 0);
                if !framer.push(&buf[..n]).is_empty() {
                    break;
                }
            }
        }
        eventually("three duplicates answered", || {
            proxy.stats().duplicates_answered() == 3
        })
        .await;
        assert_eq!(server.requests.lock().unwrap().len(), 6);
    }

    #[tokio::test]
    async fn a_delay_holds_the_connection_back() {
        let server = upstream(10).await;
        let delay = Duration::from_millis(300);
        let plan = FaultPlan::clean(7).with_delays(1.0, delay..=delay);
        let proxy = FaultProxy::start(server.addr, plan).await.unwrap();
        let started = Instant::now();
        let got = exchange(proxy.addr(), &request(10)).await;
        assert!(got.complete);
        assert!(started.elapsed() >= delay);
        assert_eq!(proxy.stats().delays, 1);
    }

    #[tokio::test]
    async fn a_slow_link_paces_bytes_to_its_bandwidth_and_round_trip() {
        let server = upstream(100).await;
        let plan = FaultPlan::clean(8).with_link(LinkPlan {
            bits_per_second: 64_000,
            round_trip: Duration::from_millis(400),
            mean_cut_interval: None,
            outage: Duration::ZERO,
        });
        let proxy = FaultProxy::start(server.addr, plan).await.unwrap();
        let started = Instant::now();
        // 8,000 bytes up take 1 s at 64 kbit/s; plus half a round trip each way.
        let got = exchange(proxy.addr(), &request(8000)).await;
        let took = started.elapsed();
        assert!(got.complete);
        assert!(took >= Duration::from_millis(1400), "{took:?}");
        assert!(took < Duration::from_millis(3000), "{took:?}");
    }

    #[tokio::test]
    async fn the_link_drops_open_connections_at_random_and_refuses_during_an_outage() {
        let server = upstream(10).await;
        let plan = FaultPlan::clean(9).with_link(LinkPlan {
            bits_per_second: 0,
            round_trip: Duration::ZERO,
            mean_cut_interval: Some(Duration::from_millis(100)),
            outage: Duration::from_millis(50),
        });
        let proxy = FaultProxy::start(server.addr, plan).await.unwrap();
        // An idle kept-alive connection: only a link drop ends it.
        let mut stream = TcpStream::connect(proxy.addr()).await.unwrap();
        let mut buf = [0u8; 16];
        let read = timeout(Duration::from_secs(5), stream.read(&mut buf))
            .await
            .expect("the link dropped within 5 s");
        assert!(matches!(read, Ok(0) | Err(_)));
        let stats = proxy.stats();
        assert!(stats.link_drops >= 1);
        assert_eq!(stats.cut_by_link, 1);
    }

    #[tokio::test]
    async fn a_new_plan_applies_to_new_connections() {
        let server = upstream(10).await;
        let plan = FaultPlan::clean(10).with_cuts(1.0, 0.0, 5..=5);
        let proxy = FaultProxy::start(server.addr, plan).await.unwrap();
        assert!(!exchange(proxy.addr(), &request(10)).await.complete);
        proxy.set_plan(FaultPlan::clean(10));
        assert!(exchange(proxy.addr(), &request(10)).await.complete);
        assert_eq!(proxy.stats().cuts_mid_request, 1);
    }

    #[tokio::test]
    async fn upstreams_outside_loopback_are_refused_without_a_packet_sent() {
        for addr in [
            "10.0.0.1:80",
            "192.168.1.1:8080",
            "8.8.8.8:53",
            "[2001:db8::1]:80",
        ] {
            let addr: SocketAddr = addr.parse().unwrap();
            let refused = FaultProxy::start(addr, FaultPlan::clean(0)).await;
            assert_eq!(
                refused.err().map(|e| e.kind()),
                Some(io::ErrorKind::InvalidInput),
                "{addr}"
            );
        }
        assert!(ensure_loopback("127.0.0.1:1".parse().unwrap()).is_ok());
        assert!(ensure_loopback("[::1]:1".parse().unwrap()).is_ok());
    }

    #[tokio::test]
    async fn dropping_the_proxy_closes_its_connections() {
        let server = upstream(10).await;
        let proxy = FaultProxy::start(server.addr, FaultPlan::clean(11))
            .await
            .unwrap();
        let mut stream = TcpStream::connect(proxy.addr()).await.unwrap();
        // Let the proxy accept and connect upstream first.
        eventually("the proxy accepted", || proxy.stats().connections == 1).await;
        drop(proxy);
        let mut buf = [0u8; 16];
        let read = timeout(Duration::from_secs(5), stream.read(&mut buf))
            .await
            .expect("closed within 5 s");
        assert!(matches!(read, Ok(0) | Err(_)));
    }

    #[tokio::test]
    async fn each_request_of_a_kept_alive_connection_draws_its_own_faults() {
        let server = upstream(10).await;
        let delay = Duration::from_millis(100);
        let plan = FaultPlan::clean(12).with_delays(1.0, delay..=delay);
        let proxy = FaultProxy::start(server.addr, plan).await.unwrap();
        let mut stream = TcpStream::connect(proxy.addr()).await.unwrap();
        let mut buf = vec![0u8; 4096];
        for body in [10, 20, 30] {
            let started = Instant::now();
            stream.write_all(&request(body)).await.unwrap();
            let mut framer = MessageFramer::new();
            loop {
                let n = timeout(Duration::from_secs(5), stream.read(&mut buf))
                    .await
                    .unwrap()
                    .unwrap();
                assert!(n > 0);
                if !framer.push(&buf[..n]).is_empty() {
                    break;
                }
            }
            assert!(started.elapsed() >= delay);
        }
        let stats = proxy.stats();
        assert_eq!(stats.connections, 1);
        assert_eq!(stats.delays, 3);
    }

    #[tokio::test]
    async fn a_cut_planned_beyond_the_end_of_a_message_does_not_happen() {
        let server = upstream(100).await;
        let plan = FaultPlan::clean(13).with_cuts(1.0, 1.0, 100_000..=100_000);
        let proxy = FaultProxy::start(server.addr, plan).await.unwrap();
        let mut stream = TcpStream::connect(proxy.addr()).await.unwrap();
        let mut buf = vec![0u8; 4096];
        // Far more than 100,000 bytes in all, but no single message that long.
        for _ in 0..30 {
            stream.write_all(&request(5000)).await.unwrap();
            let mut framer = MessageFramer::new();
            loop {
                let n = timeout(Duration::from_secs(5), stream.read(&mut buf))
                    .await
                    .unwrap()
                    .unwrap();
                assert!(n > 0, "cut although no message reached the cut");
                if !framer.push(&buf[..n]).is_empty() {
                    break;
                }
            }
        }
        assert_eq!(proxy.stats().cuts(), 0);
        assert_eq!(server.requests.lock().unwrap().len(), 30);
    }

    #[tokio::test]
    async fn the_second_request_on_a_connection_can_be_the_one_cut() {
        let server = upstream(10).await;
        // Cut requests 1,000 bytes in: the first request is shorter, the second is not.
        let plan = FaultPlan::clean(14)
            .with_cuts(1.0, 0.0, 1000..=1000)
            .with_reset_share(0.0);
        let proxy = FaultProxy::start(server.addr, plan).await.unwrap();
        let mut stream = TcpStream::connect(proxy.addr()).await.unwrap();
        stream.write_all(&request(100)).await.unwrap();
        let mut buf = vec![0u8; 4096];
        let mut framer = MessageFramer::new();
        loop {
            let n = stream.read(&mut buf).await.unwrap();
            assert!(n > 0);
            if !framer.push(&buf[..n]).is_empty() {
                break;
            }
        }
        stream.write_all(&request(5000)).await.unwrap();
        let read = timeout(Duration::from_secs(5), stream.read(&mut buf))
            .await
            .unwrap();
        assert!(matches!(read, Ok(0) | Err(_)));
        eventually("the server saw the connection end", || {
            !server.received.lock().unwrap().is_empty()
        })
        .await;
        let first_len = request(100).len();
        assert_eq!(
            server.received.lock().unwrap().as_slice(),
            &[first_len + 1000]
        );
        assert_eq!(server.requests.lock().unwrap().len(), 1);
        assert_eq!(proxy.stats().cuts_mid_request, 1);
    }
}
