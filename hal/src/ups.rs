//! The battery UPS: mains presence, charge status, battery and DC-in
//! voltage.
//!
//! - **Mains** comes from a power_supply of `type` Mains, preferring the
//!   board's `gpio-charger` (Armbian DT; the test VM has `test_ac`). Without
//!   one (the mainline DT has no charger node) the same two signals are read
//!   from their GPIO lines directly: AC-present on GPIO0_A2 and the BQ24133
//!   charge status on GPIO2_D3.
//! - **Battery voltage** is SARADC channel 2 behind a 332k/50k divider:
//!   `raw × scale` gives millivolts at the ADC pin, ×7.64 gives the battery
//!   (derived from the schematic; it reproduces Kobol's table: 916 mV ≈
//!   7.0 V, the recommended forced-shutdown point, and 1099 mV ≈ 8.4 V,
//!   full). A reading near 114 mV means no battery is fitted.
//! - **DC-in** is channel 4 behind 73.2k/9k (×9.13, derived).
//!
//! Channels, ratios and thresholds are a [`UpsConfig`] with those defaults.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use crate::error::{Error, Result};
use crate::gpio::{self, GpioChip, GpioInput, PinName};
use crate::iio::{self, IioDevice};
use crate::root::{self, Root};

/// UPS wiring and thresholds. Defaults are the Helios64's.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct UpsConfig {
    /// SARADC channel of the battery divider (2).
    pub battery_channel: u32,
    /// Battery volts per ADC volt: (332k + 50k) / 50k = 7.64.
    pub battery_divider: f64,
    /// SARADC channel of the DC-in divider (4); `None` to skip.
    pub dc_in_channel: Option<u32>,
    /// DC-in volts per ADC volt: (73.2k + 9k) / 9k ≈ 9.13.
    pub dc_in_divider: f64,
    /// An ADC reading at or below this many millivolts means no battery is
    /// connected. Kobol measured 114 mV without a battery; a 2S Li-ion pack
    /// is never below ~5 V (≈ 650 mV here), so 300 mV separates the two
    /// with margin.
    pub no_battery_max_adc_millivolts: f64,
    /// At or below this battery voltage the battery is low: Kobol's
    /// recommended forced-shutdown point, 7.0 V (916 mV at the ADC).
    pub low_battery_millivolts: u32,
    /// The AC-present line when no charger node exists.
    pub ac_present_pin: String,
    /// Whether AC-present is active-low.
    pub ac_present_active_low: bool,
    /// The charge-status line when no charger node exists.
    pub charging_pin: String,
    /// Whether charge-status is active-low. The BQ24133's STAT output is
    /// open-drain and pulls low while charging, hence the default; the board
    /// may invert it — unconfirmed on hardware.
    pub charging_active_low: bool,
}

impl Default for UpsConfig {
    fn default() -> Self {
        UpsConfig {
            battery_channel: 2,
            battery_divider: 7.64,
            dc_in_channel: Some(4),
            dc_in_divider: 9.13,
            no_battery_max_adc_millivolts: 300.0,
            low_battery_millivolts: 7000,
            ac_present_pin: gpio::pins::AC_PRESENT.to_string(),
            ac_present_active_low: false,
            charging_pin: gpio::pins::CHARGE_STATUS.to_string(),
            charging_active_low: true,
        }
    }
}

/// The battery as measured.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum BatteryReading {
    /// No measurement is possible (no SARADC on this system).
    Unknown {
        /// Why.
        reason: String,
    },
    /// The ADC reads the no-battery level.
    Absent {
        /// Millivolts at the ADC pin.
        adc_millivolts: f64,
    },
    /// A battery is connected.
    Present {
        /// Millivolts at the ADC pin.
        adc_millivolts: f64,
        /// The battery voltage.
        battery_millivolts: u32,
        /// At or below the low-battery threshold (7.0 V by default). While on
        /// mains the charger holds the voltage up, so "low" is meaningful
        /// on battery.
        low: bool,
    },
}

