//! The health rules proper: failing, warning and notice reasons for a
//! device that answered.

use super::policy::{Level, Policy, rule_ids};
use super::{Reason, error_messages};
use crate::exit_status::ExitStatusFlags;
use crate::model::{AtaAttribute, SmartctlOutput, WhenFailed};

/// Whether the output holds anything a verdict can be based on.
pub(super) fn has_health_data(output: &SmartctlOutput) -> bool {
    output.smart_status.as_ref().is_some_and(|s| s.passed.is_some())
        || !output.ata_attributes().is_empty()
        || output.nvme_smart_health_information_log.is_some()
        || output.scsi_error_counter_log.is_some()
        || output.scsi_grown_defect_list.is_some()
}

pub(super) fn reasons(
    output: &SmartctlOutput,
    previous: Option<&SmartctlOutput>,
    policy: &Policy,
) -> Vec<Reason> {
    let mut reasons = Vec::new();
    let exit = output.exit_status().unwrap_or(ExitStatusFlags::empty());
    overall_health(output, exit, &mut reasons);
    ata_attributes(output, exit, policy, &mut reasons);
    self_tests(output, exit, &mut reasons);
    error_logs(output, previous, exit, &mut reasons);
    nvme(output, policy, &mut reasons);
    scsi(output, &mut reasons);
    smartctl_notices(output, exit, &mut reasons);
    reasons
}

fn overall_health(output: &SmartctlOutput, exit: ExitStatusFlags, reasons: &mut Vec<Reason>) {
    let passed = output.smart_status.as_ref().and_then(|s| s.passed);
    if passed == Some(false) {
        let mut why = "the drive's own health self-assessment says it is failing".to_owned();
        if let Some(ie) = output
            .smart_status
            .as_ref()
            .and_then(|s| s.scsi.as_ref())
            .and_then(|s| s.ie_string.as_ref())
        {
            why = format!("{why}: {ie}");
        }
        reasons.push(Reason::new(
            rule_ids::HEALTH_FAILED,
            Level::Failing,
            "smart_status.passed",
            false,
            why,
        ));
    } else if exit.contains(ExitStatusFlags::DISK_FAILING) {
        reasons.push(Reason::new(
            rule_ids::HEALTH_FAILED,
            Level::Failing,
            "smartctl exit status bit 3",
            exit.bits(),
            "smartctl's health check returned DISK FAILING",
        ));
    }
}

fn attribute_subject(attribute: &AtaAttribute) -> String {
    format!("attribute {} {}", attribute.id, attribute.name)
}

fn normalized(attribute: &AtaAttribute) -> String {
    let show = |v: Option<u8>| v.map_or_else(|| "-".to_owned(), |v| v.to_string());
    format!(
        "value {} worst {} thresh {}",
        show(attribute.value),
        show(attribute.worst),
        show(attribute.thresh)
    )
}

fn ata_attributes(
    output: &SmartctlOutput,
    exit: ExitStatusFlags,
    policy: &Policy,
    reasons: &mut Vec<Reason>,
) {
    let mut prefail_now = false;
    let mut past = false;
    for attribute in output.ata_attributes() {
        match attribute.when_failed {
            Some(WhenFailed::Now) if attribute.is_prefailure() => {
                prefail_now = true;
                reasons.push(Reason::new(
                    rule_ids::ATA_PREFAIL_FAILING_NOW,
                    Level::Failing,
                    attribute_subject(attribute),
                    normalized(attribute),
                    "a pre-failure attribute is at or below the manufacturer's failure threshold: failure is expected soon",
                ));
            }
            Some(WhenFailed::Now) => reasons.push(Reason::new(
                rule_ids::ATA_USAGE_FAILING_NOW,
                Level::Warning,
                attribute_subject(attribute),
                normalized(attribute),
                "an old-age attribute is at or below its threshold: the drive is worn past its rated life for this measure",
            )),
            Some(WhenFailed::Past) => {
                past = true;
                reasons.push(Reason::new(
                    rule_ids::ATA_FAILED_IN_PAST,
                    Level::Warning,
                    attribute_subject(attribute),
                    normalized(attribute),
                    "the worst value recorded was at or below the failure threshold",
                ));
            }
            _ => {}
        }
        if let Some(rule) = policy.ata_counters.iter().find(|rule| rule.id == attribute.id) {
            let Some(count) = attribute.raw.count() else { continue };
            let above = |limit: Option<u64>| limit.is_some_and(|limit| count > limit);
            let level = if above(rule.fail_above) {
                Level::Failing
            } else if above(rule.warn_above) {
                Level::Warning
            } else if above(rule.notice_above) {
                Level::Notice
            } else {
                continue;
            };
            let mut reason = Reason::new(
                rule_ids::ATA_COUNTER,
                level,
                attribute_subject(attribute),
                count,
                format!("{count} {}", rule.meaning),
            );
            reason.source = rule.source;
            reasons.push(reason);
        }
    }
    // Trimmed or attribute-less runs still carry the exit bits.
    if !prefail_now && exit.contains(ExitStatusFlags::PREFAIL_BELOW_THRESHOLD) {
        reasons.push(Reason::new(
            rule_ids::ATA_PREFAIL_FAILING_NOW,
            Level::Failing,
            "smartctl exit status bit 4",
            exit.bits(),
            "smartctl found a pre-failure attribute at or below its threshold",
        ));
    }
    if !past && exit.contains(ExitStatusFlags::PAST_BELOW_THRESHOLD) {
        reasons.push(Reason::new(
            rule_ids::ATA_FAILED_IN_PAST,
            Level::Warning,
            "smartctl exit status bit 5",
            exit.bits(),
            "smartctl found an attribute that was at or below its threshold in the past",
        ));
    }
}

