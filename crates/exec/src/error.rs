//! The crate's one error type. Every variant carries the command line as
//! run and the target it concerned; `Display` never repeats the wrapped
//! source error.

use std::io;
use std::time::Duration;

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why a run produced no [`crate::Output`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The program does not exist: the spawn failed with `ENOENT`, or the
    /// child exited with [`crate::NOT_FOUND_STATUS`] (a wrapper, `env` or
    /// qemu-user could not find it).
    #[error("`{command}` for {target}: program not found")]
    NotFound {
        /// The command line.
        command: String,
        /// What the run concerned.
        target: String,
    },

    /// The program exists but could not be started (not executable, too
    /// many processes, an argument with a NUL byte, …).
    #[error("cannot start `{command}` for {target}")]
    Spawn {
        /// The command line.
        command: String,
        /// What the run concerned.
        target: String,
        /// The operating system's error.
        #[source]
        source: io::Error,
    },

    /// The program did not finish in time; its process group was killed.
    #[error(
        "`{command}` for {target} did not finish within {}s and was killed{}",
        timeout.as_secs_f64(),
        if *reaped { "" } else { " (still stuck in the kernel, not reaped)" }
    )]
    Timeout {
        /// The command line.
        command: String,
        /// What the run concerned.
        target: String,
        /// The limit that expired.
        timeout: Duration,
        /// Whether the killed child was reaped. A process in uninterruptible
        /// sleep dies only when the kernel returns to it; waiting for that
        /// is bounded, so a stuck child is left for a later reaper.
        reaped: bool,
    },

    /// Serving the child's pipes or waiting for it failed.
    #[error("lost track of `{command}` for {target}")]
    Io {
        /// The command line.
        command: String,
        /// What the run concerned.
        target: String,
        /// The operating system's error.
        #[source]
        source: io::Error,
    },
}

impl Error {
    /// The command line, as run.
    pub fn command(&self) -> &str {
        match self {
            Error::NotFound { command, .. }
            | Error::Spawn { command, .. }
            | Error::Timeout { command, .. }
            | Error::Io { command, .. } => command,
        }
    }

    /// What the run concerned.
    pub fn target(&self) -> &str {
        match self {
            Error::NotFound { target, .. }
            | Error::Spawn { target, .. }
            | Error::Timeout { target, .. }
            | Error::Io { target, .. } => target,
        }
    }
}
