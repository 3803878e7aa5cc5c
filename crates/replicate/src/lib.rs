//! `helios64-replicate`: native, resumable ZFS replication from a source
//! filesystem to a target on another local pool (a USB disk, a second
//! pool) or on another host over `ssh`, through libzfs_core, planned by
//! `helios64-replication`.
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
//! * [`TargetEnd`]: the receiving end, [`Local`] or [`SshEnd`] (`ssh HOST
//!   helios64-replicate receive …`, plain `zfs receive` when the host has
//!   no `helios64-replicate`); [`receive`] is that remote subcommand's
//!   work, [`describe`] and [`remote`] the pure parts (parsers, argv).

pub mod cli;
pub mod compare;
mod config;
pub mod describe;
mod error;
mod job;
pub mod prune;
pub mod receive;
pub mod remote;
mod report;
mod ssh;
mod target;
mod transfer;
mod verify;

pub use config::{CanMount, Job, Raw, ReplicateConfig, valid_job_name};
pub use error::{Error, Result};
pub use job::{JobRun, bookmark_prefix, hold_tag};
pub use prune::TargetRetention;
pub use remote::{Host, Ssh};
pub use report::Report;
pub use ssh::SshEnd;
pub use target::{Local, TargetEnd};
pub use transfer::{Side, Stream, base_name, count_send, transfer};
pub use verify::{Verify, VerifyReport};
