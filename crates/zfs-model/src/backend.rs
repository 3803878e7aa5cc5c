//! The operations both backends provide, and the rules they share.

use std::collections::BTreeMap;

use crate::error::{ErrorKind, Result, ZfsError};
use crate::model::{
    DataError, Dataset, Hold, Holds, PoolStatus, PoolSummary, PoolWritability, Properties,
    ScrubAction, ScrubRequest, Snapshot, Spare, SpareState,
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
/// ([`Zfs::scrub`], [`Zfs::wait_scrub`], [`Zfs::snapshot`], [`Zfs::hold`],
/// [`Zfs::release`]) over a few *backend primitives*
/// ([`Zfs::request_scrub`], [`Zfs::wait_scrub_idle`],
/// [`Zfs::create_snapshots`], [`Zfs::hold_tag`], [`Zfs::release_tag`],
/// [`Zfs::writability`]), which a backend implements and callers normally
/// leave alone.
///
/// **No call blocks for ever on a pool that cannot change.** Every provided
/// method that changes a pool or waits for it first asks
/// [`Zfs::ensure_writable`]: on a pool imported `readonly=on` it fails with
/// [`ZfsError::PoolReadOnly`] (kind [`ErrorKind::ReadOnly`]), on a pool whose
/// I/O is suspended with [`ZfsError::PoolSuspended`] (kind
/// [`ErrorKind::Busy`]), and the primitive is never called. On every
/// release, because `ZFS_IOC_POOL_SCRUB` (what `lzc_scrub` and `zpool scrub`
/// use on 2.2+) has no read-only check before OpenZFS commit bc0b5318aa
/// (issue #17527, not in 2.3.2): a scrub start, pause or cancel there waits
/// in the kernel for a transaction group that a read-only pool never syncs.
/// A wait for a scrub the pool's state says is running would wait as long.
///
/// # Error contract
///
/// Both backends give the same [`ErrorKind`] for the same failure; the
/// cases where ZFS's own answers differ are decided here:
///
/// | call | failure | kind |
/// |---|---|---|
/// | [`Zfs::snapshot`] | two snapshots of one dataset in one call | [`ErrorKind::InvalidInput`], before the backend runs (lzc: `EXDEV`) |
/// | [`Zfs::snapshot`] | snapshots in two pools in one call | [`ErrorKind::InvalidInput`], before the backend runs (lzc: `EXDEV`) |
/// | [`Zfs::snapshot`] | a property that is not a user property (`compression=lz4`, a name without `:`) | [`ErrorKind::InvalidInput`], before the backend runs |
/// | [`Zfs::snapshot`] | one of them exists | [`ErrorKind::Exists`], nothing created |
/// | [`Zfs::destroy_snapshots`] | a snapshot with a clone, without `defer` | [`ErrorKind::Busy`] (lzc: `EEXIST`; zfs: "has dependent clones") |
/// | [`Zfs::destroy_snapshots`] | a held snapshot, without `defer` | [`ErrorKind::Busy`] |
/// | [`Zfs::destroy_snapshots`] | a snapshot, or its dataset, that does not exist | ignored |
/// | [`Zfs::destroy_snapshots`] | its pool does not exist | [`ErrorKind::NotFound`] |
/// | any call on a pool | the pool does not exist | [`ErrorKind::NotFound`] |
/// | mutating calls | read-only / suspended pool | [`ErrorKind::ReadOnly`] / [`ErrorKind::Busy`] (above) |
pub trait Zfs: Send + Sync {
    /// The imported pools, by name.
    fn pools(&self) -> Result<Vec<PoolSummary>>;

    /// Everything `zpool status` shows about a pool, plus its space. Works
    /// without privileges (the `POOL_STATS` ioctl is a read policy).
    fn status(&self, pool: &PoolName) -> Result<PoolStatus>;

    /// The objects with permanent data errors, `zpool status -v`'s list, in
    /// its order (by dataset and object number, each object once). Empty
    /// when [`PoolStatus::error_count`] is 0. Root only: the
    /// `ZFS_IOC_ERROR_LOG` ioctl has the fault-injection policy, so an
    /// unprivileged caller gets [`ErrorKind::PermissionDenied`]. The count
    /// and the list can disagree for a moment: the kernel counts errors
    /// from its in-memory log too, and both change as a scrub runs.
    fn data_errors(&self, pool: &PoolName) -> Result<Vec<DataError>>;

    /// The pool's hot spares with their [`SpareState`] and, for one in use,
    /// the pool using it: this pool when the spare's GUID is in its vdev
    /// tree, else the imported pool that has it (a spare shared between
    /// pools is INUSE in every pool that lists it). Another pool whose
    /// status cannot be read fails the call only when no readable pool has
    /// the spare.
    fn spares(&self, pool: &PoolName) -> Result<Vec<Spare>> {
        let status = self.status(pool)?;
        // Read once, and only when a spare is in use outside this pool.
        let mut others: Option<Vec<(PoolName, Option<PoolStatus>)>> = None;
        let mut out = Vec::new();
        for vdev in status.spares.iter().cloned() {
            let state = SpareState::of(vdev.state, vdev.aux);
            let used_by = if state != SpareState::InUse {
                None
            } else if has_vdev(&status, vdev.guid) {
                Some(pool.clone())
            } else {
                let others = match &mut others {
                    Some(o) => o,
                    None => others.insert(
                        self.pools()?
                            .into_iter()
                            .filter(|p| p.name != *pool)
                            .map(|p| {
                                let status = self.status(&p.name).ok();
                                (p.name, status)
                            })
                            .collect(),
                    ),
                };
                let found = others.iter().find_map(|(name, status)| {
                    status.as_ref().filter(|s| has_vdev(s, vdev.guid)).map(|_| name.clone())
                });
                match found {
                    Some(name) => Some(name),
                    // An unread pool may be the one: read each again, and
                    // fail with its error if it still cannot be read.
                    None => {
                        let mut found = None;
                        for (name, _) in others.iter().filter(|(_, s)| s.is_none()) {
                            if has_vdev(&self.status(name)?, vdev.guid) {
                                found = Some(name.clone());
                                break;
                            }
                        }
                        found
                    }
                }
            };
            out.push(Spare { vdev, state, used_by });
        }
        Ok(out)
    }

    /// Starts, pauses, resumes or cancels a scrub (root only). See
    /// [`ScrubAction`] for the rules.
    fn scrub(&self, pool: &PoolName, action: ScrubAction) -> Result<()> {
        self.ensure_writable(pool, "scrub")?;
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
    /// count). This and the event stream are the only waiting calls. A
    /// read-only or suspended pool is refused ([`Zfs::ensure_writable`]): a
    /// scrub its state shows as running there can never finish.
    fn wait_scrub(&self, pool: &PoolName) -> Result<()> {
        self.ensure_writable(pool, "wait for scrub")?;
        self.wait_scrub_idle(pool)
    }

    /// *Backend primitive* of [`Zfs::wait_scrub`]: `lzc_wait` /
    /// `zpool wait -t scrub`, with no check of its own.
    fn wait_scrub_idle(&self, pool: &PoolName) -> Result<()>;

    /// *Backend primitive*: whether the pool is imported read-only and
    /// whether its I/O is suspended. Works without privileges.
    fn writability(&self, pool: &PoolName) -> Result<PoolWritability>;

    /// Refuses an `operation` that would change `pool` (or wait for it)
    /// when the pool cannot change: [`ZfsError::PoolReadOnly`] or
    /// [`ZfsError::PoolSuspended`]. The provided methods call it before
    /// their primitives; see the trait's documentation for why.
    fn ensure_writable(&self, pool: &PoolName, operation: &'static str) -> Result<()> {
        let w = self.writability(pool)?;
        if w.readonly {
            return Err(ZfsError::PoolReadOnly { pool: pool.to_string(), operation });
        }
        if w.suspended {
            return Err(ZfsError::PoolSuspended { pool: pool.to_string(), operation });
        }
        Ok(())
    }

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
        let refuse = |target: &SnapshotName, reason: &str| ZfsError::InvalidArgument {
            what: "snapshot list",
            target: target.to_string(),
            reason: reason.to_owned(),
        };
        let mut datasets = Vec::new();
        for snapshot in snapshots {
            let dataset = snapshot.dataset();
            if datasets.contains(&dataset) {
                return Err(refuse(snapshot, "a second snapshot of its dataset in one call"));
            }
            datasets.push(dataset);
        }
        let pools = pools_of(snapshots.iter());
        if let (Some(first), Some(other)) =
            (pools.first(), snapshots.iter().find(|s| s.pool() != pools[0]))
        {
            return Err(refuse(other, &format!("not in pool {first}: one call is one pool")));
        }
        for pool in pools {
            self.ensure_writable(&pool, "snapshot")?;
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
        for pool in pools_of(holds.iter().map(|h| &h.snapshot)) {
            self.ensure_writable(&pool, "hold")?;
        }
        each_tag(holds, |tag, snapshots| self.hold_tag(tag, snapshots))
    }

    /// *Backend primitive* of [`Zfs::hold`]: one tag on several snapshots;
    /// a missing snapshot is [`ErrorKind::NotFound`], the others are held.
    fn hold_tag(&self, tag: &HoldTag, snapshots: &[&SnapshotName]) -> Result<()>;

    /// Releases user holds, one [`Zfs::release_tag`] per tag. A hold that
    /// does not exist fails the call with [`ErrorKind::NotFound`] (the first
    /// such failure); the others are released.
    fn release(&self, holds: &[Hold]) -> Result<()> {
        for pool in pools_of(holds.iter().map(|h| &h.snapshot)) {
            self.ensure_writable(&pool, "release")?;
        }
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

/// Whether a vdev with this GUID is in the pool's vdev tree (where a spare
/// in use sits, under `spare-N`).
fn has_vdev(status: &PoolStatus, guid: u64) -> bool {
    status.root.walk().iter().any(|v| v.guid == guid)
}

/// The distinct pools of some snapshots, in order of first appearance.
fn pools_of<'a>(snapshots: impl Iterator<Item = &'a SnapshotName>) -> Vec<PoolName> {
    let mut pools: Vec<PoolName> = Vec::new();
    for snapshot in snapshots {
        let pool = snapshot.pool();
        if !pools.contains(&pool) {
            pools.push(pool);
        }
    }
    pools
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
