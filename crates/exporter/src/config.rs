//! `/etc/helios64/exporter.toml`: how the exporter runs. What counts as a
//! warning, and the LEDs, are `health.toml`'s (shared with `helios64
//! health`).

use std::net::SocketAddr;

use helios64_service::{Config, Invalid, KeyPath};
use serde::{Deserialize, Serialize};

/// The exporter's own settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ExporterConfig {
    /// Where listen mode serves `/metrics` (`--listen` overrides it).
    pub listen: String,
    /// How often SMART is refreshed in the background (seconds). A scrape
    /// never runs smartctl: it is served the last refresh.
    pub smart_interval_seconds: u64,
    /// How long a scrape waits for ZFS (milliseconds) before answering
    /// with the ZFS collector marked failed.
    pub zfs_deadline_milliseconds: u64,
    /// How often listen mode re-assesses between scrapes, to keep the LEDs
    /// and the watchdog current (seconds).
    pub assess_interval_seconds: u64,
    /// The file textfile mode writes in its directory.
    pub textfile_name: String,
}

impl Default for ExporterConfig {
    fn default() -> Self {
        ExporterConfig {
            listen: "127.0.0.1:9164".into(),
            smart_interval_seconds: 600,
            zfs_deadline_milliseconds: 2_000,
            assess_interval_seconds: 60,
            textfile_name: "helios64.prom".into(),
        }
    }
}

impl Config for ExporterConfig {
    fn validate(&self) -> Result<(), Invalid> {
        let at = KeyPath::root();
        if self.listen.parse::<SocketAddr>().is_err() {
            return Err(Invalid::new(
                at.key("listen"),
                format!("{:?} is not an address:port", self.listen),
            ));
        }
        if !(10..=86_400).contains(&self.smart_interval_seconds) {
            return Err(Invalid::new(at.key("smart_interval_seconds"), "must be 10..=86400"));
        }
        if !(10..=60_000).contains(&self.zfs_deadline_milliseconds) {
            return Err(Invalid::new(at.key("zfs_deadline_milliseconds"), "must be 10..=60000"));
        }
        if !(1..=3_600).contains(&self.assess_interval_seconds) {
            return Err(Invalid::new(at.key("assess_interval_seconds"), "must be 1..=3600"));
        }
        let name = &self.textfile_name;
        if name.is_empty()
            || name.contains('/')
            || name.starts_with('.')
            || !name.ends_with(".prom")
        {
            return Err(Invalid::new(
                at.key("textfile_name"),
                "must be a plain file name ending in .prom (node_exporter reads only *.prom, and skips dot files)",
            ));
        }
        Ok(())
    }
}
