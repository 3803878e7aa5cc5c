//! The native backend: libzfs_core for everything it can do (snapshots,
//! holds, scrubs on 2.2+, waits), libzfs for what it cannot (pool status,
//! dataset iteration, properties, events, scrubs on 2.1).

mod datasets;
mod errlog;
mod events;
mod libzfs;
#[cfg(test)]
mod model_checks;
mod program;
mod resume;
mod stats;
mod status;
mod vdev_names;

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use crate::error::{Result, ZfsError};
use crate::lzc::{Lzc, RawHold, ScanFunc, ScrubCommand, WaitActivity};
use crate::model::{
    DataError, Dataset, Holds, PoolStatus, PoolSummary, PoolWritability, Properties, ScrubRequest,
    Snapshot, VdevNaming,
};
use crate::names::describe;
use crate::nvlist::NvList;
use crate::version::{self, KernelPolicy, Versions};
use crate::{DatasetName, DatasetOrSnapshot, HoldTag, PoolName, SnapshotName, Zfs};

pub use events::{Event, Events, EventsFrom, parse_event};
use libzfs::Libzfs;
pub use resume::{Aborted, ResumeToken};

/// ZFS through libzfs_core and libzfs.
///
/// lzc calls run concurrently; libzfs calls are serialized by one lock,
/// because a libzfs handle keeps its last error inside itself.
pub struct Native {
    lzc: Lzc,
    lib: Mutex<Libzfs>,
    versions: Versions,
    naming: VdevNaming,
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
        Ok(Native { lzc, lib: Mutex::new(lib), versions, naming: VdevNaming::default() })
    }

    /// Spells vdev names in [`Zfs::status`] this way (default: short, as
    /// `zpool status`). The `ZPOOL_VDEV_NAME_*` environment variables have
    /// no effect either way.
    pub fn with_vdev_naming(mut self, naming: VdevNaming) -> Native {
        self.naming = naming;
        self
    }

    /// The libzfs_core layer, for calls with lzc's exact semantics.
    pub fn lzc(&self) -> Lzc {
        self.lzc
    }

    /// The snapshots of a dataset the way libzfs (and `zfs list`) reads
    /// them, one `ZFS_IOC_SNAPSHOT_LIST_NEXT` per snapshot: what
    /// [`Zfs::snapshots`] does. Public so the differential tests and the
    /// benchmark can hold it beside [`Native::snapshots_by_program`].
    pub fn snapshots_iterated(&self, dataset: &DatasetName) -> Result<Vec<Snapshot>> {
        datasets::snapshots(&mut self.lib(), dataset.as_str())
    }

    /// The snapshots of a dataset as a read-only channel program reads
    /// them, in one ioctl (root only): its error when the kernel refuses or
    /// the program fails (a dataset that does not exist is a
    /// [`ZfsError::ChannelProgram`] with Lua's message). Not what
    /// [`Zfs::snapshots`] uses: in the kernel's Lua, five `zfs.get_prop`
    /// calls per snapshot (each a hold by name) cost 1.7× libzfs's
    /// iteration (docs/PERFORMANCE.md, "Snapshot listing").
    pub fn snapshots_by_program(&self, dataset: &DatasetName) -> Result<Vec<Snapshot>> {
        program::list_snapshots(&self.lzc, dataset)
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

/// lzc's holds for one tag on several snapshots.
fn raw_holds<'a>(tag: &'a HoldTag, snapshots: &[&'a SnapshotName]) -> Vec<RawHold<'a>> {
    snapshots.iter().map(|s| RawHold::new(s.as_str(), tag.as_str())).collect()
}

/// Turns lzc's "skipped" items into a NotFound error.
fn skipped_is_missing(call: crate::Call, skipped: Vec<crate::ItemError>) -> Result<()> {
    let Some(first) = skipped.first() else { return Ok(()) };
    let names: Vec<&str> = skipped.iter().map(|i| i.name.as_str()).collect();
    Err(ZfsError::Errno { call, target: describe(&names), errno: first.errno, items: skipped })
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

    fn status(&self, pool: &PoolName) -> Result<PoolStatus> {
        let mut lib = self.lib();
        let handle = lib.open_pool(pool.as_str())?;
        status::pool_status(&handle, self.naming)
    }

    fn data_errors(&self, pool: &PoolName) -> Result<Vec<DataError>> {
        let mut lib = self.lib();
        let handle = lib.open_pool(pool.as_str())?;
        errlog::data_errors(&handle)
    }

    fn request_scrub(&self, pool: &PoolName, request: ScrubRequest) -> Result<()> {
        let (func, cmd) = match request {
            ScrubRequest::Pause => (ScanFunc::Scrub, ScrubCommand::Pause),
            ScrubRequest::Cancel => (ScanFunc::None, ScrubCommand::Normal),
            // POOL_SCRUB_NORMAL resumes a paused scrub, else starts one.
            ScrubRequest::StartOrResume => (ScanFunc::Scrub, ScrubCommand::Normal),
        };
        self.scan(pool.as_str(), func, cmd)
    }

    fn wait_scrub_idle(&self, pool: &PoolName) -> Result<()> {
        self.lzc.wait(pool.as_str(), WaitActivity::Scrub).map(|_| ())
    }

    fn writability(&self, pool: &PoolName) -> Result<PoolWritability> {
        let mut lib = self.lib();
        let handle = lib.open_pool(pool.as_str())?;
        Ok(status::writability(&handle))
    }

    fn create_snapshots(
        &self,
        snapshots: &[SnapshotName],
        user_props: &BTreeMap<String, String>,
    ) -> Result<()> {
        let mut props = NvList::new()?;
        for (k, v) in user_props {
            props.insert(k, v.as_str())?;
        }
        let names: Vec<&str> = snapshots.iter().map(SnapshotName::as_str).collect();
        self.lzc.snapshot(&names, Some(&props))
    }

    fn destroy_snapshots(&self, snapshots: &[SnapshotName], defer: bool) -> Result<()> {
        let names: Vec<&str> = snapshots.iter().map(SnapshotName::as_str).collect();
        self.lzc.destroy_snaps(&names, defer)
    }

    fn snapshots(&self, dataset: &DatasetName) -> Result<Vec<Snapshot>> {
        // The per-snapshot iteration, not the one-ioctl channel program:
        // measured faster (see snapshots_by_program), works unprivileged,
        // and reports errors (a missing dataset) in their canonical form.
        self.snapshots_iterated(dataset)
    }

    fn hold_tag(&self, tag: &HoldTag, snapshots: &[&SnapshotName]) -> Result<()> {
        let missing = self.lzc.hold(&raw_holds(tag, snapshots), None)?;
        skipped_is_missing(crate::Call::LzcHold, missing)
    }

    fn release_tag(&self, tag: &HoldTag, snapshots: &[&SnapshotName]) -> Result<()> {
        let skipped = self.lzc.release(&raw_holds(tag, snapshots))?;
        skipped_is_missing(crate::Call::LzcRelease, skipped)
    }

    fn holds(&self, snapshot: &SnapshotName) -> Result<Holds> {
        self.lzc.get_holds(snapshot.as_str())
    }

    fn datasets(&self, parent: &DatasetName) -> Result<Vec<Dataset>> {
        datasets::children(&mut self.lib(), parent.as_str())
    }

    fn properties(&self, name: &DatasetOrSnapshot) -> Result<Properties> {
        datasets::properties(&mut self.lib(), name.as_str())
    }
}
