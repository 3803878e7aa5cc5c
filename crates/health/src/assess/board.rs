//! The board beyond the bays: temperatures, fans and their daemon, UPS,
//! NIC links, pinning, and what the board model itself flags.

use helios64_hal::{BatteryReading, Duplex, FanHeader, NicRole};
use helios64_status::Section;
use helios64_ups::{BatteryState, PowerState, UpsState};

use super::age;
use crate::config::{HealthConfig, PinningCheck};
use crate::inputs::{DaemonState, Inputs};
use crate::model::{
    BoardHealth, DaemonView, FanHealth, NicHealth, PinningHealth, TempHealth, UpsHealth,
};
use crate::reason::{Reason, ReasonCode, Subject};

/// LAN1 is the RK3399's gigabit GMAC, LAN2 the 2.5 GbE RTL8156.
fn line_rate(role: NicRole) -> u32 {
    match role {
        NicRole::Lan1 => 1000,
        NicRole::Lan2 => 2500,
    }
}

fn nic_name(role: NicRole) -> &'static str {
    match role {
        NicRole::Lan1 => "lan1",
        NicRole::Lan2 => "lan2",
    }
}

pub(super) fn assess(
    inputs: &Inputs,
    config: &HealthConfig,
    reasons: &mut Vec<Reason>,
) -> BoardHealth {
    let t = &config.thresholds;
    let b = &inputs.board;

    // While upsd runs it holds the charger's GPIO lines: a direct read of
    // the UPS finds them busy, and upsd's state is the reading.
    let upsd_fresh = inputs.upsd.fresh().is_some();
    for error in b.errors.iter().filter(|e| !(upsd_fresh && e.section == Section::Ups)) {
        let section = section_name(error.section);
        let what =
            error.item.as_deref().map_or_else(|| section.to_owned(), |i| format!("{section}: {i}"));
        reasons.push(Reason::new(
            t.collector_failed,
            ReasonCode::CollectorFailed,
            Subject::part(format!("board {what}")),
            format!("could not be read: {}", error.message),
        ));
    }
    for problem in &b.problems {
        reasons.push(Reason::new(
            t.board_problem,
            ReasonCode::BoardProblem,
            Subject::part(section_name(problem.section)),
            problem.message.clone(),
        ));
    }

    let mut temperatures = Vec::new();
    if let Some(th) = &b.thermal {
        for (name, zone) in [("cpu", &th.cpu), ("gpu", &th.gpu)] {
            if let Some(z) = zone {
                temperatures
                    .push(TempHealth { sensor: name.into(), celsius: milli(z.temp_millicelsius) });
            }
        }
        if let Some(board) = &th.board {
            temperatures.push(TempHealth {
                sensor: "board".into(),
                celsius: milli(board.temp_millicelsius),
            });
        }
    }
    for view in b.bays.iter().flatten() {
        if let Some(m) = view.temp_millicelsius {
            temperatures
                .push(TempHealth { sensor: format!("bay{}", view.bay.bay), celsius: milli(m) });
        }
    }

    let (fans, fan_failsafe, fand) = fans(inputs, config, reasons);

    BoardHealth {
        temperatures,
        fans,
        fan_failsafe,
        fand,
        ups: ups(inputs, config, reasons),
        upsd: daemon_view(&inputs.upsd),
        nics: nics(inputs, config, reasons),
        pinning: pinning(inputs, config, reasons),
    }
}

fn section_name(section: Section) -> &'static str {
    match section {
        Section::Board => "board",
        Section::Inventory => "inventory",
        Section::Thermal => "thermal",
        Section::Fans => "fans",
        Section::Leds => "leds",
        Section::Bays => "bays",
        Section::Network => "network",
        Section::Cpus => "cpus",
        Section::Pinning => "pinning",
        Section::Ups => "ups",
        _ => "board",
    }
}

fn milli(m: i64) -> f64 {
    m as f64 / 1000.0
}

