//! I2C buses: the adapters and client devices sysfs knows about, and raw
//! SMBus reads through i2c-dev (`/dev/i2c-N`).
//!
//! On the Helios64 the kernel drivers own every fitted device (PMIC,
//! regulators, the NCT75 board sensor, the GPIO expander, the Type-C
//! controller), so the driver interfaces (hwmon, gpiochip, power supply)
//! are the primary way to read them; raw access here is for the user
//! buses (i2c-7 on the UEXT header, i2c-8 on header P1), diagnostics, and
//! cross-checking a driver.

use std::path::PathBuf;

use serde::Serialize;

use crate::error::Result;
use crate::root::{self, Root};

#[cfg(feature = "i2c")]
mod bus;
#[cfg(feature = "i2c")]
pub use bus::I2cBus;

/// An I2C client device as sysfs lists it (`/sys/bus/i2c/devices/2-004c`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct I2cClient {
    /// Bus (adapter) number.
    pub bus: u32,
    /// Bus address, without the kernel's ten-bit/slave flag bits.
    pub address: u16,
    /// Whether the address is a ten-bit one.
    pub ten_bit: bool,
    /// The client name (`name` attribute): the DT compatible without its
    /// vendor prefix, or what was written to `new_device`.
    pub name: String,
    /// The bound driver, or `None` when no driver has claimed it.
    pub driver: Option<String>,
    /// The device directory, resolved.
    pub path: PathBuf,
}

/// An I2C adapter (bus) and its clients.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct I2cAdapter {
    /// Bus number, as in `i2c-2` and `/dev/i2c-2`.
    pub number: u32,
    /// Adapter name, e.g. `"rk3x-i2c"` or `"SMBus stub driver"`.
    pub name: String,
    /// The adapter directory, resolved.
    pub path: PathBuf,
    /// Client devices on this bus, by address.
    pub clients: Vec<I2cClient>,
}

/// An [`I2cAdapter`] for status output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct I2cAdapterSnapshot {
    /// Bus number.
    pub number: u32,
    /// Adapter name.
    pub name: String,
    /// The adapter directory as it reads on the box.
    pub path: PathBuf,
    /// Whether `/dev/i2c-<number>` exists (i2c-dev loaded).
    pub dev_node: bool,
    /// Client devices.
    pub clients: Vec<I2cClientSnapshot>,
}

/// An [`I2cClient`] for status output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct I2cClientSnapshot {
    /// Bus address.
    pub address: u16,
    /// Ten-bit address.
    pub ten_bit: bool,
    /// Client name.
    pub name: String,
    /// Bound driver.
    pub driver: Option<String>,
}

/// Parses an adapter directory name, `i2c-<N>`.
pub fn parse_adapter_dir_name(name: &str) -> Option<u32> {
    let digits = name.strip_prefix("i2c-")?;
    digits.bytes().all(|b| b.is_ascii_digit()).then(|| digits.parse().ok())?
}

/// Parses a client directory name, `<bus>-<4 hex digits>`, into the bus and
/// the encoded address (with the kernel's `0xa000` ten-bit and `0x1000`
/// slave flags still in it).
pub fn parse_client_dir_name(name: &str) -> Option<(u32, u16)> {
    let (bus, addr) = name.split_once('-')?;
    if bus.is_empty() || !bus.bytes().all(|b| b.is_ascii_digit()) || addr.len() != 4 {
        return None;
    }
    Some((bus.parse().ok()?, u16::from_str_radix(addr, 16).ok()?))
}

const TEN_BIT_FLAG: u16 = 0xa000;

/// Every I2C client device, sorted by bus and address.
pub fn i2c_clients(root: &Root) -> Result<Vec<I2cClient>> {
    let mut clients = Vec::new();
    for entry in root.list_optional(&root.bus_devices("i2c"))? {
        let Some((bus, encoded)) = parse_client_dir_name(root::file_name(&entry)?) else {
            continue;
        };
        let ten_bit = encoded & TEN_BIT_FLAG == TEN_BIT_FLAG;
        let address = if ten_bit { encoded & 0x03ff } else { encoded & 0x0fff };
        let path = root.resolve(&entry)?;
        let name = root.read(&path.join("name"))?;
        let driver = root.link_name(&path.join("driver"))?;
        clients.push(I2cClient { bus, address, ten_bit, name, driver, path });
    }
    clients.sort_by_key(|c| (c.bus, c.address));
    Ok(clients)
}

