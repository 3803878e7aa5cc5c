//! `health.toml`: the shipped example is the defaults, and bad files name
//! file:line:column and the key.

#![allow(clippy::disallowed_methods, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fs;

use helios64_health::{HealthConfig, Level};
use helios64_service::ConfigSource;

fn load(text: &str) -> Result<HealthConfig, String> {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("health.toml");
    fs::write(&file, text).unwrap();
    ConfigSource::new("health")
        .with_file(&file)
        .load::<HealthConfig>()
        .map(|l| l.into_config())
        .map_err(|e| e.to_string().replace(&file.display().to_string(), "health.toml"))
}

#[test]
fn every_bad_file_names_the_place_and_the_key() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "a misspelt key",
            "[thresholds]\nscrub_warn_day = 5\n",
            "health.toml:2:1: thresholds.scrub_warn_day: unknown key",
        ),
        (
            "a level that is not one",
            "[thresholds]\nsmart_failing = \"fatal\"\n",
            "health.toml:2:17: thresholds.smart_failing: unknown variant `fatal`",
        ),
        (
            "warn above crit",
            "[thresholds]\nscrub_warn_days = 100\n",
            "health.toml:2:1: thresholds.scrub_warn_days: is above scrub_crit_days",
        ),
        (
            "capacity past 100",
            "[thresholds]\ncapacity_crit_percent = 101\n",
            "thresholds.capacity_warn_percent: must be at most capacity_crit_percent, which must be at most 100",
        ),
        (
            "a hot threshold below warm",
            "[thresholds]\ndisk_temp_crit_celsius = 40.0\n",
            "thresholds.disk_temp_warn_celsius: is above disk_temp_crit_celsius",
        ),
        (
            "a bad pool name",
            "expected_pools = [\"tank/data\"]\n",
            "health.toml:1:18: expected_pools[0]: invalid pool name \"tank/data\"",
        ),
        (
            "an unknown pinning mode",
            "pinning = \"sometimes\"\n",
            "health.toml:1:11: pinning: unknown variant `sometimes`",
        ),
        (
            "a zero timeout",
            "[smart]\ntimeout_seconds = 0\n",
            "smart.timeout_seconds: must be at least 1",
        ),
        ("an unknown table", "[alerts]\nx = 1\n", "health.toml:1:2: alerts: unknown key"),
    ];
    let mut wrong = Vec::new();
    for (what, text, expected) in cases {
        match load(text) {
            Ok(_) => wrong.push(format!("{what}: accepted")),
            Err(e) if !e.contains(expected) => {
                wrong.push(format!("{what}:\n  got      {e}\n  expected {expected}"))
            }
            Err(_) => {}
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn a_partial_file_keeps_the_other_defaults() {
    let c = load("expected_pools = [\"tank\"]\n[thresholds]\nscrub_warn_days = 14\n").unwrap();
    assert_eq!(c.thresholds.scrub_warn_days, 14);
    assert_eq!(c.thresholds.scrub_crit_days, 90);
    assert_eq!(c.thresholds.smart_failing, Level::Critical);
    assert_eq!(c.expected_pools, ["tank"]);
    assert!(c.leds.enabled);
}

/// dist/config/health.toml shows every key with its default: uncommented,
/// it is exactly the compiled-in configuration.
#[test]
fn the_shipped_example_is_the_defaults_with_every_key() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../dist/config/health.toml");
    let text = fs::read_to_string(&path).unwrap();
    // The optional key is shown with an example value, not a default.
    let uncommented = helios64_service::config::example_settings(&text, &["sata_controller"]);
    assert!(text.contains("# sata_controller = "), "the optional key is shown too");
    let parsed: HealthConfig =
        toml::from_str(&uncommented).unwrap_or_else(|e| panic!("{e}\n{uncommented}"));
    assert_eq!(parsed, HealthConfig::default());
    // Every key is there: the serialized defaults have no key the example
    // lacks.
    let defaults = toml::to_string(&HealthConfig::default()).unwrap();
    for line in defaults.lines().filter(|l| l.contains(" = ")) {
        let key = line.split(" = ").next().unwrap();
        assert!(
            uncommented.lines().any(|l| l.starts_with(&format!("{key} = "))),
            "{key} missing from the example"
        );
    }
}