fn fans(
    inputs: &Inputs,
    config: &HealthConfig,
    reasons: &mut Vec<Reason>,
) -> (Vec<FanHealth>, Option<String>, DaemonView) {
    let t = &config.thresholds;
    let from_sysfs = || -> Vec<FanHealth> {
        inputs
            .board
            .fans
            .iter()
            .flat_map(|f| &f.fans)
            .map(|f| FanHealth {
                fan: match f.header {
                    Some(FanHeader::P6) => "P6".into(),
                    Some(FanHeader::P7) => "P7".into(),
                    None => f.dt_node.clone(),
                },
                pwm: f.pwm,
                source: "sysfs",
            })
            .collect()
    };
    let down = |why: String, reasons: &mut Vec<Reason>| {
        if t.fand_expected {
            reasons.push(Reason::new(
                t.fan_daemon_down,
                ReasonCode::FanDaemonDown,
                Subject::part("fand"),
                why,
            ));
        }
    };
    match &inputs.fand {
        // A clean stop leaves its last state behind; it describes fans no
        // one controls any more, not a fail-safe of a running daemon.
        DaemonState::Fresh(state) | DaemonState::Stale { state, .. } if state.stopped => {
            down("stopped, leaving the fans at full speed".into(), reasons);
            (from_sysfs(), None, DaemonView { state: "stopped", age_seconds: None, error: None })
        }
        DaemonState::Fresh(state) => {
            if let Some(why) = &state.failsafe {
                reasons.push(Reason::new(
                    t.fan_failsafe,
                    ReasonCode::FanFailsafe,
                    Subject::part("fand"),
                    format!("fans at full speed (fail-safe): {why}"),
                ));
            }
            let fans = state
                .fans
                .iter()
                .map(|f| FanHealth { fan: f.fan.clone(), pwm: f.pwm, source: "fand" })
                .collect();
            (
                fans,
                state.failsafe.clone(),
                DaemonView { state: "running", age_seconds: None, error: None },
            )
        }
        DaemonState::Stale { age: a, .. } => {
            down(
                format!("state file not updated for {}: stuck or dead", age(a.as_secs())),
                reasons,
            );
            (
                from_sysfs(),
                None,
                DaemonView { state: "stale", age_seconds: Some(a.as_secs()), error: None },
            )
        }
        DaemonState::Absent => {
            down("is not running (no state file)".into(), reasons);
            (from_sysfs(), None, DaemonView { state: "absent", age_seconds: None, error: None })
        }
        DaemonState::Unreadable(error) => {
            reasons.push(Reason::new(
                t.collector_failed,
                ReasonCode::CollectorFailed,
                Subject::part("fand state"),
                format!("could not be read: {error}"),
            ));
            (
                from_sysfs(),
                None,
                DaemonView { state: "unreadable", age_seconds: None, error: Some(error.clone()) },
            )
        }
    }
}

fn ups(inputs: &Inputs, config: &HealthConfig, reasons: &mut Vec<Reason>) -> Option<UpsHealth> {
    if let Some(state) = inputs.upsd.fresh() {
        return Some(ups_from_daemon(state, config, reasons));
    }
    let t = &config.thresholds;
    let u = inputs.board.ups.as_ref()?;
    let on_mains = u.mains.as_ref().map(|m| m.online);
    let (battery_volts, low) = match &u.battery {
        BatteryReading::Present { battery_millivolts, low, .. } => {
            (Some(f64::from(*battery_millivolts) / 1000.0), *low)
        }
        BatteryReading::Absent { .. } | BatteryReading::Unknown { .. } => (None, false),
    };
    if on_mains == Some(false) {
        reasons.push(Reason::new(
            t.on_battery,
            ReasonCode::OnBattery,
            Subject::part("ups"),
            match battery_volts {
                Some(v) => format!("mains lost, on battery at {v:.2} V"),
                None => "mains lost, on battery".to_owned(),
            },
        ));
        if low {
            reasons.push(Reason::new(
                t.battery_low,
                ReasonCode::BatteryLow,
                Subject::part("ups"),
                "battery low: shutdown is near",
            ));
        }
    }
    Some(UpsHealth {
        on_mains,
        charge: u.mains.as_ref().and_then(|m| m.charge).map(|c| c.as_str().to_owned()),
        battery_volts,
        battery_low: low,
        source: "sysfs",
    })
}

fn daemon_view<T>(state: &DaemonState<T>) -> DaemonView {
    match state {
        DaemonState::Fresh(_) => DaemonView { state: "running", age_seconds: None, error: None },
        DaemonState::Stale { age, .. } => {
            DaemonView { state: "stale", age_seconds: Some(age.as_secs()), error: None }
        }
        DaemonState::Absent => DaemonView { state: "absent", age_seconds: None, error: None },
        DaemonState::Unreadable(e) => {
            DaemonView { state: "unreadable", age_seconds: None, error: Some(e.clone()) }
        }
    }
}

