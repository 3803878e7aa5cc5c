//! GPIO chips and lines.
//!
//! Chips are found in sysfs (`/sys/bus/gpio/devices/gpiochipN`) and
//! identified by the device that provides them — the RK3399 banks gpio0..4
//! by their platform devices `ff720000.gpio` … `ff790000.gpio` (DT nodes
//! `gpio@ff720000` …), the PCA9555 expander by its I2C device `2-0020` —
//! never by `gpiochipN` numbers or legacy sysfs bases. Lines are requested
//! through the character device (uAPI v2, via `gpiocdev`) with the consumer
//! label `helios64`.
//!
//! Rockchip pin names map to (bank, offset): `GPIO4_D5` is bank 4, offset
//! 3×8+5 = 29 (A = 0..7, B = 8..15, C = 16..23, D = 24..31).

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use crate::error::{Error, Result};
use crate::root::{self, Root};

#[cfg(feature = "gpio")]
mod cdev;
#[cfg(not(feature = "gpio"))]
mod disabled;
#[cfg(feature = "gpio")]
pub use cdev::{GpioInput, GpioOutput, set_auto_power_on};
#[cfg(not(feature = "gpio"))]
pub use disabled::{GpioInput, GpioOutput, set_auto_power_on};

/// The consumer label on every line this crate requests.
pub const GPIO_CONSUMER: &str = "helios64";

/// A Rockchip pin: bank and line offset within the bank.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PinName {
    bank: u8,
    offset: u8,
}

impl PinName {
    /// `GPIO<bank>_<group><index>` from its parts; `None` when the offset is
    /// beyond a 32-line bank.
    pub const fn new(bank: u8, offset: u8) -> Option<PinName> {
        if offset < 32 { Some(PinName { bank, offset }) } else { None }
    }

    const fn known(bank: u8, group: u8, index: u8) -> PinName {
        PinName { bank, offset: group * 8 + index }
    }

    /// The bank number (gpio0..gpio4 on the RK3399).
    pub const fn bank(self) -> u8 {
        self.bank
    }

    /// The line offset within the bank's chip.
    pub const fn offset(self) -> u8 {
        self.offset
    }
}

impl fmt::Display for PinName {
    /// `GPIO4_D5`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let group = char::from(b'A' + self.offset / 8);
        write!(f, "GPIO{}_{}{}", self.bank, group, self.offset % 8)
    }
}

impl FromStr for PinName {
    type Err = Error;

    /// Parses `GPIO4_D5` (any case).
    fn from_str(s: &str) -> Result<PinName> {
        let invalid = || Error::InvalidInput {
            what: "Rockchip pin name",
            value: s.to_owned(),
            reason: "expected GPIO<bank>_<A-D><0-7>, e.g. GPIO4_D5".into(),
        };
        let upper = s.trim().to_ascii_uppercase();
        let rest = upper.strip_prefix("GPIO").ok_or_else(invalid)?;
        let (bank, pin) = rest.split_once('_').ok_or_else(invalid)?;
        let bank: u8 = bank.parse().ok().filter(|b| *b <= 9).ok_or_else(invalid)?;
        let mut chars = pin.chars();
        let group = match chars.next() {
            Some(g @ 'A'..='D') => g as u8 - b'A',
            _ => return Err(invalid()),
        };
        let index = match (chars.next(), chars.next()) {
            (Some(i @ '0'..='7'), None) => i as u8 - b'0',
            _ => return Err(invalid()),
        };
        Ok(PinName::known(bank, group, index))
    }
}

/// Board lines with a fixed job.
pub mod pins {
    use super::PinName;

    /// AC adapter present (the gpio-charger's `gpios`).
    pub const AC_PRESENT: PinName = PinName::known(0, 0, 2);
    /// BQ24133 charge status (the gpio-charger's `charge-status-gpios`).
    pub const CHARGE_STATUS: PinName = PinName::known(2, 3, 3);
    /// Auto-power-on flip-flop data input (AUTO_ON_EN_D; legacy gpio153).
    pub const AUTO_ON_EN_D: PinName = PinName::known(4, 3, 1);
    /// Auto-power-on flip-flop clock (AUTO_ON_EN_CLK; legacy gpio154).
    pub const AUTO_ON_EN_CLK: PinName = PinName::known(4, 3, 2);
    /// Board revision strap 0 (U-Boot DT only).
    pub const BOARD_REV_ID_0: PinName = PinName::known(4, 3, 5);
    /// Board revision strap 1 (U-Boot DT only).
    pub const BOARD_REV_ID_1: PinName = PinName::known(4, 3, 6);
}

