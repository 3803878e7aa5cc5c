//! `--shutdown-hook VERB`: systemd-shutdown runs every executable in
//! `/usr/lib/systemd/system-shutdown/` with the verb, after every service
//! has stopped and the file systems are unmounted or read-only (`/sys`,
//! `/dev`, `/run` are still there; the journal is not). It decides with
//! [`hook_decision`] and drives the flip-flop through the GPIO character
//! device: D on gpio4 line 25, a rising CLK edge on line 26.

use std::io::Write as _;
use std::process::ExitCode;
use std::time::Duration;

use helios64_hal::{GpioChip, Root, Ups, pins, set_auto_power_on};
use helios64_service::{ConfigSource, Freshness, ServiceArgs, SystemClock};
use helios64_ups::{HookAction, PowerState, STATE_SCHEMA, UpsState, UpsdConfig, hook_decision};

/// A state file older than this is not evidence of this shutdown.
const MARKER_MAX_AGE: Duration = Duration::from_secs(30 * 60);

fn say(root: &Root, message: &str) {
    let line = format!("helios64-upsd: {message}");
    let _ = writeln!(std::io::stderr(), "{line}");
    // The console is all there is this late; the kernel log reaches a
    // serial console and pstore too.
    if root.is_live() {
        #[allow(clippy::disallowed_methods)] // the kernel log, not a board attribute
        if let Ok(mut kmsg) = std::fs::OpenOptions::new().write(true).open("/dev/kmsg") {
            let _ = writeln!(kmsg, "<5>{line}");
        }
    }
}

fn config(root: &Root, args: &ServiceArgs) -> UpsdConfig {
    let source: ConfigSource = args.config_source("upsd");
    match source.load::<UpsdConfig>() {
        Ok(loaded) => loaded.into_config(),
        Err(e) => {
            say(root, &format!("{}; using the default wiring", e.one_line()));
            UpsdConfig::default()
        }
    }
}

/// The reason of the shutdown helios64-upsd decided, from its state file.
fn upsd_shutdown(args: &ServiceArgs) -> Option<String> {
    match args.state_dir().read::<UpsState>("upsd", STATE_SCHEMA, MARKER_MAX_AGE, &SystemClock) {
        Ok(Freshness::Fresh(state)) if state.state == PowerState::Shutdown => {
            Some(state.shutdown.map_or_else(|| "battery".to_owned(), |s| s.reason))
        }
        _ => None,
    }
}

pub(crate) fn run(root: &Root, args: &ServiceArgs, verb: &str) -> ExitCode {
    let config = config(root, args);
    let marker = upsd_shutdown(args);
    let mains = match Ups::discover(root, config.ups_config()) {
        Ok(ups) => {
            ups.mains().map(|m| m.map(|m| m.online)).map_err(|e| helios64_text::error_chain(&e))
        }
        Err(e) => Err(helios64_text::error_chain(&e)),
    };
    let action = hook_decision(verb, marker.as_deref(), mains);
    let armed = match &action {
        HookAction::Nothing(_) => {
            say(root, &action.to_string());
            return ExitCode::SUCCESS;
        }
        HookAction::KeepArmed(_) => true,
        HookAction::Disarm(_) => false,
    };
    // Armed is latched again rather than trusted: U-Boot armed it at boot,
    // but nothing stops a user from having cleared it since.
    let done = GpioChip::rockchip_bank(root, pins::AUTO_ON_EN_D.bank())
        .and_then(|chip| set_auto_power_on(&chip, armed));
    match done {
        Ok(()) => {
            say(root, &action.to_string());
            ExitCode::SUCCESS
        }
        Err(e) => {
            say(
                root,
                &format!(
                    "{action}, but the GPIO lines could not be driven: {}",
                    helios64_text::error_chain(&e)
                ),
            );
            ExitCode::FAILURE
        }
    }
}
