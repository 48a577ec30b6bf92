//! `/healthz`, `/metrics`, `/openapi.json`, JSON 404s and the request deadline.

mod common;

use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::Ctx;

fn get(path: &str) -> Request<Body> {
    Request::get(path).body(Body::empty()).unwrap()
}

#[tokio::test]
async fn health_metrics_and_openapi_answer() {
    let ctx = Ctx::sqlite().await;
    let health = ctx.call(get("/healthz")).await;
    assert_eq!(health.status, StatusCode::OK);
    assert_eq!(health.json()["database"], "ok");

    let mut device = ctx.device("KC01").await;
    let record = device.record(1);
    let bytes = device.next_batch(&[record]);
    device.upload(&ctx, bytes.clone()).await;
    device.upload(&ctx, bytes).await;
    let metrics = ctx.call(get("/metrics")).await;
    assert_eq!(metrics.status, StatusCode::OK);
    let text = String::from_utf8_lossy(&metrics.body);
    assert!(
        text.contains("perisai_batches_total{outcome=\"stored\"} 1"),
        "{text}"
    );
    assert!(text.contains("perisai_batches_total{outcome=\"replay\"} 1"));
    assert!(text.contains("perisai_records_total{status=\"accepted\"} 1"));
    assert!(text.contains("perisai_http_request_duration_seconds_bucket{route=\"/v1/batches\""));

    let openapi = ctx.call(get("/openapi.json")).await.json();
    assert_eq!(openapi["openapi"], "3.1.0");
    for path in [
        "/v1/activate",
        "/v1/batches",
        "/v1/nonce",
        "/v1/downsync",
        "/healthz",
        "/metrics",
        "/openapi.json",
    ] {
        assert!(openapi["paths"][path].is_object(), "{path}");
    }
    // The status table is described, row by row.
    let batches = &openapi["paths"]["/v1/batches"]["post"]["responses"];
    for status in ["200", "400", "401", "403", "409", "413", "426", "429"] {
        assert!(batches[status].is_object(), "{status}");
    }
}

#[tokio::test]
async fn unknown_routes_are_json_404s() {
    let ctx = Ctx::sqlite().await;
    let reply = ctx.call(get("/v1/nothing")).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(reply.error_code(), "not_found");
}

#[tokio::test]
async fn a_slow_upload_hits_the_deadline() {
    let ctx = Ctx::sqlite_with(|c| c.request_timeout = Duration::from_millis(300)).await;
    let slow = async_stream(Duration::from_secs(5));
    let request = Request::post("/v1/batches")
        .body(Body::from_stream(slow))
        .unwrap();
    let started = std::time::Instant::now();
    let reply = ctx.call(request).await;
    assert_eq!(reply.status, StatusCode::REQUEST_TIMEOUT);
    assert!(started.elapsed() < Duration::from_secs(3));
}

/// A body that sends one byte and then stalls for `stall`.
fn async_stream(
    stall: Duration,
) -> impl futures_util::Stream<Item = Result<Vec<u8>, std::io::Error>> + Send + 'static {
    futures_util::stream::unfold(0u8, move |n| async move {
        match n {
            0 => Some((Ok(vec![0u8]), 1)),
            1 => {
                tokio::time::sleep(stall).await;
                Some((Ok(vec![0u8]), 2))
            }
            _ => None,
        }
    })
}
