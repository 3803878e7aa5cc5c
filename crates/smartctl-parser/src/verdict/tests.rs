//! Each rule on literal input: the smallest output that makes it fire, and
//! the neighbours that must not.

use super::*;
use crate::parse;

fn assess(json: &str) -> Assessment {
    judge(&parse(json.as_bytes(), "literal").unwrap())
}

fn assess_after(json: &str, previous: &str) -> Assessment {
    let now = parse(json.as_bytes(), "now").unwrap();
    let before = parse(previous.as_bytes(), "before").unwrap();
    judge_with(&now, Some(&before), &Policy::default())
}

fn rules(assessment: &Assessment) -> Vec<(&'static str, Level)> {
    assessment.reasons.iter().map(|r| (r.rule, r.level)).collect()
}

const DEVICE: &str = r#""device":{"name":"/dev/sda","type":"sat","protocol":"ATA"}"#;

fn ata(exit: u8, attributes: &str) -> String {
    format!(
        r#"{{"json_format_version":[1,0],"smartctl":{{"version":[7,4],"exit_status":{exit}}},{DEVICE},
        "smart_status":{{"passed":true}},"ata_smart_attributes":{{"revision":16,"table":[{attributes}]}}}}"#
    )
}

fn attribute(
    id: u8,
    prefail: bool,
    value: u8,
    worst: u8,
    thresh: u8,
    when: &str,
    raw: &str,
) -> String {
    format!(
        r#"{{"id":{id},"name":"Attr_{id}","value":{value},"worst":{worst},"thresh":{thresh},"when_failed":"{when}",
        "flags":{{"value":{},"prefailure":{prefail}}},"raw":{{"value":0,"string":"{raw}"}}}}"#,
        u8::from(prefail)
    )
}

#[test]
fn healthy_ata_is_ok_without_reasons() {
    let a = assess(&ata(0, &attribute(5, true, 100, 100, 10, "", "0")));
    assert_eq!(a.verdict, Verdict::Ok);
    assert!(a.reasons.is_empty(), "{:?}", a.reasons);
}

#[test]
fn prefail_attribute_failing_now_is_failing() {
    let a = assess(&ata(16, &attribute(3, true, 5, 5, 21, "now", "0")));
    assert_eq!(a.verdict, Verdict::Failing);
    assert_eq!(rules(&a), vec![(rule_ids::ATA_PREFAIL_FAILING_NOW, Level::Failing)]);
    assert!(a.reasons[0].value.contains("thresh 21"));
}

#[test]
fn old_age_attribute_failing_now_is_a_warning() {
    let a = assess(&ata(0, &attribute(193, false, 1, 1, 1, "now", "600000")));
    assert_eq!(a.verdict, Verdict::Warning);
    assert_eq!(rules(&a), vec![(rule_ids::ATA_USAGE_FAILING_NOW, Level::Warning)]);
}

#[test]
fn attribute_failed_in_the_past_is_a_warning() {
    let a = assess(&ata(32, &attribute(3, true, 90, 20, 21, "past", "0")));
    assert_eq!(a.verdict, Verdict::Warning);
    assert_eq!(rules(&a), vec![(rule_ids::ATA_FAILED_IN_PAST, Level::Warning)]);
}

#[test]
fn exit_bits_alone_still_count() {
    // A trimmed run (-H only): no attribute table, only the exit bits.
    let json = format!(
        r#"{{"smartctl":{{"exit_status":152}},{DEVICE},"smart_status":{{"passed":true}}}}"#
    );
    let a = assess(&json);
    assert_eq!(a.verdict, Verdict::Failing);
    assert_eq!(
        rules(&a),
        vec![
            (rule_ids::HEALTH_FAILED, Level::Failing),
            (rule_ids::ATA_PREFAIL_FAILING_NOW, Level::Failing),
            (rule_ids::SELF_TEST_FAILED, Level::Warning),
        ]
    );
}

#[test]
fn counters_escalate_at_their_thresholds() {
    let pending = |raw: &str| assess(&ata(0, &attribute(197, false, 100, 100, 0, "", raw))).verdict;
    assert_eq!(pending("0"), Verdict::Ok);
    assert_eq!(pending("1"), Verdict::Warning);
    assert_eq!(pending("6"), Verdict::Warning);
    assert_eq!(pending("7"), Verdict::Failing);
    let realloc = |raw: &str| assess(&ata(0, &attribute(5, true, 100, 100, 10, "", raw))).verdict;
    assert_eq!(realloc("16"), Verdict::Warning);
    assert_eq!(realloc("17"), Verdict::Failing);
    // Packed raw strings count by their first number.
    assert_eq!(realloc("0 (2000 0)"), Verdict::Ok);
}

