//! Disks: smartctl_exporter's `smartctl_*` families with its labels
//! (`device` without `/dev/`), from the last full output of each disk (a
//! sleeping disk keeps its last known values, with their age in
//! `helios64_smart_data_age_seconds` and `smartctl_device_state` 1), and
//! the verdict under `helios64_smart_*`.

use helios64_health::Health;
use helios64_health::SmartReading;
use smartctl_parser::{SmartctlOutput, Verdict};

use crate::Snapshot;
use crate::family::{Family, Value, flag, labels, num};

fn device_name(path: &str) -> &str {
    path.strip_prefix("/dev/").unwrap_or(path)
}

fn bay_of(h: &Health, device: &str) -> String {
    h.bays
        .iter()
        .find(|b| b.disk.as_ref().and_then(|d| d.device.as_deref()) == Some(device))
        .map(|b| b.bay.to_string())
        .unwrap_or_default()
}

/// The verdict as a number: 0 ok, 1 warning, 2 failing, 3 no health data
/// (asleep without a last known result, unknown, unreachable, error).
fn verdict_code(r: &SmartReading) -> i64 {
    use helios64_smart::report::EntryVerdict;
    let v = match r.entry.verdict {
        EntryVerdict::Judged(Verdict::Asleep) => r.entry.last_known.as_ref().map(|l| l.verdict),
        EntryVerdict::Judged(v) => Some(v),
        EntryVerdict::Error => None,
    };
    match v {
        Some(Verdict::Ok) => 0,
        Some(Verdict::Warning) => 1,
        Some(Verdict::Failing) => 2,
        _ => 3,
    }
}

fn asleep(r: &SmartReading) -> bool {
    r.entry.verdict == helios64_smart::report::EntryVerdict::Judged(Verdict::Asleep)
}

