//! `POST /v1/activate`: one-time codes, proof of possession, retries, expiry, guessing, the
//! 5-try limit, re-activation (chain.restart).

mod common;

use axum::http::StatusCode;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use common::{activation_request, post_json, Ctx, Device};
use perisai_core::protocol::activation_code;
use perisai_core::protocol::labels::LABEL_ACTIVATE;
use perisai_core::protocol::messages::ActivationResponse;
use perisai_core::protocol::{fingerprint_matches, genesis_hash};
use perisai_core::signer::{DeviceSigner, SoftwareSigner};
use serde_json::json;

async fn activation_binds_the_key_and_answers_signed(ctx: &Ctx) {
    let (branch, agent) = ctx.agent("KC01").await;
    let code = ctx.code(&agent).await;
    let signer = SoftwareSigner::generate_ephemeral().unwrap();
    let reply = ctx
        .call(post_json(
            "/v1/activate",
            &activation_request(&code, &signer),
        ))
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    let envelope = reply.envelope();
    // The device checks the key in the answer against the fingerprint of the QR code first...
    let unverified: ActivationResponse = envelope.unverified_payload().unwrap();
    let server_key = B64.decode(&unverified.server_key).unwrap();
    assert!(fingerprint_matches(&ctx.keys.fingerprint(), &server_key));
    assert!(fingerprint_matches(
        &ctx.keys.fingerprint()[..16],
        &server_key
    ));
    // ...then opens the answer under it.
    let response: ActivationResponse = envelope.open(LABEL_ACTIVATE, &server_key).unwrap();
    assert_eq!(response.agent_id, agent);
    assert_eq!(response.branch, branch);
    assert!(!response.nonce.is_empty());
    assert!(!response.cursor.is_empty());
    assert_eq!(B64.decode(&response.nik_tags.key).unwrap().len(), 32);
    let stored: Vec<u8> = sqlx::query_scalar("SELECT public_key FROM devices WHERE id = $1")
        .bind(&response.device_id)
        .fetch_one(ctx.db.pool())
        .await
        .unwrap();
    assert_eq!(stored, signer.public_key().unwrap());
    let head: String = sqlx::query_scalar("SELECT head_hash FROM devices WHERE id = $1")
        .bind(&response.device_id)
        .fetch_one(ctx.db.pool())
        .await
        .unwrap();
    assert_eq!(head, genesis_hash(&response.device_id));
    // Codes are never stored in clear.
    let normalized = activation_code::normalize(&code).unwrap();
    let clear = ctx
        .count(&format!(
            "SELECT COUNT(*) FROM activation_codes WHERE code_hash = '{normalized}'"
        ))
        .await;
    assert_eq!(clear, 0);
}

async fn a_retry_with_the_same_key_gets_the_same_binding(ctx: &Ctx) {
    let (_, agent) = ctx.agent("KC01").await;
    let code = ctx.code(&agent).await;
    let signer = SoftwareSigner::generate_ephemeral().unwrap();
    let request = activation_request(&code, &signer);
    let first = ctx.call(post_json("/v1/activate", &request)).await;
    let second = ctx.call(post_json("/v1/activate", &request)).await;
    assert_eq!(first.status, StatusCode::OK);
    assert_eq!(second.status, StatusCode::OK);
    let a: ActivationResponse = first.envelope().unverified_payload().unwrap();
    let b: ActivationResponse = second.envelope().unverified_payload().unwrap();
    assert_eq!(a.device_id, b.device_id);
    assert_eq!(ctx.count("SELECT COUNT(*) FROM devices").await, 1);
    // The same code typed differently (lower case, no hyphens) is the same code.
    let lower = activation_request(&code.replace('-', "").to_lowercase(), &signer);
    let third = ctx.call(post_json("/v1/activate", &lower)).await;
    assert_eq!(third.status, StatusCode::OK);
}

