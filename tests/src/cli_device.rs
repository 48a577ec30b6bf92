//! A device as an agent's phone would be, driven through the `perisai` desktop shell: its own
//! data folder (sealed store, data key, signing key), and the commands of ARCHITECTURE.md §7
//! (`enroll`, `activate`, `sync`, `queue`, `list`). Each command is a real process whose one
//! JSON document on stdout is parsed; the real sync client does the talking.
//!
//! ```no_run
//! # async fn demo(dir: &std::path::Path, url: &str, code: &str, fp: &str) -> Result<(), perisai_e2e::E2eError> {
//! use perisai_e2e::cli_device::CliDevice;
//! let device = CliDevice::new(dir.join("device-0"))?;
//! device.enroll(&perisai_sim::people::form(0, 0)).await?;
//! device.activate(url, code, Some(fp)).await?.success()?;
//! device.sync(url).await?;
//! let states = device.queue().await?; // {"accepted": 1, "queued": 0, ...}
//! # let _ = states; Ok(()) }
//! ```
//!
//! The processes get no `PERISAI_*` variable from the test's environment and no HTTP proxy
//! setting, so their traffic stays on loopback.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;
use tokio::io::AsyncWriteExt;
use tokio::process::Command;
use tokio::time::timeout;

use crate::binaries;
use crate::error::E2eError;

/// How long one `perisai` command may take (a sync over a hostile link retries inside).
pub const COMMAND_TIMEOUT: Duration = Duration::from_secs(180);

/// What one `perisai` command did.
#[derive(Clone, Debug)]
pub struct CliRun {
    /// `perisai ARGS`, for messages.
    pub command: String,
    pub exit_code: Option<i32>,
    /// The JSON document on stdout (`Null` when stdout was not JSON).
    pub json: Value,
    pub stderr: String,
}

impl CliRun {
    /// The document, when the command exited 0; else an error with its code and stderr.
    pub fn success(self) -> Result<Value, E2eError> {
        if self.exit_code == Some(0) {
            Ok(self.json)
        } else {
            Err(E2eError::new(format!(
                "{} exited {:?}: {} {}",
                self.command,
                self.exit_code,
                self.json,
                self.stderr.trim()
            )))
        }
    }

    /// The stable error code of a refusal (`{"error": {"code": …}}`).
    pub fn error_code(&self) -> Option<&str> {
        self.json["error"]["code"].as_str()
    }
}

/// One device: a data folder used by the `perisai` binary.
#[derive(Clone, Debug)]
pub struct CliDevice {
    binary: PathBuf,
    data_dir: PathBuf,
}

impl CliDevice {
    /// A device whose data lives in `data_dir` (created by the shell on first use). Builds the
    /// `perisai` binary first if needed (blocking: call it before the timed part of a test).
    pub fn new(data_dir: impl Into<PathBuf>) -> Result<CliDevice, E2eError> {
        Ok(CliDevice {
            binary: binaries::CLI.path()?,
            data_dir: data_dir.into(),
        })
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// Runs `perisai --data-dir DIR ARGS…`, with `stdin` fed to it.
    pub async fn run(&self, args: &[&str], stdin: Option<&[u8]>) -> Result<CliRun, E2eError> {
        self.run_or_kill(args, stdin, None)
            .await
            .map(|run| run.expect("a command without a kill deadline always ends on its own"))
    }

    /// `perisai sync --server URL`, killed with SIGKILL (a phone's battery pulled, the app
    /// killed by the system) if it has not ended `after` this long: `None` when it was killed.
    pub async fn sync_killed_after(
        &self,
        server: &str,
        after: Duration,
    ) -> Result<Option<CliRun>, E2eError> {
        self.run_or_kill(&["sync", "--server", server], None, Some(after))
            .await
    }

    async fn run_or_kill(
        &self,
        args: &[&str],
        stdin: Option<&[u8]>,
        kill_after: Option<Duration>,
    ) -> Result<Option<CliRun>, E2eError> {
        let mut command = Command::new(&self.binary);
        for (name, _) in std::env::vars_os() {
            let name_text = name.to_string_lossy().to_ascii_lowercase();
            if name_text.starts_with("perisai_") || name_text.ends_with("_proxy") {
                command.env_remove(&name);
            }
        }
        command
            .env("NO_PROXY", "127.0.0.1,localhost,::1")
            .arg("--data-dir")
            .arg(&self.data_dir)
            .args(args)
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let described = format!("perisai {}", args.join(" "));
        let mut child = command
            .spawn()
            .map_err(|e| E2eError::new(format!("cannot start {described}: {e}")))?;
        if let (Some(bytes), Some(mut pipe)) = (stdin, child.stdin.take()) {
            pipe.write_all(bytes).await?;
            drop(pipe);
        }
        if let Some(after) = kill_after {
            if timeout(after, child.wait()).await.is_err() {
                child.start_kill()?;
                child.wait().await?;
                return Ok(None);
            }
        }
        let output = timeout(COMMAND_TIMEOUT, child.wait_with_output())
            .await
            .map_err(|_| {
                E2eError::new(format!("{described} took longer than {COMMAND_TIMEOUT:?}"))
            })??;
        Ok(Some(CliRun {
            command: described,
            exit_code: output.status.code(),
            json: serde_json::from_slice(&output.stdout).unwrap_or(Value::Null),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }))
    }

    /// `perisai enroll -` with `form`; the new record's `{"id", "receipt_no", "status", …}`.
    pub async fn enroll(&self, form: &Value) -> Result<Value, E2eError> {
        let bytes = serde_json::to_vec(form)
            .map_err(|e| E2eError::new(format!("form not serializable: {e}")))?;
        self.run(&["enroll", "-"], Some(&bytes)).await?.success()
    }

    /// `perisai activate --server URL --code CODE [--fingerprint F]` (exit code not checked:
    /// a cut may fail it, and the caller decides whether to try again).
    pub async fn activate(
        &self,
        server: &str,
        code: &str,
        fingerprint: Option<&str>,
    ) -> Result<CliRun, E2eError> {
        let mut args = vec!["activate", "--server", server, "--code", code];
        if let Some(fingerprint) = fingerprint {
            args.extend(["--fingerprint", fingerprint]);
        }
        self.run(&args, None).await
    }

    /// `perisai sync --server URL` (exit code not checked: see [`CliDevice::activate`]).
    pub async fn sync(&self, server: &str) -> Result<CliRun, E2eError> {
        self.run(&["sync", "--server", server], None).await
    }

    /// `perisai queue`: how many records are in each state.
    pub async fn queue(&self) -> Result<BTreeMap<String, u64>, E2eError> {
        let json = self.run(&["queue"], None).await?.success()?;
        serde_json::from_value(json.clone())
            .map_err(|e| E2eError::new(format!("perisai queue printed {json}: {e}")))
    }

    /// `perisai status`: the device's link to the server (`server_key_fingerprint`,
    /// `server_key_next_fingerprint`, `unacked_batches`, ...).
    pub async fn status(&self) -> Result<Value, E2eError> {
        self.run(&["status"], None).await?.success()
    }

    /// `perisai list [--state S]`: the records on the device.
    pub async fn list(&self, state: Option<&str>) -> Result<Vec<Value>, E2eError> {
        let mut args = vec!["list"];
        if let Some(state) = state {
            args.extend(["--state", state]);
        }
        match self.run(&args, None).await?.success()? {
            Value::Array(items) => Ok(items),
            other => Err(E2eError::new(format!(
                "perisai list printed no array: {other}"
            ))),
        }
    }
}
