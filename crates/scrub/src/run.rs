//! Gathering the facts, acting on decisions, following a scrub.

use std::collections::BTreeMap;
use std::time::{Duration, UNIX_EPOCH};

use helios64_service::Clock;
use helios64_zfs_model::{PoolName, ScanFunction, ScanState, ScrubAction, Zfs, ZfsError};
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};

use crate::decide::{Decision, Facts, Refusal, ScrubConfig, decide};

/// What the box says about power and heat, read again while following.
pub trait Sensors {
    /// Mains present; `None` when the board cannot tell.
    fn mains_online(&self) -> Option<bool>;
    /// The hottest bay disk (bay, °C); `None` when none can be read.
    fn hottest_disk(&self) -> Option<(String, i64)>;
}

/// The record of one pool's last scrub (the state file's `pools` entries).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// What this run decided, in words.
    pub decision: String,
    /// When the last scrub we saw complete ended, Unix seconds.
    pub last_end: Option<u64>,
    /// Bytes it repaired.
    pub repaired_bytes: Option<u64>,
    /// Errors it found.
    pub errors: Option<u64>,
}

/// A failed ZFS call, naming the pool.
#[derive(Debug, thiserror::Error)]
#[error("pool {pool}: {source}")]
pub struct Error {
    /// The pool.
    pub pool: String,
    /// Why.
    #[source]
    pub source: ZfsError,
}

/// What the decisions are made with.
pub struct Context<'a> {
    /// ZFS.
    pub zfs: &'a dyn Zfs,
    /// Power and heat.
    pub sensors: &'a dyn Sensors,
    /// Wall time and time since boot.
    pub clock: &'a dyn Clock,
    /// The window's zone.
    pub zone: &'a TimeZone,
    /// The policy.
    pub config: &'a ScrubConfig,
    /// The previous run's records, by pool.
    pub records: &'a BTreeMap<String, Record>,
}

impl std::fmt::Debug for Context<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context").field("config", self.config).finish_non_exhaustive()
    }
}

fn wall_secs(clock: &dyn Clock) -> u64 {
    clock.wall().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

impl Context<'_> {
    /// Whether now is inside the window (always, without one).
    pub fn in_window(&self) -> bool {
        let Some(w) = &self.config.window else { return true };
        let now = i64::try_from(wall_secs(self.clock)).unwrap_or(0);
        let Ok(ts) = jiff::Timestamp::from_second(now) else { return true };
        let local = self.zone.to_datetime(ts);
        let minute =
            u32::try_from(i32::from(local.hour()) * 60 + i32::from(local.minute())).unwrap_or(0);
        // A malformed window is refused when the config is loaded.
        w.contains(minute).unwrap_or(true)
    }

    /// The pools to consider: the configured ones, or every imported pool.
    pub fn pools(&self) -> Result<Vec<PoolName>, Error> {
        if !self.config.pools.is_empty() {
            let mut out = Vec::new();
            for p in &self.config.pools {
                let name = PoolName::try_from(p.as_str())
                    .map_err(|source| Error { pool: p.clone(), source })?;
                out.push(name);
            }
            return Ok(out);
        }
        let pools = self.zfs.pools().map_err(|source| Error { pool: "*".into(), source })?;
        Ok(pools.into_iter().map(|p| p.name).collect())
    }

    /// The decision for every pool, in name order, one pool at a time: a
    /// pool scrubbing (or about to start) keeps the others waiting.
    pub fn decide_all(&self) -> Result<Vec<(PoolName, Decision)>, Error> {
        self.decide_all_for(&self.pools()?)
    }

    /// [`Context::decide_all`] for these pools.
    pub fn decide_all_for(&self, pools: &[PoolName]) -> Result<Vec<(PoolName, Decision)>, Error> {
        let mut pools = pools.to_vec();
        pools.sort();
        let mut statuses = Vec::new();
        for pool in pools {
            let status = self
                .zfs
                .status(&pool)
                .map_err(|source| Error { pool: pool.to_string(), source })?;
            statuses.push((pool, status));
        }
        let mut scrubbing: Option<String> = statuses
            .iter()
            .find(|(_, s)| {
                s.scan.is_some_and(|s| {
                    s.function == ScanFunction::Scrub && s.state == ScanState::Scanning
                })
            })
            .map(|(p, _)| p.to_string());
        let (mains_online, hottest_disk) =
            (self.sensors.mains_online(), self.sensors.hottest_disk());
        let mut out = Vec::new();
        for (pool, status) in statuses {
            let mine = scrubbing.as_deref() == Some(pool.as_str());
            let facts = Facts {
                health: status.health,
                scan: status.scan,
                recorded_end: self.records.get(pool.as_str()).and_then(|r| r.last_end),
                mains_online,
                hottest_disk: hottest_disk.clone(),
                uptime: self.clock.monotonic().as_duration(),
                now: wall_secs(self.clock),
                in_window: self.in_window(),
                other_scrubbing: if mine { None } else { scrubbing.clone() },
            };
            let decision = decide(self.config, &facts);
            if matches!(decision, Decision::Start { .. } | Decision::Resume) {
                scrubbing = Some(pool.to_string());
            }
            out.push((pool, decision));
        }
        Ok(out)
    }

    /// Carries out a decision.
    pub fn act(&self, pool: &PoolName, decision: &Decision) -> Result<(), Error> {
        let action = match decision {
            Decision::Start { .. } => ScrubAction::Start,
            Decision::Resume => ScrubAction::Resume,
            Decision::Pause { .. } => ScrubAction::Pause,
            _ => return Ok(()),
        };
        self.zfs.scrub(pool, action).map_err(|source| Error { pool: pool.to_string(), source })
    }
}

