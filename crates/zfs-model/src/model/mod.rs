//! The values both backends return: pools, vdevs, scans, snapshots,
//! properties.
//!
//! State and error names follow `zpool status` (the tables in
//! `cmd/zpool/zpool_main.c`), so the native backend, which reads numbers,
//! and the CLI backend, which reads those names, produce the same values.

use std::collections::BTreeMap;

use crate::error::Result;
use crate::names::{DatasetName, HoldTag, PoolName, SnapshotName};

mod progress;
mod states;

pub use progress::{CheckpointState, CheckpointStats, RemovalState, RemovalStats};
pub use states::{Health, PoolState, ScanFunction, ScanState, SpareState, VdevAux, VdevState};

/// How much room a pool has (the `size`, `allocated`, `free`, `capacity`
/// and `fragmentation` pool properties).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PoolSpace {
    /// Total size in bytes.
    pub size: u64,
    /// Allocated bytes.
    pub allocated: u64,
    /// Free bytes.
    pub free: u64,
    /// Allocated share in percent.
    pub capacity_percent: u64,
    /// Free-space fragmentation in percent; `None` when ZFS cannot compute
    /// it (shown as "-").
    pub fragmentation_percent: Option<u64>,
}

/// One imported pool, as `zpool list` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolSummary {
    /// The pool's name.
    pub name: PoolName,
    /// The pool's GUID.
    pub guid: u64,
    /// The pool's health.
    pub health: Health,
    /// Space accounting.
    pub space: PoolSpace,
}

/// Error counters of a vdev (`vs_read_errors`, `vs_write_errors`,
/// `vs_checksum_errors`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct VdevErrors {
    /// Read I/O errors.
    pub read: u64,
    /// Write I/O errors.
    pub write: u64,
    /// Checksum errors.
    pub checksum: u64,
}

impl VdevErrors {
    /// Sum of the three counters.
    pub fn total(&self) -> u64 {
        self.read.saturating_add(self.write).saturating_add(self.checksum)
    }
}

/// Space accounting of a vdev (`vs_alloc`, `vs_space`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct VdevSpace {
    /// Allocated bytes.
    pub allocated: u64,
    /// Usable size in bytes.
    pub total: u64,
}

/// How vdev names are spelled: `zpool status`'s `-g`, `-L` and `-P`, chosen
/// by the caller and never by the environment (libzfs's `zpool_vdev_name`
/// ORs `ZPOOL_VDEV_NAME_GUID`, `_FOLLOW_LINKS` and `_PATH` into whatever
/// flags it is given, so the native backend spells names itself, by the same
/// rules). The default is `zpool status`'s own: short names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct VdevNaming {
    /// `-g`: every vdev but the root by its GUID.
    pub guid: bool,
    /// `-L`: device paths with symbolic links resolved.
    pub follow_links: bool,
    /// `-P`: full device paths, partition included.
    pub full_path: bool,
}

/// A node of the vdev tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vdev {
    /// The name `zpool status` shows ("mirror-0", "sda", a file path), as
    /// the backend's [`VdevNaming`] spells it.
    pub name: String,
    /// The vdev type ("root", "mirror", "raidz", "draid", "disk", "file",
    /// "spare", "replacing", …).
    pub vdev_type: String,
    /// The vdev's GUID.
    pub guid: u64,
    /// The device or file path, for leaves.
    pub path: Option<String>,
    /// The raw state.
    pub state: VdevState,
    /// Why it is in that state; `None` for `VDEV_AUX_NONE`.
    pub aux: Option<VdevAux>,
    /// The device is missing (`not_present`).
    pub not_present: bool,
    /// Error counters. `None` only from the CLI backend for hot spares,
    /// which `zpool status -j` prints without counters.
    pub errors: Option<VdevErrors>,
    /// I/Os slower than `zio_slow_io_ms`. The CLI prints it for leaves only,
    /// so the CLI backend has `None` for interior vdevs.
    pub slow_ios: Option<u64>,
    /// Space accounting. `None` only from the CLI backend for hot spares.
    pub space: Option<VdevSpace>,
    /// Children (for mirrors, raidz, …), in configuration order.
    pub children: Vec<Vdev>,
}

impl Vdev {
    /// What the state and aux amount to (`zpool_state_to_name`).
    pub fn health(&self) -> Health {
        Health::of_vdev(self.state, self.aux)
    }

    /// This vdev and all below it, depth first.
    pub fn walk(&self) -> Vec<&Vdev> {
        let mut out = vec![self];
        for c in &self.children {
            out.extend(c.walk());
        }
        out
    }

    /// The leaves (devices and files) below or at this vdev.
    pub fn leaves(&self) -> Vec<&Vdev> {
        self.walk().into_iter().filter(|v| v.children.is_empty()).collect()
    }
}

