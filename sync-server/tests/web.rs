//! The supervisors' web app, driven through the router in process like a browser would: sign in,
//! follow the forms (CSRF token included), and look at what the pages show and what the
//! database keeps. Runs on SQLite, and on PostgreSQL when configured.

mod common;

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, Request, StatusCode};
use common::{nik, Ctx, Device, Reply};
use perisai_server::service;
use serde_json::json;

const PASSWORD: &str = "kata-sandi-rahasia-123";

/// A browser: its cookies, its address, and the form token of its session.
struct Browser {
    cookies: Vec<(String, String)>,
    address: SocketAddr,
    csrf: String,
}

impl Browser {
    fn new(address: &str) -> Browser {
        Browser {
            cookies: Vec::new(),
            address: address.parse().unwrap(),
            csrf: String::new(),
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn keep_cookies(&mut self, reply: &Reply) {
        for value in reply.headers.get_all(header::SET_COOKIE) {
            let text = value.to_str().unwrap();
            let (name, rest) = text.split_once('=').unwrap();
            let value = rest.split(';').next().unwrap().to_string();
            self.cookies.retain(|(k, _)| k != name);
            if !value.is_empty() && !text.contains("Max-Age=0") {
                self.cookies.push((name.to_string(), value));
            }
        }
    }

    async fn send(&mut self, ctx: &Ctx, mut request: Request<Body>) -> Reply {
        request
            .headers_mut()
            .insert(header::COOKIE, self.cookie_header().parse().unwrap());
        request.extensions_mut().insert(ConnectInfo(self.address));
        let reply = ctx.call(request).await;
        self.keep_cookies(&reply);
        reply
    }

    async fn get(&mut self, ctx: &Ctx, path: &str) -> Reply {
        self.send(ctx, Request::get(path).body(Body::empty()).unwrap())
            .await
    }

    /// POSTs a form with the session's token (unless `fields` names its own `csrf`).
    async fn post(&mut self, ctx: &Ctx, path: &str, fields: &[(&str, &str)]) -> Reply {
        let mut all: Vec<(&str, &str)> = fields.to_vec();
        if !fields.iter().any(|(k, _)| *k == "csrf") {
            all.push(("csrf", &self.csrf));
        }
        let body = serde_urlencoded::to_string(&all).unwrap();
        let request = Request::post(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap();
        self.send(ctx, request).await
    }

    /// Opens the login page and signs in; returns the answer to the POST.
    async fn login(&mut self, ctx: &Ctx, email: &str, password: &str) -> Reply {
        let page = self.get(ctx, "/login").await;
        assert_eq!(page.status, StatusCode::OK);
        let token = hidden_csrf(&text(&page));
        let reply = self
            .post(
                ctx,
                "/login",
                &[("email", email), ("password", password), ("csrf", &token)],
            )
            .await;
        if reply.status == StatusCode::SEE_OTHER {
            let review = self.get(ctx, "/review").await;
            assert_eq!(review.status, StatusCode::OK, "{}", text(&review));
            self.csrf = hidden_csrf(&text(&review));
        }
        reply
    }
}

fn text(reply: &Reply) -> String {
    String::from_utf8_lossy(&reply.body).into_owned()
}

fn hidden_csrf(html: &str) -> String {
    let at = html.find("name=\"csrf\" value=\"").expect("a form token");
    html[at + 19..].split('"').next().unwrap().to_string()
}

/// Whether `html` holds `raw` as escaped text (named or numeric entities).
fn shows_escaped(html: &str, raw: &str) -> bool {
    let named = raw.replace('<', "&lt;").replace('>', "&gt;");
    let numeric = raw.replace('<', "&#60;").replace('>', "&#62;");
    html.contains(&named) || html.contains(&numeric)
}

fn location(reply: &Reply) -> String {
    reply
        .headers
        .get(header::LOCATION)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default()
}

async fn user(ctx: &Ctx, role: &str, branch: Option<&str>, wadah: Option<&str>, email: &str) {
    service::org::create_user(&ctx.db, role, branch, wadah, email, PASSWORD)
        .await
        .unwrap();
}

/// A device in `branch` that uploaded one batch of `n` valid records; returns it and the ids.
async fn device_with_records(ctx: &Ctx, branch: &str, first: u32, n: u32) -> (Device, Vec<String>) {
    let mut device = ctx.device(branch).await;
    let records: Vec<_> = (first..first + n).map(|i| device.record(i)).collect();
    let ids = records
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect();
    let bytes = device.next_batch(&records);
    let (reply, _) = device.upload(ctx, bytes).await;
    assert_eq!(reply.status, StatusCode::OK);
    (device, ids)
}

async fn status_of(ctx: &Ctx, id: &str) -> String {
    sqlx::query_scalar("SELECT status FROM enrollments WHERE id = $1")
        .bind(id)
        .fetch_one(ctx.db.pool())
        .await
        .unwrap()
}

async fn sign_in_ok_wrong_password_and_throttle_without_lockout(ctx: &Ctx) {
    ctx.agent("KC01").await;
    user(ctx, "supervisor", Some("KC01"), None, "sup@kc01.test").await;

    let mut stranger = Browser::new("198.51.100.7:5000");
    let wrong = stranger
        .login(ctx, "sup@kc01.test", "salah-sekali-12345")
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(text(&wrong).contains("Email atau kata sandi salah."));
    assert!(stranger.get(ctx, "/review").await.status == StatusCode::SEE_OTHER);

    let mut real = Browser::new("203.0.113.5:5000");
    let ok = real.login(ctx, "SUP@kc01.test", PASSWORD).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    assert_eq!(location(&ok), "/review");
    let cookie = ok
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with("__Host-perisai_session="))
        .unwrap();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"));
    // The database keeps only a hash of the session id.
    let token = cookie["__Host-perisai_session=".len()..]
        .split(';')
        .next()
        .unwrap();
    assert_eq!(token.len(), 43, "256 random bits");
    let stored: Vec<String> = sqlx::query_scalar("SELECT id_hash FROM web_sessions")
        .fetch_all(ctx.db.pool())
        .await
        .unwrap();
    assert_eq!(stored.len(), 1);
    assert_ne!(stored[0], token);

    // The stranger guesses until refused: the pair (account, address) is throttled...
    for _ in 1..perisai_server::web::sign_in_guard::PAIR_LIMIT {
        let reply = stranger
            .login(ctx, "sup@kc01.test", "tebakan-lain-12345")
            .await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    }
    let refused = stranger.login(ctx, "sup@kc01.test", PASSWORD).await;
    assert_eq!(
        refused.status,
        StatusCode::TOO_MANY_REQUESTS,
        "even the right password"
    );
    assert!(refused.headers.contains_key(header::RETRY_AFTER));
    assert!(text(&refused).contains("Terlalu banyak percobaan"));
    // ... but the real user, from their own address, still signs in.
    let mut real_again = Browser::new("203.0.113.5:5001");
    assert_eq!(
        real_again
            .login(ctx, "sup@kc01.test", PASSWORD)
            .await
            .status,
        StatusCode::SEE_OTHER
    );

    // Signing out ends the session in the database too.
    let out = real.post(ctx, "/logout", &[]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert_eq!(location(&out), "/login");
    real.cookies
        .push(("__Host-perisai_session".into(), token.to_string()));
    assert_eq!(real.get(ctx, "/review").await.status, StatusCode::SEE_OTHER);
}

async fn posts_without_a_valid_csrf_token_are_refused_and_change_nothing(ctx: &Ctx) {
    let (device, ids) = device_with_records(ctx, "KC01", 1, 1).await;
    user(ctx, "supervisor", Some("KC01"), None, "sup@kc01.test").await;
    let mut browser = Browser::new("203.0.113.5:5000");
    browser.login(ctx, "sup@kc01.test", PASSWORD).await;
    let url = format!("/enrollments/KC01/{}/decision", ids[0]);
    let missing = browser
        .send(
            ctx,
            Request::post(&url)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from("decision=approved"))
                .unwrap(),
        )
        .await;
    assert_eq!(missing.status, StatusCode::FORBIDDEN);
    let wrong = browser
        .post(
            ctx,
            &url,
            &[("decision", "approved"), ("csrf", "x".repeat(43).as_str())],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);
    let batch = browser
        .post(
            ctx,
            &format!("/batches/{}/1/decision", device.id),
            &[("decision", "approved"), ("csrf", "")],
        )
        .await;
    assert_eq!(batch.status, StatusCode::FORBIDDEN);
    let reveal = browser
        .post(
            ctx,
            &format!("/enrollments/KC01/{}/reveal", ids[0]),
            &[("csrf", "nope")],
        )
        .await;
    assert_eq!(reveal.status, StatusCode::FORBIDDEN);
    assert_eq!(status_of(ctx, &ids[0]).await, "received");
    assert_eq!(ctx.count("SELECT COUNT(*) FROM decisions").await, 0);
    assert_eq!(
        ctx.count("SELECT COUNT(*) FROM audit_log WHERE action = 'record.reveal_nik'")
            .await,
        0
    );
    // The login form has its own token.
    let login = browser
        .post(
            ctx,
            "/login",
            &[
                ("email", "sup@kc01.test"),
                ("password", PASSWORD),
                ("csrf", "forged"),
            ],
        )
        .await;
    assert_eq!(login.status, StatusCode::FORBIDDEN);
    // With the token, the same decision goes through.
    let ok = browser.post(ctx, &url, &[("decision", "approved")]).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    assert_eq!(status_of(ctx, &ids[0]).await, "approved");
}

async fn a_supervisor_sees_its_branch_and_sub_branches_and_nothing_of_another(ctx: &Ctx) {
    service::org::create_branch(&ctx.db, "KC01", "Cabang A", None)
        .await
        .unwrap();
    service::org::create_branch(&ctx.db, "KCP11", "KCP di bawah A", Some("KC01"))
        .await
        .unwrap();
    let (_, own) = device_with_records(ctx, "KC01", 1, 1).await;
    let (_, sub) = device_with_records(ctx, "KCP11", 10, 1).await;
    let (other_device, other) = device_with_records(ctx, "KC02", 20, 1).await;
    user(ctx, "supervisor", Some("KC01"), None, "sup@kc01.test").await;
    let mut browser = Browser::new("203.0.113.5:5000");
    browser.login(ctx, "sup@kc01.test", PASSWORD).await;

    let queue = text(&browser.get(ctx, "/review").await);
    assert!(
        queue.contains(&own[0]) && queue.contains(&sub[0]),
        "own and sub-branch rows"
    );
    assert!(!queue.contains(&other[0]), "another branch's row");
    assert!(!queue.contains(&other_device.agent_id));
    let all = text(&browser.get(ctx, "/review?status=all").await);
    assert!(!all.contains(&other[0]));
    let by_agent = browser
        .get(ctx, &format!("/review?agent={}", other_device.agent_id))
        .await;
    assert_eq!(by_agent.status, StatusCode::OK);
    assert!(!text(&by_agent).contains(&other[0]));

    for path in [
        format!("/enrollments/KC02/{}", other[0]),
        format!("/enrollments/KC01/{}", other[0]),
        format!("/batches/{}/1", other_device.id),
        "/export.csv?branch=KC02".to_string(),
    ] {
        assert_eq!(
            browser.get(ctx, &path).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    for (path, fields) in [
        (
            format!("/enrollments/KC02/{}/decision", other[0]),
            vec![("decision", "approved")],
        ),
        (format!("/enrollments/KC02/{}/reveal", other[0]), vec![]),
        (
            format!("/enrollments/KC02/{}/reverse", other[0]),
            vec![("decision", "rejected"), ("reason", "x")],
        ),
        (
            format!("/batches/{}/1/decision", other_device.id),
            vec![("decision", "approved")],
        ),
    ] {
        let reply = browser.post(ctx, &path, &fields).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{path}");
    }
    assert_eq!(status_of(ctx, &other[0]).await, "received");

    // The sub-branch's record opens; the export of the own branch holds only its rows.
    let sub_page = browser
        .get(ctx, &format!("/enrollments/KCP11/{}", sub[0]))
        .await;
    assert_eq!(sub_page.status, StatusCode::OK);
    let export = browser.get(ctx, "/export.csv").await;
    assert_eq!(export.status, StatusCode::OK);
    let csv = text(&export);
    assert!(csv.starts_with("id,nik,full_name"));
    assert!(csv.contains(&own[0]) && !csv.contains(&other[0]));
    let exported: Vec<String> =
        sqlx::query_scalar("SELECT actor FROM audit_log WHERE action = 'export'")
            .fetch_all(ctx.db.pool())
            .await
            .unwrap();
    assert_eq!(exported, vec!["web:sup@kc01.test".to_string()]);
    // The audit page shows this branch's entries, not the other's.
    let audit = text(&browser.get(ctx, "/audit").await);
    assert!(audit.contains("export") && audit.contains(&sub[0]));
    assert!(!audit.contains(&other_device.agent_id));
}

async fn names_are_shown_escaped(ctx: &Ctx) {
    service::org::create_branch(&ctx.db, "KC01", "Cabang A", None)
        .await
        .unwrap();
    let wadah = service::org::create_wadah(&ctx.db, "KC01", "Koperasi <b>Maju</b>")
        .await
        .unwrap();
    let agent = service::org::create_agent(&ctx.db, &wadah, "<script>alert(1)</script>")
        .await
        .unwrap();
    let code = ctx.code(&agent).await;
    let mut device = Device::activate(ctx, &code).await;
    let mut record = device.record(1);
    // Refused at ingest (not a valid name) but stored as sent, so shown to the supervisor.
    record["full_name"] = json!("<img src=x onerror=alert(2)>");
    let bytes = device.next_batch(std::slice::from_ref(&record));
    device.upload(ctx, bytes).await;
    user(ctx, "supervisor", Some("KC01"), None, "sup@kc01.test").await;
    let mut browser = Browser::new("203.0.113.5:5000");
    browser.login(ctx, "sup@kc01.test", PASSWORD).await;
    let queue = text(&browser.get(ctx, "/review?status=all").await);
    assert!(
        shows_escaped(&queue, "<script>alert(1)</script>"),
        "{queue}"
    );
    assert!(!queue.contains("<script>alert"));
    assert!(shows_escaped(&queue, "<img src=x onerror=alert(2)>"));
    let id = record["id"].as_str().unwrap();
    let page = text(&browser.get(ctx, &format!("/enrollments/KC01/{id}")).await);
    assert!(shows_escaped(&page, "<img src=x onerror=alert(2)>"));
    assert!(!page.contains("<img src=x"));
}

async fn the_nik_is_masked_and_a_reveal_shows_it_once_and_is_audited(ctx: &Ctx) {
    let (_, ids) = device_with_records(ctx, "KC01", 7, 1).await;
    user(ctx, "supervisor", Some("KC01"), None, "sup@kc01.test").await;
    let mut browser = Browser::new("203.0.113.5:5000");
    browser.login(ctx, "sup@kc01.test", PASSWORD).await;
    let full = nik(7);
    let masked = format!("{}••••••••{}", &full[..4], &full[12..]);
    let url = format!("/enrollments/KC01/{}", ids[0]);
    let page = text(&browser.get(ctx, &url).await);
    assert!(page.contains(&masked) && !page.contains(&full));
    assert!(page.contains("data-test=\"reveal\""));
    let revealed = browser.post(ctx, &format!("{url}/reveal"), &[]).await;
    assert_eq!(revealed.status, StatusCode::OK);
    assert!(text(&revealed).contains(&full));
    let again = text(&browser.get(ctx, &url).await);
    assert!(!again.contains(&full), "shown once");
    let rows: Vec<(String, String)> =
        sqlx::query_as("SELECT actor, subject FROM audit_log WHERE action = 'record.reveal_nik'")
            .fetch_all(ctx.db.pool())
            .await
            .unwrap();
    assert_eq!(
        rows,
        vec![("web:sup@kc01.test".to_string(), ids[0].clone())]
    );
    assert_eq!(
        ctx.count("SELECT COUNT(*) FROM audit_log WHERE action = 'record.view'")
            .await,
        2
    );
    // No NIK in the audit log.
    assert_eq!(
        ctx.count(&format!(
            "SELECT COUNT(*) FROM audit_log WHERE detail LIKE '%{full}%'"
        ))
        .await,
        0
    );
}

async fn decisions_one_by_one_for_a_batch_and_reversed(ctx: &Ctx) {
    let (device, ids) = device_with_records(ctx, "KC01", 1, 4).await;
    user(ctx, "supervisor", Some("KC01"), None, "sup@kc01.test").await;
    let mut browser = Browser::new("203.0.113.5:5000");
    browser.login(ctx, "sup@kc01.test", PASSWORD).await;
    let decide = |id: &str| format!("/enrollments/KC01/{id}/decision");

    let approve = browser
        .post(
            ctx,
            &decide(&ids[0]),
            &[
                ("decision", "approved"),
                ("back", "/review?status=received"),
            ],
        )
        .await;
    assert_eq!(location(&approve), "/review?status=received&msg=decided");
    assert_eq!(status_of(ctx, &ids[0]).await, "approved");
    let shown = text(&browser.get(ctx, &location(&approve)).await);
    assert!(shown.contains("data-test=\"flash\""));
    assert!(
        !shown.contains(&ids[0]),
        "decided records leave the received queue"
    );

    let no_reason = browser
        .post(ctx, &decide(&ids[1]), &[("decision", "rejected")])
        .await;
    assert!(location(&no_reason).ends_with("msg=need_reason"));
    assert_eq!(status_of(ctx, &ids[1]).await, "received");
    browser
        .post(
            ctx,
            &decide(&ids[1]),
            &[("decision", "rejected"), ("reason", "foto KTP buram")],
        )
        .await;
    assert_eq!(status_of(ctx, &ids[1]).await, "rejected");
    browser
        .post(
            ctx,
            &decide(&ids[2]),
            &[("decision", "has_issues"), ("reason", "alamat kurang")],
        )
        .await;
    assert_eq!(status_of(ctx, &ids[2]).await, "has_issues");
    let page = text(
        &browser
            .get(ctx, &format!("/enrollments/KC01/{}", ids[2]))
            .await,
    );
    assert!(
        page.contains("alamat kurang"),
        "the comment is in the history"
    );
    assert!(
        !page.contains("data-test=\"approve\""),
        "no buttons once decided"
    );

    // The batch action decides only what is still received.
    let batch = browser
        .post(
            ctx,
            &format!("/batches/{}/1/decision", device.id),
            &[("decision", "approved")],
        )
        .await;
    assert_eq!(batch.status, StatusCode::SEE_OTHER);
    assert_eq!(status_of(ctx, &ids[3]).await, "approved");
    assert_eq!(status_of(ctx, &ids[1]).await, "rejected");
    assert_eq!(status_of(ctx, &ids[2]).await, "has_issues");
    assert_eq!(ctx.count("SELECT COUNT(*) FROM decisions").await, 4);

    // A reversal needs a reason and is one more decision.
    let reverse = format!("/enrollments/KC01/{}/reverse", ids[1]);
    let refused = browser
        .post(ctx, &reverse, &[("decision", "approved")])
        .await;
    assert!(location(&refused).ends_with("msg=need_reason"));
    assert_eq!(status_of(ctx, &ids[1]).await, "rejected");
    browser
        .post(
            ctx,
            &reverse,
            &[("decision", "approved"), ("reason", "foto sudah jelas")],
        )
        .await;
    assert_eq!(status_of(ctx, &ids[1]).await, "approved");
    assert_eq!(
        ctx.count("SELECT COUNT(*) FROM audit_log WHERE action = 'record.decide'")
            .await,
        5
    );
}

async fn a_wadah_account_reads_its_own_agents_and_cannot_decide(ctx: &Ctx) {
    let (mine, ids) = device_with_records(ctx, "KC01", 1, 1).await;
    let (_, others) = device_with_records(ctx, "KC01", 5, 1).await;
    let wadah: String = sqlx::query_scalar("SELECT wadah_id FROM agents WHERE id = $1")
        .bind(&mine.agent_id)
        .fetch_one(ctx.db.pool())
        .await
        .unwrap();
    user(ctx, "wadah", None, Some(&wadah), "wadah@kop.test").await;
    let mut browser = Browser::new("203.0.113.5:5000");
    browser.login(ctx, "wadah@kop.test", PASSWORD).await;
    let queue = text(&browser.get(ctx, "/review").await);
    assert!(queue.contains(&ids[0]) && !queue.contains(&others[0]));
    assert!(!queue.contains("data-test=\"approve\""));
    let page = browser
        .get(ctx, &format!("/enrollments/KC01/{}", ids[0]))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!text(&page).contains("data-test=\"approve\""));
    assert!(!text(&page).contains("data-test=\"reveal\""));
    assert_eq!(
        browser
            .get(ctx, &format!("/enrollments/KC01/{}", others[0]))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let post = browser
        .post(
            ctx,
            &format!("/enrollments/KC01/{}/decision", ids[0]),
            &[("decision", "approved")],
        )
        .await;
    assert_eq!(post.status, StatusCode::FORBIDDEN);
    let batch = browser
        .post(
            ctx,
            &format!("/batches/{}/1/decision", mine.id),
            &[("decision", "approved")],
        )
        .await;
    assert_eq!(batch.status, StatusCode::FORBIDDEN);
    assert_eq!(status_of(ctx, &ids[0]).await, "received");
    assert_eq!(
        browser.get(ctx, "/export.csv?branch=KC01").await.status,
        StatusCode::NOT_FOUND
    );
    // Signing out is allowed.
    assert_eq!(
        browser.post(ctx, "/logout", &[]).await.status,
        StatusCode::SEE_OTHER
    );
}

async fn the_interface_switches_to_english(ctx: &Ctx) {
    ctx.agent("KC01").await;
    user(ctx, "supervisor", Some("KC01"), None, "sup@kc01.test").await;
    let mut browser = Browser::new("203.0.113.5:5000");
    assert!(text(&browser.get(ctx, "/login").await).contains("Kata sandi"));
    let english = browser.get(ctx, "/login?lang=en").await;
    assert!(text(&english).contains("Password"));
    browser.login(ctx, "sup@kc01.test", PASSWORD).await;
    let queue = text(&browser.get(ctx, "/review").await);
    assert!(
        queue.contains("Review queue"),
        "the cookie keeps the choice"
    );
    assert!(queue.contains("data-test=\"lang-switch\""));
    let back = text(&browser.get(ctx, "/review?lang=id").await);
    assert!(back.contains("Antrean tinjauan"));
}

async fn the_queue_pages_newest_first_without_repeats(ctx: &Ctx) {
    let mut device = ctx.device("KC01").await;
    let mut ids = Vec::new();
    for batch in 0..3 {
        let records: Vec<_> = (0..25)
            .map(|i| device.record(batch * 100 + i + 1))
            .collect();
        ids.extend(
            records
                .iter()
                .map(|r| r["id"].as_str().unwrap().to_string()),
        );
        let bytes = device.next_batch(&records);
        device.upload(ctx, bytes).await;
    }
    user(ctx, "admin", None, None, "admin@pusat.test").await;
    let mut browser = Browser::new("203.0.113.5:5000");
    browser.login(ctx, "admin@pusat.test", PASSWORD).await;
    let mut seen = Vec::new();
    let mut path = "/review".to_string();
    for _ in 0..5 {
        let page = text(&browser.get(ctx, &path).await);
        for id in &ids {
            if page.contains(id.as_str()) {
                seen.push(id.clone());
            }
        }
        let Some(at) = page.find("data-test=\"next-page\"") else {
            break;
        };
        let href_start = page[..at].rfind("href=\"").unwrap() + 6;
        path = page[href_start..]
            .split('"')
            .next()
            .unwrap()
            .replace("&amp;", "&");
    }
    seen.sort();
    let mut expected = ids.clone();
    expected.sort();
    assert_eq!(seen, expected, "every record once over the pages");
}

async fn duplicates_are_resolved_by_keeping_one_and_flags_with_a_note(ctx: &Ctx) {
    let (_, first) = device_with_records(ctx, "KC01", 1, 1).await;
    // Another agent of the branch enrolls the same NIK: it waits in the duplicate queue.
    let (_, second) = device_with_records(ctx, "KC01", 1, 1).await;
    assert_eq!(ctx.count("SELECT COUNT(*) FROM duplicate_queue").await, 1);
    let agent: String = sqlx::query_scalar("SELECT agent_id FROM enrollments WHERE id = $1")
        .bind(&first[0])
        .fetch_one(ctx.db.pool())
        .await
        .unwrap();
    let mut conn = ctx.db.pool().acquire().await.unwrap();
    perisai_server::db::flags::raise(
        &mut conn,
        &perisai_server::db::flags::Flag {
            branch: "KC01".into(),
            kind: perisai_server::db::flags::kind::AGENT_RATE,
            agent_id: Some(agent),
            device_id: None,
            record_id: Some(first[0].clone()),
            evidence: json!({"count": 31, "window": {"from": "2026-05-12T08:00:00Z"}}),
            dedup_key: "rate-1".into(),
        },
    )
    .await
    .unwrap();
    drop(conn);
    let flag_id = ctx.count("SELECT MAX(id) FROM fraud_flags").await;
    ctx.agent("KC02").await;
    user(ctx, "supervisor", Some("KC02"), None, "sup@kc02.test").await;
    user(ctx, "supervisor", Some("KC01"), None, "sup@kc01.test").await;

    // Another branch's supervisor sees neither and cannot act on them.
    let mut outsider = Browser::new("203.0.113.9:5000");
    outsider.login(ctx, "sup@kc02.test", PASSWORD).await;
    assert!(!text(&outsider.get(ctx, "/duplicates").await).contains(&second[0]));
    assert!(!text(&outsider.get(ctx, "/flags").await).contains("agent.rate"));
    let resolve = format!("/flags/{flag_id}/resolve");
    assert_eq!(
        outsider.post(ctx, &resolve, &[("note", "x")]).await.status,
        StatusCode::NOT_FOUND
    );
    let dup = format!("/duplicates/KC01/{}/resolve", second[0]);
    assert_eq!(
        outsider.post(ctx, &dup, &[("keep", "other")]).await.status,
        StatusCode::NOT_FOUND
    );

    let mut browser = Browser::new("203.0.113.5:5000");
    browser.login(ctx, "sup@kc01.test", PASSWORD).await;
    let page = text(&browser.get(ctx, "/duplicates").await);
    assert!(
        page.contains(&second[0]) && page.contains(&first[0]),
        "side by side"
    );
    assert!(!page.contains(&nik(1)), "NIKs masked");
    let kept = browser.post(ctx, &dup, &[("keep", "this")]).await;
    assert_eq!(location(&kept), "/duplicates?msg=resolved");
    assert_eq!(status_of(ctx, &first[0]).await, "rejected");
    let claimant: String = sqlx::query_scalar("SELECT record_id FROM nik_claims")
        .fetch_one(ctx.db.pool())
        .await
        .unwrap();
    assert_eq!(claimant, second[0], "the kept record holds the NIK");
    assert!(!text(&browser.get(ctx, "/duplicates").await).contains(&second[0]));

    let flags = text(&browser.get(ctx, "/flags").await);
    assert!(flags.contains("agent.rate") && flags.contains("count: 31"));
    assert!(flags.contains("window.from: 2026-05-12T08:00:00Z"));
    let no_note = browser.post(ctx, &resolve, &[("note", " ")]).await;
    assert_eq!(location(&no_note), "/flags?msg=invalid");
    browser
        .post(ctx, &resolve, &[("note", "sudah dicek dengan Wadah")])
        .await;
    assert!(!text(&browser.get(ctx, "/flags").await).contains("agent.rate"));
    let all = text(&browser.get(ctx, "/flags?all=1").await);
    assert!(all.contains("sudah dicek dengan Wadah"));
    assert_eq!(
        ctx.count(
            "SELECT COUNT(*) FROM audit_log WHERE action IN ('flag.resolve', 'duplicate.resolve')"
        )
        .await,
        2
    );
}

async fn agents_pages_show_progress_against_targets_within_scope(ctx: &Ctx) {
    let (mine, _) = device_with_records(ctx, "KC01", 1, 3).await;
    let (theirs, _) = device_with_records(ctx, "KC02", 10, 1).await;
    user(ctx, "supervisor", Some("KC01"), None, "sup@kc01.test").await;
    let mut browser = Browser::new("203.0.113.5:5000");
    browser.login(ctx, "sup@kc01.test", PASSWORD).await;
    let page = format!("/agents/{}", mine.agent_id);
    let month = perisai_server::web::i18n::today()
        .format("%Y-%m")
        .to_string();
    let saved = browser
        .post(
            ctx,
            &format!("{page}/target"),
            &[("month", &month), ("enrollments", "12")],
        )
        .await;
    assert_eq!(location(&saved), format!("{page}?msg=saved"));
    browser
        .post(
            ctx,
            &format!("{page}/area"),
            &[("lat", "-6,595"), ("lon", "106.8"), ("radius_km", "5")],
        )
        .await;
    let bad = browser
        .post(
            ctx,
            &format!("{page}/area"),
            &[("lat", "-96"), ("lon", "106.8"), ("radius_km", "5")],
        )
        .await;
    assert_eq!(location(&bad), format!("{page}?msg=invalid"));
    let list = text(&browser.get(ctx, "/agents").await);
    assert!(list.contains("data-test=\"chart\"") && list.contains(&mine.agent_id));
    assert!(!list.contains(&theirs.agent_id));
    let detail = text(&browser.get(ctx, &page).await);
    assert!(detail.contains("3 / 12"), "this month against the target");
    assert!(detail.contains("-6.595000, 106.800000 (5.0 km)"));
    assert!(detail.contains("<svg"));
    let other = format!("/agents/{}", theirs.agent_id);
    assert_eq!(browser.get(ctx, &other).await.status, StatusCode::NOT_FOUND);
    let refused = browser
        .post(
            ctx,
            &format!("{other}/target"),
            &[("month", &month), ("enrollments", "5")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND);
    assert_eq!(ctx.count("SELECT COUNT(*) FROM agent_targets").await, 1);
}

/// A `multipart/form-data` upload of `csv` as the file `payments.csv`, with the session's form
/// token unless `csrf` says otherwise (`Some("")`: no token field at all).
async fn upload_payments(
    browser: &mut Browser,
    ctx: &Ctx,
    csv: &[u8],
    csrf: Option<&str>,
) -> Reply {
    let boundary = "perisai-test-7d3c1f";
    let token = csrf
        .map(str::to_string)
        .unwrap_or_else(|| browser.csrf.clone());
    let mut body = Vec::new();
    if !token.is_empty() {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{token}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; \
             filename=\"payments.csv\"\r\nContent-Type: text/csv\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(csv);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let request = Request::post("/payments/import")
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(Body::from(body))
        .unwrap();
    browser.send(ctx, request).await
}

/// The text of the element marked `data-test="{name}"` (up to the next tag).
fn marked(html: &str, name: &str) -> String {
    let at = html
        .find(&format!("data-test=\"{name}\""))
        .unwrap_or_else(|| panic!("no {name} in the page"));
    let start = at + html[at..].find('>').unwrap() + 1;
    html[start..].split('<').next().unwrap().trim().to_string()
}

/// A device in `branch` with one record, approved; returns the device and the record's id.
async fn approved_participant(ctx: &Ctx, branch: &str, n: u32) -> (Device, String) {
    let (device, ids) = device_with_records(ctx, branch, n, 1).await;
    service::review::decide_from_cli(&ctx.db, &ctx.keys, &ids[0], "approved", None, None)
        .await
        .unwrap();
    (device, ids[0].clone())
}

/// The running contribution month (WIB), as the test records' enrollment month.
fn this_month() -> perisai_core::tariff::YearMonth {
    perisai_core::tariff::YearMonth::of(perisai_server::web::i18n::today())
}

/// One contribution month of the test records (PEDAGANG, Rp2.500.000, JKK+JKM): 1% + Rp6.800.
const MONTHLY: i64 = 31_800;

fn payments_csv(lines: &[String]) -> String {
    let mut csv = "payment_ref,nik,contribution_month,amount,paid_at\n".to_string();
    for line in lines {
        csv.push_str(line);
        csv.push('\n');
    }
    csv
}

async fn a_supervisor_imports_payments_for_its_own_branch_only(ctx: &Ctx) {
    let (_, own) = approved_participant(ctx, "KC01", 1).await;
    let (_, other) = approved_participant(ctx, "KC02", 20).await;
    user(ctx, "supervisor", Some("KC01"), None, "sup@kc01.test").await;
    let mut browser = Browser::new("203.0.113.5:5000");
    browser.login(ctx, "sup@kc01.test", PASSWORD).await;
    let form = text(&browser.get(ctx, "/payments").await);
    assert!(form.contains("data-test=\"import-form\""));
    assert!(form.contains("enctype=\"multipart/form-data\""));
    assert!(form.contains("payment_ref,nik,contribution_month,amount,paid_at"));
    assert!(form.contains("data-test=\"nav-payments\""));

    let month = this_month();
    let paid_at = chrono::Utc::now().to_rfc3339();
    let csv = payments_csv(&[
        format!("P-1,{},{month},{MONTHLY},{paid_at}", nik(1)),
        format!("P-2,{},{month},16.800,{paid_at}", nik(1)),
        // The other branch's participant, by NIK: as if it did not exist.
        format!("P-3,{},{month},{MONTHLY},{paid_at}", nik(20)),
    ]);
    let reply = upload_payments(&mut browser, ctx, csv.as_bytes(), None).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", text(&reply));
    let page = text(&reply);
    assert!(page.contains("data-test=\"import-report\""));
    assert_eq!(marked(&page, "import-imported"), "1");
    assert_eq!(marked(&page, "import-duplicates"), "0");
    assert_eq!(marked(&page, "import-refused"), "2");
    assert!(page.contains("data-test=\"import-error\" data-line=\"3\" data-code=\"amount.format\""));
    assert!(page
        .contains("data-test=\"import-error\" data-line=\"4\" data-code=\"participant.unknown\""));
    assert!(
        page.contains("Tidak ada peserta dengan NIK, ID, atau kode iuran itu di cabang Anda."),
        "each code is explained"
    );
    assert!(!page.contains(&nik(20)) && !page.contains(&other));
    let stored: Vec<String> = sqlx::query_scalar("SELECT record_id FROM payments")
        .fetch_all(ctx.db.pool())
        .await
        .unwrap();
    assert_eq!(stored, vec![own.clone()], "nothing for the other branch");

    // Again: the good line is a duplicate, the others are refused the same way.
    let again = text(&upload_payments(&mut browser, ctx, csv.as_bytes(), None).await);
    assert_eq!(marked(&again, "import-imported"), "0");
    assert_eq!(marked(&again, "import-duplicates"), "1");
    assert_eq!(marked(&again, "import-refused"), "2");
    assert_eq!(ctx.count("SELECT COUNT(*) FROM payments").await, 1);
    // In English, too.
    let english = text(&browser.get(ctx, "/payments?lang=en").await);
    assert!(english.contains("Payment import") && english.contains("data-test=\"recent-import\""));

    let audited: Vec<(String, Option<String>, String)> = sqlx::query_as(
        "SELECT actor, branch, detail FROM audit_log WHERE action = 'payments.import' ORDER BY id",
    )
    .fetch_all(ctx.db.pool())
    .await
    .unwrap();
    assert_eq!(audited.len(), 2);
    assert_eq!(audited[0].0, "web:sup@kc01.test");
    assert_eq!(audited[0].1.as_deref(), Some("KC01"));
    let detail: serde_json::Value = serde_json::from_str(&audited[0].2).unwrap();
    assert_eq!(detail, json!({"imported": 1, "duplicates": 0, "errors": 2}));

    // The operator CLI still imports for every branch.
    let cli = perisai_server::service::payments::import::import(
        &ctx.db,
        &ctx.keys,
        &perisai_core::tariff::RuleBook::builtin(),
        csv.as_bytes(),
        perisai_server::db::now_ms(),
    )
    .await
    .unwrap();
    assert_eq!((cli.imported, cli.duplicates, cli.errors.len()), (1, 1, 1));
}

async fn statements_show_the_running_estimate_then_the_issued_month_within_scope(ctx: &Ctx) {
    let (device, record) = approved_participant(ctx, "KC01", 1).await;
    let (theirs, _) = approved_participant(ctx, "KC02", 20).await;
    let month = this_month();
    let csv = payments_csv(&[format!(
        "P-1,{record},{month},{MONTHLY},{}",
        chrono::Utc::now().to_rfc3339()
    )]);
    perisai_server::service::payments::import::import(
        &ctx.db,
        &ctx.keys,
        &perisai_core::tariff::RuleBook::builtin(),
        csv.as_bytes(),
        perisai_server::db::now_ms(),
    )
    .await
    .unwrap();
    user(ctx, "supervisor", Some("KC01"), None, "sup@kc01.test").await;
    user(ctx, "supervisor", Some("KC02"), None, "sup@kc02.test").await;
    let mut browser = Browser::new("203.0.113.5:5000");
    browser.login(ctx, "sup@kc01.test", PASSWORD).await;
    let own_page = format!("/statements/{}", device.agent_id);
    let share = MONTHLY * 15 / 100; // contribution month 1: 15%
    let agent_total = perisai_server::web::i18n::rupiah(share);

    // The running month: the list links to the agents, the agent's page estimates.
    let list = text(&browser.get(ctx, "/statements").await);
    assert!(list.contains("data-test=\"statement-notice\""));
    assert!(list.contains(&format!("{own_page}?month={month}")));
    assert!(!list.contains(&theirs.agent_id));
    let estimate = text(&browser.get(ctx, &own_page).await);
    let today = perisai_core::message::format_date(perisai_server::web::i18n::today());
    assert_eq!(
        marked(&estimate, "statement-status"),
        format!("Sementara per {today}")
    );
    assert!(estimate.contains("data-test=\"provisional\""));
    assert!(marked(&estimate, "statement-total").contains(&agent_total));
    assert!(estimate.contains(&format!("/enrollments/KC01/{record}")));

    // Issued (as if on the first of next month): the list shows it, final.
    let next_month = month.next();
    let issue_at = perisai_server::service::payments::time_zone::month_start_ms(
        next_month,
        perisai_server::service::payments::time_zone::offset(
            perisai_server::service::payments::time_zone::WIB_MINUTES,
        ),
    )
    .unwrap()
        + 3_600_000;
    perisai_server::service::payments::statements::issue(
        &ctx.db,
        &ctx.keys,
        &month.to_string(),
        issue_at,
    )
    .await
    .unwrap();
    let list = text(&browser.get(ctx, "/statements").await);
    assert!(list.contains("data-test=\"statement-row\""), "{list}");
    assert_eq!(marked(&list, "statement-total"), agent_total);
    assert_eq!(marked(&list, "statement-status"), "Final");
    assert!(list.contains(&format!("{own_page}?month={month}")));
    assert!(list.contains(&perisai_server::web::i18n::rupiah(
        (share as f64 / 10.0).round() as i64
    )));
    assert!(list.contains("data-test=\"prev-month\""));
    assert!(!list.contains(&theirs.agent_id), "another branch's agent");
    let same = text(
        &browser
            .get(ctx, &format!("/statements?month={month}"))
            .await,
    );
    assert_eq!(marked(&same, "statement-total"), agent_total);
    let earlier = text(
        &browser
            .get(
                ctx,
                &format!(
                    "/statements?month={}",
                    perisai_server::service::payments::schemes::previous(month)
                ),
            )
            .await,
    );
    assert!(earlier.contains("data-test=\"statement-notice\""));
    assert!(!earlier.contains("data-test=\"statement-row\""));
    let issued = text(&browser.get(ctx, &format!("{own_page}?month={month}")).await);
    assert_eq!(marked(&issued, "statement-status"), "Final");
    assert!(issued.contains("data-test=\"statement-line\""));
    assert!(issued.contains("Iuran bulan ke-1"));
    assert!(issued.contains(&agent_total));

    // Another branch's supervisor: not found, and not in its list.
    let mut outsider = Browser::new("203.0.113.9:5000");
    outsider.login(ctx, "sup@kc02.test", PASSWORD).await;
    for path in [own_page.clone(), format!("{own_page}?month={month}")] {
        assert_eq!(
            outsider.get(ctx, &path).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    let theirs_list = text(
        &outsider
            .get(ctx, &format!("/statements?month={month}"))
            .await,
    );
    assert!(!theirs_list.contains(&device.agent_id));
    assert!(theirs_list.contains(&theirs.agent_id));
}

async fn a_wadah_account_reads_statements_but_cannot_import(ctx: &Ctx) {
    let (device, _) = approved_participant(ctx, "KC01", 1).await;
    let wadah: String = sqlx::query_scalar("SELECT wadah_id FROM agents WHERE id = $1")
        .bind(&device.agent_id)
        .fetch_one(ctx.db.pool())
        .await
        .unwrap();
    user(ctx, "wadah", None, Some(&wadah), "wadah@kop.test").await;
    let mut browser = Browser::new("203.0.113.5:5000");
    browser.login(ctx, "wadah@kop.test", PASSWORD).await;
    let page = text(&browser.get(ctx, "/payments").await);
    assert!(!page.contains("data-test=\"import-form\""));
    assert!(page.contains("data-test=\"import-read-only\""));
    assert!(!page.contains("data-test=\"nav-payments\""));
    let csv = payments_csv(&[format!(
        "P-1,{},{},{MONTHLY},{}",
        nik(1),
        this_month(),
        chrono::Utc::now().to_rfc3339()
    )]);
    let refused = upload_payments(&mut browser, ctx, csv.as_bytes(), None).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(ctx.count("SELECT COUNT(*) FROM payments").await, 0);
    assert_eq!(
        ctx.count("SELECT COUNT(*) FROM audit_log WHERE action = 'payments.import'")
            .await,
        0
    );
    // Its own agent's statement opens.
    let own = browser
        .get(ctx, &format!("/statements/{}", device.agent_id))
        .await;
    assert_eq!(own.status, StatusCode::OK);
}

async fn payment_imports_without_a_valid_token_or_too_large_are_refused(ctx: &Ctx) {
    approved_participant(ctx, "KC01", 1).await;
    user(ctx, "supervisor", Some("KC01"), None, "sup@kc01.test").await;
    let mut browser = Browser::new("203.0.113.5:5000");
    browser.login(ctx, "sup@kc01.test", PASSWORD).await;
    let csv = payments_csv(&[format!(
        "P-1,{},{},{MONTHLY},{}",
        nik(1),
        this_month(),
        chrono::Utc::now().to_rfc3339()
    )]);
    let missing = upload_payments(&mut browser, ctx, csv.as_bytes(), Some("")).await;
    assert_eq!(missing.status, StatusCode::FORBIDDEN);
    let wrong = upload_payments(&mut browser, ctx, csv.as_bytes(), Some(&"x".repeat(43))).await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);
    let form = browser
        .send(
            ctx,
            Request::post("/payments/import")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(
                    serde_urlencoded::to_string([("csv", &csv)]).unwrap(),
                ))
                .unwrap(),
        )
        .await;
    assert_eq!(form.status, StatusCode::FORBIDDEN);
    assert_eq!(ctx.count("SELECT COUNT(*) FROM payments").await, 0);

    // Above the cap: refused with a clear answer, nothing imported.
    let mut big = csv.clone().into_bytes();
    big.resize(perisai_server::web::payments::MAX_UPLOAD + 1, b'\n');
    let too_large = upload_payments(&mut browser, ctx, &big, None).await;
    assert_eq!(too_large.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(text(&too_large).contains("Berkas terlalu besar"));
    assert_eq!(ctx.count("SELECT COUNT(*) FROM payments").await, 0);
    assert_eq!(
        ctx.count("SELECT COUNT(*) FROM audit_log WHERE action = 'payments.import'")
            .await,
        0
    );

    // With the token, the pasted CSV of a plain form goes through.
    let pasted = browser
        .post(ctx, "/payments/import", &[("csv", csv.as_str())])
        .await;
    assert_eq!(pasted.status, StatusCode::OK);
    assert_eq!(marked(&text(&pasted), "import-imported"), "1");
}

both_backends!(
    sign_in_ok_wrong_password_and_throttle_without_lockout,
    posts_without_a_valid_csrf_token_are_refused_and_change_nothing,
    a_supervisor_sees_its_branch_and_sub_branches_and_nothing_of_another,
    names_are_shown_escaped,
    the_nik_is_masked_and_a_reveal_shows_it_once_and_is_audited,
    decisions_one_by_one_for_a_batch_and_reversed,
    a_wadah_account_reads_its_own_agents_and_cannot_decide,
    the_interface_switches_to_english,
    the_queue_pages_newest_first_without_repeats,
    duplicates_are_resolved_by_keeping_one_and_flags_with_a_note,
    agents_pages_show_progress_against_targets_within_scope,
    a_supervisor_imports_payments_for_its_own_branch_only,
    statements_show_the_running_estimate_then_the_issued_month_within_scope,
    a_wadah_account_reads_statements_but_cannot_import,
    payment_imports_without_a_valid_token_or_too_large_are_refused,
);
