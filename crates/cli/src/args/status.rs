//! The command line of `helios64 status`.

use std::path::PathBuf;

/// Arguments of `helios64 status`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Exit status: 0 when everything was read, no expected component is \
missing and no reading contradicts another; 1 otherwise (the output still shows everything that \
could be read, and lists each problem); 64 for a bad command line. See docs/status-json.md for \
the JSON document.")]
pub struct Args {
    /// Read sys/, proc/ and dev/ under this tree (a fixture such as
    /// fixtures/sysfs/helios64-armbian) instead of the running system. A tree
    /// is never asked for what only the running kernel knows (ethtool link
    /// modes).
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,

    /// Print the JSON document instead of the table.
    #[arg(long)]
    pub json: bool,
}
