//! The server's HTTP surface, composed: the device API (`api`) and the supervisors' web app
//! (`web`) on one router, with the limits every request runs under (a deadline, 408 after it),
//! latency metrics by route, and a request log of method and route only (paths hold no
//! personal data; headers and bodies are never logged).

use perisai_domain::protocol::refusal::Refusal;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::Response;
use axum::Router;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::error::ApiError;
use crate::state::AppState;

/// The whole server: the device API and the web app, with their limits, deadline, metrics and
/// request log.
pub fn router(state: AppState) -> Router {
    let timeout = state.config.request_timeout;
    crate::api::routes()
        .merge(crate::web::router())
        .fallback(|| async { ApiError::refuse(Refusal::NotFound) })
        .layer(axum::middleware::from_fn_with_state(state.clone(), observe))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            timeout,
        ))
        .layer(
            // Method and route only: paths hold no personal data, and headers and bodies are not
            // logged at all.
            TraceLayer::new_for_http().make_span_with(|req: &Request| {
                let route = req
                    .extensions()
                    .get::<MatchedPath>()
                    .map(|p| p.as_str().to_string())
                    .unwrap_or_else(|| "other".into());
                tracing::info_span!("http", method = %req.method(), route = %route)
            }),
        )
        .with_state(state)
}

/// Records the latency of every request by route and status.
async fn observe(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "other".into());
    let started = Instant::now();
    let response = next.run(req).await;
    state
        .metrics
        .latency
        .with_label_values(&[route.as_str(), response.status().as_str()])
        .observe(started.elapsed().as_secs_f64());
    response
}
