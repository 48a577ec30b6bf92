//! The flaky mobile link between a simulated device and the server: a small TCP proxy on
//! loopback, one per device, that delays every connection and sometimes breaks it the ways a
//! market's mobile signal does.
//!
//! What a connection can meet (drawn per connection):
//! - **no signal**: accepted and closed at once; the device gets no answer;
//! - **cut while sending**: part of the request reaches the server, then the link drops; the
//!   server stores nothing;
//! - **cut before the answer**: the whole request reaches the server, which stores the batch and
//!   answers; the answer is lost. The device resends the identical frozen batch and the server
//!   answers with its stored acknowledgement: stored exactly once. The answer to the first batch
//!   on every link meets this one, so a newcomer sees it within the first minute.
//!
//! When the demo stops, the link turns calm ([`LinkState::calm`]) so the last sync can deliver
//! everything, and the devices' counts match the database.
//!
//! The proxy never parses HTTP: it only peeks at the request line to say whether a batch was on
//! its way. It binds to 127.0.0.1 only.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

use crate::console::Console;

/// Shared by every link: calm once the demo stops.
#[derive(Debug, Default)]
pub struct LinkState {
    calm: AtomicBool,
    /// Connections broken on purpose, over all links.
    faults: AtomicU64,
}

impl LinkState {
    /// From now on, no link breaks a connection (the demo's last sync).
    pub fn calm(&self) {
        self.calm.store(true, Ordering::SeqCst);
    }

    fn is_calm(&self) -> bool {
        self.calm.load(Ordering::SeqCst)
    }

    pub fn faults(&self) -> u64 {
        self.faults.load(Ordering::SeqCst)
    }
}

/// What happens to one connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fate {
    Clean,
    NoSignal,
    /// Cut after this many bytes towards the server.
    CutSending(usize),
    /// Cut when the server's answer starts to come back.
    CutAnswer,
}

/// A running link: its address (what the device uses as server URL) and its accept loop.
#[derive(Debug)]
pub struct FlakyLink {
    pub addr: SocketAddr,
    task: JoinHandle<()>,
}

impl FlakyLink {
    /// Starts the link of device `device` towards the server at `upstream`.
    pub async fn start(
        device: usize,
        upstream: SocketAddr,
        state: Arc<LinkState>,
        console: Console,
    ) -> std::io::Result<FlakyLink> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let task = tokio::spawn(async move {
            let mut rng = SmallRng::from_entropy();
            let mut connections: u64 = 0;
            // Whether the answer to this link's first batch is still to be lost.
            let first_batch = Arc::new(AtomicBool::new(true));
            loop {
                let client = match listener.accept().await {
                    Ok((client, _)) => client,
                    Err(_) => {
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let fate = if state.is_calm() || connections == 0 {
                    Fate::Clean
                } else {
                    match rng.gen_range(0..100) {
                        0..=11 => Fate::NoSignal,
                        12..=24 => Fate::CutSending(rng.gen_range(0..4096)),
                        25..=37 => Fate::CutAnswer,
                        _ => Fate::Clean,
                    }
                };
                connections += 1;
                // The mobile network's latency: 80 to 600 ms before anything moves.
                let latency = Duration::from_millis(rng.gen_range(80..600));
                let chunk_delay = Duration::from_millis(rng.gen_range(5..60));
                let (state, console) = (state.clone(), console.clone());
                let first_batch = first_batch.clone();
                tokio::spawn(async move {
                    let link = Link {
                        device,
                        state: &state,
                        console: &console,
                        first_batch: &first_batch,
                    };
                    link.carry(client, upstream, fate, latency, chunk_delay)
                        .await;
                });
            }
        });
        Ok(FlakyLink { addr, task })
    }

    /// Closes the link (its open connections end with the runtime).
    pub fn stop(&self) {
        self.task.abort();
    }
}

/// How one direction of a connection ended.
enum Ended {
    /// The sender closed (or an error closed it).
    Closed,
    /// Broken on purpose: whether a batch request was on its way, and whether it was its
    /// answer that was lost (else the request itself).
    Cut { batch: bool, answer: bool },
}

/// One connection's view of its link.
struct Link<'a> {
    device: usize,
    state: &'a LinkState,
    console: &'a Console,
    first_batch: &'a AtomicBool,
}