/// Interprets an ADC reading of the battery divider (pure).
pub fn battery_from_adc(adc_millivolts: f64, config: &UpsConfig) -> BatteryReading {
    if adc_millivolts <= config.no_battery_max_adc_millivolts {
        return BatteryReading::Absent { adc_millivolts };
    }
    let battery_millivolts = scaled_millivolts(adc_millivolts, config.battery_divider);
    BatteryReading::Present {
        adc_millivolts,
        battery_millivolts,
        low: battery_millivolts <= config.low_battery_millivolts,
    }
}

/// ADC millivolts × divider, rounded to whole millivolts.
pub fn scaled_millivolts(adc_millivolts: f64, divider: f64) -> u32 {
    let mv = (adc_millivolts * divider).round();
    // A 10-bit ADC at 1.8 V times a divider below 100 stays far inside u32;
    // negative readings are clamped to 0.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let mv = mv.clamp(0.0, f64::from(u32::MAX)) as u32;
    mv
}

/// Charge status as power_supply reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChargeStatus {
    /// `Charging`.
    Charging,
    /// `Not charging` (the kernel's spelling; Kobol's wiki writes `Not
    /// Charging`).
    NotCharging,
    /// `Discharging`.
    Discharging,
    /// `Full`.
    Full,
    /// `Unknown`.
    Unknown,
}

impl ChargeStatus {
    /// The kebab-case name, as it serialises: `charging`, `not-charging`,
    /// `discharging`, `full`, `unknown`.
    pub fn as_str(self) -> &'static str {
        match self {
            ChargeStatus::Charging => "charging",
            ChargeStatus::NotCharging => "not-charging",
            ChargeStatus::Discharging => "discharging",
            ChargeStatus::Full => "full",
            ChargeStatus::Unknown => "unknown",
        }
    }

    /// Parses the `status` attribute, ignoring case and spacing: the
    /// kernel writes `Not charging`, Kobol's wiki `Not Charging`, and a
    /// charge status is worth nothing that a spelling can make unreadable.
    pub fn parse(text: &str) -> Option<ChargeStatus> {
        let words: Vec<String> = text.split_whitespace().map(str::to_ascii_lowercase).collect();
        Some(match words.join(" ").as_str() {
            "charging" => ChargeStatus::Charging,
            "not charging" => ChargeStatus::NotCharging,
            "discharging" => ChargeStatus::Discharging,
            "full" => ChargeStatus::Full,
            "unknown" => ChargeStatus::Unknown,
            _ => return None,
        })
    }
}

/// Where mains presence is read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MainsSource {
    /// A power_supply class device of type Mains.
    PowerSupply {
        /// Its name (`gpio-charger`, `test_ac`).
        name: String,
        /// Its sysfs directory.
        dir: PathBuf,
    },
    /// The charger's GPIO lines, read directly.
    Gpio(Box<GpioMains>),
}

/// The charger's two GPIO lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GpioMains {
    /// The AC-present line's chip.
    pub ac_chip: GpioChip,
    /// The AC-present line.
    pub ac_pin: PinName,
    /// The charge-status line's chip.
    pub charging_chip: GpioChip,
    /// The charge-status line.
    pub charging_pin: PinName,
}

/// Where a mains reading came from: a power_supply (by name), or the
/// charger's GPIO lines read directly. Serialised as the supply's name, or
/// `"gpio"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MainsOrigin {
    /// A power_supply class device of type Mains (`gpio-charger`,
    /// `test_ac`).
    PowerSupply(String),
    /// The AC-present and charge-status GPIO lines.
    Gpio,
}

impl MainsOrigin {
    /// The supply's name, or `gpio`.
    pub fn as_str(&self) -> &str {
        match self {
            MainsOrigin::PowerSupply(name) => name,
            MainsOrigin::Gpio => "gpio",
        }
    }
}

impl std::fmt::Display for MainsOrigin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for MainsOrigin {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// Mains state at one moment.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct MainsStatus {
    /// The power_supply the reading came from, or the GPIO lines.
    pub source: MainsOrigin,
    /// Whether the adapter powers the board (`false` = on battery).
    pub online: bool,
    /// The charge status. Only meaningful on mains: the charger is off on
    /// battery. `None` when the supply has no `status`.
    pub charge: Option<ChargeStatus>,
}

