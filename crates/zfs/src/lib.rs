//! Native OpenZFS for Rust: pool status, scrubs, snapshots, holds, datasets
//! and events over `libzfs_core` and `libzfs`, with a `zpool`/`zfs` JSON
//! backend behind the same [`Zfs`] trait.
//!
//! ```no_run
//! # #[cfg(feature = "native")]
//! # fn main() -> Result<(), helios64_zfs::ZfsError> {
//! use helios64_zfs::{Native, Zfs};
//!
//! let zfs = Native::open()?; // checks libzfs and kernel module versions
//! for pool in zfs.pools()? {
//!     let status = zfs.status(&pool.name)?;
//!     println!("{} {} scrub={:?}", status.name, status.health, status.scan.map(|s| s.state));
//!     for vdev in status.all_vdevs() {
//!         if let Some(e) = vdev.errors.filter(|e| e.total() > 0) {
//!             println!("  {} {:?}", vdev.name, e);
//!         }
//!     }
//! }
//! # Ok(())
//! # }
//! # #[cfg(not(feature = "native"))]
//! # fn main() {}
//! ```
//!
//! * `Native` (feature `native`): lzc calls (snapshots, holds, scrubs on
//!   2.2+, waits) are free-threaded; libzfs calls (status, listing,
//!   properties) share one handle behind a lock. `Native::events` streams
//!   zpool events.
//! * `Cli` (feature `cli`): the same operations over `zpool`/`zfs -j`
//!   (OpenZFS 2.3+), the reference the native backend is tested against. It
//!   needs no C library.
//! * `NvList` (`native`): safe nvlists, usable without the kernel module.
//! * `lzc::Lzc` (`native`): libzfs_core with its exact semantics (per-item
//!   errors, skipped holds).
//! * `version` (`native`): compiled/loaded/kernel version check; the native
//!   backend refuses to run on a mismatch.
//! * The model, typed names, the error type and the trait come from
//!   `helios64-zfs-model` and are re-exported here, so they build without
//!   the C libraries: depend on that crate, or on this one with
//!   `default-features = false, features = ["cli"]`.
//!
//! With `native`, the crate is built against the OpenZFS headers found by
//! pkg-config (2.1 to 2.4); cfgs `zfs_2_1` … `zfs_2_4` (cumulative) gate
//! version-specific calls. See `docs/zfs.md` for the support matrix and the
//! privileges each call needs.

#![deny(missing_docs)]
// Unit tests write fake commands and fixture trees with std::fs on purpose.
#![cfg_attr(test, allow(clippy::disallowed_methods))]

#[cfg(feature = "cli")]
pub mod cli;
#[cfg(feature = "native")]
mod ffi;
#[cfg(feature = "native")]
pub mod lzc;
#[cfg(feature = "native")]
mod native;
#[cfg(feature = "native")]
pub mod nvlist;
#[cfg(feature = "native")]
pub mod version;

pub use helios64_zfs_model::model::*;
pub use helios64_zfs_model::{
    BookmarkName, Call, DatasetName, DatasetOrSnapshot, Errno, ErrorKind, HoldTag, ItemError,
    LibzfsError, PoolName, Result, SnapshotName, Zfs, ZfsError, by_dataset, by_tag, model, names,
};

/// The model's error items under the path this crate's modules use.
mod error {
    #[allow(unused_imports, reason = "each feature set uses some of them")]
    pub(crate) use helios64_zfs_model::{
        Call, Errno, ErrorKind, ItemError, LibzfsError, Result, ZfsError,
    };
}

#[cfg(feature = "cli")]
pub use cli::Cli;

/// A backend for reading pools, the best this build and system allow:
/// [`Native`] when built with it and libzfs matches the kernel module,
/// else [`Cli`] (the `zpool` command speaks for whatever module runs, e.g.
/// after an upgrade before the reboot). The native backend's refusal, when
/// there was one, comes back with the fallback so the caller can say why.
#[cfg(feature = "cli")]
pub fn open_reader() -> (Box<dyn Zfs>, Option<ZfsError>) {
    #[cfg(feature = "native")]
    let opened = match Native::open() {
        Ok(native) => (Box::new(native) as Box<dyn Zfs>, None),
        Err(e) => (Box::new(Cli::new()) as Box<dyn Zfs>, Some(e)),
    };
    #[cfg(not(feature = "native"))]
    let opened = (Box::new(Cli::new()) as Box<dyn Zfs>, None);
    opened
}
#[cfg(feature = "native")]
pub use native::{Aborted, Event, Events, EventsFrom, Native, ResumeToken, parse_event};
#[cfg(feature = "native")]
pub use nvlist::{NvList, NvListRef};
