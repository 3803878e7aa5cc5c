//! The planning rules (see the crate documentation).

use serde::Serialize;

use crate::{Error, Options, Result, Snap, Source, Target};

/// Where an incremental stream starts, on the source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "name", rename_all = "lowercase")]
pub enum Base {
    /// A snapshot, by short name (`fs@name`).
    Snapshot(String),
    /// A bookmark, by short name (`fs#name`): the snapshot it was made from
    /// is gone on the source but still on the target.
    Bookmark(String),
}

/// One stream: full when `from` is `None`, else incremental.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Step {
    /// The incremental base.
    pub from: Option<Base>,
    /// The source snapshot the stream brings to the target.
    pub to: Snap,
}

/// Streams to send, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Send {
    /// The newest common snapshot (the target's record), when there is one.
    pub base: Option<Snap>,
    /// Receive with rollback (`zfs receive -F`): the target diverged and the
    /// job allows it.
    pub rollback: bool,
    /// The target's snapshots that the rollback destroys (never the base).
    pub destroys: Vec<String>,
    /// The streams.
    pub steps: Vec<Step>,
}

/// The planner's decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Plan {
    /// The target already has the source's newest snapshot.
    UpToDate {
        /// That snapshot (the target's record).
        newest: Snap,
    },
    /// Something to send.
    Send(Send),
}

fn by_txg(snaps: &[Snap]) -> Vec<&Snap> {
    let mut sorted: Vec<&Snap> = snaps.iter().collect();
    sorted.sort_by_key(|s| s.createtxg);
    sorted
}

/// Plans the replication of `source` to `target` (`None`: the target does
/// not exist yet).
pub fn plan(source: &Source, target: Option<&Target>, options: Options) -> Result<Plan> {
    let snaps = by_txg(&source.snapshots);
    let (Some(oldest), Some(newest)) = (snaps.first(), snaps.last()) else {
        return Err(Error::NoSourceSnapshot);
    };
    let Some(target) = target else {
        let first = if options.intermediates { *oldest } else { *newest };
        let mut steps = vec![Step { from: None, to: first.clone() }];
        steps.extend(chain(&snaps, first, first.createtxg, options));
        return Ok(Plan::Send(Send { base: None, rollback: false, destroys: vec![], steps }));
    };
    let on_target = by_txg(&target.snapshots);
    let common = on_target.iter().rev().find_map(|t| {
        let snapshot = snaps.iter().find(|s| s.guid == t.guid);
        let base = match snapshot {
            Some(s) => Some((Base::Snapshot(s.name.clone()), s.createtxg)),
            None => source
                .bookmarks
                .iter()
                .find(|b| b.guid == t.guid)
                .map(|b| (Base::Bookmark(b.name.clone()), b.createtxg)),
        };
        base.map(|(base, source_txg)| (*t, base, source_txg))
    });
    let Some((common, base, source_txg)) = common else {
        return Err(Error::NoCommonSnapshot { target_snapshots: target.snapshots.len() });
    };
    let newer: Vec<String> = on_target
        .iter()
        .filter(|t| t.createtxg > common.createtxg)
        .map(|t| t.name.clone())
        .collect();
    let diverged = !newer.is_empty() || target.modified;
    if diverged && !options.rollback {
        return Err(Error::Diverged {
            base: common.name.clone(),
            newer,
            modified: target.modified,
        });
    }
    let later: Vec<&Snap> = snaps.iter().copied().filter(|s| s.createtxg > source_txg).collect();
    let Some(last) = later.last() else {
        // Nothing to send: a diverged target stays as it is until there is
        // a snapshot to roll it forward to.
        return Ok(Plan::UpToDate { newest: common.clone() });
    };
    let first = if options.intermediates { later[0] } else { *last };
    let mut steps = vec![Step { from: Some(base), to: first.clone() }];
    steps.extend(chain(&snaps, first, first.createtxg, options));
    Ok(Plan::Send(Send {
        base: Some(common.clone()),
        rollback: diverged,
        destroys: if diverged { newer } else { vec![] },
        steps,
    }))
}

/// The incrementals after `first`: one per later snapshot with
/// intermediates, none without (`first` is then the newest).
fn chain(snaps: &[&Snap], first: &Snap, after_txg: u64, options: Options) -> Vec<Step> {
    if !options.intermediates {
        return Vec::new();
    }
    let mut prev = first;
    let mut steps = Vec::new();
    for s in snaps.iter().filter(|s| s.createtxg > after_txg) {
        steps.push(Step { from: Some(Base::Snapshot(prev.name.clone())), to: (*s).clone() });
        prev = s;
    }
    steps
}

/// The stream that continues an interrupted receive whose token names the
/// snapshot `toguid` and, for an incremental, the base `fromguid`; an error
/// when the source no longer has them (the partial state must then be
/// given up).
pub fn resume(source: &Source, toguid: u64, fromguid: Option<u64>) -> Result<Step> {
    let to = source
        .snapshots
        .iter()
        .find(|s| s.guid == toguid)
        .ok_or(Error::ResumeGone { what: "snapshot", guid: toguid })?;
    let from = match fromguid {
        None => None,
        Some(guid) => {
            let snapshot = source.snapshots.iter().find(|s| s.guid == guid);
            let bookmark = source.bookmarks.iter().find(|b| b.guid == guid);
            Some(match (snapshot, bookmark) {
                (Some(s), _) => Base::Snapshot(s.name.clone()),
                (None, Some(b)) => Base::Bookmark(b.name.clone()),
                (None, None) => return Err(Error::ResumeGone { what: "incremental base", guid }),
            })
        }
    };
    Ok(Step { from, to: to.clone() })
}
