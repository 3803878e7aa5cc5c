//! `helios64 ups` on the fixture board: a reading now beside the daemon's
//! state file, and the monitoring exit codes.

#![allow(clippy::disallowed_methods, clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use helios64_hal::testing::{FakeBattery, FakeMains, Fixture, copy_fixture};
use helios64_service::{MonoTime, StateDir, SystemClock};
use helios64_ups::{Monitor, Policy, STATE_SCHEMA, UpsState, UpsdConfig};

fn ups(root: &Path, args: &[&str]) -> (Option<i32>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_helios64"))
        .args(["ups", "--root"])
        .arg(root)
        .args(args)
        .output()
        .unwrap();
    (out.status.code(), String::from_utf8(out.stdout).unwrap())
}

/// The state a daemon would write after `secs` on battery with the pack
/// falling 1 mV/s from 7.6 V.
fn on_battery_state(secs: u64) -> UpsState {
    let mut monitor = Monitor::new(Policy::new(UpsdConfig::default().policy()));
    let (mains, battery) = (FakeMains::new(false), FakeBattery::new(7600));
    for s in 1..=secs {
        battery.set_millivolts(7600 - u32::try_from(s).unwrap());
        monitor.poll(MonoTime::from_duration(Duration::from_secs(s)), &mains, &battery);
    }
    UpsState::of(&monitor, MonoTime::from_duration(Duration::from_secs(secs))).rounded()
}

#[test]
fn without_a_daemon_the_reading_is_shown_and_it_warns() {
    let (_guard, root) = copy_fixture(Fixture::Armbian);
    let (code, out) = ups(root.base(), &["--json"]);
    assert_eq!(code, Some(1), "{out}");
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["schema"], "helios64.ups/1");
    assert!(doc["daemon"].is_null());
    assert_eq!(doc["reading"]["mains"]["online"], true);
    assert_eq!(doc["reading"]["battery"]["battery_millivolts"], 8058);
    let (_, table) = ups(root.base(), &[]);
    assert!(table.contains("8.06 V (1055 mV at the ADC)"), "{table}");
    assert!(table.contains("no fresh state file"), "{table}");
}

#[test]
fn the_daemons_state_is_shown_with_the_estimate_and_the_next_action() {
    let (_guard, root) = copy_fixture(Fixture::Armbian);
    let states = StateDir::new(root.base().join("run/helios64"));
    states.write("upsd", STATE_SCHEMA, &SystemClock, &on_battery_state(120)).unwrap();
    let (code, table) = ups(root.base(), &[]);
    assert_eq!(code, Some(1), "on battery is a warning: {table}");
    assert!(table.contains("on_battery"), "{table}");
    assert!(table.contains("on battery      1:59 min"), "{table}");
    assert!(table.contains("-60 mV/min"), "{table}");
    assert!(table.contains("next action     shutdown in 481 s (max_on_battery)"), "{table}");
    let (_, json) = ups(root.base(), &["--json"]);
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(doc["daemon"]["state"], "on_battery");
    assert_eq!(doc["daemon"]["next_action"]["rule"], "max_on_battery");
    let eta = doc["daemon"]["estimated_secs_to_low"].as_f64().unwrap();
    assert!((470.0..=500.0).contains(&eta), "{eta}");
    // Past the limit: a shutdown, critical.
    states.write("upsd", STATE_SCHEMA, &SystemClock, &on_battery_state(700)).unwrap();
    let (code, table) = ups(root.base(), &[]);
    assert_eq!(code, Some(2), "{table}");
    assert!(table.contains("SHUTDOWN (notifying): on battery for 10 min"), "{table}");
}

#[test]
fn a_bad_config_is_78() {
    let (_guard, root) = copy_fixture(Fixture::Armbian);
    std::fs::create_dir_all(root.base().join("etc/helios64")).unwrap();
    std::fs::write(root.base().join("etc/helios64/upsd.toml"), "low_voltage_mv = 1\n").unwrap();
    let (code, _) = ups(root.base(), &[]);
    assert_eq!(code, Some(78));
}
