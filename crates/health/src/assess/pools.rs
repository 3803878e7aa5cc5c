//! Pools: health, vdevs, errors, scrub, space, events.

use std::collections::BTreeMap;

use helios64_zfs_model::{
    Health as PoolState, PoolStatus, ScanFunction, ScanState, ScanStats, SpareState, Vdev,
};

use super::{age, plural};
use crate::config::HealthConfig;
use crate::inputs::{Inputs, Reading};
use crate::level::Level;
use crate::model::{PoolHealth, ScanView, SpaceView, VdevHealth};
use crate::reason::{Reason, ReasonCode, Subject};
use crate::resolve::{DiskNames, match_by_name};

/// Per pool, per leaf path: the (bay, device) behind it.
pub(super) type Located = BTreeMap<(String, String), (Option<u8>, String)>;

/// Finds the disk behind every leaf vdev that has a path: through the
/// resolved `/dev` links first, else by what the name says.
pub(super) fn locate_leaves(inputs: &Inputs, disks: &[(u8, DiskNames<'_>)]) -> Located {
    let mut out = Located::new();
    let Some(pools) = inputs.pools.get() else { return out };
    let names: Vec<DiskNames<'_>> = disks.iter().map(|(_, d)| *d).collect();
    for pool in pools {
        for (vdev, _, _) in every_vdev(pool) {
            let Some(path) = vdev.path.as_deref().filter(|_| vdev.children.is_empty()) else {
                continue;
            };
            let device = inputs
                .disk_links
                .get(path)
                .map(|r| r.disk.clone())
                .or_else(|| match_by_name(path, &names).map(str::to_owned));
            if let Some(device) = device {
                let bay = disks.iter().find(|(_, d)| d.device == device).map(|(b, _)| *b);
                out.insert((pool.name.to_string(), path.to_owned()), (bay, device));
            }
        }
    }
    out
}

/// Every vdev of a pool, depth-first, with its class and depth.
pub(super) fn every_vdev(pool: &PoolStatus) -> Vec<(&Vdev, &'static str, usize)> {
    fn walk<'a>(
        v: &'a Vdev,
        class: &'static str,
        depth: usize,
        out: &mut Vec<(&'a Vdev, &'static str, usize)>,
    ) {
        out.push((v, class, depth));
        for child in &v.children {
            walk(child, class, depth + 1, out);
        }
    }
    let mut out = Vec::new();
    walk(&pool.root, "data", 0, &mut out);
    for (class, group) in [
        ("log", &pool.logs),
        ("special", &pool.special),
        ("dedup", &pool.dedup),
        ("spare", &pool.spares),
    ] {
        for v in group {
            walk(v, class, 1, &mut out);
        }
    }
    out
}

/// pdf/zfs_exporter's health codes.
pub(crate) fn health_code(h: PoolState) -> u8 {
    match h {
        PoolState::Online => 0,
        PoolState::Degraded => 1,
        PoolState::Faulted => 2,
        PoolState::Offline => 3,
        PoolState::Unavail => 4,
        PoolState::Removed => 5,
        PoolState::Suspended => 6,
        // Not in zfs_exporter's table: a split-off or unknown pool is as
        // unusable as an unavailable one.
        _ => 4,
    }
}

pub(super) fn assess(
    inputs: &Inputs,
    config: &HealthConfig,
    located: &Located,
    now: u64,
    reasons: &mut Vec<Reason>,
) -> Vec<PoolHealth> {
    let t = &config.thresholds;
    let pools = match &inputs.pools {
        Reading::Read(pools) => pools.as_slice(),
        Reading::Failed(_) | Reading::Skipped(_) => &[],
    };
    if let Reading::Read(_) | Reading::Skipped(_) = &inputs.pools {
        for expected in &config.expected_pools {
            if !pools.iter().any(|p| p.name == *expected) {
                reasons.push(Reason::new(
                    t.pool_unusable,
                    ReasonCode::PoolMissing,
                    Subject::pool(expected.as_str()),
                    "is expected (expected_pools) but not imported",
                ));
            }
        }
    }
    pools.iter().map(|p| pool(inputs, config, located, p, now, reasons)).collect()
}

fn pool(
    inputs: &Inputs,
    config: &HealthConfig,
    located: &Located,
    p: &PoolStatus,
    now: u64,
    reasons: &mut Vec<Reason>,
) -> PoolHealth {
    let t = &config.thresholds;
    let name = p.name.to_string();
    let subject = Subject::pool(&name);
    match p.health {
        PoolState::Online => {}
        PoolState::Degraded => reasons.push(Reason::new(
            t.pool_degraded,
            ReasonCode::PoolDegraded,
            subject.clone(),
            "is DEGRADED: redundancy lost, data still served",
        )),
        other => reasons.push(Reason::new(
            t.pool_unusable,
            ReasonCode::PoolUnusable,
            subject.clone(),
            format!("is {other}"),
        )),
    }
    if let Some(n) = p.error_count.filter(|n| *n > 0) {
        reasons.push(Reason::new(
            t.data_errors,
            ReasonCode::DataErrors,
            subject.clone(),
            format!("{} with permanent errors (zpool status -v)", plural(n, "file", "files")),
        ));
    }

    let vdevs = vdevs(p, located, t.vdev_errors, t.vdev_not_online, reasons);
    let (scan, last_scrub) = scan(p, config, now, reasons);

    let space = SpaceView {
        size_bytes: p.space.size,
        allocated_bytes: p.space.allocated,
        free_bytes: p.space.free,
        capacity_ratio: ratio(p.space.allocated, p.space.size),
        fragmentation_ratio: p.space.fragmentation_percent.map(|f| f as f64 / 100.0),
    };
    let capacity = p.space.capacity_percent;
    let level = if capacity > t.capacity_crit_percent {
        Some(Level::Critical)
    } else if capacity > t.capacity_warn_percent {
        Some(Level::Warning)
    } else {
        None
    };
    if let Some(level) = level {
        reasons.push(Reason::new(
            level,
            ReasonCode::CapacityHigh,
            subject.clone(),
            format!("is {capacity}% full (warning above {}%)", t.capacity_warn_percent),
        ));
    }

    PoolHealth {
        health: p.health.as_str().to_owned(),
        health_code: health_code(p.health),
        level: Level::Ok,
        data_errors: p.error_count,
        space,
        vdevs,
        scan,
        last_scrub_completed_unix: last_scrub,
        last_scrub_age_seconds: last_scrub.map(|t| now.saturating_sub(t)),
        events: inputs.pool_events.iter().filter(|e| e.pool == name).cloned().collect(),
        name,
    }
}

fn vdevs(
    p: &PoolStatus,
    located: &Located,
    errors_level: Level,
    not_online_level: Level,
    reasons: &mut Vec<Reason>,
) -> Vec<VdevHealth> {
    let pool = p.name.to_string();
    every_vdev(p)
        .into_iter()
        .map(|(v, class, depth)| {
            let leaf = v.children.is_empty() && depth > 0;
            let place = v
                .path
                .as_ref()
                .and_then(|path| located.get(&(pool.clone(), path.clone())))
                .cloned();
            let (bay, device) = match place {
                Some((bay, device)) => (bay, Some(device)),
                None => (None, None),
            };
            let subject = Subject {
                bay,
                device: device.clone(),
                pool: Some(pool.clone()),
                vdev: Some(v.name.clone()),
                part: None,
            };
            let health = v.health();
            if leaf {
                if let Some(e) = v.errors.filter(|e| e.total() > 0) {
                    reasons.push(Reason::new(
                        errors_level,
                        ReasonCode::VdevErrors,
                        subject.clone(),
                        format!(
                            "{} read, {} write, {} checksum errors (zpool clear {pool} once fixed)",
                            e.read, e.write, e.checksum
                        ),
                    ));
                }
                // A spare on the shelf is AVAIL, a spare in use INUSE:
                // neither is a fault; an UNAVAIL spare is a failed disk.
                let failed = if class == "spare" {
                    SpareState::of(v.state, v.aux) == SpareState::Unavail
                } else {
                    health != PoolState::Online
                };
                if failed {
                    let why = v.aux.map(|a| format!(" ({})", a.as_str())).unwrap_or_default();
                    reasons.push(Reason::new(
                        not_online_level,
                        ReasonCode::VdevNotOnline,
                        subject,
                        format!("is {health}{why}"),
                    ));
                }
            }
            VdevHealth {
                name: v.name.clone(),
                vdev_type: v.vdev_type.clone(),
                class,
                depth,
                path: v.path.clone(),
                state: health.as_str().to_owned(),
                state_code: health_code(health),
                aux: v.aux.map(|a| a.as_str().to_owned()),
                read_errors: v.errors.map(|e| e.read),
                write_errors: v.errors.map(|e| e.write),
                checksum_errors: v.errors.map(|e| e.checksum),
                bay,
                device,
            }
        })
        .collect()
}

fn scan(
    p: &PoolStatus,
    config: &HealthConfig,
    now: u64,
    reasons: &mut Vec<Reason>,
) -> (Option<ScanView>, Option<u64>) {
    let t = &config.thresholds;
    let subject = Subject::pool(p.name.as_str());
    let overdue = |message: String, age_days: Option<u64>, reasons: &mut Vec<Reason>| {
        let level = match age_days {
            Some(d) if d <= t.scrub_warn_days => return,
            Some(d) if d <= t.scrub_crit_days => Level::Warning,
            Some(_) => Level::Critical,
            None => Level::Warning,
        };
        reasons.push(Reason::new(level, ReasonCode::ScrubOverdue, subject.clone(), message));
    };
    let Some(s) = p.scan.filter(|s| s.function != ScanFunction::None) else {
        overdue("has never been scrubbed".into(), None, reasons);
        return (None, None);
    };
    let view = scan_view(&s, now);
    if s.state == ScanState::Finished && s.errors > 0 {
        reasons.push(Reason::new(
            t.vdev_errors,
            ReasonCode::ScanErrors,
            subject.clone(),
            format!("the last {} found {}", view.function, plural(s.errors, "error", "errors")),
        ));
    }
    let last_scrub =
        (s.function == ScanFunction::Scrub && s.state == ScanState::Finished).then_some(s.end_time);
    match (s.function, s.state) {
        (ScanFunction::Scrub, ScanState::Finished) => {
            let age_s = now.saturating_sub(s.end_time);
            overdue(
                format!("last scrub completed {} ago", age(age_s)),
                Some(age_s / 86_400),
                reasons,
            );
        }
        // Running (or paused): the fix is under way.
        (_, ScanState::Scanning) => {}
        (ScanFunction::Scrub, ScanState::Canceled) => {
            let age_s = now.saturating_sub(s.start_time);
            overdue(
                format!("the last scrub, started {} ago, was canceled", age(age_s)),
                Some(age_s / 86_400),
                reasons,
            );
        }
        // After a resilver the pool status keeps no scrub time: judged by
        // the resilver's end, which read every allocated block of the new
        // disk only, so it still needs a scrub once the threshold passes.
        _ => {
            let age_s = now.saturating_sub(s.end_time.max(s.start_time));
            overdue(
                format!(
                    "no completed scrub on record; last scan: {} {} ago",
                    view.function,
                    age(age_s)
                ),
                Some(age_s / 86_400),
                reasons,
            );
        }
    }
    (Some(view), last_scrub)
}

fn scan_view(s: &ScanStats, now: u64) -> ScanView {
    let finished = s.state == ScanState::Finished;
    let progress = if finished { 1.0 } else { ratio(s.issued, s.to_examine) };
    let rate = (s.is_running() && s.pass_start > 0).then(|| {
        let elapsed =
            now.saturating_sub(s.pass_start).saturating_sub(s.pass_scrub_spent_paused).max(1);
        s.pass_issued as f64 / elapsed as f64
    });
    ScanView {
        function: match s.function {
            ScanFunction::Scrub => "scrub",
            ScanFunction::Resilver => "resilver",
            ScanFunction::ErrorScrub => "errorscrub",
            _ => "other",
        }
        .to_owned(),
        state: match s.state {
            ScanState::None => "none",
            ScanState::Scanning if s.is_paused() => "paused",
            ScanState::Scanning | ScanState::ErrorScrubbing => "scanning",
            ScanState::Finished => "finished",
            ScanState::Canceled => "canceled",
            _ => "other",
        }
        .to_owned(),
        progress_ratio: progress,
        rate_bytes_per_second: rate,
        errors: s.errors,
        start_unix: s.start_time,
        end_unix: s.end_time,
    }
}

fn ratio(part: u64, whole: u64) -> f64 {
    if whole == 0 { 0.0 } else { (part as f64 / whole as f64).clamp(0.0, 1.0) }
}
