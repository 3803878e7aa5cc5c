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
//!
//! [`cli`] is the binary's command line, for it and for `helios64-gen-docs`.

pub mod cli;

use std::collections::{BTreeMap, BTreeSet};

use helios64_retention::{Hooks, Listing, Plan, Policy, Recursive, SnapConfig};
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

/// Runs a policy's hook commands.
pub trait HookRunner {
    /// Runs `command` (a shell command line, as sanoid's scripts are) with
    /// `env` added, killed after `timeout_secs` (0: no limit). `Err` says
    /// why it failed (exit status, timeout, not runnable).
    fn run(&self, command: &str, env: &[(&str, String)], timeout_secs: u32) -> Result<(), String>;
}

/// Hooks through `/bin/sh -c`, each in its own process group, killed with
/// its children at the timeout (`helios64-exec`). The environment is
/// sanoid's `SANOID_*` variables, `HELIOS64_SNAP_SNAPSHOTS` (the full names,
/// space-separated) and `PATH`.
#[derive(Debug, Clone, Copy, Default)]
pub struct ShellHooks;

impl HookRunner for ShellHooks {
    fn run(&self, command: &str, env: &[(&str, String)], timeout_secs: u32) -> Result<(), String> {
        let mut cmd = helios64_exec::Command::new("/bin/sh", command)
            .args(["-c", command])
            .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin:/run/current-system/sw/bin");
        for (k, v) in env {
            cmd = cmd.env(*k, v);
        }
        cmd = if timeout_secs == 0 {
            cmd.no_timeout()
        } else {
            cmd.timeout(std::time::Duration::from_secs(u64::from(timeout_secs)))
        };
        match cmd.run() {
            Ok(out) if out.status.success() => Ok(()),
            Ok(out) => Err(format!("{:?}: {}", out.status, out.stderr_text().trim())),
            Err(e) => Err(e.to_string()),
        }
    }
}

/// An error and its causes on one line: a failed lzc call's errno is the
/// source of the error, not part of its message.
fn chain(e: &dyn std::error::Error) -> String {
    let mut line = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        line.push_str(": ");
        line.push_str(&cause.to_string());
        source = cause.source();
    }
    line
}

fn hooks_of<'p>(policies: &'p [Policy], dataset: &str) -> Option<&'p Hooks> {
    policies.iter().find(|p| p.dataset == dataset).map(|p| &p.settings.hooks)
}

/// Splits the snapshots due at one instant into atomic calls: ZFS takes at
/// most one snapshot of a dataset per call (`lzc_snapshot` fails the whole
/// call with EXDEV otherwise), so when several types fall due together
/// (hourly and daily at midnight) each call takes one of each dataset's,
/// in plan order; a tree of one type is still one call.
pub fn rounds(names: &[SnapshotName]) -> Vec<Vec<SnapshotName>> {
    let mut rounds: Vec<Vec<SnapshotName>> = Vec::new();
    for name in names {
        let free = rounds.iter_mut().find(|r| r.iter().all(|n| n.dataset() != name.dataset()));
        match free {
            Some(round) => round.push(name.clone()),
            None => rounds.push(vec![name.clone()]),
        }
    }
    rounds
}

