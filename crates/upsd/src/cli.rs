//! The command line of `helios64-upsd`.

use clap::Parser;
use helios64_service::ServiceArgs;

/// Helios64 UPS monitor: a clean shutdown on battery, never on a glitch,
/// and auto power-on when power returns.
#[derive(Debug, Parser)]
#[command(
    name = "helios64-upsd",
    version,
    after_help = "Exit status: 0 after a clean stop (SIGTERM/SIGINT) or a successful --shutdown-hook; \
1 when --shutdown-hook could not drive the auto-power-on lines; 64 for a bad command line; 69 when \
the UPS cannot be discovered at start; 70 after a panic; 78 for a bad configuration. \
See docs/runbooks/upsd.md."
)]
pub struct Args {
    /// The options every daemon takes.
    #[command(flatten)]
    pub service: ServiceArgs,

    /// Run as systemd's system-shutdown hook with its VERB (poweroff, halt,
    /// reboot, kexec): on a power-off, disarm auto power-on when on mains,
    /// leave it armed after a battery shutdown. Installed as
    /// /usr/lib/systemd/system-shutdown/helios64-upsd.
    #[arg(long, value_name = "VERB", conflicts_with_all = ["once", "check_config"])]
    pub shutdown_hook: Option<String>,
}
