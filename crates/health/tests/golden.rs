//! `Health` on both fixture boards with their SMART and pool fixtures:
//! the JSON document and the table are compared with committed golden
//! files. Regenerate after an intended change with
//! `HELIOS64_BLESS=1 cargo test -p helios64-health --test golden` and
//! review the diff.

#![allow(clippy::disallowed_methods, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::path::Path;

use helios64_hal::testing::{Fixture, check_golden};
use helios64_health::{HealthConfig, Level, ReasonCode, assess, write_table};

/// Compares with the golden file, the fixture's location on this checkout
/// replaced by `<root>`.
fn golden(fixture: Fixture, name: &str, text: &str) {
    let text = text.replace(&fixture.root().base().display().to_string(), "<root>");
    check_golden(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden"), name, &text);
}

#[test]
fn both_boards_match_their_golden_json_and_table() {
    for fixture in Fixture::ALL {
        let health = assess(&support::inputs(fixture), &HealthConfig::default(), support::now());
        let json = serde_json::to_string_pretty(&health).unwrap() + "\n";
        golden(fixture, &format!("{}.json", fixture.dir_name()), &json);
        let mut table = Vec::new();
        write_table(&mut table, &health).unwrap();
        golden(fixture, &format!("{}.txt", fixture.dir_name()), &String::from_utf8(table).unwrap());
    }
}

#[test]
fn armbian_joins_each_finding_to_its_bay_disk_and_vdev() {
    let health =
        assess(&support::inputs(Fixture::Armbian), &HealthConfig::default(), support::now());
    assert_eq!(health.verdict, Level::Critical, "{}", health.summary);
    // Bay 3 holds sda, whose SMART fails: critical, and its vdev is named.
    let bay3 = &health.bays[2];
    let disk = bay3.disk.as_ref().unwrap();
    assert_eq!(disk.device.as_deref(), Some("sda"));
    assert_eq!(disk.smart.as_ref().unwrap().verdict, "failing");
    assert_eq!(bay3.level, Level::Critical);
    assert_eq!(disk.vdevs.len(), 1);
    assert_eq!(disk.vdevs[0].pool, "tank");
    // The vdev as zpool status names it; the pool's view keeps the path.
    assert_eq!(disk.vdevs[0].vdev, "ata-ST4000VN008-2DR166_ZGY0AB03");
    let leaf = health.pools[0].vdevs.iter().find(|v| v.bay == Some(3)).unwrap();
    assert_eq!(leaf.path.as_deref(), Some("/dev/disk/by-id/ata-ST4000VN008-2DR166_ZGY0AB03-part1"));
    // Bay 2 (sde) has the vdev with checksum errors: a warning on bay 2.
    let r = health.reasons.iter().find(|r| r.code == ReasonCode::VdevErrors).unwrap();
    assert_eq!((r.subject.bay, r.subject.device.as_deref()), (Some(2), Some("sde")));
    assert_eq!(health.bays[1].level, Level::Warning);
    assert_eq!(health.bays[1].disk.as_ref().unwrap().vdevs[0].checksum_errors, 2);
    // Bay 5 sleeps: standby, no reason, no last known values.
    let bay5 = health.bays[4].disk.as_ref().unwrap();
    assert_eq!(bay5.smart.as_ref().unwrap().verdict, "standby");
    assert_eq!(health.bays[4].level, Level::Ok);
    // Every leaf of the raidz is placed in its bay.
    let placed: Vec<_> = health.pools[0].vdevs.iter().filter_map(|v| v.bay).collect();
    assert_eq!(placed, [1, 2, 3, 4, 5]);
    assert!(
        health.summary.starts_with("HELIOS64 CRITICAL - bay 3 (sda): SMART failing"),
        "{}",
        health.summary
    );
}

#[test]
fn mainline_resolves_by_path_by_partuuid_and_kernel_names() {
    let health =
        assess(&support::inputs(Fixture::Mainline), &HealthConfig::default(), support::now());
    let pool = &health.pools[0];
    let place = |path: &str| {
        pool.vdevs
            .iter()
            .find(|v| v.path.as_deref().is_some_and(|p| p.contains(path)))
            .map(|v| (v.bay, v.device.clone()))
    };
    assert_eq!(place("by-path"), Some((Some(2), Some("sda".into()))));
    assert_eq!(place("by-partuuid"), Some((Some(3), Some("sdc".into()))));
    assert_eq!(place("/dev/sdb1"), Some((Some(1), Some("sdb".into()))));
    assert_eq!(pool.vdevs.iter().find(|v| v.class == "log").map(|v| v.bay), Some(Some(1)));
    // Bay 4 is empty, bay 5's disk is in no pool.
    assert!(health.bays[3].disk.is_none());
    assert!(health.bays[4].disk.as_ref().unwrap().vdevs.is_empty());
    // Scrubbed 50 days ago: a warning (35 days by default). And the UPS's
    // mains state cannot be read: this DT has no gpio-charger, so mains is
    // read from the GPIO character device, which a fixture tree cannot
    // hold. Unreadable is unknown, never "fine".
    let codes: Vec<_> = health.reasons.iter().map(|r| (r.level, r.code)).collect();
    assert_eq!(
        codes,
        [(Level::Unknown, ReasonCode::CollectorFailed), (Level::Warning, ReasonCode::ScrubOverdue)],
        "{:#?}",
        health.reasons
    );
    assert_eq!(health.verdict, Level::Unknown, "{}", health.summary);
}
