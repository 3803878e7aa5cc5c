//! The whole Helios64 in one typed value.
//!
//! [`assess`] joins what the other crates read — the board
//! ([`helios64_status::BoxStatus`]: bays, disks, temperatures, fans, UPS,
//! NICs, IRQ pinning), SMART ([`SmartReading`]s from `helios64-smart`'s
//! standby-safe runner), the pools ([`helios64_zfs_model::PoolStatus`]) and
//! the daemons' state files (`fand`) — into one [`Health`]: every bay with
//! its disk, SMART verdict and the vdev that disk backs; every pool with its
//! vdevs, errors and scrub; the board; and one verdict with every
//! [`Reason`], each levelled by the [`HealthConfig`] thresholds.
//!
//! The join is pure: [`assess`] takes values and a wall-clock time and does
//! no I/O, so every rule is tested on plain values. [`collect`] gathers the
//! inputs on a live system or under a fixture root, each source on its own
//! ([`Collector`]) so one that fails is marked and the rest still count.
//! [`leds`] drives the fault and per-bay error LEDs from the verdict.
//!
//! Used by `helios64 health` and `helios64-exporter`.
//!
//! ```
//! use std::time::{Duration, SystemTime};
//! use helios64_health::{HealthConfig, Inputs, Level, assess};
//! use helios64_status::BoxStatus;
//!
//! let root = helios64_hal::Root::new("../../fixtures/sysfs/helios64-armbian");
//! let inputs = Inputs::board_only(BoxStatus::collect(&root));
//! let health = assess(&inputs, &HealthConfig::default(), SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000));
//! assert_eq!(health.bays.len(), 5);
//! // SMART was not collected: the bays carry no SMART view, and no reason
//! // claims anything about it.
//! assert!(health.bays.iter().filter_map(|b| b.disk.as_ref()).all(|d| d.smart.is_none()));
//! assert_ne!(health.verdict, Level::Critical);
//! ```

// Unit tests build fixture trees with std::fs on purpose.
#![cfg_attr(test, allow(clippy::disallowed_methods))]

mod assess;
pub mod collect;
mod config;
mod error;
mod inputs;
pub mod leds;
mod level;
mod model;
mod reason;
mod render;
pub mod resolve;

pub use assess::assess;
pub use collect::{Collector, CollectorOutcome};
pub use config::{HealthConfig, Leds, PinningCheck, ReplicationConfig, SmartConfig, Thresholds};
pub use error::{Error, Result};
pub use inputs::{DaemonState, Inputs, PoolEvent, Reading, SmartReading};
pub use level::Level;
pub use model::{
    BayHealth, BoardHealth, CollectorStatus, DaemonView, DiskHealth, FanHealth, Health, NicHealth,
    PinningHealth, PoolHealth, ReplicationHealth, RestoreTestView, ScanView, SmartView, SpaceView,
    TempHealth, UpsHealth, VdevHealth, VdevLink,
};
pub use reason::{Reason, ReasonCode, Subject};
pub use render::{summary_line, write_table};

/// The schema name of the JSON document (`helios64 health --json`).
pub const SCHEMA: &str = "helios64.health/1";
