//! What stands between a guesser and the password check at `POST /login`, so that guessing is
//! slow, a flood cannot stall the server, and no attacker can lock a real user out.
//!
//! In order, each before any database work or password hash that the next one would cost:
//!
//! 1. **A cap on concurrent password checks** (`state::PasswordChecks`, `--max-password-checks`):
//!    argon2id is slow and memory-hard on purpose, so a flood of sign-ins would otherwise take
//!    every core and every pooled database connection from the device API. A try that finds
//!    no free check is answered 429 at once; it is never queued and touches no database.
//!    Browsers that signed in to the account before draw from a second, equal pool, so a flood
//!    of strangers cannot keep the account's owner out.
//! 2. **Counters taken before the work** (`rate_windows`, shared by every server instance): each
//!    try adds one atomically (`INSERT … ON CONFLICT DO UPDATE … RETURNING`) and is refused when
//!    its own count is over the limit, so concurrent tries cannot all read "below the limit"
//!    and all go through. A successful sign-in gives its one back: the counters count failures.
//!    - a browser that signed in to this account before (a *known browser*, see below): at most
//!      [`PAIR_LIMIT`] failures per window for that browser, and nothing else applies;
//!    - otherwise, per (account, address): [`PAIR_LIMIT`]; per address: [`ADDRESS_LIMIT`]; per
//!      account from anywhere: past [`ACCOUNT_CEILING`] failures, one check per account every
//!      [`ACCOUNT_SLOT_MS`] (a true rate: many addresses at once still get one check per slot).
//! 3. Addresses are counted as the throttles see them (`api::ClientAddr`): IPv4 whole, IPv6 by
//!    its /64, since one subscriber holds a whole /64.
//!
//! **Known browsers** (OWASP's "device cookie"): a successful sign-in leaves a long-lived cookie
//! `{nonce}.{HMAC(server secret, email ‖ nonce)}`. Only a browser that signed in as this account
//! can hold a valid one for it, so the account-wide limits, which strangers can exhaust, never
//! apply to its owner's own browser.

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use base64::Engine;
use tokio::sync::OwnedSemaphorePermit;

use super::WebError;
use crate::db::{now_ms, rate};
use crate::state::AppState;

/// The throttle window.
pub const THROTTLE_WINDOW_MS: i64 = 15 * 60 * 1000;
/// Failures one address (or one known browser) may have on one account per window.
pub const PAIR_LIMIT: i64 = 5;
/// Failures one address may have over all accounts per window.
pub const ADDRESS_LIMIT: i64 = 30;
/// Failures on one account from anywhere per window past which the account gets one password
/// check per [`ACCOUNT_SLOT_MS`] (known browsers excepted).
pub const ACCOUNT_CEILING: i64 = 50;
/// Past the ceiling, one check per account per this long.
pub const ACCOUNT_SLOT_MS: i64 = 2_000;
/// How long a browser stays known after signing in.
pub const KNOWN_BROWSER_MAX_AGE_S: i64 = 365 * 24 * 3600;

const SCOPE_PAIR: &str = "web.login.pair";
const SCOPE_ADDRESS: &str = "web.login.address";
const SCOPE_ACCOUNT: &str = "web.login.account";
const SCOPE_ACCOUNT_SLOT: &str = "web.login.account_slot";
const SCOPE_BROWSER: &str = "web.login.browser";

/// A sign-in try let through to the password check.
pub struct Admitted {
    /// Held until the check is done.
    _permit: OwnedSemaphorePermit,
    /// The counters this try added one to (given back if the password was right).
    counted: Vec<(&'static str, String)>,
}

/// Whether a try may go on to the password check.
pub enum Admission {
    Admitted(Admitted),
    /// Refused: answer 429 with `Retry-After` this many seconds.
    Refused {
        retry_after_s: u64,
    },
}

/// Decides whether this try (for `email`, from `address`, with `browser`'s known-browser
/// cookie if it sent one) may have its password checked.
pub async fn admit(
    state: &AppState,
    email: &str,
    address: &str,
    browser: Option<&str>,
) -> Result<Admission, WebError> {
    let known = browser.and_then(|cookie| known_browser_nonce(state, email, cookie));
    // No free check: refused now, before any database work.
    let Some(permit) = state.password_checks.try_take(known.is_some()) else {
        return Ok(Admission::Refused { retry_after_s: 1 });
    };
    let window_left = || rate::window(now_ms(), THROTTLE_WINDOW_MS).1;
    let mut conn = state.db.pool().acquire().await?;
    let mut counted = Vec::new();
    if let Some(nonce) = known {
        let subject = subject(&format!("browser:{email}|{nonce}"));
        let n = rate::hit(&mut conn, SCOPE_BROWSER, &subject, THROTTLE_WINDOW_MS).await?;
        counted.push((SCOPE_BROWSER, subject));
        if n > PAIR_LIMIT {
            return Ok(Admission::Refused {
                retry_after_s: window_left(),
            });
        }
        return Ok(Admission::Admitted(Admitted {
            _permit: permit,
            counted,
        }));
    }
    for (scope, subject, limit) in [
        (
            SCOPE_PAIR,
            subject(&format!("pair:{email}|{address}")),
            PAIR_LIMIT,
        ),
        (
            SCOPE_ADDRESS,
            subject(&format!("address:{address}")),
            ADDRESS_LIMIT,
        ),
    ] {
        let n = rate::hit(&mut conn, scope, &subject, THROTTLE_WINDOW_MS).await?;
        counted.push((scope, subject));
        if n > limit {
            return Ok(Admission::Refused {
                retry_after_s: window_left(),
            });
        }
    }
    let account = subject(&format!("account:{email}"));
    let failures = rate::hit(&mut conn, SCOPE_ACCOUNT, &account, THROTTLE_WINDOW_MS).await?;
    counted.push((SCOPE_ACCOUNT, account.clone()));
    if failures > ACCOUNT_CEILING
        && rate::hit(&mut conn, SCOPE_ACCOUNT_SLOT, &account, ACCOUNT_SLOT_MS).await? > 1
    {
        return Ok(Admission::Refused {
            retry_after_s: rate::window(now_ms(), ACCOUNT_SLOT_MS).1,
        });
    }
    Ok(Admission::Admitted(Admitted {
        _permit: permit,
        counted,
    }))
}

impl Admitted {
    /// The password was right: the counters give back this try's one (they count failures).
    pub async fn succeeded(self, state: &AppState) -> Result<(), WebError> {
        let mut conn = state.db.pool().acquire().await?;
        for (scope, subject) in &self.counted {
            rate::give_back(&mut conn, scope, subject, THROTTLE_WINDOW_MS).await?;
        }
        Ok(())
    }
}

/// A counter's subject: a hash, so that emails and addresses are not stored in clear.
fn subject(text: &str) -> String {
    super::session::sha256_hex(text)
}

/// A new known-browser cookie value for `email`.
pub fn known_browser_cookie(state: &AppState, email: &str) -> Result<String, WebError> {
    let nonce = B64URL.encode(crate::keys::random_bytes::<16>()?);
    let tag = state.keys.browser_tag(email, &nonce);
    Ok(format!("{nonce}.{}", B64URL.encode(tag)))
}

/// The nonce of `cookie` when it is a valid known-browser cookie for `email`.
fn known_browser_nonce<'a>(state: &AppState, email: &str, cookie: &'a str) -> Option<&'a str> {
    let (nonce, tag) = cookie.split_once('.')?;
    let tag = B64URL.decode(tag).ok()?;
    state
        .keys
        .browser_tag_matches(email, nonce, &tag)
        .then_some(nonce)
}
