//! The planner: what to take and what to destroy at one instant.
//!
//! Pruning is sanoid 2.x's rule exactly (`prune_snapshots`): per dataset
//! and type, oldest first by `creation`, a snapshot is destroyed while it
//! was created strictly before `now − N × period` **and** more than `N` of
//! that type remain. So a type never drops below `N`, and `N = 0` destroys
//! every one created before now. Two things sanoid does not do: a held
//! snapshot is kept (sanoid tries `zfs destroy`, which fails; it still
//! counts as gone, so no younger one is destroyed in its place), and only
//! provably ours names count ([`crate::classify`]).
//!
//! Taking is sanoid's rule (`take_snapshots`): a type with a non-zero count
//! is due when its newest snapshot was created before the type's latest
//! preferred time ([`Zone::last_preferred`]); every due type of every
//! dataset of one policy tree gets the same stamp, for one atomic call.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;
use serde::ser::{SerializeStruct, Serializer};

use crate::config::is_descendant;
use crate::error::Result;
use crate::kind::{Class, SnapType};
use crate::listing::Snapshot;
use crate::policy::{Policy, Take};
use crate::time::Zone;

/// Why a snapshot is destroyed or kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Why {
    /// Destroyed: more than `keep` of its type, created before `cutoff`.
    Expired {
        /// How many of its type remained, itself included.
        count: usize,
        /// The configured count.
        keep: u32,
        /// `now − keep × period`.
        cutoff: i64,
    },
    /// Kept: one of the newest `keep` of its type.
    Newest {
        /// The configured count.
        keep: u32,
    },
    /// Kept: created at or after `cutoff`.
    Young {
        /// `now − keep × period`.
        cutoff: i64,
    },
    /// Kept: the rule would destroy it, but it has user holds.
    Held,
    /// Kept: the dataset's policy does not prune (autoprune off, or
    /// process_children_only).
    NotPruned,
    /// Kept: no policy covers its dataset.
    NoPolicy,
    /// Kept: not an `autosnap_…_<type>` name.
    Foreign,
    /// Kept: sanoid would count it as this type, but the name is not of the
    /// form `autosnap_…_<type>`, so it is not provably ours.
    SanoidOnly(SnapType),
}

impl fmt::Display for Why {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Why::Expired { count, keep, cutoff } => {
                write!(
                    f,
                    "{count} of this type > {keep} kept, created before {cutoff} (now - {keep} periods)"
                )
            }
            Why::Newest { keep } => write!(f, "one of the newest {keep} of this type"),
            Why::Young { cutoff } => {
                write!(f, "created at or after {cutoff} (now - count periods)")
            }
            Why::Held => f.write_str("held (user holds): the rule would destroy it"),
            Why::NotPruned => f.write_str("its dataset's policy does not prune"),
            Why::NoPolicy => f.write_str("no policy for its dataset"),
            Why::Foreign => f.write_str("foreign: not an autosnap_..._<type> name"),
            Why::SanoidOnly(t) => {
                write!(
                    f,
                    "not provably ours: sanoid would count it as {t}, but it is not autosnap_..._{t}"
                )
            }
        }
    }
}

/// One snapshot's fate.
#[derive(Debug, Clone, Copy)]
pub struct Decision<'a> {
    /// The snapshot.
    pub snapshot: &'a Snapshot,
    /// Its type, when the name is ours.
    pub kind: Option<SnapType>,
    /// Why.
    pub why: Why,
}

impl Serialize for Decision<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("Decision", 5)?;
        s.serialize_field("snapshot", &FullName(self.snapshot))?;
        s.serialize_field("type", &self.kind)?;
        s.serialize_field("creation", &self.snapshot.creation)?;
        s.serialize_field("held", &self.snapshot.held)?;
        s.serialize_field("why", &DisplayStr(&self.why))?;
        s.end()
    }
}

struct FullName<'a>(&'a Snapshot);

impl Serialize for FullName<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.collect_str(&format_args!("{}@{}", self.0.dataset, self.0.name))
    }
}

struct DisplayStr<'a, T>(&'a T);

impl<T: fmt::Display> Serialize for DisplayStr<'_, T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.collect_str(self.0)
    }
}

/// The snapshots one policy tree takes at once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TakeGroup {
    /// The policy tree (its top dataset).
    pub policy: String,
    /// Full names, for one atomic snapshot call.
    pub snapshots: Vec<String>,
    /// Why each due type of each dataset is due.
    pub why: Vec<String>,
    /// Names left out because a snapshot of that name exists.
    pub collisions: Vec<String>,
}

/// What to do at one instant.
#[derive(Debug, Clone, Serialize)]
pub struct Plan<'a> {
    /// The instant planned for, seconds since the epoch.
    pub now: i64,
    /// The zone of names and preferred times.
    pub timezone: String,
    /// What to take, per policy tree.
    pub take: Vec<TakeGroup>,
    /// What to destroy, per dataset, oldest first within a type.
    pub destroy: Vec<Decision<'a>>,
    /// Everything else in the listing, and why it stays.
    pub keep: Vec<Decision<'a>>,
}

impl Plan<'_> {
    /// The snapshots to destroy, grouped by dataset (one batched call each).
    pub fn destroy_by_dataset(&self) -> BTreeMap<&str, Vec<&str>> {
        let mut out: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for d in &self.destroy {
            out.entry(d.snapshot.dataset.as_str()).or_default().push(d.snapshot.name.as_str());
        }
        out
    }
}