/// RK3399 GPIO bank base addresses, bank 0..4.
pub const RK3399_BANKS: [&str; 5] = ["ff720000", "ff730000", "ff780000", "ff788000", "ff790000"];

/// What provides a chip.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum GpioChipKind {
    /// An RK3399 GPIO bank.
    RockchipBank {
        /// 0..=4.
        bank: u8,
    },
    /// The NXP PCA9555 16-bit I2C expander (header P5).
    Pca9555 {
        /// Its I2C device name, `2-0020`.
        i2c_device: String,
    },
    /// Anything else (gpio-sim, another expander).
    Other,
}

/// A GPIO chip found in sysfs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GpioChip {
    root: Root,
    name: String,
    controller: PathBuf,
    kind: GpioChipKind,
    legacy: Option<Legacy>,
}

/// The legacy sysfs class entry's attributes, when they can be attributed
/// to this chip.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Legacy {
    label: String,
    ngpio: u32,
    base: u32,
}

/// What the character device says about a chip (`GPIO_GET_CHIPINFO_IOCTL`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct GpioChardevInfo {
    /// The chip's label.
    pub label: String,
    /// The number of lines.
    pub lines: u32,
}

/// A chip's identity, for status output.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct GpioChipInfo {
    /// The character device name, `gpiochip0`.
    pub name: String,
    /// What provides it.
    pub kind: GpioChipKind,
    /// The providing device as on the box (`/sys/devices/platform/…`).
    pub device: String,
    /// The label, when sysfs attributes it unambiguously.
    pub label: Option<String>,
    /// The number of lines, likewise.
    pub ngpio: Option<u32>,
    /// The legacy sysfs GPIO number base, likewise (not stable: 496 on
    /// older kernels, 512+ since 6.x for dynamic chips).
    pub legacy_base: Option<u32>,
}

impl GpioChip {
    /// Every chip, by name.
    pub fn all(root: &Root) -> Result<Vec<GpioChip>> {
        let mut chips = Vec::new();
        for entry in root.list_optional(&root.bus_devices("gpio"))? {
            let name = root::file_name(&entry)?;
            if !name.starts_with("gpiochip") {
                continue;
            }
            let dir = root.resolve(&entry)?;
            let Some(controller) = dir.parent().map(Path::to_path_buf) else {
                continue;
            };
            let kind = identify(root, &controller)?;
            let legacy = legacy_attrs(root, &controller)?;
            chips.push(GpioChip {
                root: root.clone(),
                name: name.to_owned(),
                controller,
                kind,
                legacy,
            });
        }
        Ok(chips)
    }

    /// The RK3399 bank `bank` (0..=4), found by its platform device. When
    /// no RK3399 bank device exists at all (not a Helios64: the test VM's
    /// gpio-sim banks), the chip labelled `gpio<bank>` — the label
    /// gpio-rockchip gives its banks — stands in.
    pub fn rockchip_bank(root: &Root, bank: u8) -> Result<GpioChip> {
        let chips = Self::all(root)?;
        let is_bank = |c: &GpioChip| matches!(c.kind, GpioChipKind::RockchipBank { .. });
        if chips.iter().any(is_bank) {
            return chips
                .into_iter()
                .find(|c| c.kind == GpioChipKind::RockchipBank { bank })
                .ok_or_else(|| Error::NotPresent {
                    component: format!("GPIO bank gpio{bank}"),
                    searched: root.bus_devices("gpio"),
                });
        }
        Self::by_label(root, &format!("gpio{bank}"))
    }

    /// The PCA9555 expander (Armbian DT only).
    pub fn expander(root: &Root) -> Result<GpioChip> {
        Self::all(root)?
            .into_iter()
            .find(|c| matches!(c.kind, GpioChipKind::Pca9555 { .. }))
            .ok_or_else(|| Error::NotPresent {
                component: "PCA9555 GPIO expander".into(),
                searched: root.bus_devices("gpio"),
            })
    }

    /// The chip labelled `label`: from sysfs when attributable, otherwise
    /// asked of the character device (gpio-sim banks share one parent).
    pub fn by_label(root: &Root, label: &str) -> Result<GpioChip> {
        for chip in Self::all(root)? {
            let found = match &chip.legacy {
                Some(legacy) => legacy.label == label,
                None => chip.chardev_info()?.label == label,
            };
            if found {
                return Ok(chip);
            }
        }
        Err(Error::NotPresent {
            component: format!("GPIO chip {label:?}"),
            searched: root.bus_devices("gpio"),
        })
    }

    /// The character device name, `gpiochip0`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// What provides the chip.
    pub fn kind(&self) -> &GpioChipKind {
        &self.kind
    }

