//! Man pages: one per binary and one per visible subcommand, laid out as
//! `clap_mangen::generate_to` lays them out (`helios64-status.1`), each
//! with the version in its title line and its VERSION section.

use std::path::PathBuf;

use clap::Command;

use crate::{Error, File};

/// Where the pages go under the output directory: section 1.
const DIR: &str = "man/man1";

/// The version subcommand pages carry. Every helios64 crate takes the
/// workspace's version, so it is the binaries' too (the tests check); a
/// subcommand has none of its own, and clap takes only a `&'static str`
/// without its `string` feature.
const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The pages of `command` and of its subcommands, recursively.
pub(crate) fn pages(command: &Command) -> Result<Vec<File>, Error> {
    // clap's own `help` subcommand is documented by every page's -h/--help
    // line; like clap_mangen::generate_to, give it no page.
    let mut command = command.clone().disable_help_subcommand(true);
    // Building names the subcommands as pages name them: display name
    // `helios64-status`, synopsis `helios64 status`.
    command.build();
    let source = format!("helios64 {}", command.get_version().unwrap_or(VERSION));
    let mut pages = Vec::new();
    collect(&command, &source, &mut pages)?;
    Ok(pages)
}

fn collect(command: &Command, title_source: &str, pages: &mut Vec<File>) -> Result<(), Error> {
    let mut page = command.clone();
    if page.get_version().is_none() {
        // Already built: this adds no --version flag the subcommand does
        // not take, only the page's VERSION section.
        page = page.version(VERSION);
    }
    let man = clap_mangen::Man::new(page).source(title_source);
    let name = man.get_filename();
    let mut contents = Vec::new();
    man.render(&mut contents).map_err(|source| Error::Render { page: name.clone(), source })?;
    pages.push(File { path: PathBuf::from(DIR).join(name), contents });
    for sub in command.get_subcommands().filter(|sub| !sub.is_hide_set()) {
        collect(sub, title_source, pages)?;
    }
    Ok(())
}
