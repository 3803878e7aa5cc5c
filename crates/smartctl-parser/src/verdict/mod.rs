//! The health verdict: one of six outcomes, with the reasons that led to it.
//!
//! Rules are applied in the order of the reference's classification (§6):
//! asleep, then unreachable, then the health rules (failing, warning,
//! notice), then unknown when there was nothing to judge. Every [`Reason`]
//! names the rule that fired and that rule's source; the rule set itself is
//! data ([`RULES`], [`Policy`]).

mod health;
mod policy;

use std::fmt;

use serde::Serialize;

pub use policy::{CounterRule, Level, NOT_JUDGED, Policy, RULES, Rule, rule_ids};

use crate::exit_status::ExitStatusFlags;
use crate::model::{Severity, SmartctlOutput};

/// The overall outcome for one device or one saved output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Health data present and no rule above notice fired.
    Ok,
    /// Degradation: at least one warning rule fired.
    Warning,
    /// At least one failing rule fired.
    Failing,
    /// The device is in a low-power mode and was not woken; no health data.
    Asleep,
    /// smartctl could not talk to the device.
    Unreachable,
    /// smartctl talked to the device but there is no health data to judge.
    Unknown,
}

impl Verdict {
    /// The lowercase name used in tables and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Ok => "ok",
            Verdict::Warning => "warning",
            Verdict::Failing => "failing",
            Verdict::Asleep => "asleep",
            Verdict::Unreachable => "unreachable",
            Verdict::Unknown => "unknown",
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a rule fired.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Reason {
    /// The rule's identifier (see [`RULES`]).
    pub rule: &'static str,
    /// How much it weighs.
    pub level: Level,
    /// What was looked at, e.g. `"attribute 5 Reallocated_Sector_Ct"` or
    /// `"smart_status.passed"`.
    pub subject: String,
    /// The value found, as text.
    pub value: String,
    /// What it means, in a sentence.
    pub why: String,
    /// Where the rule comes from.
    pub source: &'static str,
}

impl Reason {
    fn new(
        rule: &'static str,
        level: Level,
        subject: impl Into<String>,
        value: impl ToString,
        why: impl Into<String>,
    ) -> Reason {
        let source = RULES.iter().find(|r| r.id == rule).map(|r| r.source).unwrap_or_default();
        Reason {
            rule,
            level,
            subject: subject.into(),
            value: value.to_string(),
            why: why.into(),
            source,
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} = {}: {} [{}]",
            self.rule, self.subject, self.value, self.why, self.source
        )
    }
}

/// A verdict with its reasons.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Assessment {
    /// The outcome.
    pub verdict: Verdict,
    /// Every rule that fired, most severe first.
    pub reasons: Vec<Reason>,
}

/// How smartctl failed to open a device, from its open message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct OpenFailure {
    /// The device as smartctl named it (type suffix removed).
    pub device: String,
    /// smartctl's reason, e.g. `"No such device"`.
    pub reason: String,
    /// The reason is EACCES (`Permission denied`; the runner forces the C
    /// locale so this text is not translated).
    pub permission_denied: bool,
}

/// The open failure smartctl reported, if any.
pub fn open_failure(output: &SmartctlOutput) -> Option<OpenFailure> {
    output.messages().iter().find_map(|message| {
        let rest = message.string.strip_prefix("Smartctl open device: ")?;
        let (device, reason) = rest.rsplit_once(" failed: ")?;
        let device = match device.rsplit_once(" [") {
            Some((name, suffix)) if suffix.ends_with(']') => name,
            _ => device,
        };
        Some(OpenFailure {
            device: device.to_owned(),
            reason: reason.trim().to_owned(),
            permission_denied: reason.contains("Permission denied"),
        })
    })
}

/// The power mode smartctl's `-n` check found the device in, when it
/// skipped the device: `"STANDBY"`, `"SLEEP"`, `"IDLE"`, `"STANDBY (OS)"`…
pub fn sleeping_mode(output: &SmartctlOutput) -> Option<String> {
    output.device.as_ref()?;
    let exit = output.exit_status().map(|flags| flags.bits());
    let from_message = output.messages().iter().find_map(|message| {
        if matches!(message.severity, Some(Severity::Error | Severity::Warning)) {
            return None;
        }
        let rest = message.string.strip_prefix("Device is in ")?;
        let (mode, tail) = rest.split_once(" mode")?;
        // "…, exit(N)": the run ended there with N (2, or the -n standby,N code).
        let code = tail
            .split_once("exit(")
            .and_then(|(_, n)| n.split_once(')'))
            .and_then(|(n, _)| n.trim().parse::<u8>().ok());
        let ended_here = match (code, exit) {
            (Some(code), Some(exit)) => code == exit,
            _ => exit.is_none_or(|bits| bits & ExitStatusFlags::DEVICE_OPEN.bits() != 0),
        };
        ended_here.then(|| mode.to_owned())
    });
    from_message.or_else(|| {
        // 7.5 also writes `power_mode`; alone it is only trusted together
        // with the exit bit smartctl sets when it skips the device.
        let name = output.power_mode.as_ref()?.name.as_ref()?;
        let low_power = ["STANDBY", "SLEEP", "IDLE"].iter().any(|mode| name.contains(mode))
            && !name.contains("ACTIVE");
        let skipped = exit.is_some_and(|bits| bits & ExitStatusFlags::DEVICE_OPEN.bits() != 0);
        (low_power && skipped).then(|| name.clone())
    })
}

