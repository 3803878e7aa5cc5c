//! `helios64-upsd`: the Helios64's UPS daemon.
//!
//! It follows mains (udev `change` events on the Mains power_supply, and a
//! periodic read as a backstop; the AC-present GPIO line where there is no
//! charger node) and the pack voltage (SARADC channel 2, filtered), and
//! shuts the box down cleanly after `max_on_battery_secs` on battery or at
//! a sustained low voltage, whichever comes first — never on a flicker,
//! never on missing data while on mains. On the way it notifies (journal,
//! `wall`, a NUT-style notify command), runs an optional pre-shutdown
//! command with a timeout, and asks logind to power off. As a
//! system-shutdown hook (`--shutdown-hook`) it leaves the auto-power-on
//! flip-flop armed after a battery shutdown, so the box comes back when
//! power does. The policy is `helios64-ups`; see docs/runbooks/upsd.md.

mod actions;
mod daemon;
mod hook;

use std::process::ExitCode;

use helios64_hal::Root;
use helios64_service::cli;
use helios64_upsd::cli::Args;

use crate::daemon::Upsd;

fn main() -> ExitCode {
    let args = match cli::parse_args::<Args>() {
        Ok(args) => args,
        Err(exit) => return exit.into(),
    };
    let root = match &args.service.root {
        Some(dir) => Root::new(dir),
        None => Root::system(),
    };
    if let Some(verb) = &args.shutdown_hook {
        return hook::run(&root, &args.service, verb);
    }
    // The command-line parser's pages are not needed again.
    helios64_service::memory::release_file_pages();
    helios64_service::run_daemon("upsd", &args.service, move |loaded, service| {
        Upsd::start(root, loaded.into_config(), service)
    })
}
