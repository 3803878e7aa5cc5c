//! The command line of `helios64-exporter`, here so that
//! `helios64-gen-docs` renders its man page and completions from the
//! definition the binary parses with.

use std::path::PathBuf;

use clap::Parser;
use helios64_service::ServiceArgs;

/// The whole Helios64 in one scrape: pools and vdevs joined to bays and
/// SMART, board, fans, UPS, links, and the health verdict.
#[derive(Debug, Parser)]
#[command(
    name = "helios64-exporter",
    version,
    after_help = "Exit status: 0 after a clean stop, or when --textfile wrote its file (whatever the \
verdict: that is in the metrics); 64 for a bad command line; 69 when the listen address cannot be \
bound; 73 when the textfile cannot be written; 78 for a bad exporter.toml or health.toml. \
See docs/runbooks/exporter.md."
)]
pub struct Args {
    /// The options every daemon takes.
    #[command(flatten)]
    pub service: ServiceArgs,

    /// Serve /metrics on ADDR [default: exporter.toml's listen, 127.0.0.1:9164].
    #[arg(long, value_name = "ADDR", conflicts_with = "textfile")]
    pub listen: Option<String>,

    /// Write DIR/helios64.prom once, for node_exporter's textfile collector,
    /// and exit.
    #[arg(long, value_name = "DIR")]
    pub textfile: Option<PathBuf>,

    /// The health thresholds and LED rules to use instead of
    /// /etc/helios64/health.toml and its drop-ins.
    #[arg(long, value_name = "FILE")]
    pub health_config: Option<PathBuf>,

    /// Keep SMART's last known results in FILE instead of health.toml's
    /// `[smart] state_file` (the unit points it at its StateDirectory).
    #[arg(long, value_name = "FILE")]
    pub smart_state_file: Option<PathBuf>,

    /// Saved `zpool status -jp --json-int` output instead of asking ZFS
    /// (a fixture run; repeatable).
    #[arg(long = "zpool-json", value_name = "FILE")]
    pub zpool_json: Vec<PathBuf>,

    /// Saved `smartctl --json` outputs instead of running smartctl (a
    /// fixture run; repeatable).
    #[arg(long = "smartctl-json", value_name = "FILE", num_args = 1..)]
    pub smartctl_json: Vec<PathBuf>,

    /// Textfile mode: assess as of this Unix time (reproducible fixture
    /// runs).
    #[arg(long, value_name = "UNIX", hide = true, requires = "textfile")]
    pub at: Option<u64>,
}
