//! The human forms: the one-line summary (first line of `helios64
//! health`, a monitoring plugin's status line) and the table.

use std::io::{self, Write};

use helios64_text::Table;

use crate::level::Level;
use crate::model::Health;

/// How many reasons the summary line names before `(+N more)`.
const SUMMARY_REASONS: usize = 3;

/// `HELIOS64 WARNING - bay 2 (sde) tank …: 2 checksum errors; … (+1 more)
/// | critical=0 warning=2 unknown=0`: the plugin status line with
/// performance data, the counts of reasons by level.
pub fn summary_line(h: &Health) -> String {
    let label = h.verdict.as_str().to_ascii_uppercase();
    let body = if h.reasons.is_empty() {
        let pools = h.pools.len();
        let disks = h.bays.iter().filter(|b| b.disk.is_some()).count();
        let mut parts = vec![format!("{disks} of {} bays in use", h.bays.len())];
        let skipped =
            |name: &str| h.collectors.iter().any(|c| c.name == name && c.success.is_none());
        parts.push(if skipped("zfs") {
            "ZFS not read".to_owned()
        } else {
            format!("{pools} pool{} healthy", if pools == 1 { "" } else { "s" })
        });
        if skipped("smart") {
            parts.push("SMART not read".to_owned());
        }
        parts.join(", ")
    } else {
        let mut parts: Vec<String> =
            h.reasons.iter().take(SUMMARY_REASONS).map(ToString::to_string).collect();
        if h.reasons.len() > SUMMARY_REASONS {
            parts.push(format!("(+{} more)", h.reasons.len() - SUMMARY_REASONS));
        }
        parts.join("; ")
    };
    let count = |l: Level| h.reasons.iter().filter(|r| r.level == l).count();
    format!(
        "HELIOS64 {label} - {body} | critical={} warning={} unknown={}",
        count(Level::Critical),
        count(Level::Warning),
        count(Level::Unknown)
    )
}

