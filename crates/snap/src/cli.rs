//! The command line of `helios64-snap`, here so that `helios64-gen-docs`
//! renders its man pages and completions from the definition the binary
//! parses with. The subcommands' work is in the binary.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// sanoid-compatible ZFS snapshots, planned natively.
#[derive(Debug, Parser)]
#[command(name = "helios64-snap", version)]
pub struct Cli {
    /// The subcommand to run.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands of `helios64-snap`.
// One paragraph only: clap's derive applies a subcommand enum's doc comment
// to the parent command, before the parent's own, which must win.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Take the due snapshots and prune the expired ones (what the timer
    /// runs); --dry-run prints the plan, --monitor checks ages.
    Run(RunArgs),
    /// Plan offline from a saved `zfs get -Hrpt snapshot creation` listing
    /// and print the plan as JSON (take, destroy, keep, and why), touching
    /// no ZFS.
    Plan(PlanArgs),
    /// Check, from a saved listing, that the newest snapshot of each type
    /// is younger than its warn/crit age: one Nagios-style line, exit 0 OK,
    /// 1 WARNING, 2 CRITICAL, 3 UNKNOWN (sanoid's --monitor-snapshots).
    Monitor(MonitorArgs),
    /// Print a sanoid.conf as the equivalent helios64-snap TOML policy.
    ImportSanoid(ImportArgs),
}

/// `helios64-snap run`.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Where the policy comes from.
    #[command(flatten)]
    pub policy: PolicyArgs,
    /// Print the plan (JSON: take, destroy, keep and why) and change nothing.
    #[arg(long, conflicts_with = "monitor")]
    pub dry_run: bool,
    /// Check snapshot ages instead: one Nagios-style line, exit 0 OK,
    /// 1 WARNING, 2 CRITICAL, 3 UNKNOWN.
    #[arg(long)]
    pub monitor: bool,
    /// Where the state file goes.
    #[arg(long, value_name = "DIR", default_value = "/run/helios64", hide = true)]
    pub state_dir: PathBuf,
}

/// `helios64-snap plan`.
#[derive(Debug, clap::Args)]
pub struct PlanArgs {
    /// The listing, the instant and the policy.
    #[command(flatten)]
    pub input: Inputs,
    /// Leave out the keep list (only take and destroy).
    #[arg(long)]
    pub no_keep: bool,
}

/// What offline planning and checking read.
#[derive(Debug, clap::Args)]
pub struct Inputs {
    /// The listing: `zfs get -Hrpt snapshot creation` output as is
    /// (`creation,userrefs` also marks held snapshots); `-` for stdin.
    #[arg(long, value_name = "FILE")]
    pub snapshots: PathBuf,
    /// The instant to judge at, seconds since the epoch.
    #[arg(long, value_name = "EPOCH", allow_hyphen_values = true)]
    pub now: i64,
    /// Where the policy comes from.
    #[command(flatten)]
    pub policy: PolicyArgs,
}

/// Where the policy comes from.
#[derive(Debug, clap::Args)]
pub struct PolicyArgs {
    /// A helios64-snap TOML policy [default: /etc/helios64/snap.toml and snap.d/].
    #[arg(long, value_name = "FILE", conflicts_with = "sanoid_conf")]
    pub config: Option<PathBuf>,
    /// A sanoid.conf, read as sanoid reads it.
    #[arg(long, value_name = "FILE")]
    pub sanoid_conf: Option<PathBuf>,
}

/// `helios64-snap monitor`.
#[derive(Debug, clap::Args)]
pub struct MonitorArgs {
    /// The listing, the instant and the policy.
    #[command(flatten)]
    pub input: Inputs,
}

/// `helios64-snap import-sanoid`.
#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// The sanoid.conf.
    pub file: PathBuf,
}
