//! The simulator side of a gpio-sim bank: what the "outside world" drives
//! into an input line, and what a consumer drove out of an output line.

use std::fs;
use std::path::{Path, PathBuf};

use crate::Error;

/// The level the simulated outside world applies to an input line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pull {
    /// Reads as 1 (physical high) through the character device.
    Up,
    /// Reads as 0 (physical low). Every line starts pulled down.
    Down,
}

impl Pull {
    fn sysfs_value(self) -> &'static str {
        match self {
            Pull::Up => "pull-up",
            Pull::Down => "pull-down",
        }
    }
}

/// One simulated GPIO bank (a gpiochip created by gpio-sim).
#[derive(Debug, Clone)]
pub struct SimBank {
    label: String,
    chip: String,
    sim_dir: PathBuf,
}

impl SimBank {
    /// A bank whose simulator attributes live in
    /// `/sys/devices/platform/<sim_device>/<chip>`.
    pub(crate) fn new(label: &str, chip: &str, sim_device: &str) -> Self {
        SimBank {
            label: label.to_owned(),
            chip: chip.to_owned(),
            sim_dir: Path::new("/sys/devices/platform").join(sim_device).join(chip),
        }
    }

    /// The chip label (`gpio0`..`gpio4`).
    pub fn label(&self) -> &str {
        &self.label
    }

    /// The kernel's chip name (`gpiochipN`).
    pub fn chip_name(&self) -> &str {
        &self.chip
    }

    /// The GPIO character device (`/dev/gpiochipN`).
    pub fn dev_path(&self) -> PathBuf {
        Path::new("/dev").join(&self.chip)
    }

    /// Drives input line `offset` from the outside, as a signal on the board
    /// would (e.g. mains lost: pull [`AC_PRESENT`](crate::board::AC_PRESENT) down).
    pub fn set_pull(&self, offset: u32, pull: Pull) -> Result<(), Error> {
        let path = self.line_attr(offset, "pull");
        fs::write(&path, pull.sysfs_value()).map_err(|source| Error::Write {
            path,
            value: pull.sysfs_value().to_owned(),
            source,
        })
    }

    /// The line's level as the outside world sees it: the value a consumer
    /// drives on an output line, or the pull on an input line.
    pub fn value(&self, offset: u32) -> Result<bool, Error> {
        let path = self.line_attr(offset, "value");
        let text = fs::read_to_string(&path)
            .map_err(|source| Error::Read { path: path.clone(), source })?;
        parse_sim_value(&path, &text)
    }

    fn line_attr(&self, offset: u32, attr: &str) -> PathBuf {
        self.sim_dir.join(format!("sim_gpio{offset}")).join(attr)
    }
}

/// Parses a gpio-sim `value` attribute ("0" or "1", newline-terminated).
/// `path` only names the attribute in errors.
pub fn parse_sim_value(path: &Path, text: &str) -> Result<bool, Error> {
    match text.trim_end() {
        "0" => Ok(false),
        "1" => Ok(true),
        other => Err(Error::Invalid {
            source_name: path.display().to_string(),
            value: other.to_owned(),
            expected: "gpio-sim line value (0 or 1)",
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sim_paths() {
        let bank = SimBank::new("gpio4", "gpiochip4", "gpio-sim.0");
        assert_eq!(bank.dev_path(), Path::new("/dev/gpiochip4"));
        assert_eq!(
            bank.line_attr(25, "pull"),
            Path::new("/sys/devices/platform/gpio-sim.0/gpiochip4/sim_gpio25/pull")
        );
    }

    #[test]
    fn values() {
        let p = Path::new("value");
        assert!(!parse_sim_value(p, "0\n").unwrap());
        assert!(parse_sim_value(p, "1\n").unwrap());
        let err = parse_sim_value(p, "2\n").unwrap_err();
        assert_eq!(err.to_string(), "value: \"2\" is not a valid gpio-sim line value (0 or 1)");
        assert!(parse_sim_value(p, "").is_err());
    }
}
