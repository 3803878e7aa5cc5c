//! The crate's one error type.
//!
//! Every variant names what it concerns: the pool, dataset or snapshot, and
//! the C call or CLI command that failed. `Display` never repeats the wrapped
//! source (the errno text): walk [`std::error::Error::source`] to see it.

use std::fmt;
use std::io;
use std::path::PathBuf;
use std::time::Duration;

use crate::names::{NameError, NameKind};

mod codes;

pub use codes::{Errno, ItemError, LibzfsError};

/// Shorthand for results of this crate.
pub type Result<T, E = ZfsError> = std::result::Result<T, E>;

/// The C function (or kernel interface) that failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Call {
    /// `libzfs_core_init`.
    LibzfsCoreInit,
    /// `libzfs_init`.
    LibzfsInit,
    /// `lzc_snapshot`.
    LzcSnapshot,
    /// `lzc_destroy_snaps`.
    LzcDestroySnaps,
    /// `lzc_hold`.
    LzcHold,
    /// `lzc_release`.
    LzcRelease,
    /// `lzc_get_holds`.
    LzcGetHolds,
    /// `lzc_scrub` (OpenZFS 2.2+).
    LzcScrub,
    /// `lzc_wait`.
    LzcWait,
    /// `lzc_exists`.
    LzcExists,
    /// `lzc_channel_program_nosync`: a read-only channel program.
    LzcChannelProgram,
    /// `lzc_bookmark`.
    LzcBookmark,
    /// `lzc_get_bookmarks`.
    LzcGetBookmarks,
    /// `lzc_destroy_bookmarks`.
    LzcDestroyBookmarks,
    /// `lzc_send_space`.
    LzcSendSpace,
    /// `lzc_send`.
    LzcSend,
    /// `lzc_send_resume`.
    LzcSendResume,
    /// `lzc_receive_with_cmdprops`.
    LzcReceive,
    /// `lzc_destroy`: a filesystem, e.g. a partial receive's `%recv` clone.
    LzcDestroy,
    /// `zfs_send_resume_token_to_nvlist`: decoding a `receive_resume_token`.
    ZfsResumeToken,
    /// `zpool_iter`.
    ZpoolIter,
    /// `zpool_open_canfail`.
    ZpoolOpen,
    /// `zpool_get_config`.
    ZpoolGetConfig,
    /// `zpool_scan` (the OpenZFS 2.1 scrub path).
    ZpoolScan,
    /// `zpool_get_errlog`: the list of objects with permanent errors
    /// (`ZFS_IOC_ERROR_LOG`, root only).
    ZpoolGetErrlog,
    /// `zpool_events_next`.
    ZpoolEventsNext,
    /// `zpool_events_seek`.
    ZpoolEventsSeek,
    /// `zfs_open`.
    ZfsOpen,
    /// `zfs_iter_snapshots` / `zfs_iter_snapshots_v2`.
    ZfsIterSnapshots,
    /// `zfs_iter_filesystems` / `zfs_iter_filesystems_v2`.
    ZfsIterFilesystems,
    /// `zfs_prop_get`.
    ZfsPropGet,
    /// `nvlist_alloc`, `nvlist_add_*`, `nvlist_pack`, `nvlist_unpack`, `nvlist_dup`.
    Nvlist,
    /// Opening `/dev/zfs` for the event stream.
    OpenZfsDevice,
}