    /// `<root>/dev/gpiochipN`.
    pub fn dev_path(&self) -> PathBuf {
        self.root.dev().join(&self.name)
    }

    /// The chip's identity from sysfs.
    pub fn info(&self) -> GpioChipInfo {
        GpioChipInfo {
            name: self.name.clone(),
            kind: self.kind.clone(),
            device: self.root.on_box(&self.controller).display().to_string(),
            label: self.legacy.as_ref().map(|l| l.label.clone()),
            ngpio: self.legacy.as_ref().map(|l| l.ngpio),
            legacy_base: self.legacy.as_ref().map(|l| l.base),
        }
    }
}

fn identify(root: &Root, controller: &Path) -> Result<GpioChipKind> {
    let name = root::file_name(controller)?;
    let bank =
        name.strip_suffix(".gpio").and_then(|addr| RK3399_BANKS.iter().position(|b| *b == addr));
    if let Some(bank) = bank.and_then(|b| u8::try_from(b).ok()) {
        return Ok(GpioChipKind::RockchipBank { bank });
    }
    let i2c_name = controller.join("name");
    if root.link_name(&controller.join("subsystem"))?.as_deref() == Some("i2c")
        && root.read_optional(&i2c_name)?.as_deref() == Some("pca9555")
    {
        return Ok(GpioChipKind::Pca9555 { i2c_device: name.to_owned() });
    }
    Ok(GpioChipKind::Other)
}

/// The legacy class entry under `controller/gpio/`, when there is exactly
/// one (a parent with several chips, like gpio-sim, is ambiguous).
fn legacy_attrs(root: &Root, controller: &Path) -> Result<Option<Legacy>> {
    let entries: Vec<PathBuf> = root
        .list_optional(&controller.join("gpio"))?
        .into_iter()
        .filter(|p| root::file_name(p).is_ok_and(|n| n.starts_with("gpiochip")))
        .collect();
    let [dir] = entries.as_slice() else {
        return Ok(None);
    };
    Ok(Some(Legacy {
        label: root.read(&dir.join("label"))?,
        ngpio: root.read_parse(&dir.join("ngpio"), "a line count")?,
        base: root.read_parse(&dir.join("base"), "a GPIO number base")?,
    }))
}

