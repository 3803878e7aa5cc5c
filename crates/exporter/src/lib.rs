//! `helios64-exporter`: the whole Helios64 in one Prometheus scrape.
//!
//! Two modes from one binary. `--listen ADDR` serves `/metrics` (default
//! `127.0.0.1:9164`) for a Prometheus server and keeps the fault and bay
//! error LEDs on the verdict; `--textfile DIR` writes `DIR/helios64.prom`
//! once, atomically, for node_exporter's textfile collector, run by a
//! timer. A scrape never blocks on a disk or a hung command: SMART is
//! refreshed on its own thread and served from its last run, and ZFS is
//! read on its own thread and waited for only until a deadline; a source
//! that fails is marked (`helios64_scrape_collector_success 0`) and the
//! scrape answers with the rest. The metrics are `helios64-metrics`'s
//! (docs/metrics.md); this crate is the process around them.

pub mod cli;
pub mod config;
pub mod daemon;
pub mod http;
pub mod scrape;
pub mod sources;
pub mod textfile;
#[cfg(feature = "native")]
pub mod zevents;

pub use config::ExporterConfig;
