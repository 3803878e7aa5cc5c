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
use serde::ser::{SerializeSeq, SerializeStruct, Serializer};

use crate::config::is_descendant;
use crate::error::Result;
use crate::kind::{Class, SnapType};
use crate::listing::{Listing, SnapshotRef};
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
                write!(f, "expired: {count} of its type > {keep}, created before {cutoff}")
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

/// One snapshot's fate, compactly: which snapshot, and the reason's tag.
/// [`Plan::why`] gives the whole reason, [`Plan::snapshot`] the snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    /// Index into the listing.
    pub index: u32,
    /// The reason's tag in the low byte; for [`Why::Expired`], how many of
    /// its type remained (itself included) above it. Eight bytes a
    /// decision: a plan of 100,000 destroys stays under a megabyte.
    packed: u32,
}

impl Decision {
    fn new(index: usize, reason: Reason, count: usize) -> Self {
        // A listing index fits u32 (Listing::push checks); a count past
        // 2^24 saturates, which only shortens a message.
        let count = u32::try_from(count).unwrap_or(u32::MAX).min(0x00FF_FFFF);
        Decision { index: index as u32, packed: (count << 8) | reason as u32 }
    }

    fn reason(&self) -> Reason {
        Reason::ALL.get((self.packed & 0xFF) as usize).copied().unwrap_or(Reason::Foreign)
    }

    fn count(&self) -> usize {
        (self.packed >> 8) as usize
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
enum Reason {
    Expired,
    Newest,
    Young,
    Held,
    NotPruned,
    NoPolicy,
    Foreign,
    SanoidOnly,
}

impl Reason {
    const ALL: [Reason; 8] = [
        Reason::Expired,
        Reason::Newest,
        Reason::Young,
        Reason::Held,
        Reason::NotPruned,
        Reason::NoPolicy,
        Reason::Foreign,
        Reason::SanoidOnly,
    ];
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
#[derive(Debug, Clone)]
pub struct Plan<'a> {
    /// The instant planned for, seconds since the epoch.
    pub now: i64,
    /// The zone of names and preferred times.
    pub timezone: String,
    /// What to take, per policy tree.
    pub take: Vec<TakeGroup>,
    /// What to destroy, per dataset, oldest first within a type.
    pub destroy: Vec<Decision>,
    /// Everything else in the listing, and why it stays.
    pub keep: Vec<Decision>,
    listing: &'a Listing,
    /// (dataset number, type) → (count, cutoff).
    rules: BTreeMap<(usize, SnapType), (u32, i64)>,
}

impl<'a> Plan<'a> {
    /// The snapshot a decision is about.
    pub fn snapshot(&self, d: &Decision) -> SnapshotRef<'a> {
        self.listing.get(d.index as usize)
    }

    /// Why.
    pub fn why(&self, d: &Decision) -> Why {
        let i = d.index as usize;
        let class = self.listing.class_of(i);
        let rule = match class {
            Class::Ours(t) => self.rules.get(&(self.listing.dataset_of(i), t)).copied(),
            _ => None,
        };
        let (keep, cutoff) = rule.unwrap_or((0, self.now));
        match d.reason() {
            Reason::Expired => Why::Expired { count: d.count(), keep, cutoff },
            Reason::Newest => Why::Newest { keep },
            Reason::Young => Why::Young { cutoff },
            Reason::Held => Why::Held,
            Reason::NotPruned => Why::NotPruned,
            Reason::NoPolicy => Why::NoPolicy,
            Reason::Foreign => Why::Foreign,
            Reason::SanoidOnly => match class {
                Class::SanoidOnly(t) => Why::SanoidOnly(t),
                _ => Why::Foreign,
            },
        }
    }

    /// Full names of what to destroy.
    pub fn destroy_names(&self) -> Vec<String> {
        self.destroy.iter().map(|d| self.snapshot(d).full_name()).collect()
    }

    /// The snapshots to destroy, grouped by dataset (one batched call each).
    pub fn destroy_by_dataset(&self) -> BTreeMap<&'a str, Vec<String>> {
        let mut out: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        for d in &self.destroy {
            let s = self.snapshot(d);
            out.entry(s.dataset).or_default().push(s.name.to_string());
        }
        out
    }
}

struct Decided<'p, 'a> {
    plan: &'p Plan<'a>,
    list: &'p [Decision],
}

impl Serialize for Decided<'_, '_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.list.len()))?;
        for d in self.list {
            seq.serialize_element(&One { plan: self.plan, d })?;
        }
        seq.end()
    }
}

struct One<'p, 'a> {
    plan: &'p Plan<'a>,
    d: &'p Decision,
}

