//! Bad `upsd.toml` files: each names file:line:column and the key.

#![allow(clippy::disallowed_methods, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fs;

use helios64_service::ConfigSource;
use helios64_ups::{FilterKind, UpsdConfig};

fn load(text: &str) -> Result<UpsdConfig, String> {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("upsd.toml");
    fs::write(&file, text).unwrap();
    ConfigSource::new("upsd")
        .with_file(&file)
        .load::<UpsdConfig>()
        .map(|l| l.into_config())
        .map_err(|e| e.to_string().replace(&file.display().to_string(), "upsd.toml"))
}

#[test]
fn every_bad_file_names_the_place_and_the_key() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "a misspelt key",
            "max_on_battery = 600\n",
            "upsd.toml:1:1: max_on_battery: unknown key `max_on_battery`, expected one of",
        ),
        (
            "a wrong type",
            "low_voltage_mv = \"7.0 V\"\n",
            "upsd.toml:1:18: low_voltage_mv: invalid type: string \"7.0 V\", expected u32",
        ),
        (
            "a negative time",
            "on_battery_delay_secs = -5\n",
            "upsd.toml:1:25: on_battery_delay_secs: invalid value",
        ),
        (
            "a threshold in volts",
            "low_voltage_mv = 7\n",
            "upsd.toml:1:1: low_voltage_mv: 7 is outside 5000..=8400 mV for a 2S pack (0 disables)",
        ),
        (
            "both rules off",
            "max_on_battery_secs = 0\nlow_voltage_mv = 0\n",
            "upsd.toml:1:1: max_on_battery_secs: 0 together with low_voltage_mv = 0: nothing would ever shut the box down",
        ),
        (
            "a blind limit of zero",
            "battery_unreadable_limit_secs = 0\n",
            "upsd.toml:1:1: battery_unreadable_limit_secs: 0 is outside 1..=86400 s (it cannot be disabled)",
        ),
        (
            "a busy poll",
            "poll_interval_ms = 10\n",
            "upsd.toml:1:1: poll_interval_ms: 10 is outside 100..=60000 ms",
        ),
        (
            "slower on battery",
            "poll_interval_ms = 1000\non_battery_poll_interval_ms = 5000\n",
            "upsd.toml:2:1: on_battery_poll_interval_ms: 5000 ms is slower than poll_interval_ms 1000 ms",
        ),
        (
            "an unknown filter",
            "filter = \"kalman\"\n",
            "upsd.toml:1:10: filter: unknown variant `kalman`, expected `median` or `mean`",
        ),
        (
            "a relative command",
            "pre_shutdown_command = [\"zpool\", \"export\", \"tank\"]\n",
            "upsd.toml:1:25: pre_shutdown_command[0]: \"zpool\" is not an absolute path",
        ),
        (
            "a command that is not a list",
            "shutdown_command = \"/sbin/poweroff\"\n",
            "upsd.toml:1:20: shutdown_command: invalid type: string \"/sbin/poweroff\", expected a sequence",
        ),
        (
            "a bad pin",
            "[hardware]\nac_present_pin = \"GPIO9_Z9\"\n",
            "upsd.toml:2:1: hardware.ac_present_pin:",
        ),
        (
            "a zero divider",
            "[hardware]\nbattery_divider = 0.0\n",
            "upsd.toml:2:1: hardware.battery_divider: 0 is not in (0, 100]",
        ),
        (
            "a channel the ADC lacks",
            "[hardware]\nbattery_channel = 9\n",
            "upsd.toml:2:1: hardware.battery_channel: the SARADC has channels 0..=5",
        ),
        (
            "an unknown hardware key",
            "[hardware]\nbattery_chanel = 2\n",
            "upsd.toml:2:1: hardware.battery_chanel: unknown key `battery_chanel`",
        ),
        (
            "a window of zero",
            "filter_window = 0\n",
            "upsd.toml:1:1: filter_window: 0 is outside 1..=100 samples",
        ),
    ];
    for (what, text, want) in cases {
        let got = load(text).expect_err(what);
        assert!(got.starts_with(want), "{what}:\n got: {got}\nwant: {want}");
    }
}

#[test]
fn defaults_are_kobols_and_a_partial_file_merges_over_them() {
    let c =
        load("max_on_battery_secs = 300\nfilter = \"mean\"\n[hardware]\nbattery_divider = 7.5\n")
            .unwrap();
    assert_eq!(c.max_on_battery_secs, 300);
    assert_eq!(c.filter, FilterKind::Mean);
    assert_eq!(c.hardware.battery_divider, 7.5);
    assert_eq!(c.low_voltage_mv, 7000);
    assert_eq!(c.on_battery_delay_secs, 5);
    let d = UpsdConfig::default();
    assert_eq!((d.max_on_battery_secs, d.low_voltage_mv), (600, 7000));
    let hal = d.ups_config();
    assert_eq!((hal.battery_channel, hal.dc_in_channel, hal.battery_divider), (2, Some(4), 7.64));
    let off = UpsdConfig {
        hardware: helios64_ups::Hardware { dc_in_channel: -1, ..d.hardware.clone() },
        ..d
    };
    assert_eq!(off.ups_config().dc_in_channel, None);
}
