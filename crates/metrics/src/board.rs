//! The verdict, the scrape itself, the bays and the board: `helios64_*`.

use helios64_health::{Health, Level};

use crate::Snapshot;
use crate::family::{Family, flag, labels, num};

fn level_code(l: Level) -> u8 {
    l.exit_code()
}

pub(crate) fn health(s: &Snapshot<'_>, out: &mut Vec<Family>) {
    let h = s.health;
    let mut status = Family::new(
        "helios64_health_status",
        "The overall verdict: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (the exit code of helios64 health).",
    );
    status.push(Vec::new(), level_code(h.verdict));
    let mut counts = Family::new("helios64_health_reasons", "Reasons for the verdict, by level.");
    for level in [Level::Critical, Level::Warning, Level::Unknown] {
        let n = h.reasons.iter().filter(|r| r.level == level).count();
        counts.push(labels([("level", level.as_str())]), num(n as u64));
    }
    let mut reason = Family::new(
        "helios64_health_reason",
        "One sample per reason: its level, code and subject (bay, device, pool, vdev, part); the message is in helios64 health.",
    );
    for r in &h.reasons {
        let bay = r.subject.bay.map(|b| b.to_string()).unwrap_or_default();
        reason.push(
            labels([
                ("level", r.level.as_str()),
                ("code", r.code.as_str()),
                ("bay", &bay),
                ("device", r.subject.device.as_deref().unwrap_or_default()),
                ("pool", r.subject.pool.as_deref().unwrap_or_default()),
                ("vdev", r.subject.vdev.as_deref().unwrap_or_default()),
                ("part", r.subject.part.as_deref().unwrap_or_default()),
            ]),
            1i64,
        );
    }
    let mut success = Family::new(
        "helios64_scrape_collector_success",
        "1 when the collector read its source this scrape, 0 when it failed (skipped collectors are absent).",
    );
    let mut duration = Family::new(
        "helios64_scrape_collector_duration_seconds",
        "How long the collector took (for SMART, refreshed in the background: its last run).",
    );
    for c in h.collectors.iter().chain(s.collectors) {
        let l = labels([("collector", &c.name)]);
        if let Some(ok) = c.success {
            success.push(l.clone(), flag(ok));
            duration.push(l, c.duration_seconds);
        }
    }
    out.extend([status, counts, reason, success, duration]);
}

pub(crate) fn bays(h: &Health, out: &mut Vec<Family>) {
    let mut info = Family::new(
        "helios64_bay_info",
        "One per bay: its ATA port and the disk in it (empty labels when the bay is empty).",
    );
    let mut occupied = Family::new("helios64_bay_occupied", "1 when the bay holds a disk.");
    let mut status = Family::new(
        "helios64_bay_status",
        "The worst level of the reasons about the bay: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.",
    );
    let mut temp = Family::new(
        "helios64_disk_temperature_celsius",
        "The disk's temperature (drivetemp, else SMART).",
    );
    let mut vdev = Family::new(
        "helios64_bay_vdev_info",
        "The join: the vdev of each pool that the bay's disk backs.",
    );
    for b in &h.bays {
        let bay = b.bay.to_string();
        let disk = b.disk.as_ref();
        let device = disk.and_then(|d| d.device.clone()).unwrap_or_default();
        info.push(
            labels([
                ("bay", &bay),
                ("ata_port", &b.ata_port),
                ("device", &device),
                ("model", disk.map(|d| d.model.as_str()).unwrap_or_default()),
                ("serial", disk.and_then(|d| d.serial.as_deref()).unwrap_or_default()),
            ]),
            1i64,
        );
        occupied.push(labels([("bay", &bay)]), flag(disk.is_some()));
        status.push(labels([("bay", &bay)]), level_code(b.level));
        if let Some(d) = disk {
            temp.push_some(labels([("bay", &bay), ("device", &device)]), d.temperature_celsius);
            for v in &d.vdevs {
                vdev.push(
                    labels([
                        ("bay", &bay),
                        ("device", &device),
                        ("pool", &v.pool),
                        ("vdev", &v.vdev),
                    ]),
                    1i64,
                );
            }
        }
    }
    out.extend([info, occupied, status, temp, vdev]);
}

