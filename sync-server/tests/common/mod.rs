//! Test harness: a server (router over a real database) per test, on SQLite always and on
//! PostgreSQL when `PERISAI_TEST_POSTGRES_URL` is set (each test gets its own database), and a
//! simulated device that activates, freezes batches and signs requests with the same
//! `perisai-core` protocol code a phone uses.
#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Request, StatusCode};
use axum::Router;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use perisai_core::protocol::batch::{deflate_records, freeze, BatchHeader};
use perisai_core::protocol::downsync::{
    request_message, DownsyncResponse, NonceResponse, HEADER_DEVICE, HEADER_NONCE, HEADER_SIGNATURE,
};
use perisai_core::protocol::envelope::SignedEnvelope;
use perisai_core::protocol::genesis_hash;
use perisai_core::protocol::labels::{LABEL_ACK, LABEL_ACTIVATE, LABEL_DOWNSYNC};
use perisai_core::protocol::messages::{Ack, ActivationRequest, ActivationResponse};
use perisai_core::signer::{self, DeviceSigner, SoftwareSigner};
use perisai_server::config::Config;
use perisai_server::db::Db;
use perisai_server::keys::ServerKeys;
use perisai_server::router;
use perisai_server::state::AppState;
use serde_json::{json, Value};
use tower::ServiceExt;

/// Runs a test case against SQLite, and against PostgreSQL when configured.
#[macro_export]
macro_rules! both_backends {
    ($($case:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    let ctx = $crate::common::Ctx::sqlite().await;
                    super::$case(&ctx).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    let Some(ctx) = $crate::common::Ctx::postgres().await else {
                        eprintln!("PERISAI_TEST_POSTGRES_URL not set: PostgreSQL case skipped");
                        return;
                    };
                    super::$case(&ctx).await;
                    ctx.drop_database().await;
                }
            )*
        }
    };
}

/// One server under test.
pub struct Ctx {
    pub db: Db,
    pub keys: Arc<ServerKeys>,
    pub state: AppState,
    pub router: Router,
    pub dir: tempfile::TempDir,
    pg_admin: Option<(String, String)>,
}

impl Ctx {
    pub async fn sqlite() -> Ctx {
        Self::sqlite_with(|_| {}).await
    }

    pub async fn sqlite_with(tune: impl FnOnce(&mut Config)) -> Ctx {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite:{}", dir.path().join("data/perisai.db").display());
        Self::open(url, dir, None, tune).await
    }

    pub async fn postgres() -> Option<Ctx> {
        Self::postgres_with(|_| {}).await
    }

    pub async fn postgres_with(tune: impl FnOnce(&mut Config)) -> Option<Ctx> {
        let (url, admin) = new_postgres_database().await?;
        let dir = tempfile::tempdir().unwrap();
        Some(Self::open(url, dir, Some(admin), tune).await)
    }

    async fn open(
        url: String,
        dir: tempfile::TempDir,
        pg_admin: Option<(String, String)>,
        tune: impl FnOnce(&mut Config),
    ) -> Ctx {
        let db = Db::open(&url).await.unwrap();
        let keys = Arc::new(ServerKeys::load_or_create(&dir.path().join("keys")).unwrap());
        keys.bind_to(&db).await.unwrap();
        let mut config = Config::for_backend(db.backend());
        config.downsync_settle = Duration::ZERO;
        tune(&mut config);
        let state = AppState::new(db.clone(), keys.clone(), config).unwrap();
        let router = router::router(state.clone());
        Ctx {
            db,
            keys,
            state,
            router,
            dir,
            pg_admin,
        }
    }

    /// A second server instance on the same database and key folder.
    pub async fn second_instance(&self) -> Ctx {
        let db = Db::open(self.db.url()).await.unwrap();
        let keys = Arc::new(ServerKeys::load_or_create(&self.dir.path().join("keys")).unwrap());
        keys.bind_to(&db).await.unwrap();
        let mut config = Config::for_backend(db.backend());
        config.downsync_settle = Duration::ZERO;
        let state = AppState::new(db.clone(), keys.clone(), config).unwrap();
        Ctx {
            router: router::router(state.clone()),
            db,
            keys,
            state,
            dir: tempfile::tempdir().unwrap(),
            pg_admin: None,
        }
    }

