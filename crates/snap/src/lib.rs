//! `helios64-snap`'s live half: list, plan, take, prune, over any
//! [`Zfs`] backend (native on the box, a fake in tests).
//!
//! One run: find the configured datasets (and the descendants of recursive
//! entries), list their snapshots (`creation`, `userrefs`), plan with
//! `helios64-retention`, take each policy tree's due snapshots in **one**
//! atomic call, and destroy what the plan says in one call per dataset.
//! Safe state: take nothing that would collide (the plan leaves such names
//! out), destroy nothing that is not provably ours, unheld and outside the
//! counts (the plan's rule); a snapshot held after the listing makes the
//! batch fail as busy, and that dataset is then destroyed one by one,
//! skipping the held ones.

use std::collections::{BTreeMap, BTreeSet};

use helios64_retention::{Listing, Plan, Policy, Recursive, SnapConfig};
use helios64_zfs_model::{DatasetName, ErrorKind, SnapshotName, Zfs, ZfsError};
use serde::Serialize;

/// What can stop a run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The policy does not resolve, or a listing does not fit.
    #[error("{0}")]
    Retention(#[from] helios64_retention::Error),
    /// A configured dataset name is not a ZFS name.
    #[error("datasets.\"{dataset}\": {source}")]
    Name {
        /// The configured name.
        dataset: String,
        /// Why.
        #[source]
        source: ZfsError,
    },
    /// Listing failed for a reason other than the dataset being gone.
    #[error("listing {dataset}: {source}")]
    List {
        /// The dataset.
        dataset: String,
        /// Why.
        #[source]
        source: ZfsError,
    },
}

/// What one run did, for the log and the state file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Outcome {
    /// Snapshots created.
    pub taken: Vec<String>,
    /// Snapshots destroyed.
    pub destroyed: Vec<String>,
    /// Kept although planned: held (since the listing), or skipped.
    pub skipped: Vec<String>,
    /// Datasets configured but not found (not taken, not pruned).
    pub missing: Vec<String>,
    /// Calls that failed, with their error.
    pub errors: Vec<String>,
}

/// The datasets and snapshots a run works on.
#[derive(Debug)]
pub struct Snapshot {
    /// Datasets that exist, sorted.
    pub datasets: Vec<String>,
    /// Their snapshots.
    pub listing: Listing,
    /// Configured datasets that do not exist.
    pub missing: Vec<String>,
}

/// Finds the datasets `config` covers (each entry, and every descendant of
/// a recursive one) and lists their snapshots. A dataset that is gone, or
/// goes between finding and listing, is `missing`, not an error.
pub fn list(zfs: &dyn Zfs, config: &SnapConfig) -> Result<Snapshot, Error> {
    let mut found: BTreeSet<DatasetName> = BTreeSet::new();
    let mut missing = Vec::new();
    for (name, section) in &config.datasets {
        let ds = DatasetName::try_from(name.as_str())
            .map_err(|source| Error::Name { dataset: name.clone(), source })?;
        if !section.recursive.is_some_and(|r| r != Recursive::Flag(false)) {
            found.insert(ds);
            continue;
        }
        let mut stack = vec![ds];
        while let Some(d) = stack.pop() {
            match zfs.datasets(&d) {
                Ok(children) => stack.extend(children.into_iter().map(|c| c.name)),
                Err(e) if e.kind() == ErrorKind::NotFound => {
                    missing.push(d.to_string());
                    continue;
                }
                Err(source) => return Err(Error::List { dataset: d.to_string(), source }),
            }
            found.insert(d);
        }
    }
    let mut listing = Listing::new();
    let mut present = Vec::new();
    for ds in found {
        match zfs.snapshots(&ds) {
            Ok(snaps) => {
                for s in snaps {
                    let creation = i64::try_from(s.creation).unwrap_or(i64::MAX);
                    listing.push(ds.as_str(), s.name.short_name(), creation, s.userrefs > 0)?;
                }
                present.push(ds.to_string());
            }
            Err(e) if e.kind() == ErrorKind::NotFound => missing.push(ds.to_string()),
            Err(source) => return Err(Error::List { dataset: ds.to_string(), source }),
        }
    }
    missing.sort();
    missing.dedup();
    Ok(Snapshot { datasets: present, listing, missing })
}

/// The policies of the datasets that exist: a take never names a dataset
/// that is not there.
pub fn policies(config: &SnapConfig, snapshot: &Snapshot) -> Result<Vec<Policy>, Error> {
    let names: Vec<&str> = snapshot.datasets.iter().map(String::as_str).collect();
    let mut policies = config.resolve(&names)?;
    policies.retain(|p| snapshot.datasets.binary_search(&p.dataset).is_ok());
    Ok(policies)
}

/// Carries out a plan: one atomic snapshot call per policy tree, one
/// destroy call per dataset.
pub fn apply(zfs: &dyn Zfs, plan: &Plan<'_>) -> Outcome {
    let mut out = Outcome::default();
    for group in &plan.take {
        let names: Result<Vec<SnapshotName>, _> =
            group.snapshots.iter().map(|n| SnapshotName::try_from(n.as_str())).collect();
        let result = names.and_then(|names| zfs.snapshot(&names, &BTreeMap::new()).map(|()| names));
        match result {
            Ok(names) => out.taken.extend(names.iter().map(ToString::to_string)),
            Err(e) => out.errors.push(format!("snapshot of policy {}: {e}", group.policy)),
        }
    }
    for (dataset, names) in plan.destroy_by_dataset() {
        let full: Result<Vec<SnapshotName>, _> =
            names.iter().map(|n| SnapshotName::try_from(format!("{dataset}@{n}"))).collect();
        let full = match full {
            Ok(f) => f,
            Err(e) => {
                out.errors.push(format!("destroy in {dataset}: {e}"));
                continue;
            }
        };
        match zfs.destroy_snapshots(&full, false) {
            Ok(()) => out.destroyed.extend(full.iter().map(ToString::to_string)),
            // A hold placed since the listing (a send started): the batch
            // is all or none, so go one by one and keep the held ones.
            Err(e) if e.kind() == ErrorKind::Busy => {
                for one in full {
                    match zfs.destroy_snapshots(std::slice::from_ref(&one), false) {
                        Ok(()) => out.destroyed.push(one.to_string()),
                        Err(e) if e.kind() == ErrorKind::Busy => out.skipped.push(one.to_string()),
                        Err(e) => out.errors.push(format!("destroy {one}: {e}")),
                    }
                }
            }
            Err(e) => out.errors.push(format!("destroy in {dataset}: {e}")),
        }
    }
    out
}