/// The UPS as found on this system.
///
/// Reading mains from the GPIO lines requests them once and keeps them (a
/// monitor reading every few seconds must not re-request lines, and another
/// consumer grabbing them in between is then a clear `Busy` error rather
/// than a race); a failed read releases them so the next read requests them
/// afresh (a re-probed chip). A clone starts without requested lines.
#[derive(Debug)]
pub struct Ups {
    root: Root,
    config: UpsConfig,
    mains: Option<MainsSource>,
    adc: Option<IioDevice>,
    lines: Mutex<Option<HeldLines>>,
}

/// The two charger lines while requested.
#[derive(Debug)]
struct HeldLines {
    ac: GpioInput,
    charging: GpioInput,
}

impl Clone for Ups {
    fn clone(&self) -> Self {
        Ups {
            root: self.root.clone(),
            config: self.config.clone(),
            mains: self.mains.clone(),
            adc: self.adc.clone(),
            lines: Mutex::new(None),
        }
    }
}

impl PartialEq for Ups {
    /// The same UPS: root, configuration and sources (held lines aside).
    fn eq(&self, other: &Self) -> bool {
        (&self.root, &self.config, &self.mains, &self.adc)
            == (&other.root, &other.config, &other.mains, &other.adc)
    }
}

/// UPS state at one moment.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct UpsStatus {
    /// Mains presence; `None` when neither a Mains supply nor the GPIO
    /// banks exist.
    pub mains: Option<MainsStatus>,
    /// The battery.
    pub battery: BatteryReading,
    /// The DC input voltage, when configured and measurable.
    pub dc_in_millivolts: Option<u32>,
}

impl Ups {
    /// Finds the mains source and the SARADC.
    pub fn discover(root: &Root, config: UpsConfig) -> Result<Ups> {
        let mains = match find_mains_supply(root)? {
            Some(source) => Some(source),
            None => gpio_mains(root, &config)?,
        };
        let adc = match IioDevice::saradc(root) {
            Ok(dev) => Some(dev),
            Err(Error::NotPresent { .. }) => None,
            Err(e) => return Err(e),
        };
        Ok(Ups { root: root.clone(), config, mains, adc, lines: Mutex::new(None) })
    }

    /// Like [`Ups::discover`], but reads mains from the charger's GPIO lines
    /// even when a Mains supply exists: to cross-check the line polarities
    /// of [`UpsConfig`] against the charger driver, or when its driver is not
    /// bound. `NotPresent` when the GPIO banks are missing.
    pub fn from_gpio(root: &Root, config: UpsConfig) -> Result<Ups> {
        let mains = gpio_mains(root, &config)?.ok_or_else(|| Error::NotPresent {
            component: format!(
                "GPIO banks for {} and {}",
                config.ac_present_pin, config.charging_pin
            ),
            searched: root.bus_devices("gpio"),
        })?;
        let mut ups = Ups::discover(root, config)?;
        ups.mains = Some(mains);
        Ok(ups)
    }

    /// Where mains presence comes from.
    pub fn mains_source(&self) -> Option<&MainsSource> {
        self.mains.as_ref()
    }

    /// The configuration in use.
    pub fn config(&self) -> &UpsConfig {
        &self.config
    }

    /// Reads mains presence and charge status now.
    pub fn mains(&self) -> Result<Option<MainsStatus>> {
        let Some(source) = &self.mains else {
            return Ok(None);
        };
        Ok(Some(match source {
            MainsSource::PowerSupply { name, dir } => {
                let online_path = dir.join("online");
                let online = parse_online(&online_path, &self.root.read(&online_path)?)?;
                let status_path = dir.join("status");
                let charge = match self.root.read_optional(&status_path)? {
                    None => None,
                    Some(text) => Some(ChargeStatus::parse(&text).ok_or_else(|| {
                        Error::malformed(
                            &status_path,
                            &text,
                            "a power_supply status such as Charging",
                        )
                    })?),
                };
                MainsStatus { source: MainsOrigin::PowerSupply(name.clone()), online, charge }
            }
            MainsSource::Gpio(gpio) => {
                let mut held = self.lines.lock().unwrap_or_else(PoisonError::into_inner);
                let lines = match held.take() {
                    Some(lines) => lines,
                    None => self.request_lines(gpio)?,
                };
                // On an error the lines are dropped (released) with `lines`.
                let online = lines.ac.is_active()?;
                let charging = lines.charging.is_active()?;
                *held = Some(lines);
                MainsStatus {
                    source: MainsOrigin::Gpio,
                    online,
                    charge: Some(if charging {
                        ChargeStatus::Charging
                    } else {
                        ChargeStatus::NotCharging
                    }),
                }
            }
        }))
    }

