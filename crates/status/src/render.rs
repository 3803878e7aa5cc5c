//! The human view of a [`BoxStatus`].

use std::fmt::Write;

use helios64_hal::{BatteryReading, PwmEnable, TripKind, Variant, ZoneRole, ZoneSnapshot};
use serde::Serialize;

use crate::BoxStatus;
use helios64_text::Table;

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
    bays(s, out)?;
    network(s, out)?;
    pinning(s, out)?;
    ups(s, out)?;
    leds(s, out)?;
    problems(s, out)
}

/// 48250 → "48.2 °C" (rounded toward zero to one decimal, as sensors does).
pub(crate) fn celsius(milli: i64) -> String {
    let sign = if milli < 0 { "-" } else { "" };
    let abs = milli.unsigned_abs();
    format!("{sign}{}.{} °C", abs / 1000, abs % 1000 / 100)
}

/// The serde name of a unit enum value (`"not-charging"`, `"lan1"`).
fn name_of<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        _ => "?".to_owned(),
    }
}

/// 4000787030016 → "4.0 TB" (decimal units, as drive labels use).
fn size(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "kB", "MB", "GB", "TB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit + 1 < UNITS.len() {
        value /= 1000.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
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
    for (label, role, zone) in
        [("CPU", ZoneRole::Cpu, &thermal.cpu), ("GPU", ZoneRole::Gpu, &thermal.gpu)]
    {
        match zone {
            Some(z) => t.row(vec![
                label.into(),
                format!("thermal zone {}", z.zone_type),
                celsius(z.temp_millicelsius),
                trips(z),
            ]),
            None => {
                let failed = s.errors.iter().any(|e| {
                    e.section == crate::Section::Thermal
                        && e.item
                            .as_deref()
                            .and_then(|i| i.strip_prefix("thermal zone "))
                            .and_then(ZoneRole::from_type)
                            == Some(role)
                });
                let what = if failed { "unreadable (see problems)" } else { "not present" };
                t.row(vec![label.into(), what.into(), "-".into(), "-".into()]);
            }
        }
    }
    match &thermal.board {
        Some(b) => t.row(vec![
            "board".into(),
            format!("{} at i2c {}-{:04x}", b.hwmon_name, b.i2c_bus, b.i2c_address),
            celsius(b.temp_millicelsius),
            b.max_millicelsius.map_or_else(|| "-".into(), |m| format!("shutdown {}", celsius(m))),
        ]),
        None => {
            let what = if unreadable(s, crate::Section::Thermal, "board sensor") {
                "unreadable (see problems)"
            } else {
                "not present"
            };
            t.row(vec!["board".into(), what.into(), "-".into(), "-".into()]);
        }
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

fn bays(s: &BoxStatus, out: &mut String) -> std::fmt::Result {
    let Some(bays) = &s.bays else { return Ok(()) };
    heading(out, "Bays")?;
    let mut t =
        Table::new(["bay", "port", "link", "disk", "model", "serial", "size", "temp", "error LED"]);
    for v in bays {
        let b = &v.bay;
        let bay =
            if b.shares_port_with_m2 { format!("{} (M.2 mux)", b.bay) } else { b.bay.to_string() };
        let link = b
            .link_speed_mbps
            .map_or_else(|| "down".into(), |m| format!("{:.1} Gb/s", f64::from(m) / 1000.0));
        let led = match v.error_led_lit {
            Some(true) => "LIT".to_owned(),
            Some(false) => "off".to_owned(),
            None => "-".to_owned(),
        };
        let temp = match v.temp_millicelsius {
            Some(t) => celsius(t),
            None if unreadable(s, crate::Section::Bays, &format!("bay {} temperature", b.bay)) => {
                "unreadable".into()
            }
            None => "-".into(),
        };
        match &b.disk {
            Some(d) => t.row(vec![
                bay,
                b.ata_port.clone(),
                link,
                d.block_device.clone().unwrap_or_else(|| "-".into()),
                d.model.clone(),
                opt(d.serial.as_ref()),
                d.size_bytes.map_or_else(|| "-".into(), size),
                temp,
                led,
            ]),
            None => t.row(vec![
                bay,
                b.ata_port.clone(),
                link,
                "empty".into(),
                "-".into(),
                "-".into(),
                "-".into(),
                temp,
                led,
            ]),
        }
    }
    t.write_to(out)
}

fn network(s: &BoxStatus, out: &mut String) -> std::fmt::Result {
    let Some(nics) = &s.network else { return Ok(()) };
    heading(out, "Network")?;
    if nics.is_empty() {
        return writeln!(out, "  no Helios64 NIC found");
    }
    let mut t =
        Table::new(["port", "interface", "driver", "state", "speed", "duplex", "advertised"]);
    for v in nics {
        let n = &v.nic;
        let port = match &n.usb {
            Some(usb) => format!("{} (USB {})", name_of(&n.role).to_uppercase(), usb.port),
            None => name_of(&n.role).to_uppercase(),
        };
        t.row(vec![
            port,
            n.link.interface.clone(),
            n.driver.clone(),
            name_of(&n.link.operstate),
            n.link.speed_mbps.map_or_else(|| "-".into(), |m| format!("{m} Mb/s")),
            n.link.duplex.as_ref().map_or_else(|| "-".into(), name_of),
            v.advertised.as_ref().map_or_else(
                || "-".into(),
                |modes| modes.iter().map(ToString::to_string).collect::<Vec<_>>().join(" "),
            ),
        ]);
    }
    t.write_to(out)
}

fn pinning(s: &BoxStatus, out: &mut String) -> std::fmt::Result {
    if let Some(cpus) = &s.cpus {
        heading(out, "CPUs")?;
        let mut t = Table::new(["cluster", "cpus", "core", "capacity", "cpufreq"]);
        for c in &cpus.clusters {
            t.row(vec![
                c.cluster_id
                    .map_or_else(|| format!("package {}", c.package_id), |id| id.to_string()),
                c.cpus.to_string(),
                opt(c.core_type),
                opt(c.capacity),
                opt(c.cpufreq_policy.as_ref()),
            ]);
        }
        t.write_to(out)?;
    }
    let Some(p) = &s.pinning else { return Ok(()) };
    heading(out, "IRQ and RPS pinning (next to Armbian's Helios64 plan)")?;
    let mut t = Table::new(["irq", "handlers", "cpus", "effective", "plan", "match", "why"]);
    for irq in &p.irqs {
        t.row(vec![
            irq.current.irq.to_string(),
            irq.current.actions.join(","),
            irq.current.allowed_cpus.to_string(),
            opt(irq.current.effective_cpus.as_ref()),
            irq.planned_cpus.to_string(),
            if irq.as_planned { "ok".into() } else { "DIFFERS".into() },
            irq.reason.clone(),
        ]);
    }
    for q in &p.rps {
        let now = if q.rps_cpus.is_empty() { "off".to_owned() } else { q.rps_cpus.to_string() };
        t.row(vec![
            format!("rps {}/rx-{}", q.interface, q.queue),
            "-".into(),
            now,
            "-".into(),
            q.planned_cpus.to_string(),
            if q.as_planned { "ok".into() } else { "DIFFERS".into() },
            "receive packet steering".into(),
        ]);
    }
    t.write_to(out)?;
    for rule in &p.unmatched_rules {
        writeln!(out, "  (no match here: {rule})")?;
    }
    Ok(())
}

fn ups(s: &BoxStatus, out: &mut String) -> std::fmt::Result {
    let Some(u) = &s.ups else { return Ok(()) };
    heading(out, "UPS")?;
    match &u.mains {
        Some(m) => {
            let power = if m.online { "mains" } else { "ON BATTERY" };
            let charge = match (&m.charge, m.online) {
                (Some(c), true) => format!(", {}", name_of(c).replace('-', " ")),
                _ => String::new(),
            };
            writeln!(out, "  power     {power}{charge} (from {})", m.source)?;
        }
        None if unreadable(s, crate::Section::Ups, "mains") => {
            writeln!(out, "  power     unreadable (see problems)")?
        }
        None => writeln!(out, "  power     unknown: no mains supply and no GPIO banks")?,
    }
    let battery = match &u.battery {
        BatteryReading::Unknown { reason } => format!("unknown ({reason})"),
        BatteryReading::Absent { adc_millivolts } => {
            format!("not connected (ADC {adc_millivolts:.0} mV)")
        }
        BatteryReading::Present { adc_millivolts, battery_millivolts, low } => format!(
            "{:.2} V{} (ADC {adc_millivolts:.0} mV)",
            f64::from(*battery_millivolts) / 1000.0,
            if *low { ", LOW" } else { "" }
        ),
    };
    writeln!(out, "  battery   {battery}")?;
    if let Some(mv) = u.dc_in_millivolts {
        writeln!(out, "  DC input  {:.2} V", f64::from(mv) / 1000.0)?;
    }
    Ok(())
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
    if missing.is_empty() && s.errors.is_empty() && s.problems.is_empty() {
        return writeln!(out, "\nNo problems found.");
    }
    heading(out, "Problems")?;
    for c in missing {
        writeln!(out, "  missing: {} (looked in {})", c.component, c.location.display())?;
    }
    for e in &s.errors {
        let section = name_of(&e.section);
        match &e.item {
            Some(item) => writeln!(out, "  cannot read {section} ({item}): {}", e.message)?,
            None => writeln!(out, "  cannot read {section}: {}", e.message)?,
        }
    }
    for p in &s.problems {
        writeln!(out, "  {}: {}", name_of(&p.kind), p.message)?;
    }
    Ok(())
}

/// Whether an item of `section` whose name starts with `prefix` failed to
/// read: the table then says "unreadable", not "not present".
fn unreadable(s: &BoxStatus, section: crate::Section, prefix: &str) -> bool {
    s.errors
        .iter()
        .any(|e| e.section == section && e.item.as_deref().is_some_and(|i| i.starts_with(prefix)))
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
