//! `/etc/helios64/upsd.toml`: when the box is on battery, when it shuts
//! down, what it runs on the way, and how the UPS is wired.
//!
//! The defaults are Kobol's: shut down after 10 minutes on battery or at
//! 7.0 V (916 mV at the ADC), whichever comes first, after a 5 s debounce
//! of the mains signal. `docs/runbooks/upsd.md` maps every key to its NUT
//! and apcupsd counterpart.

use std::time::Duration;

use helios64_hal::{PinName, UpsConfig, pins};
use helios64_service::{Config, Invalid, KeyPath};
use serde::{Deserialize, Serialize};

/// How the battery voltage samples are combined.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FilterKind {
    /// The median of the window: one wild sample moves nothing.
    Median,
    /// The mean of the window: smoother, but every sample counts.
    Mean,
}

/// How the UPS is wired: SARADC channels, dividers, the GPIO fallback.
/// Defaults are the Helios64's (see `helios64_hal::UpsConfig`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hardware {
    /// SARADC channel of the battery divider.
    pub battery_channel: u32,
    /// Pack volts per ADC volt (332k + 50k over 50k: 7.64).
    pub battery_divider: f64,
    /// An ADC reading at or below this (mV at the pin) means no battery
    /// (Kobol measured 114 mV without one).
    pub no_battery_max_adc_mv: f64,
    /// SARADC channel of the DC-in divider; -1 when not wired.
    pub dc_in_channel: i64,
    /// DC-in volts per ADC volt (73.2k + 9k over 9k: 9.13).
    pub dc_in_divider: f64,
    /// The AC-present line, used when there is no Mains power_supply.
    pub ac_present_pin: String,
    /// Whether AC-present is active-low.
    pub ac_present_active_low: bool,
    /// The charge-status line of the GPIO fallback.
    pub charging_pin: String,
    /// Whether charge-status is active-low (the BQ24133's STAT pulls low).
    pub charging_active_low: bool,
}

impl Default for Hardware {
    fn default() -> Self {
        let hal = UpsConfig::default();
        Hardware {
            battery_channel: hal.battery_channel,
            battery_divider: hal.battery_divider,
            no_battery_max_adc_mv: hal.no_battery_max_adc_millivolts,
            dc_in_channel: hal.dc_in_channel.map_or(-1, i64::from),
            dc_in_divider: hal.dc_in_divider,
            ac_present_pin: pins::AC_PRESENT.to_string(),
            ac_present_active_low: hal.ac_present_active_low,
            charging_pin: pins::CHARGE_STATUS.to_string(),
            charging_active_low: hal.charging_active_low,
        }
    }
}

/// The whole `upsd.toml`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpsdConfig {
    /// Milliseconds between readings while on mains: the backstop behind
    /// the udev events, and the battery health sample.
    pub poll_interval_ms: u64,
    /// Milliseconds between readings while mains is off (debouncing or on
    /// battery) and during a shutdown.
    pub on_battery_poll_interval_ms: u64,
    /// Mains must read off this long before the box counts as on battery
    /// (apcupsd ONBATTERYDELAY); a shorter flicker does nothing.
    pub on_battery_delay_secs: u64,
    /// Shut down after this long on battery, counted from the first reading
    /// of mains off (apcupsd TIMEOUT). 0 disables.
    pub max_on_battery_secs: u64,
    /// Shut down when the filtered pack voltage is at or below this many
    /// millivolts for `low_samples` samples in a row, on battery. 0
    /// disables. On mains a low pack is a battery fault, never a shutdown.
    pub low_voltage_mv: u32,
    /// Consecutive filtered samples at or below `low_voltage_mv` that make
    /// a low battery; also how many failed battery readings in a row make
    /// the voltage "unreadable".
    pub low_samples: u32,
    /// On battery with the voltage unreadable (errors, no SARADC, an ADC
    /// that claims there is no battery), shut down this long after mains
    /// went off, even with `max_on_battery_secs` disabled. Cannot be
    /// disabled: it is the rule for flying blind.
    pub battery_unreadable_limit_secs: u64,
    /// How samples are combined.
    pub filter: FilterKind,
    /// How many samples the filter holds.
    pub filter_window: usize,
    /// Send ONBATT, ONLINE, LOWBATT and SHUTDOWN messages to every
    /// terminal with `wall`.
    pub wall: bool,
    /// A program (and its first arguments) run for every event, with the
    /// NUT event name and the message appended and `NOTIFYTYPE` set (NUT's
    /// NOTIFYCMD). Empty: none.
    pub notify_command: Vec<String>,
    /// Seconds a notify command may take before it is killed.
    pub notify_timeout_secs: u64,
    /// A program run once a shutdown is decided, before the power-off (stop
    /// VMs, export a pool). Empty: none.
    pub pre_shutdown_command: Vec<String>,
    /// Seconds it may take before it is killed; the power-off follows
    /// either way.
    pub pre_shutdown_timeout_secs: u64,
    /// What powers the box off. Empty (the default): logind's `PowerOff`
    /// over D-Bus, then `systemctl poweroff` if that fails. Tests point it
    /// at a recorder.
    pub shutdown_command: Vec<String>,
    /// The state file is rewritten on every change and at least this often
    /// (seconds).
    pub state_every_secs: u64,
    /// The wiring.
    pub hardware: Hardware,
}