/// Judges one output with the default [`Policy`] and no history.
pub fn judge(output: &SmartctlOutput) -> Assessment {
    judge_with(output, None, &Policy::default())
}

/// Judges one output against an optional previous full result of the same
/// device (enables the "grew since last time" rules, as smartd does) and a
/// [`Policy`].
pub fn judge_with(
    output: &SmartctlOutput,
    previous: Option<&SmartctlOutput>,
    policy: &Policy,
) -> Assessment {
    if let Some(mode) = sleeping_mode(output) {
        let reason = Reason::new(
            rule_ids::STANDBY,
            Level::Asleep,
            "power mode",
            &mode,
            format!(
                "the device is in {mode} mode; smartctl did not wake it, so there is no new health data"
            ),
        );
        return Assessment { verdict: Verdict::Asleep, reasons: vec![reason] };
    }
    if let Some(reasons) = unreachable_reasons(output) {
        return Assessment { verdict: Verdict::Unreachable, reasons };
    }

    let mut reasons = health::reasons(output, previous, policy);
    reasons.sort_by_key(|reason| std::cmp::Reverse(reason.level));
    let worst = reasons.iter().map(|reason| reason.level).max();
    let verdict = match worst {
        Some(Level::Failing) => Verdict::Failing,
        Some(Level::Warning) => Verdict::Warning,
        _ if !health::has_health_data(output) => {
            let mut why = "smartctl returned no health status, attributes, NVMe health log or SCSI error counters".to_owned();
            if output.devices.is_some() && output.device.is_none() {
                why = "this is smartctl --scan output: a list of devices, not a device report"
                    .to_owned();
            } else if let Some(support) = &output.smart_support {
                if support.available == Some(false) {
                    why.push_str(" (the device does not support SMART)");
                } else if support.enabled == Some(false) {
                    why.push_str(" (SMART is disabled on the device: smartctl -s on)");
                }
            }
            reasons.insert(
                0,
                Reason::new(
                    rule_ids::NO_HEALTH_DATA,
                    Level::Unknown,
                    "output",
                    "no health sections",
                    why,
                ),
            );
            Verdict::Unknown
        }
        _ => Verdict::Ok,
    };
    Assessment { verdict, reasons }
}

fn unreachable_reasons(output: &SmartctlOutput) -> Option<Vec<Reason>> {
    let exit = output.exit_status().unwrap_or(ExitStatusFlags::empty());
    let unreachable = exit.intersects(ExitStatusFlags::COMMAND_LINE | ExitStatusFlags::DEVICE_OPEN);
    if !unreachable {
        return None;
    }
    let said = error_messages(output).unwrap_or_else(|| "no message".to_owned());
    let reason = if let Some(failure) = open_failure(output) {
        if failure.permission_denied {
            Reason::new(
                rule_ids::PERMISSION_DENIED,
                Level::Unreachable,
                failure.device,
                failure.reason,
                "smartctl needs read access to the device node: run as root or with CAP_SYS_RAWIO and the disk group",
            )
        } else {
            Reason::new(
                rule_ids::OPEN_FAILED,
                Level::Unreachable,
                failure.device,
                failure.reason,
                "smartctl could not open the device",
            )
        }
    } else if exit.contains(ExitStatusFlags::COMMAND_LINE) {
        Reason::new(
            rule_ids::COMMAND_LINE,
            Level::Unreachable,
            "smartctl command line",
            said,
            "smartctl did not run the checks: bad option, or the device type could not be determined (pass -d TYPE)",
        )
    } else if output.device.is_some() {
        Reason::new(
            rule_ids::IDENTIFY_FAILED,
            Level::Unreachable,
            "device identity",
            said,
            "the device opened but did not answer IDENTIFY: wrong -d type, or the device is not a disk",
        )
    } else {
        Reason::new(
            rule_ids::OPEN_FAILED,
            Level::Unreachable,
            "device",
            said,
            "smartctl could not open the device",
        )
    };
    Some(vec![reason])
}

/// smartctl's error-severity messages joined with "; ", if it printed any.
fn error_messages(output: &SmartctlOutput) -> Option<String> {
    let errors: Vec<&str> = output
        .messages()
        .iter()
        .filter(|m| matches!(m.severity, Some(Severity::Error)))
        .map(|m| m.string.as_str())
        .collect();
    (!errors.is_empty()).then(|| errors.join("; "))
}

#[cfg(test)]
mod tests;