fn self_tests(output: &SmartctlOutput, exit: ExitStatusFlags, reasons: &mut Vec<Reason>) {
    let mut found = false;
    if let Some(latest) = output.ata_self_test_log().and_then(|log| log.table.first()) {
        let status = latest.status.as_ref();
        if status.and_then(|s| s.passed) == Some(false) {
            found = true;
            let kind = latest.test_type.as_ref().and_then(|t| t.string.clone()).unwrap_or_default();
            let text = status.and_then(|s| s.string.clone()).unwrap_or_default();
            let mut value = format!("{kind}: {text}");
            if let Some(hours) = latest.lifetime_hours {
                value.push_str(&format!(" at {hours} h"));
            }
            if let Some(lba) = latest.lba {
                value.push_str(&format!(", first error at LBA {lba}"));
            }
            reasons.push(Reason::new(
                rule_ids::SELF_TEST_FAILED,
                Level::Warning,
                "ATA self-test log, most recent entry",
                value,
                "the drive's most recent self-test found errors: unreadable data; run a long test after backing up",
            ));
        }
    }
    if let Some(latest) = output.nvme_self_test_log.as_ref().and_then(|log| log.table.first())
        && latest.failed()
    {
        found = true;
        let text =
            latest.self_test_result.as_ref().and_then(|r| r.string.clone()).unwrap_or_default();
        reasons.push(Reason::new(
            rule_ids::SELF_TEST_FAILED,
            Level::Warning,
            "NVMe self-test log, most recent entry",
            text,
            "the controller's most recent self-test failed",
        ));
    }
    if let Some(latest) = output.scsi_self_tests().first()
        && latest.failed()
    {
        found = true;
        let text = latest.result.as_ref().and_then(|r| r.string.clone()).unwrap_or_default();
        reasons.push(Reason::new(
            rule_ids::SELF_TEST_FAILED,
            Level::Warning,
            "SCSI self-test log, most recent entry",
            text,
            "the device's most recent self-test failed",
        ));
    }
    if !found && exit.contains(ExitStatusFlags::SELF_TEST_ERRORS) {
        reasons.push(Reason::new(
            rule_ids::SELF_TEST_FAILED,
            Level::Warning,
            "smartctl exit status bit 7",
            exit.bits(),
            "the self-test log records errors not superseded by a later passing extended test",
        ));
    }
}

fn ata_error_count(output: &SmartctlOutput) -> Option<u64> {
    output.ata_error_log().and_then(|log| log.count)
}

fn error_logs(
    output: &SmartctlOutput,
    previous: Option<&SmartctlOutput>,
    exit: ExitStatusFlags,
    reasons: &mut Vec<Reason>,
) {
    let count = ata_error_count(output);
    let before = previous.and_then(ata_error_count);
    match (count, before) {
        (Some(now), Some(then)) if now > then => reasons.push(Reason::new(
            rule_ids::ERROR_LOG_GREW,
            Level::Warning,
            "ATA error log count",
            format!("{then} -> {now}"),
            format!("{} new errors logged by the drive since the previous check", now - then),
        )),
        (Some(now), _) if now > 0 => reasons.push(Reason::new(
            rule_ids::ERROR_LOG_ENTRIES,
            Level::Notice,
            "ATA error log count",
            now,
            "errors the drive logged over its life; only growth is a warning sign",
        )),
        _ if exit.contains(ExitStatusFlags::ERROR_LOG) => reasons.push(Reason::new(
            rule_ids::ERROR_LOG_ENTRIES,
            Level::Notice,
            "smartctl exit status bit 6",
            exit.bits(),
            "the device error log has entries; only growth is a warning sign",
        )),
        _ => {}
    }
}

