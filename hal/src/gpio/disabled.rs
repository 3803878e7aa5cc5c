//! The GPIO character-device calls when `helios64-hal` is built without its
//! `gpio` feature: the same API, every call an [`Error::FeatureDisabled`].
//! The sysfs side of [`GpioChip`] is unaffected.

use std::convert::Infallible;

use super::GpioChardevInfo;
use super::GpioChip;
use crate::error::{Error, Result};

fn disabled<T>(call: &'static str) -> Result<T> {
    Err(Error::FeatureDisabled { feature: "gpio", call })
}

impl GpioChip {
    /// The chip's label and line count as the character device reports
    /// them (needs the `gpio` feature).
    pub fn chardev_info(&self) -> Result<GpioChardevInfo> {
        disabled("GPIO chip info")
    }

    /// The offset of the line named `name` (needs the `gpio` feature).
    pub fn find_line(&self, _name: &str) -> Result<Option<u32>> {
        disabled("GPIO line lookup")
    }

    /// Requests line `offset` as an input (needs the `gpio` feature).
    pub fn request_input(&self, _offset: u32, _active_low: bool) -> Result<GpioInput> {
        disabled("GPIO line request")
    }

    /// Requests line `offset` as an output (needs the `gpio` feature).
    pub fn request_output(&self, _offset: u32, _active: bool) -> Result<GpioOutput> {
        disabled("GPIO line request")
    }
}

/// A requested input line (never constructed without the `gpio` feature).
#[derive(Debug)]
pub struct GpioInput {
    never: Infallible,
}

impl GpioInput {
    /// Reads the logical value.
    pub fn is_active(&self) -> Result<bool> {
        match self.never {}
    }
}

/// A requested output line (never constructed without the `gpio` feature).
#[derive(Debug)]
pub struct GpioOutput {
    never: Infallible,
}

impl GpioOutput {
    /// Drives the line.
    pub fn set(&self, _active: bool) -> Result<()> {
        match self.never {}
    }
}

/// Arms or disarms the auto-power-on flip-flop (needs the `gpio` feature).
pub fn set_auto_power_on(_chip: &GpioChip, _armed: bool) -> Result<()> {
    disabled("auto power-on")
}
