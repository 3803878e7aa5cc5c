//! `helios64 fan` on the fixture boards: one dry-run cycle of the fan
//! daemon's code, shown, nothing written.

#![allow(clippy::disallowed_methods, clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::Command;

use helios64_hal::testing::{Fixture, copy_fixture};

fn fan(root: &Path, args: &[&str]) -> (Option<i32>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_helios64"))
        .args(["fan", "--root"])
        .arg(root)
        .args(args)
        .output()
        .unwrap();
    (out.status.code(), String::from_utf8(out.stdout).unwrap())
}

#[test]
fn the_armbian_board_runs_under_normal_control_and_nothing_is_written() {
    let (_guard, root) = copy_fixture(Fixture::Armbian);
    let pwm = root.sys().join("devices/platform/p6-fan/hwmon");
    let pwm = std::fs::read_dir(pwm).unwrap().next().unwrap().unwrap().path().join("pwm1");
    let before = std::fs::read_to_string(&pwm).unwrap();
    let (code, out) = fan(root.base(), &["--json"]);
    assert_eq!(code, Some(0), "{out}");
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["schema"], "helios64.fan/1");
    // The hottest disk (bay 5, 41 °C) asks 29 + 3/17·226 = 68.9 → 69.
    assert_eq!(doc["decided"]["fans"][0]["pwm"], 69);
    assert_eq!(doc["decided"]["fans"][0]["driven_by"], "disks");
    assert!(doc["decided"]["failsafe"].is_null());
    let cpu = doc["inputs"].as_array().unwrap().iter().find(|i| i["name"] == "cpu").unwrap();
    assert_eq!((cpu["celsius"].as_f64(), cpu["curve_pwm"].as_u64()), (Some(45.0), Some(57)));
    assert!(doc["daemon"].is_null(), "no daemon ran on this tree");
    assert_eq!(std::fs::read_to_string(&pwm).unwrap(), before, "dry run");
    let (_, table) = fan(root.base(), &[]);
    assert!(table.contains("P6   69 (27 %)  disks at 41.0 °C"), "{table}");
}

#[test]
fn the_mainline_board_runs_too_and_a_bad_config_is_78() {
    // The mainline tree has every followed sensor: normal control too.
    let (code, out) = fan(&Fixture::Mainline.path(), &["--json"]);
    assert_eq!(code, Some(0), "{out}");
    // A configuration following a sensor the board lacks would fail safe
    // after fail_after_cycles; one cycle only reports it missing.
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("fand.toml");
    std::fs::write(&config, "[fans.p6]\nmin_pwm = 300\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_helios64"))
        .args(["fan", "--root"])
        .arg(Fixture::Mainline.path())
        .arg("--config")
        .arg(&config)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(78));
    assert!(String::from_utf8_lossy(&out.stderr).contains("fans.p6.min_pwm"));
}