#[test]
fn packed_command_timeout_never_alarms() {
    // Seagate 188 raw 4295294976 is "1 1 0" packed in three words (scrutiny #774).
    let a = assess(&ata(0, &attribute(188, false, 100, 99, 0, "", "4295294976")));
    assert_eq!(a.verdict, Verdict::Ok);
    assert!(a.reasons.is_empty());
}

#[test]
fn crc_errors_are_a_notice_only() {
    let a = assess(&ata(0, &attribute(199, false, 200, 200, 0, "", "131")));
    assert_eq!(a.verdict, Verdict::Ok);
    assert_eq!(rules(&a), vec![(rule_ids::ATA_COUNTER, Level::Notice)]);
}

#[test]
fn policy_thresholds_are_data() {
    let output =
        parse(ata(0, &attribute(197, false, 100, 100, 0, "", "1")).as_bytes(), "x").unwrap();
    let mut strict = Policy::default();
    for rule in &mut strict.ata_counters {
        if rule.id == 197 {
            rule.fail_above = Some(0);
        }
    }
    assert_eq!(judge_with(&output, None, &strict).verdict, Verdict::Failing);
    assert_eq!(judge(&output).verdict, Verdict::Warning);
}

#[test]
fn error_log_growth_needs_history() {
    let log = |count: u32| {
        format!(
            r#"{{"smartctl":{{"exit_status":64}},{DEVICE},"smart_status":{{"passed":true}},
            "ata_smart_error_log":{{"summary":{{"revision":1,"count":{count}}}}}}}"#
        )
    };
    assert_eq!(rules(&assess(&log(3))), vec![(rule_ids::ERROR_LOG_ENTRIES, Level::Notice)]);
    assert_eq!(assess(&log(3)).verdict, Verdict::Ok);
    let grew = assess_after(&log(5), &log(3));
    assert_eq!(grew.verdict, Verdict::Warning);
    assert_eq!(grew.reasons[0].value, "3 -> 5");
    assert_eq!(assess_after(&log(3), &log(3)).verdict, Verdict::Ok);
}

#[test]
fn failed_self_test_is_a_warning() {
    let json = format!(
        r#"{{"smartctl":{{"exit_status":128}},{DEVICE},"smart_status":{{"passed":true}},
        "ata_smart_self_test_log":{{"standard":{{"table":[
          {{"type":{{"value":2,"string":"Extended offline"}},"status":{{"value":121,"string":"Completed: read failure","passed":false}},"lifetime_hours":100,"lba":12345}},
          {{"type":{{"value":1,"string":"Short offline"}},"status":{{"value":0,"string":"Completed without error","passed":true}},"lifetime_hours":90}}]}}}}}}"#
    );
    let a = assess(&json);
    assert_eq!(a.verdict, Verdict::Warning);
    assert_eq!(rules(&a), vec![(rule_ids::SELF_TEST_FAILED, Level::Warning)]);
    assert!(a.reasons[0].value.contains("LBA 12345"), "{}", a.reasons[0].value);
}

fn nvme(health: &str) -> String {
    format!(
        r#"{{"smartctl":{{"exit_status":0}},"device":{{"name":"/dev/nvme0","type":"nvme","protocol":"NVMe"}},
        "smart_status":{{"passed":true,"nvme":{{"value":0}}}},"nvme_smart_health_information_log":{{{health}}}}}"#
    )
}

