//! The command line of `helios64 fan`.

use std::path::PathBuf;

/// Arguments of `helios64 fan`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Exit status: 0 when the fans would run under normal control, 1 when \
the fail-safe (full speed) is or would be in force, 78 for a bad fand configuration, 64 for a \
bad command line. Nothing is written: the cycle shown is a dry run.")]
pub struct Args {
    /// Read sys/ (and etc/helios64, run/helios64) under this tree instead
    /// of the running system.
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,

    /// The fand configuration to use instead of /etc/helios64/fand.toml
    /// and its drop-ins.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Print JSON instead of the table.
    #[arg(long)]
    pub json: bool,
}
