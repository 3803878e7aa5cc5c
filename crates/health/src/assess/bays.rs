//! Bays: slot → disk → SMART → the vdevs it backs.

use helios64_smart::report::EntryVerdict;
use smartctl_parser::{Reason as SmartReason, Verdict};

use super::{age, unix};
use crate::config::HealthConfig;
use crate::inputs::{Inputs, Reading, SmartReading};
use crate::level::Level;
use crate::model::{BayHealth, DiskHealth, PoolHealth, SmartView, VdevLink};
use crate::reason::{Reason, ReasonCode, Subject};
use crate::resolve::DiskNames;

/// The bay disks' names, for locating vdevs: the block device, the serial
/// the kernel reads, the WWN SMART reports.
pub(super) fn disk_names(inputs: &Inputs) -> Vec<(u8, DiskNames<'_>)> {
    let smart = inputs.smart.get();
    inputs
        .board
        .bays
        .iter()
        .flatten()
        .filter_map(|view| {
            let disk = view.bay.disk.as_ref()?;
            let device = disk.block_device.as_deref()?;
            let wwn = smart.and_then(|s| reading_for(s, device)).and_then(|r| identity_wwn(r));
            Some((view.bay.bay, DiskNames { device, serial: disk.serial.as_deref(), wwn }))
        })
        .collect()
}

fn identity_wwn(r: &SmartReading) -> Option<&str> {
    r.entry
        .device
        .as_ref()
        .and_then(|d| d.wwn.as_deref())
        .or_else(|| r.entry.last_known.as_ref().and_then(|l| l.device.wwn.as_deref()))
}

/// The reading of `/dev/<device>`.
pub(crate) fn reading_for<'a>(
    readings: &'a [SmartReading],
    device: &str,
) -> Option<&'a SmartReading> {
    readings.iter().find(|r| r.device.strip_prefix("/dev/").unwrap_or(&r.device) == device)
}

pub(super) fn assess(
    inputs: &Inputs,
    config: &HealthConfig,
    pools: &[PoolHealth],
    now: u64,
    reasons: &mut Vec<Reason>,
) -> Vec<BayHealth> {
    inputs
        .board
        .bays
        .iter()
        .flatten()
        .map(|view| {
            let b = &view.bay;
            let disk = b.disk.as_ref().map(|disk| {
                let device = disk.block_device.clone();
                let subject = Subject::bay(b.bay, device.as_deref());
                let smart_reading = match (&inputs.smart, device.as_deref()) {
                    (Reading::Read(readings), Some(d)) => Some(reading_for(readings, d)),
                    _ => None,
                };
                let smart = smart_reading.map(|r| match r {
                    Some(r) => smart_view(r, config, &subject, now, reasons),
                    None => {
                        reasons.push(Reason::new(
                            config.thresholds.smart_unreachable,
                            ReasonCode::SmartUnreachable,
                            subject.clone(),
                            "SMART was not checked for this disk",
                        ));
                        SmartView {
                            verdict: "error".into(),
                            reasons: Vec::new(),
                            last_known_verdict: None,
                            age_seconds: None,
                            error: Some("not checked".into()),
                        }
                    }
                });
                let identity = smart_reading.flatten().and_then(|r| r.entry.device.as_ref());
                let asleep = smart.as_ref().is_some_and(|s| s.verdict == "standby");
                // drivetemp reads the disk's own sensor without waking it
                // (it answers from the last value while the disk sleeps, or
                // not at all); SMART's is the fallback, and not for a
                // sleeping disk (its numbers are the last known ones).
                let temperature = view.temp_millicelsius.map(|m| m as f64 / 1000.0).or_else(|| {
                    (!asleep)
                        .then(|| identity.and_then(|i| i.temperature_celsius))
                        .flatten()
                        .map(|c| c as f64)
                });
                if let Some(celsius) = temperature {
                    disk_temperature(celsius, config, &subject, reasons);
                }
                let vdevs = device.as_deref().map(|d| links(pools, d)).unwrap_or_default();
                DiskHealth {
                    device,
                    model: disk.model.clone(),
                    serial: disk.serial.clone(),
                    wwn: identity.and_then(|i| i.wwn.clone()),
                    firmware: disk.firmware.clone(),
                    size_bytes: disk.size_bytes,
                    temperature_celsius: temperature,
                    smart,
                    vdevs,
                }
            });
            BayHealth {
                bay: b.bay,
                ata_port: b.ata_port.clone(),
                shares_port_with_m2: b.shares_port_with_m2,
                level: Level::Ok,
                error_led: b.error_led.clone(),
                disk,
            }
        })
        .collect()
}

