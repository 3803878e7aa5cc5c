//! The crate's one error type.
//!
//! Every variant carries the file, device or component it concerns, so a
//! message such as "cannot read /sys/class/hwmon/hwmon3/pwm1" reaches the user
//! instead of a bare "No such file or directory". `Display` never repeats the
//! wrapped source error: print the whole chain (`{:#}` with anyhow, or walk
//! [`std::error::Error::source`]) to see it.

use std::io;
use std::path::PathBuf;

pub use helios64_root::IoOp;

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

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

    /// A node is larger than any kernel attribute can be; reading stopped at
    /// the limit ([`helios64_root::ATTRIBUTE_LIMIT`]).
    #[error("{} holds more than {limit} bytes: not a kernel attribute", path.display())]
    Oversized {
        /// The node.
        path: PathBuf,
        /// The limit in bytes.
        limit: usize,
    },

    /// A call only the running kernel can answer (an ioctl, the udev event
    /// socket) was asked of a fixture tree; nothing was sent.
    #[error("{call} needs the running kernel, but the root is the tree {}", root.display())]
    NotLive {
        /// The refused call, e.g. `ETHTOOL_GLINKSETTINGS`.
        call: &'static str,
        /// The tree's base directory.
        root: PathBuf,
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

    /// A call needs a part of the crate this build left out (`gpio`,
    /// `i2c`, `hotplug` features).
    #[error("{call} needs helios64-hal's `{feature}` feature, which this build leaves out")]
    FeatureDisabled {
        /// The cargo feature.
        feature: &'static str,
        /// What was asked for.
        call: &'static str,
    },

    /// A GPIO character-device request failed.
    #[cfg(feature = "gpio")]
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
            Error::Malformed { .. } | Error::MalformedLine { .. } | Error::Oversized { .. } => {
                ErrorKind::Malformed
            }
            Error::NotLive { .. } => ErrorKind::Unsupported,
            Error::NotPresent { .. } => ErrorKind::NotFound,
            Error::InvalidInput { .. } => ErrorKind::InvalidInput,
            #[cfg(feature = "gpio")]
            Error::Gpio { source, .. } => gpio_kind(source),
            Error::FeatureDisabled { .. } => ErrorKind::Unsupported,
        }
    }

    /// The filesystem path the error concerns, when it concerns one.
    pub fn path(&self) -> Option<&std::path::Path> {
        match self {
            Error::Io { path, .. }
            | Error::Malformed { path, .. }
            | Error::MalformedLine { path, .. }
            | Error::Oversized { path, .. } => Some(path),
            Error::NotLive { root, .. } => Some(root),
            Error::NotPresent { searched, .. } => Some(searched),
            #[cfg(feature = "gpio")]
            Error::Gpio { chip, .. } => Some(chip),
            Error::InvalidInput { .. } | Error::Device { .. } | Error::FeatureDisabled { .. } => {
                None
            }
        }
    }

    /// Builds an [`Error::Malformed`], shortening very long values so one bad
    /// file cannot flood a log.
    pub fn malformed(path: impl Into<PathBuf>, value: &str, expected: &'static str) -> Self {
        Error::Malformed { path: path.into(), value: helios64_root::shorten(value), expected }
    }

    /// Whether the node concerned does not exist (an `Io` error with
    /// `ENOENT`).
    pub fn is_not_found(&self) -> bool {
        matches!(self, Error::Io { source, .. } if source.kind() == io::ErrorKind::NotFound)
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

impl From<helios64_root::Error> for Error {
    fn from(e: helios64_root::Error) -> Self {
        use helios64_root::Error as R;
        match e {
            R::Io { op, path, source } => Error::Io { op, path, source },
            R::Malformed { path, value, expected } => Error::Malformed { path, value, expected },
            R::Oversized { path, limit } => Error::Oversized { path, limit },
            R::NotLive { call, root } => Error::NotLive { call, root },
            // The root crate's error is non-exhaustive: a new variant is
            // still an I/O failure on a named node.
            other => Error::Io {
                op: IoOp::Read,
                path: other.path().to_path_buf(),
                source: io::Error::other(other.to_string()),
            },
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
        _ => source.raw_os_error().map_or(ErrorKind::Other, errno_kind),
    }
}

fn errno_kind(errno: i32) -> ErrorKind {
    match errno {
        libc::EOPNOTSUPP | libc::ENOTTY | libc::ENODEV => ErrorKind::Unsupported,
        libc::EBUSY | libc::EAGAIN => ErrorKind::Busy,
        // A sysfs list/mask naming a CPU beyond nr_cpu_ids.
        libc::ERANGE | libc::EINVAL => ErrorKind::InvalidInput,
        libc::ENOENT | libc::ENXIO => ErrorKind::NotFound,
        libc::EPERM | libc::EACCES => ErrorKind::PermissionDenied,
        _ => ErrorKind::Other,
    }
}

#[cfg(feature = "gpio")]
/// gpiocdev wraps the kernel's errno in two ways (a failed `open`/`ioctl`
/// and a failed uAPI call); both are classified like any errno, so a line
/// another consumer holds (`EBUSY`) is [`ErrorKind::Busy`], worth a retry.
fn gpio_kind(source: &gpiocdev::Error) -> ErrorKind {
    use gpiocdev::Error as G;
    match source {
        G::Os(errno) | G::Uapi(_, gpiocdev_uapi::Error::Os(errno)) => errno_kind(errno.0),
        G::GpioChip(..) => ErrorKind::Unsupported,
        G::InvalidArgument(_) | G::NonuniqueLineName(_) => ErrorKind::InvalidInput,
        G::AbiLimitation(..) | G::UnsupportedAbi(..) | G::NoAbiSupport() => ErrorKind::Unsupported,
        G::NoGpioChips() => ErrorKind::NotFound,
        _ => ErrorKind::Other,
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
    #[cfg(feature = "gpio")]
    fn a_busy_gpio_line_is_retryable_not_other() {
        let gpio =
            |source| Error::Gpio { call: "line request", chip: "/dev/gpiochip0".into(), source };
        let os = |errno| gpiocdev::Error::Os(gpiocdev_uapi::Errno(errno));
        let uapi = |errno| {
            gpiocdev::Error::Uapi(
                gpiocdev::UapiCall::GetLine,
                gpiocdev_uapi::Error::Os(gpiocdev_uapi::Errno(errno)),
            )
        };
        assert_eq!(gpio(uapi(libc::EBUSY)).kind(), ErrorKind::Busy);
        assert_eq!(gpio(os(libc::EACCES)).kind(), ErrorKind::PermissionDenied);
        assert_eq!(gpio(os(libc::ENOENT)).kind(), ErrorKind::NotFound);
        assert_eq!(gpio(uapi(libc::EINVAL)).kind(), ErrorKind::InvalidInput);
        assert_eq!(gpio(uapi(libc::EIO)).kind(), ErrorKind::Other);
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
