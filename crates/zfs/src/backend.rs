//! The operations both backends provide.

use std::collections::BTreeMap;

use crate::error::Result;
use crate::model::{
    Dataset, Hold, Holds, PoolStatus, PoolSummary, Properties, ScrubAction, Snapshot,
};

/// ZFS operations, implemented natively ([`crate::Native`]: libzfs_core and
/// libzfs) and over the `zpool`/`zfs` commands ([`crate::Cli`], JSON output,
/// OpenZFS 2.3+). Both return the same values for the same pool; the CLI
/// backend is the reference the native one is tested against.
///
/// Names are checked against ZFS syntax before anything runs
/// ([`crate::names`]).
pub trait Zfs: Send + Sync {
    /// The imported pools, by name.
    fn pools(&self) -> Result<Vec<PoolSummary>>;

    /// Everything `zpool status` shows about a pool, plus its space. Works
    /// without privileges (the `POOL_STATS` ioctl is a read policy).
    fn status(&self, pool: &str) -> Result<PoolStatus>;

    /// Starts, pauses, resumes or cancels a scrub (root only). See
    /// [`ScrubAction`] for the rules.
    fn scrub(&self, pool: &str, action: ScrubAction) -> Result<()>;

    /// Blocks until no scrub runs on the pool (a paused scrub does not
    /// count). This and the event stream are the only waiting calls.
    fn wait_scrub(&self, pool: &str) -> Result<()>;

    /// Creates snapshots of several datasets of one pool atomically, all
    /// with the given user properties (`module:name` → value).
    fn snapshot(&self, snapshots: &[&str], user_props: &BTreeMap<String, String>) -> Result<()>;

    /// Destroys snapshots; ones that do not exist are ignored. Without
    /// `defer`, a held or cloned snapshot fails with
    /// [`crate::ErrorKind::Busy`]; with `defer`, it is destroyed when its
    /// last hold is released. The native backend destroys all or none; the
    /// CLI backend runs one `zfs destroy` per dataset.
    fn destroy_snapshots(&self, snapshots: &[&str], defer: bool) -> Result<()>;

    /// The snapshots of a filesystem or volume, oldest (lowest createtxg)
    /// first.
    fn snapshots(&self, dataset: &str) -> Result<Vec<Snapshot>>;

    /// Places user holds. If a snapshot does not exist the call fails with
    /// [`crate::ErrorKind::NotFound`] naming it; holds on the snapshots that
    /// do exist are kept (this is lzc's and `zfs hold`'s behaviour).
    fn hold(&self, holds: &[Hold]) -> Result<()>;

    /// Releases user holds. A hold that does not exist fails the call with
    /// [`crate::ErrorKind::NotFound`]; the others are released.
    fn release(&self, holds: &[Hold]) -> Result<()>;

    /// The holds on a snapshot.
    fn holds(&self, snapshot: &str) -> Result<Holds>;

    /// The direct child filesystems and volumes of a dataset, by name.
    fn datasets(&self, parent: &str) -> Result<Vec<Dataset>>;

    /// Every property `zfs get all` shows for a dataset or snapshot,
    /// including user properties, with literal (`-p`) values.
    fn properties(&self, dataset: &str) -> Result<Properties>;
}
