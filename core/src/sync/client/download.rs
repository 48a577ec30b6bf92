//! Downsync: signed pages since the cursor (decisions, tags, rule sets, commands, payments,
//! statements), each verified against the trusted server keys and applied with its cursor.

use super::*;

impl<H: SyncHost + ?Sized> SyncEngine<'_, H> {
    /// Downsync: pages since the cursor, each verified and applied with its cursor.
    pub(super) fn download(
        &self,
        link: &mut Link<'_>,
        identity: &Identity,
        signer: &dyn DeviceSigner,
    ) -> Result<Option<u64>, CoreError> {
        let mut server_seq = None;
        for _ in 0..MAX_DOWNSYNC_PAGES {
            link.cancel.check()?;
            let (more, chain_seq) = self.download_page(link, identity, signer)?;
            server_seq = chain_seq;
            if !more {
                break;
            }
        }
        Ok(server_seq)
    }

    /// One downsync page; returns whether the server has more, and how far the server's copy
    /// of this device's chain goes (`chain_seq`, when the server says).
    fn download_page(
        &self,
        link: &mut Link<'_>,
        identity: &Identity,
        signer: &dyn DeviceSigner,
    ) -> Result<(bool, Option<u64>), CoreError> {
        let cursor = state::require_identity(&self.host.store().conn)?.cursor;
        // Cash the agent recorded goes up in the signed request; it is marked sent with the
        // verified answer's page (downsync::apply_page).
        let cash = {
            let store = self.host.store();
            incentive_store::unsent_cash(&store.conn, &store.sealer, CASH_PER_REQUEST)?
        };
        let cash_sent: Vec<String> = cash.iter().map(|c| c.id.clone()).collect();
        let body = serde_json::to_vec(&DownsyncRequest { cursor, cash })
            .map_err(|_| CoreError::Store("cannot encode the request".into()))?;
        let verified = link.retrying(|link| {
            let stored = state::require_identity(&self.host.store().conn)?.nonce;
            let nonce = match stored {
                Some(n) => n,
                None => match self.fetch_nonce(link, identity)? {
                    Step::Done(n) => n,
                    Step::Retry { after } => return Ok(Step::Retry { after }),
                },
            };
            // A nonce is single-use: whatever happens to this request, it is spent.
            state::set_nonce_used(&self.host.store().conn)?;
            let message = request_message("POST", "/v1/downsync", &body, &nonce);
            let signature = signer::sign_in_context(signer, LABEL_REQUEST, &message)?;
            let response = match link.post(&Request {
                path: "/v1/downsync",
                content_type: JSON,
                headers: vec![
                    (HEADER_DEVICE, identity.device_id.clone()),
                    (HEADER_NONCE, nonce.clone()),
                    (HEADER_SIGNATURE, B64.encode(signature)),
                ],
                body: &body,
            }) {
                Ok(r) => r,
                Err(_) => return Ok(Step::Retry { after: None }),
            };
            match response.status {
                200 => {
                    let envelope: SignedEnvelope = match serde_json::from_slice(&response.body) {
                        Ok(e) => e,
                        Err(_) => return Ok(Step::Retry { after: None }),
                    };
                    let trust = state::server_trust(&self.host.store().conn)?;
                    match trust.open(&envelope, LABEL_DOWNSYNC) {
                        Ok(opened) => Ok(Step::Done((opened, nonce))),
                        Err(TrustError::Malformed) => Ok(Step::Retry { after: None }),
                        Err(TrustError::Signature) => Err(CoreError::SyncServerKey(
                            "downsync signature does not verify",
                        )),
                        Err(TrustError::UnknownKey) => Err(CoreError::SyncServerKey(
                            "downsync signed by a server key this device does not trust",
                        )),
                    }
                }
                401 if error_code(&response) == "request.nonce" => {
                    // The nonce was used or expired (a lost answer, another instance, a
                    // duplicate of this request delivered first): get a fresh one and try
                    // again, within the retry budget like any other retry.
                    Ok(Step::Retry { after: Some(0) })
                }
                403 if error_code(&response) == "device.revoked" => {
                    Err(self.revoked(identity, &response))
                }
                s if temporary(s) => Ok(Step::Retry {
                    after: response.retry_after,
                }),
                _ => Err(refusal(&response)),
            }
        })?;
        let (opened, request_nonce) = verified;
        let verified = opened.payload;
        let page: DownsyncResponse =
            serde_json::from_slice(&verified).map_err(|_| CoreError::SyncRefused {
                code: "sync.refused",
            })?;
        // Signed by the server, but for this request? A page recorded earlier, or another
        // device's, is refused before anything of it is applied.
        if page.device_id != identity.device_id || page.request_nonce != request_nonce {
            return Err(CoreError::SyncServerKey(
                "downsync answer is not bound to this request",
            ));
        }
        let extras: Extras = serde_json::from_slice(&verified).unwrap_or_default();
        let now = self.host.now();
        let book = self.host.rule_book();
        let mut store = self.host.store();
        let (tx, sealer) = store.write_tx()?;
        let applied = downsync::apply_page(
            &tx,
            sealer,
            identity,
            &book,
            &Page {
                decisions: &page.decisions,
                tags: &page.nik_tag_deltas,
                rule_sets: &page.rule_sets,
                commands: &page.commands,
                extras: &extras,
                cash_sent: &cash_sent,
            },
            &now,
        )?;
        if applied.wipe {
            drop(tx);
            drop(store);
            self.wipe()?;
            return Err(CoreError::DeviceRevoked);
        }
        state::set_cursor(&tx, &page.cursor)?;
        if !page.nonce.is_empty() {
            state::set_nonce(&tx, &page.nonce)?;
        }
        state::apply_trust_change(&tx, &opened.change)?;
        tx.commit()?;
        drop(store);
        if let Some(rules) = applied.rules {
            self.host.set_rule_book(rules);
        }
        Ok((page.more, page.chain_seq))
    }

    /// `POST /v1/nonce`: a fresh nonce for this device, signed by the server.
    fn fetch_nonce(
        &self,
        link: &mut Link<'_>,
        identity: &Identity,
    ) -> Result<Step<String>, CoreError> {
        let response = match link.post(&Request {
            path: "/v1/nonce",
            content_type: JSON,
            headers: vec![(HEADER_DEVICE, identity.device_id.clone())],
            body: b"",
        }) {
            Ok(r) => r,
            Err(_) => return Ok(Step::Retry { after: None }),
        };
        match response.status {
            200 => {
                let Ok(envelope) = serde_json::from_slice::<SignedEnvelope>(&response.body) else {
                    return Ok(Step::Retry { after: None });
                };
                let trust = state::server_trust(&self.host.store().conn)?;
                let opened = match trust.open(&envelope, LABEL_DOWNSYNC) {
                    Ok(opened) => opened,
                    Err(TrustError::Malformed) => return Ok(Step::Retry { after: None }),
                    Err(TrustError::Signature) => {
                        return Err(CoreError::SyncServerKey("nonce signature does not verify"))
                    }
                    Err(TrustError::UnknownKey) => {
                        return Err(CoreError::SyncServerKey(
                            "nonce signed by a server key this device does not trust",
                        ))
                    }
                };
                let answer: NonceResponse = serde_json::from_slice(&opened.payload)
                    .map_err(|_| CoreError::SyncServerKey("nonce answer undecodable"))?;
                if answer.device_id != identity.device_id {
                    return Err(CoreError::SyncServerKey("nonce is for another device"));
                }
                state::apply_trust_change(&self.host.store().conn, &opened.change)?;
                Ok(Step::Done(answer.nonce))
            }
            403 if error_code(&response) == "device.revoked" => {
                Err(self.revoked(identity, &response))
            }
            s if temporary(s) => Ok(Step::Retry {
                after: response.retry_after,
            }),
            _ => Err(refusal(&response)),
        }
    }
}
