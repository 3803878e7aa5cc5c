//! The native backend: libzfs_core for everything it can do (snapshots,
//! holds, scrubs on 2.2+, waits), libzfs for what it cannot (pool status,
//! dataset iteration, properties, events, scrubs on 2.1).

mod datasets;
mod events;
mod libzfs;
mod stats;
mod status;

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use crate::backend::Zfs;
use crate::error::{Result, ZfsError};
use crate::lzc::{Lzc, ScanFunc, ScrubCommand, WaitActivity, describe};
use crate::model::{
    Dataset, Hold, Holds, PoolStatus, PoolSummary, Properties, ScrubAction, Snapshot,
};
use crate::names;
use crate::nvlist::NvList;
use crate::version::{self, KernelPolicy, Versions};

pub use events::{Event, Events, EventsFrom, parse_event};
use libzfs::Libzfs;

/// ZFS through libzfs_core and libzfs.
///
/// lzc calls run concurrently; libzfs calls are serialized by one lock,
/// because a libzfs handle keeps its last error inside itself.
pub struct Native {
    lzc: Lzc,
    lib: Mutex<Libzfs>,
    versions: Versions,
}

impl std::fmt::Debug for Native {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Native").field("versions", &self.versions).finish_non_exhaustive()
    }
}

impl Native {
    /// Opens the native backend after checking that the loaded libzfs and
    /// the kernel module are the OpenZFS release line this program was
    /// built against ([`KernelPolicy::SameLine`]).
    pub fn open() -> Result<Native> {
        Self::open_with(KernelPolicy::SameLine)
    }

    /// Opens the native backend with a chosen kernel-version policy. The
    /// loaded libzfs must match the build in any case.
    pub fn open_with(policy: KernelPolicy) -> Result<Native> {
        let versions = version::versions()?;
        versions.check(policy)?;
        let lzc = Lzc::init()?;
        let lib = Libzfs::init()?;
        Ok(Native { lzc, lib: Mutex::new(lib), versions })
    }

    /// The libzfs_core layer, for calls with lzc's exact semantics.
    pub fn lzc(&self) -> Lzc {
        self.lzc
    }

    /// The compiled, loaded and kernel versions found at open.
    pub fn versions(&self) -> &Versions {
        &self.versions
    }

    /// Opens a zpool event stream (root only). The stream has its own
    /// libzfs handle, so waiting on it does not hold this backend's lock.
    pub fn events(&self, from: EventsFrom) -> Result<Events> {
        Events::open(from)
    }

    fn lib(&self) -> MutexGuard<'_, Libzfs> {
        // A panic while the lock was held cannot leave Rust state half
        // updated (the guard protects only the C handle, whose error slot is
        // overwritten by every call), so a poisoned lock is still usable.
        self.lib.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// One scrub request, through `lzc_scrub` when built for 2.2+ (falling
    /// back to libzfs when the kernel module predates it), else `zpool_scan`.
    fn scan(&self, pool: &str, func: ScanFunc, cmd: ScrubCommand) -> Result<()> {
        #[cfg(zfs_2_2)]
        {
            match self.lzc.scrub(pool, func, cmd) {
                Err(e) if e.kind() == crate::ErrorKind::UnsupportedByModule => {}
                // ECANCELED: a paused scrub was resumed (libzfs treats it so).
                Err(e)
                    if e.errno() == Some(crate::Errno(libc::ECANCELED))
                        && cmd == ScrubCommand::Normal
                        && func == ScanFunc::Scrub =>
                {
                    return Ok(());
                }
                // ENOENT on pause: nothing to pause, not an error (as libzfs).
                Err(e)
                    if e.errno() == Some(crate::Errno(libc::ENOENT))
                        && cmd == ScrubCommand::Pause =>
                {
                    return Ok(());
                }
                other => return other,
            }
        }
        let mut lib = self.lib();
        let pool = lib.open_pool(pool)?;
        // SAFETY: valid pool handle; libzfs maps ECANCELED/ENOENT as above.
        let rc = unsafe { libzfs_sys::zpool_scan(pool.raw(), func.raw(), cmd.raw()) };
        if rc != 0 {
            let err = pool.error(crate::Call::ZpoolScan);
            // 2.1's zpool_scan reports "no active scrub" for a pause (2.2+
            // treats it as success); keep the trait's rule on every release.
            if cmd == ScrubCommand::Pause && err.kind() == crate::ErrorKind::NotFound {
                return Ok(());
            }
            return Err(err);
        }
        Ok(())
    }
}

