//! The exposition: every family documented in docs/metrics.md and every
//! documented family emitted by some state of the box; promtool's lint
//! clean; the armbian fixture's exposition as a golden file.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::disallowed_methods)]

mod support;

use std::collections::BTreeSet;
use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};

use helios64_hal::testing::{Fixture, check_golden};
use helios64_health::{HealthConfig, assess};
use helios64_metrics::{Snapshot, encode};
use support::{emitted_names, now, readings, repo, rich, saved_inputs};

/// `name` of every `| \`name\` |` row of docs/metrics.md's tables.
fn documented() -> BTreeSet<String> {
    let text = std::fs::read_to_string(repo().join("docs/metrics.md")).unwrap();
    text.lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|l| l.split('`').next())
        .filter(|n| n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') && n.contains('_'))
        .map(str::to_owned)
        .collect()
}

#[test]
fn every_family_is_documented_and_every_documented_family_is_emitted() {
    let rich_names = emitted_names();
    let docs = documented();
    let undocumented: Vec<_> = rich_names.difference(&docs).collect();
    assert!(undocumented.is_empty(), "emitted but not in docs/metrics.md: {undocumented:?}");
    let never: Vec<_> = docs.difference(&rich_names).collect();
    assert!(never.is_empty(), "in docs/metrics.md but never emitted: {never:?}");
}

fn promtool(text: &str) -> (bool, String) {
    let mut child = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("promtool (Debian package prometheus) must be installed: scripts/deps.sh host");
    child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
    )
}

#[test]
fn promtool_finds_nothing_to_lint_in_any_state() {
    let (health, smart) = rich();
    let text = encode(&Snapshot { health: &health, smart: &smart, collectors: &[] }).unwrap();
    let (ok, out) = promtool(&text);
    assert!(ok && out.trim().is_empty(), "{out}");
    for (fixture, board) in [(Fixture::Armbian, "armbian"), (Fixture::Mainline, "mainline")] {
        let inputs = saved_inputs(fixture, board);
        let health = assess(&inputs, &HealthConfig::default(), now());
        let text =
            encode(&Snapshot { health: &health, smart: &readings(&inputs), collectors: &[] })
                .unwrap();
        let (ok, out) = promtool(&text);
        assert!(ok && out.trim().is_empty(), "{board}: {out}");
    }
    // And promtool does catch a lint: the check can fail.
    let (ok, out) = promtool("# HELP x_count a\n# TYPE x_count gauge\nx_count 1\n");
    assert!(!ok && out.contains("_count"), "{out}");
}

#[test]
fn both_boards_expositions_match_their_golden_files() {
    for (fixture, board) in [(Fixture::Armbian, "armbian"), (Fixture::Mainline, "mainline")] {
        let inputs = saved_inputs(fixture, board);
        let health = assess(&inputs, &HealthConfig::default(), now());
        let text =
            encode(&Snapshot { health: &health, smart: &readings(&inputs), collectors: &[] })
                .unwrap();
        // The fixture's location on this checkout appears in error messages.
        let text = text.replace(&fixture.root().base().display().to_string(), "<root>");
        check_golden(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden"),
            &format!("helios64-{board}.prom"),
            &text,
        );
    }
}

#[test]
fn the_join_and_compatible_names_carry_the_facts() {
    let inputs = saved_inputs(Fixture::Armbian, "armbian");
    let health = assess(&inputs, &HealthConfig::default(), now());
    let text =
        encode(&Snapshot { health: &health, smart: &readings(&inputs), collectors: &[] }).unwrap();
    for line in [
        "zfs_pool_health{pool=\"tank\"} 0",
        "zfs_vdev_checksum_errors{pool=\"tank\",vdev=\"ata-WDC_WD40EFRX-68N32N0_WD-WCC7K1AB0002\",bay=\"2\",device=\"sde\"} 2",
        "helios64_bay_status{bay=\"3\"} 2",
        "helios64_health_status 2",
        "smartctl_device_smart_status{device=\"sdc\"} 1",
        "helios64_smart_verdict{device=\"sda\",bay=\"3\"} 2",
        "helios64_smart_standby{device=\"sdd\"} 1",
        "smartctl_device_state{device=\"sdd\"} 1",
        "zfs_pool_scrub_last_completed_age_seconds{pool=\"tank\"} 1036800",
        "helios64_bay_vdev_info{bay=\"1\",device=\"sdc\",pool=\"tank\",vdev=\"ata-WDC_WD40EFRX-68N32N0_WD-WCC7K1AB0001\"} 1",
    ] {
        assert!(text.lines().any(|l| l == line), "missing {line}");
    }
    // smartctl_exporter's device label has no /dev/.
    assert!(!text.contains("device=\"/dev/"));
    // No sample carries a timestamp (node_exporter's textfile collector
    // refuses them): every sample line is `name{labels} value`.
    for l in text.lines().filter(|l| !l.starts_with('#')) {
        let value = l.rsplit(' ').next().unwrap();
        assert!(value.parse::<f64>().is_ok(), "{l}");
        let before = &l[..l.len() - value.len() - 1];
        assert!(before.ends_with('}') || !before.contains(' '), "a timestamp or stray field: {l}");
    }
}