impl Call {
    /// The C name of the call.
    pub fn name(self) -> &'static str {
        match self {
            Call::LibzfsCoreInit => "libzfs_core_init",
            Call::LibzfsInit => "libzfs_init",
            Call::LzcSnapshot => "lzc_snapshot",
            Call::LzcDestroySnaps => "lzc_destroy_snaps",
            Call::LzcHold => "lzc_hold",
            Call::LzcRelease => "lzc_release",
            Call::LzcGetHolds => "lzc_get_holds",
            Call::LzcScrub => "lzc_scrub",
            Call::LzcWait => "lzc_wait",
            Call::LzcExists => "lzc_exists",
            Call::LzcChannelProgram => "lzc_channel_program_nosync",
            Call::LzcBookmark => "lzc_bookmark",
            Call::LzcGetBookmarks => "lzc_get_bookmarks",
            Call::LzcDestroyBookmarks => "lzc_destroy_bookmarks",
            Call::LzcSendSpace => "lzc_send_space",
            Call::LzcSend => "lzc_send",
            Call::LzcSendResume => "lzc_send_resume",
            Call::LzcReceive => "lzc_receive_with_cmdprops",
            Call::LzcDestroy => "lzc_destroy",
            Call::ZfsResumeToken => "zfs_send_resume_token_to_nvlist",
            Call::ZpoolIter => "zpool_iter",
            Call::ZpoolOpen => "zpool_open_canfail",
            Call::ZpoolGetConfig => "zpool_get_config",
            Call::ZpoolScan => "zpool_scan",
            Call::ZpoolGetErrlog => "zpool_get_errlog",
            Call::ZpoolEventsNext => "zpool_events_next",
            Call::ZpoolEventsSeek => "zpool_events_seek",
            Call::ZfsOpen => "zfs_open",
            Call::ZfsIterSnapshots => "zfs_iter_snapshots",
            Call::ZfsIterFilesystems => "zfs_iter_filesystems",
            Call::ZfsPropGet => "zfs_prop_get",
            Call::Nvlist => "nvlist",
            Call::OpenZfsDevice => "open(/dev/zfs)",
        }
    }
}

impl fmt::Display for Call {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Everything that can go wrong talking to ZFS.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ZfsError {
    /// A libzfs_core call (or another errno-returning call) failed.
    #[error("{call} failed on {target}{}", items_summary(items))]
    Errno {
        /// The call.
        call: Call,
        /// The pool, dataset, snapshot(s) or device it concerned.
        target: String,
        /// The error the call returned.
        #[source]
        errno: Errno,
        /// lzc's per-item errors, when the call reports them (snapshot,
        /// destroy, hold, release). Empty otherwise.
        items: Vec<ItemError>,
    },

    /// A channel program failed: a Lua error (`ECHRNG`, with Lua's
    /// message), a limit hit (`ETIME` for instructions, `ENOSPC`/`ENOMEM`
    /// for memory or output), or the ioctl refused (`EPERM` without
    /// `CAP_SYS_ADMIN`, `EINVAL` for limits above the module's tunables).
    #[error("channel program on {pool} failed{}", message_suffix(message))]
    ChannelProgram {
        /// The pool it ran in.
        pool: String,
        /// The ioctl's errno.
        #[source]
        errno: Errno,
        /// Lua's error message, when the program raised one.
        message: Option<String>,
    },

    /// A libzfs call failed; libzfs reports its own error codes.
    #[error("{call} failed on {target}")]
    Libzfs {
        /// The call.
        call: Call,
        /// The pool or dataset it concerned.
        target: String,
        /// libzfs's error.
        #[source]
        error: LibzfsError,
    },

    /// A `zpool`/`zfs` command ran and failed.
    #[error("`{command}` failed on {target} ({})", status_text(*status))]
    Command {
        /// The command line, as run.
        command: String,
        /// The pool or dataset it concerned.
        target: String,
        /// The exit status, or `None` when a signal ended it.
        status: Option<i32>,
        /// Its standard error, trimmed.
        stderr: String,
    },

    /// A `zpool`/`zfs` command did not finish within the backend's timeout;
    /// it was killed with its process group.
    #[error("`{command}` did not finish within {}s on {target} and was killed", timeout.as_secs_f64())]
    Timeout {
        /// The command line, as run.
        command: String,
        /// The pool or dataset it concerned.
        target: String,
        /// The limit that expired.
        timeout: Duration,
    },

