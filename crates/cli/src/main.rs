//! `helios64`: health and state of a Kobol Helios64 NAS.
//!
//! Each subcommand lives in its own module with its own `Args` and `run`;
//! this file only dispatches.

mod fan;
mod health;
mod smart;
mod status;
mod ups;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Exit code for a command line that does not parse (sysexits EX_USAGE).
/// Kept apart from the subcommands' status bits.
pub(crate) const EXIT_USAGE: u8 = 64;

/// Exit code for a bad configuration file (sysexits EX_CONFIG).
pub(crate) const EXIT_CONFIG: u8 = 78;

/// `path` (absolute, as on the box) under `--root`, or itself.
pub(crate) fn under(root: &Option<PathBuf>, path: &str) -> PathBuf {
    match root {
        Some(dir) => dir.join(path.trim_start_matches('/')),
        None => PathBuf::from(path),
    }
}

#[derive(Debug, Parser)]
#[command(name = "helios64", version, about = "Health and state of a Kobol Helios64 NAS")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// The whole box in one view: board, temperatures, fans, bays, NICs, IRQ
    /// pinning, UPS, LEDs.
    Status(status::Args),
    /// SMART health of the disks (never wakes a sleeping disk), or of saved
    /// smartctl --json outputs.
    Smart(smart::Args),
    /// What the fan daemon sees and would set: inputs, curves, duties,
    /// fail-safe.
    Fan(fan::Args),
    /// One verdict for the whole box: bays joined to their disks' SMART and
    /// ZFS vdevs, pools and scrubs, fans, UPS, links; monitoring-plugin
    /// exit codes.
    Health(health::Args),
    /// The UPS: state, mains, pack volts, time on battery, estimated time
    /// to the threshold, next action (from helios64-upsd and a reading now).
    Ups(ups::Args),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            // --help and --version come through here too, on stdout.
            let _ = error.print();
            return if error.use_stderr() { ExitCode::from(EXIT_USAGE) } else { ExitCode::SUCCESS };
        }
    };
    match cli.command {
        Command::Status(args) => status::run(args),
        Command::Smart(args) => smart::run(args),
        Command::Fan(args) => fan::run(args),
        Command::Health(args) => health::run(args),
        Command::Ups(args) => ups::run(args),
    }
}