    pub async fn drop_database(self) {
        self.db.close().await;
        if let Some((admin_url, name)) = &self.pg_admin {
            let db = sqlx::PgPool::connect(admin_url).await.unwrap();
            let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&db)
                .await;
        }
    }

    /// Sends a request through the router (in process).
    pub async fn call(&self, request: Request<Body>) -> Reply {
        call(&self.router, request).await
    }

    /// A branch, a Wadah and an agent; returns (branch, agent id).
    pub async fn agent(&self, branch: &str) -> (String, String) {
        let exists: Option<String> =
            sqlx::query_scalar("SELECT code FROM branches WHERE code = $1")
                .bind(branch)
                .fetch_optional(self.db.pool())
                .await
                .unwrap();
        if exists.is_none() {
            perisai_server::service::org::create_branch(&self.db, branch, "Cabang Uji", None)
                .await
                .unwrap();
        }
        let wadah = perisai_server::service::org::create_wadah(&self.db, branch, "Koperasi Uji")
            .await
            .unwrap();
        let agent = perisai_server::service::org::create_agent(&self.db, &wadah, "Agen Uji")
            .await
            .unwrap();
        (branch.to_string(), agent)
    }

    /// A fresh activation code (display form) for `agent`.
    pub async fn code(&self, agent: &str) -> String {
        perisai_server::service::access::issue_code(
            &self.db,
            &self.keys,
            agent,
            Duration::from_secs(72 * 3600),
        )
        .await
        .unwrap()
        .code
    }

    /// A new agent with an activated device.
    pub async fn device(&self, branch: &str) -> Device {
        let (_, agent) = self.agent(branch).await;
        let code = self.code(&agent).await;
        Device::activate(self, &code).await
    }

    pub async fn count(&self, sql: &str) -> i64 {
        sqlx::query_scalar(sql)
            .fetch_one(self.db.pool())
            .await
            .unwrap()
    }
}

/// A response, collected.
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
    pub fn error_code(&self) -> String {
        self.json()["error"]["code"]
            .as_str()
            .unwrap_or("")
            .to_string()
    }
    pub fn envelope(&self) -> SignedEnvelope {
        serde_json::from_slice(&self.body).expect("a signed envelope")
    }
}

pub async fn call(router: &Router, request: Request<Body>) -> Reply {
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    Reply {
        status,
        headers,
        body,
    }
}

pub fn post_json(path: &str, body: &Value) -> Request<Body> {
    Request::post(path)
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .unwrap()
}

pub fn post_bytes(path: &str, body: Vec<u8>) -> Request<Body> {
    Request::post(path)
        .header("content-type", "application/octet-stream")
        .body(Body::from(body))
        .unwrap()
}

/// An activation request for `code`, proven by `signer`.
pub fn activation_request(code: &str, signer: &SoftwareSigner) -> Value {
    serde_json::to_value(ActivationRequest::signed(code, signer, "0.1.0").unwrap()).unwrap()
}

/// A simulated device: its key, its chain and its last nonce.
pub struct Device {
    pub signer: SoftwareSigner,
    pub id: String,
    pub agent_id: String,
    pub branch: String,
    pub server_key: Vec<u8>,
    pub seq: u64,
    pub head: String,
    pub nonce: String,
    pub cursor: String,
    pub receipt_no: i64,
    pub activation: ActivationResponse,
}

impl Device {
    pub async fn activate(ctx: &Ctx, code: &str) -> Device {
        let signer = SoftwareSigner::generate_ephemeral().unwrap();
        let reply = ctx
            .call(post_json(
                "/v1/activate",
                &activation_request(code, &signer),
            ))
            .await;
        assert_eq!(
            reply.status,
            StatusCode::OK,
            "{}",
            String::from_utf8_lossy(&reply.body)
        );
        let response: ActivationResponse = reply
            .envelope()
            .open(LABEL_ACTIVATE, &ctx.keys.public_key())
            .unwrap();
        Device {
            signer,
            id: response.device_id.clone(),
            agent_id: response.agent_id.clone(),
            branch: response.branch.clone(),
            server_key: B64.decode(&response.server_key).unwrap(),
            seq: 0,
            head: genesis_hash(&response.device_id),
            nonce: response.nonce.clone(),
            cursor: response.cursor.clone(),
            receipt_no: 0,
            activation: response,
        }
    }

    /// Freezes the next batch of the chain (and moves the local head on).
    pub fn next_batch(&mut self, records: &[Value]) -> Vec<u8> {
        let (bytes, hash) = self.batch_at(self.seq + 1, &self.head.clone(), records);
        self.seq += 1;
        self.head = hash;
        bytes
    }

    /// A batch with any seq and prev_hash, signed by this device.
    pub fn batch_at(&self, seq: u64, prev_hash: &str, records: &[Value]) -> (Vec<u8>, String) {
        self.batch_with(seq, prev_hash, records, &self.signer)
    }

    pub fn batch_with(
        &self,
        seq: u64,
        prev_hash: &str,
        records: &[Value],
        signer: &dyn DeviceSigner,
    ) -> (Vec<u8>, String) {
        let body = deflate_records(records).unwrap();
        let header = BatchHeader {
            v: 1,
            device_id: self.id.clone(),
            seq,
            prev_hash: prev_hash.to_string(),
            created_at: chrono::Utc::now().to_rfc3339(),
            count: 0,
            body_sha256: String::new(),
        };
        freeze(header, records.len() as u32, &body, signer).unwrap()
    }

    /// Uploads bytes; on 200 opens the acknowledgement with the pinned server key.
    pub async fn upload(&mut self, ctx: &Ctx, bytes: Vec<u8>) -> (Reply, Option<Ack>) {
        self.upload_to(&ctx.router, bytes).await
    }

