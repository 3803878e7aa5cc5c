//! Raw SMBus access through i2c-dev (`/dev/i2c-N`), the `i2c` feature.

use std::io;
use std::path::{Path, PathBuf};

use i2cdev::core::I2CDevice;
use i2cdev::linux::{LinuxI2CDevice, LinuxI2CError};

use super::{Lm75Resolution, decode_lm75_smbus_word};
use crate::error::{Error, IoOp, Result};
use crate::ioctl;
use crate::root::Root;

/// An opened i2c-dev bus (`/dev/i2c-N`); needs the `i2c` feature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct I2cBus {
    number: u32,
    dev_node: PathBuf,
}

impl I2cBus {
    /// Opens bus `number` through `<root>/dev/i2c-<number>` (checked for
    /// read-write access now; each transfer opens it again, as the
    /// i2c-dev address binding is per file descriptor).
    pub fn open(root: &Root, number: u32) -> Result<I2cBus> {
        let dev_node = root.dev().join(format!("i2c-{number}"));
        root.open_device(&dev_node, true)?;
        Ok(I2cBus { number, dev_node })
    }

    /// The bus number.
    pub fn number(&self) -> u32 {
        self.number
    }

    /// The character device.
    pub fn dev_node(&self) -> &Path {
        &self.dev_node
    }

    /// SMBus "receive byte" from `address`.
    pub fn read_byte(&self, address: u16) -> Result<u8> {
        let mut dev = self.client(address)?;
        dev.smbus_read_byte().map_err(|e| self.smbus_error("SMBus receive byte", address, e))
    }

    /// SMBus "read byte data": register `register` of `address`.
    pub fn read_byte_data(&self, address: u16, register: u8) -> Result<u8> {
        let mut dev = self.client(address)?;
        dev.smbus_read_byte_data(register)
            .map_err(|e| self.smbus_error("SMBus read byte data", address, e))
    }

    /// SMBus "read word data": register `register` of `address`, as SMBus
    /// defines it (low byte first on the wire).
    pub fn read_word_data(&self, address: u16, register: u8) -> Result<u16> {
        let mut dev = self.client(address)?;
        dev.smbus_read_word_data(register)
            .map_err(|e| self.smbus_error("SMBus read word data", address, e))
    }

    /// Reads the temperature register (0) of an LM75-family sensor at
    /// `address` in millidegrees Celsius, even while the kernel's lm75
    /// driver owns the address.
    ///
    /// The hwmon path ([`crate::BoardSensor`]) is the normal way to read the
    /// Helios64 board sensor; this reads the chip directly, e.g. to check
    /// the driver or read a sensor on a user bus.
    pub fn read_lm75_temperature(&self, address: u16, resolution: Lm75Resolution) -> Result<i32> {
        check_address(address)?;
        // SAFETY: I2C_SLAVE_FORCE only lifts the kernel's "address in use by
        // a driver" check. The temperature read is one SMBus read-word
        // transaction that sets the LM75 pointer register itself; the lm75
        // driver likewise sets the pointer in every transaction, and the
        // I2C core serialises transactions on an adapter, so neither side
        // depends on register state the other leaves behind. Nothing is
        // written to the chip.
        let mut dev = unsafe { LinuxI2CDevice::force_new(&self.dev_node, address) }
            .map_err(|e| self.open_error(address, e))?;
        let word = dev
            .smbus_read_word_data(0)
            .map_err(|e| self.smbus_error("SMBus read word data", address, e))?;
        Ok(decode_lm75_smbus_word(word, resolution))
    }

    /// A client handle bound to `address` with I2C_SLAVE, which fails with
    /// EBUSY when a kernel driver owns the address.
    fn client(&self, address: u16) -> Result<LinuxI2CDevice> {
        check_address(address)?;
        // Binding the address is the I2C_SLAVE ioctl.
        ioctl::note();
        LinuxI2CDevice::new(&self.dev_node, address).map_err(|e| self.open_error(address, e))
    }

    fn open_error(&self, address: u16, error: LinuxI2CError) -> Error {
        match error {
            LinuxI2CError::Io(source) => {
                Error::Io { op: IoOp::Open, path: self.dev_node.clone(), source }
            }
            LinuxI2CError::Errno(errno) => Error::Device {
                call: "I2C_SLAVE",
                device: self.device_label(address),
                source: io::Error::from_raw_os_error(errno),
            },
        }
    }

    fn smbus_error(&self, call: &'static str, address: u16, error: LinuxI2CError) -> Error {
        Error::Device { call, device: self.device_label(address), source: error.into() }
    }

    fn device_label(&self, address: u16) -> String {
        format!("{} address {address:#04x}", self.dev_node.display())
    }
}

fn check_address(address: u16) -> Result<()> {
    // 0x00-0x07 and 0x78-0x7f are reserved by the I2C specification.
    if (0x08..=0x77).contains(&address) {
        Ok(())
    } else {
        Err(Error::InvalidInput {
            what: "I2C address",
            value: format!("{address:#04x}"),
            reason: "must be a 7-bit device address 0x08..=0x77".to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;
    use crate::testing::{Fixture, copy_fixture};
    use std::fs;

    #[test]
    fn opening_a_missing_bus_names_the_device_node() {
        let root = Fixture::Armbian.root();
        let e = I2cBus::open(&root, 2).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::NotFound);
        assert_eq!(e.path(), Some(root.dev().join("i2c-2").as_path()));
    }

    #[test]
    fn reserved_addresses_are_rejected_before_any_io() {
        // A regular file stands in for the device node: the address check
        // must fail before any ioctl is attempted on it.
        let (_dir, root) = copy_fixture(Fixture::Armbian);
        fs::create_dir_all(root.dev()).unwrap();
        fs::write(root.dev().join("i2c-7"), "").unwrap();
        let bus = I2cBus::open(&root, 7).unwrap();
        for address in [0x00, 0x07, 0x78, 0x4c0] {
            let e = bus.read_byte(address).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidInput, "{address:#x}");
        }
        // A valid address on a non-i2c file fails in the I2C_SLAVE ioctl,
        // reported against the node and address.
        let e = bus.read_byte_data(0x50, 0).unwrap_err();
        assert!(matches!(e, Error::Device { call: "I2C_SLAVE", .. }), "{e:?}");
        assert!(e.to_string().contains("i2c-7 address 0x50"), "{e}");
    }
}
