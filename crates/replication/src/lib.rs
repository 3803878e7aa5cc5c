//! The replication planner of `helios64-replicate`: what to send from a
//! source filesystem to a target so that the target holds the source's
//! snapshots, decided purely from the two listings (no I/O, no ZFS).
//!
//! * Snapshots are matched across pools by **GUID**, never by name: a
//!   renamed snapshot is still the same one, and a same-named one taken on
//!   the target is not.
//! * The base is the newest snapshot of the target that the source still
//!   has as a snapshot, or else as a bookmark (so pruning the source never
//!   breaks the chain, provided a bookmark was kept).
//! * With [`Options::intermediates`] (the default, `zfs send -I`), every
//!   source snapshot after the base is sent, one step each; a first run
//!   sends the oldest snapshot whole and the rest incrementally.
//! * A target that has snapshots after the base, or was written since its
//!   newest snapshot, has diverged: refused unless the job allows a
//!   rollback, and then the plan names what the receive will destroy. The
//!   base itself is never among them.
//!
//! ```
//! use helios64_replication::{Options, Snap, Source, Target, Plan, plan};
//!
//! let s = |name: &str, guid, txg| Snap::new(name, guid, txg);
//! let source = Source { snapshots: vec![s("a", 1, 10), s("b", 2, 20), s("c", 3, 30)], bookmarks: vec![] };
//! let target = Target { snapshots: vec![s("a", 1, 5)], modified: false };
//! let Plan::Send(send) = plan(&source, Some(&target), Options::default())? else { panic!() };
//! assert_eq!(send.steps.len(), 2); // a→b, b→c
//! # Ok::<(), helios64_replication::Error>(())
//! ```

mod plan;
pub mod state;
#[cfg(test)]
mod tests;

pub use plan::{Base, Plan, Send, Step, plan, resume};
pub use state::{JobRecord, Outcome, ReplicationState, VerifyRecord};

use serde::Serialize;

/// A result with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A snapshot or bookmark as the planner sees it: its short name (after
/// `@` or `#`), GUID and creation transaction group (which orders the
/// snapshots of one pool exactly).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Snap {
    /// The short name.
    pub name: String,
    /// The GUID, the same on every copy a send made.
    pub guid: u64,
    /// The transaction group that created it, in its own pool.
    pub createtxg: u64,
}

impl Snap {
    /// A snapshot or bookmark record.
    pub fn new(name: impl Into<String>, guid: u64, createtxg: u64) -> Snap {
        Snap { name: name.into(), guid, createtxg }
    }
}

/// The source filesystem's snapshots and bookmarks, in any order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Source {
    /// Its snapshots.
    pub snapshots: Vec<Snap>,
    /// Its bookmarks.
    pub bookmarks: Vec<Snap>,
}

/// The target filesystem, when it exists.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Target {
    /// Its snapshots, in any order.
    pub snapshots: Vec<Snap>,
    /// Written since its newest snapshot (`written` > 0).
    pub modified: bool,
}

/// What the job allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// Send every snapshot after the base (`zfs send -I`); otherwise only
    /// the newest (`zfs send -i`).
    pub intermediates: bool,
    /// A diverged target may be rolled back to the base (`zfs receive -F`),
    /// destroying its newer snapshots and changes.
    pub rollback: bool,
}

impl Default for Options {
    fn default() -> Options {
        Options { intermediates: true, rollback: false }
    }
}

/// Why there is no plan.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The source has no snapshot to send.
    #[error("the source has no snapshots")]
    NoSourceSnapshot,
    /// The target exists but shares no snapshot (by GUID) with the source,
    /// neither with a snapshot nor a bookmark of it: nothing can be sent
    /// without destroying the target, which the planner never does.
    #[error(
        "the target exists but has no snapshot in common with the source{}",
        if *.target_snapshots == 0 { String::new() } else { format!(" ({} snapshots, none matching by guid)", .target_snapshots) }
    )]
    NoCommonSnapshot {
        /// How many snapshots the target has.
        target_snapshots: usize,
    },
    /// The target has snapshots after the common one, or changes since its
    /// newest snapshot, and the job does not allow a rollback.
    #[error(
        "the target has diverged from the source after {base}: {}",
        describe_divergence(.newer, *.modified)
    )]
    Diverged {
        /// The newest common snapshot.
        base: String,
        /// The target's snapshots after it.
        newer: Vec<String>,
        /// Written since its newest snapshot.
        modified: bool,
    },
    /// A resume token names a snapshot (or base) the source no longer has.
    #[error("the interrupted receive cannot resume: the source has no {what} with guid {guid}")]
    ResumeGone {
        /// "snapshot" or "incremental base".
        what: &'static str,
        /// The GUID looked for.
        guid: u64,
    },
}

fn describe_divergence(newer: &[String], modified: bool) -> String {
    let mut parts = Vec::new();
    if !newer.is_empty() {
        parts.push(format!("newer snapshots {}", newer.join(", ")));
    }
    if modified {
        parts.push("written since its newest snapshot".to_owned());
    }
    parts.join(" and ")
}
