//! The command line of `helios64-fand`.

use clap::Parser;
use helios64_service::ServiceArgs;

/// Helios64 fan control: curves over CPU, board and disk temperatures;
/// full speed on any fault.
#[derive(Debug, Parser)]
#[command(
    name = "helios64-fand",
    version,
    after_help = "Exit status: 0 after a clean stop (SIGTERM/SIGINT) or a successful --full-speed; \
1 when --full-speed could not set every fan; 64 for a bad command line; 69 when no fan is found \
at start; 70 after a panic (the fans were set to full speed first); 78 for a bad configuration. \
See docs/runbooks/fand.md."
)]
pub struct Args {
    /// The options every daemon takes.
    #[command(flatten)]
    pub service: ServiceArgs,

    /// Decide and log, never write a fan (not even at stop).
    #[arg(long)]
    pub dry_run: bool,

    /// Set both fans to full speed (pwm1=255, pwm1_enable=1) and exit. Needs
    /// no configuration and no running daemon: systemd's ExecStopPost.
    #[arg(long, conflicts_with_all = ["dry_run", "once", "check_config"])]
    pub full_speed: bool,
}
