//! The command line of `helios64 smart`.

use std::path::PathBuf;

/// Arguments of `helios64 smart`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Exit status is a bitmask: 1 warning, 2 failing, 4 unreachable or error, \
8 unknown (no health data); 0 when every disk is ok or asleep with an ok last known state; \
64 for a bad command line. See docs/smart.md.")]
pub struct Args {
    /// Devices to check, e.g. /dev/sda. Default: every device smartctl --scan-open finds.
    #[arg(value_name = "DEV", conflicts_with = "inputs")]
    pub devices: Vec<String>,

    /// Judge saved `smartctl --json` outputs instead of running smartctl
    /// (`-` reads standard input).
    #[arg(long = "input", value_name = "FILE", num_args = 1..)]
    pub inputs: Vec<PathBuf>,

    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,

    /// smartctl's -d TYPE for every DEV (default: the type --scan-open reports).
    #[arg(short = 'd', long = "device-type", value_name = "TYPE")]
    pub device_type: Option<String>,

    /// The smartctl binary.
    #[arg(long, value_name = "PATH", default_value = "smartctl")]
    pub smartctl: PathBuf,

    /// Seconds before a smartctl run is killed.
    #[arg(long, value_name = "SECONDS", default_value_t = 60)]
    pub timeout: u64,

    /// Devices checked at the same time.
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub jobs: usize,

    /// Keep each disk's last full result in this file, so a disk found asleep
    /// still shows its last known state.
    #[arg(long, value_name = "FILE")]
    pub state_file: Option<PathBuf>,
}
