//! Small traits at the board's edge, so control loops are tested with
//! injected faults.
//!
//! A fan daemon or a UPS monitor needs four things from the board: read a
//! temperature, drive a fan, read mains, read the battery. The sysfs handles
//! ([`ThermalZone`], [`BoardSensor`], [`DiskTemp`], [`Fan`], [`Ups`])
//! implement these traits; `testing::fakes` implements them with scripted
//! values and errors (an `EIO` on `pwm1` that no fixture tree can produce
//! when the tests run as root), so state machines run on fakes and a
//! simulated clock, and the same code runs on the box.
//!
//! The fail-safe of a fan is a provided method, [`FanOutput::set_full_speed`],
//! over the trait's primitives: the fake and the real fan reach the safe state
//! through the same code.

use std::path::Path;

use helios64_root::Attr;

use crate::ata::{AtaDisk, PowerMode};
use crate::error::{Error, Result};
use crate::fan::{Fan, FanHeader, PwmEnable};
use crate::hwmon::DiskTemp;
use crate::root::Root;
use crate::thermal::{BoardSensor, ThermalZone};
use crate::ups::{BatteryReading, MainsStatus, Ups};

/// Something that reads a temperature.
pub trait TempSensor {
    /// The current temperature in millidegrees Celsius.
    fn millicelsius(&self) -> Result<i64>;
}

impl TempSensor for ThermalZone {
    fn millicelsius(&self) -> Result<i64> {
        self.temp_millicelsius()
    }
}

impl TempSensor for BoardSensor {
    fn millicelsius(&self) -> Result<i64> {
        self.temp_millicelsius()
    }
}

impl TempSensor for DiskTemp {
    fn millicelsius(&self) -> Result<i64> {
        self.temp_millicelsius()
    }
}

/// A PWM fan: duty cycle and enable mode, as the pwm-fan driver has them.
pub trait FanOutput {
    /// The header, when known.
    fn header(&self) -> Option<FanHeader>;
    /// A name for messages (the DT node name on the box).
    fn label(&self) -> &str;
    /// Reads the duty cycle, 0..=255.
    fn pwm(&self) -> Result<u8>;
    /// Sets the duty cycle, 0..=255.
    fn set_pwm(&self, pwm: u8) -> Result<()>;
    /// Reads the enable mode; `None` where the driver has no `pwm1_enable`.
    fn pwm_enable(&self) -> Result<Option<PwmEnable>>;
    /// Sets the enable mode.
    fn set_pwm_enable(&self, mode: PwmEnable) -> Result<()>;

    /// The fail-safe: `pwm1_enable=1` (PWM on, regulator on) and `pwm1=255`,
    /// read back.
    ///
    /// Every step is tried whatever the one before did: 255 is written even
    /// when `pwm1_enable` cannot be read or written, and the first error is
    /// returned. A mode is only written when it is not already 1.
    fn set_full_speed(&self) -> Result<()> {
        let enabled = match self.pwm_enable() {
            Ok(Some(PwmEnable::Enabled)) | Ok(None) => Ok(()),
            Ok(Some(_)) => self.set_pwm_enable(PwmEnable::Enabled),
            // Unreadable: writing the safe mode is still worth trying.
            Err(e) => self.set_pwm_enable(PwmEnable::Enabled).and(Err(e)),
        };
        let full = self.set_pwm(u8::MAX).and_then(|()| match self.pwm()? {
            u8::MAX => Ok(()),
            now => Err(Error::InvalidInput {
                what: "pwm read back after full speed",
                value: now.to_string(),
                reason: format!("fan {} did not take 255", self.label()),
            }),
        });
        enabled.and(full)
    }
}

impl FanOutput for Fan {
    fn header(&self) -> Option<FanHeader> {
        Fan::header(self)
    }
    fn label(&self) -> &str {
        self.node_name()
    }
    fn pwm(&self) -> Result<u8> {
        Fan::pwm(self)
    }
    fn set_pwm(&self, pwm: u8) -> Result<()> {
        Fan::set_pwm(self, pwm)
    }
    fn pwm_enable(&self) -> Result<Option<PwmEnable>> {
        Fan::pwm_enable(self)
    }
    fn set_pwm_enable(&self, mode: PwmEnable) -> Result<()> {
        Fan::set_pwm_enable(self, mode)
    }
}

/// Sets every fan to full speed, trying all of them even when one fails,
/// and returns the first error (each failure is also logged).
pub fn all_full_speed<F: FanOutput + ?Sized>(fans: &[&F]) -> Result<()> {
    let mut first_error = None;
    for fan in fans {
        if let Err(e) = fan.set_full_speed() {
            tracing::error!(fan = fan.label(), error = %e, "cannot set fan to full speed");
            first_error.get_or_insert(e);
        }
    }
    first_error.map_or(Ok(()), Err)
}

/// Something that says whether a disk is spun down, without waking it.
pub trait DiskPower {
    /// The disk's power mode now.
    fn power_mode(&self) -> Result<PowerMode>;
}

