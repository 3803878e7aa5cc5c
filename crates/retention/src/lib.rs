//! The snapshot planner of `helios64-snap`: sanoid 2.x's rules, planned
//! natively and purely (no I/O, no ZFS).
//!
//! * [`parse_zfs_get`] reads a `zfs get -Hrpt snapshot creation[,userrefs]`
//!   listing into [`Snapshot`] records.
//! * [`SnapConfig`] is the policy (TOML, sanoid's key names);
//!   [`sanoid::parse`] reads an existing `sanoid.conf` as is into the same
//!   form, and [`sanoid::to_toml`] writes it back as TOML.
//! * [`SnapConfig::resolve`] gives one [`Policy`] per dataset (templates,
//!   recursion, child overrides); [`plan()`] decides what to take and
//!   destroy at an instant, with reasons ([`Plan`], serialisable as JSON);
//!   [`monitor::check`] is sanoid's `--monitor-snapshots`.
//!
//! ```
//! use helios64_retention::{Input, Listing, SnapConfig, Snapshot, Zone, plan};
//!
//! let config: SnapConfig = toml::from_str(r#"
//!     timezone = "UTC"
//!     [datasets.tank]
//!     hourly = 2
//!     daily = 0
//!     monthly = 0
//! "#)?;
//! let now = 1_700_000_000;
//! let snaps: Vec<Snapshot> = (0..4)
//!     .map(|h| Snapshot::new("tank", format!("autosnap_h{h}_hourly"), now - 3_600 * (4 - h)))
//!     .collect();
//! let listing = Listing::from_snapshots(&snaps)?;
//! let policies = config.resolve(&["tank"])?;
//! let zone = Zone::utc();
//! let p = plan(Input { policies: &policies, listing: &listing, datasets: &["tank"], now, zone: &zone })?;
//! assert_eq!(p.destroy_names(), ["tank@autosnap_h0_hourly", "tank@autosnap_h1_hourly"]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod config;
mod error;
mod json;
mod kind;
mod listing;
pub mod monitor;
mod plan;
mod policy;
pub mod sanoid;
#[cfg(feature = "testing")]
pub mod testing;
mod time;

pub use config::{Age, Recursive, Section, SnapConfig, ZfsWord, is_descendant};
pub use error::{At, Error, Result};
pub use kind::{Class, PREFIX, SnapType, classify, sanoid_type};
pub use listing::{Listing, Name, Snapshot, SnapshotRef, parse_zfs_get, read_zfs_get, to_zfs_get};
pub use plan::{Decision, Input, Plan, TakeGroup, Why, plan};
pub use policy::{
    Counts, Hooks, Policy, Schedule, Settings, Take, Thresholds, age_unit, parse_age,
};
pub use time::Zone;
