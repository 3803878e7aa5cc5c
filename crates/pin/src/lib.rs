//! IRQ, RPS and XPS pinning for the Helios64: what `helios64-pin` runs.
//!
//! - [`config`]: `/etc/helios64/pin.toml` — rules by *identity* (an IRQ's
//!   action name, a NIC's role), never an IRQ number or `ethN`; the default
//!   is Armbian's plan plus LAN2's receive processing off its xhci IRQ's
//!   CPU. Checked against the online CPUs with located errors.
//! - [`Pinning`]: the configuration resolved on the system under a root:
//!   which IRQ numbers and queues the rules mean now.
//! - [`Pinning::apply`]: the writes still needed, each reported as a
//!   [`Change`] (old → new) or a [`Failure`] (an IRQ the kernel will not
//!   move, `EIO` on managed IRQs, is reported, not fatal).
//! - [`link`]: per-role NIC link policy (advertised speed/duplex modes)
//!   through hal's in-process ethtool ioctl.
//! - [`Pinning::check`]: the drift report, hal's shared check
//!   ([`helios64_hal::PinAction::check`]), which `helios64 status` and the
//!   health verdict use too.
//!
//! No loops, timers or logging policy here: the daemon decides those.

pub mod config;
mod error;
pub mod link;
mod pinning;

pub use config::{CpuList, IrqConfig, LinkConfig, PinConfig, QueueConfig, WatchConfig, XpsConfig};
pub use error::{PinError, Result};
pub use link::{LinkCheck, LinkOutcome, LinkPlan};
pub use pinning::{ApplyReport, Change, CheckReport, Failure, Pinning, Setting, target};
