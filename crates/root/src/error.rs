//! The crate's one error type: every variant names the operation and the
//! path it concerns.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What was being done with a filesystem node when it failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum IoOp {
    /// Reading a file.
    Read,
    /// Writing a file.
    Write,
    /// Listing a directory.
    List,
    /// Resolving a symbolic link.
    Resolve,
    /// Opening a character device.
    Open,
    /// Asking whether a node exists (`stat`/`lstat`).
    Stat,
}

impl fmt::Display for IoOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            IoOp::Read => "cannot read",
            IoOp::Write => "cannot write",
            IoOp::List => "cannot list",
            IoOp::Resolve => "cannot resolve",
            IoOp::Open => "cannot open",
            IoOp::Stat => "cannot stat",
        })
    }
}

/// Everything that can go wrong reading or writing under a [`crate::Root`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A node could not be read, written, listed, resolved or opened. A
    /// missing node is this variant with an [`io::ErrorKind::NotFound`]
    /// source.
    #[error("{op} {}", path.display())]
    Io {
        /// What was being done.
        op: IoOp,
        /// The node, with the root already applied.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: io::Error,
    },

    /// A node holds something that cannot be interpreted.
    #[error("malformed value {value:?} in {}: expected {expected}", path.display())]
    Malformed {
        /// The node that held the value.
        path: PathBuf,
        /// The offending content (trimmed, possibly shortened).
        value: String,
        /// What a well-formed value looks like.
        expected: &'static str,
    },

    /// A node is larger than any value of its kind can be (a sysfs
    /// attribute is at most a page). Reading stops at the limit, so one
    /// runaway file cannot exhaust memory.
    #[error("{} holds more than {limit} bytes: not a kernel attribute", path.display())]
    Oversized {
        /// The node.
        path: PathBuf,
        /// The limit that was exceeded, in bytes.
        limit: usize,
    },

    /// A call that only the running kernel can answer (an ioctl, a netlink
    /// request, the udev event socket) was asked of a fixture tree. Nothing
    /// was sent: a fixture run must never touch the host's devices.
    #[error("{call} needs the running kernel, but the root is the tree {}", root.display())]
    NotLive {
        /// The call that was refused, e.g. `ETHTOOL_GLINKSETTINGS`.
        call: &'static str,
        /// The root's base directory.
        root: PathBuf,
    },
}

impl Error {
    /// Builds an [`Error::Malformed`], shortening very long values so one
    /// bad file cannot flood a log.
    pub fn malformed(path: impl Into<PathBuf>, value: &str, expected: &'static str) -> Self {
        Error::Malformed { path: path.into(), value: shorten(value), expected }
    }

    /// The path the error concerns (the root's base for [`Error::NotLive`]).
    pub fn path(&self) -> &Path {
        match self {
            Error::Io { path, .. }
            | Error::Malformed { path, .. }
            | Error::Oversized { path, .. } => path,
            Error::NotLive { root, .. } => root,
        }
    }

    /// Whether the node does not exist.
    pub fn is_not_found(&self) -> bool {
        matches!(self, Error::Io { source, .. } if source.kind() == io::ErrorKind::NotFound)
    }

    /// The operating system's error number, for [`Error::Io`].
    pub fn raw_os_error(&self) -> Option<i32> {
        match self {
            Error::Io { source, .. } => source.raw_os_error(),
            _ => None,
        }
    }
}

/// At most 120 characters of `value`, trimmed, with `…` where it was cut.
pub fn shorten(value: &str) -> String {
    const MAX: usize = 120;
    let value = value.trim();
    match value.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &value[..cut]),
        None => value.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::error::Error as _;

    #[test]
    fn display_names_the_operation_and_path_and_keeps_the_source_apart() {
        let e = Error::Io {
            op: IoOp::Stat,
            path: "/x/sys/class/hwmon/hwmon3".into(),
            source: io::Error::from(io::ErrorKind::PermissionDenied),
        };
        assert_eq!(e.to_string(), "cannot stat /x/sys/class/hwmon/hwmon3");
        assert!(e.source().is_some());
        assert!(!e.is_not_found());
    }

    #[test]
    fn long_values_are_shortened() {
        let Error::Malformed { value, .. } = Error::malformed("/p", &"x".repeat(500), "a number")
        else {
            unreachable!("malformed() builds Malformed")
        };
        assert_eq!(value.chars().count(), 121);
    }
}