impl Default for UpsdConfig {
    fn default() -> Self {
        UpsdConfig {
            poll_interval_ms: 5000,
            on_battery_poll_interval_ms: 1000,
            on_battery_delay_secs: 5,
            max_on_battery_secs: 600,
            low_voltage_mv: 7000,
            low_samples: 5,
            battery_unreadable_limit_secs: 600,
            filter: FilterKind::Median,
            filter_window: 5,
            wall: true,
            notify_command: Vec::new(),
            notify_timeout_secs: 10,
            pre_shutdown_command: Vec::new(),
            pre_shutdown_timeout_secs: 120,
            shutdown_command: Vec::new(),
            state_every_secs: 60,
            hardware: Hardware::default(),
        }
    }
}

/// The durations and thresholds the policy runs on, from a validated
/// [`UpsdConfig`].
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyConfig {
    /// The debounce of mains off.
    pub on_battery_delay: Duration,
    /// The on-battery time limit; `None`: disabled.
    pub max_on_battery: Option<Duration>,
    /// The low-voltage threshold in mV; `None`: disabled.
    pub low_voltage_mv: Option<u32>,
    /// Samples in a row for a low battery or an unreadable voltage.
    pub low_samples: u32,
    /// The limit for flying blind on battery.
    pub battery_unreadable_limit: Duration,
    /// The filter.
    pub filter: FilterKind,
    /// Its window.
    pub filter_window: usize,
}

impl UpsdConfig {
    /// What the policy needs.
    pub fn policy(&self) -> PolicyConfig {
        PolicyConfig {
            on_battery_delay: Duration::from_secs(self.on_battery_delay_secs),
            max_on_battery: (self.max_on_battery_secs > 0)
                .then(|| Duration::from_secs(self.max_on_battery_secs)),
            low_voltage_mv: (self.low_voltage_mv > 0).then_some(self.low_voltage_mv),
            low_samples: self.low_samples.max(1),
            battery_unreadable_limit: Duration::from_secs(self.battery_unreadable_limit_secs),
            filter: self.filter,
            filter_window: self.filter_window.max(1),
        }
    }

    /// The hal's view of the wiring.
    pub fn ups_config(&self) -> UpsConfig {
        let h = &self.hardware;
        UpsConfig {
            battery_channel: h.battery_channel,
            battery_divider: h.battery_divider,
            dc_in_channel: u32::try_from(h.dc_in_channel).ok(),
            dc_in_divider: h.dc_in_divider,
            no_battery_max_adc_millivolts: h.no_battery_max_adc_mv,
            low_battery_millivolts: self.low_voltage_mv,
            ac_present_pin: h.ac_present_pin.clone(),
            ac_present_active_low: h.ac_present_active_low,
            charging_pin: h.charging_pin.clone(),
            charging_active_low: h.charging_active_low,
        }
    }

    /// The poll interval for the state: fast while mains is off.
    pub fn interval(&self, mains_off: bool) -> Duration {
        Duration::from_millis(if mains_off {
            self.on_battery_poll_interval_ms
        } else {
            self.poll_interval_ms
        })
    }
}

