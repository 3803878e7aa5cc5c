//! The command line of `helios64 health`.

use std::path::PathBuf;

/// Arguments of `helios64 health`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Exit status (monitoring-plugin convention): 0 OK, 1 WARNING, \
2 CRITICAL, 3 UNKNOWN (a source could not be read); 64 for a bad command line, 78 for a bad \
health.toml. The first line of output is the plugin summary with performance data. Thresholds \
and LED rules: /etc/helios64/health.toml (dist/config/health.toml shows every key). SMART never \
wakes a sleeping disk; its last known values are kept in the [smart] state_file.")]
pub struct Args {
    /// Read sys/, proc/, dev/, etc/helios64 and run/helios64 under this tree
    /// (a fixture board) instead of the running system. smartctl and ZFS
    /// are then not asked: give saved outputs with --smartctl-json and
    /// --zpool-json.
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,

    /// The configuration to use instead of /etc/helios64/health.toml and
    /// its drop-ins.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Check the configuration, print the effective one and exit.
    #[arg(long)]
    pub check_config: bool,

    /// Print the JSON document instead of the table.
    #[arg(long)]
    pub json: bool,

    /// Saved `zpool status -jp --json-int` output to use instead of asking
    /// ZFS (repeatable).
    #[arg(long = "zpool-json", value_name = "FILE")]
    pub zpool_json: Vec<PathBuf>,

    /// Saved `smartctl --json` outputs (each names its device) to use
    /// instead of running smartctl (repeatable; several per file allowed).
    #[arg(long = "smartctl-json", value_name = "FILE", num_args = 1..)]
    pub smartctl_json: Vec<PathBuf>,

    /// Assess as of this Unix time instead of now (reproducible fixture
    /// runs).
    #[arg(long, value_name = "UNIX", hide = true)]
    pub at: Option<u64>,
}
