//! The runner against a fake smartctl: a shell script that answers from
//! files next to it (real fixture JSON, an exit code, a delay), records its
//! arguments, or is absent. A fake, not a mock: the runner spawns, times
//! out, kills and parses exactly as it does with the real binary.

#![allow(clippy::disallowed_methods, clippy::unwrap_used, clippy::expect_used)]

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use helios64_smart::{DeviceSpec, Error, Runner};
use smartctl_parser::{Verdict, rule_ids};

const FAKE: &str = r#"#!/bin/sh
# Fake smartctl: behaviour comes from files next to this script.
dir=$(dirname "$0")
echo "$*" >> "$dir/calls.log"
case "$*" in
  *--scan-open*) cat "$dir/scan.json"; exit 0 ;;
esac
for last; do :; done
name=$(basename "$last")
if [ -f "$dir/$name.sleep" ]; then sleep "$(cat "$dir/$name.sleep")"; fi
if [ -f "$dir/$name.json" ]; then cat "$dir/$name.json"; fi
if [ -f "$dir/$name.exit" ]; then exit "$(cat "$dir/$name.exit")"; fi
exit 0
"#;

fn fixture(name: &str) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/smartctl");
    fs::read_to_string(root.join(name)).unwrap()
}

struct Fake {
    dir: tempfile::TempDir,
}

impl Fake {
    fn new() -> Fake {
        let dir = tempfile::tempdir().unwrap();
        let script = dir.path().join("smartctl");
        fs::write(&script, FAKE).unwrap();
        fs::set_permissions(&script, fs::Permissions::from_mode(0o755)).unwrap();
        Fake { dir }
    }

    fn smartctl(&self) -> PathBuf {
        self.dir.path().join("smartctl")
    }

    /// Device `name` answers with this JSON and exit code.
    fn answer(&self, name: &str, json: &str, exit: u8) -> &Fake {
        fs::write(self.dir.path().join(format!("{name}.json")), json).unwrap();
        fs::write(self.dir.path().join(format!("{name}.exit")), exit.to_string()).unwrap();
        self
    }

    fn delay(&self, name: &str, seconds: u32) {
        fs::write(self.dir.path().join(format!("{name}.sleep")), seconds.to_string()).unwrap();
    }

    fn calls(&self) -> Vec<String> {
        fs::read_to_string(self.dir.path().join("calls.log"))
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect()
    }

    fn runner(&self) -> Runner {
        Runner::new().smartctl(self.smartctl()).timeout(Duration::from_secs(20))
    }
}

fn sat(path: &str) -> DeviceSpec {
    DeviceSpec::with_type(path, "sat")
}

#[test]
fn checks_devices_in_parallel_and_keeps_their_order() {
    let fake = Fake::new();
    fake.answer("sda", &fixture("qemu-vm/qemu-ahci-harddisk-7.3.json"), 0);
    fake.answer("sdb", &fixture("scrutiny/smart-fail2.json"), 216);
    fake.answer("sdc", &fixture("plasma-disks/failing-sectors-passing-status.json"), 192);
    fake.answer(
        "nvme0",
        &fixture("smartctl_exporter/nvme-null-SAMSUNG_MZWLL3T2HAJQ-00005-nvme0.json"),
        8,
    );
    fake.answer("sdd", &fixture("local-capture/v74-open-failed-nonexistent.json"), 2);
    let devices = [
        sat("/dev/sda"),
        sat("/dev/sdb"),
        sat("/dev/sdc"),
        DeviceSpec::with_type("/dev/nvme0", "nvme"),
        sat("/dev/sdd"),
    ];
    let results = fake.runner().parallelism(3).check_all(&devices);
    let verdicts: Vec<(String, Verdict)> = results
        .iter()
        .map(|(device, result)| (device.path.clone(), result.as_ref().unwrap().assessment.verdict))
        .collect();
    assert_eq!(
        verdicts,
        vec![
            ("/dev/sda".to_owned(), Verdict::Ok),
            ("/dev/sdb".to_owned(), Verdict::Failing),
            ("/dev/sdc".to_owned(), Verdict::Failing),
            ("/dev/nvme0".to_owned(), Verdict::Failing),
            ("/dev/sdd".to_owned(), Verdict::Unreachable),
        ]
    );
}

