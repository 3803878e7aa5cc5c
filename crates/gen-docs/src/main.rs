//! `helios64-gen-docs OUT_DIR`: writes every helios64 binary's man pages
//! and bash, zsh and fish completions under OUT_DIR, for a package build
//! (nix/package.nix) or a Debian install (docs/DEPLOYMENT.md) to copy.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use helios64_service::cli::parse_args;

/// Writes the man pages and shell completions of every helios64 binary.
#[derive(Debug, Parser)]
#[command(
    name = "helios64-gen-docs",
    version,
    after_help = "Writes OUT_DIR/man/man1/*.1, OUT_DIR/completions/bash/BIN, \
OUT_DIR/completions/zsh/_BIN and OUT_DIR/completions/fish/BIN.fish. Exit status: 0 when every \
file was written; 1 when one could not be (the message names it); 64 for a bad command line."
)]
struct Args {
    /// The directory to write under (created if missing; files in it are
    /// replaced).
    #[arg(value_name = "OUT_DIR")]
    out_dir: PathBuf,
}

fn main() -> ExitCode {
    let args: Args = match parse_args() {
        Ok(args) => args,
        Err(exit) => return exit.into(),
    };
    let (message, code) = match helios64_gen_docs::generate(&args.out_dir) {
        Ok(written) => {
            (format!("{} files under {}", written.len(), args.out_dir.display()), ExitCode::SUCCESS)
        }
        Err(e) => (e.to_string(), ExitCode::FAILURE),
    };
    // Nowhere left to report a failure to write to stderr.
    let _ = writeln!(std::io::stderr(), "helios64-gen-docs: {message}");
    code
}
