//! Industrial I/O ADCs: the RK3399 SARADC that measures the UPS battery and
//! the DC input.
//!
//! IIO device numbers (`iio:deviceN`) follow probe order, so the SARADC is
//! found by its name (`ff100000.saradc`, the platform device name
//! rockchip_saradc registers) or its device-tree node (`saradc@ff100000`,
//! compatible `rockchip,rk3399-saradc`), never as `iio:device0`.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::root::{self, Root};

/// The SARADC's platform device name, which is also its IIO `name`.
pub const SARADC_NAME: &str = "ff100000.saradc";
/// The SARADC's device-tree node name.
pub const SARADC_NODE: &str = "saradc@ff100000";
/// The SARADC's DT compatible on the RK3399.
pub const SARADC_COMPATIBLE: &str = "rockchip,rk3399-saradc";

/// An IIO device (`/sys/bus/iio/devices/iio:deviceN`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IioDevice {
    root: Root,
    dir: PathBuf,
    name: String,
}

impl IioDevice {
    /// Every IIO device (triggers excluded).
    pub fn all(root: &Root) -> Result<Vec<IioDevice>> {
        let mut out = Vec::new();
        for entry in root.list_optional(&root.bus_devices("iio"))? {
            if !root::file_name(&entry)?.starts_with("iio:device") {
                continue;
            }
            let dir = root.resolve(&entry)?;
            let name = root.read(&dir.join("name"))?;
            out.push(IioDevice { root: root.clone(), dir, name });
        }
        Ok(out)
    }

    /// The RK3399 SARADC, by IIO name or device-tree node.
    pub fn saradc(root: &Root) -> Result<IioDevice> {
        for dev in Self::all(root)? {
            if dev.name == SARADC_NAME || dev.of_node_matches()? {
                return Ok(dev);
            }
        }
        Err(Error::NotPresent {
            component: format!("SARADC ({SARADC_NAME})"),
            searched: root.bus_devices("iio"),
        })
    }

    fn of_node_matches(&self) -> Result<bool> {
        let link = self.dir.join("of_node");
        if self.root.link_name(&link)?.is_none() {
            return Ok(false);
        }
        let node = self.root.resolve(&link)?;
        if root::file_name(&node)? == SARADC_NODE {
            return Ok(true);
        }
        let compatible = self.root.read_bytes(&node.join("compatible"))?;
        Ok(compatible.split(|b| *b == 0).any(|c| c == SARADC_COMPATIBLE.as_bytes()))
    }

    /// The IIO `name`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The device's sysfs directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// `in_voltage<channel>_raw`: the ADC code.
    pub fn raw(&self, channel: u32) -> Result<i64> {
        self.root
            .read_parse(
                &self.dir.join(format!("in_voltage{channel}_raw")),
                "an integer ADC reading",
            )
            .map_err(Error::from)
    }

    /// The scale in millivolts per LSB: `in_voltage<channel>_scale` when the
    /// channel has its own, else the shared `in_voltage_scale`.
    pub fn scale(&self, channel: u32) -> Result<f64> {
        const EXPECTED: &str = "a decimal scale in mV per LSB";
        let own = self.dir.join(format!("in_voltage{channel}_scale"));
        let path = if self.root.exists(&own)? { own } else { self.dir.join("in_voltage_scale") };
        let scale: f64 = self.root.read_parse(&path, EXPECTED)?;
        if !scale.is_finite() || scale <= 0.0 {
            return Err(Error::malformed(&path, &scale.to_string(), EXPECTED));
        }
        Ok(scale)
    }

    /// The voltage at the ADC pin in millivolts: raw × scale.
    pub fn millivolts(&self, channel: u32) -> Result<f64> {
        Ok(adc_millivolts(self.raw(channel)?, self.scale(channel)?))
    }
}

/// raw × scale, the IIO convention for millivolts at the ADC pin.
pub fn adc_millivolts(raw: i64, scale_mv_per_lsb: f64) -> f64 {
    // ADC codes are at most a few thousand; the conversion is exact.
    #[allow(clippy::cast_precision_loss)]
    let raw = raw as f64;
    raw * scale_mv_per_lsb
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;
    use crate::testing::{Fixture, copy_fixture};
    use std::fs;

    #[test]
    fn the_saradc_is_found_whatever_its_index() {
        let armbian = IioDevice::saradc(&Fixture::Armbian.root()).unwrap();
        assert!(armbian.dir().ends_with("ff100000.saradc/iio:device1"));
        let mainline = IioDevice::saradc(&Fixture::Mainline.root()).unwrap();
        assert!(mainline.dir().ends_with("ff100000.saradc/iio:device0"));
        assert_eq!(IioDevice::all(&Fixture::Armbian.root()).unwrap().len(), 2);
        for dev in [armbian, mainline] {
            assert_eq!(dev.name(), SARADC_NAME);
            assert_eq!(dev.scale(2).unwrap(), 1.7578125);
            assert_eq!(dev.raw(4).unwrap(), 748);
        }
    }

    #[test]
    fn found_by_of_node_when_the_name_differs() {
        let (_d, root) = copy_fixture(Fixture::Armbian);
        let dev = IioDevice::saradc(&root).unwrap();
        fs::write(dev.dir().join("name"), "saradc\n").unwrap();
        let again = IioDevice::saradc(&root).unwrap();
        assert_eq!(again.name(), "saradc");
        assert_eq!(again.dir(), dev.dir());
    }

    #[test]
    fn kobol_table_arithmetic() {
        // 1800 mV / 2^10 per LSB.
        let scale = 1800.0 / 1024.0;
        assert!((adc_millivolts(521, scale) - 915.8).abs() < 0.05);
        assert!((adc_millivolts(625, scale) - 1098.6).abs() < 0.05);
        assert!((adc_millivolts(65, scale) - 114.3).abs() < 0.05);
        assert_eq!(adc_millivolts(0, scale), 0.0);
    }

    #[test]
    fn bad_and_missing_channels_name_the_path() {
        for f in Fixture::ALL {
            let (_d, root) = copy_fixture(f);
            let dev = IioDevice::saradc(&root).unwrap();
            let raw = dev.dir().join("in_voltage2_raw");
            let scale = dev.dir().join("in_voltage_scale");
            for (path, bad) in
                [(&raw, "x"), (&raw, ""), (&scale, "nan"), (&scale, "-1.0"), (&scale, "0")]
            {
                let good = fs::read_to_string(path).unwrap();
                fs::write(path, bad).unwrap();
                let e = dev.millivolts(2).unwrap_err();
                assert_eq!(
                    (e.kind(), e.path()),
                    (ErrorKind::Malformed, Some(path.as_path())),
                    "{bad:?}"
                );
                fs::write(path, good).unwrap();
            }
            fs::remove_file(&raw).unwrap();
            let e = dev.millivolts(2).unwrap_err();
            assert_eq!((e.kind(), e.path()), (ErrorKind::NotFound, Some(raw.as_path())));
            fs::write(dev.dir().join("in_voltage4_scale"), "2.0\n").unwrap();
            assert_eq!(dev.millivolts(4).unwrap(), 1496.0, "a per-channel scale wins");
        }
    }

    #[test]
    fn no_iio_bus_is_not_present() {
        let dir = tempfile::tempdir().unwrap();
        let e = IioDevice::saradc(&Root::new(dir.path())).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::NotFound);
        assert!(e.to_string().contains(SARADC_NAME));
    }
}
