//! `helios64 nettest`'s library: iperf3 per NIC in both directions, and a
//! verdict that names the Helios64's known LAN2 fault (at a 1 Gbit/s link
//! the 2.5 GbE port gives 10–100 Mbit/s with many retransmits until the
//! board is reworked).
//!
//! Parsing ([`iperf::parse`]) and judging ([`verdict::judge`]) are pure;
//! [`run::Target`] is the only part that starts a process.

mod error;
pub mod iperf;
pub mod run;
pub mod verdict;

pub use error::{NettestError, Result};
pub use iperf::{Direction, Throughput};
pub use run::Target;
pub use verdict::{Level, Limits, Link, Verdict, judge};