#[test]
fn passes_json_all_standby_and_the_type() {
    let fake = Fake::new();
    fake.answer("sda", &fixture("qemu-vm/qemu-ahci-harddisk-7.3.json"), 0);
    fake.runner().check(&sat("/dev/sda")).unwrap();
    fake.runner().standby_exit_code(3).check(&DeviceSpec::new("/dev/sda")).unwrap();
    assert_eq!(
        fake.calls(),
        vec!["--json=c -a -n standby -d sat -- /dev/sda", "--json=c -a -n standby,3 -- /dev/sda"]
    );
}

#[test]
fn a_device_or_type_that_looks_like_an_option_is_passed_inertly() {
    let fake = Fake::new();
    // Neither answers: the point is what smartctl was given.
    let _ = fake.runner().check(&DeviceSpec::new("-x"));
    let _ = fake.runner().check(&DeviceSpec::with_type("/dev/sda", "-x"));
    assert_eq!(
        fake.calls(),
        vec!["--json=c -a -n standby -- -x", "--json=c -a -n standby -d -x -- /dev/sda"]
    );
}

#[test]
fn a_sleeping_disk_is_asleep_with_its_last_known_state() {
    let fake = Fake::new();
    let state = fake.dir.path().join("state").join("smart.json");
    fs::create_dir_all(state.parent().unwrap()).unwrap();
    let runner = fake.runner().with_state_file(&state).unwrap();
    let sda = sat("/dev/sda");

    // Awake: a full result, with pending sectors.
    fake.answer("sda", &fixture("plasma-disks/failing-sectors-passing-status.json"), 192);
    assert_eq!(runner.check(&sda).unwrap().assessment.verdict, Verdict::Failing);

    // Asleep: smartctl skipped it; the last full result is kept.
    fake.answer("sda", &fixture("local-capture/v74-replay-ata-sleep-nocheck-standby.json"), 2);
    let report = runner.check(&sda).unwrap();
    assert_eq!(report.assessment.verdict, Verdict::Asleep);
    assert_eq!(report.assessment.reasons[0].rule, rule_ids::STANDBY);
    let last = report.last_known.expect("last known state of a sleeping disk");
    assert_eq!(last.assessment.verdict, Verdict::Failing);
    assert_eq!(last.output.model_name.as_deref(), Some("ST3000DM001-1ER166"));

    // A new runner (a new process) gets it from the state file.
    runner.save_state().unwrap();
    let restarted = fake.runner().with_state_file(&state).unwrap();
    let report = restarted.check(&sda).unwrap();
    assert_eq!(report.assessment.verdict, Verdict::Asleep);
    assert_eq!(report.last_known.unwrap().assessment.verdict, Verdict::Failing);

    // Another device never seen awake has no last known state.
    fake.answer("sdb", &fixture("local-capture/v74-replay-ata-sleep-nocheck-standby.json"), 2);
    assert!(restarted.check(&sat("/dev/sdb")).unwrap().last_known.is_none());
}

#[test]
fn standby_with_a_custom_exit_code_is_asleep() {
    let fake = Fake::new();
    let json = fixture("local-capture/v74-replay-ata-sleep-nocheck-standby.json")
        .replace("exit(2)", "exit(3)")
        .replace("\"exit_status\": 2", "\"exit_status\": 3");
    fake.answer("sda", &json, 3);
    let report = fake.runner().standby_exit_code(3).check(&sat("/dev/sda")).unwrap();
    assert_eq!(report.assessment.verdict, Verdict::Asleep);
}

