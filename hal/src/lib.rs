//! The Kobol Helios64 board model.
//!
//! `helios64-hal` describes the whole board — fans, thermal sensors, LEDs,
//! NICs, IRQ pinning, SATA bays, the battery UPS, GPIO and I2C — as typed
//! Rust over the kernel's userspace interfaces (sysfs, procfs, character
//! devices, ioctls). It reads what is there, reports what is missing, and
//! never invents a value: a malformed or absent node is an [`Error`] that
//! names the path.
//!
//! Every filesystem access goes through one injected [`Root`]: `/` on the
//! box, a fixture tree in tests. Both the Armbian device tree and the mainline
//! one are supported wherever their names differ.
//!
//! This crate has no service concerns (no loops, no timers, no logging
//! policy): the systemd binaries built on it decide those.

pub mod bay;
pub mod cpu;
pub mod cpuset;
mod error;
pub mod gpio;
pub mod iio;
pub mod irq;
pub mod net;
mod root;
#[cfg(feature = "testing")]
pub mod testing;
pub mod ups;

pub use cpuset::CpuSet;
pub use error::{Error, ErrorKind, IoOp, Result};
pub use root::Root;
