//! helios64-upsd under its unit, with the default configuration: mains
//! from test_power's `test_ac` through udev, the pack voltage from the
//! h64_saradc test driver (loaded by the board setup), its state file in
//! /run/helios64 (RuntimeDirectory=) and its records' directory
//! (StateDirectory=) writable in the sandbox. The real power-off on a low
//! battery is the run's last step (tests/vm/guest/systemd/run-tests): it
//! ends the VM, so no test can report it.

use std::fs;
use std::path::Path;
use std::time::Duration;

use vm_env::{board, require_guest};

use crate::daemons::{UPSD, assert_started};
use crate::unit::wait_until;

const STATE_FILE: &str = "/run/helios64/upsd.json";

#[test]
fn upsd_reads_mains_and_the_pack_and_writes_its_state_file() {
    require_guest();
    assert_started(UPSD);
    // 600 × 1800/1024 mV × 7.64 (the SARADC's default codes).
    let status = UPSD.prop("StatusText");
    assert_eq!(status, "online, pack 8.1 V", "{}", UPSD.describe());
    wait_until(
        "the state file",
        Duration::from_secs(20),
        || Path::new(STATE_FILE).exists(),
        || UPSD.describe(),
    );
    let text = fs::read_to_string(STATE_FILE).unwrap();
    let state: serde_json::Value = serde_json::from_str(&text).unwrap();
    let s = &state["state"];
    assert_eq!(
        (s["state"].as_str(), s["mains_source"].as_str(), s["filtered_mv"].as_u64()),
        (Some("online"), Some(board::MAINS_SUPPLY), Some(8058)),
        "{text}"
    );
    assert!(Path::new("/var/lib/helios64/upsd").is_dir(), "StateDirectory= not created");
    let journal = UPSD.journal_since(0);
    assert!(journal.iter().any(|m| m.contains("mains from power_supply test_ac")), "{journal:#?}");
}
