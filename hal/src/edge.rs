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

use crate::error::{Error, Result};
use crate::fan::{Fan, FanHeader, PwmEnable};
use crate::hwmon::DiskTemp;
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
