//! The crate's one error type.

use std::fmt;

/// A result with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Where in an input a problem is: `file:line` (line 0: the whole file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct At {
    /// The input's name as the caller gave it (a path, `-`).
    pub source: String,
    /// 1-based line; 0 when the problem is not at one line.
    pub line: usize,
}

impl fmt::Display for At {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            0 => write!(f, "{}", self.source),
            line => write!(f, "{}:{line}", self.source),
        }
    }
}

/// Everything that can go wrong reading policies and listings.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A `zfs get` listing line that cannot be read.
    #[error("{}: {message}", At { source: input.clone(), line: *line })]
    Listing {
        /// The listing's name.
        input: String,
        /// 1-based line, 0 for the whole listing.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// A sanoid.conf problem: syntax, an unknown or unsupported key, a bad
    /// value. `key` is empty for a syntax error.
    #[error("{at}: {}{message}", key_prefix(key))]
    SanoidConf {
        /// Where.
        at: At,
        /// The section and key (`[tank/home] hourly`), or empty.
        key: String,
        /// What is wrong.
        message: String,
    },
    /// A policy that cannot be used, at a dotted key of the TOML form
    /// (`datasets."tank/home".use_template`).
    #[error("{key}: {message}")]
    Policy {
        /// The dotted key.
        key: String,
        /// What is wrong.
        message: String,
    },
    /// A time that cannot be put into the configured time zone.
    #[error("time {seconds} in time zone {zone}: {message}")]
    Time {
        /// Seconds since the epoch.
        seconds: i64,
        /// The zone's name.
        zone: String,
        /// What the calendar code said.
        message: String,
    },
}

fn key_prefix(key: &str) -> String {
    if key.is_empty() { String::new() } else { format!("{key}: ") }
}