fn links(pools: &[PoolHealth], device: &str) -> Vec<VdevLink> {
    pools
        .iter()
        .flat_map(|p| {
            p.vdevs.iter().filter(|v| v.device.as_deref() == Some(device)).map(|v| VdevLink {
                pool: p.name.clone(),
                vdev: v.name.clone(),
                state: v.state.clone(),
                read_errors: v.read_errors.unwrap_or(0),
                write_errors: v.write_errors.unwrap_or(0),
                checksum_errors: v.checksum_errors.unwrap_or(0),
            })
        })
        .collect()
}

fn disk_temperature(
    celsius: f64,
    config: &HealthConfig,
    subject: &Subject,
    reasons: &mut Vec<Reason>,
) {
    let t = &config.thresholds;
    let level = if celsius > t.disk_temp_crit_celsius {
        Level::Critical
    } else if celsius > t.disk_temp_warn_celsius {
        Level::Warning
    } else {
        return;
    };
    reasons.push(Reason::new(
        level,
        ReasonCode::DiskHot,
        subject.clone(),
        format!("is at {celsius:.0} °C (warning above {:.0} °C)", t.disk_temp_warn_celsius),
    ));
}

fn reason_line(r: &SmartReason) -> String {
    format!("{}: {} = {}", r.rule, r.subject, r.value)
}

fn smart_view(
    r: &SmartReading,
    config: &HealthConfig,
    subject: &Subject,
    now: u64,
    reasons: &mut Vec<Reason>,
) -> SmartView {
    let t = &config.thresholds;
    let e = &r.entry;
    let output_age = r.output_taken_at.map(|at| now.saturating_sub(unix(at)));
    let mut push = |verdict: Verdict, smart_reasons: &[SmartReason], note: &str| {
        let (level, code) = match verdict {
            Verdict::Warning => (t.smart_warning, ReasonCode::SmartWarning),
            Verdict::Failing => (t.smart_failing, ReasonCode::SmartFailing),
            _ => return,
        };
        let first = smart_reasons.first().map(|r| r.why.clone()).unwrap_or_default();
        let more = match smart_reasons.len() {
            0 | 1 => String::new(),
            n => format!(" (+{} more)", n - 1),
        };
        reasons.push(Reason::new(
            level,
            code,
            subject.clone(),
            format!("SMART {}{note}: {first}{more}", verdict.as_str()),
        ));
    };
    match e.verdict {
        EntryVerdict::Judged(Verdict::Asleep) => {
            let last = e.last_known.as_ref();
            let last_age = last.map(|l| now.saturating_sub(l.taken_at_unix));
            if let Some(l) = last {
                let note =
                    format!(" (last known, {} old; disk in standby)", age(last_age.unwrap_or(0)));
                push(l.verdict, &l.reasons, &note);
            }
            SmartView {
                verdict: "standby".into(),
                reasons: last
                    .map(|l| l.reasons.iter().map(reason_line).collect())
                    .unwrap_or_default(),
                last_known_verdict: last.map(|l| l.verdict.as_str().to_owned()),
                age_seconds: last_age,
                error: None,
            }
        }
        EntryVerdict::Judged(v @ (Verdict::Ok | Verdict::Warning | Verdict::Failing)) => {
            push(v, &e.reasons, "");
            SmartView {
                verdict: v.as_str().into(),
                reasons: e.reasons.iter().map(reason_line).collect(),
                last_known_verdict: None,
                age_seconds: output_age,
                error: None,
            }
        }
        // Unknown, unreachable.
        EntryVerdict::Judged(v) => {
            let why = e.reasons.first().map(|r| r.why.clone()).unwrap_or_else(|| v.as_str().into());
            reasons.push(Reason::new(
                t.smart_unreachable,
                ReasonCode::SmartUnreachable,
                subject.clone(),
                format!("SMART {}: {why}", v.as_str()),
            ));
            SmartView {
                verdict: v.as_str().into(),
                reasons: e.reasons.iter().map(reason_line).collect(),
                last_known_verdict: None,
                age_seconds: output_age,
                error: None,
            }
        }
        EntryVerdict::Error => {
            let error = e.error.clone().unwrap_or_default();
            reasons.push(Reason::new(
                t.smart_unreachable,
                ReasonCode::SmartUnreachable,
                subject.clone(),
                format!("smartctl failed: {error}"),
            ));
            SmartView {
                verdict: "error".into(),
                reasons: Vec::new(),
                last_known_verdict: None,
                age_seconds: None,
                error: Some(error),
            }
        }
    }
}
