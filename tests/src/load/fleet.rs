//! Provisioning the load driver's devices as an operator and agents would: one branch, a Wadah
//! per 50 agents, an agent and a one-time activation code per device (`perisai-server admin`
//! commands through the binary), then every device activated through `POST /v1/activate` with
//! its own software key. A few of each run at once (each admin command is a process opening
//! the database), which is what keeps a thousand devices to well under a minute. Not part of
//! any figure.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::device::{http_client, ProtocolDevice};
use crate::error::E2eError;
use crate::server::Deployment;

/// The branch every load device belongs to.
pub const BRANCH: &str = "KC-LOAD";
/// Agents per Wadah.
const AGENTS_PER_WADAH: u32 = 50;

/// Activated devices, in device number order (device `i` enrolls `perisai_sim::people::form(i, …)`).
pub struct Fleet {
    pub devices: Vec<ProtocolDevice>,
    pub took: Duration,
}

/// Makes `count` agents with a code each and activates a device for each at `url`, checking
/// the server key against `fingerprint`. At most `concurrency` admin commands or activations
/// at a time.
pub async fn provision(
    deployment: &Arc<Deployment>,
    url: &str,
    fingerprint: &str,
    count: u32,
    concurrency: usize,
) -> Result<Fleet, E2eError> {
    let started = Instant::now();
    deployment
        .create_branch(BRANCH, "Kantor Cabang Uji Beban")
        .await?;
    let mut wadahs = Vec::new();
    for n in 0..count.div_ceil(AGENTS_PER_WADAH) {
        wadahs.push(
            deployment
                .create_wadah(BRANCH, &format!("Koperasi Uji Beban {}", n + 1))
                .await?,
        );
    }

    let codes = run_bounded(concurrency, 0..count, {
        let deployment = deployment.clone();
        move |i| {
            let deployment = deployment.clone();
            let wadah = wadahs[(i / AGENTS_PER_WADAH) as usize].clone();
            async move {
                let agent = deployment.create_agent(&wadah, "Agen Uji Beban").await?;
                deployment.issue_code(&agent).await
            }
        }
    })
    .await?;

    let http = http_client()?;
    let devices = run_bounded(concurrency, codes, {
        let (url, fingerprint) = (url.to_string(), fingerprint.to_string());
        move |code| {
            let (http, url, fingerprint) = (http.clone(), url.clone(), fingerprint.clone());
            async move { ProtocolDevice::activate(&http, &url, &code, &fingerprint).await }
        }
    })
    .await?;
    Ok(Fleet {
        devices,
        took: started.elapsed(),
    })
}

/// Runs `job` on every item, at most `concurrency` at once; the results in the items' order.
/// The first failure is returned (the other jobs are dropped with the set).
async fn run_bounded<I, T, F, Fut>(
    concurrency: usize,
    items: impl IntoIterator<Item = I>,
    job: F,
) -> Result<Vec<T>, E2eError>
where
    F: Fn(I) -> Fut,
    Fut: std::future::Future<Output = Result<T, E2eError>> + Send + 'static,
    T: Send + 'static,
{
    let permits = Arc::new(Semaphore::new(concurrency.max(1)));
    let mut set = JoinSet::new();
    let mut count = 0;
    for (index, item) in items.into_iter().enumerate() {
        let future = job(item);
        let permits = permits.clone();
        set.spawn(async move {
            let _permit = permits.acquire_owned().await;
            (index, future.await)
        });
        count += 1;
    }
    let mut results: Vec<Option<T>> = (0..count).map(|_| None).collect();
    while let Some(joined) = set.join_next().await {
        let (index, result) =
            joined.map_err(|e| E2eError::new(format!("a provisioning task failed: {e}")))?;
        results[index] = Some(result?);
    }
    Ok(results.into_iter().flatten().collect())
}
