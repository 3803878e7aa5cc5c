//! The crate's one error type.
//!
//! Every variant carries the file, device or component it concerns, so a
//! message such as "cannot read /sys/class/hwmon/hwmon3/pwm1" reaches the user
//! instead of a bare "No such file or directory". `Display` never repeats the
//! wrapped source error: print the whole chain (`{:#}` with anyhow, or walk
//! [`std::error::Error::source`]) to see it.

use std::fmt;
use std::io;
use std::path::PathBuf;

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What the crate was doing with a filesystem node when it failed.
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
}

impl fmt::Display for IoOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            IoOp::Read => "cannot read",
            IoOp::Write => "cannot write",
            IoOp::List => "cannot list",
            IoOp::Resolve => "cannot resolve",
            IoOp::Open => "cannot open",
        })
    }
}

/// Everything that can go wrong talking to the board.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A sysfs, procfs or devfs node could not be read, written, listed or
    /// resolved. A missing node is this variant with an
    /// [`io::ErrorKind::NotFound`] source.
    #[error("{op} {}", path.display())]
    Io {
        /// What was being done.
        op: IoOp,
        /// The node, with the injected root already applied.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: io::Error,
    },

    /// A node exists but holds something that cannot be interpreted.
    #[error("malformed value {value:?} in {}: expected {expected}", path.display())]
    Malformed {
        /// The node that held the value.
        path: PathBuf,
        /// The offending content (trimmed, possibly shortened).
        value: String,
        /// What a well-formed value looks like.
        expected: &'static str,
    },

    /// One line of a multi-line file (`/proc/interrupts`) cannot be
    /// interpreted. Separate from [`Error::Malformed`] because the line
    /// number is what a user needs to find the problem.
    #[error("malformed line {line} of {}: {value:?}: expected {expected}", path.display())]
    MalformedLine {
        /// The file that held the line.
        path: PathBuf,
        /// The 1-based line number.
        line: usize,
        /// The offending line (trimmed, possibly shortened).
        value: String,
        /// What a well-formed line looks like.
        expected: &'static str,
    },

    /// A board component that was asked for is not present.
    #[error("{component} not found under {}", searched.display())]
    NotPresent {
        /// The component, e.g. "fan P6" or "LED helios64:red:ata3-err".
        component: String,
        /// Where it was looked for.
        searched: PathBuf,
    },

    /// The caller asked for something the hardware cannot do.
    #[error("invalid {what} {value:?}: {reason}")]
    InvalidInput {
        /// The parameter, e.g. "pwm duty".
        what: &'static str,
        /// The value given.
        value: String,
        /// Why it is rejected, e.g. "must be 0..=255".
        reason: String,
    },

    /// A system call on a device (ioctl, netlink, character device) failed.
    #[error("{call} failed on {device}")]
    Device {
        /// The call, e.g. "ETHTOOL_GLINKSETTINGS" or "I2C_SLAVE".
        call: &'static str,
        /// The device: an interface name, a `/dev` node, a bus number.
        device: String,
        /// The operating system's error.
        #[source]
        source: io::Error,
    },

    /// A GPIO character-device request failed.
    #[error("GPIO {call} failed on {}", chip.display())]
    Gpio {
        /// What was being done, e.g. "line request".
        call: &'static str,
        /// The chip's character device.
        chip: PathBuf,
        /// The gpiocdev error.
        #[source]
        source: gpiocdev::Error,
    },
}

/// A small classification of [`Error`] for callers that must branch, e.g. a
/// fan loop deciding between "retry" and "fail safe".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The node, device or component does not exist.
    NotFound,
    /// The caller lacks the privilege.
    PermissionDenied,
    /// The content could not be interpreted.
    Malformed,
    /// The caller asked for something impossible.
    InvalidInput,
    /// The kernel or driver does not support the operation.
    Unsupported,
    /// The device is busy; retrying later may work.
    Busy,
    /// Anything else.
    Other,
}

