//! A generator of snapshot histories, for the property and differential
//! tests and the benchmark (feature `testing`).
//!
//! It simulates a box running the taker every `step` seconds over a span of
//! time, with downtime gaps (after which one catch-up snapshot per type is
//! taken, as sanoid does), creation jitter (the `creation` property a few
//! seconds after the name's stamp, and sometimes out of order with it),
//! foreign and look-alike names, future-dated snapshots and snapshots
//! exactly one second either side of every prune boundary. The random
//! source is a small xorshift, so a seed gives the same history on every
//! machine.

use crate::kind::SnapType;
use crate::listing::Snapshot;
use crate::policy::Schedule;
use crate::time::Zone;

/// xorshift64*: deterministic, dependency-free.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed (0 is remapped).
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `0..n` (`n` > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    /// Uniform in `0..n` seconds (`n` ≤ 0: 0).
    pub fn seconds(&mut self, n: i64) -> i64 {
        let n = u64::try_from(n).unwrap_or(0);
        i64::try_from(self.below(n)).unwrap_or(0)
    }

    /// True with probability `percent` / 100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    /// One of `items`.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// What to generate.
#[derive(Debug, Clone)]
pub struct Spec {
    /// Datasets; each gets the whole history.
    pub datasets: Vec<String>,
    /// Counts per type (a type with 0 is still taken when `take_all`).
    pub counts: [u32; 6],
    /// Preferred times.
    pub schedule: Schedule,
    /// First tick, seconds since the epoch.
    pub start: i64,
    /// Length of the history in seconds.
    pub span: i64,
    /// Seconds between ticks of the taker (sanoid's timer: 900).
    pub step: i64,
    /// Take every type at its schedule, even those with a count of 0 (an
    /// old policy's leftovers that the current one prunes).
    pub take_all: bool,
    /// Percent of ticks that start a downtime gap.
    pub downtime_percent: u64,
    /// Longest gap in seconds.
    pub max_downtime: i64,
    /// Largest creation jitter in seconds after the tick.
    pub jitter: i64,
    /// Foreign and look-alike snapshots per dataset.
    pub strays: usize,
    /// Also strays that sanoid would count but that are not provably ours.
    pub sanoid_only_strays: bool,
    /// Future-dated snapshots per dataset.
    pub future: usize,
    /// Add snapshots at cutoff − 1, cutoff and cutoff + 1 per type.
    pub boundaries: bool,
    /// Percent of snapshots marked held.
    pub held_percent: u64,
}

impl Spec {
    /// sanoid's default schedule on `datasets` over `days` days, no noise.
    pub fn sanoid_defaults(datasets: Vec<String>, start: i64, days: i64) -> Self {
        Spec {
            datasets,
            counts: [0, 48, 90, 0, 6, 0],
            schedule: Schedule::default(),
            start,
            span: days * 86_400,
            step: 900,
            take_all: false,
            downtime_percent: 0,
            max_downtime: 0,
            jitter: 0,
            strays: 0,
            sanoid_only_strays: false,
            future: 0,
            boundaries: false,
            held_percent: 0,
        }
    }

    /// The instant the history ends: the time to plan at.
    pub fn now(&self) -> i64 {
        self.start + self.span
    }
}

const FOREIGN: [&str; 9] = [
    "manual_hourly",
    "autosnap_{}_xhourly",
    "autosnap_{}_hourly_keep",
    "autosnap_{}_hourlyly",
    "autosnap_{}_Daily",
    "zfs-auto-snap_hourly-{}",
    "syncoid_nas_{}",
    "before-upgrade",
    "autosnap_{}_daily.bak",
];
const SANOID_ONLY: [&str; 4] = [
    "autosnapshot_{}_hourly",
    "autosnap-{}_daily",
    "autosnap_{}_weekly-daily",
    "autosnap_{}_hourly.monthly",
];

/// Generates a history: every dataset's snapshots, unordered.
pub fn history(spec: &Spec, rng: &mut Rng) -> Vec<Snapshot> {
    let zone = Zone::utc();
    let now = spec.now();
    let mut out = Vec::new();
    for dataset in &spec.datasets {
        let mut newest: [Option<i64>; 6] = [None; 6];
        let mut t = spec.start;
        while t < now {
            if spec.downtime_percent > 0 && rng.chance(spec.downtime_percent) {
                t += 1 + rng.seconds(spec.max_downtime);
                continue;
            }
            let stamp = zone.stamp(t).unwrap_or_default();
            let created = t + rng.seconds(spec.jitter + 1);
            for kind in SnapType::ALL {
                if spec.counts[kind.index()] == 0 && !spec.take_all {
                    continue;
                }
                let Ok(preferred) = zone.last_preferred(kind, &spec.schedule, t) else { continue };
                if newest[kind.index()].is_none_or(|n| n < preferred) {
                    newest[kind.index()] = Some(created);
                    let mut s =
                        Snapshot::new(dataset.clone(), format!("autosnap_{stamp}_{kind}"), created);
                    s.held = rng.chance(spec.held_percent);
                    out.push(s);
                }
            }
            t += spec.step;
        }
        let stamp =
            |rng: &mut Rng| zone.stamp(spec.start + rng.seconds(spec.span)).unwrap_or_default();
        for i in 0..spec.strays {
            let pattern = if spec.sanoid_only_strays && i % 2 == 1 {
                *rng.pick(&SANOID_ONLY)
            } else {
                *rng.pick(&FOREIGN)
            };
            // The counter goes inside, so the name still ends as the pattern does.
            let name = if pattern.contains("{}") {
                pattern.replace("{}", &format!("{}.{i}", stamp(rng)))
            } else {
                format!("{i}{pattern}")
            };
            out.push(Snapshot::new(dataset.clone(), name, spec.start + rng.seconds(spec.span)));
        }
        for i in 0..spec.future {
            let kind = *rng.pick(&SnapType::ALL);
            let at = now + 1 + rng.seconds(86_400 * 400);
            out.push(Snapshot::new(dataset.clone(), format!("autosnap_future{i}_{kind}"), at));
        }
        if spec.boundaries {
            for kind in SnapType::ALL {
                let cutoff = now
                    - i64::from(spec.counts[kind.index()])
                        * kind.period_seconds(spec.schedule.frequent_period);
                for d in -1..=1 {
                    out.push(Snapshot::new(
                        dataset.clone(),
                        format!("autosnap_edge{}_{kind}", d + 1),
                        cutoff + d,
                    ));
                }
            }
        }
    }
    out
}

/// A sanoid.conf for one section per dataset with these counts and times.
pub fn sanoid_conf(spec: &Spec) -> String {
    let s = &spec.schedule;
    let mut out = String::from("[template_gen]\n");
    for kind in SnapType::ALL {
        out.push_str(&format!("{kind} = {}\n", spec.counts[kind.index()]));
    }
    out.push_str(&format!(
        "frequent_period = {}\nhourly_min = {}\ndaily_hour = {}\ndaily_min = {}\nweekly_wday = {}\nweekly_hour = {}\nweekly_min = {}\n",
        s.frequent_period, s.hourly_min, s.daily_hour, s.daily_min, s.weekly_wday, s.weekly_hour, s.weekly_min
    ));
    for dataset in &spec.datasets {
        out.push_str(&format!("\n[{dataset}]\nuse_template = gen\n"));
    }
    out
}
