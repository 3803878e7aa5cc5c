//! `helios64-pin`: the Helios64's IRQ, RPS and XPS pinning, by identity.
//!
//! `apply` makes the writes `/etc/helios64/pin.toml` asks for (oneshot, at
//! boot), `check` reports drift (exit 1), `watch` re-applies after a
//! matched hot-plug event (LAN2 re-enumerating, a driver rebinding, a CPU
//! coming online). The logic is `helios64-pin`; this is the command around
//! it. See docs/runbooks/pin.md.

mod daemon;

use std::io::Write as _;
use std::process::ExitCode;

use helios64_hal::Root;
use helios64_pin::{PinConfig, PinError, Pinning};
use helios64_pin_daemon::cli::{Args, Command};
use helios64_service::{Exit, ServiceArgs, cli};

fn root_of(args: &ServiceArgs) -> Root {
    match &args.root {
        Some(dir) => Root::new(dir),
        None => Root::system(),
    }
}

fn eprintln_line(message: &str) {
    let _ = writeln!(std::io::stderr(), "helios64-pin: {message}");
}

fn print(text: &str) -> ExitCode {
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln_line(&format!("writing standard output: {e}"));
            Exit::IoErr.into()
        }
    }
}

fn json<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_string_pretty(value) {
        Ok(text) => text + "\n",
        // The reports are plain data; serialization cannot fail.
        Err(e) => format!("{{\"error\": {:?}}}\n", e.to_string()),
    }
}

/// Loads and resolves, or the exit code with the error printed.
fn resolve(args: &ServiceArgs, root: &Root) -> Result<(Pinning, String), ExitCode> {
    let loaded = match args.config_source("pin").load::<PinConfig>() {
        Ok(loaded) => loaded,
        Err(e) => return Err(cli::report("helios64-pin", &e).into()),
    };
    let pinning = match Pinning::resolve(root, &loaded) {
        Ok(p) => p,
        Err(e) => {
            eprintln_line(&helios64_text::error_chain(&e));
            return Err(match e {
                PinError::Config(_) => Exit::Config,
                PinError::Read { .. } => Exit::Unavailable,
            }
            .into());
        }
    };
    let effective = loaded.effective_toml().unwrap_or_default();
    Ok((pinning, effective))
}

fn check_config(args: &ServiceArgs, root: &Root) -> ExitCode {
    match resolve(args, root) {
        Ok((_, effective)) => print(&effective),
        Err(code) => code,
    }
}

fn apply(args: &Args, root: &Root) -> ExitCode {
    let (pinning, _) = match resolve(&args.service, root) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let report = pinning.apply(root, args.dry_run);
    let text = if args.json {
        json(&report)
    } else {
        let mut lines: Vec<String> = report.changes.iter().map(|c| c.to_string()).collect();
        lines.extend(report.failures.iter().map(|f| format!("failed: {f}")));
        lines.extend(report.unmatched.iter().map(|u| format!("no match: {u}")));
        lines.push(format!(
            "{}: {} changed, {} already as planned, {} failed",
            report.plan,
            report.changes.len(),
            report.unchanged,
            report.failures.len()
        ));
        lines.join("\n") + "\n"
    };
    let printed = print(&text);
    if printed != ExitCode::SUCCESS {
        return printed;
    }
    if report.failures.is_empty() { ExitCode::SUCCESS } else { Exit::Warning.into() }
}

fn check(args: &Args, root: &Root) -> ExitCode {
    let (pinning, _) = match resolve(&args.service, root) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let report = pinning.check(root);
    let drifted = report.drifted().count() + report.links_drifted().count();
    let unreadable = report.unreadable().count() + report.links_unreadable().count();
    let text = if args.json {
        json(&report)
    } else {
        let mut lines = report.lines();
        lines.extend(report.unmatched.iter().map(|u| format!("no match: {u}")));
        lines.push(format!(
            "{}: {} settings, {drifted} drifted, {unreadable} unreadable",
            report.plan,
            report.settings.len() + report.links.len()
        ));
        lines.join("\n") + "\n"
    };
    let printed = print(&text);
    if printed != ExitCode::SUCCESS {
        return printed;
    }
    if drifted > 0 {
        Exit::Warning.into()
    } else if unreadable > 0 {
        Exit::Unknown.into()
    } else {
        ExitCode::SUCCESS
    }
}

fn main() -> ExitCode {
    let args = match cli::parse_args::<Args>() {
        Ok(args) => args,
        Err(exit) => return exit.into(),
    };
    let root = root_of(&args.service);
    if args.service.check_config {
        return check_config(&args.service, &root);
    }
    match args.command {
        None | Some(Command::Apply) => apply(&args, &root),
        Some(Command::Check) => check(&args, &root),
        Some(Command::Watch) => {
            let dry_run = args.dry_run;
            helios64_service::run_daemon("pin", &args.service, move |loaded, service| {
                daemon::PinDaemon::start(root, loaded, service, dry_run)
            })
        }
    }
}