    /// A `zpool`/`zfs` command could not be started (`NotFound` when the
    /// program does not exist).
    #[error("cannot run {program} for {target}")]
    Spawn {
        /// The program.
        program: String,
        /// The pool or dataset it concerned.
        target: String,
        /// Why it could not be started.
        #[source]
        source: io::Error,
    },

    /// Output from ZFS (CLI JSON, an nvlist) does not have the expected shape.
    #[error("malformed {what} for {target}: {detail}")]
    Malformed {
        /// What was being read, e.g. "zpool status JSON" or "vdev_stats".
        what: &'static str,
        /// The pool or dataset it concerned.
        target: String,
        /// What was wrong.
        detail: String,
    },

    /// A pool, dataset, snapshot or hold name is not valid ZFS syntax.
    #[error("invalid {kind} name {name:?}: {reason}")]
    InvalidName {
        /// What kind of name it should have been.
        kind: NameKind,
        /// The name given.
        name: String,
        /// The rule it breaks.
        reason: NameError,
    },

    /// A caller-supplied argument is unusable (e.g. an empty list, a NUL byte).
    #[error("invalid {what} for {target}: {reason}")]
    InvalidArgument {
        /// The argument.
        what: &'static str,
        /// The pool or dataset it concerned.
        target: String,
        /// Why it is rejected.
        reason: String,
    },

    /// A scrub cannot be resumed because none is paused.
    #[error("no paused scrub to resume on pool {pool}")]
    ScrubNotPaused {
        /// The pool.
        pool: String,
    },

    /// The pool is imported read-only and the call would change it: refused
    /// before any ioctl, because some of them never return on such a pool
    /// (OpenZFS #17527: `ZFS_IOC_POOL_SCRUB` blocks in the kernel for ever
    /// on 2.2–2.3.2). Its kind is [`ErrorKind::ReadOnly`], what the kernel's
    /// own refusal (`EROFS`) classifies as.
    #[error("pool {pool} is imported read-only: {operation} refused")]
    PoolReadOnly {
        /// The pool.
        pool: String,
        /// What was refused ("scrub", "snapshot", "hold", …).
        operation: &'static str,
    },

    /// I/O on the pool is suspended (health SUSPENDED) and the call would
    /// change it or wait for it: refused before any ioctl, because a sync
    /// task on a suspended pool waits until `zpool clear`. Its kind is
    /// [`ErrorKind::Busy`], what the kernel's own refusal (`EAGAIN`)
    /// classifies as.
    #[error("I/O on pool {pool} is suspended: {operation} refused")]
    PoolSuspended {
        /// The pool.
        pool: String,
        /// What was refused.
        operation: &'static str,
    },

    /// The ZFS kernel module is not loaded: `/dev/zfs` is missing. This crate
    /// never loads modules itself.
    #[error("the ZFS kernel module is not loaded ({} does not exist)", path.display())]
    ModuleNotLoaded {
        /// The device node looked for.
        path: PathBuf,
    },

    /// The loaded libzfs, or the kernel module, is not the OpenZFS release
    /// this program was compiled against; libzfs's ABI changes between
    /// releases, so the native backend refuses to run.
    #[error(
        "OpenZFS version mismatch: compiled against {compiled}, loaded libzfs {userland}{}",
        kernel.as_ref().map(|k| format!(", kernel module {k}")).unwrap_or_default()
    )]
    VersionMismatch {
        /// The version of the headers this crate was built from.
        compiled: String,
        /// The version the loaded libzfs reports.
        userland: String,
        /// The version of the kernel module, when it was the mismatch.
        kernel: Option<String>,
    },

    /// A call needs a newer OpenZFS than this program was compiled against.
    #[error("{what} needs OpenZFS {needs} or newer; this program was built against {compiled}")]
    UnsupportedByBuild {
        /// The operation.
        what: &'static str,
        /// The first release that has it.
        needs: &'static str,
        /// The release the program was built against.
        compiled: &'static str,
    },

    /// A file (sysfs, device node) could not be read or opened.
    #[error("cannot read {}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: io::Error,
    },
}

