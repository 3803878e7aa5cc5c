//! The operations both backends provide, and the rules they share.

use std::collections::BTreeMap;

use crate::error::{ErrorKind, Result, ZfsError};
use crate::model::{
    Dataset, Hold, Holds, PoolStatus, PoolSummary, Properties, ScrubAction, ScrubRequest, Snapshot,
};
use crate::names::{self, DatasetName, DatasetOrSnapshot, HoldTag, PoolName, SnapshotName};

/// ZFS operations, implemented natively (`helios64_zfs::Native`:
/// libzfs_core and libzfs) and over the `zpool`/`zfs` commands
/// (`helios64_zfs::Cli`, JSON output, OpenZFS 2.3+). Both return the same
/// values for the same pool; the CLI backend is the reference the native
/// one is tested against.
///
/// Names are typed ([`crate::names`]): they were checked when they were
/// made, so no method checks them again.
///
/// The rules both backends follow live here, once, as provided methods
/// ([`Zfs::scrub`], [`Zfs::snapshot`], [`Zfs::hold`], [`Zfs::release`]) over
/// a few *backend primitives* ([`Zfs::request_scrub`],
/// [`Zfs::create_snapshots`], [`Zfs::hold_tag`], [`Zfs::release_tag`]),
/// which a backend implements and callers normally leave alone.
pub trait Zfs: Send + Sync {
    /// The imported pools, by name.
    fn pools(&self) -> Result<Vec<PoolSummary>>;

    /// Everything `zpool status` shows about a pool, plus its space. Works
    /// without privileges (the `POOL_STATS` ioctl is a read policy).
    fn status(&self, pool: &PoolName) -> Result<PoolStatus>;

    /// Starts, pauses, resumes or cancels a scrub (root only). See
    /// [`ScrubAction`] for the rules.
    fn scrub(&self, pool: &PoolName, action: ScrubAction) -> Result<()> {
        let request = match action {
            ScrubAction::Start => ScrubRequest::StartOrResume,
            ScrubAction::Pause => ScrubRequest::Pause,
            ScrubAction::Cancel => ScrubRequest::Cancel,
            // What resumes a paused scrub would start a new one when none is
            // paused; Resume must never do that.
            ScrubAction::Resume => {
                if !self.status(pool)?.scan.is_some_and(|s| s.is_paused()) {
                    return Err(ZfsError::ScrubNotPaused { pool: pool.to_string() });
                }
                ScrubRequest::StartOrResume
            }
        };
        self.request_scrub(pool, request)
    }

    /// *Backend primitive* of [`Zfs::scrub`]: one scrub request, as
    /// `zpool scrub [-p|-s]` makes it.
    fn request_scrub(&self, pool: &PoolName, request: ScrubRequest) -> Result<()>;

    /// Blocks until no scrub runs on the pool (a paused scrub does not
    /// count). This and the event stream are the only waiting calls.
    fn wait_scrub(&self, pool: &PoolName) -> Result<()>;

    /// Creates snapshots of several datasets of one pool atomically, all
    /// with the given user properties (`module:name` → value, checked with
    /// [`names::check_user_property`]). No snapshots: nothing to do.
    fn snapshot(
        &self,
        snapshots: &[SnapshotName],
        user_props: &BTreeMap<String, String>,
    ) -> Result<()> {
        for (name, value) in user_props {
            names::check_user_property(name, value)?;
        }
        if snapshots.is_empty() {
            return Ok(());
        }
        self.create_snapshots(snapshots, user_props)
    }

    /// *Backend primitive* of [`Zfs::snapshot`]: at least one snapshot,
    /// checked user properties.
    fn create_snapshots(
        &self,
        snapshots: &[SnapshotName],
        user_props: &BTreeMap<String, String>,
    ) -> Result<()>;

    /// Destroys snapshots; ones that do not exist are ignored. Without
    /// `defer`, a held or cloned snapshot fails with
    /// [`ErrorKind::Busy`]; with `defer`, it is destroyed when its last
    /// hold is released. The native backend destroys all or none; the CLI
    /// backend runs one `zfs destroy` per dataset ([`by_dataset`]).
    fn destroy_snapshots(&self, snapshots: &[SnapshotName], defer: bool) -> Result<()>;

