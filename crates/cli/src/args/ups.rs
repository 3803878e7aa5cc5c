//! The command line of `helios64 ups`.

use std::path::PathBuf;

/// Arguments of `helios64 ups`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Exit status (monitoring-plugin convention): 0 on mains with a healthy \
battery; 1 (WARNING) on battery, a battery fault or no battery, an unreadable sensor, or no \
running daemon; 2 (CRITICAL) low battery or a shutdown under way; 3 (UNKNOWN) when nothing can \
be read; 78 for a bad upsd configuration; 64 for a bad command line.")]
pub struct Args {
    /// Read sys/ (and etc/helios64, run/helios64) under this tree instead
    /// of the running system.
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,

    /// The upsd configuration to use instead of /etc/helios64/upsd.toml
    /// and its drop-ins (the wiring and the state file's refresh period).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Print JSON instead of the table.
    #[arg(long)]
    pub json: bool,
}