fn items_summary(items: &[ItemError]) -> String {
    match items.len() {
        0 => String::new(),
        1 => format!(" (1 item failed: {})", items[0].name),
        n => format!(" ({n} items failed, first {})", items[0].name),
    }
}

fn message_suffix(message: &Option<String>) -> String {
    match message {
        Some(m) => format!(": {m}"),
        None => String::new(),
    }
}

fn status_text(status: Option<i32>) -> String {
    match status {
        Some(code) => format!("exit status {code}"),
        None => "killed by a signal".to_owned(),
    }
}

/// A small classification of [`ZfsError`] for callers that must branch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The pool, dataset, snapshot or hold does not exist (`ENOENT`, `ESRCH`,
    /// `ENXIO`, `EZFS_NOENT`).
    NotFound,
    /// It already exists (`EEXIST`).
    Exists,
    /// It is in use: a held snapshot, a running scrub, a busy pool (`EBUSY`,
    /// `EAGAIN`).
    Busy,
    /// The caller lacks the privilege (`EPERM`, `EACCES`).
    PermissionDenied,
    /// Out of space or quota (`ENOSPC`, `EDQUOT`).
    NoSpace,
    /// The pool or dataset is read-only (`EROFS`).
    ReadOnly,
    /// The kernel module is older than the userland and lacks the ioctl or
    /// argument (`ZFS_ERR_IOC_CMD_UNAVAIL`, `…_ARG_UNAVAIL`, `…_ARG_REQUIRED`).
    UnsupportedByModule,
    /// This program was built against an OpenZFS release without the call.
    UnsupportedByBuild,
    /// The pool or module does not support the operation (`ENOTSUP`), e.g. a
    /// feature that is not enabled.
    Unsupported,
    /// A name is longer than ZFS allows (`ENAMETOOLONG`, `E2BIG` for tags).
    NameTooLong,
    /// A name or argument is not valid (`EINVAL`, `EXDEV`, bad syntax).
    InvalidInput,
    /// The operation does not apply to the current state (e.g. resuming a
    /// scrub that is not paused).
    InvalidState,
    /// A command did not finish in time and was killed.
    TimedOut,
    /// The ZFS kernel module is not loaded.
    ModuleNotLoaded,
    /// The loaded libzfs or kernel module is not the compiled-against release.
    VersionMismatch,
    /// ZFS returned something this crate cannot interpret.
    Malformed,
    /// Anything else.
    Other,
}

impl ErrorKind {
    /// Classifies an errno returned by the kernel module.
    pub fn from_errno(errno: Errno) -> ErrorKind {
        match errno.0 {
            libc::ENOENT | libc::ESRCH | libc::ENXIO | libc::ENODEV => ErrorKind::NotFound,
            libc::EEXIST => ErrorKind::Exists,
            libc::EBUSY | libc::EAGAIN => ErrorKind::Busy,
            libc::EPERM | libc::EACCES => ErrorKind::PermissionDenied,
            libc::ENOSPC | libc::EDQUOT => ErrorKind::NoSpace,
            libc::EROFS => ErrorKind::ReadOnly,
            libc::ENOTSUP => ErrorKind::Unsupported,
            libc::ENAMETOOLONG | libc::E2BIG => ErrorKind::NameTooLong,
            libc::EINVAL | libc::EXDEV => ErrorKind::InvalidInput,
            _ if errno.is_unsupported_by_module() => ErrorKind::UnsupportedByModule,
            1032 => ErrorKind::InvalidInput,
            _ => ErrorKind::Other,
        }
    }
}

