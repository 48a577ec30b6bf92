//! Activation and sync, through the sync engine (`crate::sync::client::SyncEngine`).

use super::*;

impl AgentApp {
    /// Activates this device with a one-time code from the branch office: the new device key
    /// (`signer`) signs the request (proof of possession); the server answers, signed, with the
    /// device's id, agent and branch and its own key, which is pinned from then on. With
    /// `fingerprint` (from the QR code), the server key must match it; without, the key is
    /// trusted on first use, which the URL policy allows only over https or to loopback.
    /// Retrying after a lost answer, with the same key, gets the same binding.
    ///
    /// Errors: `sync.url`, `input.parameter` (a mistyped code or fingerprint), `sync.server_key`,
    /// `sync.network`, the server's refusal (`code.invalid`, `code.used`, `code.expired`,
    /// `code.locked`, `agent.inactive`...), `app.too_old`.
    #[cfg(feature = "sync-client")]
    pub fn activate(
        &self,
        server_url: &str,
        code: &str,
        fingerprint: Option<&str>,
        signer: &dyn DeviceSigner,
    ) -> Result<crate::sync::Activated, CoreError> {
        let transport = self.http_transport()?;
        self.activate_with(&transport, server_url, code, fingerprint, signer)
    }

    /// Sends every queued record to the server (to `server_override` instead of the URL stored at
    /// activation, when given) and applies what comes back; see [`crate::sync`]. Blocks until
    /// done or until the retry budget is spent; call it off the main thread. `observer` hears
    /// about each batch, each rejected record and each wait.
    ///
    /// A rejected record never blocks the others: it becomes `rejected` with its codes. Errors
    /// that retrying cannot fix stop the sync: `device.revoked` (this device's data and sync
    /// keys were erased as the server's signed command said: the shell must now delete the
    /// device signing key), `device.unknown`, `sync.fork`, `sync.gap`, `app.too_old`,
    /// `sync.server_key`, `sync.refused`; `sync.network` means "try again later".
    ///
    /// A shell whose scheduler may stop the run (WorkManager, a background task's expiry) calls
    /// [`AgentApp::sync_cancellable`] instead.
    #[cfg(feature = "sync-client")]
    pub fn sync(
        &self,
        server_override: Option<&str>,
        signer: &dyn DeviceSigner,
        observer: Option<&dyn SyncObserver>,
    ) -> Result<SyncReport, CoreError> {
        let transport = self.http_transport()?;
        self.sync_with(&transport, server_override, signer, observer)
    }

    /// [`AgentApp::sync`], stopped early when `cancel` is cancelled from another thread: the
    /// sync then ends with `sync.cancelled` ("try again later", like `sync.network`) at its next
    /// check (between batches, before each attempt, at once during a retry wait, before
    /// downsync). What was acknowledged stays acknowledged; everything else stays queued, and a
    /// batch that went out without an answer is resent byte for byte by the next sync, which
    /// the server takes once. A request already on the wire runs to its answer or its timeout
    /// first (see [`crate::sync::cancel`]).
    #[cfg(feature = "sync-client")]
    pub fn sync_cancellable(
        &self,
        server_override: Option<&str>,
        signer: &dyn DeviceSigner,
        observer: Option<&dyn SyncObserver>,
        cancel: &SyncCancel,
    ) -> Result<SyncReport, CoreError> {
        let transport = self.http_transport()?;
        self.sync_with_cancel(&transport, server_override, signer, observer, cancel)
    }

    #[cfg(feature = "sync-client")]
    fn http_transport(&self) -> Result<crate::sync::transport::HttpTransport, CoreError> {
        crate::sync::transport::HttpTransport::new(
            self.sync_options.connect_timeout,
            self.sync_options.request_timeout,
        )
    }

    /// Activates this device with a one-time code over `transport` (see [`AgentApp::activate`]).
    pub fn activate_with(
        &self,
        transport: &dyn Transport,
        server_url: &str,
        code: &str,
        fingerprint: Option<&str>,
        signer: &dyn DeviceSigner,
    ) -> Result<Activated, CoreError> {
        SyncEngine::new(self).activate_with(transport, server_url, code, fingerprint, signer)
    }

    /// [`AgentApp::sync`] over `transport` (tests, the desktop shell's fault injection).
    pub fn sync_with(
        &self,
        transport: &dyn Transport,
        server_override: Option<&str>,
        signer: &dyn DeviceSigner,
        observer: Option<&dyn SyncObserver>,
    ) -> Result<SyncReport, CoreError> {
        SyncEngine::new(self).sync_with(transport, server_override, signer, observer)
    }

    /// [`AgentApp::sync_cancellable`] over `transport`.
    pub fn sync_with_cancel(
        &self,
        transport: &dyn Transport,
        server_override: Option<&str>,
        signer: &dyn DeviceSigner,
        observer: Option<&dyn SyncObserver>,
        cancel: &SyncCancel,
    ) -> Result<SyncReport, CoreError> {
        SyncEngine::new(self).sync_with_cancel(transport, server_override, signer, observer, cancel)
    }
}