/// The chip and offset behind a Rockchip pin name.
pub fn resolve_pin(root: &Root, pin: PinName) -> Result<(GpioChip, u32)> {
    Ok((GpioChip::rockchip_bank(root, pin.bank())?, u32::from(pin.offset())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;
    use crate::testing::{Fixture, copy_fixture};
    use std::fs;

    #[test]
    fn pin_names_map_to_bank_and_offset() {
        for (text, bank, offset) in [
            ("GPIO4_D5", 4, 29),
            ("GPIO0_A2", 0, 2),
            ("GPIO2_D3", 2, 27),
            ("gpio4_d1", 4, 25),
            ("GPIO4_D2", 4, 26),
            ("GPIO1_C7", 1, 23),
            ("GPIO3_B7", 3, 15),
            ("GPIO0_A0", 0, 0),
        ] {
            let pin: PinName = text.parse().unwrap();
            assert_eq!((pin.bank(), pin.offset()), (bank, offset), "{text}");
            assert_eq!(pin.to_string(), text.to_ascii_uppercase());
        }
        for bad in
            ["GPIO4_E1", "GPIO4_D8", "GPIO4D5", "GPIO_D5", "GPIO10_A1", "IO4_D5", "GPIO4_D55", ""]
        {
            assert_eq!(
                bad.parse::<PinName>().unwrap_err().kind(),
                ErrorKind::InvalidInput,
                "{bad:?}"
            );
        }
        assert_eq!(PinName::new(4, 32), None);
        assert_eq!(PinName::new(4, 29).unwrap().to_string(), "GPIO4_D5");
    }

    #[test]
    fn named_board_lines() {
        assert_eq!((pins::AC_PRESENT.bank(), pins::AC_PRESENT.offset()), (0, 2));
        assert_eq!((pins::CHARGE_STATUS.bank(), pins::CHARGE_STATUS.offset()), (2, 27));
        assert_eq!((pins::AUTO_ON_EN_D.bank(), pins::AUTO_ON_EN_D.offset()), (4, 25));
        assert_eq!((pins::AUTO_ON_EN_CLK.bank(), pins::AUTO_ON_EN_CLK.offset()), (4, 26));
        // The wiki's legacy numbers: base 128 + offset.
        assert_eq!(128 + u32::from(pins::AUTO_ON_EN_D.offset()), 153);
        assert_eq!(128 + u32::from(pins::AUTO_ON_EN_CLK.offset()), 154);
        assert_eq!(pins::BOARD_REV_ID_0.to_string(), "GPIO4_D5");
    }

    #[test]
    fn banks_are_found_by_their_device() {
        for f in Fixture::ALL {
            let root = f.root();
            for bank in 0..5u8 {
                let chip = GpioChip::rockchip_bank(&root, bank).unwrap();
                let info = chip.info();
                assert_eq!(info.label.as_deref(), Some(format!("gpio{bank}").as_str()));
                assert_eq!(info.ngpio, Some(32));
                assert_eq!(info.legacy_base, Some(u32::from(bank) * 32));
                assert!(
                    info.device.ends_with(&format!("{}.gpio", RK3399_BANKS[usize::from(bank)]))
                );
            }
            let (chip, offset) = resolve_pin(&root, pins::AUTO_ON_EN_CLK).unwrap();
            assert_eq!((chip.kind(), offset), (&GpioChipKind::RockchipBank { bank: 4 }, 26));
            assert!(chip.dev_path().ends_with("dev/gpiochip4"));
        }
    }

    #[test]
    fn the_expander_exists_only_on_armbian() {
        let chip = GpioChip::expander(&Fixture::Armbian.root()).unwrap();
        assert_eq!(chip.kind(), &GpioChipKind::Pca9555 { i2c_device: "2-0020".into() });
        let info = chip.info();
        assert_eq!((info.ngpio, info.legacy_base), (Some(16), Some(512)));
        assert_eq!(chip.name(), "gpiochip5");
        let json = serde_json::to_value(&info).unwrap();
        assert_eq!(json["kind"]["kind"], "pca9555");
        let e = GpioChip::expander(&Fixture::Mainline.root()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::NotFound);
        assert_eq!(GpioChip::all(&Fixture::Mainline.root()).unwrap().len(), 5);
        let armbian = Fixture::Armbian.root();
        assert_eq!(GpioChip::by_label(&armbian, "2-0020").unwrap(), chip);
    }

    #[test]
    fn without_a_character_device_requests_fail_naming_it() {
        let root = Fixture::Mainline.root();
        let chip = GpioChip::rockchip_bank(&root, 0).unwrap();
        let e = chip.request_input(2, false).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::NotFound);
        assert_eq!(e.path(), Some(chip.dev_path().as_path()));
        assert!(e.to_string().contains("dev/gpiochip0"), "{e}");
        assert_eq!(chip.request_output(2, true).unwrap_err().kind(), ErrorKind::NotFound);
    }

    #[test]
    fn without_rockchip_devices_the_bank_label_stands_in() {
        let (_d, root) = copy_fixture(Fixture::Mainline);
        // Give every bank a non-Rockchip parent device, as gpio-sim does.
        let bus = root.bus_devices("gpio");
        for n in 0..5 {
            let chip = root.resolve(&bus.join(format!("gpiochip{n}"))).unwrap();
            let controller = chip.parent().unwrap().to_path_buf();
            let sim = controller.with_file_name(format!("gpio-sim.{n}"));
            fs::rename(&controller, &sim).unwrap();
            fs::remove_file(bus.join(format!("gpiochip{n}"))).unwrap();
            std::os::unix::fs::symlink(
                sim.join(format!("gpiochip{n}")),
                bus.join(format!("gpiochip{n}")),
            )
            .unwrap();
        }
        assert!(GpioChip::all(&root).unwrap().iter().all(|c| c.kind() == &GpioChipKind::Other));
        let chip = GpioChip::rockchip_bank(&root, 3).unwrap();
        assert_eq!(chip.name(), "gpiochip3");
        assert_eq!(chip.info().label.as_deref(), Some("gpio3"));
        let e = GpioChip::rockchip_bank(&root, 7).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::NotFound);
    }

    #[test]
    fn malformed_legacy_attributes_name_the_path() {
        for f in Fixture::ALL {
            let (_d, root) = copy_fixture(f);
            let ngpio = root.sys().join("class/gpio/gpiochip64/ngpio");
            let ngpio = root.resolve(&ngpio).unwrap();
            fs::write(&ngpio, "many").unwrap();
            let e = GpioChip::all(&root).unwrap_err();
            assert_eq!((e.kind(), e.path()), (ErrorKind::Malformed, Some(ngpio.as_path())));
            fs::remove_file(&ngpio).unwrap();
            assert_eq!(GpioChip::all(&root).unwrap_err().kind(), ErrorKind::NotFound);
        }
    }
}
