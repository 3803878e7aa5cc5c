//! The two case fans, on headers P6 and P7, driven by the kernel's
//! `pwm-fan` driver.
//!
//! Each fan is a `pwm-fan` platform device with an hwmon device named
//! "pwmfan" under it; userspace sets the duty cycle through `pwm1`
//! (0–255, linear in duty cycle) and the driver's on/off behaviour through
//! `pwm1_enable`. The device-tree node names differ between device trees:
//!
//! | Header | PWM | Armbian DT | mainline DT |
//! |---|---|---|---|
//! | P7 | pwm0 (`pwm@ff420000`) | `p7-fan` | `fan1` |
//! | P6 | pwm1 (`pwm@ff420010`) | `p6-fan` | `fan2` |
//!
//! This follows the schematic and the Kobol PWM wiki page (P7 = FAN1 =
//! PWM0); note that the wiki's hardware table says the opposite ("P6 Fan 1,
//! P7 Fan 2"), so a fan labelled "Fan 1" in the case may sit on either.
//!
//! # No tachometer
//!
//! The Helios64 cannot measure fan speed. The fans' sense lines reach the
//! SoC (GPIO4_C5 for P7, GPIO4_C7 for P6) but no device tree gives the
//! pwm-fan nodes an interrupt for them, so the kernel creates no
//! `fan1_input` and nothing reports rpm. A stalled fan is therefore
//! invisible to software; watch temperatures instead. This crate never
//! estimates rpm from the duty cycle: [`FanSnapshot::tachometer_rpm`] is
//! `None` unless a kernel really exposes `fan1_input`.
//!
//! ```no_run
//! use helios64_hal::{FanHeader, Fans, Root};
//! let root = Root::system();
//! let fans = Fans::discover(&root)?;
//! fans.require(FanHeader::P6, &root)?.set_pwm(128)?;
//! // On any doubt (sensor gone, control loop exiting), fail safe:
//! fans.set_all_full_speed()?;
//! # Ok::<(), helios64_hal::Error>(())
//! ```

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::Serialize;

use crate::dt;
use crate::edge::{self, FanOutput};
use crate::error::{Error, Result};
use crate::hwmon::Hwmon;
use crate::root::{self, Root};
use crate::thermal::{CoolingDevice, CoolingDeviceSnapshot, cooling_devices};

/// A fan header on the board.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum FanHeader {
    /// Header P6, driven by PWM1 (`pwm@ff420010`).
    P6,
    /// Header P7, driven by PWM0 (`pwm@ff420000`).
    P7,
}

impl FanHeader {
    /// Both headers.
    pub const ALL: [FanHeader; 2] = [FanHeader::P6, FanHeader::P7];

    /// The header of a pwm-fan device-tree node, under either naming:
    /// `p6-fan`/`fan2` for P6, `p7-fan`/`fan1` for P7.
    pub fn from_node_name(node: &str) -> Option<FanHeader> {
        match node {
            "p6-fan" | "fan2" => Some(FanHeader::P6),
            "p7-fan" | "fan1" => Some(FanHeader::P7),
            _ => None,
        }
    }

    /// The device-tree node names used for this header, Armbian's first.
    pub fn node_names(self) -> [&'static str; 2] {
        match self {
            FanHeader::P6 => ["p6-fan", "fan2"],
            FanHeader::P7 => ["p7-fan", "fan1"],
        }
    }
}

impl fmt::Display for FanHeader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FanHeader::P6 => "P6",
            FanHeader::P7 => "P7",
        })
    }
}

/// The pwm-fan driver's `pwm1_enable` modes (kernel
/// `Documentation/hwmon/pwm-fan.rst`). They differ only in what happens
/// at `pwm1` = 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PwmEnable {
    /// 0: PWM and fan regulator off; the fan stops whatever `pwm1` says.
    Off,
    /// 1 (the driver's default): PWM on; at `pwm1` = 0 the PWM output is
    /// disabled but the regulator stays on.
    Enabled,
    /// 2: PWM and regulator stay on even at `pwm1` = 0.
    EnabledAlwaysOn,
    /// 3: PWM on; at `pwm1` = 0 both PWM and regulator are switched off.
    EnabledPowerOffAtZero,
}

impl PwmEnable {
    /// The value written to `pwm1_enable`.
    pub fn value(self) -> u8 {
        match self {
            PwmEnable::Off => 0,
            PwmEnable::Enabled => 1,
            PwmEnable::EnabledAlwaysOn => 2,
            PwmEnable::EnabledPowerOffAtZero => 3,
        }
    }
}

impl FromStr for PwmEnable {
    type Err = ();

