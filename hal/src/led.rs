//! The board's LEDs (`/sys/class/leds`), by role.
//!
//! Armbian's device tree has eleven LEDs; the mainline one has only the
//! status and fault LEDs, and names the status LED `helios64:green:status`
//! where Armbian uses `helios64::status` ([`LedRole::names`] knows both).
//! The per-bay activity LEDs are driven by the JMB585 in hardware and are
//! not in sysfs at all.
//!
//! Writing brightness while a blinking trigger (heartbeat, timer, netdev)
//! is active makes the kernel drop the trigger when the value is 0; set the
//! trigger to `none` first to hold a LED steady.
//!
//! ```no_run
//! use helios64_hal::{LedRole, Leds, Root};
//! let root = Root::system();
//! let leds = Leds::discover(&root)?;
//! let err = leds.require(LedRole::ata_error(3).expect("bays are 1..=5"), &root)?;
//! err.set_trigger("none")?;
//! err.set_brightness(1)?;
//! # Ok::<(), helios64_hal::Error>(())
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::{Error, Result};
use crate::root::{self, Root};

/// What an LED means on the Helios64 front panel and board.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum LedRole {
    /// System status (green, GPIO0_B4); Armbian runs a heartbeat on it.
    Status,
    /// Fault (red, GPIO0_B5); Armbian's default trigger is "panic".
    Fault,
    /// Network activity (blue, GPIO0_A4), netdev trigger.
    Net,
    /// Consolidated disk activity (blue, GPIO4_D4), ORed in hardware with
    /// the JMB585 activity lines.
    HddStatus,
    /// SATA bay 1 error (red).
    Ata1Err,
    /// SATA bay 2 error (red).
    Ata2Err,
    /// SATA bay 3 error (red).
    Ata3Err,
    /// SATA bay 4 error (red).
    Ata4Err,
    /// SATA bay 5 error (red).
    Ata5Err,
    /// USB 3 activity (blue), usbport trigger on the internal hub ports.
    Usb3,
    /// Power status (blue), a PWM LED with 256 brightness levels.
    PowerStatus,
}

impl LedRole {
    /// Every role, in front-panel order.
    pub const ALL: [LedRole; 11] = [
        LedRole::Status,
        LedRole::Fault,
        LedRole::Net,
        LedRole::HddStatus,
        LedRole::Ata1Err,
        LedRole::Ata2Err,
        LedRole::Ata3Err,
        LedRole::Ata4Err,
        LedRole::Ata5Err,
        LedRole::Usb3,
        LedRole::PowerStatus,
    ];

    /// The `/sys/class/leds` names of this role, Armbian's first.
    pub fn names(self) -> &'static [&'static str] {
        match self {
            LedRole::Status => &["helios64::status", "helios64:green:status"],
            LedRole::Fault => &["helios64:red:fault"],
            LedRole::Net => &["helios64:blue:net"],
            LedRole::HddStatus => &["helios64:blue:hdd-status"],
            LedRole::Ata1Err => &["helios64:red:ata1-err"],
            LedRole::Ata2Err => &["helios64:red:ata2-err"],
            LedRole::Ata3Err => &["helios64:red:ata3-err"],
            LedRole::Ata4Err => &["helios64:red:ata4-err"],
            LedRole::Ata5Err => &["helios64:red:ata5-err"],
            LedRole::Usb3 => &["helios64:blue:usb3"],
            LedRole::PowerStatus => &["helios64:blue:power-status"],
        }
    }

    /// The role of an LED name, if it is a Helios64 one.
    pub fn from_name(name: &str) -> Option<LedRole> {
        LedRole::ALL.into_iter().find(|r| r.names().contains(&name))
    }

    /// The error LED of SATA bay `bay` (1..=5).
    pub fn ata_error(bay: u8) -> Option<LedRole> {
        match bay {
            1 => Some(LedRole::Ata1Err),
            2 => Some(LedRole::Ata2Err),
            3 => Some(LedRole::Ata3Err),
            4 => Some(LedRole::Ata4Err),
            5 => Some(LedRole::Ata5Err),
            _ => None,
        }
    }

    /// Whether the mainline device tree has this LED (only status and
    /// fault); Armbian's has all of them.
    pub fn in_mainline_dt(self) -> bool {
        matches!(self, LedRole::Status | LedRole::Fault)
    }
}

impl fmt::Display for LedRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The Armbian name's function part, e.g. "ata3-err".
        let name = self.names()[0];
        f.write_str(name.rsplit(':').next().unwrap_or(name))
    }
}

/// The `trigger` attribute: every trigger the kernel offers, and the
/// active one (the bracketed entry).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Triggers {
    /// Every registered trigger, in the kernel's order.
    pub available: Vec<String>,
    /// The active trigger; `"none"` when none is.
    pub current: String,
}

