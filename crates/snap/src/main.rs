//! `helios64-snap`: sanoid-compatible snapshots, planned natively.
//!
//! `run` takes and prunes on the box (the timer's job; `--dry-run`,
//! `--monitor`); `plan` and `monitor` do the same from a saved listing on
//! any machine; `import-sanoid` prints a sanoid.conf as TOML.
//!
//! Exit codes: 0 done; 64 usage; 65 a listing or sanoid.conf that does not
//! parse; 66 an input file missing or unreadable; 69 ZFS unavailable or a
//! dataset that cannot be listed; 75 some snapshot or destroy call failed
//! (the rest was done; the next run retries); 78 a bad TOML policy
//! (`file:line:column: key: message`). `monitor` and `run --monitor`: 0, 1,
//! 2 by the check, 3 when it cannot tell.

mod live;
mod offline;

use std::process::ExitCode;

use helios64_service::Exit;
use helios64_service::cli::parse_args;
use helios64_snap::cli::{Cli, Command};

fn main() -> ExitCode {
    let cli: Cli = match parse_args() {
        Ok(cli) => cli,
        Err(exit) => return exit.into(),
    };
    let exit = match cli.command {
        Command::Run(args) => live::run(&args),
        Command::Plan(args) => offline::plan(&args),
        Command::Monitor(args) => offline::monitor(&args),
        Command::ImportSanoid(args) => offline::import(&args),
    };
    ExitCode::from(exit as u8)
}

/// Maps a library result to an exit code, reporting the error on stderr.
fn fail(exit: Exit, message: impl std::fmt::Display) -> Exit {
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr().lock(), "helios64-snap: {message}");
    exit
}
