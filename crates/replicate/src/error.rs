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
    /// Whether a person has to act (a refusal, a missing dataset) rather
    /// than a later run being likely to succeed.
    pub fn needs_a_person(&self) -> bool {
        matches!(
            self,
            Error::Refused { .. } | Error::SourceMissing { .. } | Error::TargetParentMissing { .. }
        )
    }

    /// Whether ZFS itself is not usable (module missing, libzfs mismatch).
    pub fn zfs_unavailable(&self) -> bool {
        match self {
            Error::Zfs { source, .. } | Error::Transfer { source, .. } => {
                matches!(source.kind(), ErrorKind::ModuleNotLoaded | ErrorKind::VersionMismatch)
            }
            _ => false,
        }
    }
}
