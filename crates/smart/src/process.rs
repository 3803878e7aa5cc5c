//! Running smartctl once, through `helios64-exec`: an explicit environment
//! (the caller's `PATH`, so `smartctl` is found where the caller would find
//! it, and `LC_ALL=C`), stdin closed, its own process group killed with
//! anything it started when the timeout expires, output bounded.

use std::path::Path;
use std::time::Duration;

use helios64_exec::{Command, Output};

use crate::error::{Error, Result};

/// smartctl's JSON for one device is tens of kilobytes (`-x` of a disk with
/// long logs a few hundred); more is not smartctl output worth parsing.
const STDOUT_LIMIT: usize = 16 << 20;

/// Runs `smartctl ARGS`; `device` labels errors.
pub(crate) fn run(
    smartctl: &Path,
    args: &[String],
    device: &str,
    timeout: Duration,
) -> Result<Output> {
    let command = Command::new(smartctl, device)
        .args(args)
        .env_from_parent("PATH")
        // Messages are matched as text ("Permission denied", "Device is in
        // STANDBY mode"): keep them untranslated.
        .env("LC_ALL", "C")
        .timeout(timeout)
        .stdout_limit(STDOUT_LIMIT);
    tracing::debug!(command = %command.command_line(), "running smartctl");
    command.run().map_err(|error| match error {
        helios64_exec::Error::NotFound { .. } => {
            Error::SmartctlNotFound { smartctl: smartctl.to_owned() }
        }
        helios64_exec::Error::Spawn { source, .. } => {
            Error::Spawn { smartctl: smartctl.to_owned(), device: device.to_owned(), source }
        }
        helios64_exec::Error::Timeout { .. } => {
            Error::Timeout { device: device.to_owned(), timeout }
        }
        helios64_exec::Error::Io { source, .. } => {
            Error::Collect { device: device.to_owned(), source }
        }
        other => Error::Collect { device: device.to_owned(), source: std::io::Error::other(other) },
    })
}
