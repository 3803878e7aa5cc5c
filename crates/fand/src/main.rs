//! `helios64-fand`: the Helios64's fan daemon.
//!
//! Every `interval_secs` it reads the CPU zone, the board sensor and each
//! bay disk (after asking the disk, with ATA CHECK POWER MODE, whether it
//! sleeps: a sleeping disk is never read), turns them into duties through
//! the curves of `/etc/helios64/fand.toml`, and drives the P6 and P7 fans.
//! Every fault — a sensor unreadable `fail_after_cycles` times, a write
//! error, a fan gone, SIGTERM, a panic, a watchdog kill (through
//! `ExecStopPost=helios64-fand --full-speed`) — ends at `pwm1=255`,
//! `pwm1_enable=1` on both fans. The logic is `helios64-fan`; this is the
//! daemon around it. See docs/runbooks/fand.md.

mod daemon;

use std::process::ExitCode;

use helios64_fand::cli::Args;
use helios64_hal::{Fans, Root};
use helios64_service::{Exit, ServiceArgs, cli};

use crate::daemon::Fand;

fn root_of(args: &ServiceArgs) -> Root {
    match &args.root {
        Some(dir) => Root::new(dir),
        None => Root::system(),
    }
}

/// `--full-speed`: fresh discovery, every fan tried, read back.
fn full_speed(root: &Root) -> ExitCode {
    let fans = match Fans::discover(root) {
        Ok(fans) if !fans.all().is_empty() => fans,
        Ok(_) => {
            eprintln_line("no fan found (pwm-fan devices under /sys/bus/platform)");
            return Exit::Unavailable.into();
        }
        Err(e) => {
            eprintln_line(&helios64_text::error_chain(&e));
            return Exit::Unavailable.into();
        }
    };
    match fans.set_all_full_speed() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln_line(&format!(
                "not every fan is at full speed: {}",
                helios64_text::error_chain(&e)
            ));
            ExitCode::FAILURE
        }
    }
}

fn eprintln_line(message: &str) {
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr(), "helios64-fand: {message}");
}

/// Full speed when dropped, unless disarmed: the last line of defence
/// after the loop's stop hook and the panic hook, for any way out of `main`.
struct FailSafeGuard {
    root: Root,
    armed: bool,
}

impl Drop for FailSafeGuard {
    fn drop(&mut self) {
        if self.armed
            && let Ok(fans) = Fans::discover(&self.root)
        {
            let _ = fans.set_all_full_speed();
        }
    }
}

fn main() -> ExitCode {
    let args = match cli::parse_args::<Args>() {
        Ok(args) => args,
        Err(exit) => return exit.into(),
    };
    let root = root_of(&args.service);
    if args.full_speed {
        return full_speed(&root);
    }
    // A panic anywhere: fans to full speed before anything else unwinds.
    // The loop also catches callback panics and runs the stop hook; this
    // covers the rest (start-up, the runtime itself).
    if !args.dry_run && !args.service.check_config {
        let panic_root = root.clone();
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if let Ok(fans) = Fans::discover(&panic_root) {
                let _ = fans.set_all_full_speed();
            }
            previous(info);
        }));
    }
    let _guard =
        FailSafeGuard { root: root.clone(), armed: !args.dry_run && !args.service.check_config };
    let dry_run = args.dry_run;
    helios64_service::run_daemon("fand", &args.service, move |loaded, service| {
        Fand::start(root, loaded.into_config(), service, dry_run)
    })
}
