//! Bad `fand.toml` files: each names file:line:column and the key.

#![allow(clippy::disallowed_methods, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fs;

use helios64_fan::FandConfig;
use helios64_service::ConfigSource;

fn load(text: &str) -> Result<FandConfig, String> {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("fand.toml");
    fs::write(&file, text).unwrap();
    ConfigSource::new("fand")
        .with_file(&file)
        .load::<FandConfig>()
        .map(|l| l.into_config())
        .map_err(|e| e.to_string().replace(&file.display().to_string(), "fand.toml"))
}

#[test]
fn every_bad_file_names_the_place_and_the_key() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "a misspelt key",
            "interval_sec = 5\n",
            "fand.toml:1:1: interval_sec: unknown key `interval_sec`, expected one of `interval_secs`",
        ),
        (
            "a wrong type",
            "interval_secs = \"ten\"\n",
            "fand.toml:1:17: interval_secs: invalid type",
        ),
        (
            "out of range",
            "interval_secs = 0\n",
            "fand.toml:1:1: interval_secs: must be 1..=3600 seconds",
        ),
        (
            "a negative pwm",
            "[fans.p6]\nmin_pwm = -1\n",
            "fand.toml:2:11: fans.p6.min_pwm: invalid value",
        ),
        (
            "min above max",
            "[fans.p7]\nmin_pwm = 200\nmax_pwm = 100\n",
            "fand.toml:2:1: fans.p7.min_pwm: 200 is above max_pwm 100",
        ),
        (
            "an unsorted curve",
            "[inputs.cpu]\nsensor = \"cpu\"\ncurve = [{ temp = 60, pwm = 100 }, { temp = 50, pwm = 200 }]\n",
            "fand.toml:3:38: inputs.cpu.curve[1].temp: 50 °C is not above the previous point's 60 °C",
        ),
        (
            "a curve that asks less when warmer",
            "[inputs.cpu]\nsensor = \"cpu\"\ncurve = [{ temp = 40, pwm = 200 }, { temp = 60, pwm = 100 }]\n",
            "fand.toml:3:49: inputs.cpu.curve[1].pwm: 100 is below the previous point's 200",
        ),
        (
            "an empty curve",
            "[inputs.cpu]\nsensor = \"cpu\"\ncurve = []\n",
            "fand.toml:3:1: inputs.cpu.curve: a curve needs at least one point",
        ),
        (
            "an unknown sensor",
            "[inputs.nvme]\nsensor = \"nvme0\"\ncurve = [{ temp = 40, pwm = 30 }]\n",
            "fand.toml:2:10: inputs.nvme.sensor: unknown sensor \"nvme0\"",
        ),
        (
            "bay 6",
            "[inputs.b6]\nsensor = \"bay6\"\ncurve = [{ temp = 40, pwm = 30 }]\n",
            "fand.toml:2:10: inputs.b6.sensor: unknown sensor \"bay6\"",
        ),
        (
            "a fan following an input that does not exist",
            "[fans.p6]\ninputs = [\"cpu\", \"nvme\"]\n",
            "fand.toml:2:18: fans.p6.inputs[1]: no input \"nvme\" (defined: board, cpu, disks)",
        ),
        (
            "a third fan",
            "[fans.p8]\nmin_pwm = 1\n",
            "fand.toml:1:7: fans.p8: unknown key `p8`, expected `p6` or `p7`",
        ),
        (
            "a key in a curve point",
            "[inputs.cpu]\nsensor = \"cpu\"\ncurve = [{ temp = 40, duty = 30 }]\n",
            "fand.toml:3:23: inputs.cpu.curve[0].duty: unknown key `duty`, expected `temp` or `pwm`",
        ),
        ("not TOML", "[fans\n", "fand.toml:1:6: "),
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
fn the_defaults_are_kobols_intent_with_the_disks_added() {
    let c = load("").unwrap();
    assert_eq!(c, FandConfig::default());
    assert_eq!(c.interval_secs, 10);
    let cpu = &c.inputs["cpu"].curve;
    assert_eq!((cpu[0].temp, cpu[0].pwm, cpu[1].temp, cpu[1].pwm), (40.0, 29, 80.0, 255));
    assert_eq!((c.fans.p6.min_pwm, c.fans.p6.start_pwm), (20, 60), "MINPWM 20, MINSTART 60");
    assert_eq!(c.fans.p6.inputs, ["cpu", "board", "disks"]);
    // A partial file keeps the rest; arrays are replaced whole.
    let c = load("[fans.p7]\ninputs = [\"disks\"]\n").unwrap();
    assert_eq!(c.fans.p7.inputs, ["disks"]);
    assert_eq!(c.fans.p6.inputs, ["cpu", "board", "disks"]);
}

/// dist/config/fand.toml shows every key with its default: uncommented, it
/// is exactly the compiled-in configuration (so the two cannot drift).
#[test]
fn the_shipped_example_is_the_defaults_with_every_key() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../dist/config/fand.toml");
    let text = fs::read_to_string(&path).unwrap();
    // The optional key is shown with an example value, not a default.
    let uncommented = helios64_service::config::example_settings(&text, &["sata_controller"]);
    let parsed: FandConfig =
        toml::from_str(&uncommented).unwrap_or_else(|e| panic!("{e}\n{uncommented}"));
    assert_eq!(parsed, FandConfig::default());
    assert!(text.contains("# sata_controller = "), "the optional key is shown too");
}
