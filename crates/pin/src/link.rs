//! NIC link policy per role: the speed/duplex modes a NIC advertises, set
//! through hal's in-process ethtool ioctl (no `ethtool` fork).
//!
//! On the Helios64 this is how LAN2 is kept off the 1 Gbit/s link that
//! boards without the magnetics rework run at 10–100 Mbit/s (`advertise =
//! ["2500baseT/Full"]`), or how either NIC is pinned to 1 GbE.

use helios64_hal::{LinkModes, LinkSettings, NetInterface, NicRole, Root, set_link_settings};
use serde::Serialize;

/// One NIC's planned advertised modes, resolved to its interface.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LinkPlan {
    /// The NIC's role.
    pub nic: NicRole,
    /// Its interface name now.
    pub interface: String,
    /// The speed/duplex modes to advertise, exactly.
    pub advertise: LinkModes,
    /// Why.
    pub reason: String,
}

/// How a NIC's advertised modes compare with the plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum LinkOutcome {
    /// It advertises exactly the planned speed modes.
    AsPlanned,
    /// It advertises others.
    Drifted {
        /// The speed modes it advertises.
        now: LinkModes,
    },
    /// The settings could not be read (a fixture tree refuses ioctls).
    Unreadable {
        /// Why.
        error: String,
    },
}

/// One NIC's link check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LinkCheck {
    /// The plan.
    #[serde(flatten)]
    pub plan: LinkPlan,
    /// The comparison.
    pub outcome: LinkOutcome,
}

/// The settings that make `current` advertise exactly `wanted` (speed
/// modes; pause and port bits kept), or `None` when it already does. Pure.
pub fn next_settings(
    current: &LinkSettings,
    wanted: &LinkModes,
) -> helios64_hal::Result<Option<LinkSettings>> {
    if current.autoneg && current.advertising.speeds() == *wanted {
        return Ok(None);
    }
    current.advertising_only(wanted).map(Some)
}

impl LinkPlan {
    /// What is set, for people: `eth1 advertised link modes`.
    pub fn target(&self) -> String {
        format!("{} advertised link modes", self.interface)
    }

    fn read(&self, root: &Root) -> helios64_hal::Result<LinkSettings> {
        NetInterface::by_name(root, &self.interface)?.link_settings()
    }

    /// Compares the NIC's advertised speed modes with the plan.
    pub fn check(&self, root: &Root) -> LinkCheck {
        let outcome = match self.read(root) {
            Ok(s) if s.autoneg && s.advertising.speeds() == self.advertise => {
                LinkOutcome::AsPlanned
            }
            Ok(s) => LinkOutcome::Drifted { now: s.advertising.speeds() },
            Err(e) => LinkOutcome::Unreadable { error: helios64_text::error_chain(&e) },
        };
        LinkCheck { plan: self.clone(), outcome }
    }

    /// Sets the advertised modes if they differ and reads them back:
    /// `Ok(None)` when nothing was needed, `Ok(Some(old))` after a change
    /// (or, on a dry run, when one is needed), the error text otherwise.
    pub fn apply(&self, root: &Root, dry_run: bool) -> Result<Option<LinkModes>, String> {
        let current = self.read(root).map_err(|e| helios64_text::error_chain(&e))?;
        let Some(next) =
            next_settings(&current, &self.advertise).map_err(|e| helios64_text::error_chain(&e))?
        else {
            return Ok(None);
        };
        if !dry_run {
            set_link_settings(root, &next).map_err(|e| helios64_text::error_chain(&e))?;
            let now =
                self.read(root).map_err(|e| helios64_text::error_chain(&e))?.advertising.speeds();
            if now != self.advertise {
                return Err(format!("written, but the NIC advertises {now}"));
            }
        }
        Ok(Some(current.advertising.speeds()))
    }
}