/// What the planner needs to know.
#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    /// Resolved policies ([`crate::SnapConfig::resolve`]).
    pub policies: &'a [Policy],
    /// Every snapshot of the datasets concerned.
    pub snapshots: &'a [Snapshot],
    /// Datasets that exist (for recursive takes); policies' datasets count.
    pub datasets: &'a [&'a str],
    /// Now, seconds since the epoch.
    pub now: i64,
    /// The zone of names and preferred times.
    pub zone: &'a Zone,
}

/// Plans takes and prunes. Pure: the same input gives the same plan.
pub fn plan<'a>(input: Input<'a>) -> Result<Plan<'a>> {
    let Input { policies, snapshots, now, zone, .. } = input;
    let by_policy: BTreeMap<&str, &Policy> =
        policies.iter().map(|p| (p.dataset.as_str(), p)).collect();
    // Per dataset, per type: indices of our snapshots; the rest is decided at once.
    let mut typed: BTreeMap<&str, [Vec<usize>; 6]> = BTreeMap::new();
    let mut keep = Vec::new();
    for (i, s) in snapshots.iter().enumerate() {
        let Some(policy) = by_policy.get(s.dataset.as_str()) else {
            keep.push(Decision { snapshot: s, kind: None, why: Why::NoPolicy });
            continue;
        };
        match s.class() {
            Class::Ours(kind) => {
                typed.entry(policy.dataset.as_str()).or_default()[kind.index()].push(i)
            }
            Class::SanoidOnly(t) => {
                keep.push(Decision { snapshot: s, kind: None, why: Why::SanoidOnly(t) })
            }
            Class::Foreign => keep.push(Decision { snapshot: s, kind: None, why: Why::Foreign }),
        }
    }
    let mut destroy = Vec::new();
    // Newest creation per dataset and type, for taking.
    let mut newest: BTreeMap<&str, [Option<i64>; 6]> = BTreeMap::new();
    for (dataset, lists) in &mut typed {
        let Some(policy) = by_policy.get(dataset) else { continue };
        let settings = &policy.settings;
        for kind in SnapType::ALL {
            let list = &mut lists[kind.index()];
            // Oldest first; equal creations by name, so the plan is stable
            // (sanoid orders ties by Perl's hash order, i.e. at random).
            list.sort_unstable_by(|&a, &b| {
                (snapshots[a].creation, &snapshots[a].name)
                    .cmp(&(snapshots[b].creation, &snapshots[b].name))
            });
            newest.entry(dataset).or_default()[kind.index()] =
                list.last().map(|&i| snapshots[i].creation);
            let n = settings.counts.get(kind);
            let cutoff =
                now - i64::from(n) * kind.period_seconds(settings.schedule.frequent_period);
            let mut count = list.len();
            for &i in list.iter() {
                let snapshot = &snapshots[i];
                let why = if !policy.prunes() {
                    Why::NotPruned
                } else if snapshot.creation < cutoff && count > n as usize {
                    let expired = Why::Expired { count, keep: n, cutoff };
                    count -= 1;
                    if snapshot.held {
                        Why::Held
                    } else {
                        destroy.push(Decision { snapshot, kind: Some(kind), why: expired });
                        continue;
                    }
                } else if count <= n as usize {
                    Why::Newest { keep: n }
                } else {
                    Why::Young { cutoff }
                };
                keep.push(Decision { snapshot, kind: Some(kind), why });
            }
        }
    }
    let take = plan_takes(input, &newest)?;
    Ok(Plan { now, timezone: zone.name().to_owned(), take, destroy, keep })
}

fn plan_takes(
    input: Input<'_>,
    newest: &BTreeMap<&str, [Option<i64>; 6]>,
) -> Result<Vec<TakeGroup>> {
    let Input { policies, snapshots, datasets, now, zone } = input;
    let stamp = zone.stamp(now)?;
    let mut groups: BTreeMap<&str, TakeGroup> = BTreeMap::new();
    for policy in policies {
        if policy.take == Take::Never || policy.children_only {
            continue;
        }
        let mut due = Vec::new();
        for kind in SnapType::ALL {
            if policy.settings.counts.get(kind) == 0 {
                continue;
            }
            let preferred = zone.last_preferred(kind, &policy.settings.schedule, now)?;
            let last = newest.get(policy.dataset.as_str()).and_then(|n| n[kind.index()]);
            match last {
                Some(t) if t >= preferred => {}
                Some(t) => due.push((
                    kind,
                    format!(
                        "{} {kind}: newest created {t}, before the preferred time {preferred}",
                        policy.dataset
                    ),
                )),
                None => due.push((kind, format!("{} {kind}: none yet", policy.dataset))),
            }
        }
        if due.is_empty() {
            continue;
        }
        let mut targets = vec![policy.dataset.as_str()];
        if policy.take == Take::Recursive {
            let mut below: Vec<&str> = datasets
                .iter()
                .copied()
                .chain(policies.iter().map(|p| p.dataset.as_str()))
                .filter(|d| is_descendant(d, &policy.dataset))
                .collect();
            below.sort_unstable();
            below.dedup();
            targets.extend(below);
        }
        let group = groups.entry(policy.from.as_str()).or_insert_with(|| TakeGroup {
            policy: policy.from.clone(),
            snapshots: Vec::new(),
            why: Vec::new(),
            collisions: Vec::new(),
        });
        for (kind, why) in due {
            group.why.push(why);
            let name = format!("autosnap_{stamp}_{kind}");
            for &dataset in &targets {
                let full = format!("{dataset}@{name}");
                if snapshots.iter().any(|s| s.dataset == dataset && s.name == name) {
                    group.collisions.push(full);
                } else {
                    group.snapshots.push(full);
                }
            }
        }
    }
    Ok(groups
        .into_values()
        .filter(|g| !g.snapshots.is_empty() || !g.collisions.is_empty())
        .collect())
}
