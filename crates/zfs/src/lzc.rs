//! Safe wrappers over `libzfs_core`, faithful to its contracts.
//!
//! lzc is the thread-safe part of the ZFS userland: each call is one ioctl,
//! returns an errno, and keeps no error state, so [`Lzc`] is `Send + Sync`
//! and needs no lock. The semantics are lzc's own, including the per-item
//! error lists and the "missing snapshots are skipped" rules of
//! [`Lzc::destroy_snaps`], [`Lzc::hold`] and [`Lzc::release`]. Names are
//! plain `&str`s passed to the kernel unchecked (only NUL bytes, and hold
//! tags that would panic the module, are refused), so its errnos come
//! through unchanged; the [`crate::Zfs`] trait takes checked, typed names and
//! builds stricter, backend-independent rules on top.

use std::ffi::{CStr, CString, c_int};
use std::os::fd::{AsRawFd, BorrowedFd, OwnedFd};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::ptr;
use std::sync::Mutex;

use zfs_core_sys as sys;

use crate::error::{Call, Errno, ItemError, Result, ZfsError};
use crate::model::{Hold, Holds};
use crate::names::describe;
use crate::nvlist::{NvList, NvListRef};

mod send;

pub use send::{BookmarkInfo, Receive, Received, SendFlags};

/// The ZFS control device; its absence means the kernel module is not loaded.
pub(crate) const ZFS_DEV: &str = "/dev/zfs";

/// A handle proving `libzfs_core_init` succeeded. Cheap to copy; all calls
/// are free-threaded.
#[derive(Debug, Clone, Copy)]
pub struct Lzc {
    _initialized: (),
}

/// The sandbox a channel program runs in: the kernel stops it (`ETIME`,
/// `ENOSPC`) when it executes more Lua instructions or allocates more
/// memory than this. The module refuses limits above its tunables
/// `zfs_lua_max_instrlimit` and `zfs_lua_max_memlimit` with `EINVAL`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProgramLimits {
    /// Lua instructions.
    pub instructions: u64,
    /// Bytes of Lua memory, and of the packed output.
    pub memory: u64,
}

impl ProgramLimits {
    /// `ZCP_MAX_INSTRLIMIT` and `ZCP_MAX_MEMLIMIT`: the most the module
    /// allows with its default tunables (100 million instructions, 100 MiB).
    pub const MAX: ProgramLimits = ProgramLimits {
        instructions: 10 * sys::ZCP_DEFAULT_INSTRLIMIT as u64,
        memory: 10 * sys::ZCP_DEFAULT_MEMLIMIT as u64,
    };
}

/// `ZCP_RET_ERROR`: where a failed program's message is.
const ZCP_RET_ERROR: &str = "error";

/// What an lzc wait call waits for (`zpool_wait_activity_t`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
#[allow(missing_docs, reason = "one variant per ZPOOL_WAIT_* constant, named after it")]
pub enum WaitActivity {
    CheckpointDiscard,
    Free,
    Initialize,
    Replace,
    Remove,
    Resilver,
    Scrub,
    Trim,
    /// A raidz expansion (`zpool attach` to a raidz vdev): OpenZFS 2.3+,
    /// so only in builds against its headers.
    #[cfg(zfs_2_3)]
    RaidzExpand,
}

impl WaitActivity {
    fn raw(self) -> sys::zpool_wait_activity_t {
        match self {
            WaitActivity::CheckpointDiscard => sys::ZPOOL_WAIT_CKPT_DISCARD,
            WaitActivity::Free => sys::ZPOOL_WAIT_FREE,
            WaitActivity::Initialize => sys::ZPOOL_WAIT_INITIALIZE,
            WaitActivity::Replace => sys::ZPOOL_WAIT_REPLACE,
            WaitActivity::Remove => sys::ZPOOL_WAIT_REMOVE,
            WaitActivity::Resilver => sys::ZPOOL_WAIT_RESILVER,
            WaitActivity::Scrub => sys::ZPOOL_WAIT_SCRUB,
            WaitActivity::Trim => sys::ZPOOL_WAIT_TRIM,
            #[cfg(zfs_2_3)]
            WaitActivity::RaidzExpand => sys::ZPOOL_WAIT_RAIDZ_EXPAND,
        }
    }
}