/// A hot spare of a pool and who uses it ([`Zfs::spares`](crate::Zfs::spares)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spare {
    /// The spare as the pool's spares list shows it.
    pub vdev: Vdev,
    /// AVAIL, INUSE or UNAVAIL, as `zpool status` prints it.
    pub state: SpareState,
    /// For a spare in use: the pool whose vdev tree has it (this pool, or
    /// another one sharing the spare); `None` when no imported pool does.
    pub used_by: Option<PoolName>,
}

/// The last or current scrub/resilver (`pool_scan_stat_t`). Times are Unix
/// seconds; byte counts are bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScanStats {
    /// Scrub, resilver, error scrub.
    pub function: ScanFunction,
    /// Running, finished, canceled.
    pub state: ScanState,
    /// When the scan started.
    pub start_time: u64,
    /// When it ended (0 while running).
    pub end_time: u64,
    /// Bytes to examine.
    pub to_examine: u64,
    /// Bytes examined so far.
    pub examined: u64,
    /// Bytes skipped (`pss_skipped`, OpenZFS 2.2+; the slot meant
    /// `pss_to_process` in 2.1, so it is `None` there).
    pub skipped: Option<u64>,
    /// Bytes processed (repaired data for scrubs, resilvered for resilvers).
    pub processed: u64,
    /// Scan errors.
    pub errors: u64,
    /// Bytes examined in the current pass.
    pub pass_examined: u64,
    /// When the current pass started.
    pub pass_start: u64,
    /// When the scrub was paused; 0 when it is not paused.
    pub pass_scrub_pause: u64,
    /// Total seconds the scrub spent paused.
    pub pass_scrub_spent_paused: u64,
    /// Bytes issued in the current pass.
    pub pass_issued: u64,
    /// Bytes issued (checked) in total.
    pub issued: u64,
}

impl ScanStats {
    /// A scrub that is in progress but paused.
    pub fn is_paused(&self) -> bool {
        self.state == ScanState::Scanning && self.pass_scrub_pause != 0
    }

    /// A scan that is in progress and not paused.
    pub fn is_running(&self) -> bool {
        self.state == ScanState::Scanning && self.pass_scrub_pause == 0
    }
}

/// Everything `zpool status` reports about a pool, plus its space.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolStatus {
    /// The pool's name.
    pub name: PoolName,
    /// The pool's GUID.
    pub guid: u64,
    /// The last synced transaction group.
    pub txg: u64,
    /// Pool health.
    pub health: Health,
    /// Import state; `None` from the CLI backend, which cannot see it.
    pub state: Option<PoolState>,
    /// The ZFS message id of the pool's status ("ZFS-8000-9P"), when it has
    /// something to report. See <https://openzfs.github.io/openzfs-docs/msg/>.
    pub msgid: Option<String>,
    /// The root vdev; its children are the data vdevs.
    pub root: Vdev,
    /// Separate intent log vdevs.
    pub logs: Vec<Vdev>,
    /// Special allocation class vdevs.
    pub special: Vec<Vdev>,
    /// Dedup allocation class vdevs.
    pub dedup: Vec<Vdev>,
    /// Cache devices.
    pub l2cache: Vec<Vdev>,
    /// Hot spares.
    pub spares: Vec<Vdev>,
    /// The last or current scrub/resilver; `None` if the pool was never
    /// scanned.
    pub scan: Option<ScanStats>,
    /// The pool's checkpoint (`zpool checkpoint`); `None` when it has none.
    pub checkpoint: Option<CheckpointStats>,
    /// The last device removal (`zpool remove`), running or done; `None`
    /// when the pool never had one.
    pub removal: Option<RemovalStats>,
    /// Number of persistent data errors (`error_count`).
    pub error_count: Option<u64>,
    /// Space accounting.
    pub space: PoolSpace,
}

impl PoolStatus {
    /// Every vdev of the pool: data, special, dedup, logs, cache, spares.
    pub fn all_vdevs(&self) -> Vec<&Vdev> {
        let mut out = self.root.walk();
        for class in [&self.logs, &self.special, &self.dedup, &self.l2cache, &self.spares] {
            for v in class {
                out.extend(v.walk());
            }
        }
        out
    }
}

