//! The pure join: [`Inputs`] and thresholds in, [`Health`] out.

mod bays;
mod board;
mod pools;
mod replication;

use std::time::{SystemTime, UNIX_EPOCH};

use crate::config::HealthConfig;
use crate::inputs::{Inputs, Reading};
use crate::level::Level;
use crate::model::Health;
use crate::reason::{Reason, ReasonCode, Subject};
use crate::render::summary_line;

/// Joins `inputs` into one [`Health`] as of `now`, levelling every finding
/// by `config`'s thresholds. No I/O.
pub fn assess(inputs: &Inputs, config: &HealthConfig, now: SystemTime) -> Health {
    let now_unix = unix(now);
    let t = &config.thresholds;
    let mut reasons = Vec::new();

    // Where each vdev leaf lives, by bay; needed by both sides of the join.
    let disks = bays::disk_names(inputs);
    let located = pools::locate_leaves(inputs, &disks);

    let pools = pools::assess(inputs, config, &located, now_unix, &mut reasons);
    let bays = bays::assess(inputs, config, &pools, now_unix, &mut reasons);
    let board = board::assess(inputs, config, &mut reasons);
    let replication = replication::assess(inputs, config, now_unix, &mut reasons);

    for (name, reading) in [("smart", failure(&inputs.smart)), ("zfs", failure(&inputs.pools))] {
        if let Some(error) = reading {
            reasons.push(Reason::new(
                t.collector_failed,
                ReasonCode::CollectorFailed,
                Subject::part(name),
                format!("could not be read: {error}"),
            ));
        }
    }

    // Most severe first; within a level, by code then subject, so the order
    // is stable from run to run.
    reasons.sort_by(|a, b| {
        b.level
            .rank()
            .cmp(&a.level.rank())
            .then(a.code.cmp(&b.code))
            .then_with(|| a.subject.to_string().cmp(&b.subject.to_string()))
    });
    let verdict = reasons.iter().fold(Level::Ok, |acc, r| acc.worst(r.level));

    let mut health = Health {
        schema: crate::SCHEMA,
        verdict,
        summary: String::new(),
        checked_at_unix: now_unix,
        reasons,
        collectors: inputs.collectors.clone(),
        bays,
        pools,
        board,
        replication,
    };
    for bay in &mut health.bays {
        bay.level = health
            .reasons
            .iter()
            .filter(|r| r.subject.bay == Some(bay.bay))
            .fold(Level::Ok, |acc, r| acc.worst(r.level));
    }
    for pool in &mut health.pools {
        pool.level = health
            .reasons
            .iter()
            .filter(|r| r.subject.pool.as_deref() == Some(pool.name.as_str()))
            .fold(Level::Ok, |acc, r| acc.worst(r.level));
    }
    health.summary = summary_line(&health);
    health
}

fn failure<T>(reading: &Reading<T>) -> Option<&str> {
    match reading {
        Reading::Failed(error) => Some(error),
        Reading::Read(_) | Reading::Skipped(_) => None,
    }
}

pub(crate) fn unix(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// `n` thing(s).
pub(crate) fn plural(n: u64, one: &str, many: &str) -> String {
    if n == 1 { format!("1 {one}") } else { format!("{n} {many}") }
}

pub(crate) use helios64_text::age;