#[test]
fn the_error_log_growth_rule_uses_the_previous_result() {
    let fake = Fake::new();
    let runner = fake.runner();
    let before = fixture("smartctl_exporter/ST3200820AS_16.json");
    fake.answer("sda", &before, 64);
    assert_eq!(runner.check(&sat("/dev/sda")).unwrap().assessment.verdict, Verdict::Ok);
    // Same drive, two more errors logged.
    let after = before.replace("\"count\": 98", "\"count\": 100");
    assert_ne!(after, before, "fixture layout changed");
    fake.answer("sda", &after, 64);
    let report = runner.check(&sat("/dev/sda")).unwrap();
    assert_eq!(report.assessment.verdict, Verdict::Warning);
    assert_eq!(report.assessment.reasons[0].rule, rule_ids::ERROR_LOG_GREW);
}

#[test]
fn permission_denied_is_a_typed_error_naming_the_device() {
    let fake = Fake::new();
    fake.answer("sda", &fixture("local-capture/v74-permission-denied.json"), 2);
    match fake.runner().check(&sat("/dev/sda")) {
        Err(Error::PermissionDenied { device }) => assert_eq!(device, "/dev/sda -d sat"),
        other => panic!("expected PermissionDenied, got {other:?}"),
    }
}

#[test]
fn a_hanging_smartctl_is_killed_at_the_timeout() {
    let fake = Fake::new();
    fake.answer("sda", &fixture("qemu-vm/qemu-ahci-harddisk-7.3.json"), 0);
    fake.delay("sda", 30);
    let started = Instant::now();
    let result = fake.runner().timeout(Duration::from_millis(300)).check(&sat("/dev/sda"));
    match result {
        Err(Error::Timeout { device, timeout }) => {
            assert_eq!(device, "/dev/sda -d sat");
            assert_eq!(timeout, Duration::from_millis(300));
        }
        other => panic!("expected Timeout, got {other:?}"),
    }
    // The script's `sleep 30` was killed with it: had it survived, holding
    // the stdout pipe, the call would have waited for it.
    assert!(started.elapsed() < Duration::from_secs(25), "took {:?}", started.elapsed());
}

#[test]
fn a_missing_smartctl_is_a_clear_error() {
    let fake = Fake::new();
    let missing = fake.dir.path().join("no-such-smartctl");
    match Runner::new().smartctl(&missing).check(&sat("/dev/sda")) {
        Err(error @ Error::SmartctlNotFound { .. }) => {
            assert!(error.to_string().contains("no-such-smartctl"), "{error}");
        }
        other => panic!("expected SmartctlNotFound, got {other:?}"),
    }
    assert!(matches!(Runner::new().smartctl(&missing).scan(), Err(Error::SmartctlNotFound { .. })));
}

#[test]
fn garbage_output_is_an_output_error_with_exit_code() {
    let fake = Fake::new();
    fake.answer("sda", "Segmentation fault\n", 139);
    match fake.runner().check(&sat("/dev/sda")) {
        Err(Error::Output { device, exit_code, source, .. }) => {
            assert_eq!(device, "/dev/sda -d sat");
            assert_eq!(exit_code, Some(139));
            assert!(matches!(*source, smartctl_parser::Error::InvalidJson { .. }));
        }
        other => panic!("expected Output, got {other:?}"),
    }
}

#[test]
fn scan_open_lists_devices_with_their_types() {
    let fake = Fake::new();
    fs::write(fake.dir.path().join("scan.json"), fixture("scrutiny/smartctl_scan_megaraid.json"))
        .unwrap();
    let devices = fake.runner().scan().unwrap();
    assert_eq!(
        devices,
        vec![
            DeviceSpec::with_type("/dev/bus/0", "megaraid,0"),
            DeviceSpec::with_type("/dev/bus/0", "megaraid,1")
        ]
    );
    assert_ne!(devices[0].key(), devices[1].key());
    assert_eq!(fake.calls(), vec!["--json=c --scan-open"]);
}