    fn from_str(s: &str) -> std::result::Result<Self, ()> {
        match s.trim() {
            "0" => Ok(PwmEnable::Off),
            "1" => Ok(PwmEnable::Enabled),
            "2" => Ok(PwmEnable::EnabledAlwaysOn),
            "3" => Ok(PwmEnable::EnabledPowerOffAtZero),
            _ => Err(()),
        }
    }
}

/// One fan: a bound pwm-fan platform device and its hwmon device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fan {
    root: Root,
    header: Option<FanHeader>,
    node_name: String,
    device: PathBuf,
    of_node: Option<PathBuf>,
    hwmon: Hwmon,
}

/// One reading of a [`Fan`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FanSnapshot {
    /// The header, when the node name is a known one.
    pub header: Option<FanHeader>,
    /// The device-tree node name (`p6-fan`, `fan2`, ...).
    pub dt_node: String,
    /// Duty cycle, 0..=255 (255 = 100 %).
    pub pwm: u8,
    /// `pwm1_enable` mode; `None` on kernels without the attribute.
    pub pwm_enable: Option<PwmEnable>,
    /// The DT `cooling-levels`: the pwm value of each cooling state.
    pub cooling_levels: Option<Vec<u8>>,
    /// The PWM period from the DT `pwms` property (40000 ns = 25 kHz).
    pub pwm_period_ns: Option<u32>,
    /// Always `None` on the Helios64: it has no tachometer input (see the
    /// module documentation). `Some` only if a kernel exposes `fan1_input`,
    /// whose value is then reported as read.
    pub tachometer_rpm: Option<u32>,
    /// The hwmon directory as it reads on the box.
    pub hwmon_path: PathBuf,
}

const PWM: &str = "an integer pwm duty 0..=255";
const ENABLE: &str = "a pwm1_enable mode 0..=3";

impl Fan {
    /// The header, when the DT node name is a known one.
    pub fn header(&self) -> Option<FanHeader> {
        self.header
    }

    /// The device-tree node name.
    pub fn node_name(&self) -> &str {
        &self.node_name
    }

    /// The platform device directory, resolved.
    pub fn device(&self) -> &Path {
        &self.device
    }

    /// The fan's hwmon device.
    pub fn hwmon(&self) -> &Hwmon {
        &self.hwmon
    }

    /// Reads the duty cycle, 0..=255.
    pub fn pwm(&self) -> Result<u8> {
        self.root.read_parse(&self.hwmon.attr("pwm1"), PWM).map_err(Error::from)
    }

    /// Sets the duty cycle, 0..=255.
    pub fn set_pwm(&self, pwm: u8) -> Result<()> {
        self.root.write(&self.hwmon.attr("pwm1"), &pwm.to_string()).map_err(Error::from)
    }

    /// Reads the `pwm1_enable` mode, or `None` on kernels that lack it
    /// (before 6.0).
    pub fn pwm_enable(&self) -> Result<Option<PwmEnable>> {
        self.root.read_parse_optional(&self.hwmon.attr("pwm1_enable"), ENABLE).map_err(Error::from)
    }

    /// Sets the `pwm1_enable` mode.
    pub fn set_pwm_enable(&self, mode: PwmEnable) -> Result<()> {
        self.root
            .write(&self.hwmon.attr("pwm1_enable"), &mode.value().to_string())
            .map_err(Error::from)
    }

    /// The fail-safe: `pwm1_enable=1` and `pwm1=255`, read back; see
    /// [`FanOutput::set_full_speed`], which this is.
    pub fn set_full_speed(&self) -> Result<()> {
        FanOutput::set_full_speed(self)
    }

    /// The DT `cooling-levels` (pwm value per cooling state), or `None`
    /// when the node has none or the device has no DT node.
    pub fn cooling_levels(&self) -> Result<Option<Vec<u8>>> {
        let Some(node) = &self.of_node else { return Ok(None) };
        let path = node.join("cooling-levels");
        let Some(cells) = dt::read_cells_optional(&self.root, &path)? else { return Ok(None) };
        cells
            .iter()
            .map(|&c| u8::try_from(c))
            .collect::<std::result::Result<Vec<u8>, _>>()
            .map(Some)
            .map_err(|_| Error::malformed(&path, &format!("{cells:?}"), "pwm levels 0..=255"))
    }

    /// The PWM period in nanoseconds from the DT `pwms` property
    /// (`<&pwm channel period flags>`), or `None` without a DT node.
    pub fn pwm_period_ns(&self) -> Result<Option<u32>> {
        let Some(node) = &self.of_node else { return Ok(None) };
        let path = node.join("pwms");
        match dt::read_cells_optional(&self.root, &path)? {
            None => Ok(None),
            Some(cells) => match cells.get(2) {
                Some(&period) => Ok(Some(period)),
                None => Err(Error::malformed(
                    &path,
                    &format!("{cells:?}"),
                    "<phandle channel period [flags]> cells",
                )),
            },
        }
    }

