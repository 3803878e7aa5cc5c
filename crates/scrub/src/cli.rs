//! The command line of `helios64-scrub`, here so that `helios64-gen-docs`
//! renders its man page and completions from the definition the binary
//! parses with.

use std::path::PathBuf;

use clap::Parser;

/// ZFS scrubs that know when not to.
#[derive(Debug, Parser)]
#[command(name = "helios64-scrub", version)]
pub struct Args {
    /// Say what would be done and why; change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Follow a started, resumed or running scrub to its end.
    #[arg(long)]
    pub wait: bool,
    /// Read only this config file instead of /etc/helios64/scrub.toml and scrub.d/.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The board's filesystem root (a fixture tree in tests).
    #[arg(long, value_name = "DIR", default_value = "/", hide = true)]
    pub root: PathBuf,
    /// Where the state files go.
    #[arg(long, value_name = "DIR", default_value = "/run/helios64", hide = true)]
    pub state_dir: PathBuf,
    /// Where the persistent record goes.
    #[arg(long, value_name = "DIR", default_value = "/var/lib/helios64/scrub", hide = true)]
    pub record_dir: PathBuf,
}
