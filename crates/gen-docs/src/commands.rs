//! The binaries that get a man page and completions.

use clap::CommandFactory as _;

/// Every installed helios64 binary's command line, as its own parser
/// defines it (name, version, about, flags, subcommands).
pub fn commands() -> Vec<clap::Command> {
    vec![
        helios64_cli::args::Cli::command(),
        helios64_fand::cli::Args::command(),
        helios64_upsd::cli::Args::command(),
        helios64_exporter::cli::Args::command(),
        helios64_scrub::cli::Args::command(),
        helios64_snap::cli::Cli::command(),
        helios64_pin_daemon::cli::Args::command(),
        helios64_replicate::cli::Cli::command(),
    ]
}