    /// Reads duty cycle, mode and DT data.
    pub fn snapshot(&self) -> Result<FanSnapshot> {
        Ok(FanSnapshot {
            header: self.header,
            dt_node: self.node_name.clone(),
            pwm: self.pwm()?,
            pwm_enable: self.pwm_enable()?,
            cooling_levels: self.cooling_levels()?,
            pwm_period_ns: self.pwm_period_ns()?,
            tachometer_rpm: self
                .root
                .read_parse_optional(&self.hwmon.attr("fan1_input"), "an integer rpm")?,
            hwmon_path: self.root.on_box(self.hwmon.path()),
        })
    }
}

/// Every bound pwm-fan device, plus the "pwm-fan" cooling devices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fans {
    fans: Vec<Fan>,
    cooling_devices: Vec<CoolingDevice>,
}

/// One reading of every fan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FansSnapshot {
    /// The fans, P6 first.
    pub fans: Vec<FanSnapshot>,
    /// The "pwm-fan" cooling devices; see [`Fans::cooling_devices`].
    pub cooling_devices: Vec<CoolingDeviceSnapshot>,
}

impl Fans {
    /// Finds every platform device bound to the `pwm-fan` driver and its
    /// hwmon device, ordered P6, P7, then any fan with an unknown node name.
    pub fn discover(root: &Root) -> Result<Fans> {
        let mut fans = Vec::new();
        for entry in root.list_optional(&root.bus_devices("platform"))? {
            if root.link_name(&entry.join("driver"))?.as_deref() != Some("pwm-fan") {
                continue;
            }
            let device = root.resolve(&entry)?;
            let of_node_link = device.join("of_node");
            let of_node = match root.lexists(&of_node_link)? {
                true => Some(root.resolve(&of_node_link)?),
                false => None,
            };
            let node_name = root::file_name(of_node.as_deref().unwrap_or(&device))?.to_owned();
            let hwmon = Hwmon::of_device(root, &device)?.ok_or_else(|| Error::NotPresent {
                component: format!("hwmon of pwm-fan {node_name}"),
                searched: device.join("hwmon"),
            })?;
            fans.push(Fan {
                root: root.clone(),
                header: FanHeader::from_node_name(&node_name),
                node_name,
                device,
                of_node,
                hwmon,
            });
        }
        fans.sort_by(|a, b| {
            (a.header.is_none(), a.header, &a.node_name).cmp(&(
                b.header.is_none(),
                b.header,
                &b.node_name,
            ))
        });
        let cooling_devices =
            cooling_devices(root)?.into_iter().filter(|d| d.cooling_type() == "pwm-fan").collect();
        Ok(Fans { fans, cooling_devices })
    }

    /// Every fan found.
    pub fn all(&self) -> &[Fan] {
        &self.fans
    }

    /// The fan on `header`, if found.
    pub fn get(&self, header: FanHeader) -> Option<&Fan> {
        self.fans.iter().find(|f| f.header == Some(header))
    }

    /// The fan on `header`, or [`Error::NotPresent`].
    pub fn require(&self, header: FanHeader, root: &Root) -> Result<&Fan> {
        self.get(header).ok_or_else(|| Error::NotPresent {
            component: format!("fan {header} (DT node {})", header.node_names().join(" or ")),
            searched: root.bus_devices("platform"),
        })
    }

    /// The thermal cooling devices of type "pwm-fan", one per fan.
    ///
    /// The thermal core gives cooling devices no parent device, so which
    /// one belongs to which fan cannot be read from sysfs; they are listed
    /// for completeness (their `cur_state` follows `pwm1` through the
    /// cooling levels).
    pub fn cooling_devices(&self) -> &[CoolingDevice] {
        &self.cooling_devices
    }

    /// Sets every fan to full speed, trying all of them even when one
    /// fails, and returns the first error.
    pub fn set_all_full_speed(&self) -> Result<()> {
        let fans: Vec<&Fan> = self.fans.iter().collect();
        edge::all_full_speed(&fans)
    }

    /// Reads every fan.
    pub fn snapshot(&self) -> Result<FansSnapshot> {
        Ok(FansSnapshot {
            fans: self.fans.iter().map(Fan::snapshot).collect::<Result<_>>()?,
            cooling_devices: self
                .cooling_devices
                .iter()
                .map(CoolingDevice::snapshot)
                .collect::<Result<_>>()?,
        })
    }
}

#[cfg(test)]
mod tests;
