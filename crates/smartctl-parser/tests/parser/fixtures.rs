// Every real fixture in `fixtures/smartctl/` with its expected verdict and
// key reasons. Adding a fixture without an expectation fails the test.

use std::path::{Path, PathBuf};

use smartctl_parser::{Error, Level, Verdict, judge, parse, rule_ids as rule};

pub(crate) fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/smartctl")
}

enum Expect {
    /// A verdict and (rule, subject fragment) pairs that must be among the reasons.
    Verdict(Verdict, &'static [(&'static str, &'static str)]),
    /// A typed error.
    UnsupportedVersion,
}
use Expect::*;

const OK: Expect = Verdict(Verdict::Ok, &[]);

#[rustfmt::skip]
const TABLE: &[(&str, Expect)] = &[
    // beszel (7.3–7.5)
    ("beszel/apple_nvme.json", Verdict(Verdict::Ok, &[(rule::PARTIAL_DATA, "bit 2")])),
    ("beszel/nvme0.json", OK),
    ("beszel/scsi.json", OK),
    ("beszel/sda.json", Verdict(Verdict::Ok, &[(rule::ATA_COUNTER, "199"), (rule::ATTRIBUTE_CHECK_ONLY, "smart_status")])),
    // local captures: error paths and sleep
    ("local-capture/v73-replay-ata-sleep-nocheck-standby.json", Verdict(Verdict::Asleep, &[(rule::STANDBY, "power mode")])),
    ("local-capture/v74-replay-ata-sleep-nocheck-standby.json", Verdict(Verdict::Asleep, &[(rule::STANDBY, "power mode")])),
    ("local-capture/v74-cmdline-invalid-option.json", Verdict(Verdict::Unreachable, &[(rule::COMMAND_LINE, "command line")])),
    ("local-capture/v74-nvme-devnull.json", Verdict(Verdict::Unreachable, &[(rule::IDENTIFY_FAILED, "identity")])),
    ("local-capture/v74-open-failed-nonexistent-nocheck-standby.json", Verdict(Verdict::Unreachable, &[(rule::OPEN_FAILED, "/dev/sdzz")])),
    ("local-capture/v74-open-failed-nonexistent.json", Verdict(Verdict::Unreachable, &[(rule::OPEN_FAILED, "/dev/sdzz")])),
    ("local-capture/v74-permission-denied.json", Verdict(Verdict::Unreachable, &[(rule::PERMISSION_DENIED, "/srv/regularfile")])),
    ("local-capture/v74-sat-devnull.json", Verdict(Verdict::Unreachable, &[(rule::IDENTIFY_FAILED, "identity")])),
    ("local-capture/v74-scan-no-devices.json", Verdict(Verdict::Unknown, &[(rule::NO_HEALTH_DATA, "output")])),
    // -n standby,3: exit 3 is bits 0|1, yet the run is a standby skip.
    ("local-capture/v74-sat-devnull-nocheck-standby-3.json", Verdict(Verdict::Asleep, &[(rule::STANDBY, "power mode")])),
    ("local-capture/v74-nvme-devnull-nocheck-standby.json", Verdict(Verdict::Unreachable, &[(rule::IDENTIFY_FAILED, "identity")])),
    ("local-capture/v74-scan-open-no-devices.json", Verdict(Verdict::Unknown, &[(rule::NO_HEALTH_DATA, "output")])),
    ("local-capture/v74-unknown-device-type-devnull.json", Verdict(Verdict::Unreachable, &[(rule::COMMAND_LINE, "command line")])),
    // plasma-disks
    ("plasma-disks/error-info-log-failed.json", Verdict(Verdict::Ok, &[(rule::PARTIAL_DATA, "bit 2"), (rule::NVME_ERROR_LOG_ENTRIES, "num_err_log_entries")])),
    ("plasma-disks/failing-sectors-passing-status.json", Verdict(Verdict::Failing, &[
        (rule::ATA_COUNTER, "197 Current_Pending_Sector"),
        (rule::ATA_COUNTER, "198 Offline_Uncorrectable"),
        (rule::ATA_COUNTER, "5 Reallocated_Sector_Ct"),
        (rule::ATA_COUNTER, "187 Reported_Uncorrect"),
        (rule::SELF_TEST_FAILED, "ATA self-test log"),
    ])),
    ("plasma-disks/invalid-cmdline-bad-usb-bridge.json", Verdict(Verdict::Unreachable, &[(rule::COMMAND_LINE, "command line")])),
    ("plasma-disks/invalid-vbox.json", Verdict(Verdict::Unknown, &[(rule::NO_HEALTH_DATA, "output")])),
    ("plasma-disks/missing-status.json", Verdict(Verdict::Unknown, &[(rule::NO_HEALTH_DATA, "output")])),
    ("plasma-disks/pass-freebsd.json", OK),
    ("plasma-disks/pass-without-status.json", Verdict(Verdict::Unknown, &[(rule::NO_HEALTH_DATA, "output")])),
    // QEMU emulated disks in the test VM
    ("qemu-vm/qemu-ahci-harddisk-7.3.json", OK),
    ("qemu-vm/qemu-nvme-7.3.json", OK),
    // Captured by scripts/capture-vm-smartctl.sh in the project's test VM.
    ("qemu-vm/qemu-ahci-H64BAY1-7.4.json", OK),
    ("qemu-vm/qemu-ahci-H64BAY2-7.4.json", OK),
    ("qemu-vm/qemu-ahci-H64BAY3-7.4.json", OK),
    ("qemu-vm/qemu-ahci-H64BAY4-7.4.json", OK),
    ("qemu-vm/qemu-ahci-H64BAY5-7.4.json", OK),
    ("qemu-vm/qemu-nvme-NVME1-7.4.json", OK),
    // scrutiny
    ("scrutiny/smart-ata-failed-scrutiny.json", Verdict(Verdict::Ok, &[(rule::ATA_COUNTER, "199 CRC_Error_Count")])),
    ("scrutiny/smart-ata-full.json", OK),
    ("scrutiny/smart-ata.json", OK),
    ("scrutiny/smart-ata2.json", OK),
    ("scrutiny/smart-fail.json", Verdict(Verdict::Unreachable, &[(rule::OPEN_FAILED, "/dev/sda")])),
    ("scrutiny/smart-fail2.json", Verdict(Verdict::Failing, &[
        (rule::HEALTH_FAILED, "smart_status.passed"),
        (rule::ATA_PREFAIL_FAILING_NOW, "attribute 5 Reallocated_Sector_Ct"),
        (rule::ATA_COUNTER, "197 Current_Pending_Sector"),
        (rule::SELF_TEST_FAILED, "bit 7"),
    ])),
    ("scrutiny/smart-megaraid0.json", Verdict(Verdict::Ok, &[(rule::ATTRIBUTE_CHECK_ONLY, "smart_status")])),
    ("scrutiny/smart-nvme-failed.json", Verdict(Verdict::Warning, &[(rule::NVME_MEDIA_ERRORS, "media_errors")])),
    ("scrutiny/smart-nvme.json", OK),
    ("scrutiny/smart-nvme2.json", Verdict(Verdict::Ok, &[(rule::NVME_ERROR_LOG_ENTRIES, "num_err_log_entries")])),
    ("scrutiny/smart-pass.json", OK),
    ("scrutiny/smart-raid.json", Verdict(Verdict::Unknown, &[(rule::NO_HEALTH_DATA, "output")])),
    ("scrutiny/smart-sat.json", OK),
    ("scrutiny/smart-scsi.json", Verdict(Verdict::Warning, &[(rule::SCSI_GROWN_DEFECTS, "scsi_grown_defect_list")])),
    ("scrutiny/smart-scsi2.json", UnsupportedVersion),
    ("scrutiny/smartctl_info_nvme.json", Verdict(Verdict::Unknown, &[(rule::NO_HEALTH_DATA, "output")])),
    ("scrutiny/smartctl_info_sata_smart_support_bool.json", Verdict(Verdict::Unknown, &[(rule::NO_HEALTH_DATA, "output")])),
    ("scrutiny/smartctl_scan_megaraid.json", Verdict(Verdict::Unknown, &[(rule::NO_HEALTH_DATA, "output")])),
    ("scrutiny/smartctl_scan_nvme.json", Verdict(Verdict::Unknown, &[(rule::NO_HEALTH_DATA, "output")])),
    // smartctl_exporter
    ("smartctl_exporter/HGST_HUS724020ALE640_28.json", Verdict(Verdict::Ok, &[(rule::ERROR_LOG_ENTRIES, "ATA error log"), (rule::ATA_COUNTER, "199")])),
    ("smartctl_exporter/HITACHI_H109060SESUN600G_9.json", OK),
    ("smartctl_exporter/HP_73.4G_MAS3735NC_25.json", OK),
    ("smartctl_exporter/SEAGATE_ST373453LC_26.json", Verdict(Verdict::Warning, &[
        (rule::SCSI_GROWN_DEFECTS, "scsi_grown_defect_list"),
        (rule::SCSI_UNCORRECTED_ERRORS, "read"),
        (rule::SCSI_UNCORRECTED_ERRORS, "write"),
    ])),
    ("smartctl_exporter/ST3200820AS_16.json", Verdict(Verdict::Ok, &[(rule::ERROR_LOG_ENTRIES, "ATA error log")])),
    ("smartctl_exporter/WDC_WD20EFRX-68EUZN0_17.json", OK),
    ("smartctl_exporter/nvme-null-CT250P2SSD8-nvme0.json", Verdict(Verdict::Ok, &[(rule::NVME_ERROR_LOG_ENTRIES, "num_err_log_entries")])),
    ("smartctl_exporter/nvme-null-INTEL_SSDPE2KX040T8-nvme10.json", OK),
    ("smartctl_exporter/nvme-null-SAMSUNG_MZWLL3T2HAJQ-00005-nvme0.json", Verdict(Verdict::Failing, &[
        (rule::HEALTH_FAILED, "smart_status.passed"),
        (rule::NVME_CRITICAL_WARNING, "critical_warning"),
    ])),
    ("smartctl_exporter/nvme-null-Samsung_SSD_970_EVO_Plus_250GB-nvme0.json", Verdict(Verdict::Ok, &[(rule::NVME_ERROR_LOG_ENTRIES, "num_err_log_entries")])),
    ("smartctl_exporter/sat-Intel_S4510_S4610_S4500_S4600_Series_SSDs-INTEL_SSDSC2KB019T8-sdr.json", OK),
    ("smartctl_exporter/sat-Micron_5100_Pro___52x0___5300_SSDs-Micron_5300_MTFDDAK1T9TDS-sda.json", Verdict(Verdict::Ok, &[(rule::ATA_COUNTER, "199")])),
    ("smartctl_exporter/sat-Phison_Driven_SSDs-KINGSTON_SA400M8120G-sda.json", Verdict(Verdict::Ok, &[(rule::PARTIAL_DATA, "bit 2")])),
    ("smartctl_exporter/sat-Samsung_based_SSDs-SAMSUNG_MZ7LH1T9HMLT-00005-sda.json", OK),
    // Seagate's packed 188 (raw 51540393996) must not raise anything.
    ("smartctl_exporter/sat-Seagate_Exos_X16-ST16000NM001G-2KK103-sda.json", OK),
    ("smartctl_exporter/sat-Toshiba_MG05ACA..._Enterprise_Capacity_HDD-TOSHIBA_MG05ACA800E-sdw.json", Verdict(Verdict::Ok, &[(rule::ERROR_LOG_ENTRIES, "ATA error log")])),
    ("smartctl_exporter/sat-Toshiba_MG09ACA..._Enterprise_Capacity_HDD-TOSHIBA_MG09ACA18TE-sdd.json", OK),
    ("smartctl_exporter/sat-Western_Digital_Ultrastar_DC_HC550-WDC__WUH721816ALE6L4-sdx.json", Verdict(Verdict::Ok, &[(rule::ERROR_LOG_ENTRIES, "ATA error log")])),
    // telegraf
    ("telegraf/megaraid/response.json", Verdict(Verdict::Ok, &[(rule::ATTRIBUTE_CHECK_ONLY, "smart_status")])),
    ("telegraf/nvme/response.json", Verdict(Verdict::Ok, &[(rule::NVME_ERROR_LOG_ENTRIES, "num_err_log_entries")])),
    ("telegraf/scsi_extended/response.json", OK),
    ("telegraf/usb/response.json", OK),
];

pub(crate) fn json_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            json_files(&path, out);
        } else if path.extension().is_some_and(|ext| ext == "json") {
            out.push(path);
        }
    }
}