/// Parses the content of a `trigger` attribute, e.g.
/// `"none [heartbeat] timer"`. Exactly one entry must be bracketed (the
/// kernel brackets `none` when no trigger is active).
///
/// ```
/// use helios64_hal::parse_triggers;
/// let t = parse_triggers("none disk-activity [heartbeat] netdev").unwrap();
/// assert_eq!(t.current, "heartbeat");
/// assert_eq!(t.available.len(), 4);
/// assert!(parse_triggers("none heartbeat").is_none());
/// ```
pub fn parse_triggers(text: &str) -> Option<Triggers> {
    let mut available = Vec::new();
    let mut current = None;
    for token in text.split_whitespace() {
        let name = match token.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
            Some(active) => {
                if current.replace(active.to_owned()).is_some() {
                    return None;
                }
                active
            }
            None => token,
        };
        if name.is_empty() || name.contains(['[', ']']) {
            return None;
        }
        available.push(name.to_owned());
    }
    Some(Triggers { available, current: current? })
}

/// Settings of the `netdev` trigger, present while it is active.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NetdevSettings {
    /// The interface the LED follows (may name a missing interface; the
    /// kernel accepts any name, and Armbian's service writes `eth0` even
    /// where the interface is now `end0`).
    pub device_name: String,
    /// Light while the link is up.
    pub link: bool,
    /// Blink on receive.
    pub rx: bool,
    /// Blink on transmit.
    pub tx: bool,
    /// Blink interval in milliseconds. The kernel keeps it in jiffies, so
    /// it reads back rounded up to a whole tick (50 ms is 52 ms at
    /// `HZ=250`, the arm64 default).
    pub interval_ms: u32,
}

/// One LED.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Led {
    root: Root,
    name: String,
    role: Option<LedRole>,
    path: PathBuf,
}

/// One reading of an [`Led`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LedSnapshot {
    /// The class device name.
    pub name: String,
    /// Its role, when it is a Helios64 LED.
    pub role: Option<LedRole>,
    /// Current brightness.
    pub brightness: u32,
    /// Highest brightness (1 for GPIO LEDs, 255 for the PWM power LED).
    pub max_brightness: u32,
    /// The active trigger.
    pub trigger: String,
    /// Every trigger the kernel offers.
    pub available_triggers: Vec<String>,
    /// netdev settings, when the netdev trigger is active.
    pub netdev: Option<NetdevSettings>,
    /// Whether the interface named by the netdev trigger exists
    /// (`/sys/class/net/<device_name>`); `None` without netdev.
    pub netdev_interface_present: Option<bool>,
}

const BRIGHTNESS: &str = "a non-negative integer brightness";
const FLAG: &str = "0 or 1";

impl Led {
    /// The LED `name` under `/sys/class/leds`.
    pub fn open(root: &Root, name: &str) -> Result<Led> {
        let link = root.class("leds").join(name);
        if !root.lexists(&link)? {
            return Err(Error::NotPresent {
                component: format!("LED {name}"),
                searched: root.class("leds"),
            });
        }
        Ok(Led {
            root: root.clone(),
            name: name.to_owned(),
            role: LedRole::from_name(name),
            path: root.resolve(&link)?,
        })
    }

    /// The class device name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The role, when it is a Helios64 LED.
    pub fn role(&self) -> Option<LedRole> {
        self.role
    }

    /// The resolved class device directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Reads the current brightness.
    pub fn brightness(&self) -> Result<u32> {
        self.root.read_parse(&self.path.join("brightness"), BRIGHTNESS).map_err(Error::from)
    }

    /// Reads the highest brightness.
    pub fn max_brightness(&self) -> Result<u32> {
        self.root.read_parse(&self.path.join("max_brightness"), BRIGHTNESS).map_err(Error::from)
    }

    /// Sets the brightness, rejecting values above `max_brightness`
    /// (which the kernel would silently clamp).
    pub fn set_brightness(&self, brightness: u32) -> Result<()> {
        let max = self.max_brightness()?;
        if brightness > max {
            return Err(Error::InvalidInput {
                what: "LED brightness",
                value: brightness.to_string(),
                reason: format!("{} accepts 0..={max}", self.name),
            });
        }
        self.root.write(&self.path.join("brightness"), &brightness.to_string()).map_err(Error::from)
    }

    /// Reads the available triggers and the active one.
    pub fn triggers(&self) -> Result<Triggers> {
        let path = self.path.join("trigger");
        let text = self.root.read(&path)?;
        parse_triggers(&text).ok_or_else(|| {
            Error::malformed(&path, &text, "trigger names with exactly one in [brackets]")
        })
    }

    /// Activates `trigger` (`"none"` to deactivate), which must be one the
    /// kernel offers: a trigger whose module is not loaded (e.g. `netdev`
    /// without ledtrig-netdev) is rejected with [`Error::InvalidInput`].
    pub fn set_trigger(&self, trigger: &str) -> Result<()> {
        let triggers = self.triggers()?;
        if !triggers.available.iter().any(|t| t == trigger) {
            return Err(Error::InvalidInput {
                what: "LED trigger",
                value: trigger.to_owned(),
                reason: format!(
                    "{} offers only: {} (is the trigger's module loaded?)",
                    self.name,
                    triggers.available.join(" ")
                ),
            });
        }
        self.root.write(&self.path.join("trigger"), trigger).map_err(Error::from)
    }

