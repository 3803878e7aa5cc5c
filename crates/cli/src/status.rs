//! `helios64 status`: the whole box in one view — board variant,
//! temperatures, fans, bays with their disks and error LEDs, NIC links, IRQ
//! pinning, UPS — as a table or as the stable JSON of `docs/status-json.md`.

use std::io::{self, Write};
use std::process::ExitCode;

use helios64_cli::args::status::Args;
use helios64_hal::Root;
use helios64_status::BoxStatus;

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