/// One progress report of a followed scrub.
#[derive(Debug, Clone, PartialEq)]
pub struct Progress {
    /// Fraction done, 0–1.
    pub done: f64,
    /// Bytes issued per second since the pass started.
    pub rate: f64,
    /// Seconds to go at that rate.
    pub eta_secs: Option<u64>,
}

impl std::fmt::Display for Progress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:.1}% done, {:.1} MiB/s", self.done * 100.0, self.rate / 1_048_576.0)?;
        match self.eta_secs {
            Some(s) => write!(f, ", {}h{:02}m to go", s / 3_600, s % 3_600 / 60),
            None => Ok(()),
        }
    }
}

/// How following ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "end")]
pub enum Followed {
    /// The scrub completed.
    Finished {
        /// When, Unix seconds.
        end_time: u64,
        /// Bytes repaired.
        repaired_bytes: u64,
        /// Errors found.
        errors: u64,
    },
    /// Paused by us.
    Paused {
        /// Why.
        why: Refusal,
    },
    /// Canceled or replaced by another scan (a resilver) behind our back.
    Stopped,
}

/// Follows `pool`'s scrub until it ends, reporting progress every
/// `progress_secs` and pausing it when the window ends, mains is lost or a
/// disk gets too hot. `sleep` waits (the real one sleeps; tests advance a
/// simulated clock).
pub fn follow(
    cx: &Context<'_>,
    pool: &PoolName,
    sleep: &mut dyn FnMut(Duration),
    report: &mut dyn FnMut(&Progress),
) -> Result<Followed, Error> {
    let every = Duration::from_secs(u64::from(cx.config.progress_secs.max(1)));
    loop {
        let status =
            cx.zfs.status(pool).map_err(|source| Error { pool: pool.to_string(), source })?;
        let Some(scan) = status.scan.filter(|s| s.function == ScanFunction::Scrub) else {
            return Ok(Followed::Stopped);
        };
        match scan.state {
            ScanState::Finished => {
                return Ok(Followed::Finished {
                    end_time: scan.end_time,
                    repaired_bytes: scan.processed,
                    errors: scan.errors,
                });
            }
            ScanState::Scanning if !scan.is_paused() => {}
            _ => return Ok(Followed::Stopped),
        }
        let stop = if cx.sensors.mains_online() == Some(false) {
            Some(Refusal::OnBattery)
        } else if !cx.in_window() {
            Some(Refusal::OutsideWindow)
        } else {
            match cx.sensors.hottest_disk() {
                Some((bay, celsius))
                    if cx.config.max_disk_celsius > 0
                        && celsius > i64::from(cx.config.max_disk_celsius) =>
                {
                    Some(Refusal::TooHot { bay, celsius, limit: cx.config.max_disk_celsius })
                }
                _ => None,
            }
        };
        if let Some(why) = stop {
            cx.zfs
                .scrub(pool, ScrubAction::Pause)
                .map_err(|source| Error { pool: pool.to_string(), source })?;
            return Ok(Followed::Paused { why });
        }
        let elapsed = wall_secs(cx.clock).saturating_sub(scan.pass_start).max(1);
        let total = scan.to_examine.max(1);
        let issued = scan.issued.min(total);
        let rate = scan.pass_issued as f64 / elapsed as f64;
        let eta_secs = (rate > 0.0).then(|| ((total - issued) as f64 / rate) as u64);
        report(&Progress { done: issued as f64 / total as f64, rate, eta_secs });
        sleep(every);
    }
}
