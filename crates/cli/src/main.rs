//! `helios64`: health and state of a Kobol Helios64 NAS.
//!
//! The command line is `helios64_cli::args` (the man pages and completions
//! come from it too); each subcommand's `run` lives in its own module here,
//! and this file only dispatches.

mod fan;
mod health;
mod nettest;
mod smart;
mod status;
mod ups;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser as _;
use helios64_cli::args::{Cli, Command};

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
        Command::Nettest(args) => nettest::run(args),
    }
}