async fn a_used_code_refuses_another_key_and_counts_the_try(ctx: &Ctx) {
    let (_, agent) = ctx.agent("KC01").await;
    let code = ctx.code(&agent).await;
    Device::activate(ctx, &code).await;
    let thief = SoftwareSigner::generate_ephemeral().unwrap();
    let reply = ctx
        .call(post_json(
            "/v1/activate",
            &activation_request(&code, &thief),
        ))
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(reply.error_code(), "code.used");
    assert_eq!(
        ctx.count("SELECT failed_tries FROM activation_codes").await,
        1
    );
}

async fn an_expired_code_is_refused(ctx: &Ctx) {
    let (_, agent) = ctx.agent("KC01").await;
    let code = ctx.code(&agent).await;
    sqlx::query("UPDATE activation_codes SET expires_ms = expires_ms - 73 * 3600 * 1000")
        .execute(ctx.db.pool())
        .await
        .unwrap();
    let signer = SoftwareSigner::generate_ephemeral().unwrap();
    let reply = ctx
        .call(post_json(
            "/v1/activate",
            &activation_request(&code, &signer),
        ))
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(reply.error_code(), "code.expired");
    assert_eq!(ctx.count("SELECT COUNT(*) FROM devices").await, 0);
}

async fn five_wrong_proofs_lock_the_code(ctx: &Ctx) {
    let (_, agent) = ctx.agent("KC01").await;
    let code = ctx.code(&agent).await;
    let signer = SoftwareSigner::generate_ephemeral().unwrap();
    let other = SoftwareSigner::generate_ephemeral().unwrap();
    for _ in 0..5 {
        // Signed by a key other than the one registered: no proof of possession.
        let mut request = activation_request(&code, &other);
        request["public_key"] = json!(B64.encode(signer.public_key().unwrap()));
        let reply = ctx.call(post_json("/v1/activate", &request)).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
        assert_eq!(reply.error_code(), "activation.signature");
    }
    // The right device with a right proof now finds the code locked.
    let reply = ctx
        .call(post_json(
            "/v1/activate",
            &activation_request(&code, &signer),
        ))
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(reply.error_code(), "code.locked");
    assert_eq!(ctx.count("SELECT COUNT(*) FROM devices").await, 0);
}

async fn typos_cost_no_try_and_guesses_are_throttled_per_address(ctx: &Ctx) {
    let (_, agent) = ctx.agent("KC01").await;
    let code = ctx.code(&agent).await;
    let signer = SoftwareSigner::generate_ephemeral().unwrap();
    // A single mistyped character: caught by the check character, nothing counted.
    let mut typo: Vec<char> = code.chars().collect();
    typo[0] = if typo[0] == 'A' { 'B' } else { 'A' };
    let typo: String = typo.into_iter().collect();
    let reply = ctx
        .call(post_json(
            "/v1/activate",
            &activation_request(&typo, &signer),
        ))
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(["code.check", "code.format"].contains(&reply.error_code().as_str()));
    let reply = ctx
        .call(post_json(
            "/v1/activate",
            &activation_request("ABC", &signer),
        ))
        .await;
    assert_eq!(reply.error_code(), "code.format");
    assert_eq!(
        ctx.count("SELECT failed_tries FROM activation_codes").await,
        0
    );

    // Well-formed guesses: unknown, then throttled for this address.
    let limit = ctx.state.config.unknown_codes_per_hour;
    for i in 0..limit {
        let guess = activation_code::generate().unwrap();
        let reply = ctx
            .call(post_json(
                "/v1/activate",
                &activation_request(&guess, &signer),
            ))
            .await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "guess {i}");
        assert_eq!(reply.error_code(), "code.invalid");
    }
    let reply = ctx
        .call(post_json(
            "/v1/activate",
            &activation_request(&code, &signer),
        ))
        .await;
    assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS);
    let retry_after: u64 = reply.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=3600).contains(&retry_after));
    // The real code itself was never charged for the guesses.
    assert_eq!(
        ctx.count("SELECT failed_tries FROM activation_codes").await,
        0
    );
}