/// The summary line, the reasons, then bays, pools and the board as
/// tables.
pub fn write_table(out: &mut impl Write, h: &Health) -> io::Result<()> {
    writeln!(out, "{}", h.summary)?;
    if !h.reasons.is_empty() {
        writeln!(out)?;
        let mut t = Table::new(["LEVEL", "REASON", "WHAT"]);
        for r in &h.reasons {
            t.row(vec![r.level.as_str().to_owned(), r.code.as_str().to_owned(), r.to_string()]);
        }
        out.write_all(t.render(0).as_bytes())?;
    }

    writeln!(out)?;
    let mut t = Table::new([
        "BAY",
        "DISK",
        "MODEL",
        "SERIAL",
        "TEMP",
        "SMART",
        "VDEV",
        "ERRORS (R/W/C)",
        "LEVEL",
    ]);
    for b in &h.bays {
        let Some(d) = &b.disk else {
            t.row(vec![
                b.bay.to_string(),
                "-".into(),
                "(empty)".into(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                b.level.as_str().into(),
            ]);
            continue;
        };
        let smart = d.smart.as_ref().map_or_else(
            || "-".to_owned(),
            |s| match (&s.last_known_verdict, s.age_seconds) {
                (Some(last), Some(age)) => {
                    format!("{} (last {last}, {} ago)", s.verdict, helios64_text::age(age))
                }
                _ => s.verdict.clone(),
            },
        );
        let vdev = d
            .vdevs
            .iter()
            .map(|v| format!("{} {} {}", v.pool, short(&v.vdev), v.state))
            .collect::<Vec<_>>()
            .join(", ");
        let errors = d
            .vdevs
            .iter()
            .map(|v| format!("{}/{}/{}", v.read_errors, v.write_errors, v.checksum_errors))
            .collect::<Vec<_>>()
            .join(", ");
        t.row(vec![
            b.bay.to_string(),
            d.device.clone().unwrap_or_else(|| "-".into()),
            d.model.clone(),
            d.serial.clone().unwrap_or_default(),
            d.temperature_celsius.map(|c| format!("{c:.0}°C")).unwrap_or_default(),
            smart,
            if vdev.is_empty() { "-".into() } else { vdev },
            errors,
            b.level.as_str().into(),
        ]);
    }
    out.write_all(t.render(0).as_bytes())?;

    if !h.pools.is_empty() {
        writeln!(out)?;
        let mut t =
            Table::new(["POOL", "HEALTH", "CAP", "FRAG", "ERRORS", "SCAN", "LAST SCRUB", "LEVEL"]);
        for p in &h.pools {
            let scan = p.scan.as_ref().map_or_else(
                || "none".to_owned(),
                |s| {
                    if s.state == "scanning" || s.state == "paused" {
                        format!("{} {} {:.1}%", s.function, s.state, s.progress_ratio * 100.0)
                    } else {
                        format!("{} {}", s.function, s.state)
                    }
                },
            );
            t.row(vec![
                p.name.clone(),
                p.health.clone(),
                format!("{:.0}%", p.space.capacity_ratio * 100.0),
                p.space
                    .fragmentation_ratio
                    .map(|f| format!("{:.0}%", f * 100.0))
                    .unwrap_or_else(|| "-".into()),
                p.data_errors.map_or_else(|| "-".into(), |n| n.to_string()),
                scan,
                p.last_scrub_age_seconds
                    .map_or_else(|| "never".into(), |a| format!("{} days ago", a / 86_400)),
                p.level.as_str().into(),
            ]);
        }
        out.write_all(t.render(0).as_bytes())?;
    }

    writeln!(out)?;
    let b = &h.board;
    let temps = b
        .temperatures
        .iter()
        .map(|t| format!("{} {:.1}°C", t.sensor, t.celsius))
        .collect::<Vec<_>>();
    writeln!(
        out,
        "temperatures: {}",
        if temps.is_empty() { "-".into() } else { temps.join(", ") }
    )?;
    let fans = b
        .fans
        .iter()
        .map(|f| format!("{} pwm {} ({})", f.fan, f.pwm, f.source))
        .collect::<Vec<_>>();
    writeln!(
        out,
        "fans: {}; fand {}{}",
        if fans.is_empty() { "-".into() } else { fans.join(", ") },
        b.fand.state,
        b.fan_failsafe.as_ref().map(|w| format!(", FAIL-SAFE: {w}")).unwrap_or_default()
    )?;
    if let Some(u) = &b.ups {
        writeln!(
            out,
            "ups: {}{}{}",
            match u.on_mains {
                Some(true) => "on mains",
                Some(false) => "ON BATTERY",
                None => "mains unknown",
            },
            u.charge.as_ref().map(|c| format!(", {c}")).unwrap_or_default(),
            u.battery_volts
                .map(|v| format!(", battery {v:.2} V"))
                .unwrap_or_else(|| ", no battery".into())
        )?;
    }
    for n in &b.nics {
        writeln!(
            out,
            "{}: {} {}",
            n.nic,
            n.interface,
            if n.carrier {
                format!(
                    "{} Mb/s {} (line rate {})",
                    n.speed_mbps.map_or_else(|| "?".into(), |s| s.to_string()),
                    n.duplex.as_deref().unwrap_or("?"),
                    n.line_rate_mbps
                )
            } else {
                "no link".into()
            }
        )?;
    }
    if let Some(p) = &b.pinning {
        writeln!(
            out,
            "pinning: {} of {} planned IRQs drifted, {} RPS queues drifted{}",
            p.irqs_drifted.len(),
            p.irqs_planned,
            p.rps_drifted.len(),
            if p.checked { "" } else { " (not checked: helios64-pin does not manage this box)" }
        )?;
    }
    let failed: Vec<String> = h
        .collectors
        .iter()
        .filter(|c| c.success != Some(true))
        .map(|c| {
            format!(
                "{} {}{}",
                c.name,
                if c.success == Some(false) { "failed" } else { "skipped" },
                c.detail.as_ref().map(|d| format!(" ({d})")).unwrap_or_default()
            )
        })
        .collect();
    if !failed.is_empty() {
        writeln!(out, "sources: {}", failed.join("; "))?;
    }
    Ok(())
}

/// `/dev/disk/by-id/ata-…-part1` → `ata-…-part1`: the table shows the
/// last component, the JSON the whole path.
fn short(vdev: &str) -> &str {
    vdev.rsplit('/').next().unwrap_or(vdev)
}