#[test]
fn every_fixture_has_an_expectation() {
    let mut files = Vec::new();
    json_files(&root(), &mut files);
    assert!(files.len() >= 60, "fixtures/smartctl looks incomplete: {} files", files.len());
    for file in files {
        let relative = file.strip_prefix(root()).unwrap().to_string_lossy().into_owned();
        assert!(
            TABLE.iter().any(|(name, _)| *name == relative),
            "{relative} has no expected verdict in tests/fixtures.rs"
        );
    }
}

#[test]
fn every_fixture_gets_its_expected_verdict_and_reasons() {
    let mut failures = Vec::new();
    for (name, expect) in TABLE {
        let bytes = std::fs::read(root().join(name)).unwrap();
        let result = parse(&bytes, name);
        match (expect, result) {
            (Verdict(verdict, wanted), Ok(output)) => {
                let assessment = judge(&output);
                if assessment.verdict != *verdict {
                    failures.push(format!(
                        "{name}: verdict {} != expected {verdict}: {:#?}",
                        assessment.verdict, assessment.reasons
                    ));
                }
                for (rule, subject) in *wanted {
                    if !assessment
                        .reasons
                        .iter()
                        .any(|r| r.rule == *rule && r.subject.contains(subject))
                    {
                        failures.push(format!(
                            "{name}: no reason {rule} about {subject:?}: {:#?}",
                            assessment.reasons
                        ));
                    }
                }
                // Every reason names a rule with a source.
                for reason in &assessment.reasons {
                    if reason.source.is_empty()
                        || !smartctl_parser::RULES.iter().any(|r| r.id == reason.rule)
                    {
                        failures.push(format!(
                            "{name}: reason without a known rule or source: {reason:?}"
                        ));
                    }
                }
            }
            (
                UnsupportedVersion,
                Err(Error::UnsupportedFormatVersion { input, major: 0, minor: 1 }),
            ) => {
                assert_eq!(input, *name);
            }
            (_, other) => failures.push(format!("{name}: unexpected result {other:?}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn failing_fixtures_have_failing_reasons_first() {
    for name in [
        "scrutiny/smart-fail2.json",
        "smartctl_exporter/nvme-null-SAMSUNG_MZWLL3T2HAJQ-00005-nvme0.json",
        "plasma-disks/failing-sectors-passing-status.json",
    ] {
        let output = parse(&std::fs::read(root().join(name)).unwrap(), name).unwrap();
        let assessment = judge(&output);
        assert_eq!(assessment.reasons[0].level, Level::Failing, "{name}");
    }
}

#[test]
fn typed_fields_of_real_outputs() {
    let read = |name: &str| parse(&std::fs::read(root().join(name)).unwrap(), name).unwrap();

    let ata = read("scrutiny/smart-ata-full.json");
    assert_eq!(ata.smartctl.as_ref().unwrap().version(), Some((7, 0)));
    assert_eq!(ata.model_name.as_deref(), Some("Samsung SSD 860 EVO 500GB"));
    assert_eq!(ata.power_on_hours(), Some(14551));
    assert_eq!(ata.current_temperature(), Some(36));
    assert!(ata.ata_sct_status.as_ref().unwrap().device_state.is_some());
    assert!(!ata.ata_device_statistics.as_ref().unwrap().pages.is_empty());
    assert_eq!(ata.ata_self_test_log().unwrap().count, Some(19));

    assert_eq!(ata.ata_security.as_ref().unwrap().frozen, Some(false));
    assert_eq!(ata.ata_sct_erc.as_ref().unwrap().read.as_ref().unwrap().enabled, Some(false));
    let history = ata.ata_sct_temperature_history.as_ref().unwrap();
    assert_eq!((history.size, history.table.len()), (Some(128), 128));
    assert_eq!(ata.ata_smart_selective_self_test_log.as_ref().unwrap().table.len(), 5);
    assert_eq!(ata.ata_sct_capabilities.as_ref().unwrap().data_table_supported, Some(true));

    let fail2 = read("scrutiny/smart-fail2.json");
    assert_eq!(fail2.exit_status().unwrap().bits(), 216);
    let realloc = fail2.ata_attribute(5).unwrap();
    assert_eq!(realloc.when_failed, Some(smartctl_parser::WhenFailed::Now));
    assert!(realloc.is_prefailure());

    let seagate = read("smartctl_exporter/sat-Seagate_Exos_X16-ST16000NM001G-2KK103-sda.json");
    assert_eq!(seagate.ata_attribute(188).unwrap().raw.value, Some(51_540_393_996));

    let plasma = read("plasma-disks/failing-sectors-passing-status.json");
    assert_eq!(plasma.ata_attribute(188).unwrap().raw.words(), vec![0, 0, 5]);
    let sat = read("scrutiny/smart-sat.json");
    let t = sat.ata_attribute(190).unwrap().raw.temperature().unwrap();
    assert_eq!((t.current, t.min, t.max), (29, Some(19), Some(29)));
    assert_eq!(sat.ata_attribute(9).unwrap().raw.power_on().unwrap().hours, 2725);

    let nvme75 = read("beszel/nvme0.json");
    assert_eq!(nvme75.endurance_used.as_ref().unwrap().current_percent, Some(0));
    let health = nvme75.nvme_smart_health_information_log.as_ref().unwrap();
    assert_eq!(health.nsid, Some(-1));
    assert_eq!(health.data_units_written, Some(16_040_567));
    assert_eq!(nvme75.nvme_error_information_log.as_ref().unwrap().size, Some(8));
    assert_eq!(nvme75.nvme_power_states.len(), 5);
    assert_eq!(nvme75.nvme_composite_temperature_threshold.as_ref().unwrap().critical, Some(110));

    let scsi73 = read("beszel/scsi.json");
    assert_eq!(scsi73.model().as_deref(), Some("YADRO WUH721414AL4204"));
    assert_eq!(scsi73.logical_unit_id.as_deref(), Some("0x5000cca29063dc00"));
    let read_log = scsi73.scsi_error_counter_log.as_ref().unwrap().write.as_ref().unwrap();
    assert_eq!(read_log.gigabytes(), Some(2124.59));

    let scsi74 = read("telegraf/scsi_extended/response.json");
    assert_eq!(scsi74.scsi_self_tests().len(), 4);
    assert_eq!(scsi74.scsi_drive_trip(), Some(60));

    let bool_support = read("scrutiny/smartctl_info_sata_smart_support_bool.json");
    assert_eq!(bool_support.smart_support.unwrap().available, Some(true));

    let scan = read("scrutiny/smartctl_scan_megaraid.json");
    let devices = scan.devices.unwrap();
    assert_eq!(devices[1].device_type.as_deref(), Some("megaraid,1"));
}
