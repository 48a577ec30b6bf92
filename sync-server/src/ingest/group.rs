//! Group commit for SQLite: batches that arrive while a write transaction is running are written
//! together in the next one, each in its own savepoint, and one commit (one fsync of the WAL
//! with `synchronous=FULL`) makes the whole group durable. Every batch is still all-or-nothing:
//! a batch that fails or races is rolled back to its savepoint and the others go on; its
//! acknowledgement is sent only after the group's commit, and if the commit fails every batch of
//! the group gets an error and is resent by its device (a frozen batch is resent byte for byte).
//!
//! SQLite has one writer at a time, so writing batches one transaction each gives no
//! parallelism anyway; it only pays one fsync per batch, and makes concurrent requests queue on
//! SQLite's busy timeout (which sleeps and polls). Here they queue in memory instead, and
//! whoever finds the writer idle starts it ([`Queue::submit`]). The writer runs in its own task,
//! so a request whose client goes away never cancels a group half-way.
//!
//! Nothing here is state another server instance needs: a second instance on the same file has
//! its own queue, and the two writers take turns on SQLite's lock (busy timeout), as before.

use std::sync::{Arc, Mutex};

use sqlx::pool::PoolConnection;
use sqlx::{Any, Connection};
use tokio::sync::{oneshot, Mutex as AsyncMutex, OwnedMutexGuard};

use super::{write, Ingest, Stored, Work};
use crate::error::ApiError;

/// Most batches written in one transaction (10,000 records): bounds the transaction and the
/// wait of the batches at its end.
pub const MAX_GROUP: usize = 100;

type Reply = oneshot::Sender<Result<Stored, ApiError>>;

/// Batches waiting for the writer, and the writer's token. The token holds the connection the
/// writer keeps: SQLite's page cache belongs to a connection and is dropped whenever another
/// connection wrote, so a writer that took any pooled connection would start every group with a
/// cold cache (reading every index page it touches back from the file).
#[derive(Default)]
pub struct Queue {
    pending: Mutex<Vec<(Work, Reply)>>,
    writer: Arc<AsyncMutex<Option<PoolConnection<Any>>>>,
}

type Token = OwnedMutexGuard<Option<PoolConnection<Any>>>;

impl Queue {
    /// Queues a prepared batch and waits until it is committed (or refused).
    pub async fn submit(&self, ingest: &Ingest, work: Work) -> Result<Stored, ApiError> {
        let (reply, answer) = oneshot::channel();
        self.lock_pending().push((work, reply));
        if let Ok(token) = self.writer.clone().try_lock_owned() {
            tokio::spawn(drain(ingest.clone(), token));
        }
        match answer.await {
            Ok(answer) => answer,
            // The writer went away without answering (it panicked): if the batch was committed,
            // the device's resend gets the stored acknowledgement.
            Err(_) => Err(ApiError::internal()),
        }
    }

    fn lock_pending(&self) -> std::sync::MutexGuard<'_, Vec<(Work, Reply)>> {
        // The list stays consistent even if a holder panicked: pushes and drains are whole.
        self.pending
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn take(&self) -> Vec<(Work, Reply)> {
        let mut pending = self.lock_pending();
        let n = pending.len().min(MAX_GROUP);
        pending.drain(..n).collect()
    }
}

/// Writes groups while batches are waiting. Holding `token` makes this the only writer of the
/// queue; a batch queued just as the writer stops is picked up (the writer looks again after
/// giving the token back, and `submit` tries to take it after queuing).
async fn drain(ingest: Ingest, mut token: Token) {
    let queue = &ingest.group;
    loop {
        let group = queue.take();
        if group.is_empty() {
            // Idle: the connection goes back to the pool (closing the pool waits for it).
            *token = None;
            drop(token);
            if queue.lock_pending().is_empty() {
                return;
            }
            match queue.writer.clone().try_lock_owned() {
                Ok(again) => token = again,
                Err(_) => return,
            }
            continue;
        }
        write_group(&ingest, &mut token, group).await;
    }
}

/// One transaction for the group on the writer's connection; each batch in a savepoint.
async fn write_group(ingest: &Ingest, token: &mut Token, group: Vec<(Work, Reply)>) {
    let mut answers: Vec<Result<Stored, ApiError>> = Vec::with_capacity(group.len());
    let committed = async {
        if token.is_none() {
            **token = Some(ingest.db.pool().acquire().await?);
        }
        let Some(conn) = token.as_mut() else {
            unreachable!("the writer's connection was just set")
        };
        let mut tx = conn.begin_with("BEGIN IMMEDIATE").await?;
        for (work, _) in &group {
            let mut savepoint = tx.begin().await?;
            match write(&mut savepoint, ingest, work).await {
                Ok(stored @ Stored::Acked { .. }) => {
                    savepoint.commit().await?;
                    answers.push(Ok(stored));
                }
                other => {
                    savepoint.rollback().await?;
                    answers.push(other);
                }
            }
        }
        tx.commit().await
    }
    .await;
    match committed {
        Ok(()) => {
            for ((_, reply), answer) in group.into_iter().zip(answers) {
                let _ = reply.send(answer);
            }
        }
        Err(e) => {
            tracing::error!(error = %e, batches = group.len(), "group write failed");
            // The next group starts on a fresh connection from the pool.
            **token = None;
            for (_, reply) in group {
                let _ = reply.send(Err(ApiError::internal()));
            }
        }
    }
}