/// An object with a permanent data error: one line of the list
/// `zpool status -v` prints under "Permanent errors have been detected"
/// ([`Zfs::data_errors`](crate::Zfs::data_errors)).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DataError {
    /// The object as `zpool status -v` spells it (`zpool_obj_to_path`):
    /// the file's path under its mountpoint when its dataset is mounted,
    /// `pool/fs:/path` when it is not, `pool/fs:<0x…>` when the object has
    /// no path (deleted since, or not a file), `<0x…>:<0x…>` when the
    /// dataset is gone, `<metadata>:<0x…>` for pool metadata.
    pub path: String,
    /// The dataset (objset) and object numbers of the damaged blocks'
    /// bookmark; `None` from the CLI backend, whose JSON has only the path.
    pub object: Option<ErrorObject>,
}

/// Where a [`DataError`] is, by number (`zbookmark_phys_t`'s `zb_objset`
/// and `zb_object`): stable while the path is not (a file renamed or
/// deleted, a dataset unmounted).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ErrorObject {
    /// The objset number of the dataset (0: the pool's metadata, the MOS).
    pub dataset: u64,
    /// The object number inside it.
    pub object: u64,
}

/// Whether a pool can take a change at all: what every mutating call of
/// [`Zfs`](crate::Zfs) checks before it reaches the kernel
/// ([`Zfs::ensure_writable`](crate::Zfs::ensure_writable)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PoolWritability {
    /// Imported with `readonly=on` (the `readonly` pool property).
    pub readonly: bool,
    /// I/O is suspended after failures (health SUSPENDED): every sync
    /// task waits for `zpool clear`.
    pub suspended: bool,
}

/// A scrub request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScrubAction {
    /// Start a scrub (fails with `Busy` if one is running).
    Start,
    /// Pause a running scrub; pausing when none runs is not an error (as
    /// `zpool scrub -p`).
    Pause,
    /// Resume a paused scrub; fails with `InvalidState` when none is paused.
    Resume,
    /// Cancel the scrub (fails with `NotFound` if none runs).
    Cancel,
}

/// What a backend is asked to do with a scrub
/// ([`Zfs::request_scrub`](crate::Zfs::request_scrub)): [`ScrubAction`]
/// after the trait applied its rules. Exhaustive on purpose: a new request
/// must be handled by every backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScrubRequest {
    /// Start a scrub, or resume a paused one (`zpool scrub`,
    /// `POOL_SCRUB_NORMAL`): `Busy` if one is running.
    StartOrResume,
    /// Pause the running scrub; nothing running is not an error.
    Pause,
    /// Cancel the scrub: `NotFound` if none runs.
    Cancel,
}

/// A snapshot and the properties a retention policy needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    /// Full name, `pool/fs@snap`.
    pub name: SnapshotName,
    /// The transaction group that created it (orders snapshots exactly).
    pub createtxg: u64,
    /// Creation time, Unix seconds.
    pub creation: u64,
    /// The snapshot's GUID: the same on every copy a `zfs send` made, so
    /// replication matches snapshots across pools by it.
    pub guid: u64,
    /// Bytes unique to this snapshot.
    pub used: u64,
    /// Number of user holds.
    pub userrefs: u64,
}

/// What kind of dataset a child is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DatasetKind {
    /// A filesystem.
    Filesystem,
    /// A volume (zvol).
    Volume,
}

/// A child dataset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dataset {
    /// Full name.
    pub name: DatasetName,
    /// Filesystem or volume.
    pub kind: DatasetKind,
}

/// Where a property value comes from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PropertySource {
    /// Read-only/statistic properties ("-").
    None,
    /// The built-in default.
    Default,
    /// Set on this dataset.
    Local,
    /// A temporary mount option.
    Temporary,
    /// Inherited from the named dataset.
    Inherited {
        /// The dataset it is inherited from.
        from: String,
    },
    /// Received with `zfs receive`.
    Received,
}

/// One property value, exactly as `zfs get -p` prints it (numbers are
/// plain integers).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Property {
    /// The value.
    pub value: String,
    /// Where it comes from.
    pub source: PropertySource,
}

/// A user hold: a tag on a snapshot that keeps it from being destroyed.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Hold {
    /// The snapshot, `pool/fs@snap`.
    pub snapshot: SnapshotName,
    /// The tag.
    pub tag: HoldTag,
}

impl Hold {
    /// A hold of `tag` on `snapshot`.
    pub fn new(snapshot: SnapshotName, tag: HoldTag) -> Hold {
        Hold { snapshot, tag }
    }

    /// A hold of `tag` on `snapshot`, both checked.
    pub fn parse(snapshot: &str, tag: &str) -> Result<Hold> {
        Ok(Hold { snapshot: snapshot.try_into()?, tag: tag.try_into()? })
    }
}

/// The holds on one snapshot: tag → creation time (Unix seconds). Tags are
/// as ZFS reports them (including the prefixed tags of temporary holds).
pub type Holds = BTreeMap<String, u64>;

/// Properties of a dataset: name → value.
pub type Properties = BTreeMap<String, Property>;
