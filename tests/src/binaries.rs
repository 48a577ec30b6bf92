//! The workspace's binaries that the tests drive: `perisai-server` and the `perisai` shell.
//!
//! Cargo does not hand one package's tests the binaries of another, so [`WorkspaceBinary::path`]
//! builds the binary once per test process (`cargo build -p PACKAGE --bin NAME`, same profile
//! and target folder as the test itself; a no-op when it is up to date) and returns where it
//! landed. Set `PERISAI_SERVER_BIN` / `PERISAI_CLI_BIN` to use a prebuilt binary instead, or
//! `PERISAI_E2E_NO_BUILD=1` to only look in the target folder.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, OnceLock};

/// A binary of another package of this workspace.
#[derive(Clone, Copy, Debug)]
pub struct WorkspaceBinary {
    pub package: &'static str,
    pub name: &'static str,
    /// Environment variable naming a prebuilt binary to use instead.
    pub env_override: &'static str,
}

/// The sync server.
pub const SERVER: WorkspaceBinary = WorkspaceBinary {
    package: "perisai-server",
    name: "perisai-server",
    env_override: "PERISAI_SERVER_BIN",
};

/// The desktop shell (a device, for the tests).
pub const CLI: WorkspaceBinary = WorkspaceBinary {
    package: "perisai-cli",
    name: "perisai",
    env_override: "PERISAI_CLI_BIN",
};

impl WorkspaceBinary {
    /// The binary's path, built first (once per test process) unless told otherwise.
    pub fn path(&self) -> Result<PathBuf, String> {
        static BUILT: OnceLock<Mutex<HashMap<&'static str, Result<PathBuf, String>>>> =
            OnceLock::new();
        if let Some(path) = std::env::var_os(self.env_override) {
            let path = PathBuf::from(path);
            return if path.is_file() {
                Ok(path)
            } else {
                Err(format!(
                    "{} names {}, which is not a file",
                    self.env_override,
                    path.display()
                ))
            };
        }
        let built = BUILT.get_or_init(|| Mutex::new(HashMap::new()));
        // Holding the lock while building makes concurrent tests wait for one build.
        let mut built = built.lock().unwrap_or_else(|p| p.into_inner());
        built
            .entry(self.name)
            .or_insert_with(|| self.build_and_locate())
            .clone()
    }

    fn build_and_locate(&self) -> Result<PathBuf, String> {
        let profile_dir = profile_dir()?;
        let path = profile_dir.join(format!("{}{}", self.name, std::env::consts::EXE_SUFFIX));
        let no_build = std::env::var("PERISAI_E2E_NO_BUILD").is_ok_and(|v| v == "1");
        if !no_build {
            self.build(&profile_dir)?;
        }
        if path.is_file() {
            Ok(path)
        } else {
            Err(format!(
                "{} not found at {}: build it first with `cargo build -p {}`",
                self.name,
                path.display(),
                self.package
            ))
        }
    }

    fn build(&self, profile_dir: &Path) -> Result<(), String> {
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("../Cargo.toml");
        let profile = match profile_dir.file_name().and_then(|n| n.to_str()) {
            Some("debug") | None => "dev".to_string(),
            Some(other) => other.to_string(),
        };
        let mut command = Command::new(cargo);
        // Cargo gives this test process variables about the test's own package
        // (`CARGO_PKG_NAME`, `CARGO_MANIFEST_DIR`, …). Some build scripts (ring's) track those
        // very names, so a build that sees them would rebuild half the workspace, and the next
        // plain `cargo build` again. The build runs with the environment a person's shell has.
        for (name, _) in std::env::vars_os() {
            if set_by_cargo_for_tests(&name.to_string_lossy()) {
                command.env_remove(&name);
            }
        }
        command
            .arg("build")
            .arg("--manifest-path")
            .arg(&manifest)
            .args([
                "-p",
                self.package,
                "--bin",
                self.name,
                "--profile",
                &profile,
            ]);
        if let Some(target_dir) = profile_dir.parent() {
            command.arg("--target-dir").arg(target_dir);
        }
        let output = command
            .output()
            .map_err(|e| format!("cannot run cargo to build {}: {e}", self.name))?;
        if output.status.success() {
            Ok(())
        } else {
            let stderr = String::from_utf8_lossy(&output.stderr);
            let tail: Vec<&str> = stderr.lines().rev().take(30).collect();
            Err(format!(
                "`cargo build -p {}` failed:\n{}",
                self.package,
                tail.into_iter().rev().collect::<Vec<_>>().join("\n")
            ))
        }
    }
}

/// Whether cargo sets this variable for the test run (rather than the person or CI).
fn set_by_cargo_for_tests(name: &str) -> bool {
    const PREFIXES: [&str; 6] = [
        "CARGO_PKG_",
        "CARGO_MANIFEST_",
        "CARGO_CRATE_",
        "CARGO_BIN_",
        "CARGO_CFG_",
        "CARGO_PRIMARY_PACKAGE",
    ];
    const NAMES: [&str; 4] = [
        "CARGO",
        "CARGO_TARGET_TMPDIR",
        "CARGO_RUSTC_CURRENT_DIR",
        "OUT_DIR",
    ];
    PREFIXES.iter().any(|p| name.starts_with(p)) || NAMES.contains(&name)
}

/// `target/<profile>`: where this test binary was built (it lives in `target/<profile>/deps`).
fn profile_dir() -> Result<PathBuf, String> {
    let exe = std::env::current_exe().map_err(|e| format!("no current executable: {e}"))?;
    let mut dir = exe
        .parent()
        .ok_or("the test executable has no folder")?
        .to_path_buf();
    if dir.file_name().is_some_and(|n| n == "deps") {
        dir.pop();
    }
    Ok(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_build_keeps_the_persons_settings_and_drops_the_tests_package_variables() {
        for dropped in [
            "CARGO_PKG_NAME",
            "CARGO_MANIFEST_DIR",
            "CARGO",
            "CARGO_TARGET_TMPDIR",
        ] {
            assert!(set_by_cargo_for_tests(dropped), "{dropped}");
        }
        for kept in [
            "CARGO_HOME",
            "CARGO_TARGET_DIR",
            "CARGO_BUILD_JOBS",
            "PATH",
            "RUSTFLAGS",
        ] {
            assert!(!set_by_cargo_for_tests(kept), "{kept}");
        }
    }
}
