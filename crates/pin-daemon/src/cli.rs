//! The command line of `helios64-pin`.

use clap::{Parser, Subcommand};
use helios64_service::ServiceArgs;

/// Helios64 IRQ/RPS/XPS pinning by identity: apply, check, watch.
#[derive(Debug, Parser)]
#[command(
    name = "helios64-pin",
    version,
    after_help = "Exit status: apply: 0 when every setting is as planned, 1 when some could not be \
set (each is reported; the others were applied). check: 0 as planned, 1 drift, 3 a setting \
unreadable. watch: 0 after a clean stop. 64 bad command line, 69 the system could not be read, \
78 a bad configuration (a CPU that is not online included). See docs/runbooks/pin.md."
)]
pub struct Args {
    /// The options every daemon takes.
    #[command(flatten)]
    pub service: ServiceArgs,

    /// Read and report, never write.
    #[arg(long, global = true)]
    pub dry_run: bool,

    /// Print the report as JSON (apply, check).
    #[arg(long, global = true)]
    pub json: bool,

    /// What to do; `apply` when none is given.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The subcommands of `helios64-pin`.
// One paragraph only: clap's derive applies a subcommand enum's doc comment
// to the parent command, before the parent's own, which must win.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Make every write still needed, once, and report each change (old -> new).
    Apply,
    /// Compare every planned setting with the system: exit 1 on drift.
    Check,
    /// Apply, then re-apply after matched hot-plug events (Type=notify daemon).
    Watch,
}
