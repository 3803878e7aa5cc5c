//! The crate's one error type: every variant names the job and the dataset.

use helios64_zfs::{DatasetName, ErrorKind, ZfsError};

use crate::remote::Host;
use crate::transfer::Side;

/// A result with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why a job did not complete.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A ZFS call failed on one of the job's datasets.
    #[error("job {job}: {what} {dataset}")]
    Zfs {
        /// The job.
        job: String,
        /// What was being done, e.g. "listing snapshots of".
        what: &'static str,
        /// The dataset, snapshot or bookmark.
        dataset: String,
        /// The call's error.
        #[source]
        source: Box<ZfsError>,
    },
    /// A stream failed; the end that failed first is reported.
    #[error("job {job}: {} of {snapshot} into {target} failed", side_name(*side))]
    Transfer {
        /// The job.
        job: String,
        /// The source snapshot being sent.
        snapshot: String,
        /// The target filesystem.
        target: String,
        /// The end that failed.
        side: Side,
        /// Its error.
        #[source]
        source: Box<ZfsError>,
    },
    /// The source filesystem does not exist.
    #[error("job {job}: the source {dataset} does not exist")]
    SourceMissing {
        /// The job.
        job: String,
        /// The source.
        dataset: String,
    },
    /// The target's parent does not exist (a full receive cannot create it).
    #[error("job {job}: the target {target}'s parent {parent} does not exist")]
    TargetParentMissing {
        /// The job.
        job: String,
        /// The target.
        target: String,
        /// Its missing parent.
        parent: String,
    },
    /// The planner refused: the target diverged, shares no snapshot with
    /// the source, or the source has none.
    #[error("job {job}: {source_fs} → {target}: refused")]
    Refused {
        /// The job.
        job: String,
        /// The source.
        source_fs: String,
        /// The target.
        target: String,
        /// Why.
        #[source]
        source: Box<helios64_replication::Error>,
    },
    /// A restore test found no target, or a target without a snapshot.
    #[error("job {job}: {target} has no snapshot to verify")]
    NothingToVerify {
        /// The job.
        job: String,
        /// The target.
        target: String,
    },
    /// Reading the target snapshot back failed: a damaged backup (checksum
    /// errors) or an unreadable pool.
    #[error("job {job}: reading {snapshot} back failed")]
    ReadBack {
        /// The job.
        job: String,
        /// The target snapshot.
        snapshot: String,
        /// The send's error.
        #[source]
        source: Box<ZfsError>,
    },
    /// A snapshot could not be mounted for a restore test.
    #[error("job {job}: mounting {what} at {}", path.display())]
    Mount {
        /// The job.
        job: String,
        /// The snapshot (or what was being done).
        what: String,
        /// The mount point.
        path: std::path::PathBuf,
        /// The error.
        #[source]
        source: std::io::Error,
    },
    /// Reading a mounted snapshot's tree failed.
    #[error("job {job}: comparing the snapshots")]
    Compare {
        /// The job.
        job: String,
        /// The path that could not be read.
        #[source]
        source: Box<crate::compare::CompareError>,
    },
    /// The backup differs from its source.
    #[error(
        "job {job}: {target_snapshot} differs from {source_snapshot} in {count} place(s): {}",
        first.join("; ")
    )]
    Differs {
        /// The job.
        job: String,
        /// The source snapshot.
        source_snapshot: String,
        /// The target snapshot.
        target_snapshot: String,
        /// How many differences.
        count: u64,
        /// The first of them.
        first: Vec<String>,
    },
    /// The target retention could not be planned (a snapshot listing the
    /// planner refuses).
    #[error("job {job}: planning the retention of {target}: {reason}")]
    Prune {
        /// The job.
        job: String,
        /// The target.
        target: String,
        /// The planner's error.
        reason: String,
    },
    /// `ssh` could not reach the target's host (exit 255: no connection,
    /// a refused key, a changed host key). Nothing was changed anywhere.
    #[error("job {job}: {dataset} on {host}: cannot reach {host} over ssh: {reason}")]
    Unreachable {
        /// The job.
        job: String,
        /// The host.
        host: Host,
        /// The target dataset.
        dataset: DatasetName,
        /// `ssh`'s message.
        reason: String,
    },
    /// The restore test's read-back on the target's host failed: the host
    /// was reached, its send of the snapshot did not complete (a damaged
    /// backup, an unreadable pool).
    #[error("job {job}: reading {snapshot} back on {host} failed: {reason}")]
    RemoteReadBack {
        /// The job.
        job: String,
        /// The host.
        host: Host,
        /// The target snapshot.
        snapshot: String,
        /// The remote's message (its last stderr line).
        reason: String,
    },
    /// A command on the remote host failed, or printed what does not parse.
    #[error("job {job}: {what} {dataset} on {host}: {reason}")]
    Remote {
        /// The job.
        job: String,
        /// The host.
        host: Host,
        /// What was being done, e.g. "describing".
        what: &'static str,
        /// The target dataset.
        dataset: DatasetName,
        /// The remote's message (its last stderr line) or the parse error.
        reason: String,
    },
}

fn side_name(side: Side) -> &'static str {
    match side {
        Side::Send => "the send",
        Side::Receive => "the receive",
    }
}

impl Error {
    /// The map from a ZFS call's error to [`Error::Zfs`] for `job`, doing
    /// `what` to `dataset`.
    pub fn zfs<D: ToString>(
        job: &str,
        what: &'static str,
        dataset: D,
    ) -> impl FnOnce(ZfsError) -> Error + use<D> {
        let (job, dataset) = (job.to_owned(), dataset.to_string());
        move |source| Error::Zfs { job, what, dataset, source: Box::new(source) }
    }

    /// Whether a person has to act (a refusal, a missing dataset) rather
    /// than a later run being likely to succeed.
    pub fn needs_a_person(&self) -> bool {
        matches!(
            self,
            Error::Refused { .. }
                | Error::SourceMissing { .. }
                | Error::TargetParentMissing { .. }
                | Error::NothingToVerify { .. }
                | Error::ReadBack { .. }
                | Error::RemoteReadBack { .. }
                | Error::Differs { .. }
        )
    }

    /// Whether ZFS itself is not usable (module missing, libzfs mismatch).
    pub fn zfs_unavailable(&self) -> bool {
        match self {
            Error::Zfs { source, .. }
            | Error::Transfer { source, .. }
            | Error::ReadBack { source, .. } => {
                matches!(source.kind(), ErrorKind::ModuleNotLoaded | ErrorKind::VersionMismatch)
            }
            _ => false,
        }
    }
}