#[allow(clippy::too_many_lines, reason = "one family after another, in smartctl_exporter's order")]
pub(crate) fn smart(s: &Snapshot<'_>, out: &mut Vec<Family>) {
    let mut version = Family::new("smartctl_version", "smartctl version");
    let mut device = Family::new("smartctl_device", "Device info");
    let mut capacity_blocks =
        Family::new("smartctl_device_capacity_blocks", "Device capacity in blocks");
    let mut capacity_bytes =
        Family::new("smartctl_device_capacity_bytes", "Device capacity in bytes");
    let mut block_size = Family::new("smartctl_device_block_size", "Device block size");
    let mut speed =
        Family::new("smartctl_device_interface_speed", "Device interface speed, bits per second");
    let mut attribute = Family::new("smartctl_device_attribute", "Device attributes");
    let mut power_on = Family::new("smartctl_device_power_on_seconds", "Device power on seconds");
    let mut rotation = Family::new("smartctl_device_rotation_rate", "Device rotation rate");
    let mut temperature = Family::new("smartctl_device_temperature", "Device temperature celsius");
    let mut power_cycles = Family::new(
        "helios64_disk_power_cycles",
        "Device power cycle count (smartctl_exporter's smartctl_device_power_cycle_count, renamed for promtool's lint; dist/prometheus/smartctl-compat.rules.yml restores the old name).",
    );
    let mut used = Family::new("smartctl_device_percentage_used", "Device write percentage used");
    let mut spare = Family::new(
        "smartctl_device_available_spare",
        "Normalized percentage (0 to 100%) of the remaining spare capacity available",
    );
    let mut spare_threshold = Family::new(
        "smartctl_device_available_spare_threshold",
        "When the Available Spare falls below the threshold indicated in this field, an asynchronous event completion may occur. The value is indicated as a normalized percentage (0 to 100%)",
    );
    let mut critical_warning = Family::new(
        "smartctl_device_critical_warning",
        "This field indicates critical warnings for the state of the controller",
    );
    let mut media_errors = Family::new(
        "smartctl_device_media_errors",
        "Contains the number of occurrences where the controller detected an unrecovered data integrity error. Errors such as uncorrectable ECC, CRC checksum failure, or LBA tag mismatch are included in this field",
    );
    let mut err_log_entries = Family::new(
        "smartctl_device_num_err_log_entries",
        "Contains the number of Error Information log entries over the life of the controller",
    );
    let mut smart_status = Family::new("smartctl_device_smart_status", "General smart status");
    let mut exit_status =
        Family::new("smartctl_device_smartctl_exit_status", "Exit status of smartctl on device");
    let mut state = Family::new(
        "smartctl_device_state",
        "Device state (0=active, 1=standby, 2=sleep, 3=dst, 4=offline, 5=sct)",
    );
    let mut status = Family::new("smartctl_device_status", "Device status");
    let mut error_log = Family::new(
        "helios64_disk_error_log_entries",
        "Device SMART error log count (smartctl_exporter's smartctl_device_error_log_count, renamed for promtool's lint).",
    );
    let mut self_test = Family::new(
        "helios64_disk_self_test_log_entries",
        "Device SMART self test log count (smartctl_exporter's smartctl_device_self_test_log_count, renamed for promtool's lint).",
    );
    let mut self_test_errors = Family::new(
        "helios64_disk_self_test_log_errors",
        "Device SMART self test log error count (smartctl_exporter's smartctl_device_self_test_log_error_count, renamed for promtool's lint).",
    );
    let mut erc =
        Family::new("smartctl_device_erc_seconds", "Device SMART Error Recovery Control Seconds");

    let mut verdict = Family::new(
        "helios64_smart_verdict",
        "helios64's SMART verdict: 0 ok, 1 warning, 2 failing, 3 no health data; a sleeping disk's is its last known one.",
    );
    let mut standby = Family::new(
        "helios64_smart_standby",
        "1 when the disk was in standby and not woken; its smartctl_* values are the last known ones.",
    );
    let mut age =
        Family::new("helios64_smart_data_age_seconds", "Age of the smartctl_* values of the disk.");

    let now = s.health.checked_at_unix;
    let mut versions = Vec::new();
    for r in s.smart {
        let dev = device_name(&r.device).to_owned();
        let d = || labels([("device", &dev)]);
        let bay = bay_of(s.health, &dev);
        verdict.push(labels([("device", &dev), ("bay", &bay)]), verdict_code(r));
        standby.push(d(), flag(asleep(r)));
        if let Some(at) = r.output_taken_at {
            let taken = at.duration_since(std::time::UNIX_EPOCH).map_or(0, |t| t.as_secs());
            age.push(d(), num(now.saturating_sub(taken)));
        }
        let Some(o) = r.output.as_deref() else {
            if asleep(r) {
                state.push(d(), 1i64);
            }
            continue;
        };
        if let Some(v) = version_labels(o)
            && !versions.contains(&v)
        {
            versions.push(v);
        }
        let info = o.device.as_ref();
        device.push(
            vec![
                ("device", dev.clone()),
                ("interface", info.and_then(|i| i.device_type.clone()).unwrap_or_default()),
                ("protocol", o.protocol().map(ToString::to_string).unwrap_or_default()),
                ("model_family", o.model_family.clone().unwrap_or_default()),
                ("model_name", o.model().unwrap_or_default()),
                ("serial_number", o.serial_number.clone().unwrap_or_default()),
                ("ata_additional_product_id", "unknown".to_owned()),
                ("firmware_version", o.firmware().unwrap_or_default().to_owned()),
                (
                    "ata_version",
                    o.ata_version.as_ref().and_then(|v| v.string.clone()).unwrap_or_default(),
                ),
                (
                    "sata_version",
                    o.sata_version.as_ref().and_then(|v| v.string.clone()).unwrap_or_default(),
                ),
                (
                    "form_factor",
                    o.form_factor.as_ref().and_then(|f| f.name.clone()).unwrap_or_default(),
                ),
            ],
            1i64,
        );
        if let Some(c) = &o.user_capacity {
            capacity_blocks.push_some(d(), c.blocks.map(num));
            capacity_bytes.push_some(d(), c.bytes.map(num));
        }
        for (kind, size) in [("logical", o.logical_block_size), ("physical", o.physical_block_size)]
        {
            block_size.push_some(labels([("device", &dev), ("blocks_type", kind)]), size.map(num));
        }
        if let Some(sp) = &o.interface_speed {
            for (kind, link) in [("max", &sp.max), ("current", &sp.current)] {
                let bits = link
                    .as_ref()
                    .and_then(|l| Some(l.units_per_second?.saturating_mul(l.bits_per_unit?)));
                speed.push_some(labels([("device", &dev), ("speed_type", kind)]), bits.map(num));
            }
        }
        for a in o.ata_attributes() {
            let flags = &a.flags;
            let long: Vec<&str> = [
                ("prefailure", flags.prefailure),
                ("updated_online", flags.updated_online),
                ("performance", flags.performance),
                ("error_rate", flags.error_rate),
                ("event_count", flags.event_count),
                ("auto_keep", flags.auto_keep),
            ]
            .into_iter()
            .filter(|(_, set)| *set == Some(true))
            .map(|(name, _)| name)
            .collect();
            let short = flags.string.clone().unwrap_or_default().trim().to_owned();
            let id = a.id.to_string();
            for (kind, value) in [
                ("value", a.value.map(u64::from)),
                ("worst", a.worst.map(u64::from)),
                ("thresh", a.thresh.map(u64::from)),
                ("raw", a.raw.value),
            ] {
                attribute.push_some(
                    labels([
                        ("device", &dev),
                        ("attribute_name", a.name.trim()),
                        ("attribute_flags_short", &short),
                        ("attribute_flags_long", &long.join(",")),
                        ("attribute_value_type", kind),
                        ("attribute_id", &id),
                    ]),
                    value.map(num),
                );
            }
        }
        if let Some(p) = &o.power_on_time {
            let secs = p
                .hours
                .unwrap_or(0)
                .saturating_mul(3600)
                .saturating_add(p.minutes.unwrap_or(0).saturating_mul(60));
            power_on.push(d(), num(secs));
        }
        if let Some(rpm) = o.rotation_rate.filter(|r| *r > 0) {
            rotation.push(d(), num(rpm));
        }
        if let Some(t) = &o.temperature {
            for (kind, v) in [
                ("current", t.current),
                ("power_cycle_min", t.power_cycle_min),
                ("power_cycle_max", t.power_cycle_max),
                ("lifetime_min", t.lifetime_min),
                ("lifetime_max", t.lifetime_max),
                ("op_limit_min", t.op_limit_min),
                ("op_limit_max", t.op_limit_max),
                ("limit_min", t.limit_min),
                ("limit_max", t.limit_max),
                ("critical_limit_max", t.critical_limit_max),
            ] {
                temperature.push_some(labels([("device", &dev), ("temperature_type", kind)]), v);
            }
        }
        power_cycles.push_some(d(), o.power_cycle_count.map(num));
        if let Some(n) = &o.nvme_smart_health_information_log {
            used.push_some(d(), n.percentage_used.map(num));
            spare.push_some(d(), n.available_spare.map(num));
            spare_threshold.push_some(d(), n.available_spare_threshold.map(num));
            critical_warning.push_some(d(), n.critical_warning.map(|w| w.bits()));
            let wide = |v: u128| Value::from(u64::try_from(v).unwrap_or(u64::MAX));
            media_errors.push_some(d(), n.media_errors.map(wide));
            err_log_entries.push_some(d(), n.num_err_log_entries.map(wide));
        }
        if let Some(passed) = o.smart_status.as_ref().and_then(|st| st.passed) {
            smart_status.push(d(), flag(passed));
            status.push(d(), flag(passed));
        }
        exit_status.push_some(d(), o.exit_status().map(|e| e.bits()));
        // Asleep: the output is the last known one, the disk is in standby.
        let sct =
            o.ata_sct_status.as_ref().and_then(|s| s.device_state.as_ref()).and_then(|c| c.value);
        state.push(d(), if asleep(r) { 1 } else { sct.unwrap_or(0) });
        if let Some(logs) = &o.ata_smart_error_log {
            for (kind, log) in [("summary", &logs.summary), ("extended", &logs.extended)] {
                error_log.push_some(
                    labels([("device", &dev), ("error_log_type", kind)]),
                    log.as_ref().and_then(|l| l.count).map(num),
                );
            }
        }
        if let Some(logs) = &o.ata_smart_self_test_log {
            for (kind, log) in [("standard", &logs.standard), ("extended", &logs.extended)] {
                let l = labels([("device", &dev), ("self_test_log_type", kind)]);
                self_test.push_some(l.clone(), log.as_ref().and_then(|x| x.count).map(num));
                self_test_errors
                    .push_some(l, log.as_ref().and_then(|x| x.error_count_total).map(num));
            }
        }
        if let Some(e) = &o.ata_sct_erc {
            for (kind, timer) in [("read", &e.read), ("write", &e.write)] {
                #[allow(clippy::cast_precision_loss, reason = "deciseconds")]
                erc.push_some(
                    labels([("device", &dev), ("op_type", kind)]),
                    // Disabled (no deciseconds): 0, as smartctl_exporter has it.
                    timer.as_ref().map(|t| t.deciseconds.unwrap_or(0) as f64 / 10.0),
                );
            }
        }
    }
    for v in versions {
        version.push(v, 1i64);
    }
    out.extend([
        version,
        device,
        capacity_blocks,
        capacity_bytes,
        block_size,
        speed,
        attribute,
        power_on,
        rotation,
        temperature,
        power_cycles,
        used,
        spare,
        spare_threshold,
        critical_warning,
        media_errors,
        err_log_entries,
        smart_status,
        exit_status,
        state,
        status,
        error_log,
        self_test,
        self_test_errors,
        erc,
        verdict,
        standby,
        age,
    ]);
}

fn version_labels(o: &SmartctlOutput) -> Option<Vec<(&'static str, String)>> {
    let s = o.smartctl.as_ref()?;
    let join = |v: &[u32]| v.iter().map(ToString::to_string).collect::<Vec<_>>().join(".");
    let format: Vec<u32> =
        o.json_format_version.iter().filter_map(|n| u32::try_from(*n).ok()).collect();
    Some(vec![
        ("json_format_version", join(&format)),
        ("smartctl_version", join(&s.version)),
        ("svn_revision", s.svn_revision.clone().unwrap_or_default()),
        ("build_info", s.build_info.clone().unwrap_or_default()),
    ])
}