#[test]
fn nvme_rules() {
    let ok = assess(&nvme(
        r#""critical_warning":0,"available_spare":100,"available_spare_threshold":10,"percentage_used":95,"media_errors":0"#,
    ));
    assert_eq!(ok.verdict, Verdict::Ok);
    let worn = assess(&nvme(r#""critical_warning":0,"percentage_used":96"#));
    assert_eq!(rules(&worn), vec![(rule_ids::NVME_PERCENTAGE_USED, Level::Warning)]);
    let spare = assess(&nvme(r#""available_spare":5,"available_spare_threshold":10"#));
    assert_eq!(rules(&spare), vec![(rule_ids::NVME_SPARE_BELOW_THRESHOLD, Level::Warning)]);
    let media = assess(&nvme(r#""media_errors":2"#));
    assert_eq!(rules(&media), vec![(rule_ids::NVME_MEDIA_ERRORS, Level::Warning)]);
    let critical = assess(&nvme(r#""critical_warning":9"#));
    assert_eq!(critical.verdict, Verdict::Failing);
    assert!(
        critical.reasons[0]
            .why
            .contains("available spare below threshold, media placed in read-only mode")
    );
}

#[test]
fn nvme_failed_self_test() {
    let json = r#"{"device":{"protocol":"NVMe"},"smart_status":{"passed":true},
        "nvme_self_test_log":{"table":[{"self_test_code":{"value":2,"string":"Extended"},
        "self_test_result":{"value":7,"string":"Completed: failed segments"},"power_on_hours":10}]}}"#;
    assert_eq!(rules(&assess(json)), vec![(rule_ids::SELF_TEST_FAILED, Level::Warning)]);
    let aborted = json.replace(r#""value":7"#, r#""value":2"#);
    assert_eq!(assess(&aborted).verdict, Verdict::Ok);
}

#[test]
fn scsi_rules() {
    let json = r#"{"device":{"protocol":"SCSI"},"smart_status":{"passed":true},"scsi_grown_defect_list":0,
        "scsi_error_counter_log":{"read":{"total_uncorrected_errors":0},"verify":{"total_uncorrected_errors":2}}}"#;
    let a = assess(json);
    assert_eq!(a.verdict, Verdict::Warning);
    assert_eq!(a.reasons[0].subject, "scsi_error_counter_log.verify.total_uncorrected_errors");
    let failing = r#"{"device":{"protocol":"SCSI"},"smart_status":{"passed":false,
        "scsi":{"asc":93,"ascq":16,"ie_string":"FAILURE PREDICTION THRESHOLD EXCEEDED"}}}"#;
    let a = assess(failing);
    assert_eq!(a.verdict, Verdict::Failing);
    assert!(a.reasons[0].why.contains("FAILURE PREDICTION THRESHOLD EXCEEDED"));
}

fn sleeping(message: &str, exit: u8) -> String {
    format!(
        r#"{{"smartctl":{{"exit_status":{exit},"messages":[{{"string":"{message}","severity":"information"}}]}},{DEVICE}}}"#
    )
}

#[test]
fn standby_forms_are_asleep() {
    assert_eq!(assess(&sleeping("Device is in STANDBY mode, exit(2)", 2)).verdict, Verdict::Asleep);
    assert_eq!(
        assess(&sleeping("Device is in STANDBY (OS) mode, exit(2)", 2)).reasons[0].value,
        "STANDBY (OS)"
    );
    assert_eq!(assess(&sleeping("Device is in IDLE_B mode, exit(2)", 2)).verdict, Verdict::Asleep);
    // -n standby,3: exit 3 (bits 0 and 1) must still read as asleep.
    assert_eq!(assess(&sleeping("Device is in STANDBY mode, exit(3)", 3)).verdict, Verdict::Asleep);
    // A standby message whose exit code does not match did not end the run.
    assert_ne!(assess(&sleeping("Device is in STANDBY mode, exit(3)", 2)).verdict, Verdict::Asleep);
    // Without a device object it is an open failure, whatever the message.
    let no_device = r#"{"smartctl":{"exit_status":2,"messages":[{"string":"Device is in STANDBY mode, exit(2)","severity":"information"}]}}"#;
    assert_eq!(assess(no_device).verdict, Verdict::Unreachable);
}

#[test]
fn power_mode_of_smartctl_7_5_is_asleep() {
    let json = format!(
        r#"{{"smartctl":{{"version":[7,5],"exit_status":2}},{DEVICE},"power_mode":{{"ata_value":0,"name":"STANDBY"}}}}"#
    );
    assert_eq!(assess(&json).verdict, Verdict::Asleep);
    let awake = format!(
        r#"{{"smartctl":{{"exit_status":0}},{DEVICE},"power_mode":{{"ata_value":255,"name":"ACTIVE or IDLE"}},"smart_status":{{"passed":true}}}}"#
    );
    assert_eq!(assess(&awake).verdict, Verdict::Ok);
}

#[test]
fn open_failure_parsing() {
    let json = r#"{"smartctl":{"exit_status":2,"messages":[{"string":"Smartctl open device: /dev/sdb [SAT] failed: Permission denied","severity":"error"}]}}"#;
    let failure = open_failure(&parse(json.as_bytes(), "x").unwrap()).unwrap();
    assert_eq!(failure.device, "/dev/sdb");
    assert!(failure.permission_denied);
    assert_eq!(rules(&assess(json)), vec![(rule_ids::PERMISSION_DENIED, Level::Unreachable)]);
}

#[test]
fn no_health_data_is_unknown_and_says_why() {
    let json = format!(
        r#"{{"smartctl":{{"exit_status":4}},{DEVICE},"smart_support":{{"available":false}}}}"#
    );
    let a = assess(&json);
    assert_eq!(a.verdict, Verdict::Unknown);
    assert!(a.reasons[0].why.contains("does not support SMART"));
    assert_eq!(a.reasons[1].rule, rule_ids::PARTIAL_DATA);
}

#[test]
fn every_rule_has_a_unique_id_and_a_source() {
    let mut ids: Vec<&str> = RULES.iter().map(|r| r.id).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), RULES.len());
    assert!(RULES.iter().all(|r| !r.source.is_empty() && !r.checks.is_empty()));
    assert!(Policy::default().ata_counters.iter().all(|r| !r.source.is_empty()));
}
