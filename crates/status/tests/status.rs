//! `BoxStatus` on both fixture boards: the JSON document and the table are
//! compared with committed golden files, and a broken node degrades only
//! its own section.
//!
//! After an intended change, regenerate the golden files with
//! `HELIOS64_BLESS=1 cargo test -p helios64-status` and review the diff.

#![allow(clippy::disallowed_methods, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fs;
use std::path::{Path, PathBuf};

use helios64_hal::testing::{Fixture, copy_fixture};
use helios64_hal::{Root, Variant};
use helios64_status::{BoxStatus, SCHEMA_VERSION, Section};

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

/// Replaces the machine-specific fixture location so golden files are the
/// same on every checkout.
fn normalise(text: &str, root: &Root) -> String {
    text.replace(&root.base().display().to_string(), "<root>")
}

fn check_golden(name: &str, actual: &str) {
    let path = golden_dir().join(name);
    if std::env::var_os("HELIOS64_BLESS").is_some() {
        fs::create_dir_all(golden_dir()).unwrap();
        fs::write(&path, actual).unwrap();
        return;
    }
    let expected = fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!("golden file {} unreadable ({e}); run with HELIOS64_BLESS=1", path.display())
    });
    if expected != actual {
        let first = expected
            .lines()
            .zip(actual.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(expected.lines().count().min(actual.lines().count()));
        panic!(
            "{} differs from the output at line {}:\n  golden: {:?}\n  actual: {:?}\n\
             (HELIOS64_BLESS=1 regenerates it after an intended change)",
            path.display(),
            first + 1,
            expected.lines().nth(first),
            actual.lines().nth(first)
        );
    }
}

#[test]
fn json_and_table_match_the_golden_files_on_both_boards() {
    for fixture in Fixture::ALL {
        let root = fixture.root();
        let status = BoxStatus::collect(&root);
        let json = serde_json::to_string_pretty(&status).unwrap() + "\n";
        check_golden(&format!("{}.json", fixture.dir_name()), &normalise(&json, &root));
        check_golden(&format!("{}.txt", fixture.dir_name()), &normalise(&status.render(), &root));
    }
}

#[test]
fn armbian_board_reads_completely() {
    let status = BoxStatus::collect(&Fixture::Armbian.root());
    assert!(status.errors.is_empty(), "{:#?}", status.errors);
    assert!(!status.has_missing_components());
    assert_eq!(status.schema_version, SCHEMA_VERSION);
    assert_eq!(status.board.as_ref().unwrap().variant, Variant::Armbian);
    let bays = status.bays.as_ref().unwrap();
    assert_eq!(bays.iter().map(|b| b.bay.bay).collect::<Vec<_>>(), [1, 2, 3, 4, 5]);
    // Bay 3's disk enumerated first: sdX letters are not bay order.
    assert_eq!(bays[2].bay.disk.as_ref().unwrap().block_device.as_deref(), Some("sda"));
    assert!(bays.iter().all(|b| b.temp_millicelsius.is_some() && b.error_led_lit == Some(false)));
    let nics = status.network.as_ref().unwrap();
    assert_eq!(nics.len(), 2);
    // No kernel behind a fixture tree: advertised modes are not invented.
    assert!(nics.iter().all(|n| n.advertised.is_none()));
    let pinning = status.pinning.as_ref().unwrap();
    assert!(pinning.irqs.iter().all(|i| i.as_planned), "Armbian applies its own plan");
}

#[test]
fn mainline_board_reports_what_it_cannot_read_and_nothing_else() {
    let root = Fixture::Mainline.root();
    let status = BoxStatus::collect(&root);
    assert_eq!(status.board.as_ref().unwrap().variant, Variant::Mainline);
    // Without gpio-charger the UPS reads the AC-present GPIO through the
    // character device, which a fixture tree cannot have.
    let sections: Vec<Section> = status.errors.iter().map(|e| e.section).collect();
    assert_eq!(sections, [Section::Ups], "{:#?}", status.errors);
    let error = &status.errors[0];
    assert_eq!(error.kind, "not-found");
    assert_eq!(error.path.as_deref(), Some(Path::new("/dev/gpiochip0")));
    assert!(status.ups.is_none());
    // Everything else is still there.
    assert!(status.thermal.is_some() && status.fans.is_some() && status.bays.is_some());
    let empty = &status.bays.as_ref().unwrap()[3];
    assert!(empty.bay.disk.is_none() && empty.error_led_lit.is_none());
}

#[test]
fn a_malformed_node_degrades_only_its_section_and_names_the_path() {
    let (_guard, root) = copy_fixture(Fixture::Armbian);
    let fan = root.sys().join("devices/platform/p6-fan/hwmon");
    let hwmon = fs::read_dir(&fan).unwrap().next().unwrap().unwrap().path();
    fs::write(hwmon.join("pwm1"), "fast\n").unwrap();
    fs::write(root.class("thermal").join("thermal_zone0/temp"), "").unwrap();

    let status = BoxStatus::collect(&root);
    let by_section = |s: Section| status.errors.iter().find(|e| e.section == s).unwrap();
    let fans = by_section(Section::Fans);
    assert_eq!(fans.kind, "malformed");
    let on_box = root.on_box(&hwmon.join("pwm1"));
    assert_eq!(fans.path.as_deref(), Some(on_box.as_path()));
    assert!(fans.message.contains("\"fast\""), "{}", fans.message);
    assert_eq!(by_section(Section::Thermal).kind, "malformed");
    assert_eq!(status.errors.len(), 2, "{:#?}", status.errors);
    assert!(status.fans.is_none() && status.thermal.is_none());
    assert!(status.bays.is_some() && status.leds.is_some() && status.ups.is_some());
    let table = status.render();
    assert!(table.contains("cannot read fans: malformed value \"fast\""), "{table}");
}

#[test]
fn a_missing_tree_is_reported_not_panicked() {
    let dir = std::env::temp_dir().join("helios64-status-no-such-root");
    let status = BoxStatus::collect(&Root::new(&dir));
    assert_eq!(status.board.as_ref().unwrap().variant, Variant::NoDeviceTree);
    assert!(!status.errors.is_empty());
    assert!(status.errors.iter().all(|e| !e.message.is_empty()));
}