/// The scan a scrub request concerns (`pool_scan_func_t`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ScanFunc {
    /// `POOL_SCAN_NONE`: with [`ScrubCommand::Normal`], cancels the scan.
    None,
    /// `POOL_SCAN_SCRUB`.
    Scrub,
}

/// What to do with a scan (`pool_scrub_cmd_t`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ScrubCommand {
    /// `POOL_SCRUB_NORMAL`: start, or resume a paused scrub.
    Normal,
    /// `POOL_SCRUB_PAUSE`.
    Pause,
}

impl ScanFunc {
    pub(crate) fn raw(self) -> sys::pool_scan_func_t {
        match self {
            ScanFunc::None => sys::POOL_SCAN_NONE,
            ScanFunc::Scrub => sys::POOL_SCAN_SCRUB,
        }
    }
}

impl ScrubCommand {
    pub(crate) fn raw(self) -> sys::pool_scrub_cmd_t {
        match self {
            ScrubCommand::Normal => sys::POOL_SCRUB_NORMAL,
            ScrubCommand::Pause => sys::POOL_SCRUB_PAUSE,
        }
    }
}

static INIT: Mutex<bool> = Mutex::new(false);

/// Fails with [`ZfsError::ModuleNotLoaded`] when `/dev/zfs` is missing, so
/// that nothing below tries (or waits) to load the module.
pub(crate) fn require_module() -> Result<()> {
    // The running kernel's node: libzfs and libzfs_core open it by this
    // path themselves, so no other root can stand in for it.
    #[allow(clippy::disallowed_methods)]
    if Path::new(ZFS_DEV).exists() {
        Ok(())
    } else {
        Err(ZfsError::ModuleNotLoaded { path: ZFS_DEV.into() })
    }
}

/// A hold as lzc takes it: a snapshot name and a tag, unchecked (see the
/// module documentation). [`Hold`]s, whose names are checked, convert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RawHold<'a> {
    /// The snapshot, `pool/fs@snap`.
    pub snapshot: &'a str,
    /// The tag.
    pub tag: &'a str,
}

impl<'a> RawHold<'a> {
    /// A hold of `tag` on `snapshot`.
    pub fn new(snapshot: &'a str, tag: &'a str) -> RawHold<'a> {
        RawHold { snapshot, tag }
    }
}

impl<'a> From<&'a Hold> for RawHold<'a> {
    fn from(hold: &'a Hold) -> RawHold<'a> {
        RawHold { snapshot: hold.snapshot.as_str(), tag: hold.tag.as_str() }
    }
}

/// Reads lzc's error list: snapshot/hold name → int32 errno.
fn item_errors(errlist: Option<NvList>) -> Vec<ItemError> {
    let Some(errlist) = errlist else { return Vec::new() };
    let more = sys::ZPROP_N_MORE_ERRORS.to_str().unwrap_or("N_MORE_ERRORS");
    let mut out = Vec::new();
    for pair in errlist.iter() {
        let name = pair.name().into_owned();
        let errno = match pair.value() {
            Ok(crate::nvlist::NvValue::Int32(e)) => e,
            _ => libc::EINVAL,
        };
        if name == more {
            out.push(ItemError { name: format!("({errno} more errors)"), errno: Errno(0) });
        } else {
            out.push(ItemError { name, errno: Errno(errno) });
        }
    }
    out
}

fn set_of(names: &[&str]) -> Result<NvList> {
    let mut set = NvList::new()?;
    for n in names {
        set.insert_flag(n)?;
    }
    Ok(set)
}

fn cstring(what: &'static str, s: &str) -> Result<CString> {
    CString::new(s).map_err(|_| ZfsError::InvalidArgument {
        what,
        target: s.replace('\0', "\\0"),
        reason: "contains a NUL byte".to_owned(),
    })
}

impl Lzc {
    /// Initializes libzfs_core (once per process; later calls are cheap).
    /// Fails with [`ZfsError::ModuleNotLoaded`] when `/dev/zfs` is missing.
    pub fn init() -> Result<Lzc> {
        require_module()?;
        let mut done = INIT.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if !*done {
            // SAFETY: no preconditions; libzfs_core_init is reference
            // counted and never finalized by this crate.
            let rc = unsafe { sys::libzfs_core_init() };
            if rc != 0 {
                return Err(ZfsError::from_errno(Call::LibzfsCoreInit, ZFS_DEV, rc));
            }
            *done = true;
        }
        Ok(Lzc { _initialized: () })
    }

