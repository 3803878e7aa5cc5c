//! The GPIO character device (uAPI v2, through `gpiocdev`): line requests
//! and chip info. Built with the `gpio` feature; without it the sysfs side
//! of [`GpioChip`] (discovery, labels, legacy bases) still works and these
//! calls fail with [`Error::FeatureDisabled`].

use std::io;
use std::path::PathBuf;

use super::{GPIO_CONSUMER, GpioChardevInfo, GpioChip, pins};
use crate::error::{Error, IoOp, Result};
use crate::ioctl;

impl GpioChip {
    fn open(&self) -> Result<gpiocdev::Chip> {
        let path = self.dev_path();
        if !self.root.exists(&path)? {
            return Err(Error::Io {
                op: IoOp::Open,
                path,
                source: io::Error::from(io::ErrorKind::NotFound),
            });
        }
        // Opening a chip already asks it for its info (GPIO_GET_CHIPINFO).
        ioctl::note();
        gpiocdev::Chip::from_path(&path).map_err(|source| Error::Gpio {
            call: "open",
            chip: path,
            source,
        })
    }

    /// The chip's label and line count as the character device reports them.
    pub fn chardev_info(&self) -> Result<GpioChardevInfo> {
        let info = self.open()?.info().map_err(|source| Error::Gpio {
            call: "chip info",
            chip: self.dev_path(),
            source,
        })?;
        Ok(GpioChardevInfo { label: info.label, lines: info.num_lines })
    }

    /// The offset of the line named `name` (gpio-line-names; the Helios64's
    /// Linux DTs have none, gpio-sim chips do).
    pub fn find_line(&self, name: &str) -> Result<Option<u32>> {
        Ok(self.open()?.find_line_info(name).map(|info| info.offset))
    }

    /// Requests line `offset` as an input. `active_low` inverts the logical
    /// value, as a DT `GPIO_ACTIVE_LOW` flag would.
    pub fn request_input(&self, offset: u32, active_low: bool) -> Result<GpioInput> {
        let mut builder = gpiocdev::Request::builder();
        builder.on_chip(self.dev_path()).with_consumer(GPIO_CONSUMER).with_line(offset).as_input();
        if active_low {
            builder.as_active_low();
        }
        let request = self.request(&mut builder)?;
        Ok(GpioInput { request, offset, chip: self.dev_path() })
    }

    /// Requests line `offset` as an output driven to `active`.
    pub fn request_output(&self, offset: u32, active: bool) -> Result<GpioOutput> {
        let mut builder = gpiocdev::Request::builder();
        builder
            .on_chip(self.dev_path())
            .with_consumer(GPIO_CONSUMER)
            .with_line(offset)
            .as_output(value(active));
        let request = self.request(&mut builder)?;
        Ok(GpioOutput { request, offset, chip: self.dev_path() })
    }

    fn request(&self, builder: &mut gpiocdev::request::Builder) -> Result<gpiocdev::Request> {
        // Checked here so a missing node reads "cannot open …/gpiochipN"
        // (NotFound) rather than an opaque library error.
        self.open()?;
        ioctl::note();
        builder.request().map_err(|source| Error::Gpio {
            call: "line request",
            chip: self.dev_path(),
            source,
        })
    }
}

fn value(active: bool) -> gpiocdev::line::Value {
    if active { gpiocdev::line::Value::Active } else { gpiocdev::line::Value::Inactive }
}

/// A requested input line.
#[derive(Debug)]
pub struct GpioInput {
    request: gpiocdev::Request,
    offset: u32,
    chip: PathBuf,
}

impl GpioInput {
    /// Reads the logical value (active = `true`).
    pub fn is_active(&self) -> Result<bool> {
        self.request
            .value(self.offset)
            .map(|v| v == gpiocdev::line::Value::Active)
            .map_err(|source| Error::Gpio { call: "get value", chip: self.chip.clone(), source })
    }
}

/// A requested output line. Released (and left as the kernel leaves it)
/// when dropped.
#[derive(Debug)]
pub struct GpioOutput {
    request: gpiocdev::Request,
    offset: u32,
    chip: PathBuf,
}

impl GpioOutput {
    /// Drives the line active (`true`) or inactive.
    pub fn set(&self, active: bool) -> Result<()> {
        self.request.set_value(self.offset, value(active)).map_err(|source| Error::Gpio {
            call: "set value",
            chip: self.chip.clone(),
            source,
        })
    }
}

/// Arms (`true`) or disarms the auto-power-on flip-flop: D is set, then a
/// rising CLK edge latches it. Armed, the board powers on when mains
/// returns; U-Boot arms it at every boot and Armbian's shutdown hook
/// disarms it unless the board is on battery. `chip` is the bank holding
/// [`pins::AUTO_ON_EN_D`] and [`pins::AUTO_ON_EN_CLK`] (gpio4 on the board;
/// any chip with those offsets in tests).
pub fn set_auto_power_on(chip: &GpioChip, armed: bool) -> Result<()> {
    let data = chip.request_output(u32::from(pins::AUTO_ON_EN_D.offset()), armed)?;
    let clock = chip.request_output(u32::from(pins::AUTO_ON_EN_CLK.offset()), false)?;
    clock.set(true)?;
    clock.set(false)?;
    drop(data);
    Ok(())
}
