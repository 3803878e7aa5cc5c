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

use clap::Parser;
use helios64_hal::{Fans, Root};
use helios64_service::{Exit, ServiceArgs, cli};

use crate::daemon::Fand;

/// Helios64 fan control: curves over CPU, board and disk temperatures;
/// full speed on any fault.
#[derive(Debug, Parser)]
#[command(
    name = "helios64-fand",
    version,
    after_help = "Exit status: 0 after a clean stop (SIGTERM/SIGINT) or a successful --full-speed; \
1 when --full-speed could not set every fan; 64 for a bad command line; 69 when no fan is found \
at start; 70 after a panic (the fans were set to full speed first); 78 for a bad configuration. \
See docs/runbooks/fand.md."
)]
struct Args {
    #[command(flatten)]
    service: ServiceArgs,

    /// Decide and log, never write a fan (not even at stop).
    #[arg(long)]
    dry_run: bool,

    /// Set both fans to full speed (pwm1=255, pwm1_enable=1) and exit. Needs
    /// no configuration and no running daemon: systemd's ExecStopPost.
    #[arg(long, conflicts_with_all = ["dry_run", "once", "check_config"])]
    full_speed: bool,
}

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
