//! The codes ZFS reports: errnos (including OpenZFS's private ones), lzc's
//! per-item errors, libzfs's error codes.

use std::fmt;
use std::io;

use super::ErrorKind;

/// An errno as the ZFS kernel module returns it: either a system errno or one
/// of OpenZFS's own `ZFS_ERR_*` codes (1024 and up), which `strerror` does not
/// know.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Errno(pub i32);

/// OpenZFS's private errnos (`enum zfs_errno` in `sys/fs/zfs.h`). The values
/// are append-only from 2.1 to 2.4; this table holds the 2.4 set.
const ZFS_ERRNOS: &[(i32, &str, &str)] = &[
    (1024, "ZFS_ERR_CHECKPOINT_EXISTS", "pool already has a checkpoint"),
    (1025, "ZFS_ERR_DISCARDING_CHECKPOINT", "pool checkpoint is being discarded"),
    (1026, "ZFS_ERR_NO_CHECKPOINT", "pool has no checkpoint"),
    (1027, "ZFS_ERR_DEVRM_IN_PROGRESS", "a device removal is in progress"),
    (1028, "ZFS_ERR_VDEV_TOO_BIG", "the vdev is too big"),
    (1029, "ZFS_ERR_IOC_CMD_UNAVAIL", "the kernel module does not support this ioctl"),
    (1030, "ZFS_ERR_IOC_ARG_UNAVAIL", "the kernel module does not support this argument"),
    (1031, "ZFS_ERR_IOC_ARG_REQUIRED", "the kernel module requires an argument not given"),
    (1032, "ZFS_ERR_IOC_ARG_BADTYPE", "an ioctl argument has the wrong type"),
    (1033, "ZFS_ERR_WRONG_PARENT", "wrong parent dataset"),
    (1034, "ZFS_ERR_FROM_IVSET_GUID_MISSING", "IV set guid missing"),
    (1035, "ZFS_ERR_FROM_IVSET_GUID_MISMATCH", "IV set guid mismatch"),
    (1036, "ZFS_ERR_SPILL_BLOCK_FLAG_MISSING", "spill block flag missing"),
    (1037, "ZFS_ERR_UNKNOWN_SEND_STREAM_FEATURE", "unknown send stream feature"),
    (1038, "ZFS_ERR_EXPORT_IN_PROGRESS", "pool export in progress"),
    (1039, "ZFS_ERR_BOOKMARK_SOURCE_NOT_ANCESTOR", "bookmark source is not an ancestor"),
    (1040, "ZFS_ERR_STREAM_TRUNCATED", "send stream truncated"),
    (1041, "ZFS_ERR_STREAM_LARGE_BLOCK_MISMATCH", "send stream large block mismatch"),
    (1042, "ZFS_ERR_RESILVER_IN_PROGRESS", "a resilver is in progress"),
    (1043, "ZFS_ERR_REBUILD_IN_PROGRESS", "a rebuild is in progress"),
    (1044, "ZFS_ERR_BADPROP", "bad property"),
    (1045, "ZFS_ERR_VDEV_NOTSUP", "operation not supported on this vdev"),
    (1046, "ZFS_ERR_NOT_USER_NAMESPACE", "not a user namespace"),
    (1047, "ZFS_ERR_RESUME_EXISTS", "a resumable receive state exists"),
    (1048, "ZFS_ERR_CRYPTO_NOTSUP", "encryption not supported"),
    (1049, "ZFS_ERR_RAIDZ_EXPAND_IN_PROGRESS", "a raidz expansion is in progress"),
    (1050, "ZFS_ERR_ASHIFT_MISMATCH", "ashift mismatch"),
    (1051, "ZFS_ERR_STREAM_LARGE_MICROZAP", "send stream has large microzaps"),
    (1052, "ZFS_ERR_TOO_MANY_SITOUTS", "too many sitouts"),
];

impl Errno {
    /// The `ZFS_ERR_*` name, when this is one of OpenZFS's own codes.
    pub fn zfs_name(self) -> Option<&'static str> {
        ZFS_ERRNOS.iter().find(|(n, _, _)| *n == self.0).map(|(_, name, _)| *name)
    }

    /// True for the codes a kernel module older than the userland returns
    /// for an ioctl or argument it does not know.
    pub fn is_unsupported_by_module(self) -> bool {
        matches!(self.0, 1029..=1031)
    }
}

impl fmt::Display for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match ZFS_ERRNOS.iter().find(|(n, _, _)| *n == self.0) {
            Some((_, name, text)) => write!(f, "{text} ({name})"),
            None => write!(f, "{}", io::Error::from_raw_os_error(self.0)),
        }
    }
}

impl std::error::Error for Errno {}

/// One entry of an lzc per-item error list: lzc calls that act on several
/// snapshots report which ones failed and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemError {
    /// The snapshot, hold or dataset the error concerns.
    pub name: String,
    /// Why it failed.
    pub errno: Errno,
}

/// A libzfs error code (`EZFS_*`, see `libzfs.h`) with libzfs's own
/// description of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LibzfsError {
    /// The `zfs_error_t` value.
    pub code: i32,
    /// `libzfs_error_description()` at the time of the failure.
    pub description: String,
    /// What the code amounts to. Classified where the error is made, from
    /// the `EZFS_*` values of the headers the native backend was compiled
    /// against (they are not the same numbers in every release).
    pub kind: ErrorKind,
}

impl fmt::Display for LibzfsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (libzfs error {})", self.description, self.code)
    }
}

impl std::error::Error for LibzfsError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zfs_private_errnos_have_names() {
        let e = Errno(1029);
        assert_eq!(e.zfs_name(), Some("ZFS_ERR_IOC_CMD_UNAVAIL"));
        assert!(e.to_string().contains("ZFS_ERR_IOC_CMD_UNAVAIL"));
        assert_eq!(ErrorKind::from_errno(e), ErrorKind::UnsupportedByModule);
        assert_eq!(ErrorKind::from_errno(Errno(libc::ENOENT)), ErrorKind::NotFound);
        assert_eq!(Errno(libc::ENOENT).zfs_name(), None);
    }
}
