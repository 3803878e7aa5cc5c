//! What [`assess`](crate::assess) joins: plain values, read elsewhere.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use helios64_fan::FanState;
use helios64_replication::ReplicationState;
use helios64_smart::report::Entry;
use helios64_status::BoxStatus;
use helios64_ups::UpsState;
use helios64_zfs_model::PoolStatus;
use smartctl_parser::SmartctlOutput;

use crate::model::CollectorStatus;
use crate::resolve::DiskRef;

/// One source's result.
#[derive(Debug, Clone)]
pub enum Reading<T> {
    /// Read.
    Read(T),
    /// The source failed; the whole error chain.
    Failed(String),
    /// Not read, and why: disabled in the config, or not available here (a
    /// fixture root has no smartctl or ZFS behind it; no ZFS module).
    Skipped(String),
}

impl<T> Reading<T> {
    /// The value, when read.
    pub fn get(&self) -> Option<&T> {
        match self {
            Reading::Read(v) => Some(v),
            Reading::Failed(_) | Reading::Skipped(_) => None,
        }
    }
}

/// SMART for one device, as the runner (or a saved output) left it.
#[derive(Debug, Clone)]
pub struct SmartReading {
    /// The device smartctl was run on (`/dev/sdc`).
    pub device: String,
    /// The judged entry: verdict, reasons, identity, and for a sleeping
    /// disk its last known result.
    pub entry: Entry,
    /// The full output the numbers come from: this check's, or for a
    /// sleeping disk the last full one (`None` when there never was one).
    pub output: Option<Arc<SmartctlOutput>>,
    /// When `output` was taken.
    pub output_taken_at: Option<SystemTime>,
}

/// A daemon's state file, as read.
#[derive(Debug, Clone)]
pub enum DaemonState<T> {
    /// Written within its allowed age: the daemon is running.
    Fresh(T),
    /// Older than allowed: the daemon is dead or stuck; the last state.
    Stale {
        /// Its age.
        age: Duration,
        /// The last state.
        state: T,
    },
    /// No state file.
    Absent,
    /// A state file that could not be read or parsed.
    Unreadable(String),
}

impl<T> DaemonState<T> {
    /// The state, when fresh.
    pub fn fresh(&self) -> Option<&T> {
        match self {
            DaemonState::Fresh(s) => Some(s),
            _ => None,
        }
    }
}

/// A zpool event (from the native backend's event stream).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PoolEvent {
    /// The pool.
    pub pool: String,
    /// The class, `sysevent.fs.zfs.scrub_finish`, `ereport.fs.zfs.checksum`.
    pub class: String,
    /// When it was posted (Unix seconds).
    pub time_unix: u64,
    /// The vdev's path, for vdev events.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vdev_path: Option<String>,
}

/// Everything [`assess`](crate::assess) joins.
#[derive(Debug, Clone)]
pub struct Inputs {
    /// The board.
    pub board: BoxStatus,
    /// SMART of the bay disks.
    pub smart: Reading<Vec<SmartReading>>,
    /// The imported pools.
    pub pools: Reading<Vec<PoolStatus>>,
    /// Recent zpool events, newest last.
    pub pool_events: Vec<PoolEvent>,
    /// Vdev paths resolved to the disk they live on (through `/dev/disk`
    /// links and `/sys/class/block`); paths missing here are matched by
    /// name (`/dev/sdc1`, `by-id/ata-…_SERIAL`, `wwn-0x…`).
    pub disk_links: BTreeMap<String, DiskRef>,
    /// The fan daemon's state.
    pub fand: DaemonState<FanState>,
    /// The UPS daemon's state. While it is fresh, the UPS is read from it:
    /// upsd holds the charger's GPIO lines, so a direct read would find
    /// them busy.
    pub upsd: DaemonState<UpsState>,
    /// The replication jobs' state file (`helios64-replicate`'s; a oneshot,
    /// so never stale: each job's freshness is its newest target snapshot).
    pub replication: DaemonState<ReplicationState>,
    /// Whether the IRQ pinning daemon manages this box (its state file
    /// exists): pinning drift is then a reason under `pinning = "auto"`.
    pub pin_managed: bool,
    /// How each source went, in collection order.
    pub collectors: Vec<CollectorStatus>,
}

impl Inputs {
    /// Inputs with only the board read: SMART and ZFS skipped, no daemons.
    pub fn board_only(board: BoxStatus) -> Inputs {
        Inputs {
            board,
            smart: Reading::Skipped("not collected".into()),
            pools: Reading::Skipped("not collected".into()),
            pool_events: Vec::new(),
            disk_links: BTreeMap::new(),
            fand: DaemonState::Absent,
            upsd: DaemonState::Absent,
            replication: DaemonState::Absent,
            pin_managed: false,
            collectors: Vec::new(),
        }
    }
}