impl Link<'_> {
    async fn carry(
        &self,
        client: TcpStream,
        upstream: SocketAddr,
        fate: Fate,
        latency: Duration,
        chunk_delay: Duration,
    ) {
        let device = self.device;
        tokio::time::sleep(latency).await;
        if fate == Fate::NoSignal {
            drop(client);
            self.state.faults.fetch_add(1, Ordering::SeqCst);
            self.console.say(format!(
                "device {device}: tidak ada sinyal, koneksi gagal / no signal, the connection failed"
            ));
            return;
        }
        let server = match TcpStream::connect(upstream).await {
            Ok(server) => server,
            Err(_) => return,
        };
        let _ = client.set_nodelay(true);
        let _ = server.set_nodelay(true);
        let (client_read, client_write) = client.into_split();
        let (server_read, server_write) = server.into_split();
        let batch_seen = AtomicBool::new(false);
        let ended = tokio::select! {
            ended = self.upload(client_read, server_write, fate, chunk_delay, &batch_seen) => ended,
            ended = self.download(server_read, client_write, fate, chunk_delay, &batch_seen) => ended,
        };
        // Leaving drops both sockets: the device and the server see the connection close.
        let Ended::Cut { batch, answer } = ended else {
            return;
        };
        self.state.faults.fetch_add(1, Ordering::SeqCst);
        let line = match (answer, batch) {
            (true, true) => format!(
                "device {device}: sinyal putus sebelum jawaban tiba; server sudah menyimpan batch ini / \
                 link cut before the answer arrived; the server already stored this batch"
            ),
            (false, true) => format!(
                "device {device}: sinyal putus saat mengirim batch; server tidak menyimpan apa pun / \
                 link cut while sending a batch; the server stored nothing"
            ),
            _ => format!("device {device}: sinyal putus / link cut"),
        };
        self.console.say(line);
    }

    /// Device → server, cut after `limit` bytes when the fate says so.
    async fn upload(
        &self,
        mut from: OwnedReadHalf,
        mut to: OwnedWriteHalf,
        fate: Fate,
        chunk_delay: Duration,
        batch_seen: &AtomicBool,
    ) -> Ended {
        let mut buf = vec![0u8; 8192];
        let mut sent = 0usize;
        loop {
            let n = match from.read(&mut buf).await {
                Ok(0) | Err(_) => return Ended::Closed,
                Ok(n) => n,
            };
            let chunk = &buf[..n];
            // Requests on one connection go one after the other (HTTP/1.1, no pipelining); a
            // chunk that starts one says which.
            if chunk.starts_with(b"POST ") || chunk.starts_with(b"GET ") {
                batch_seen.store(chunk.starts_with(b"POST /v1/batches "), Ordering::SeqCst);
            }
            if let Fate::CutSending(limit) = fate {
                if !self.state.is_calm() && sent + n > limit {
                    let part = limit.saturating_sub(sent);
                    let _ = to.write_all(&chunk[..part]).await;
                    return Ended::Cut {
                        batch: batch_seen.load(Ordering::SeqCst),
                        answer: false,
                    };
                }
            }
            tokio::time::sleep(chunk_delay).await;
            if to.write_all(chunk).await.is_err() {
                return Ended::Closed;
            }
            sent += n;
        }
    }

    /// Server → device, dropped at the first byte of an answer when the fate says so, or when
    /// it answers the link's first batch.
    async fn download(
        &self,
        mut from: OwnedReadHalf,
        mut to: OwnedWriteHalf,
        fate: Fate,
        chunk_delay: Duration,
        batch_seen: &AtomicBool,
    ) -> Ended {
        let mut buf = vec![0u8; 8192];
        loop {
            let n = match from.read(&mut buf).await {
                Ok(0) | Err(_) => return Ended::Closed,
                Ok(n) => n,
            };
            let batch = batch_seen.load(Ordering::SeqCst);
            let lose = !self.state.is_calm()
                && (fate == Fate::CutAnswer
                    || (batch && self.first_batch.swap(false, Ordering::SeqCst)));
            if lose {
                return Ended::Cut {
                    batch,
                    answer: true,
                };
            }
            tokio::time::sleep(chunk_delay).await;
            if to.write_all(&buf[..n]).await.is_err() {
                return Ended::Closed;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An upstream that answers every connection with what it read, reversed in case.
    async fn echo_server() -> SocketAddr {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                tokio::spawn(async move {
                    let mut buf = [0u8; 64];
                    while let Ok(n) = stream.read(&mut buf).await {
                        if n == 0 || stream.write_all(&buf[..n]).await.is_err() {
                            break;
                        }
                    }
                });
            }
        });
        addr
    }

    async fn round_trip(addr: SocketAddr) -> Option<Vec<u8>> {
        let mut stream = TcpStream::connect(addr).await.ok()?;
        stream.write_all(b"POST /v1/batches hello").await.ok()?;
        let mut buf = vec![0u8; 22];
        tokio::time::timeout(Duration::from_secs(5), stream.read_exact(&mut buf))
            .await
            .ok()?
            .ok()?;
        Some(buf)
    }

    #[tokio::test]
    async fn the_first_answer_is_lost_and_a_calm_link_carries_everything() {
        let upstream = echo_server().await;
        let state = Arc::new(LinkState::default());
        let link = FlakyLink::start(1, upstream, state.clone(), Console::quiet())
            .await
            .unwrap();
        // First connection: the request goes up, the answer never comes back.
        assert_eq!(round_trip(link.addr).await, None);
        assert_eq!(state.faults(), 1);
        state.calm();
        for _ in 0..5 {
            assert_eq!(
                round_trip(link.addr).await.as_deref(),
                Some(&b"POST /v1/batches hello"[..])
            );
        }
        assert_eq!(state.faults(), 1);
        link.stop();
    }
}
