//! Native OpenZFS for Rust: pool status, scrubs, snapshots, holds, datasets
//! and events over `libzfs_core` and `libzfs`, with a `zpool`/`zfs` JSON
//! backend behind the same [`Zfs`] trait.
//!
//! ```no_run
//! use helios64_zfs::{Native, Zfs};
//!
//! # fn main() -> Result<(), helios64_zfs::ZfsError> {
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
//! ```
//!
//! * [`Native`]: lzc calls (snapshots, holds, scrubs on 2.2+, waits) are
//!   free-threaded; libzfs calls (status, listing, properties) share one
//!   handle behind a lock. [`Native::events`] streams zpool events.
//! * [`Cli`]: the same operations over `zpool`/`zfs -j` (OpenZFS 2.3+), the
//!   reference the native backend is tested against.
//! * [`NvList`]: safe nvlists, usable without the kernel module.
//! * [`lzc::Lzc`]: libzfs_core with its exact semantics (per-item errors,
//!   skipped holds).
//! * [`version`]: compiled/loaded/kernel version check; the native backend
//!   refuses to run on a mismatch.
//!
//! The crate is built against the OpenZFS headers found by pkg-config
//! (2.1 to 2.4); cfgs `zfs_2_1` … `zfs_2_4` (cumulative) gate
//! version-specific calls. See `docs/zfs.md` for the support matrix and the
//! privileges each call needs.

#![deny(missing_docs)]
// Unit tests write fake commands and fixture trees with std::fs on purpose.
#![cfg_attr(test, allow(clippy::disallowed_methods))]

mod backend;
pub mod cli;
mod error;
mod ffi;
pub mod lzc;
pub mod model;
pub mod names;
mod native;
pub mod nvlist;
pub mod version;

pub use backend::Zfs;
pub use cli::Cli;
pub use error::{Call, Errno, ErrorKind, ItemError, LibzfsError, Result, ZfsError};
pub use model::*;
pub use native::{Event, Events, EventsFrom, Native, parse_event};
pub use nvlist::{NvList, NvListRef};
