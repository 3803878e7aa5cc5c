//! The crate's one error type.
//!
//! Every variant names what it concerns: the config file with line, column
//! and dotted key; the file or directory with the operation; the system call
//! with its file descriptor. `Display` never repeats the wrapped source
//! error; [`Error::one_line`] joins the whole chain for a log line or a
//! startup message.

use std::fmt;
use std::io;
use std::os::fd::RawFd;
use std::path::PathBuf;

use crate::cli::Exit;
use crate::config::ConfigError;

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What the runtime was doing with a file or directory when it failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum IoOp {
    /// Reading a config file.
    ReadConfig,
    /// Listing a config drop-in directory.
    ListConfigDir,
    /// Reading a state file.
    ReadState,
    /// Writing (temp file, fsync, rename) a state file.
    WriteState,
    /// Creating the state directory.
    CreateStateDir,
    /// Writing to standard output (`--check-config`).
    WriteStdout,
}

impl fmt::Display for IoOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            IoOp::ReadConfig => "cannot read config file",
            IoOp::ListConfigDir => "cannot list config drop-in directory",
            IoOp::ReadState => "cannot read state file",
            IoOp::WriteState => "cannot write state file",
            IoOp::CreateStateDir => "cannot create state directory",
            IoOp::WriteStdout => "cannot write to",
        })
    }
}

/// Everything that can go wrong in the runtime.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A configuration problem: TOML syntax, an unknown key, a wrong type,
    /// or a daemon's semantic check. Boxed: it is large and rare, and
    /// keeping it out of line keeps every `Result` of this crate small.
    #[error("{0}")]
    Config(Box<ConfigError>),

    /// A file or directory could not be read, listed or written.
    #[error("{op} {}", path.display())]
    Io {
        /// What was being done.
        op: IoOp,
        /// The file or directory.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: io::Error,
    },

    /// A system call of the loop failed (signalfd, timerfd, poll, sigmask).
    #[error("{call} failed{}", fd_suffix(*fd))]
    Syscall {
        /// The call, e.g. `timerfd_settime`.
        call: &'static str,
        /// The file descriptor it was made on, when there is one.
        fd: Option<RawFd>,
        /// The operating system's error.
        #[source]
        source: io::Error,
    },

    /// A state file exists but cannot be used: not JSON, not our envelope,
    /// or another schema version than the reader understands.
    #[error("malformed state file {}: {reason}", path.display())]
    MalformedState {
        /// The state file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },

    /// An environment variable the runtime reads (from systemd or the
    /// user) holds something it cannot interpret.
    #[error("malformed environment variable {name}={value:?}: expected {expected}")]
    Env {
        /// The variable, e.g. `WATCHDOG_USEC`.
        name: &'static str,
        /// Its value.
        value: String,
        /// What a well-formed value looks like.
        expected: &'static str,
    },

    /// The command line or a log filter is not usable.
    #[error("{0}")]
    Usage(String),

    /// The logging subscriber could not be installed.
    #[error("cannot set up logging: {0}")]
    Logging(String),

    /// A daemon callback panicked; the loop caught it, ran the stop hook
    /// and stopped.
    #[error("daemon {during} panicked: {message}")]
    Panicked {
        /// Which callback.
        during: &'static str,
        /// The panic's message.
        message: String,
    },

    /// The daemon's own code failed fatally (its constructor, a tick, an
    /// fd handler); the loop stopped.
    #[error("daemon {during} failed")]
    Daemon {
        /// Which callback: "start", "tick", "fd handler".
        during: &'static str,
        /// The daemon's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

fn fd_suffix(fd: Option<RawFd>) -> String {
    fd.map(|fd| format!(" on fd {fd}")).unwrap_or_default()
}

impl From<ConfigError> for Error {
    fn from(e: ConfigError) -> Self {
        Error::Config(Box::new(e))
    }
}

impl Error {
    /// A failed system call with its fd, from `nix`'s errno.
    pub(crate) fn syscall(call: &'static str, fd: Option<RawFd>, errno: nix::errno::Errno) -> Self {
        Error::Syscall { call, fd, source: io::Error::from(errno) }
    }

    /// The config error, when this is one.
    pub fn as_config(&self) -> Option<&ConfigError> {
        match self {
            Error::Config(e) => Some(e),
            _ => None,
        }
    }

    /// The exit code a daemon's `main` returns when this error stops it
    /// before or while running (sysexits.h).
    pub fn exit(&self) -> Exit {
        match self {
            Error::Config(_) | Error::Io { op: IoOp::ReadConfig | IoOp::ListConfigDir, .. } => {
                Exit::Config
            }
            Error::Usage(_) => Exit::Usage,
            Error::Env { .. } => Exit::Config,
            Error::Io { op: IoOp::CreateStateDir | IoOp::WriteState, .. } => Exit::CantCreate,
            Error::Io { .. } => Exit::IoErr,
            Error::MalformedState { .. } => Exit::DataErr,
            Error::Syscall { .. } | Error::Logging(_) => Exit::OsErr,
            Error::Daemon { .. } => Exit::Unavailable,
            // A bug, not a missing device.
            Error::Panicked { .. } => Exit::Software,
        }
    }

    /// The error and its whole source chain on one line, `: `-separated,
    /// for the journal and for startup failures.
    pub fn one_line(&self) -> String {
        let mut line = self.to_string();
        let mut source = std::error::Error::source(self);
        while let Some(e) = source {
            line.push_str(": ");
            line.push_str(&e.to_string());
            source = e.source();
        }
        line.replace('\n', " ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_joins_the_chain_and_names_the_fd() {
        let e = Error::syscall("timerfd_settime", Some(7), nix::errno::Errno::EINVAL);
        assert_eq!(e.to_string(), "timerfd_settime failed on fd 7");
        assert_eq!(e.one_line(), "timerfd_settime failed on fd 7: Invalid argument (os error 22)");
        assert_eq!(e.exit(), Exit::OsErr);
    }

    #[test]
    fn config_read_failures_are_config_exits() {
        let e = Error::Io {
            op: IoOp::ReadConfig,
            path: "/etc/helios64/fand.toml".into(),
            source: io::Error::from(io::ErrorKind::PermissionDenied),
        };
        assert_eq!(e.to_string(), "cannot read config file /etc/helios64/fand.toml");
        assert_eq!(e.exit(), Exit::Config);
        assert_eq!(Error::Usage("x".into()).exit(), Exit::Usage);
    }
}