async fn malformed_and_old_requests_are_refused(ctx: &Ctx) {
    let reply = ctx
        .call(post_json("/v1/activate", &json!({"hello": 1})))
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.error_code(), "activation.malformed");
    let signer = SoftwareSigner::generate_ephemeral().unwrap();
    let mut old = activation_request("0000-0000-0000-0", &signer);
    old["v"] = json!(0);
    let reply = ctx.call(post_json("/v1/activate", &old)).await;
    assert_eq!(reply.status, StatusCode::UPGRADE_REQUIRED);
    assert_eq!(reply.json()["error"]["min_app_version"], "0.1.0");
    let message = &reply.json()["error"]["message"];
    assert!(message["id"].is_string() && message["en"].is_string());
}

/// The app version is the device's say: control characters (a NUL, which PostgreSQL cannot
/// store as text) are dropped, and the activation succeeds.
async fn an_app_version_with_control_characters_is_stored_without_them(ctx: &Ctx) {
    let (_, agent) = ctx.agent("KC01").await;
    let code = ctx.code(&agent).await;
    let signer = SoftwareSigner::generate_ephemeral().unwrap();
    let mut request = activation_request(&code, &signer);
    request["app_version"] = json!("0.1.0\u{0}\n-beta");
    let reply = ctx.call(post_json("/v1/activate", &request)).await;
    assert_eq!(
        reply.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    let stored: String = sqlx::query_scalar("SELECT app_version FROM devices")
        .fetch_one(ctx.db.pool())
        .await
        .unwrap();
    assert_eq!(stored, "0.1.0-beta");
}

async fn reactivating_an_agent_retires_the_old_device_and_flags_a_restart(ctx: &Ctx) {
    let (_, agent) = ctx.agent("KC01").await;
    let first = Device::activate(ctx, &ctx.code(&agent).await).await;
    // The phone was reset: a new key, a new code.
    let second = Device::activate(ctx, &ctx.code(&agent).await).await;
    assert_ne!(first.id, second.id);
    let status: String = sqlx::query_scalar("SELECT status FROM devices WHERE id = $1")
        .bind(&first.id)
        .fetch_one(ctx.db.pool())
        .await
        .unwrap();
    assert_eq!(status, "retired");
    let flags = ctx
        .count("SELECT COUNT(*) FROM fraud_flags WHERE kind = 'chain.restart'")
        .await;
    assert_eq!(flags, 1);
    let evidence: String =
        sqlx::query_scalar("SELECT evidence FROM fraud_flags WHERE kind = 'chain.restart'")
            .fetch_one(ctx.db.pool())
            .await
            .unwrap();
    assert!(evidence.contains(&first.id));
}

async fn a_suspended_agent_cannot_activate(ctx: &Ctx) {
    let (_, agent) = ctx.agent("KC01").await;
    let code = ctx.code(&agent).await;
    perisai_server::service::access::suspend_agent(&ctx.db, &agent)
        .await
        .unwrap();
    let signer = SoftwareSigner::generate_ephemeral().unwrap();
    let reply = ctx
        .call(post_json(
            "/v1/activate",
            &activation_request(&code, &signer),
        ))
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert!(["agent.inactive", "code.expired"].contains(&reply.error_code().as_str()));
}

both_backends!(
    activation_binds_the_key_and_answers_signed,
    a_retry_with_the_same_key_gets_the_same_binding,
    a_used_code_refuses_another_key_and_counts_the_try,
    an_expired_code_is_refused,
    five_wrong_proofs_lock_the_code,
    typos_cost_no_try_and_guesses_are_throttled_per_address,
    malformed_and_old_requests_are_refused,
    an_app_version_with_control_characters_is_stored_without_them,
    reactivating_an_agent_retires_the_old_device_and_flags_a_restart,
    a_suspended_agent_cannot_activate,
);