fn check_command(at: KeyPath, argv: &[String]) -> Result<(), Invalid> {
    let Some(program) = argv.first() else { return Ok(()) };
    if !program.starts_with('/') {
        return Err(Invalid::new(
            at.index(0),
            format!(
                "{program:?} is not an absolute path (commands run with no shell and a fixed PATH)"
            ),
        ));
    }
    if let Some(i) = argv.iter().position(|a| a.contains('\0')) {
        return Err(Invalid::new(at.index(i), "contains a NUL byte"));
    }
    Ok(())
}

fn range<T: PartialOrd + std::fmt::Display>(
    key: &str,
    value: T,
    lo: T,
    hi: T,
    unit: &str,
) -> Result<(), Invalid> {
    if value < lo || value > hi {
        return Err(Invalid::new(
            KeyPath::root().key(key),
            format!("{value} is outside {lo}..={hi}{unit}"),
        ));
    }
    Ok(())
}

impl Config for UpsdConfig {
    fn validate(&self) -> Result<(), Invalid> {
        range("poll_interval_ms", self.poll_interval_ms, 100, 60_000, " ms")?;
        range("on_battery_poll_interval_ms", self.on_battery_poll_interval_ms, 100, 10_000, " ms")?;
        if self.on_battery_poll_interval_ms > self.poll_interval_ms {
            return Err(Invalid::at(
                "on_battery_poll_interval_ms",
                format!(
                    "{} ms is slower than poll_interval_ms {} ms: readings on battery must not be rarer",
                    self.on_battery_poll_interval_ms, self.poll_interval_ms
                ),
            ));
        }
        range("on_battery_delay_secs", self.on_battery_delay_secs, 0, 300, " s")?;
        range("max_on_battery_secs", self.max_on_battery_secs, 0, 86_400, " s (0 disables)")?;
        if self.low_voltage_mv != 0 {
            range(
                "low_voltage_mv",
                self.low_voltage_mv,
                5000,
                8400,
                " mV for a 2S pack (0 disables)",
            )?;
        }
        if self.max_on_battery_secs == 0 && self.low_voltage_mv == 0 {
            return Err(Invalid::at(
                "max_on_battery_secs",
                "0 together with low_voltage_mv = 0: nothing would ever shut the box down",
            ));
        }
        range("low_samples", self.low_samples, 1, 100, "")?;
        range(
            "battery_unreadable_limit_secs",
            self.battery_unreadable_limit_secs,
            1,
            86_400,
            " s (it cannot be disabled)",
        )?;
        range("filter_window", self.filter_window, 1, 100, " samples")?;
        range("notify_timeout_secs", self.notify_timeout_secs, 1, 600, " s")?;
        range("pre_shutdown_timeout_secs", self.pre_shutdown_timeout_secs, 1, 3600, " s")?;
        range("state_every_secs", self.state_every_secs, 1, 3600, " s")?;
        check_command(KeyPath::root().key("notify_command"), &self.notify_command)?;
        check_command(KeyPath::root().key("pre_shutdown_command"), &self.pre_shutdown_command)?;
        check_command(KeyPath::root().key("shutdown_command"), &self.shutdown_command)?;
        let hw = KeyPath::root().key("hardware");
        let h = &self.hardware;
        for (key, value) in
            [("battery_divider", h.battery_divider), ("dc_in_divider", h.dc_in_divider)]
        {
            if !(value.is_finite() && value > 0.0 && value <= 100.0) {
                return Err(Invalid::new(
                    hw.clone().key(key),
                    format!("{value} is not in (0, 100]"),
                ));
            }
        }
        if !(h.no_battery_max_adc_mv.is_finite()
            && (0.0..1800.0).contains(&h.no_battery_max_adc_mv))
        {
            return Err(Invalid::new(
                hw.key("no_battery_max_adc_mv"),
                format!("{} is not in 0..1800 mV (the ADC's range)", h.no_battery_max_adc_mv),
            ));
        }
        if h.battery_channel > 5 {
            return Err(Invalid::new(hw.key("battery_channel"), "the SARADC has channels 0..=5"));
        }
        if !(-1..=5).contains(&h.dc_in_channel) {
            return Err(Invalid::new(
                hw.key("dc_in_channel"),
                "the SARADC has channels 0..=5 (-1: not wired)",
            ));
        }
        for (key, pin) in [("ac_present_pin", &h.ac_present_pin), ("charging_pin", &h.charging_pin)]
        {
            if let Err(e) = pin.parse::<PinName>() {
                return Err(Invalid::new(hw.clone().key(key), e));
            }
        }
        Ok(())
    }
}
