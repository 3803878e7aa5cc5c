use std::path::{Path, PathBuf};

use super::*;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/smartctl").join(name)
}

#[allow(clippy::disallowed_methods)] // reads the committed fixtures
fn judge_files(names: &[&str]) -> Vec<Entry> {
    names
        .iter()
        .flat_map(|n| {
            let path = fixture(n);
            judge_input(&path.display().to_string(), &std::fs::read(&path).unwrap())
        })
        .collect()
}

#[test]
fn exit_code_is_a_bitmask_of_verdicts() {
    let entries =
        judge_files(&["qemu-vm/qemu-ahci-harddisk-7.3.json", "scrutiny/smart-nvme-failed.json"]);
    assert_eq!(ExitBits::of(&entries).code(), 1);
    let entries = judge_files(&[
        "scrutiny/smart-fail2.json",
        "local-capture/v74-open-failed-nonexistent.json",
        "plasma-disks/invalid-vbox.json",
    ]);
    assert_eq!(ExitBits::of(&entries).code(), 2 | 4 | 8);
    let asleep = judge_files(&["local-capture/v74-replay-ata-sleep-nocheck-standby.json"]);
    assert_eq!(ExitBits::of(&asleep).code(), 0);
}

#[test]
fn invalid_inputs_are_errors_naming_the_input() {
    let entries = judge_files(&["scrutiny/smart-scsi2.json"]);
    assert_eq!(entries[0].verdict, EntryVerdict::Error);
    assert!(
        entries[0]
            .error
            .as_deref()
            .unwrap()
            .contains("smart-scsi2.json: unsupported smartctl json_format_version [0, 1]")
    );
    assert_eq!(ExitBits::of(&entries).code(), 4);
    let text = judge_input("out.txt", b"smartctl 7.4 2023-08-01 r5530\n=== START OF INFORMATION");
    assert!(text[0].error.as_deref().unwrap().contains("run smartctl with --json"), "{text:?}");
}

#[test]
#[allow(clippy::disallowed_methods)] // reads the committed fixtures
fn a_file_of_several_outputs_gets_one_entry_each() {
    let one = std::fs::read(fixture("qemu-vm/qemu-ahci-H64BAY1-7.4.json")).unwrap();
    let two = std::fs::read(fixture("qemu-vm/qemu-ahci-H64BAY2-7.4.json")).unwrap();
    let both = [one, two].concat();
    let entries = judge_input("all.json", &both);
    let summary: Vec<(&str, Option<&str>)> = entries
        .iter()
        .map(|e| (e.source.as_str(), e.device.as_ref().and_then(|d| d.serial.as_deref())))
        .collect();
    assert_eq!(summary, [("all.json#1", Some("H64BAY1")), ("all.json#2", Some("H64BAY2"))]);
    assert!(entries.iter().all(|e| e.verdict == EntryVerdict::Judged(Verdict::Ok)));
}

#[test]
fn table_lists_each_source_then_its_reasons() {
    let entries = judge_files(&[
        "qemu-vm/qemu-ahci-harddisk-7.3.json",
        "plasma-disks/failing-sectors-passing-status.json",
    ]);
    let mut out = Vec::new();
    write_table(&mut out, &entries, SystemTime::now()).unwrap();
    let text = String::from_utf8(out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("SOURCE"), "{text}");
    assert!(
        lines[1].contains("qemu-ahci-harddisk-7.3.json") && lines[1].contains(" ok "),
        "{text}"
    );
    assert!(lines[1].contains("QEMU HARDDISK") && lines[1].contains("H64BAY1"), "{text}");
    assert!(lines[2].contains("failing") && lines[2].contains("ST3000DM001-1ER166"), "{text}");
    assert!(text.contains("FAILING  attribute 197 Current_Pending_Sector = 1640"), "{text}");
    assert!(text.contains("rule ata-counter (smartd -C 197"), "{text}");
}

#[test]
fn json_document_is_stable() {
    let entries =
        judge_files(&["smartctl_exporter/nvme-null-SAMSUNG_MZWLL3T2HAJQ-00005-nvme0.json"]);
    let mut out = Vec::new();
    write_json(&mut out, &entries, ExitBits::of(&entries).code()).unwrap();
    let value: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(value["schema"], "helios64.smart/1");
    assert_eq!(value["exit_code"], 2);
    let result = &value["results"][0];
    assert_eq!(result["kind"], "file");
    assert_eq!(result["verdict"], "failing");
    assert_eq!(result["reasons"][0]["rule"], "health-failed");
    assert_eq!(result["reasons"][0]["level"], "failing");
    assert_eq!(result["reasons"][1]["rule"], "nvme-critical-warning");
    assert_eq!(result["device"]["protocol"], "NVMe");
    assert_eq!(result["device"]["model"], "SAMSUNG MZWLL3T2HAJQ-00005");
    assert_eq!(result["device"]["smartctl_exit_status"], 8);
    assert_eq!(result["device"]["power_on_hours"], 18376);
    assert!(result["error"].is_null() && result["last_known"].is_null());
}

#[test]
fn wwn_is_spelled_as_udev_names_the_disk() {
    let hex = wwn_hex(Some(5), Some(0x000c50), Some(0x0a1b2c3d4));
    assert_eq!(hex.as_deref(), Some("0x5000c500a1b2c3d4"));
    assert_eq!(wwn_hex(Some(5), Some(0x000c50), None), None);
    assert_eq!(wwn_hex(Some(16), Some(0), Some(0)), None, "NAA is 4 bits");
}