    pub async fn upload_to(&mut self, router: &Router, bytes: Vec<u8>) -> (Reply, Option<Ack>) {
        let reply = call(router, post_bytes("/v1/batches", bytes)).await;
        let ack = if reply.status == StatusCode::OK {
            let ack: Ack = reply.envelope().open(LABEL_ACK, &self.server_key).unwrap();
            self.nonce = ack.nonce.clone();
            Some(ack)
        } else {
            None
        };
        (reply, ack)
    }

    /// A valid enrollment record as the device would send it. `n` makes the NIK unique.
    pub fn record(&mut self, n: u32) -> Value {
        self.receipt_no += 1;
        let today = (chrono::Utc::now() + chrono::Duration::hours(7)).date_naive();
        json!({
            "id": uuid::Uuid::now_v7().to_string(),
            "receipt_no": self.receipt_no,
            "form_version": 1,
            "rule_set": "bpu-2026",
            "created_at": (chrono::Utc::now() + chrono::Duration::hours(7)).format("%Y-%m-%dT%H:%M:%S+07:00").to_string(),
            "device_id": self.id,
            "nik": nik(n),
            "full_name": "Siti Rahayu",
            "birth_place": "Bogor",
            "birth_date": "1990-01-01",
            "sex": "M",
            "phone": format!("08123456{:04}", n % 10_000),
            "address": "Jl. Pasar Baru No. 1, Bogor",
            "occupation": "PEDAGANG",
            "monthly_income": 2_500_000,
            "programs": ["JKK", "JKM"],
            "payment_months": 1,
            "consent": {"text_version": "consent-v1", "at": chrono::Utc::now().to_rfc3339()},
            "location": {"lat": -6.6, "lon": 106.8, "accuracy_m": 12.0},
            "enrolled_on": today.to_string(),
            "confirmed_warnings": [],
        })
    }

    /// A signed `POST /v1/downsync` with this device's current nonce.
    pub fn downsync_request(&self, cursor: &str) -> Request<Body> {
        let body = json!({"cursor": cursor}).to_string();
        let message = request_message("POST", "/v1/downsync", body.as_bytes(), &self.nonce);
        let signature = signer::sign_in_context(
            &self.signer,
            perisai_core::protocol::labels::LABEL_REQUEST,
            &message,
        )
        .unwrap();
        Request::post("/v1/downsync")
            .header("content-type", "application/json")
            .header(HEADER_DEVICE, &self.id)
            .header(HEADER_NONCE, &self.nonce)
            .header(HEADER_SIGNATURE, B64.encode(signature))
            .body(Body::from(body))
            .unwrap()
    }

    /// Downsyncs from the device's cursor; on 200 moves cursor and nonce on.
    pub async fn downsync(&mut self, ctx: &Ctx) -> (Reply, Option<DownsyncResponse>) {
        let reply = ctx.call(self.downsync_request(&self.cursor.clone())).await;
        if reply.status != StatusCode::OK {
            return (reply, None);
        }
        let payload: DownsyncResponse = reply
            .envelope()
            .open(LABEL_DOWNSYNC, &self.server_key)
            .unwrap();
        self.cursor = payload.cursor.clone();
        self.nonce = payload.nonce.clone();
        (reply, Some(payload))
    }

    /// Asks `POST /v1/nonce` for a fresh nonce.
    pub async fn fresh_nonce(&mut self, ctx: &Ctx) -> Reply {
        let request = Request::post("/v1/nonce")
            .header(HEADER_DEVICE, &self.id)
            .body(Body::empty())
            .unwrap();
        let reply = ctx.call(request).await;
        if reply.status == StatusCode::OK {
            let payload: NonceResponse = reply
                .envelope()
                .open(LABEL_DOWNSYNC, &self.server_key)
                .unwrap();
            self.nonce = payload.nonce;
        }
        reply
    }
}

/// A valid NIK (Kab. Bogor, born 1 January 1990, male) with serial `n` (1..=9999) and a region
/// varied by `n / 10000`.
pub fn nik(n: u32) -> String {
    let serial = n % 9999 + 1;
    let district = 1 + (n / 9999) % 99;
    format!("3201{district:02}010190{serial:04}")
}

/// Makes a database for one test on the PostgreSQL server of `PERISAI_TEST_POSTGRES_URL`.
async fn new_postgres_database() -> Option<(String, (String, String))> {
    let admin_url = std::env::var("PERISAI_TEST_POSTGRES_URL").ok()?;
    let name = format!("perisai_t_{}", uuid::Uuid::now_v7().simple());
    let admin = sqlx::PgPool::connect(&admin_url).await.unwrap();
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&admin)
        .await
        .unwrap();
    admin.close().await;
    let (base, query) = match admin_url.split_once('?') {
        Some((b, q)) => (b.to_string(), format!("?{q}")),
        None => (admin_url.clone(), String::new()),
    };
    let cut = base.rfind('/').unwrap();
    let url = format!("{}/{name}{query}", &base[..cut]);
    Some((url, (admin_url, name)))
}