    /// The snapshots of a filesystem or volume, oldest (lowest createtxg)
    /// first.
    fn snapshots(&self, dataset: &DatasetName) -> Result<Vec<Snapshot>>;

    /// Places user holds, one [`Zfs::hold_tag`] per tag. If a snapshot does
    /// not exist the call fails with [`ErrorKind::NotFound`] naming it (the
    /// first such failure); holds on the snapshots that do exist are kept
    /// (this is lzc's and `zfs hold`'s behaviour), with every tag.
    fn hold(&self, holds: &[Hold]) -> Result<()> {
        each_tag(holds, |tag, snapshots| self.hold_tag(tag, snapshots))
    }

    /// *Backend primitive* of [`Zfs::hold`]: one tag on several snapshots;
    /// a missing snapshot is [`ErrorKind::NotFound`], the others are held.
    fn hold_tag(&self, tag: &HoldTag, snapshots: &[&SnapshotName]) -> Result<()>;

    /// Releases user holds, one [`Zfs::release_tag`] per tag. A hold that
    /// does not exist fails the call with [`ErrorKind::NotFound`] (the first
    /// such failure); the others are released.
    fn release(&self, holds: &[Hold]) -> Result<()> {
        each_tag(holds, |tag, snapshots| self.release_tag(tag, snapshots))
    }

    /// *Backend primitive* of [`Zfs::release`]: one tag from several
    /// snapshots; a missing hold is [`ErrorKind::NotFound`], the others are
    /// released.
    fn release_tag(&self, tag: &HoldTag, snapshots: &[&SnapshotName]) -> Result<()>;

    /// The holds on a snapshot.
    fn holds(&self, snapshot: &SnapshotName) -> Result<Holds>;

    /// The direct child filesystems and volumes of a dataset, by name.
    fn datasets(&self, parent: &DatasetName) -> Result<Vec<Dataset>>;

    /// Every property `zfs get all` shows for a dataset or snapshot,
    /// including user properties, with literal (`-p`) values.
    fn properties(&self, name: &DatasetOrSnapshot) -> Result<Properties>;
}

/// Holds grouped by tag, tags and snapshots in order; a repeated hold
/// appears once.
pub fn by_tag(holds: &[Hold]) -> BTreeMap<&HoldTag, Vec<&SnapshotName>> {
    let mut groups: BTreeMap<&HoldTag, Vec<&SnapshotName>> = BTreeMap::new();
    for hold in holds {
        let snapshots = groups.entry(&hold.tag).or_default();
        if !snapshots.contains(&&hold.snapshot) {
            snapshots.push(&hold.snapshot);
        }
    }
    groups
}

/// Snapshots grouped by dataset (`zfs destroy` takes `fs@a,b,c`): dataset →
/// short names, in order; a repeated snapshot appears once.
pub fn by_dataset(snapshots: &[SnapshotName]) -> BTreeMap<DatasetName, Vec<&str>> {
    let mut groups: BTreeMap<DatasetName, Vec<&str>> = BTreeMap::new();
    for snapshot in snapshots {
        let shorts = groups.entry(snapshot.dataset()).or_default();
        if !shorts.contains(&snapshot.short_name()) {
            shorts.push(snapshot.short_name());
        }
    }
    groups
}

/// Runs `op` for every tag; a `NotFound` does not stop the others and is
/// returned at the end (the first one), any other error at once.
fn each_tag(
    holds: &[Hold],
    mut op: impl FnMut(&HoldTag, &[&SnapshotName]) -> Result<()>,
) -> Result<()> {
    let mut missing = None;
    for (tag, snapshots) in by_tag(holds) {
        match op(tag, &snapshots) {
            Ok(()) => {}
            Err(e) if e.kind() == ErrorKind::NotFound => {
                missing.get_or_insert(e);
            }
            Err(e) => return Err(e),
        }
    }
    missing.map_or(Ok(()), Err)
}

#[cfg(test)]
mod tests;