/// Every I2C adapter with its clients, sorted by bus number.
pub fn i2c_adapters(root: &Root) -> Result<Vec<I2cAdapter>> {
    let clients = i2c_clients(root)?;
    let mut adapters = Vec::new();
    for entry in root.list_optional(&root.bus_devices("i2c"))? {
        let Some(number) = parse_adapter_dir_name(root::file_name(&entry)?) else {
            continue;
        };
        let path = root.resolve(&entry)?;
        let name = root.read(&path.join("name"))?;
        let on_bus = clients.iter().filter(|c| c.bus == number).cloned().collect();
        adapters.push(I2cAdapter { number, name, path, clients: on_bus });
    }
    adapters.sort_by_key(|a| a.number);
    Ok(adapters)
}

/// [`i2c_adapters`] for status output.
pub fn i2c_snapshot(root: &Root) -> Result<Vec<I2cAdapterSnapshot>> {
    i2c_adapters(root)?
        .into_iter()
        .map(|a| {
            Ok(I2cAdapterSnapshot {
                dev_node: root.exists(&root.dev().join(format!("i2c-{}", a.number)))?,
                number: a.number,
                name: a.name,
                path: root.on_box(&a.path),
                clients: a
                    .clients
                    .into_iter()
                    .map(|c| I2cClientSnapshot {
                        address: c.address,
                        ten_bit: c.ten_bit,
                        name: c.name,
                        driver: c.driver,
                    })
                    .collect(),
            })
        })
        .collect()
}

/// Resolution of an LM75-family temperature register, in bits (the
/// register is left-aligned two's complement; unused low bits read as 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Lm75Resolution {
    /// 9 bits, 0.5 °C steps: the LM75 itself, and what the kernel's lm75
    /// driver uses for an `lm75` client such as the Helios64's NCT75.
    Bits9,
    /// 10 bits, 0.25 °C steps.
    Bits10,
    /// 11 bits, 0.125 °C steps (LM75B, PCT2075).
    Bits11,
    /// 12 bits, 0.0625 °C steps (NCT75, TMP75 at full resolution).
    Bits12,
}

impl Lm75Resolution {
    /// The number of significant bits.
    pub fn bits(self) -> u32 {
        match self {
            Lm75Resolution::Bits9 => 9,
            Lm75Resolution::Bits10 => 10,
            Lm75Resolution::Bits11 => 11,
            Lm75Resolution::Bits12 => 12,
        }
    }
}

/// Decodes an LM75 temperature register (most significant byte first, as
/// the chip sends it) into millidegrees Celsius, rounding toward negative
/// infinity exactly as the kernel's lm75 driver does.
///
/// ```
/// use helios64_hal::{Lm75Resolution, decode_lm75};
/// assert_eq!(decode_lm75(0x19, 0x00, Lm75Resolution::Bits9), 25_000);
/// assert_eq!(decode_lm75(0xff, 0x80, Lm75Resolution::Bits9), -500);
/// ```
pub fn decode_lm75(msb: u8, lsb: u8, resolution: Lm75Resolution) -> i32 {
    let bits = resolution.bits();
    let steps = i32::from(i16::from_be_bytes([msb, lsb])) >> (16 - bits);
    (steps * 1000) >> (bits - 8)
}