fn by_tag(holds: &[Hold]) -> BTreeMap<&str, Vec<Hold>> {
    let mut groups: BTreeMap<&str, Vec<Hold>> = BTreeMap::new();
    for h in holds {
        groups.entry(h.tag.as_str()).or_default().push(h.clone());
    }
    groups
}

fn check_holds(holds: &[Hold]) -> Result<()> {
    for h in holds {
        names::check_snapshot(&h.snapshot)?;
        names::check_hold_tag(&h.tag)?;
    }
    Ok(())
}

/// Turns lzc's "skipped" items into a NotFound error.
fn skipped_is_missing(call: crate::Call, skipped: Vec<crate::ItemError>) -> Result<()> {
    if skipped.is_empty() {
        return Ok(());
    }
    let names: Vec<&str> = skipped.iter().map(|i| i.name.as_str()).collect();
    Err(ZfsError::Errno { call, target: describe(&names), errno: skipped[0].errno, items: skipped })
}

impl Zfs for Native {
    fn pools(&self) -> Result<Vec<PoolSummary>> {
        let mut out = Vec::new();
        self.lib().for_each_pool(|pool| {
            out.push(status::pool_summary(pool)?);
            Ok(())
        })?;
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    fn status(&self, pool: &str) -> Result<PoolStatus> {
        names::check_pool(pool)?;
        let mut lib = self.lib();
        let handle = lib.open_pool(pool)?;
        status::pool_status(&handle)
    }

    fn scrub(&self, pool: &str, action: ScrubAction) -> Result<()> {
        names::check_pool(pool)?;
        match action {
            ScrubAction::Start => self.scan(pool, ScanFunc::Scrub, ScrubCommand::Normal),
            ScrubAction::Pause => self.scan(pool, ScanFunc::Scrub, ScrubCommand::Pause),
            ScrubAction::Resume => {
                let paused = self.status(pool)?.scan.is_some_and(|s| s.is_paused());
                if !paused {
                    return Err(ZfsError::ScrubNotPaused { pool: pool.to_owned() });
                }
                self.scan(pool, ScanFunc::Scrub, ScrubCommand::Normal)
            }
            ScrubAction::Cancel => self.scan(pool, ScanFunc::None, ScrubCommand::Normal),
        }
    }

    fn wait_scrub(&self, pool: &str) -> Result<()> {
        names::check_pool(pool)?;
        self.lzc.wait(pool, WaitActivity::Scrub).map(|_| ())
    }

    fn snapshot(&self, snapshots: &[&str], user_props: &BTreeMap<String, String>) -> Result<()> {
        for s in snapshots {
            names::check_snapshot(s)?;
        }
        let mut props = NvList::new()?;
        for (k, v) in user_props {
            props.insert(k, v.as_str())?;
        }
        self.lzc.snapshot(snapshots, Some(&props))
    }

    fn destroy_snapshots(&self, snapshots: &[&str], defer: bool) -> Result<()> {
        for s in snapshots {
            names::check_snapshot(s)?;
        }
        self.lzc.destroy_snaps(snapshots, defer)
    }

    fn snapshots(&self, dataset: &str) -> Result<Vec<Snapshot>> {
        names::check_dataset(dataset)?;
        datasets::snapshots(&mut self.lib(), dataset)
    }

    fn hold(&self, holds: &[Hold]) -> Result<()> {
        check_holds(holds)?;
        // lzc_hold takes one tag per snapshot per call.
        let mut missing = Vec::new();
        for group in by_tag(holds).values() {
            missing.extend(self.lzc.hold(group, None)?);
        }
        skipped_is_missing(crate::Call::LzcHold, missing)
    }

    fn release(&self, holds: &[Hold]) -> Result<()> {
        check_holds(holds)?;
        let skipped = self.lzc.release(holds)?;
        skipped_is_missing(crate::Call::LzcRelease, skipped)
    }

    fn holds(&self, snapshot: &str) -> Result<Holds> {
        names::check_snapshot(snapshot)?;
        self.lzc.get_holds(snapshot)
    }

    fn datasets(&self, parent: &str) -> Result<Vec<Dataset>> {
        names::check_dataset(parent)?;
        datasets::children(&mut self.lib(), parent)
    }

    fn properties(&self, dataset: &str) -> Result<Properties> {
        if dataset.contains('@') {
            names::check_snapshot(dataset)?;
        } else {
            names::check_dataset(dataset)?;
        }
        datasets::properties(&mut self.lib(), dataset)
    }
}
