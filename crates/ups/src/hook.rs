//! The system-shutdown hook's decision (`helios64-upsd --shutdown-hook`),
//! pure: whether to leave the auto-power-on flip-flop armed.
//!
//! U-Boot arms it at every boot; armed, the board powers on whenever mains
//! is (or comes) present. So on a deliberate power-off on mains it must be
//! disarmed (or the box comes straight back), and after a battery shutdown
//! it must stay armed (so the box comes back when power does). This
//! replaces Armbian's `disable_auto_poweron`, which reads
//! `gpio-charger/online` and drives the legacy sysfs GPIOs 153/154.

use std::fmt;

/// What the hook does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HookAction {
    /// Nothing (a reboot: the board keeps power; U-Boot re-arms anyway).
    Nothing(String),
    /// Leave the flip-flop armed.
    KeepArmed(String),
    /// Clock D=0 into it.
    Disarm(String),
}

impl fmt::Display for HookAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HookAction::Nothing(why) => write!(f, "auto power-on left as it is: {why}"),
            HookAction::KeepArmed(why) => write!(f, "auto power-on left armed: {why}"),
            HookAction::Disarm(why) => write!(f, "auto power-on disarmed: {why}"),
        }
    }
}

/// Decides for `verb` (systemd-shutdown's argument: `poweroff`, `halt`,
/// `reboot`, `kexec`), given whether helios64-upsd decided this shutdown
/// (its fresh state file says so, with the reason) and the mains reading
/// now.
///
/// An upsd battery shutdown keeps the flip-flop armed even if mains came
/// back during the shutdown: the box then powers straight back on, which is
/// what the returning power calls for. Mains unreadable also keeps it
/// armed: a NAS that stays off after an outage is the failure this exists
/// to prevent, and the cost of the other mistake is a restart after a
/// deliberate power-off, with the power button still there.
pub fn hook_decision(
    verb: &str,
    upsd_shutdown: Option<&str>,
    mains: Result<Option<bool>, String>,
) -> HookAction {
    match verb {
        "poweroff" | "halt" => {}
        other => return HookAction::Nothing(format!("{other}, not a power-off")),
    }
    if let Some(reason) = upsd_shutdown {
        return HookAction::KeepArmed(format!("helios64-upsd shut the box down ({reason})"));
    }
    match mains {
        Ok(Some(true)) => HookAction::Disarm("powering off on mains".to_owned()),
        Ok(Some(false)) => HookAction::KeepArmed("on battery: power-on when AC returns".to_owned()),
        Ok(None) => HookAction::KeepArmed("no mains source to tell".to_owned()),
        Err(e) => HookAction::KeepArmed(format!("mains unreadable ({e})")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_decision_table() {
        let on = || Ok(Some(true));
        let off = || Ok(Some(false));
        type Mains = Result<Option<bool>, String>;
        let cases: Vec<(&str, Option<&str>, Mains, &str)> = vec![
            ("poweroff", None, on(), "disarm"),
            ("halt", None, on(), "disarm"),
            ("poweroff", None, off(), "armed"),
            ("poweroff", Some("low battery"), on(), "armed"),
            ("poweroff", Some("on battery for 10 min"), off(), "armed"),
            ("poweroff", None, Err("EIO".into()), "armed"),
            ("poweroff", None, Ok(None), "armed"),
            ("reboot", None, on(), "nothing"),
            ("kexec", Some("x"), off(), "nothing"),
            ("", None, on(), "nothing"),
        ];
        for (verb, upsd, mains, want) in cases {
            let got = hook_decision(verb, upsd, mains);
            let kind = match got {
                HookAction::Nothing(_) => "nothing",
                HookAction::KeepArmed(_) => "armed",
                HookAction::Disarm(_) => "disarm",
            };
            assert_eq!(kind, want, "{verb} {upsd:?}: {got}");
        }
    }
}