/// Decodes an LM75 temperature register read as an SMBus word (as
/// [`I2cBus::read_word_data`] returns it). SMBus sends the low byte first
/// and the LM75 sends its most significant byte first, so the word's *low*
/// byte is the register's MSB.
///
/// ```
/// use helios64_hal::{Lm75Resolution, decode_lm75_smbus_word};
/// // i2cset/i2cget show 37.5 °C (register 0x2580) as the word 0x8025.
/// assert_eq!(decode_lm75_smbus_word(0x8025, Lm75Resolution::Bits9), 37_500);
/// ```
pub fn decode_lm75_smbus_word(word: u16, resolution: Lm75Resolution) -> i32 {
    let [msb, lsb] = word.to_le_bytes();
    decode_lm75(msb, lsb, resolution)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;
    use crate::testing::{Fixture, copy_fixture};
    use std::fs;

    #[test]
    fn dir_names_parse() {
        assert_eq!(parse_adapter_dir_name("i2c-2"), Some(2));
        assert_eq!(parse_adapter_dir_name("i2c-12"), Some(12));
        for bad in ["i2c-", "i2c-x", "i2c--1", "2-004c", "i2c-+1"] {
            assert_eq!(parse_adapter_dir_name(bad), None, "{bad}");
        }
        assert_eq!(parse_client_dir_name("2-004c"), Some((2, 0x4c)));
        assert_eq!(parse_client_dir_name("11-a050"), Some((11, 0xa050)));
        for bad in ["2-4c", "-004c", "i2c-2", "2-00g1", "2-004c0", "x-004c"] {
            assert_eq!(parse_client_dir_name(bad), None, "{bad}");
        }
    }

    #[test]
    fn lm75_decoding_matches_the_datasheet_table() {
        use Lm75Resolution::*;
        // LM75 datasheet, 9-bit: +125, +25, +0.5, 0, -0.5, -25, -55 °C.
        let table = [
            ((0x7d, 0x00), 125_000),
            ((0x19, 0x00), 25_000),
            ((0x00, 0x80), 500),
            ((0x00, 0x00), 0),
            ((0xff, 0x80), -500),
            ((0xe7, 0x00), -25_000),
            ((0xc9, 0x00), -55_000),
        ];
        for ((msb, lsb), milli) in table {
            assert_eq!(decode_lm75(msb, lsb, Bits9), milli, "{msb:#04x}{lsb:02x}");
        }
        // Low bits below the resolution are ignored, not rounded.
        assert_eq!(decode_lm75(0x19, 0x7f, Bits9), 25_000);
        assert_eq!(decode_lm75(0x19, 0x20, Bits11), 25_125);
        assert_eq!(decode_lm75(0x19, 0x10, Bits12), 25_062);
        assert_eq!(decode_lm75(0xff, 0xf0, Bits12), -63);
        assert_eq!(decode_lm75(0x19, 0x40, Bits10), 25_250);
    }

    #[test]
    fn smbus_words_carry_the_lm75_msb_in_their_low_byte() {
        use Lm75Resolution::*;
        // What `i2cget -y N 0x4c 0x00 w` prints for each register value.
        assert_eq!(decode_lm75_smbus_word(0x8025, Bits9), 37_500);
        assert_eq!(decode_lm75_smbus_word(0x0019, Bits9), 25_000);
        assert_eq!(decode_lm75_smbus_word(0x80f3, Bits9), -12_500);
        assert_eq!(decode_lm75_smbus_word(0x8020, Bits9), 32_500);
    }

    /// The fitted devices of the hardware notes' I2C table.
    const BOARD_DEVICES: [(u32, u16); 6] =
        [(0, 0x1b), (0, 0x40), (0, 0x41), (2, 0x20), (2, 0x4c), (4, 0x22)];

    #[test]
    fn adapters_and_clients_on_both_fixtures() {
        for f in Fixture::ALL {
            let root = f.root();
            let adapters = i2c_adapters(&root).unwrap();
            let buses: Vec<_> = adapters.iter().map(|a| a.number).collect();
            let all: Vec<_> = adapters.iter().flat_map(|a| &a.clients).collect();
            let fitted: Vec<_> = all
                .iter()
                .filter(|c| BOARD_DEVICES.contains(&(c.bus, c.address)))
                .map(|c| (c.bus, c.address, c.name.as_str(), c.driver.as_deref()))
                .collect();
            // Anything else was added by the user, on the header buses.
            assert!(
                all.iter().all(|c| BOARD_DEVICES.contains(&(c.bus, c.address)) || c.bus >= 7),
                "{f:?}: {all:?}"
            );
            assert!(adapters.iter().all(|a| a.name == "rk3x-i2c"));
            match f {
                Fixture::Armbian => {
                    assert_eq!(buses, [0, 2, 4, 7, 8]);
                    assert_eq!(
                        fitted,
                        [
                            (0, 0x1b, "rk808", Some("rk8xx-i2c")),
                            (0, 0x40, "syr827", Some("fan53555")),
                            (0, 0x41, "syr828", Some("fan53555")),
                            (2, 0x20, "pca9555", Some("pca953x")),
                            (2, 0x4c, "lm75", Some("lm75")),
                            (4, 0x22, "fusb302", Some("fusb302")),
                        ]
                    );
                }
                Fixture::Mainline => {
                    assert_eq!(buses, [0, 2]);
                    assert_eq!(
                        fitted,
                        [
                            (0, 0x1b, "rk808", Some("rk8xx-i2c")),
                            (0, 0x40, "syr827", Some("fan53555")),
                            (2, 0x4c, "lm75", Some("lm75")),
                        ]
                    );
                }
            }
            let snap = i2c_snapshot(&root).unwrap();
            assert!(snap.iter().all(|a| !a.dev_node), "fixtures have no /dev");
            assert!(snap[0].path.starts_with("/sys/devices/platform/ff3c0000.i2c"), "{snap:?}");
        }
    }

    #[test]
    fn unbound_client_has_no_driver_and_bad_name_file_is_reported() {
        let (_dir, root) = copy_fixture(Fixture::Mainline);
        let client = root.bus_devices("i2c").join("0-0040");
        fs::remove_file(client.join("driver")).unwrap();
        let c = i2c_clients(&root).unwrap();
        assert_eq!(c[1].driver, None);
        let name = root.resolve(&client).unwrap().join("name");
        fs::remove_file(&name).unwrap();
        let e = i2c_clients(&root).unwrap_err();
        assert_eq!((e.kind(), e.path()), (ErrorKind::NotFound, Some(name.as_path())));
    }
}
