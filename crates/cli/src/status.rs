//! `helios64 status`: the whole box in one view — board variant,
//! temperatures, fans, bays with their disks and error LEDs, NIC links, IRQ
//! pinning, UPS — as a table or as the stable JSON of `docs/status-json.md`.

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use helios64_hal::Root;
use helios64_status::BoxStatus;

/// Arguments of `helios64 status`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Exit status: 0 when everything was read, no expected component is \
missing and no reading contradicts another; 1 otherwise (the output still shows everything that \
could be read, and lists each problem); 64 for a bad command line. See docs/status-json.md for \
the JSON document.")]
pub(crate) struct Args {
    /// Read sys/, proc/ and dev/ under this tree (a fixture such as
    /// fixtures/sysfs/helios64-armbian) instead of the running system. A tree
    /// is never asked for what only the running kernel knows (ethtool link
    /// modes).
    #[arg(long, value_name = "DIR")]
    root: Option<PathBuf>,

    /// Print the JSON document instead of the table.
    #[arg(long)]
    json: bool,
}

pub(crate) fn run(args: Args) -> ExitCode {
    let root = match &args.root {
        None => Root::system(),
        Some(dir) => {
            let tree = Root::new(dir);
            if !tree.is_dir(dir).unwrap_or(false) {
                let _ = writeln!(
                    io::stderr(),
                    "helios64 status: --root {}: not a directory",
                    dir.display()
                );
                return ExitCode::from(crate::EXIT_USAGE);
            }
            tree
        }
    };
    let status = BoxStatus::collect(&root);
    let text = if args.json {
        match serde_json::to_string_pretty(&status) {
            Ok(json) => json + "\n",
            Err(e) => {
                let _ = writeln!(io::stderr(), "helios64 status: cannot encode JSON: {e}");
                return ExitCode::FAILURE;
            }
        }
    } else {
        status.render()
    };
    if let Err(e) = io::stdout().lock().write_all(text.as_bytes()) {
        // A closed pipe (`| head`) is not worth a message.
        if e.kind() != io::ErrorKind::BrokenPipe {
            let _ = writeln!(io::stderr(), "helios64 status: cannot write output: {e}");
        }
        return ExitCode::FAILURE;
    }
    if status.is_healthy() { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}
