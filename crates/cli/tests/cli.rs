//! `helios64 smart` end to end: the real binary, a fake smartctl script
//! serving real fixtures, exit codes and JSON output.

#![allow(clippy::disallowed_methods, clippy::unwrap_used, clippy::expect_used)]

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const FAKE: &str = r#"#!/bin/sh
dir=$(dirname "$0")
echo "$*" >> "$dir/calls.log"
case "$*" in
  *--scan-open*) cat "$dir/scan.json"; exit 0 ;;
esac
for last; do :; done
name=$(basename "$last")
cat "$dir/$name.json"
exit "$(cat "$dir/$name.exit")"
"#;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/smartctl").join(name)
}

fn helios64(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_helios64")).args(args).output().unwrap()
}

fn fake(dir: &Path, answers: &[(&str, &str, u8)], scan: &str) -> PathBuf {
    let script = dir.join("smartctl");
    fs::write(&script, FAKE).unwrap();
    fs::set_permissions(&script, fs::Permissions::from_mode(0o755)).unwrap();
    fs::write(dir.join("scan.json"), scan).unwrap();
    for (name, fixture_name, exit) in answers {
        fs::copy(fixture(fixture_name), dir.join(format!("{name}.json"))).unwrap();
        fs::write(dir.join(format!("{name}.exit")), exit.to_string()).unwrap();
    }
    script
}

const SCAN: &str = r#"{"json_format_version":[1,0],"smartctl":{"version":[7,4],"exit_status":0},
  "devices":[{"name":"/dev/sda","info_name":"/dev/sda [SAT]","type":"sat","protocol":"ATA"},
             {"name":"/dev/sdb","info_name":"/dev/sdb [SAT]","type":"sat","protocol":"ATA"},
             {"name":"/dev/nvme0","info_name":"/dev/nvme0","type":"nvme","protocol":"NVMe"}]}"#;

#[test]
fn checks_every_scanned_device_and_exits_with_the_verdict_bits() {
    let dir = tempfile::tempdir().unwrap();
    let smartctl = fake(
        dir.path(),
        &[
            ("sda", "qemu-vm/qemu-ahci-harddisk-7.3.json", 0),
            ("sdb", "local-capture/v74-replay-ata-sleep-nocheck-standby.json", 2),
            ("nvme0", "scrutiny/smart-nvme-failed.json", 0),
        ],
        SCAN,
    );
    let out = helios64(&["smart", "--json", "--smartctl", smartctl.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let results = doc["results"].as_array().unwrap();
    let summary: Vec<(&str, &str)> = results
        .iter()
        .map(|r| (r["source"].as_str().unwrap(), r["verdict"].as_str().unwrap()))
        .collect();
    assert_eq!(
        summary,
        vec![
            ("/dev/sda -d sat", "ok"),
            ("/dev/sdb -d sat", "asleep"),
            ("/dev/nvme0 -d nvme", "warning")
        ]
    );
    let calls = fs::read_to_string(dir.path().join("calls.log")).unwrap();
    assert!(calls.contains("--json=c -a -n standby -d sat -- /dev/sdb"), "{calls}");
}

#[test]
fn given_devices_get_their_type_from_the_scan_and_sleepers_keep_state() {
    let dir = tempfile::tempdir().unwrap();
    let smartctl = fake(dir.path(), &[("sdb", "scrutiny/smart-fail2.json", 216)], SCAN);
    let state = dir.path().join("state.json");
    let args = |json| {
        let mut args = vec!["smart", "/dev/sdb", "--smartctl", smartctl.to_str().unwrap()];
        args.extend(["--state-file", state.to_str().unwrap()]);
        if json {
            args.push("--json");
        }
        args.into_iter().map(str::to_owned).collect::<Vec<_>>()
    };
    let run = |json| {
        let args = args(json);
        helios64(&args.iter().map(String::as_str).collect::<Vec<_>>())
    };
    assert_eq!(run(false).status.code(), Some(2));
    // The disk goes to sleep: still exit 2, from its last known state.
    fs::copy(
        fixture("local-capture/v74-replay-ata-sleep-nocheck-standby.json"),
        dir.path().join("sdb.json"),
    )
    .unwrap();
    fs::write(dir.path().join("sdb.exit"), "2").unwrap();
    let out = run(true);
    assert_eq!(out.status.code(), Some(2));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let result = &doc["results"][0];
    assert_eq!(result["verdict"], "asleep");
    assert_eq!(result["last_known"]["verdict"], "failing");
    assert_eq!(result["last_known"]["device"]["model"], "Hitachi HDS721050DLE630");
    let table = String::from_utf8(run(false).stdout).unwrap();
    assert!(table.contains("asleep (last known failing"), "{table}");
    let calls = fs::read_to_string(dir.path().join("calls.log")).unwrap();
    assert!(
        calls
            .lines()
            .all(|c| c.contains("--scan-open") || c.ends_with("-n standby -d sat -- /dev/sdb")),
        "{calls}"
    );
}

#[test]
fn missing_smartctl_is_reported_with_exit_bit_4() {
    let out = helios64(&["smart", "--json", "--smartctl", "/nonexistent/smartctl"]);
    assert_eq!(out.status.code(), Some(4));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["results"][0]["verdict"], "error");
    assert!(
        doc["results"][0]["error"]
            .as_str()
            .unwrap()
            .contains("smartctl not found at /nonexistent/smartctl")
    );
}

#[test]
fn input_files_are_judged_one_verdict_each() {
    let failing = fixture("plasma-disks/failing-sectors-passing-status.json");
    let ok = fixture("beszel/nvme0.json");
    let out = helios64(&["smart", "--input", failing.to_str().unwrap(), ok.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let table = String::from_utf8(out.stdout).unwrap();
    assert!(table.lines().nth(1).unwrap().contains("failing"), "{table}");
    assert!(table.lines().nth(2).unwrap().contains("ok"), "{table}");
}

#[test]
fn bad_command_line_exits_64() {
    assert_eq!(helios64(&["smart", "--no-such-flag"]).status.code(), Some(64));
    assert_eq!(helios64(&["smart", "/dev/sda", "--input", "x.json"]).status.code(), Some(64));
    assert_eq!(helios64(&["--help"]).status.code(), Some(0));
}

#[test]
fn input_dash_reads_standard_input() {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_helios64"))
        .args(["smart", "--json", "--input", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let json =
        fs::read(fixture("smartctl_exporter/nvme-null-SAMSUNG_MZWLL3T2HAJQ-00005-nvme0.json"))
            .unwrap();
    child.stdin.take().unwrap().write_all(&json).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["results"][0]["source"], "-");
    assert_eq!(doc["results"][0]["verdict"], "failing");
}