fn nvme(output: &SmartctlOutput, policy: &Policy, reasons: &mut Vec<Reason>) {
    let Some(log) = output.nvme_smart_health_information_log.as_ref() else {
        // `smart_status.nvme.value` alone (trimmed output) still counts.
        if let Some(value) =
            output.smart_status.as_ref().and_then(|s| s.nvme.as_ref()).and_then(|n| n.value)
            && value != 0
        {
            reasons.push(Reason::new(
                rule_ids::NVME_CRITICAL_WARNING,
                Level::Failing,
                "smart_status.nvme.value",
                format!("{value:#04x}"),
                "the NVMe controller raised a critical warning",
            ));
        }
        return;
    };
    if let Some(warning) = log.critical_warning.filter(|w| w.bits() != 0) {
        reasons.push(Reason::new(
            rule_ids::NVME_CRITICAL_WARNING,
            Level::Failing,
            "critical_warning",
            format!("{:#04x}", warning.bits()),
            format!(
                "the NVMe controller raised a critical warning: {}",
                warning.descriptions().join(", ")
            ),
        ));
    }
    if let Some(errors) = log.media_errors.filter(|e| *e > 0) {
        reasons.push(Reason::new(
            rule_ids::NVME_MEDIA_ERRORS,
            Level::Warning,
            "media_errors",
            errors,
            "unrecovered data integrity errors: data could not be read back",
        ));
    }
    if let (Some(spare), Some(threshold)) = (log.available_spare, log.available_spare_threshold)
        && spare < threshold
    {
        reasons.push(Reason::new(
            rule_ids::NVME_SPARE_BELOW_THRESHOLD,
            Level::Warning,
            "available_spare",
            format!("{spare}% < threshold {threshold}%"),
            "spare blocks are running out; the controller will go read-only when they are gone",
        ));
    }
    if let Some(used) = log.percentage_used.filter(|u| *u > policy.nvme_percentage_used_warn_above)
    {
        reasons.push(Reason::new(
            rule_ids::NVME_PERCENTAGE_USED,
            Level::Warning,
            "percentage_used",
            format!("{used}%"),
            "the rated write endurance is (nearly) used up",
        ));
    }
    if let Some(entries) = log.num_err_log_entries.filter(|e| *e > 0) {
        reasons.push(Reason::new(
            rule_ids::NVME_ERROR_LOG_ENTRIES,
            Level::Notice,
            "num_err_log_entries",
            entries,
            "error log entries over the controller's life; usually benign command errors",
        ));
    }
}

fn scsi(output: &SmartctlOutput, reasons: &mut Vec<Reason>) {
    if let Some(defects) = output.scsi_grown_defect_list.filter(|d| *d > 0) {
        reasons.push(Reason::new(
            rule_ids::SCSI_GROWN_DEFECTS,
            Level::Warning,
            "scsi_grown_defect_list",
            defects,
            "blocks reallocated since manufacture; watch for growth",
        ));
    }
    if let Some(log) = &output.scsi_error_counter_log {
        for (direction, counters) in log.directions() {
            if let Some(errors) = counters.total_uncorrected_errors.filter(|e| *e > 0) {
                reasons.push(Reason::new(
                    rule_ids::SCSI_UNCORRECTED_ERRORS,
                    Level::Warning,
                    format!("scsi_error_counter_log.{direction}.total_uncorrected_errors"),
                    errors,
                    format!("{direction} errors the device could not correct"),
                ));
            }
        }
    }
}

fn smartctl_notices(output: &SmartctlOutput, exit: ExitStatusFlags, reasons: &mut Vec<Reason>) {
    if exit.contains(ExitStatusFlags::COMMAND_FAILED) {
        let value =
            error_messages(output).unwrap_or_else(|| format!("exit status {}", exit.bits()));
        reasons.push(Reason::new(
            rule_ids::PARTIAL_DATA,
            Level::Notice,
            "smartctl exit status bit 2",
            value,
            "a SMART command failed; some sections may be missing",
        ));
    }
    if output.messages().iter().any(|m| m.string.contains("based on an Attribute check")) {
        reasons.push(Reason::new(
            rule_ids::ATTRIBUTE_CHECK_ONLY,
            Level::Notice,
            "smart_status",
            "inferred from attributes",
            "the health command does not pass through this bridge or controller; the status was inferred from attribute thresholds",
        ));
    }
}
