//! The Helios64 as Prometheus metrics.
//!
//! [`families`] turns one assessment ([`helios64_health::Health`]) and the
//! SMART outputs behind it into metric families; [`encode`] writes them in
//! the Prometheus text format (0.0.4) through the `prometheus-client`
//! encoder, which node_exporter's textfile collector and a Prometheus
//! server both read.
//!
//! Names follow the tools people already have dashboards for:
//! pdf/zfs_exporter's `zfs_pool_*` (with its health codes) and
//! smartctl_exporter's `smartctl_*` (its labels; `device` without
//! `/dev/`), where the quantity is the same. Quantities neither has are
//! `zfs_vdev_*`, `zfs_pool_scrub_*` and `helios64_*`. Every family is listed
//! in `docs/metrics.md` with its type, labels, unit and source; a test
//! keeps the two equal.
//!
//! ```
//! use helios64_health::{HealthConfig, Inputs, assess};
//! use helios64_metrics::{Snapshot, encode};
//!
//! let root = helios64_hal::Root::new("../../fixtures/sysfs/helios64-armbian");
//! let inputs = Inputs::board_only(helios64_status::BoxStatus::collect(&root));
//! let health = assess(&inputs, &HealthConfig::default(), std::time::SystemTime::now());
//! let text = encode(&Snapshot { health: &health, smart: &[], collectors: &[] })?;
//! assert!(text.contains("\nhelios64_health_status 0\n"));
//! # Ok::<(), helios64_metrics::Error>(())
//! ```

mod board;
mod family;
mod pools;
mod replication;
mod smart;

pub use family::{Family, Sample, Value};

use helios64_health::{CollectorStatus, Health, SmartReading};
use prometheus_client::collector::Collector;
use prometheus_client::encoding::DescriptorEncoder;
use prometheus_client::registry::Registry;

/// The `Content-Type` of what [`encode`] writes.
pub const CONTENT_TYPE: &str = prometheus_client::encoding::prometheus_text::CONTENT_TYPE;

/// What failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The encoder refused (a name or label the exposition format cannot
    /// carry).
    #[error("cannot encode the metrics")]
    Encode(#[source] std::fmt::Error),
}

/// One scrape's worth of data.
#[derive(Debug, Clone, Copy)]
pub struct Snapshot<'a> {
    /// The assessment.
    pub health: &'a Health,
    /// The SMART readings behind it (the outputs carry the attributes).
    pub smart: &'a [SmartReading],
    /// The exporter's own collectors, beyond the assessment's (their
    /// success and duration join `helios64_scrape_collector_*`).
    pub collectors: &'a [CollectorStatus],
}

/// Every family of a snapshot, in exposition order; families without
/// samples are left out.
pub fn families(s: &Snapshot<'_>) -> Vec<Family> {
    let mut out = Vec::new();
    board::health(s, &mut out);
    pools::pools(s.health, &mut out);
    smart::smart(s, &mut out);
    board::bays(s.health, &mut out);
    board::board(s.health, &mut out);
    replication::replication(s.health, &mut out);
    out.retain(|f| !f.samples.is_empty());
    out
}

/// The snapshot in the Prometheus text format.
pub fn encode(s: &Snapshot<'_>) -> Result<String, Error> {
    encode_families(families(s))
}

/// Families in the Prometheus text format.
pub fn encode_families(families: Vec<Family>) -> Result<String, Error> {
    let mut registry = Registry::default();
    registry.register_collector(Box::new(Exposition(families)));
    let mut text = String::new();
    prometheus_client::encoding::prometheus_text::encode(&mut text, &registry)
        .map_err(Error::Encode)?;
    Ok(text)
}

/// The families as a prometheus-client collector.
#[derive(Debug)]
struct Exposition(Vec<Family>);

impl Collector for Exposition {
    fn encode(&self, mut encoder: DescriptorEncoder<'_>) -> Result<(), std::fmt::Error> {
        for family in &self.0 {
            family.encode(&mut encoder)?;
        }
        Ok(())
    }
}
