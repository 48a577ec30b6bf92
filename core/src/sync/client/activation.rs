//! Activation: a one-time code and the new device key's proof, the server's signed answer
//! checked against the fingerprint, the identity stored.

use super::*;

impl<H: SyncHost + ?Sized> SyncEngine<'_, H> {
    /// Activates this device with a one-time code over `transport` (see
    /// [`AgentApp::activate`](crate::AgentApp::activate)).
    pub fn activate_with(
        &self,
        transport: &dyn Transport,
        server_url: &str,
        code: &str,
        fingerprint: Option<&str>,
        signer: &dyn DeviceSigner,
    ) -> Result<Activated, CoreError> {
        let _one_sync = self.host.sync_guard();
        let url = ServerUrl::parse(server_url)?;
        if let Some(typed) = fingerprint {
            let hex_digits = typed.chars().filter(char::is_ascii_hexdigit).count();
            if hex_digits < 16 {
                return Err(CoreError::InvalidParameter {
                    field: "fingerprint".into(),
                    code: "fingerprint.format".into(),
                });
            }
        } else if !(url.is_https() || url.is_loopback()) {
            // Trust on first use only where the link itself is protected (or local).
            return Err(CoreError::SyncUrl("no fingerprint and no TLS"));
        }
        let code = activation_code::normalize(code).map_err(|e| CoreError::InvalidParameter {
            field: "code".into(),
            code: e.code().into(),
        })?;
        {
            let store = self.host.store();
            if state::identity(&store.conn)?.is_some() && state::count_unacked(&store.conn)? > 0 {
                return Err(CoreError::SyncRefused {
                    code: "device.unsent_batches",
                });
            }
        }
        let public_key = signer.public_key()?;
        let request = ActivationRequest::signed(&code, signer, env!("CARGO_PKG_VERSION"))?;
        let body = serde_json::to_vec(&request)
            .map_err(|_| CoreError::Store("cannot encode the activation".into()))?;
        let options = self.host.sync_options().clone();
        // An activation is short and the agent waits for it on screen: it is not cancellable.
        let never = SyncCancel::new();
        let mut link = Link::new(transport, url.clone(), &options, &NoObserver, &never);
        let response = link.retrying(|link| {
            let response = match link.post(&Request {
                path: "/v1/activate",
                content_type: JSON,
                headers: Vec::new(),
                body: &body,
            }) {
                Ok(r) => r,
                Err(_) => return Ok(Step::Retry { after: None }),
            };
            match response.status {
                200 => Ok(Step::Done(response)),
                s if temporary(s) => Ok(Step::Retry {
                    after: response.retry_after,
                }),
                _ => Err(refusal(&response)),
            }
        })?;
        let (answer, server_key) = open_activation(&response.body, fingerprint)?;
        let now = self.host.now();
        let identity = Identity {
            device_id: answer.device_id.clone(),
            agent_id: answer.agent_id.clone(),
            branch: answer.branch.clone(),
            server_url: url.as_str().to_string(),
            server_key,
            device_key: public_key,
            activated_at: rfc3339(&now),
            next_seq: 1,
            prev_hash: genesis_hash(&answer.device_id),
            nonce: Some(answer.nonce.clone()).filter(|n| !n.is_empty()),
            cursor: answer.cursor.clone(),
            last_sync_at: None,
            suspended: false,
        };
        let mut store = self.host.store();
        let book = self.host.rule_book();
        let (tx, sealer) = store.write_tx()?;
        // A device activated again starts a new chain: batches of the old one were all
        // acknowledged (checked above), tags belong to the old binding.
        tx.execute_batch("DELETE FROM sync_batches; DELETE FROM sync_nik_tags;")?;
        state::save_identity(&tx, &identity)?;
        downsync::apply_tags(&tx, sealer, &answer.nik_tags)?;
        let rules = downsync::apply_rule_sets(&tx, &book, &answer.rule_sets, &now)?;
        tx.commit()?;
        drop(store);
        if let Some(rules) = rules {
            self.host.set_rule_book(rules);
        }
        Ok(Activated {
            device_id: answer.device_id,
            agent_id: answer.agent_id,
            branch: answer.branch,
        })
    }
}

/// Verifies an activation answer: the server key it carries must match the fingerprint when one
/// was given (else it is trusted on first use: the caller checked the link is TLS or loopback),
/// and the answer must be signed by that key.
fn open_activation(
    body: &[u8],
    fingerprint: Option<&str>,
) -> Result<(ActivationResponse, Vec<u8>), CoreError> {
    let not_authentic = CoreError::SyncServerKey;
    let envelope: SignedEnvelope = serde_json::from_slice(body)
        .map_err(|_| CoreError::SyncNetwork("activation answer undecodable".into()))?;
    let claimed: ActivationResponse = envelope
        .unverified_payload()
        .map_err(|_| not_authentic("activation answer undecodable"))?;
    let server_key = B64
        .decode(&claimed.server_key)
        .map_err(|_| not_authentic("server key undecodable"))?;
    if server_key.len() != PUBLIC_KEY_LEN {
        return Err(not_authentic("server key has the wrong length"));
    }
    if let Some(typed) = fingerprint {
        if !fingerprint_matches(typed, &server_key) {
            return Err(not_authentic("server key does not match the fingerprint"));
        }
    }
    let answer: ActivationResponse = envelope
        .open(LABEL_ACTIVATE, &server_key)
        .map_err(|_| not_authentic("activation answer signature does not verify"))?;
    Ok((answer, server_key))
}