impl ZfsError {
    /// Classifies the error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            // lzc_destroy_snaps's EEXIST is "has dependent clones": the
            // snapshot is in use, as the trait's contract says.
            ZfsError::Errno { call: Call::LzcDestroySnaps, errno: Errno(libc::EEXIST), .. } => {
                ErrorKind::Busy
            }
            ZfsError::Errno { errno, .. } | ZfsError::ChannelProgram { errno, .. } => {
                ErrorKind::from_errno(*errno)
            }
            ZfsError::Libzfs { error, .. } => error.kind,
            // 127: "command not found" from a wrapper, `env` or a shell (and
            // how qemu-user reports a failed exec).
            ZfsError::Command { status: Some(127), .. } => ErrorKind::NotFound,
            ZfsError::Command { stderr, .. } => kind_from_stderr(stderr),
            ZfsError::Timeout { .. } => ErrorKind::TimedOut,
            ZfsError::Spawn { source, .. } | ZfsError::Io { source, .. } => match source.kind() {
                io::ErrorKind::NotFound => ErrorKind::NotFound,
                io::ErrorKind::PermissionDenied => ErrorKind::PermissionDenied,
                _ => ErrorKind::Other,
            },
            ZfsError::Malformed { .. } => ErrorKind::Malformed,
            ZfsError::InvalidName { reason: NameError::TooLong, .. } => ErrorKind::NameTooLong,
            ZfsError::InvalidName { .. } | ZfsError::InvalidArgument { .. } => {
                ErrorKind::InvalidInput
            }
            ZfsError::ScrubNotPaused { .. } => ErrorKind::InvalidState,
            ZfsError::PoolReadOnly { .. } => ErrorKind::ReadOnly,
            ZfsError::PoolSuspended { .. } => ErrorKind::Busy,
            ZfsError::ModuleNotLoaded { .. } => ErrorKind::ModuleNotLoaded,
            ZfsError::VersionMismatch { .. } => ErrorKind::VersionMismatch,
            ZfsError::UnsupportedByBuild { .. } => ErrorKind::UnsupportedByBuild,
        }
    }

    /// The errno, for errors that carry one.
    pub fn errno(&self) -> Option<Errno> {
        match self {
            ZfsError::Errno { errno, .. } | ZfsError::ChannelProgram { errno, .. } => Some(*errno),
            _ => None,
        }
    }

    /// lzc's per-item errors (empty when the call reports none).
    pub fn items(&self) -> &[ItemError] {
        match self {
            ZfsError::Errno { items, .. } => items,
            _ => &[],
        }
    }

    /// The pool, dataset or snapshot the error concerns, when there is one.
    pub fn target(&self) -> Option<&str> {
        match self {
            ZfsError::Errno { target, .. }
            | ZfsError::Libzfs { target, .. }
            | ZfsError::Command { target, .. }
            | ZfsError::Timeout { target, .. }
            | ZfsError::Spawn { target, .. }
            | ZfsError::Malformed { target, .. }
            | ZfsError::InvalidArgument { target, .. } => Some(target),
            ZfsError::InvalidName { name, .. } => Some(name),
            ZfsError::ScrubNotPaused { pool }
            | ZfsError::ChannelProgram { pool, .. }
            | ZfsError::PoolReadOnly { pool, .. }
            | ZfsError::PoolSuspended { pool, .. } => Some(pool),
            _ => None,
        }
    }

    /// An [`ZfsError::Errno`] without per-item errors.
    pub fn from_errno(call: Call, target: impl Into<String>, errno: i32) -> ZfsError {
        ZfsError::Errno { call, target: target.into(), errno: Errno(errno), items: Vec::new() }
    }

    /// A [`ZfsError::Malformed`].
    pub fn malformed(
        what: &'static str,
        target: impl Into<String>,
        detail: impl Into<String>,
    ) -> ZfsError {
        ZfsError::Malformed { what, target: target.into(), detail: detail.into() }
    }
}

