//! The human view of a [`BoxStatus`].

use std::fmt::Write;

use helios64_hal::{PwmEnable, TripKind, Variant, ZoneSnapshot};

use crate::BoxStatus;
use crate::table::Table;

pub(crate) fn render(status: &BoxStatus) -> String {
    let mut out = String::new();
    // Writing to a String cannot fail; the Result only exists for io sinks.
    let _ = write_all(status, &mut out);
    out
}

fn write_all(s: &BoxStatus, out: &mut String) -> std::fmt::Result {
    board(s, out)?;
    thermal(s, out)?;
    fans(s, out)?;
    leds(s, out)?;
    problems(s, out)
}

/// 48250 → "48.2 °C" (rounded toward zero to one decimal, as sensors does).
pub(crate) fn celsius(milli: i64) -> String {
    let sign = if milli < 0 { "-" } else { "" };
    let abs = milli.unsigned_abs();
    format!("{sign}{}.{} °C", abs / 1000, abs % 1000 / 100)
}

fn opt<T: ToString>(value: Option<T>) -> String {
    value.map_or_else(|| "-".to_owned(), |v| v.to_string())
}

fn heading(out: &mut String, title: &str) -> std::fmt::Result {
    writeln!(out, "\n{title}")
}

fn board(s: &BoxStatus, out: &mut String) -> std::fmt::Result {
    let Some(board) = &s.board else {
        return writeln!(out, "Board: unknown (see problems)");
    };
    let variant = match board.variant {
        Variant::Armbian => "Armbian device tree",
        Variant::Mainline => "mainline device tree",
        Variant::KobolEra => "Kobol-era Armbian device tree",
        Variant::UnrecognisedHelios64 => "unrecognised Helios64 device tree",
        Variant::NotHelios64 => "NOT a Helios64",
        Variant::NoDeviceTree => "no device tree (not a Helios64)",
    };
    let model = board.identity.as_ref().map_or("unknown machine", |i| i.model.as_str());
    writeln!(out, "{model} — {variant}")?;
    if let Some(id) = &board.identity {
        let mut facts = vec![format!("compatible {}", id.compatible.join(", "))];
        facts.extend(id.board_rev.as_ref().map(|r| format!("board rev {r}")));
        facts.extend(id.serial_number.as_ref().map(|n| format!("serial {n}")));
        writeln!(out, "  {}", facts.join("; "))?;
    }
    writeln!(out, "  root {}", s.root.display())
}

fn trips(zone: &ZoneSnapshot) -> String {
    let list: Vec<String> = zone
        .trip_points
        .iter()
        .map(|t| {
            let kind = match t.kind {
                TripKind::Active => "active",
                TripKind::Passive => "passive",
                TripKind::Hot => "hot",
                TripKind::Critical => "critical",
            };
            format!("{kind} {}", celsius(t.temp_millicelsius))
        })
        .collect();
    if list.is_empty() { "-".to_owned() } else { list.join(", ") }
}

fn thermal(s: &BoxStatus, out: &mut String) -> std::fmt::Result {
    let Some(thermal) = &s.thermal else { return Ok(()) };
    heading(out, "Temperatures")?;
    let mut t = Table::new(["sensor", "source", "temp", "trip points"]);
    for (label, zone) in [("CPU", &thermal.cpu), ("GPU", &thermal.gpu)] {
        match zone {
            Some(z) => t.row(vec![
                label.into(),
                format!("thermal zone {}", z.zone_type),
                celsius(z.temp_millicelsius),
                trips(z),
            ]),
            None => t.row(vec![label.into(), "not present".into(), "-".into(), "-".into()]),
        }
    }
    match &thermal.board {
        Some(b) => t.row(vec![
            "board".into(),
            format!("{} at i2c {}-{:04x}", b.hwmon_name, b.i2c_bus, b.i2c_address),
            celsius(b.temp_millicelsius),
            b.max_millicelsius.map_or_else(|| "-".into(), |m| format!("shutdown {}", celsius(m))),
        ]),
        None => t.row(vec!["board".into(), "not present".into(), "-".into(), "-".into()]),
    }
    for z in &thermal.other_zones {
        t.row(vec![
            "other".into(),
            format!("thermal zone {}", z.zone_type),
            celsius(z.temp_millicelsius),
            trips(z),
        ]);
    }
    t.write_to(out)
}

fn fans(s: &BoxStatus, out: &mut String) -> std::fmt::Result {
    let Some(fans) = &s.fans else { return Ok(()) };
    heading(out, "Fans (no tachometer on the Helios64: speed cannot be measured)")?;
    if fans.fans.is_empty() {
        return writeln!(out, "  none found");
    }
    let mut t = Table::new(["fan", "node", "pwm", "duty", "mode", "cooling levels"]);
    for f in &fans.fans {
        let mode = match f.pwm_enable {
            None => "-",
            Some(PwmEnable::Off) => "off",
            Some(PwmEnable::Enabled) => "on",
            Some(PwmEnable::EnabledAlwaysOn) => "on (regulator always on)",
            Some(PwmEnable::EnabledPowerOffAtZero) => "on (off at 0)",
        };
        t.row(vec![
            opt(f.header),
            f.dt_node.clone(),
            f.pwm.to_string(),
            format!("{} %", (u32::from(f.pwm) * 100 + 127) / 255),
            mode.into(),
            f.cooling_levels.as_ref().map_or_else(
                || "-".into(),
                |l| l.iter().map(u8::to_string).collect::<Vec<_>>().join("/"),
            ),
        ]);
    }
    t.write_to(out)
}

fn leds(s: &BoxStatus, out: &mut String) -> std::fmt::Result {
    let Some(leds) = &s.leds else { return Ok(()) };
    heading(out, "LEDs")?;
    let mut t = Table::new(["led", "role", "brightness", "trigger"]);
    for l in leds {
        let trigger = match &l.netdev {
            Some(n) => {
                let missing = if l.netdev_interface_present == Some(false) {
                    " (no such interface)"
                } else {
                    ""
                };
                format!("{} → {}{missing}", l.trigger, n.device_name)
            }
            None => l.trigger.clone(),
        };
        t.row(vec![
            l.name.clone(),
            opt(l.role),
            format!("{}/{}", l.brightness, l.max_brightness),
            trigger,
        ]);
    }
    if t.is_empty() {
        return writeln!(out, "  none found");
    }
    t.write_to(out)
}

fn problems(s: &BoxStatus, out: &mut String) -> std::fmt::Result {
    let missing: Vec<_> = s.inventory.iter().flat_map(|inv| inv.missing_expected()).collect();
    if missing.is_empty() && s.errors.is_empty() {
        return writeln!(out, "\nNo problems found.");
    }
    heading(out, "Problems")?;
    for c in missing {
        writeln!(out, "  missing: {} (looked in {})", c.component, c.location.display())?;
    }
    for e in &s.errors {
        let section = serde_json::to_value(e.section)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        writeln!(out, "  cannot read {section}: {}", e.message)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::celsius;

    #[test]
    fn celsius_rounds_toward_zero() {
        assert_eq!(celsius(48_250), "48.2 °C");
        assert_eq!(celsius(95_000), "95.0 °C");
        assert_eq!(celsius(-1_500), "-1.5 °C");
        assert_eq!(celsius(0), "0.0 °C");
    }
}