    /// Creates snapshots atomically (`lzc_snapshot`): all or none. They must
    /// be in one pool. `user_props` are user properties (`module:name`) set on
    /// every new snapshot. On failure the error carries the per-snapshot
    /// errnos.
    pub fn snapshot(&self, snapshots: &[&str], user_props: Option<&NvListRef>) -> Result<()> {
        let target = describe(snapshots);
        if snapshots.is_empty() {
            return Ok(());
        }
        let set = set_of(snapshots)?;
        let mut errlist = ptr::null_mut();
        let props = user_props.map_or(ptr::null_mut(), NvListRef::as_ptr);
        // SAFETY: valid lists; lzc only reads them; `errlist` receives a list
        // we own.
        let rc = unsafe { sys::lzc_snapshot(set.as_ptr(), props, &mut errlist) };
        // SAFETY: lzc allocated it (or left it null).
        let errlist = unsafe { NvList::from_raw(errlist) };
        check(rc, Call::LzcSnapshot, target, errlist)
    }

    /// Destroys snapshots atomically (`lzc_destroy_snaps`). Snapshots that do
    /// not exist are ignored. Without `defer`, a snapshot with holds or
    /// clones makes the whole call fail (`EBUSY`, nothing destroyed); with
    /// `defer` it is marked for destruction when the last hold goes.
    pub fn destroy_snaps(&self, snapshots: &[&str], defer: bool) -> Result<()> {
        let target = describe(snapshots);
        if snapshots.is_empty() {
            return Ok(());
        }
        let set = set_of(snapshots)?;
        let mut errlist = ptr::null_mut();
        let defer = if defer { sys::B_TRUE } else { sys::B_FALSE };
        // SAFETY: as in `snapshot`.
        let rc = unsafe { sys::lzc_destroy_snaps(set.as_ptr(), defer, &mut errlist) };
        // SAFETY: lzc allocated it (or left it null).
        let errlist = unsafe { NvList::from_raw(errlist) };
        check(rc, Call::LzcDestroySnaps, target, errlist)
    }

