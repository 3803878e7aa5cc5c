//! The command line of `helios64-replicate`, here so that
//! `helios64-gen-docs` can render it from the definition the binary parses
//! with.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// Native, resumable ZFS replication to another local pool.
#[derive(Debug, Parser)]
#[command(name = "helios64-replicate", version)]
pub struct Cli {
    /// Read only this config file instead of /etc/helios64/replicate.toml and replicate.d/.
    #[arg(long, value_name = "FILE", global = true)]
    pub config: Option<PathBuf>,
    /// Print the effective configuration (exit 0) or its first error (exit 78).
    #[arg(long)]
    pub check_config: bool,
    /// The subcommand to run.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The subcommands of `helios64-replicate`.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Replicate every job, or one (what the timer runs).
    Run(RunArgs),
    /// The restore test: read the target's newest snapshot back, mount it
    /// read-only beside its source snapshot and compare them (what the
    /// monthly verify timer runs).
    Verify(VerifyArgs),
    /// The receiving end for a sender on another host (`ssh HOST
    /// helios64-replicate receive ...`): receive the stream on stdin into
    /// TARGET@SNAP, or describe or abort TARGET; one JSON line on stdout.
    Receive(ReceiveArgs),
}

/// `helios64-replicate verify`.
#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// The job to test; all of them without it.
    pub job: Option<String>,
    /// Print each job's report as one JSON line on stdout.
    #[arg(long)]
    pub json: bool,
    /// Where the persistent state file goes.
    #[arg(long, value_name = "DIR", default_value = "/var/lib/helios64/replicate", hide = true)]
    pub record_dir: PathBuf,
    /// Where the snapshots are mounted for the comparison (a directory of
    /// the run's own is made in it, in a mount namespace of its own).
    #[arg(long, value_name = "DIR", default_value = "/tmp", hide = true)]
    pub scratch_dir: PathBuf,
}

/// `helios64-replicate receive`.
#[derive(Debug, clap::Args)]
pub struct ReceiveArgs {
    /// `TARGET@SNAP` to receive the stream on stdin into (or to read back
    /// with `--read-back`); `TARGET` with `--describe` or `--abort`.
    pub target: String,
    /// Print whether TARGET and its parent exist, its snapshots (name, guid,
    /// createtxg, creation, userrefs) and its resume token, as JSON.
    #[arg(long, conflicts_with_all = ["abort", "force", "raw", "canmount"])]
    pub describe: bool,
    /// Give up TARGET's interrupted receive (`zfs receive -A`).
    #[arg(long, conflicts_with_all = ["force", "raw", "canmount", "read_back"])]
    pub abort: bool,
    /// The restore test's read-back: send TARGET@SNAP whole into a counter
    /// here (every block's checksum checked) and print its bytes; stdin is
    /// not read.
    #[arg(long, conflicts_with_all = ["describe", "force", "raw", "canmount"])]
    pub read_back: bool,
    /// Roll the target back to the stream's base first (`zfs receive -F`).
    #[arg(long)]
    pub force: bool,
    /// The stream is raw (`zfs send -w`).
    #[arg(long)]
    pub raw: bool,
    /// Set `canmount` on the target.
    #[arg(long, value_parser = ["off", "noauto"])]
    pub canmount: Option<String>,
}

/// `helios64-replicate run`.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// The job to run (a `[jobs.NAME]` of the config); all of them without it.
    pub job: Option<String>,
    /// Print the plan (full or incremental, which snapshots, estimated
    /// sizes) and change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Print each job's report as one JSON line on stdout.
    #[arg(long)]
    pub json: bool,
    /// Where the persistent state file goes.
    #[arg(long, value_name = "DIR", default_value = "/var/lib/helios64/replicate", hide = true)]
    pub record_dir: PathBuf,
}