    /// Reads the netdev trigger's settings, or `None` when the active
    /// trigger is not netdev.
    pub fn netdev(&self) -> Result<Option<NetdevSettings>> {
        if self.triggers()?.current != "netdev" {
            return Ok(None);
        }
        let flag = |name: &str| -> Result<bool> {
            let path = self.path.join(name);
            match self.root.read(&path)?.as_str() {
                "0" => Ok(false),
                "1" => Ok(true),
                other => Err(Error::malformed(&path, other, FLAG)),
            }
        };
        Ok(Some(NetdevSettings {
            device_name: self.root.read(&self.path.join("device_name"))?,
            link: flag("link")?,
            rx: flag("rx")?,
            tx: flag("tx")?,
            interval_ms: self
                .root
                .read_parse(&self.path.join("interval"), "an interval in milliseconds")?,
        }))
    }

    /// Writes the netdev trigger's settings. The netdev trigger must be
    /// active ([`Led::set_trigger`]`("netdev")`), since its files exist
    /// only then.
    pub fn set_netdev(&self, settings: &NetdevSettings) -> Result<()> {
        let current = self.triggers()?.current;
        if current != "netdev" {
            return Err(Error::InvalidInput {
                what: "netdev LED settings",
                value: self.name.clone(),
                reason: format!("the active trigger is {current}, not netdev"),
            });
        }
        let flag = |b: bool| if b { "1" } else { "0" };
        self.root.write(&self.path.join("device_name"), &settings.device_name)?;
        self.root.write(&self.path.join("link"), flag(settings.link))?;
        self.root.write(&self.path.join("rx"), flag(settings.rx))?;
        self.root.write(&self.path.join("tx"), flag(settings.tx))?;
        self.root
            .write(&self.path.join("interval"), &settings.interval_ms.to_string())
            .map_err(Error::from)
    }

    /// Reads everything.
    pub fn snapshot(&self) -> Result<LedSnapshot> {
        let triggers = self.triggers()?;
        let netdev = self.netdev()?;
        Ok(LedSnapshot {
            name: self.name.clone(),
            role: self.role,
            brightness: self.brightness()?,
            max_brightness: self.max_brightness()?,
            netdev_interface_present: match &netdev {
                None => None,
                Some(n) if n.device_name.is_empty() => Some(false),
                Some(n) => Some(self.root.exists(&self.root.class("net").join(&n.device_name))?),
            },
            netdev,
            trigger: triggers.current,
            available_triggers: triggers.available,
        })
    }
}

/// Every LED, Helios64 ones by role and any others by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leds {
    by_role: BTreeMap<LedRole, Led>,
    others: Vec<Led>,
}

impl Leds {
    /// Lists `/sys/class/leds`. A role found under two names (both status
    /// names at once) keeps the Armbian one; the other goes to
    /// [`Leds::others`].
    pub fn discover(root: &Root) -> Result<Leds> {
        let mut by_role = BTreeMap::new();
        let mut others = Vec::new();
        let mut leds = Vec::new();
        for entry in root.list_optional(&root.class("leds"))? {
            leds.push(Led::open(root, root::file_name(&entry)?)?);
        }
        // Armbian names first, so they win a role.
        leds.sort_by_key(|l| l.role.map(|r| r.names().iter().position(|n| *n == l.name)));
        for led in leds {
            match led.role {
                Some(role) if !by_role.contains_key(&role) => {
                    by_role.insert(role, led);
                }
                _ => others.push(led),
            }
        }
        others.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(Leds { by_role, others })
    }

    /// The LED with `role`, if present.
    pub fn get(&self, role: LedRole) -> Option<&Led> {
        self.by_role.get(&role)
    }

    /// The LED with `role`, or [`Error::NotPresent`].
    pub fn require(&self, role: LedRole, root: &Root) -> Result<&Led> {
        self.get(role).ok_or_else(|| Error::NotPresent {
            component: format!("{role} LED ({})", role.names().join(" or ")),
            searched: root.class("leds"),
        })
    }

    /// The Helios64 LEDs present, in role order.
    pub fn known(&self) -> impl Iterator<Item = &Led> {
        self.by_role.values()
    }

    /// The roles with no LED.
    pub fn missing(&self) -> Vec<LedRole> {
        LedRole::ALL.into_iter().filter(|r| !self.by_role.contains_key(r)).collect()
    }

    /// LEDs that are not Helios64 ones (or duplicates of a role), by name.
    pub fn others(&self) -> &[Led] {
        &self.others
    }

    /// Reads every LED, Helios64 ones first.
    pub fn snapshot(&self) -> Result<Vec<LedSnapshot>> {
        self.known().chain(&self.others).map(Led::snapshot).collect()
    }
}

#[cfg(test)]
mod tests;