    /// Opens the descriptor [`Lzc::hold`] accepts as `cleanup_fd`: `/dev/zfs`
    /// opened with `O_EXCL`. Closing it (or exiting) releases the holds made
    /// with it.
    pub fn cleanup_fd(&self) -> Result<OwnedFd> {
        // The running kernel's node, as in `require_module`.
        #[allow(clippy::disallowed_methods)]
        let file = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_EXCL)
            .open(ZFS_DEV)
            .map_err(|source| ZfsError::Io { path: ZFS_DEV.into(), source })?;
        Ok(OwnedFd::from(file))
    }

    /// Places user holds (`lzc_hold`), all or none. Holds on snapshots that
    /// do not exist are skipped: they are returned (with `ENOENT`) instead of
    /// failing the call. Tags are checked with
    /// [`crate::names::check_hold_tag`] first, because one of 256 bytes would
    /// panic the kernel module. With `cleanup_fd` (an fd of `/dev/zfs` opened
    /// `O_EXCL`), the holds are released when that fd is closed.
    pub fn hold(
        &self,
        holds: &[RawHold<'_>],
        cleanup_fd: Option<BorrowedFd<'_>>,
    ) -> Result<Vec<ItemError>> {
        let snaps: Vec<&str> = holds.iter().map(|h| h.snapshot).collect();
        let target = describe(&snaps);
        if holds.is_empty() {
            return Ok(Vec::new());
        }
        let mut list = NvList::new()?;
        for h in holds {
            // The one name check at this layer: a 256-byte tag panics the
            // kernel module instead of failing (see names::check_hold_tag).
            crate::names::check_hold_tag(h.tag)?;
            if list.contains(h.snapshot) {
                return Err(ZfsError::InvalidArgument {
                    what: "holds",
                    target: h.snapshot.to_owned(),
                    reason: "lzc_hold takes one tag per snapshot per call".to_owned(),
                });
            }
            list.insert(h.snapshot, h.tag)?;
        }
        let fd: c_int = cleanup_fd.map_or(-1, |fd| fd.as_raw_fd());
        let mut errlist = ptr::null_mut();
        // SAFETY: valid list; `fd` is -1 or a live descriptor borrowed for
        // the call.
        let rc = unsafe { sys::lzc_hold(list.as_ptr(), fd, &mut errlist) };
        // SAFETY: lzc allocated it (or left it null).
        let errlist = unsafe { NvList::from_raw(errlist) };
        let items = item_errors(errlist);
        if rc != 0 {
            return Err(ZfsError::Errno { call: Call::LzcHold, target, errno: Errno(rc), items });
        }
        Ok(items)
    }

    /// Releases user holds (`lzc_release`), all or none. Holds that do not
    /// exist are skipped and returned instead of failing the call.
    pub fn release(&self, holds: &[RawHold<'_>]) -> Result<Vec<ItemError>> {
        let snaps: Vec<&str> = holds.iter().map(|h| h.snapshot).collect();
        let target = describe(&snaps);
        if holds.is_empty() {
            return Ok(Vec::new());
        }
        let mut by_snapshot: std::collections::BTreeMap<&str, Vec<&str>> = Default::default();
        for h in holds {
            by_snapshot.entry(h.snapshot).or_default().push(h.tag);
        }
        let mut list = NvList::new()?;
        for (snap, tags) in by_snapshot {
            list.insert(snap, &*set_of(&tags)?)?;
        }
        let mut errlist = ptr::null_mut();
        // SAFETY: valid list; errlist as above.
        let rc = unsafe { sys::lzc_release(list.as_ptr(), &mut errlist) };
        // SAFETY: lzc allocated it (or left it null).
        let errlist = unsafe { NvList::from_raw(errlist) };
        let items = item_errors(errlist);
        if rc != 0 {
            return Err(ZfsError::Errno {
                call: Call::LzcRelease,
                target,
                errno: Errno(rc),
                items,
            });
        }
        Ok(items)
    }

    /// The user holds on a snapshot: tag → creation time (`lzc_get_holds`).
    pub fn get_holds(&self, snapshot: &str) -> Result<Holds> {
        let c = cstring("snapshot", snapshot)?;
        let mut out = ptr::null_mut();
        // SAFETY: valid string; `out` receives a list we own.
        let rc = unsafe { sys::lzc_get_holds(c.as_ptr(), &mut out) };
        // SAFETY: lzc allocated it (or left it null).
        let list = unsafe { NvList::from_raw(out) };
        if rc != 0 {
            return Err(ZfsError::from_errno(Call::LzcGetHolds, snapshot, rc));
        }
        let mut holds = Holds::new();
        if let Some(list) = list {
            for pair in list.iter() {
                let tag = pair.name().into_owned();
                match pair.value()? {
                    crate::nvlist::NvValue::Uint64(t) => holds.insert(tag, t),
                    other => {
                        return Err(ZfsError::malformed(
                            "lzc_get_holds result",
                            snapshot,
                            format!("hold {tag} has a {:?}, not a uint64", other.nv_type()),
                        ));
                    }
                };
            }
        }
        Ok(holds)
    }

    /// Runs a read-only channel program in `pool`
    /// (`lzc_channel_program_nosync`, one `ZFS_IOC_CHANNEL_PROGRAM` ioctl):
    /// Lua evaluated in the kernel in open context, without waiting for a
    /// transaction group. `args` reaches the program as its one argument
    /// (`...`); the result is the output list, whose `return` entry is what
    /// the program returned. Needs `CAP_SYS_ADMIN` (`EPERM` otherwise).
    /// The output must fit in `limits.memory` bytes, which is also the size
    /// of the buffer lzc allocates for it (untouched pages cost nothing).
    pub fn channel_program_nosync(
        &self,
        pool: &str,
        program: &CStr,
        args: &NvListRef,
        limits: ProgramLimits,
    ) -> Result<NvList> {
        let c = cstring("pool", pool)?;
        let mut out = ptr::null_mut();
        // SAFETY: valid strings and list (lzc only reads `args`); `out`
        // receives a list we own, also on most failures.
        let rc = unsafe {
            sys::lzc_channel_program_nosync(
                c.as_ptr(),
                program.as_ptr(),
                limits.instructions,
                limits.memory,
                args.as_ptr(),
                &mut out,
            )
        };
        // SAFETY: lzc allocated it (or left it null).
        let out = unsafe { NvList::from_raw(out) };
        if rc != 0 {
            // A Lua error leaves its message (and traceback) under "error".
            let message =
                out.as_ref().and_then(|o| o.str(ZCP_RET_ERROR).ok().flatten()).map(str::to_owned);
            return Err(ZfsError::ChannelProgram {
                pool: pool.to_owned(),
                errno: Errno(rc),
                message,
            });
        }
        out.map_or_else(NvList::new, Ok)
    }

    /// Whether a dataset or snapshot exists (`lzc_exists`). A bookmark
    /// always reads as absent (the ioctl behind it, `ZFS_IOC_OBJSET_STATS`,
    /// does not look bookmarks up; seen on 2.3.2): list them with
    /// [`Lzc::get_bookmarks`].
    pub fn exists(&self, name: &str) -> Result<bool> {
        let c = cstring("dataset", name)?;
        // SAFETY: valid string.
        Ok(unsafe { sys::lzc_exists(c.as_ptr()) } != sys::B_FALSE)
    }

    /// Blocks until `activity` is no longer in progress on `pool`
    /// (`lzc_wait`, the `ZFS_IOC_WAIT` ioctl, which needs no privilege).
    /// Returns whether it had to wait. A paused scrub does not count as in
    /// progress.
    pub fn wait(&self, pool: &str, activity: WaitActivity) -> Result<bool> {
        let c = cstring("pool", pool)?;
        let mut waited = sys::B_FALSE;
        // SAFETY: valid string and out-pointer.
        let rc = unsafe { sys::lzc_wait(c.as_ptr(), activity.raw(), &mut waited) };
        if rc != 0 {
            return Err(ZfsError::from_errno(Call::LzcWait, pool, rc));
        }
        Ok(waited != sys::B_FALSE)
    }

    /// Starts, pauses or cancels a scrub (`lzc_scrub` with
    /// `ZFS_IOC_POOL_SCRUB`, OpenZFS 2.2+). Returns the raw errno semantics
    /// of the kernel: `EBUSY` when a scrub already runs, `ECANCELED` when a
    /// paused scrub was resumed, `ENOENT` when there is nothing to pause or
    /// cancel, `ZFS_ERR_IOC_CMD_UNAVAIL` from a 2.1 module.
    #[cfg(zfs_2_2)]
    pub fn scrub(&self, pool: &str, func: ScanFunc, cmd: ScrubCommand) -> Result<()> {
        let c = cstring("pool", pool)?;
        let mut args = NvList::new()?;
        args.insert("scan_type", &u64::from(func.raw()))?;
        args.insert("scan_command", &u64::from(cmd.raw()))?;
        // SAFETY: valid string and list; no output list requested.
        let rc = unsafe {
            sys::lzc_scrub(sys::ZFS_IOC_POOL_SCRUB, c.as_ptr(), args.as_ptr(), ptr::null_mut())
        };
        if rc != 0 {
            return Err(ZfsError::from_errno(Call::LzcScrub, pool, rc));
        }
        Ok(())
    }
}

fn check(rc: c_int, call: Call, target: String, errlist: Option<NvList>) -> Result<()> {
    if rc == 0 {
        return Ok(());
    }
    Err(ZfsError::Errno { call, target, errno: Errno(rc), items: item_errors(errlist) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn item_errors_read_lzc_errlists() {
        let mut errlist = NvList::new().unwrap();
        errlist.insert("tank/a@s", &libc::EEXIST).unwrap();
        errlist.insert("tank/b@s", &libc::EBUSY).unwrap();
        errlist.insert(sys::ZPROP_N_MORE_ERRORS.to_str().unwrap(), &3i32).unwrap();
        let items = item_errors(Some(errlist));
        assert_eq!(items.len(), 3);
        assert_eq!(items[0], ItemError { name: "tank/a@s".into(), errno: Errno(libc::EEXIST) });
        assert_eq!(items[1].errno, Errno(libc::EBUSY));
        assert_eq!(items[2].name, "(3 more errors)");
        assert!(item_errors(None).is_empty());
    }

    #[test]
    fn wait_activities_are_the_header_values() {
        assert_eq!(WaitActivity::Scrub.raw(), sys::ZPOOL_WAIT_SCRUB);
        assert_ne!(WaitActivity::Resilver.raw(), WaitActivity::Scrub.raw());
        // The last activity 2.3 added, right before the count.
        #[cfg(zfs_2_3)]
        assert_eq!(WaitActivity::RaidzExpand.raw() + 1, sys::ZPOOL_WAIT_NUM_ACTIVITIES);
    }
}
