//! One scrape: the board read now, SMART from its source, ZFS within its
//! deadline, assessed and encoded.

use std::time::{Duration, Instant};

use helios64_hal::Root;
use helios64_health::collect::{self, Collected};
use helios64_health::{CollectorStatus, Health, HealthConfig, Reading, SmartReading, assess};
use helios64_metrics::Snapshot;
use helios64_service::{Clock, StateDir};
use helios64_zfs::PoolStatus;

use crate::sources::{SmartRefresher, ZfsWorker};

/// Where SMART comes from.
#[derive(Debug)]
pub enum SmartSource {
    /// Refreshed in the background (listen mode).
    Refresher(SmartRefresher),
    /// Read once (textfile mode, or saved outputs for a fixture run).
    Once(Collected<Vec<SmartReading>>),
}

/// Where pools come from.
#[derive(Debug)]
pub enum ZfsSource {
    /// The ZFS thread, waited for at most this long.
    Worker(ZfsWorker, Duration),
    /// Read once (saved outputs, or skipped with why).
    Once(Collected<Vec<PoolStatus>>),
}

/// What a scrape produced.
#[derive(Debug)]
pub struct Scraped {
    /// The assessment.
    pub health: Health,
    /// The exposition text.
    pub text: String,
}

/// Everything a scrape reads from.
#[derive(Debug)]
pub struct Scraper {
    /// The filesystem root.
    pub root: Root,
    /// The daemons' state files.
    pub states: StateDir,
    /// SMART.
    pub smart: SmartSource,
    /// ZFS.
    pub zfs: ZfsSource,
}

impl Scraper {
    /// Reads, assesses and encodes, as of `clock`'s time. Never fails: a
    /// source that cannot be read is a failed collector in the output; if
    /// even encoding fails, the text is a single failed-collector line.
    pub fn scrape(&self, config: &HealthConfig, clock: &dyn Clock) -> Scraped {
        let started = Instant::now();
        let board = collect::board(&self.root, config.sata_controller.as_deref());
        let smart = match &self.smart {
            SmartSource::Refresher(r) => r.latest(),
            SmartSource::Once((reading, status)) => (reading.clone(), status.clone()),
        };
        let (pools, events) = match &self.zfs {
            ZfsSource::Worker(worker, deadline) => worker.read(*deadline),
            ZfsSource::Once((reading, status)) => ((reading.clone(), status.clone()), Vec::new()),
        };
        let readings = match &smart.0 {
            Reading::Read(r) => r.clone(),
            Reading::Failed(_) | Reading::Skipped(_) => Vec::new(),
        };
        let mut inputs =
            collect::inputs(&self.root, &self.states, clock, board, smart, pools, events);
        inputs.replication =
            collect::replication_state(&self.root, &config.replication.state_dir, clock);
        let health = assess(&inputs, config, clock.wall());
        // The whole read-and-assess, as its own collector line.
        let own = [CollectorStatus {
            name: "scrape".into(),
            success: Some(true),
            duration_seconds: started.elapsed().as_secs_f64(),
            detail: None,
        }];
        let text = match helios64_metrics::encode(&Snapshot {
            health: &health,
            smart: &readings,
            collectors: &own,
        }) {
            Ok(text) => text,
            Err(e) => format!(
                "# HELP helios64_scrape_collector_success 1 when the collector read its source.\n\
                 # TYPE helios64_scrape_collector_success gauge\n\
                 helios64_scrape_collector_success{{collector=\"encode\"}} 0\n# {}\n",
                helios64_text::error_chain(&e).replace('\n', " ")
            ),
        };
        Scraped { health, text }
    }
}