    fn request_lines(&self, gpio: &GpioMains) -> Result<HeldLines> {
        let GpioMains { ac_chip, ac_pin, charging_chip, charging_pin } = gpio;
        Ok(HeldLines {
            ac: ac_chip
                .request_input(u32::from(ac_pin.offset()), self.config.ac_present_active_low)?,
            charging: charging_chip
                .request_input(u32::from(charging_pin.offset()), self.config.charging_active_low)?,
        })
    }

    /// Reads the battery now.
    pub fn battery(&self) -> Result<BatteryReading> {
        let Some(adc) = &self.adc else {
            return Ok(BatteryReading::Unknown {
                reason: format!("no SARADC ({})", iio::SARADC_NAME),
            });
        };
        Ok(battery_from_adc(adc.millivolts(self.config.battery_channel)?, &self.config))
    }

    /// Reads the DC input voltage now.
    pub fn dc_in_millivolts(&self) -> Result<Option<u32>> {
        match (&self.adc, self.config.dc_in_channel) {
            (Some(adc), Some(channel)) => {
                Ok(Some(scaled_millivolts(adc.millivolts(channel)?, self.config.dc_in_divider)))
            }
            _ => Ok(None),
        }
    }

    /// Reads everything now.
    pub fn status(&self) -> Result<UpsStatus> {
        Ok(UpsStatus {
            mains: self.mains()?,
            battery: self.battery()?,
            dc_in_millivolts: self.dc_in_millivolts()?,
        })
    }
}

/// The power_supply `type` (and `POWER_SUPPLY_TYPE` uevent property) of a
/// mains adapter.
pub(crate) const MAINS_TYPE: &str = "Mains";

/// Interprets a power_supply `online` value (the attribute, or the
/// `POWER_SUPPLY_ONLINE` uevent property) read from `path`.
pub(crate) fn parse_online(path: &Path, text: &str) -> Result<bool> {
    match text.trim() {
        "1" => Ok(true),
        "0" => Ok(false),
        other => Err(Error::malformed(path, other, "0 or 1")),
    }
}

/// The power_supply of type Mains, preferring `gpio-charger`.
fn find_mains_supply(root: &Root) -> Result<Option<MainsSource>> {
    let mut candidates = Vec::new();
    for entry in root.list_optional(&root.class("power_supply"))? {
        let dir = root.resolve(&entry)?;
        if root.read(&dir.join("type"))? == MAINS_TYPE {
            candidates
                .push(MainsSource::PowerSupply { name: root::file_name(&entry)?.to_owned(), dir });
        }
    }
    candidates.sort_by_key(
        |c| !matches!(c, MainsSource::PowerSupply { name, .. } if name == "gpio-charger"),
    );
    Ok(candidates.into_iter().next())
}