fn ups_from_daemon(s: &UpsState, config: &HealthConfig, reasons: &mut Vec<Reason>) -> UpsHealth {
    let t = &config.thresholds;
    let volts = s.filtered_mv.or(s.pack_mv).map(|mv| f64::from(mv) / 1000.0);
    let subject = || Subject::part("ups");
    match s.state {
        PowerState::Online => {}
        PowerState::OnBattery => reasons.push(Reason::new(
            t.on_battery,
            ReasonCode::OnBattery,
            subject(),
            match s.on_battery_secs {
                #[allow(
                    clippy::cast_possible_truncation,
                    clippy::cast_sign_loss,
                    reason = "whole seconds of a non-negative age"
                )]
                Some(secs) => format!(
                    "mains lost, on battery for {}: {}",
                    age(secs.max(0.0) as u64),
                    s.next_action.text
                ),
                None => format!("mains lost, on battery: {}", s.next_action.text),
            },
        )),
        PowerState::LowBattery => reasons.push(Reason::new(
            t.battery_low,
            ReasonCode::BatteryLow,
            subject(),
            format!("battery low on battery power: {}", s.next_action.text),
        )),
        PowerState::Shutdown => reasons.push(Reason::new(
            t.battery_low,
            ReasonCode::UpsShutdown,
            subject(),
            format!(
                "helios64-upsd is shutting the box down: {}",
                s.shutdown
                    .as_ref()
                    .map_or_else(|| s.next_action.text.clone(), |d| d.reason.clone())
            ),
        )),
    }
    if s.battery_fault {
        reasons.push(Reason::new(
            t.board_problem,
            ReasonCode::BoardProblem,
            subject(),
            "the battery reads low while on mains: it does not hold a charge",
        ));
    }
    UpsHealth {
        on_mains: s.mains,
        charge: s.charge.clone(),
        battery_volts: if s.battery == BatteryState::Present { volts } else { None },
        battery_low: s.state == PowerState::LowBattery,
        source: "upsd",
    }
}

fn nics(inputs: &Inputs, config: &HealthConfig, reasons: &mut Vec<Reason>) -> Vec<NicHealth> {
    let t = &config.thresholds;
    inputs
        .board
        .network
        .iter()
        .flatten()
        .map(|view| {
            let n = &view.nic;
            let carrier = n.link.carrier == Some(true);
            let line = line_rate(n.role);
            let slow = carrier && n.link.speed_mbps.is_some_and(|s| s < line);
            let half = carrier && n.link.duplex == Some(Duplex::Half);
            if slow || half {
                reasons.push(Reason::new(
                    t.link_below_line_rate,
                    ReasonCode::LinkBelowLineRate,
                    Subject::part(nic_name(n.role)),
                    format!(
                        "{} links at {} Mb/s {} (line rate {line} Mb/s full): check the cable and the switch port",
                        n.link.interface,
                        n.link.speed_mbps.map_or_else(|| "?".to_owned(), |s| s.to_string()),
                        match n.link.duplex {
                            Some(Duplex::Half) => "half duplex",
                            Some(Duplex::Full) => "full duplex",
                            None => "unknown duplex",
                        }
                    ),
                ));
            }
            NicHealth {
                nic: nic_name(n.role).into(),
                interface: n.link.interface.clone(),
                carrier,
                speed_mbps: n.link.speed_mbps,
                duplex: n.link.duplex.map(|d| match d {
                    Duplex::Half => "half".to_owned(),
                    Duplex::Full => "full".to_owned(),
                }),
                line_rate_mbps: line,
                below_line_rate: slow || half,
            }
        })
        .collect()
}

fn pinning(
    inputs: &Inputs,
    config: &HealthConfig,
    reasons: &mut Vec<Reason>,
) -> Option<PinningHealth> {
    let p = inputs.board.pinning.as_ref()?;
    let checked = match config.pinning {
        PinningCheck::Always => true,
        PinningCheck::Never => false,
        PinningCheck::Auto => inputs.pin_managed,
    };
    let irqs_drifted: Vec<String> = p
        .irqs
        .iter()
        .filter(|i| !i.as_planned)
        .map(|i| {
            format!(
                "irq {} ({}) on {} instead of {}",
                i.current.irq,
                i.current.actions.join(","),
                i.current.allowed_cpus.to_list_string(),
                i.planned_cpus.to_list_string()
            )
        })
        .collect();
    let rps_drifted: Vec<String> = p
        .rps
        .iter()
        .filter(|q| !q.as_planned)
        .map(|q| {
            format!(
                "{} rx-{} RPS on {} instead of {}",
                q.interface,
                q.queue,
                q.rps_cpus.to_list_string(),
                q.planned_cpus.to_list_string()
            )
        })
        .collect();
    if checked {
        for line in irqs_drifted.iter().chain(&rps_drifted) {
            reasons.push(Reason::new(
                config.thresholds.pinning_drift,
                ReasonCode::PinningDrift,
                Subject::part("pinning"),
                line.clone(),
            ));
        }
    }
    Some(PinningHealth { checked, irqs_planned: p.irqs.len(), irqs_drifted, rps_drifted })
}
