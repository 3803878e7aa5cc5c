//! smartctl against QEMU's emulated disks, through the helios64-smart runner
//! and the guest's real smartctl: the five AHCI bays (`ide-hd` on `ahci`,
//! serials H64BAY1..5) and the NVMe disk (serial NVME1).
//!
//! QEMU's disks never sleep: CHECK POWER MODE always answers "active or
//! idle", whatever STANDBY IMMEDIATE was sent. So the standby test here
//! proves the other half of standby safety: `-n standby` reads an awake disk
//! in full instead of skipping it. The asleep half is covered on the host
//! with smartctl's own standby-skip output (crates/smart/tests/runner.rs).

use helios64_smart::{DeviceSpec, Runner};
use smartctl_parser::{Protocol, Verdict};
use vm_env::{board, require_guest};

use crate::common::run;

/// Every emulated disk with the type smartctl should use and its serial.
fn disks() -> Vec<(DeviceSpec, String)> {
    let guest = require_guest();
    let mut disks: Vec<(DeviceSpec, String)> = (1..=board::BAY_COUNT)
        .map(|bay| {
            let disk = guest.bay_disk(bay).unwrap();
            (DeviceSpec::with_type(disk.display().to_string(), "sat"), board::bay_serial(bay))
        })
        .collect();
    disks.push((DeviceSpec::with_type("/dev/nvme0", "nvme"), board::NVME_SERIAL.to_owned()));
    disks
}

#[test]
fn every_bay_and_the_nvme_are_ok_through_the_runner() {
    let disks = disks();
    let devices: Vec<DeviceSpec> = disks.iter().map(|(device, _)| device.clone()).collect();
    let runner = Runner::new();
    let results = runner.check_all(&devices);
    assert_eq!(results.len(), disks.len());
    for ((device, result), (_, serial)) in results.into_iter().zip(&disks) {
        let report = result.unwrap_or_else(|e| panic!("{device}: {e}"));
        let assessment = &report.assessment;
        assert_eq!(assessment.verdict, Verdict::Ok, "{device}: {:#?}", assessment.reasons);
        assert_eq!(report.output.serial_number.as_deref(), Some(serial.as_str()), "{device}");
        assert!(report.last_known.is_none(), "{device}: awake, so no last known state");
        let expected = if device.device_type.as_deref() == Some("nvme") {
            Protocol::Nvme
        } else {
            Protocol::Ata
        };
        assert_eq!(report.output.protocol(), Some(&expected), "{device}");
        let status = report
            .output
            .smart_status
            .as_ref()
            .unwrap_or_else(|| panic!("{device}: no smart_status"));
        assert_eq!(status.passed, Some(true), "{device}");
    }
}

#[test]
fn scan_open_lists_every_bay_and_the_nvme_with_a_type() {
    let scanned = Runner::new().scan().unwrap();
    for (device, _) in disks() {
        let found = scanned
            .iter()
            .find(|s| s.path == device.path)
            .unwrap_or_else(|| panic!("--scan-open does not list {}: {scanned:?}", device.path));
        assert_eq!(found.device_type, device.device_type, "{}", device.path);
    }
}

#[test]
fn standby_check_reads_an_awake_disk_in_full() {
    let guest = require_guest();
    let disk = guest.bay_disk(1).unwrap().display().to_string();
    // A distinctive -n exit code: had smartctl skipped the disk, it would exit 7.
    let runner = Runner::new().standby_exit_code(7);
    let report = runner.check(&DeviceSpec::with_type(&disk, "sat")).unwrap();
    assert_eq!(report.assessment.verdict, Verdict::Ok, "{:#?}", report.assessment);
    assert_eq!(report.output.exit_status().map(|e| e.bits()), Some(0));
    let argv = &report.output.smartctl.as_ref().unwrap().argv;
    assert!(argv.windows(2).any(|w| w == ["-n", "standby,7"]), "{argv:?}");
    assert!(!report.output.ata_attributes().is_empty(), "an awake disk is read in full");
}

/// Prints smartctl's exact output for each emulated disk between markers,
/// for scripts/capture-vm-smartctl.sh to turn into fixtures.
#[test]
fn capture_smartctl_outputs() {
    for (device, _) in disks() {
        let mut args = vec!["--json=c", "-a", "-n", "standby"];
        let device_type = device.device_type.clone().unwrap_or_default();
        args.extend(["-d", device_type.as_str(), device.path.as_str()]);
        let out = run("smartctl", &args);
        let json = String::from_utf8(out.stdout).unwrap();
        // The capture must itself be a healthy, parseable report.
        let parsed = smartctl_parser::parse(json.as_bytes(), &device.path).unwrap();
        assert_eq!(smartctl_parser::judge(&parsed).verdict, Verdict::Ok, "{device}");
        println!("=== smartctl capture {} {} BEGIN ===", device.path, args.join(" "));
        println!("{}", json.trim_end());
        println!("=== smartctl capture END ===");
    }
}