impl Error {
    /// Classifies the error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Io { source, .. } | Error::Device { source, .. } => io_kind(source),
            Error::Malformed { .. } | Error::MalformedLine { .. } => ErrorKind::Malformed,
            Error::NotPresent { .. } => ErrorKind::NotFound,
            Error::InvalidInput { .. } => ErrorKind::InvalidInput,
            Error::Gpio { .. } => ErrorKind::Other,
        }
    }

    /// The filesystem path the error concerns, when it concerns one.
    pub fn path(&self) -> Option<&std::path::Path> {
        match self {
            Error::Io { path, .. }
            | Error::Malformed { path, .. }
            | Error::MalformedLine { path, .. } => Some(path),
            Error::NotPresent { searched, .. } => Some(searched),
            Error::Gpio { chip, .. } => Some(chip),
            Error::InvalidInput { .. } | Error::Device { .. } => None,
        }
    }

    /// Builds an [`Error::Malformed`], shortening very long values so one bad
    /// file cannot flood a log.
    pub fn malformed(path: impl Into<PathBuf>, value: &str, expected: &'static str) -> Self {
        const MAX: usize = 120;
        let value = value.trim();
        let value = match value.char_indices().nth(MAX) {
            Some((cut, _)) => format!("{}…", &value[..cut]),
            None => value.to_owned(),
        };
        Error::Malformed { path: path.into(), value, expected }
    }

    /// Builds an [`Error::MalformedLine`] for line `line` (1-based) of
    /// `path`, shortening the line like [`Error::malformed`].
    pub fn malformed_line(
        path: impl Into<PathBuf>,
        line: usize,
        value: &str,
        expected: &'static str,
    ) -> Self {
        match Error::malformed(path, value, expected) {
            Error::Malformed { path, value, expected } => {
                Error::MalformedLine { path, line, value, expected }
            }
            other => other,
        }
    }
}

fn io_kind(source: &io::Error) -> ErrorKind {
    use io::ErrorKind as K;
    match source.kind() {
        K::NotFound => ErrorKind::NotFound,
        K::PermissionDenied => ErrorKind::PermissionDenied,
        K::Unsupported => ErrorKind::Unsupported,
        K::InvalidInput | K::InvalidData => ErrorKind::InvalidInput,
        K::ResourceBusy | K::WouldBlock => ErrorKind::Busy,
        _ => match source.raw_os_error() {
            Some(libc::EOPNOTSUPP) | Some(libc::ENOTTY) | Some(libc::ENODEV) => {
                ErrorKind::Unsupported
            }
            Some(libc::EBUSY) | Some(libc::EAGAIN) => ErrorKind::Busy,
            // A sysfs list/mask naming a CPU beyond nr_cpu_ids.
            Some(libc::ERANGE) => ErrorKind::InvalidInput,
            Some(libc::ENOENT) | Some(libc::ENXIO) => ErrorKind::NotFound,
            Some(libc::EPERM) | Some(libc::EACCES) => ErrorKind::PermissionDenied,
            _ => ErrorKind::Other,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::error::Error as _;

    #[test]
    fn display_names_path_and_keeps_source_separate() {
        let e = Error::Io {
            op: IoOp::Read,
            path: "/x/sys/class/hwmon/hwmon3/pwm1".into(),
            source: io::Error::from(io::ErrorKind::NotFound),
        };
        assert_eq!(e.to_string(), "cannot read /x/sys/class/hwmon/hwmon3/pwm1");
        assert!(e.source().is_some());
        assert_eq!(e.kind(), ErrorKind::NotFound);
    }

    #[test]
    fn malformed_value_is_shortened() {
        let long = "x".repeat(500);
        let Error::Malformed { value, .. } = Error::malformed("/p", &long, "an integer") else {
            unreachable!("malformed() builds Malformed")
        };
        assert_eq!(value.chars().count(), 121);
    }

    #[test]
    fn errno_maps_to_kind() {
        let e = Error::Device {
            call: "ETHTOOL_GLINKSETTINGS",
            device: "eth1".into(),
            source: io::Error::from_raw_os_error(libc::EOPNOTSUPP),
        };
        assert_eq!(e.kind(), ErrorKind::Unsupported);
        assert_eq!(e.to_string(), "ETHTOOL_GLINKSETTINGS failed on eth1");
    }

    #[test]
    fn a_cpu_beyond_nr_cpu_ids_is_invalid_input() {
        let e = Error::Io {
            op: IoOp::Write,
            path: "/proc/irq/24/smp_affinity_list".into(),
            source: io::Error::from_raw_os_error(libc::ERANGE),
        };
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
    }
}
