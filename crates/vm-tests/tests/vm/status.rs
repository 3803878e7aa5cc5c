//! `helios64-status` on the real kernel: `BoxStatus::collect(Root::system())`
//! in the guest reads the uleds LEDs, the lm75 on i2c-stub and the
//! test_power mains supply through the same code paths as on the board, and
//! reports what an x86 guest lacks (the JMB585, a six-core CPU for
//! Armbian's pinning plan) as section errors instead of failing.

use std::collections::BTreeSet;

use helios64_hal::{LedRole, Root, Variant};
use helios64_status::{BoxStatus, Section};
use vm_env::{board, require_guest};

#[test]
fn the_whole_box_reads_on_a_real_kernel_and_degrades_per_section() {
    let _guest = require_guest();
    let status = BoxStatus::collect(&Root::system());

    assert_eq!(status.board.as_ref().unwrap().variant, Variant::NoDeviceTree);

    let leds = status.leds.as_ref().expect("LED section");
    for led in board::LEDS {
        let found = leds.iter().find(|l| l.name == led.name);
        let found = found.unwrap_or_else(|| panic!("LED {} missing from {leds:#?}", led.name));
        assert!(found.role.is_some(), "{} has no role", led.name);
        assert_eq!(found.max_brightness, led.max_brightness, "{}", led.name);
    }
    assert!(leds.iter().any(|l| l.role == Some(LedRole::Ata3Err)));

    let sensor = status.thermal.as_ref().and_then(|t| t.board.as_ref()).expect("lm75 sensor");
    assert_eq!(sensor.i2c_address, board::BOARD_SENSOR_ADDRESS);
    assert_eq!(sensor.hwmon_name, board::BOARD_SENSOR_HWMON_NAME);
    assert_eq!(sensor.max_millicelsius, Some(board::BOARD_SENSOR_MAX_MILLIDEGREES));

    let mains = status.ups.as_ref().and_then(|u| u.mains.as_ref()).expect("mains supply");
    assert_eq!(mains.source.as_str(), board::MAINS_SUPPLY);

    // What the x86 guest lacks is reported, section by section, and nothing
    // else fails: no JMB585 for the bays, and Armbian's plan names CPUs 3–5
    // of a six-core board on a two-CPU guest.
    let failed: BTreeSet<Section> = status.errors.iter().map(|e| e.section).collect();
    assert_eq!(failed, BTreeSet::from([Section::Bays, Section::Pinning]), "{:#?}", status.errors);
    let bays = status.errors.iter().find(|e| e.section == Section::Bays).unwrap();
    assert_eq!(bays.kind, "not-found", "{bays:?}");
    let pinning = status.errors.iter().find(|e| e.section == Section::Pinning).unwrap();
    assert_eq!(pinning.kind, "invalid-input", "{pinning:?}");
    assert!(pinning.message.contains("is not online"), "{}", pinning.message);

    let json = serde_json::to_value(&status).unwrap();
    assert_eq!(json["schema_version"], 1);
    assert!(json["bays"].is_null() && json["pinning"].is_null());
    assert_eq!(json["ups"]["mains"]["source"], board::MAINS_SUPPLY);
    assert!(!status.render().is_empty());
}
