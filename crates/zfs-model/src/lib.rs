//! The ZFS model of helios64, without the C libraries: what pools, vdevs,
//! scans, snapshots, holds and properties look like as values; checked,
//! typed names; the one error type; and the [`Zfs`] trait.
//!
//! This crate builds anywhere: it needs neither the OpenZFS headers nor
//! libclang, and links no ZFS library. The backends live in `helios64-zfs`
//! (features `native`, over libzfs_core/libzfs, and `cli`, over `zpool`/`zfs
//! -j`), which re-exports everything here, so a consumer that only reads
//! values (an exporter, a test) can depend on this crate alone.
//!
//! ```
//! use helios64_zfs_model::{Hold, SnapshotName};
//!
//! let snap: SnapshotName = "tank/home@daily-2026-11-25".parse()?;
//! assert_eq!(snap.dataset(), "tank/home");
//! assert_eq!(snap.short_name(), "daily-2026-11-25");
//! let hold = Hold::new(snap, "backup".parse()?);
//! assert_eq!(hold.tag, "backup");
//! assert!("tank/home@a%b".parse::<SnapshotName>().is_err());
//! # Ok::<(), helios64_zfs_model::ZfsError>(())
//! ```

#![deny(missing_docs)]

mod backend;
mod error;
pub mod model;
pub mod names;

pub use backend::{Zfs, by_dataset, by_tag};
pub use error::{Call, Errno, ErrorKind, ItemError, LibzfsError, Result, ZfsError};
pub use model::*;
pub use names::{BookmarkName, DatasetName, DatasetOrSnapshot, HoldTag, PoolName, SnapshotName};
