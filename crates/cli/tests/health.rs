//! `helios64 health` on the fixture boards with their saved SMART and pool
//! outputs: the plugin summary line and exit codes, JSON, config errors,
//! and inputs that cannot be read.

#![allow(clippy::disallowed_methods, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

use helios64_hal::testing::{Fixture, fixtures_dir};

const NOW: &str = "1796000000";

fn health_dir(board: &str) -> PathBuf {
    fixtures_dir().join("health").join(board)
}

fn saved(board: &str) -> Vec<String> {
    let dir = health_dir(board);
    let mut args =
        vec!["--zpool-json".to_owned(), dir.join("zpool-status.json").display().to_string()];
    let mut smart: Vec<_> =
        std::fs::read_dir(dir.join("smart")).unwrap().map(|e| e.unwrap().path()).collect();
    smart.sort();
    for f in smart {
        args.push("--smartctl-json".into());
        args.push(f.display().to_string());
    }
    args
}

fn health(root: &Path, args: &[String]) -> (Option<i32>, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_helios64"))
        .args(["health", "--at", NOW, "--root"])
        .arg(root)
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn the_armbian_board_is_critical_and_says_why_first() {
    let (code, out, err) = health(&Fixture::Armbian.path(), &saved("armbian"));
    assert_eq!(code, Some(2), "{out}{err}");
    let first = out.lines().next().unwrap();
    assert!(first.starts_with("HELIOS64 CRITICAL - bay 3 (sda): SMART failing"), "{first}");
    assert!(first.ends_with("| critical=1 warning=1 unknown=0"), "{first}");

    let mut args = saved("armbian");
    args.push("--json".into());
    let (code, out, _) = health(&Fixture::Armbian.path(), &args);
    assert_eq!(code, Some(2));
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["schema"], "helios64.health/1");
    assert_eq!(doc["verdict"], "critical");
    assert_eq!(doc["bays"][1]["disk"]["vdevs"][0]["checksum_errors"], 2);
    assert_eq!(doc["pools"][0]["last_scrub_age_seconds"], 12 * 86_400);
}

#[test]
fn exit_codes_follow_the_plugin_convention() {
    // Mainline: the scrub is 50 days old (warning) and mains cannot be read
    // on a tree (unknown): 3.
    let (code, out, _) = health(&Fixture::Mainline.path(), &saved("mainline"));
    assert_eq!(code, Some(3), "{out}");
    assert!(out.starts_with("HELIOS64 UNKNOWN - "), "{out}");
    // Thresholds moved: scrub warning from 60 days, an unreadable source
    // only a warning: 1.
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("health.toml");
    std::fs::write(&config, "[thresholds]\nscrub_warn_days = 60\nscrub_crit_days = 90\ncollector_failed = \"warning\"\n").unwrap();
    let mut args = saved("mainline");
    args.extend(["--config".to_owned(), config.display().to_string()]);
    let (code, out, _) = health(&Fixture::Mainline.path(), &args);
    assert_eq!(code, Some(1), "{out}");
    // Without SMART or pools asked for, a fixture board is what the board
    // says, and the summary says what was not read.
    let (code, out, _) = health(&Fixture::Armbian.path(), &[]);
    assert_eq!(code, Some(0), "{out}");
    assert!(
        out.starts_with("HELIOS64 OK - 5 of 5 bays in use, ZFS not read, SMART not read |"),
        "{out}"
    );
}

#[test]
fn a_bad_config_is_78_with_its_place_and_check_config_prints_the_effective_one() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("health.toml");
    std::fs::write(&config, "[leds]\nfault_from = \"red\"\n").unwrap();
    let args = ["--config".to_owned(), config.display().to_string()];
    let (code, _, err) = health(&Fixture::Armbian.path(), &args);
    assert_eq!(code, Some(78));
    assert!(err.contains("health.toml:2:14: leds.fault_from: unknown variant `red`"), "{err}");
    std::fs::write(&config, "expected_pools = [\"tank\"]\n").unwrap();
    let (code, out, _) = health(
        &Fixture::Armbian.path(),
        &[args[0].clone(), args[1].clone(), "--check-config".into()],
    );
    assert_eq!(code, Some(0));
    assert!(
        out.contains("expected_pools = [\"tank\"]") && out.contains("scrub_warn_days = 35"),
        "{out}"
    );
}

#[test]
fn inputs_that_cannot_be_used_are_unknown_or_usage_errors() {
    // A file that does not exist: a usage error naming it.
    let (code, _, err) =
        health(&Fixture::Armbian.path(), &["--zpool-json".into(), "/nonexistent/z.json".into()]);
    assert_eq!(code, Some(64));
    assert!(err.contains("/nonexistent/z.json"), "{err}");
    // A truncated zpool output: the ZFS source failed, the rest still
    // answers, the verdict is unknown.
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("z.json");
    let text = std::fs::read_to_string(health_dir("armbian").join("zpool-status.json")).unwrap();
    std::fs::write(&broken, &text[..text.len() / 2]).unwrap();
    let (code, out, _) =
        health(&Fixture::Armbian.path(), &["--zpool-json".into(), broken.display().to_string()]);
    assert_eq!(code, Some(3), "{out}");
    assert!(out.starts_with("HELIOS64 UNKNOWN - zfs: could not be read: "), "{out}");
    assert!(out.contains("BAY"), "the bays are still shown: {out}");
    // SMART output that is not smartctl JSON: that disk's reason, the
    // source itself read.
    let junk = dir.path().join("s.json");
    std::fs::write(&junk, "smartctl 7.4 2023-08-01 r5530\n=== START OF INFORMATION SECTION ===\n")
        .unwrap();
    let (code, out, _) =
        health(&Fixture::Armbian.path(), &["--smartctl-json".into(), junk.display().to_string()]);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("smart_unreachable"), "{out}");
}