impl DiskPower for AtaDisk {
    fn power_mode(&self) -> Result<PowerMode> {
        AtaDisk::power_mode(self)
    }
}

/// Something that says whether mains powers the board.
pub trait MainsSensor {
    /// Mains presence and charge status now; `None` when the board has no
    /// way to tell (no Mains supply and no GPIO banks).
    fn mains(&self) -> Result<Option<MainsStatus>>;
}

impl MainsSensor for Ups {
    fn mains(&self) -> Result<Option<MainsStatus>> {
        Ups::mains(self)
    }
}

/// Something that measures the battery.
pub trait BatteryGauge {
    /// The battery now (absent, present with its voltage, or unknown).
    fn battery(&self) -> Result<BatteryReading>;
    /// The DC input voltage in millivolts, where it is measured.
    fn dc_in_millivolts(&self) -> Result<Option<u32>>;
}

impl BatteryGauge for Ups {
    fn battery(&self) -> Result<BatteryReading> {
        Ups::battery(self)
    }
    fn dc_in_millivolts(&self) -> Result<Option<u32>> {
        Ups::dc_in_millivolts(self)
    }
}

/// A fan with its `pwm1` and `pwm1_enable` kept open ([`Fan::open_control`]):
/// each read or write is one system call, what a control loop needs.
#[derive(Debug)]
pub struct FanControl {
    header: Option<FanHeader>,
    label: String,
    pwm: Attr,
    enable: Option<Attr>,
}

const PWM: &str = "an integer pwm duty 0..=255";
const ENABLE: &str = "a pwm1_enable mode 0..=3";

impl Fan {
    /// Opens `pwm1` (and `pwm1_enable`, where the driver has it) for a
    /// control loop. Reopen after the fan is rediscovered: an unbound fan's
    /// open attributes fail with `ENODEV`.
    pub fn open_control(&self) -> Result<FanControl> {
        let root = self.hwmon().root();
        let pwm = root.open_attr(&self.hwmon().attr("pwm1"), true)?;
        let enable_path = self.hwmon().attr("pwm1_enable");
        let enable = if root.exists(&enable_path)? {
            Some(root.open_attr(&enable_path, true)?)
        } else {
            None
        };
        Ok(FanControl { header: self.header(), label: self.node_name().to_owned(), pwm, enable })
    }
}

impl FanOutput for FanControl {
    fn header(&self) -> Option<FanHeader> {
        self.header
    }
    fn label(&self) -> &str {
        &self.label
    }
    fn pwm(&self) -> Result<u8> {
        Ok(self.pwm.read_parse(PWM)?)
    }
    fn set_pwm(&self, pwm: u8) -> Result<()> {
        Ok(self.pwm.write(&pwm.to_string())?)
    }
    fn pwm_enable(&self) -> Result<Option<PwmEnable>> {
        match &self.enable {
            None => Ok(None),
            Some(attr) => Ok(Some(attr.read_parse(ENABLE)?)),
        }
    }
    fn set_pwm_enable(&self, mode: PwmEnable) -> Result<()> {
        match &self.enable {
            Some(attr) => Ok(attr.write(&mode.value().to_string())?),
            None => Err(Error::NotPresent {
                component: format!("pwm1_enable of fan {}", self.label),
                searched: self.pwm.path().to_path_buf(),
            }),
        }
    }
}

/// A temperature attribute kept open: one `pread` per reading.
#[derive(Debug)]
pub struct OpenTemp {
    attr: Attr,
}

const MILLI: &str = "an integer temperature in millidegrees Celsius";

impl OpenTemp {
    /// Opens the temperature attribute at `path` (a zone's `temp`, an
    /// hwmon's `temp1_input`).
    pub fn open(root: &Root, path: &Path) -> Result<OpenTemp> {
        Ok(OpenTemp { attr: root.open_attr(path, false)? })
    }

    /// The attribute read.
    pub fn path(&self) -> &Path {
        self.attr.path()
    }
}

impl TempSensor for OpenTemp {
    fn millicelsius(&self) -> Result<i64> {
        Ok(self.attr.read_parse(MILLI)?)
    }
}

impl ThermalZone {
    /// The zone's `temp`, kept open for a control loop.
    pub fn open_temp(&self) -> Result<OpenTemp> {
        OpenTemp::open(&self.root, &self.path().join("temp"))
    }
}

impl BoardSensor {
    /// The sensor's `temp1_input`, kept open for a control loop.
    pub fn open_temp(&self) -> Result<OpenTemp> {
        OpenTemp::open(self.hwmon.root(), &self.hwmon.attr("temp1_input"))
    }
}

impl DiskTemp {
    /// The disk's `temp1_input`, kept open for a control loop.
    pub fn open_temp(&self) -> Result<OpenTemp> {
        OpenTemp::open(self.hwmon.root(), &self.hwmon.attr("temp1_input"))
    }
}
