//! `helios64-replicate`: native, resumable ZFS replication from a source
//! filesystem to a target on another local pool (a USB disk, a second
//! pool), through libzfs_core, planned by `helios64-replication`.
//!
//! * [`ReplicateConfig`]: the jobs (`/etc/helios64/replicate.toml`).
//! * [`JobRun`]: one job's run ([`Report`]): this job's stale holds
//!   released, an interrupted receive resumed from the target's
//!   `receive_resume_token` or, when the source no longer has what it
//!   names, aborted (`zfs receive -A`); the plan; every stream with a hold
//!   (tag `helios64-replicate:JOB`) on its snapshots at both ends; and a
//!   bookmark of the newest replicated snapshot on the source.
//! * [`transfer()`]: one stream, send and receive in two threads over a pipe.
//! * [`Verify`]: the restore test ([`VerifyReport`]): the target's newest
//!   snapshot read back whole, mounted read-only beside its source snapshot
//!   and compared with it ([`compare`]).

pub mod cli;
pub mod compare;
mod config;
mod error;
mod job;
mod transfer;
mod verify;

pub use config::{CanMount, Job, Raw, ReplicateConfig, valid_job_name};
pub use error::{Error, Result};
pub use job::{JobRun, Report, bookmark_prefix, hold_tag};
pub use transfer::{Side, Stream, base_name, transfer};
pub use verify::{Verify, VerifyReport};
