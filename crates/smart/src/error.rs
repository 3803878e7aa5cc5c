//! The crate's one error type. Every variant names the device (or file) it
//! concerns; `Display` never repeats the wrapped source error.

use std::io;
use std::path::PathBuf;
use std::time::Duration;

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong running smartctl or keeping its state.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The smartctl binary does not exist at the configured path (or on
    /// `PATH`). Install smartmontools or configure the path.
    #[error("smartctl not found at {} (install smartmontools, or pass its path)", smartctl.display())]
    SmartctlNotFound {
        /// The path or name that was tried.
        smartctl: PathBuf,
    },

    /// smartctl exists but could not be started (e.g. not executable).
    #[error("cannot start {} for {device}", smartctl.display())]
    Spawn {
        /// The smartctl binary.
        smartctl: PathBuf,
        /// The device it was meant to check.
        device: String,
        /// The operating system's error.
        #[source]
        source: io::Error,
    },

    /// smartctl could not open the device: permission denied (EACCES).
    /// Checking disks needs root, or CAP_SYS_RAWIO with read access to the
    /// device node.
    #[error(
        "permission denied opening {device}: run as root (smartctl needs raw access to the disk)"
    )]
    PermissionDenied {
        /// The device.
        device: String,
    },

    /// smartctl did not finish within the timeout and was killed.
    #[error("smartctl on {device} did not finish within {}s and was killed", timeout.as_secs_f64())]
    Timeout {
        /// The device.
        device: String,
        /// The limit that expired.
        timeout: Duration,
    },

    /// Waiting for smartctl or reading its output failed.
    #[error("cannot collect smartctl's output for {device}")]
    Collect {
        /// The device.
        device: String,
        /// The operating system's error.
        #[source]
        source: io::Error,
    },

    /// smartctl's output could not be parsed.
    #[error("smartctl output for {device} is unusable (exit code {exit_code}, stderr: {stderr:?})", exit_code = exit_code.map_or_else(|| "none: killed by a signal".to_owned(), |c| c.to_string()))]
    Output {
        /// The device.
        device: String,
        /// smartctl's exit code.
        exit_code: Option<i32>,
        /// The first line of smartctl's stderr, if any.
        stderr: String,
        /// The parse error (boxed: it is large and rare).
        #[source]
        source: Box<smartctl_parser::Error>,
    },

    /// The state file could not be read or written.
    #[error("cannot {op} state file {}", path.display())]
    StateFile {
        /// "read" or "write".
        op: &'static str,
        /// The state file.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: io::Error,
    },

    /// The state file exists but does not hold a state this crate wrote.
    #[error("state file {} is malformed: {reason}", path.display())]
    StateFileMalformed {
        /// The state file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
}

impl Error {
    /// The device this error concerns, when it concerns one.
    pub fn device(&self) -> Option<&str> {
        match self {
            Error::Spawn { device, .. }
            | Error::PermissionDenied { device }
            | Error::Timeout { device, .. }
            | Error::Collect { device, .. }
            | Error::Output { device, .. } => Some(device),
            Error::SmartctlNotFound { .. }
            | Error::StateFile { .. }
            | Error::StateFileMalformed { .. } => None,
        }
    }
}