fn gpio_mains(root: &Root, config: &UpsConfig) -> Result<Option<MainsSource>> {
    let ac_pin: PinName = config.ac_present_pin.parse()?;
    let charging_pin: PinName = config.charging_pin.parse()?;
    let bank = |pin: PinName| match GpioChip::rockchip_bank(root, pin.bank()) {
        Ok(chip) => Ok(Some(chip)),
        Err(Error::NotPresent { .. }) => Ok(None),
        Err(e) => Err(e),
    };
    Ok(match (bank(ac_pin)?, bank(charging_pin)?) {
        (Some(ac_chip), Some(charging_chip)) => Some(MainsSource::Gpio(Box::new(GpioMains {
            ac_chip,
            ac_pin,
            charging_chip,
            charging_pin,
        }))),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;
    use crate::testing::{Fixture, copy_fixture};
    use std::fs;

    fn present(mv: f64) -> (u32, bool) {
        match battery_from_adc(mv, &UpsConfig::default()) {
            BatteryReading::Present { battery_millivolts, low, .. } => (battery_millivolts, low),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn kobol_table_maps_through_the_divider() {
        assert_eq!(present(916.0), (6998, true), "the forced-shutdown point");
        assert_eq!(present(1099.0), (8396, false), "full");
        assert!(!present(917.0).1, "just above 7.0 V");
        assert_eq!(
            battery_from_adc(114.0, &UpsConfig::default()),
            BatteryReading::Absent { adc_millivolts: 114.0 }
        );
        // raw 521 × 1.7578125 = 915.8 mV: below 7.0 V.
        assert_eq!(present(iio::adc_millivolts(521, 1.7578125)), (6997, true));
        assert_eq!(scaled_millivolts(1314.84375, 9.13), 12_005);
        assert_eq!(scaled_millivolts(-3.0, 9.13), 0);
    }

    #[test]
    fn thresholds_are_configurable() {
        let config = UpsConfig {
            low_battery_millivolts: 7400,
            battery_divider: 7.7,
            ..UpsConfig::default()
        };
        match battery_from_adc(960.0, &config) {
            BatteryReading::Present { battery_millivolts, low, .. } => {
                assert_eq!((battery_millivolts, low), (7392, true));
            }
            other => panic!("{other:?}"),
        }
        let json = r#"{"battery_channel": 3, "charging_active_low": false}"#;
        let parsed: UpsConfig = serde_json::from_str(json).unwrap();
        assert_eq!(parsed.battery_channel, 3);
        assert_eq!(parsed.battery_divider, 7.64, "unset fields keep the defaults");
        assert!(
            serde_json::from_str::<UpsConfig>(r#"{"battery_chanel": 3}"#).is_err(),
            "typos are refused"
        );
    }

    #[test]
    fn charge_status_spellings() {
        assert_eq!(ChargeStatus::parse("Not charging"), Some(ChargeStatus::NotCharging));
        assert_eq!(ChargeStatus::parse("Not Charging"), Some(ChargeStatus::NotCharging));
        assert_eq!(ChargeStatus::parse("Charging\n"), Some(ChargeStatus::Charging));
        assert_eq!(ChargeStatus::parse("charging"), Some(ChargeStatus::Charging));
        assert_eq!(ChargeStatus::parse("  NOT\tcharging \n"), Some(ChargeStatus::NotCharging));
        assert_eq!(ChargeStatus::parse("Notcharging"), None);
        assert_eq!(ChargeStatus::parse(""), None);
    }

    #[test]
    fn armbian_reads_the_gpio_charger_and_the_battery() {
        let root = Fixture::Armbian.root();
        let ups = Ups::discover(&root, UpsConfig::default()).unwrap();
        assert!(
            matches!(ups.mains_source(), Some(MainsSource::PowerSupply { name, .. }) if name == "gpio-charger")
        );
        let status = ups.status().unwrap();
        assert_eq!(
            status.mains,
            Some(MainsStatus {
                source: MainsOrigin::PowerSupply("gpio-charger".into()),
                online: true,
                charge: Some(ChargeStatus::Charging)
            })
        );
        // raw 600 × 1.7578125 = 1054.7 mV × 7.64 = 8058 mV.
        match &status.battery {
            BatteryReading::Present { battery_millivolts, low, .. } => {
                assert_eq!((*battery_millivolts, *low), (8058, false))
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(status.dc_in_millivolts, Some(12_005));
        let json = serde_json::to_value(&status).unwrap();
        assert_eq!(json["battery"]["state"], "present");
        assert_eq!(json["mains"]["charge"], "charging");
    }

    #[test]
    fn mainline_falls_back_to_the_gpio_lines_and_sees_no_battery() {
        let root = Fixture::Mainline.root();
        let ups = Ups::discover(&root, UpsConfig::default()).unwrap();
        match ups.mains_source() {
            Some(MainsSource::Gpio(lines)) => {
                let GpioMains { ac_chip, ac_pin, charging_chip, charging_pin } = lines.as_ref();
                assert_eq!(ac_chip.kind(), &gpio::GpioChipKind::RockchipBank { bank: 0 });
                assert_eq!(ac_pin.offset(), 2);
                assert_eq!(charging_chip.kind(), &gpio::GpioChipKind::RockchipBank { bank: 2 });
                assert_eq!(charging_pin.offset(), 27);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            ups.battery().unwrap(),
            BatteryReading::Absent { adc_millivolts: 65.0 * 1.7578125 }
        );
        // A fixture has no /dev/gpiochip0 to read: the error names it.
        let e = ups.mains().unwrap_err();
        assert_eq!(e.kind(), ErrorKind::NotFound);
        assert!(e.path().unwrap().ends_with("dev/gpiochip0"), "{e}");
    }

    #[test]
    fn the_mains_supply_is_found_by_type_preferring_gpio_charger() {
        let (_d, root) = copy_fixture(Fixture::Armbian);
        // Make the USB-C supply a Mains one too: gpio-charger still wins.
        let usbc =
            root.resolve(&root.class("power_supply").join("tcpm-source-psy-4-0022")).unwrap();
        fs::write(usbc.join("type"), "Mains\n").unwrap();
        let ups = Ups::discover(&root, UpsConfig::default()).unwrap();
        assert!(
            matches!(ups.mains_source(), Some(MainsSource::PowerSupply { name, .. }) if name == "gpio-charger")
        );
        // Without gpio-charger, any Mains supply (the VM's test_ac) is used.
        fs::remove_file(root.class("power_supply").join("gpio-charger")).unwrap();
        let ups = Ups::discover(&root, UpsConfig::default()).unwrap();
        assert!(
            matches!(ups.mains_source(), Some(MainsSource::PowerSupply { name, .. }) if name == "tcpm-source-psy-4-0022")
        );
    }

    #[test]
    fn gpio_mains_can_be_forced() {
        let root = Fixture::Armbian.root();
        let ups = Ups::from_gpio(&root, UpsConfig::default()).unwrap();
        assert!(matches!(ups.mains_source(), Some(MainsSource::Gpio(_))));
        let dir = tempfile::tempdir().unwrap();
        let e = Ups::from_gpio(&Root::new(dir.path()), UpsConfig::default()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::NotFound);
        assert!(e.to_string().contains("GPIO0_A2"), "{e}");
    }

    #[test]
    fn without_a_saradc_the_battery_is_unknown_not_absent() {
        let (_d, root) = copy_fixture(Fixture::Mainline);
        fs::remove_dir_all(root.sys().join("bus/iio")).unwrap();
        let ups = Ups::discover(&root, UpsConfig::default()).unwrap();
        assert!(matches!(ups.battery().unwrap(), BatteryReading::Unknown { .. }));
        assert_eq!(ups.dc_in_millivolts().unwrap(), None);
    }

    #[test]
    fn malformed_and_missing_nodes_name_the_path() {
        let (_d, root) = copy_fixture(Fixture::Armbian);
        let psy = root.resolve(&root.class("power_supply").join("gpio-charger")).unwrap();
        let ups = Ups::discover(&root, UpsConfig::default()).unwrap();
        for (attr, bad) in [("online", "yes"), ("online", ""), ("status", "Sleeping")] {
            let path = psy.join(attr);
            let good = fs::read_to_string(&path).unwrap();
            fs::write(&path, bad).unwrap();
            let e = ups.status().unwrap_err();
            assert_eq!(
                (e.kind(), e.path()),
                (ErrorKind::Malformed, Some(path.as_path())),
                "{attr}={bad:?}"
            );
            fs::write(&path, good).unwrap();
        }
        fs::remove_file(psy.join("status")).unwrap();
        assert_eq!(ups.mains().unwrap().unwrap().charge, None);
        fs::remove_file(psy.join("online")).unwrap();
        assert_eq!(ups.mains().unwrap_err().kind(), ErrorKind::NotFound);
        fs::remove_file(psy.join("type")).unwrap();
        let e = Ups::discover(&root, UpsConfig::default()).unwrap_err();
        assert_eq!((e.kind(), e.path()), (ErrorKind::NotFound, Some(psy.join("type").as_path())));
        let bad_pin = UpsConfig { ac_present_pin: "GPIO9_Z9".into(), ..UpsConfig::default() };
        let (_d2, mainline) = copy_fixture(Fixture::Mainline);
        assert_eq!(Ups::discover(&mainline, bad_pin).unwrap_err().kind(), ErrorKind::InvalidInput);
    }
}