/// The CLI prints English messages, not errnos (it runs with `LC_ALL=C`, so
/// they are stable); these are the phrases `libzfs_strerror`/`zfs_strerror`
/// produce for the cases callers branch on.
fn kind_from_stderr(stderr: &str) -> ErrorKind {
    let s = stderr.to_ascii_lowercase();
    let has = |needle: &str| s.contains(needle);
    if has("permission denied") || has("must be root") {
        ErrorKind::PermissionDenied
    } else if has("dataset is busy")
        || has("pool is busy")
        || has("currently scrubbing")
        || has("it's being held")
        || has("has dependent clones")
    {
        ErrorKind::Busy
    } else if has("no such pool")
        || has("does not exist")
        || has("no such")
        || has("there is no active scrub")
        || has("no such tag on this dataset")
    {
        ErrorKind::NotFound
    } else if has("already exists") || has("tag already exists") {
        ErrorKind::Exists
    } else if has("out of space") || has("no space") {
        ErrorKind::NoSpace
    } else if has("read-only") {
        ErrorKind::ReadOnly
    } else if has("name is too long") {
        ErrorKind::NameTooLong
    } else if has("invalid") {
        ErrorKind::InvalidInput
    } else {
        ErrorKind::Other
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::error::Error as _;

    #[test]
    fn display_names_call_and_target_but_not_the_errno_text() {
        let e = ZfsError::from_errno(Call::LzcDestroySnaps, "tank/fs@held", libc::EBUSY);
        assert_eq!(e.to_string(), "lzc_destroy_snaps failed on tank/fs@held");
        assert_eq!(e.kind(), ErrorKind::Busy);
        let source = e.source().map(ToString::to_string).unwrap_or_default();
        assert!(source.contains("busy"), "{source}");
    }

    #[test]
    fn item_errors_are_summarised() {
        let e = ZfsError::Errno {
            call: Call::LzcSnapshot,
            target: "tank@a, tank/b@a".into(),
            errno: Errno(libc::EEXIST),
            items: vec![ItemError { name: "tank/b@a".into(), errno: Errno(libc::EEXIST) }],
        };
        assert_eq!(
            e.to_string(),
            "lzc_snapshot failed on tank@a, tank/b@a (1 item failed: tank/b@a)"
        );
        assert_eq!(e.items().len(), 1);
        assert_eq!(e.kind(), ErrorKind::Exists);
    }

    #[test]
    fn a_timeout_names_the_command_and_is_timed_out() {
        let e = ZfsError::Timeout {
            command: "zpool status -jp --json-int -- tank".into(),
            target: "tank".into(),
            timeout: Duration::from_secs(60),
        };
        assert_eq!(e.kind(), ErrorKind::TimedOut);
        assert_eq!(e.target(), Some("tank"));
        assert_eq!(
            e.to_string(),
            "`zpool status -jp --json-int -- tank` did not finish within 60s on tank and was killed"
        );
    }

    #[test]
    fn a_snapshot_with_clones_is_busy_from_both_backends() {
        let native = ZfsError::from_errno(Call::LzcDestroySnaps, "tank/fs@s", libc::EEXIST);
        assert_eq!(native.kind(), ErrorKind::Busy);
        // EEXIST from anything else still means "exists".
        let snap = ZfsError::from_errno(Call::LzcSnapshot, "tank/fs@s", libc::EEXIST);
        assert_eq!(snap.kind(), ErrorKind::Exists);
        let cli = ZfsError::Command {
            command: "zfs destroy -- tank/fs@s".into(),
            target: "tank/fs@s".into(),
            status: Some(1),
            stderr: "cannot destroy 'tank/fs@s': snapshot has dependent clones\nuse '-R' to destroy the following datasets:\ntank/clone".into(),
        };
        assert_eq!(cli.kind(), ErrorKind::Busy);
    }

    #[test]
    fn command_errors_keep_stderr_and_classify_it() {
        let e = ZfsError::Command {
            command: "zfs destroy tank/fs@held".into(),
            target: "tank/fs@held".into(),
            status: Some(1),
            stderr: "cannot destroy snapshot tank/fs@held: dataset is busy".into(),
        };
        assert_eq!(e.kind(), ErrorKind::Busy);
        assert_eq!(
            e.to_string(),
            "`zfs destroy tank/fs@held` failed on tank/fs@held (exit status 1)"
        );
    }
}
