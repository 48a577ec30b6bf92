//! Upload: unacknowledged batches first, then new ones frozen and sent one at a time; recovery
//! after `seq.gap` and after a downsync that says the server lost batches (a restore).

use super::*;

impl<H: SyncHost + ?Sized> SyncEngine<'_, H> {
    /// Resends unacknowledged batches, then freezes and sends new ones until the queue is empty.
    pub(super) fn upload(
        &self,
        link: &mut Link<'_>,
        identity: &Identity,
        signer: &dyn DeviceSigner,
        observer: &dyn SyncObserver,
        report: &mut SyncReport,
    ) -> Result<(), CoreError> {
        let waiting: VecDeque<KeptBatch> = {
            let store = self.host.store();
            state::unacked_batches(&store.conn, &store.sealer, &identity.device_id)?.into()
        };
        self.send_all(link, identity, waiting, signer, observer, report)
    }

    /// After a downsync that says the server holds this device's chain up to `server_seq` only
    /// (a server restored from a backup), resends the kept batches after it, in order. Nothing to
    /// do when the server is as far as the device. A batch the device no longer keeps (past the
    /// retention period) is a [`CoreError::SyncGap`], as after a `seq.gap` answer.
    pub(super) fn catch_up(
        &self,
        link: &mut Link<'_>,
        identity: &Identity,
        server_seq: u64,
        signer: &dyn DeviceSigner,
        observer: &dyn SyncObserver,
        report: &mut SyncReport,
    ) -> Result<(), CoreError> {
        let kept = {
            let store = self.host.store();
            let sent_up_to = state::require_identity(&store.conn)?
                .next_seq
                .saturating_sub(1);
            if server_seq >= sent_up_to {
                return Ok(());
            }
            let from = server_seq + 1;
            let kept = state::batches_from(&store.conn, &store.sealer, &identity.device_id, from)?;
            if kept.first().map(|b| b.seq) != Some(from) {
                return Err(CoreError::SyncGap {
                    expected: from,
                    have: state::oldest_kept_seq(&store.conn)?.unwrap_or(sent_up_to),
                });
            }
            kept
        };
        self.send_all(link, identity, kept.into(), signer, observer, report)
    }

    /// Sends `waiting` in order, then freezes and sends new batches until the queue is empty;
    /// after a `seq.gap` answer, resends the kept batches from the server's expected one.
    fn send_all(
        &self,
        link: &mut Link<'_>,
        identity: &Identity,
        mut waiting: VecDeque<KeptBatch>,
        signer: &dyn DeviceSigner,
        observer: &dyn SyncObserver,
        report: &mut SyncReport,
    ) -> Result<(), CoreError> {
        let mut adapter = LinkAdapter::new(link.options.initial_batch);
        let mut resend_rounds = 0;
        loop {
            // Between batches: a cancelled sync freezes and sends nothing more.
            link.cancel.check()?;
            let batch = match waiting.pop_front() {
                Some(batch) => batch,
                None => {
                    let now = self.host.now();
                    let frozen = freeze_next(
                        &mut self.host.store(),
                        signer,
                        adapter.batch_records(),
                        &now,
                    )?;
                    match frozen {
                        Some(frozen) => frozen.batch,
                        None => return Ok(()),
                    }
                }
            };
            match self.send_batch(link, identity, &batch, &mut adapter, observer, report)? {
                Sent::Acked => {}
                Sent::ResendFrom(expected) => {
                    resend_rounds += 1;
                    if resend_rounds > MAX_RESEND_ROUNDS {
                        return Err(CoreError::SyncGap {
                            expected,
                            have: batch.seq,
                        });
                    }
                    let store = self.host.store();
                    let kept = state::batches_from(
                        &store.conn,
                        &store.sealer,
                        &identity.device_id,
                        expected,
                    )?;
                    if kept.first().map(|b| b.seq) != Some(expected) {
                        // The batch the server needs is gone (past the retention period).
                        return Err(CoreError::SyncGap {
                            expected,
                            have: state::oldest_kept_seq(&store.conn)?.unwrap_or(batch.seq),
                        });
                    }
                    waiting = kept.into();
                }
            }
        }
    }

    /// Sends one frozen batch until the server answers for it.
    fn send_batch(
        &self,
        link: &mut Link<'_>,
        identity: &Identity,
        batch: &KeptBatch,
        adapter: &mut LinkAdapter,
        observer: &dyn SyncObserver,
        report: &mut SyncReport,
    ) -> Result<Sent, CoreError> {
        observer.batch_sent(batch.seq, batch.record_count, batch.bytes.len() as u64);
        link.retrying(|link| {
            let response = match link.post(&Request {
                path: "/v1/batches",
                content_type: BATCH,
                headers: Vec::new(),
                body: &batch.bytes,
            }) {
                Ok(r) => r,
                Err(_) => {
                    adapter.on_failure();
                    return Ok(Step::Retry { after: None });
                }
            };
            // Read before the match: the store's lock must not be held while an answer applies.
            let trust = state::server_trust(&self.host.store().conn)?;
            match response.status {
                200 => match ack::open_ack(&response.body, &trust, &identity.device_id, batch) {
                    Ok((ack, trust_change)) => {
                        self.apply_verified_ack(
                            identity,
                            batch,
                            (&ack, &trust_change),
                            &response.body,
                            observer,
                            report,
                        )?;
                        adapter.on_success();
                        Ok(Step::Done(Sent::Acked))
                    }
                    Err(AckError::Undecodable) => {
                        adapter.on_failure();
                        Ok(Step::Retry { after: None })
                    }
                    Err(AckError::NotAuthentic(e)) => Err(e),
                },
                409 => {
                    let body = error_body(&response);
                    match body.as_ref().map(|b| b.error.code.as_str()) {
                        Some("seq.gap") => {
                            let expected = body.and_then(|b| b.error.expected_seq).ok_or(
                                CoreError::SyncRefused {
                                    code: "sync.refused",
                                },
                            )?;
                            if expected < batch.seq {
                                Ok(Step::Done(Sent::ResendFrom(expected)))
                            } else {
                                Err(CoreError::SyncGap {
                                    expected,
                                    have: batch.seq,
                                })
                            }
                        }
                        Some("seq.fork") => Err(CoreError::SyncFork),
                        _ => Err(refusal(&response)),
                    }
                }
                403 if error_code(&response) == "device.revoked" => {
                    Err(self.revoked(identity, &response))
                }
                s if temporary(s) => {
                    if s != 429 {
                        adapter.on_failure();
                    }
                    Ok(Step::Retry {
                        after: response.retry_after,
                    })
                }
                _ => Err(refusal(&response)),
            }
        })
    }

    /// Applies a verified acknowledgement: every record's outcome, the batch's `acked_at`, the
    /// server's next nonce and what the answer changed in the server keys trusted, in one
    /// transaction.
    fn apply_verified_ack(
        &self,
        identity: &Identity,
        batch: &KeptBatch,
        (verified, trust_change): (&crate::protocol::messages::Ack, &TrustChange),
        raw: &[u8],
        observer: &dyn SyncObserver,
        report: &mut SyncReport,
    ) -> Result<(), CoreError> {
        let now = self.host.now();
        let mut rejected: Vec<(String, Vec<String>)> = Vec::new();
        let (mut accepted_n, mut rejected_n) = (0u32, 0u32);
        {
            let mut store = self.host.store();
            let (tx, _) = store.write_tx()?;
            let records = state::batch_records(&tx, &batch_label(&identity.device_id, batch.seq))?;
            for (id, outcome) in ack::outcomes(verified, &records) {
                let tombstone = records
                    .iter()
                    .any(|(rid, st)| *rid == id && *st == RecordState::Withdrawn);
                apply_ack_in(&tx, &id, &outcome, &now)?;
                if tombstone {
                    continue;
                }
                report.sent += 1;
                match outcome {
                    AckOutcome::Accepted | AckOutcome::DuplicateKnown => {
                        report.accepted += 1;
                        accepted_n += 1;
                    }
                    AckOutcome::DuplicateRecord => {
                        report.duplicates += 1;
                        accepted_n += 1;
                    }
                    AckOutcome::Rejected { codes } => {
                        report.rejected += 1;
                        rejected_n += 1;
                        rejected.push((id, codes));
                    }
                }
            }
            state::mark_batch_acked(&tx, batch.seq, raw, now.timestamp())?;
            if !verified.nonce.is_empty() {
                state::set_nonce(&tx, &verified.nonce)?;
            }
            state::apply_trust_change(&tx, trust_change)?;
            tx.commit()?;
        }
        report.batches += 1;
        observer.batch_acked(batch.seq, accepted_n, rejected_n);
        for (id, codes) in &rejected {
            observer.record_rejected(id, codes);
        }
        Ok(())
    }
}

/// How a batch's sending ended.
enum Sent {
    Acked,
    /// The server was restored from a backup and needs the kept batches from this seq on.
    ResendFrom(u64),
}