/// Carries out a plan: per policy tree its pre hook, the atomic snapshot
/// calls ([`rounds`]: one, unless several types are due at once), its post hook (sanoid's rules: a failed pre hook with
/// `no_inconsistent_snapshot` takes nothing; the post hook runs when the
/// pre hook succeeded or `force_post_snapshot_script`); then one destroy
/// call per dataset, and the pruning hook after each destroyed snapshot.
pub fn apply(
    zfs: &dyn Zfs,
    plan: &Plan<'_>,
    policies: &[Policy],
    hooks: &dyn HookRunner,
) -> Outcome {
    let mut out = Outcome::default();
    for group in &plan.take {
        let names: Result<Vec<SnapshotName>, _> =
            group.snapshots.iter().map(|n| SnapshotName::try_from(n.as_str())).collect();
        let names = match names {
            Ok(n) => n,
            Err(e) => {
                out.errors.push(format!("snapshot of policy {}: {e}", group.policy));
                continue;
            }
        };
        let h = hooks_of(policies, &group.policy).cloned().unwrap_or_default();
        let mut targets: Vec<String> = names.iter().map(|n| n.dataset().to_string()).collect();
        targets.dedup();
        let shorts: Vec<&str> = names.iter().map(SnapshotName::short_name).collect();
        let types: Vec<&str> =
            shorts.iter().filter_map(|s| s.rsplit_once('_').map(|(_, t)| t)).collect();
        let mut types = types;
        types.dedup();
        let mut env = vec![
            ("SANOID_TARGET", group.policy.clone()),
            ("SANOID_TARGETS", targets.join(",")),
            ("SANOID_SNAPNAME", shorts.first().map(|s| (*s).to_owned()).unwrap_or_default()),
            ("SANOID_SNAPNAMES", shorts.join(",")),
            ("SANOID_TYPES", types.join(",")),
            ("HELIOS64_SNAP_SNAPSHOTS", group.snapshots.join(" ")),
        ];
        let mut pre_failed = false;
        if let Some(pre) = &h.pre_snapshot {
            let mut env = env.clone();
            env.push(("SANOID_SCRIPT", "pre".into()));
            if let Err(e) = hooks.run(pre, &env, h.timeout_secs) {
                out.errors.push(format!("pre_snapshot_script of policy {}: {e}", group.policy));
                if h.no_inconsistent_snapshot {
                    continue;
                }
                pre_failed = true;
            }
        }
        for round in rounds(&names) {
            match zfs.snapshot(&round, &BTreeMap::new()) {
                Ok(()) => out.taken.extend(round.iter().map(ToString::to_string)),
                Err(e) => {
                    out.errors.push(format!("snapshot of policy {}: {}", group.policy, chain(&e)))
                }
            }
        }
        if let Some(post) = &h.post_snapshot
            && (!pre_failed || h.force_post_snapshot)
        {
            env.push(("SANOID_SCRIPT", "post".into()));
            env.push(("SANOID_PRE_FAILURE", u8::from(pre_failed).to_string()));
            if let Err(e) = hooks.run(post, &env, h.timeout_secs) {
                out.errors.push(format!("post_snapshot_script of policy {}: {e}", group.policy));
            }
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
        let before = out.destroyed.len();
        match zfs.destroy_snapshots(&full, false) {
            Ok(()) => out.destroyed.extend(full.iter().map(ToString::to_string)),
            // A hold placed since the listing (a send started): the batch
            // is all or none, so go one by one and keep the held ones.
            Err(e) if e.kind() == ErrorKind::Busy => {
                for one in full {
                    match zfs.destroy_snapshots(std::slice::from_ref(&one), false) {
                        Ok(()) => out.destroyed.push(one.to_string()),
                        Err(e) if e.kind() == ErrorKind::Busy => out.skipped.push(one.to_string()),
                        Err(e) => out.errors.push(format!("destroy {one}: {}", chain(&e))),
                    }
                }
            }
            Err(e) => out.errors.push(format!("destroy in {dataset}: {}", chain(&e))),
        }
        let Some(script) = hooks_of(policies, dataset)
            .and_then(|h| h.pruning.clone().map(|s| (s, h.timeout_secs)))
        else {
            continue;
        };
        let gone: Vec<String> = out.destroyed[before..].to_vec();
        for one in gone {
            let short = one.split_once('@').map_or("", |(_, s)| s).to_owned();
            let env = [
                ("SANOID_TARGET", dataset.to_owned()),
                ("SANOID_SNAPNAME", short),
                ("SANOID_SCRIPT", "prune".to_owned()),
            ];
            if let Err(e) = hooks.run(&script.0, &env, script.1) {
                out.errors.push(format!("pruning_script for {one}: {e}"));
            }
        }
    }
    out
}
