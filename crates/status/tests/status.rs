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
    helios64_hal::testing::check_golden(&golden_dir(), name, actual);
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
    assert_eq!((error.kind.as_str(), error.item.as_deref()), ("not-found", Some("mains")));
    assert_eq!(error.path.as_deref(), Some(Path::new("/dev/gpiochip0")));
    // Only mains is lost: the battery and DC input are still read.
    let ups = status.ups.as_ref().unwrap();
    assert!(ups.mains.is_none() && ups.dc_in_millivolts.is_some());
    // Everything else is still there.
    assert!(status.thermal.is_some() && status.fans.is_some() && status.bays.is_some());
    let empty = &status.bays.as_ref().unwrap()[3];
    assert!(empty.bay.disk.is_none() && empty.error_led_lit.is_none());
}

/// A broken copy of the Armbian tree, and what must be true of the status
/// read from it.
struct Broken {
    name: &'static str,
    /// Breaks the copy under `root`.
    breaks: fn(&Root),
    /// (section, item) of every read error expected, in order.
    errors: &'static [(Section, Option<&'static str>)],
    /// A fragment of each problem message expected, in order.
    problems: &'static [&'static str],
    /// Checks on what is still there.
    check: fn(&BoxStatus),
}

fn resolved(root: &Root, class: &str, entry: &str) -> PathBuf {
    root.resolve(&root.class(class).join(entry)).unwrap()
}

fn temps(s: &BoxStatus) -> Vec<Option<i64>> {
    s.bays.as_ref().unwrap().iter().map(|b| b.temp_millicelsius).collect()
}

const BROKEN: &[Broken] = &[
    Broken {
        name: "one disk's drivetemp value",
        breaks: |root| {
            fs::write(resolved(root, "hwmon", "hwmon12").join("temp1_input"), "warm\n").unwrap()
        },
        errors: &[(Section::Bays, Some("bay 3 temperature"))],
        problems: &[],
        check: |s| {
            assert_eq!(temps(s), [Some(34000), Some(36000), None, Some(37000), Some(41000)]);
            let bay3 = &s.bays.as_ref().unwrap()[2];
            assert_eq!(bay3.bay.disk.as_ref().unwrap().serial.as_deref(), Some("ZGY0AB03"));
            assert!(s.render().contains("ZGY0AB03         4.0 TB  unreadable"), "{}", s.render());
        },
    },
    Broken {
        name: "the lm75's hwmon folder (a dangling class entry)",
        breaks: |root| {
            let lm75 = resolved(root, "hwmon", "hwmon5");
            fs::remove_dir_all(lm75.parent().unwrap()).unwrap();
        },
        errors: &[],
        problems: &[],
        check: |s| {
            assert_eq!(temps(s).iter().filter(|t| t.is_some()).count(), 5, "disks unaffected");
            let thermal = s.thermal.as_ref().unwrap();
            assert!(thermal.board.is_none() && thermal.cpu.is_some() && thermal.gpu.is_some());
            let lm75 = s.inventory.as_ref().unwrap().missing_expected().next().unwrap().clone();
            assert!(lm75.component.contains("lm75"), "{lm75:?}");
            assert_eq!(
                lm75.location,
                Path::new("/sys/devices/platform/ff120000.i2c/i2c-2/2-004c/hwmon"),
                "where it was really looked for, not the I2C bus"
            );
        },
    },
    Broken {
        name: "the CPU zone's temperature",
        breaks: |root| {
            fs::write(resolved(root, "thermal", "thermal_zone0").join("temp"), "").unwrap()
        },
        errors: &[(Section::Thermal, Some("thermal zone cpu-thermal"))],
        problems: &[],
        check: |s| {
            let t = s.thermal.as_ref().unwrap();
            assert!(t.cpu.is_none() && t.gpu.is_some() && t.board.is_some());
            assert!(s.render().contains("CPU     unreadable (see problems)"), "{}", s.render());
        },
    },
    Broken {
        name: "fan P6's pwm1",
        breaks: |root| {
            let hwmon = fs::read_dir(root.sys().join("devices/platform/p6-fan/hwmon"))
                .unwrap()
                .next()
                .unwrap()
                .unwrap()
                .path();
            fs::write(hwmon.join("pwm1"), "fast\n").unwrap();
        },
        errors: &[(Section::Fans, Some("fan P6"))],
        problems: &[],
        check: |s| {
            let fans = &s.fans.as_ref().unwrap().fans;
            assert_eq!(fans.iter().map(|f| f.dt_node.as_str()).collect::<Vec<_>>(), ["p7-fan"]);
            let e = s.errors.iter().find(|e| e.section == Section::Fans).unwrap();
            assert_eq!(e.kind, "malformed");
            assert!(e.message.contains("\"fast\""), "{}", e.message);
            assert!(e.path.as_ref().unwrap().ends_with("pwm1"));
            assert!(s.render().contains("cannot read fans (fan P6): malformed value \"fast\""));
        },
    },
    Broken {
        name: "the whole hwmon class",
        breaks: |root| fs::remove_dir_all(root.class("hwmon")).unwrap(),
        errors: &[],
        problems: &["/sys/class/hwmon does not exist"],
        check: |s| {
            // Everything is found through its own device, not the class.
            assert_eq!(temps(s).iter().filter(|t| t.is_some()).count(), 5);
            assert_eq!(s.fans.as_ref().unwrap().fans.len(), 2);
        },
    },
    Broken {
        name: "a disk without drivetemp",
        breaks: |root| {
            let hwmon = resolved(root, "hwmon", "hwmon8");
            fs::remove_dir_all(hwmon.parent().unwrap()).unwrap();
        },
        errors: &[],
        problems: &["bay 2: the disk has no drivetemp sensor"],
        check: |s| assert_eq!(temps(s)[1], None),
    },
    Broken {
        name: "no battery while the charger says charging",
        breaks: |root| {
            let adc = root.sys().join("devices/platform/ff100000.saradc/iio:device1");
            fs::write(adc.join("in_voltage2_raw"), "65\n").unwrap();
        },
        errors: &[],
        problems: &["gpio-charger reports charging, but the battery ADC reads 114 mV"],
        check: |s| {
            let ups = s.ups.as_ref().unwrap();
            assert!(matches!(ups.battery, helios64_hal::BatteryReading::Absent { .. }));
        },
    },
    Broken {
        name: "a DC input of 0 V on mains",
        breaks: |root| {
            let adc = root.sys().join("devices/platform/ff100000.saradc/iio:device1");
            fs::write(adc.join("in_voltage4_raw"), "0\n").unwrap();
        },
        errors: &[],
        problems: &["gpio-charger says mains is online, but the DC input reads 0.00 V"],
        check: |s| assert_eq!(s.ups.as_ref().unwrap().dc_in_millivolts, Some(0)),
    },
    Broken {
        name: "an unreadable battery channel",
        breaks: |root| {
            let adc = root.sys().join("devices/platform/ff100000.saradc/iio:device1");
            fs::remove_file(adc.join("in_voltage2_raw")).unwrap();
        },
        errors: &[(Section::Ups, Some("battery"))],
        problems: &[],
        check: |s| {
            let ups = s.ups.as_ref().unwrap();
            assert!(ups.mains.as_ref().unwrap().online, "mains still read");
            assert!(matches!(ups.battery, helios64_hal::BatteryReading::Unknown { .. }));
        },
    },
    Broken {
        name: "an oversized model attribute",
        breaks: |root| {
            let sdev = root.sys().join(
                "devices/platform/f8000000.pcie/pci0000:00/0000:00:00.0/0000:01:00.0/ata4/host3/target3:0:0/3:0:0:0",
            );
            fs::remove_file(sdev.join("vpd_pg89")).unwrap();
            fs::write(sdev.join("model"), vec![b'x'; 100 * 1024]).unwrap();
        },
        errors: &[(Section::Bays, Some("bay 4"))],
        problems: &[],
        check: |s| {
            let e = s.errors.iter().find(|e| e.section == Section::Bays).unwrap();
            assert_eq!(e.kind, "malformed");
            assert!(e.message.contains("holds more than 65536 bytes"), "{}", e.message);
            let bays: Vec<u8> = s.bays.as_ref().unwrap().iter().map(|b| b.bay.bay).collect();
            assert_eq!(bays, [1, 2, 3, 5], "only bay 4 is lost");
        },
    },
    Broken {
        name: "a truncated IPI line",
        breaks: |root| {
            let path = root.proc().join("interrupts");
            let text = fs::read_to_string(&path).unwrap();
            let cut = text.replace(
                "IPI0:     41233      38122      36654      35120      12300      11987  Rescheduling",
                "IPI0:     41233      38122  Rescheduling",
            );
            assert_ne!(cut, text, "the fixture line changed");
            fs::write(&path, cut).unwrap();
        },
        errors: &[(Section::Pinning, None)],
        problems: &[],
        check: |s| {
            let e = s.errors.iter().find(|e| e.section == Section::Pinning).unwrap();
            assert!(e.message.starts_with("malformed line 38 of "), "{}", e.message);
            assert!(e.path.as_deref() == Some(Path::new("/proc/interrupts")), "{e:?}");
        },
    },
];