pub(crate) fn board(h: &Health, out: &mut Vec<Family>) {
    let b = &h.board;
    let mut temp = Family::new(
        "helios64_temperature_celsius",
        "Board temperatures: the CPU and GPU thermal zones and the lm75 board sensor.",
    );
    for t in b.temperatures.iter().filter(|t| !t.sensor.starts_with("bay")) {
        temp.push(labels([("sensor", &t.sensor)]), t.celsius);
    }
    let mut pwm = Family::new(
        "helios64_fan_pwm",
        "Fan duty, 0 to 255 (from helios64-fand's state when it runs, else sysfs).",
    );
    for f in &b.fans {
        pwm.push(labels([("fan", &f.fan), ("source", f.source)]), f.pwm);
    }
    let mut fand_up =
        Family::new("helios64_fand_up", "1 when helios64-fand's state file is fresh.");
    fand_up.push(Vec::new(), flag(b.fand.state == "running"));
    let mut failsafe = Family::new(
        "helios64_fan_failsafe",
        "1 when helios64-fand holds both fans at full speed (its fail-safe); absent when it does not run.",
    );
    if b.fand.state == "running" {
        failsafe.push(Vec::new(), flag(b.fan_failsafe.is_some()));
    }
    let mut upsd_up = Family::new(
        "helios64_upsd_up",
        "1 when helios64-upsd's state file is fresh (the UPS metrics are then its readings).",
    );
    upsd_up.push(Vec::new(), flag(b.upsd.state == "running"));
    let mut mains = Family::new("helios64_ups_on_mains", "1 on mains power, 0 on battery.");
    let mut volts = Family::new("helios64_ups_battery_volts", "The battery voltage.");
    let mut low = Family::new(
        "helios64_ups_battery_low",
        "1 when the battery is at or below its low threshold.",
    );
    let mut charging =
        Family::new("helios64_ups_charging", "1 while the charger charges the battery.");
    if let Some(u) = &b.ups {
        mains.push_some(Vec::new(), u.on_mains.map(flag));
        volts.push_some(Vec::new(), u.battery_volts);
        low.push(Vec::new(), flag(u.battery_low));
        charging.push_some(Vec::new(), u.charge.as_ref().map(|c| flag(c == "charging")));
    }
    let mut carrier = Family::new("helios64_nic_carrier", "1 when the NIC has a link.");
    let mut speed = Family::new(
        "helios64_nic_link_speed_bytes",
        "The negotiated link speed in bytes per second (node_exporter's node_network_speed_bytes convention).",
    );
    let mut line = Family::new(
        "helios64_nic_line_rate_bytes",
        "What the port can do, bytes per second: LAN1 1 Gb/s, LAN2 2.5 Gb/s.",
    );
    let mut duplex = Family::new("helios64_nic_full_duplex", "1 at full duplex, 0 at half.");
    let mut below = Family::new(
        "helios64_nic_below_line_rate",
        "1 when linked below the line rate or at half duplex.",
    );
    for n in &b.nics {
        let l = labels([("nic", &n.nic), ("interface", &n.interface)]);
        carrier.push(l.clone(), flag(n.carrier));
        speed.push_some(l.clone(), n.speed_mbps.map(|s| u64::from(s) * 125_000));
        line.push(l.clone(), u64::from(n.line_rate_mbps) * 125_000);
        duplex.push_some(l.clone(), n.duplex.as_deref().map(|d| flag(d == "full")));
        below.push(l, flag(n.below_line_rate));
    }
    let mut checked = Family::new(
        "helios64_pinning_checked",
        "1 when pinning drift counts (helios64-pin manages the box, or pinning = \"always\").",
    );
    let mut planned = Family::new("helios64_pinning_planned_irqs", "IRQs the pinning plan covers.");
    let mut irqs =
        Family::new("helios64_pinning_drifted_irqs", "Planned IRQs not on their planned CPUs.");
    let mut rps = Family::new(
        "helios64_pinning_drifted_rps_queues",
        "Planned RPS queues not set as planned.",
    );
    if let Some(p) = &b.pinning {
        checked.push(Vec::new(), flag(p.checked));
        planned.push(Vec::new(), num(p.irqs_planned as u64));
        irqs.push(Vec::new(), num(p.irqs_drifted.len() as u64));
        rps.push(Vec::new(), num(p.rps_drifted.len() as u64));
    }
    out.extend([
        temp, pwm, fand_up, failsafe, upsd_up, mains, volts, low, charging, carrier, speed, line,
        duplex, below, checked, planned, irqs, rps,
    ]);
}
