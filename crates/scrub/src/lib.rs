//! `helios64-scrub`: ZFS scrubs that know when not to.
//!
//! Per pool, a scrub starts only when the last *completed* scrub (scan
//! stats: function scrub, state finished, its end time; or our own record
//! when a resilver has replaced those stats) ended more than
//! `interval_days` ago, or the pool was never scrubbed; and only when the
//! pool is ONLINE (DEGRADED with `allow_degraded`), no resilver or other
//! scan runs, the board is on mains, no bay disk is hotter than
//! `max_disk_celsius`, the box has been up `boot_grace_minutes`, no other
//! pool is scrubbing, and now is inside the `window` if there is one.
//! "Already scrubbing" is success. A running scrub is paused at the end of
//! the window, when mains is lost or a disk gets too hot, and a paused one
//! resumed by a later run when everything allows it.
//!
//! [`decide`] is the pure rule (tested on tables); [`Context`] gathers the
//! facts from a [`helios64_zfs_model::Zfs`] backend, [`Sensors`] and a
//! [`helios64_service::Clock`], acts, and [`follow`]s a scrub to its end.

mod board;
pub mod cli;
mod decide;
mod run;

pub use board::HalSensors;
pub use decide::{Decision, Facts, Refusal, ScrubConfig, Window, decide, minute_of_day, summary};
pub use run::{Context, Error, Followed, Progress, Record, Sensors, follow};