impl Serialize for One<'_, '_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        let snap = self.plan.snapshot(self.d);
        let kind = match snap.class {
            Class::Ours(t) => Some(t),
            _ => None,
        };
        let mut s = serializer.serialize_struct("Decision", 5)?;
        s.serialize_field("snapshot", &FullName(&snap))?;
        s.serialize_field("type", &kind)?;
        s.serialize_field("creation", &snap.creation)?;
        s.serialize_field("held", &snap.held)?;
        s.serialize_field("why", &DisplayStr(&self.plan.why(self.d)))?;
        s.end()
    }
}

impl Serialize for Plan<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("Plan", 5)?;
        s.serialize_field("now", &self.now)?;
        s.serialize_field("timezone", &self.timezone)?;
        s.serialize_field("take", &self.take)?;
        s.serialize_field("destroy", &Decided { plan: self, list: &self.destroy })?;
        s.serialize_field("keep", &Decided { plan: self, list: &self.keep })?;
        s.end()
    }
}

struct FullName<'a>(&'a SnapshotRef<'a>);

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

/// What the planner needs to know.
#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    /// Resolved policies ([`crate::SnapConfig::resolve`]).
    pub policies: &'a [Policy],
    /// Every snapshot of the datasets concerned.
    pub listing: &'a Listing,
    /// Datasets that exist (for recursive takes); policies' datasets count.
    pub datasets: &'a [&'a str],
    /// Now, seconds since the epoch.
    pub now: i64,
    /// The zone of names and preferred times.
    pub zone: &'a Zone,
}

fn decision(index: usize, reason: Reason) -> Decision {
    Decision::new(index, reason, 0)
}

/// Plans takes and prunes. Pure: the same input gives the same plan.
pub fn plan<'a>(input: Input<'a>) -> Result<Plan<'a>> {
    let Input { policies, listing, now, zone, .. } = input;
    let by_name: BTreeMap<&str, &Policy> =
        policies.iter().map(|p| (p.dataset.as_str(), p)).collect();
    // The policy of each dataset number of the listing.
    let of_dataset: Vec<Option<&Policy>> =
        listing.datasets().map(|d| by_name.get(d).copied()).collect();
    // Per dataset number, per type: indices of our snapshots; the rest is decided at once.
    let mut typed: Vec<[Vec<u32>; 6]> = vec![Default::default(); of_dataset.len()];
    let mut keep = Vec::new();
    for i in 0..listing.len() {
        let ds = listing.dataset_of(i);
        if of_dataset[ds].is_none() {
            keep.push(decision(i, Reason::NoPolicy));
            continue;
        }
        match listing.class_of(i) {
            Class::Ours(kind) => typed[ds][kind.index()].push(i as u32),
            Class::SanoidOnly(_) => keep.push(decision(i, Reason::SanoidOnly)),
            Class::Foreign => keep.push(decision(i, Reason::Foreign)),
        }
    }
    let mut destroy = Vec::new();
    let mut rules = BTreeMap::new();
    // Newest creation per dataset and type, for taking.
    let mut newest: BTreeMap<&str, [Option<i64>; 6]> = BTreeMap::new();
    for (ds, lists) in typed.iter_mut().enumerate() {
        let Some(policy) = of_dataset[ds] else { continue };
        let settings = &policy.settings;
        for kind in SnapType::ALL {
            let list = &mut lists[kind.index()];
            // Oldest first; equal creations by name, so the plan is stable
            // (sanoid orders ties by Perl's hash order, i.e. at random).
            list.sort_unstable_by(|&a, &b| {
                let (a, b) = (a as usize, b as usize);
                (listing.creation_of(a), listing.name_of(a))
                    .cmp(&(listing.creation_of(b), listing.name_of(b)))
            });
            let last = list.last().map(|&i| listing.creation_of(i as usize));
            newest.entry(policy.dataset.as_str()).or_default()[kind.index()] = last;
            let n = settings.counts.get(kind);
            let cutoff =
                now - i64::from(n) * kind.period_seconds(settings.schedule.frequent_period);
            rules.insert((ds, kind), (n, cutoff));
            let mut count = list.len();
            for &i in list.iter() {
                let i = i as usize;
                let reason = if !policy.prunes() {
                    Reason::NotPruned
                } else if listing.creation_of(i) < cutoff && count > n as usize {
                    let remaining = count;
                    count -= 1;
                    if listing.held_of(i) {
                        Reason::Held
                    } else {
                        destroy.push(Decision::new(i, Reason::Expired, remaining));
                        continue;
                    }
                } else if count <= n as usize {
                    Reason::Newest
                } else {
                    Reason::Young
                };
                keep.push(decision(i, reason));
            }
        }
    }
    let take = plan_takes(input, &newest)?;
    Ok(Plan { now, timezone: zone.name().to_owned(), take, destroy, keep, listing, rules })
}

fn plan_takes(
    input: Input<'_>,
    newest: &BTreeMap<&str, [Option<i64>; 6]>,
) -> Result<Vec<TakeGroup>> {
    let Input { policies, listing, datasets, now, zone } = input;
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
                if listing.contains(dataset, &name) {
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