#[test]
fn a_broken_item_costs_only_that_item_and_contradictions_are_problems() {
    for case in BROKEN {
        let (_guard, root) = copy_fixture(Fixture::Armbian);
        (case.breaks)(&root);
        let status = BoxStatus::collect(&root);
        let errors: Vec<(Section, Option<&str>)> =
            status.errors.iter().map(|e| (e.section, e.item.as_deref())).collect();
        assert_eq!(errors, case.errors, "{}: {:#?}", case.name, status.errors);
        assert_eq!(
            status.problems.len(),
            case.problems.len(),
            "{}: {:#?}",
            case.name,
            status.problems
        );
        for (p, expected) in status.problems.iter().zip(case.problems) {
            assert!(p.message.contains(expected), "{}: {p:?}", case.name);
        }
        // Nothing else is lost: every section is still there.
        for (section, present) in [
            ("thermal", status.thermal.is_some()),
            ("fans", status.fans.is_some()),
            ("leds", status.leds.is_some()),
            ("bays", status.bays.is_some()),
            ("network", status.network.is_some()),
            ("ups", status.ups.is_some()),
        ] {
            assert!(present, "{}: section {section} lost", case.name);
        }
        (case.check)(&status);
        // The exit code: 1 for every broken tree (the CLI maps is_healthy).
        assert!(!status.is_healthy(), "{}: reported healthy", case.name);
        let table = status.render();
        assert!(!table.contains("No problems found"), "{}: {table}", case.name);
    }
    assert!(BoxStatus::collect(&Fixture::Armbian.root()).is_healthy(), "the pristine tree is");
}

#[test]
fn a_missing_tree_is_reported_not_panicked() {
    let dir = std::env::temp_dir().join("helios64-status-no-such-root");
    let status = BoxStatus::collect(&Root::new(&dir));
    assert_eq!(status.board.as_ref().unwrap().variant, Variant::NoDeviceTree);
    assert!(!status.errors.is_empty());
    assert!(status.errors.iter().all(|e| !e.message.is_empty()));
}
