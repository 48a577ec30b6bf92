//! What every request handler shares ([`AppState`]): the database, the keys, the limits, the
//! metrics, the rule sets in force, sign-in's cap on password checks and ingest's writer. It
//! holds no state another server instance would need: that is all in the database.

use std::sync::Arc;

use perisai_domain::tariff::RuleBook;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::config::Config;
use crate::db::Db;
use crate::ingest::Ingest;
use crate::keys::ServerKeys;
use crate::metrics::Metrics;
use crate::service::rules::RulesInForce;

/// What every handler shares. Cloned cheaply.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

pub struct Inner {
    pub db: Db,
    pub keys: Arc<ServerKeys>,
    pub config: Config,
    pub metrics: Metrics,
    /// Sign-in's cap on concurrent password checks (`web::sign_in_guard`).
    pub password_checks: PasswordChecks,
    /// Storing batches (on SQLite through its group writer).
    pub ingest: Ingest,
    /// The built-in rule sets with the published ones, reloaded by [`AppState::refresh_rules`].
    rules: Arc<RulesInForce>,
}

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    pub fn new(
        db: Db,
        keys: Arc<ServerKeys>,
        config: Config,
    ) -> Result<AppState, prometheus::Error> {
        let rules = Arc::new(RulesInForce::builtin());
        Ok(AppState(Arc::new(Inner {
            ingest: Ingest::new(db.clone(), keys.clone(), rules.clone()),
            db,
            keys,
            password_checks: PasswordChecks::new(config.max_password_checks),
            config,
            metrics: Metrics::new()?,
            rules,
        })))
    }

    /// The rule sets the server validates with: the devices' built-in book plus what was
    /// published, as of the last [`AppState::refresh_rules`].
    pub fn rules(&self) -> Arc<RuleBook> {
        self.rules.current()
    }

    /// Reloads the published rule sets (at start and every minute while serving: another
    /// instance or the operator CLI may have published one). A failure keeps the book in force.
    pub async fn refresh_rules(&self) {
        self.rules.refresh(&self.db).await;
    }
}

/// The two pools of concurrent password checks: strangers, and browsers known to the account
/// (`web::sign_in_guard`).
pub struct PasswordChecks {
    strangers: Arc<Semaphore>,
    known: Arc<Semaphore>,
}

impl PasswordChecks {
    /// `per_pool` checks at once for strangers, and as many for known browsers.
    pub fn new(per_pool: usize) -> PasswordChecks {
        let n = per_pool.max(1);
        PasswordChecks {
            strangers: Arc::new(Semaphore::new(n)),
            known: Arc::new(Semaphore::new(n)),
        }
    }

    /// A check from the known browsers' pool or the strangers', if one is free now.
    pub fn try_take(&self, known_browser: bool) -> Option<OwnedSemaphorePermit> {
        let pool = if known_browser {
            &self.known
        } else {
            &self.strangers
        };
        pool.clone().try_acquire_owned().ok()
    }
}
