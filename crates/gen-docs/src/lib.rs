//! The man pages and shell completions of every helios64 binary, rendered
//! from the clap definitions the binaries parse with (each crate's `cli`
//! module), so the documentation cannot drift from the flags.
//!
//! [`render`] builds every file in memory; [`generate`] writes them under
//! an output directory as a distribution installs them:
//!
//! - `man/man1/<bin>.1`, and `man/man1/<bin>-<subcommand>.1` for each
//!   subcommand (`helios64-status.1`), every page carrying the version;
//! - `completions/bash/<bin>`, `completions/zsh/_<bin>`,
//!   `completions/fish/<bin>.fish`.

mod commands;
mod completions;
mod error;
mod man;
mod write;

use std::path::{Path, PathBuf};

pub use commands::commands;
pub use error::Error;

/// One generated file: where it goes under the output directory, and its
/// bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct File {
    /// The path relative to the output directory (`man/man1/helios64.1`).
    pub path: PathBuf,
    /// The contents.
    pub contents: Vec<u8>,
}

/// Every man page and completion file of every binary, in memory.
pub fn render() -> Result<Vec<File>, Error> {
    let mut files = Vec::new();
    for command in commands() {
        files.extend(man::pages(&command)?);
        files.extend(completions::scripts(&command));
    }
    Ok(files)
}

/// Renders everything and writes it under `out_dir` (created as needed,
/// files replaced). Gives the paths written.
pub fn generate(out_dir: &Path) -> Result<Vec<PathBuf>, Error> {
    render()?.iter().map(|file| write::file(out_dir, file)).collect()
}