#[test]
fn a_malformed_state_file_is_an_error_naming_it() {
    let fake = Fake::new();
    let state = fake.dir.path().join("smart.json");
    fs::write(&state, "{\"format\": 1, \"devices\": 3}").unwrap();
    match fake.runner().with_state_file(&state) {
        Err(error @ Error::StateFileMalformed { .. }) => {
            assert!(error.to_string().contains("smart.json"), "{error}");
        }
        other => panic!("expected StateFileMalformed, got {other:?}"),
    }
}

// The real smartctl of this machine (scripts/deps.sh host installs it). No
// disk is needed: smartctl's answers for /dev/null and a missing node are
// the open-failure, identify-failure and standby-skip paths themselves.

fn real() -> Runner {
    let found = std::process::Command::new("smartctl").arg("--version").output();
    assert!(
        found.is_ok_and(|out| out.status.success()),
        "smartctl is not installed: run scripts/deps.sh host (smartmontools)"
    );
    Runner::new().timeout(Duration::from_secs(30))
}

#[test]
fn real_smartctl_standby_skip_with_a_custom_exit_code_is_asleep() {
    // CHECK POWER MODE fails on /dev/null, which smartctl reports as SLEEP
    // and exits through the -n standby,N path.
    let report = real().standby_exit_code(3).check(&sat("/dev/null")).unwrap();
    assert_eq!(report.assessment.verdict, Verdict::Asleep, "{:#?}", report.assessment);
    assert_eq!(report.output.exit_status().unwrap().bits(), 3);
    let argv = &report.output.smartctl.as_ref().unwrap().argv;
    assert!(argv.windows(2).any(|w| w == ["-n", "standby,3"]), "{argv:?}");
}

#[test]
fn real_smartctl_open_and_identify_failures_are_unreachable() {
    let runner = real();
    let missing = runner.check(&sat("/dev/helios64-no-such-disk")).unwrap();
    assert_eq!(missing.assessment.verdict, Verdict::Unreachable);
    assert_eq!(missing.assessment.reasons[0].rule, rule_ids::OPEN_FAILED);
    let not_nvme = runner.check(&DeviceSpec::with_type("/dev/null", "nvme")).unwrap();
    assert_eq!(not_nvme.assessment.verdict, Verdict::Unreachable);
    assert_eq!(not_nvme.assessment.reasons[0].rule, rule_ids::IDENTIFY_FAILED);
}

#[test]
fn real_smartctl_takes_an_option_like_device_as_a_device() {
    // Without `--`, `-x` would be smartctl's --xall and the device missing.
    let report = real().check(&sat("-x")).unwrap();
    assert_eq!(report.assessment.verdict, Verdict::Unreachable, "{:#?}", report.assessment);
    assert_eq!(report.assessment.reasons[0].rule, rule_ids::OPEN_FAILED);
    let argv = &report.output.smartctl.as_ref().unwrap().argv;
    assert!(argv.ends_with(&["--".to_owned(), "-x".to_owned()]), "{argv:?}");
    // A type such as `-x` is the value of -d, which smartctl refuses.
    let typed = real().check(&DeviceSpec::with_type("/dev/null", "-x")).unwrap();
    let argv = &typed.output.smartctl.as_ref().unwrap().argv;
    assert!(argv.windows(2).any(|w| w == ["-d", "-x"]), "{argv:?}");
    assert_ne!(typed.assessment.verdict, Verdict::Ok, "{:#?}", typed.assessment);
}

#[test]
fn real_smartctl_scan_open_parses() {
    // Whatever this machine has (a CI container usually has no disks).
    for device in real().scan().unwrap() {
        assert!(device.path.starts_with("/dev/"), "{device}");
        assert!(device.device_type.is_some(), "{device}");
    }
}
