//! One hot-plug event as a plain value, and what it means for the board.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use crate::bay::{Bay, SataController};
use crate::error::{Error, Result};
use crate::net::{self, LAN1_PLATFORM_DEVICE, NetInterface, NicRole};
use crate::root::Root;
use crate::ups;

/// What happened to a device: the uevent's `ACTION`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Action {
    /// `add`: the device appeared.
    Add,
    /// `remove`: the device is gone; its sysfs directory no longer exists.
    Remove,
    /// `change`: an attribute changed (a power supply went on or off line,
    /// a disk's media or size changed, `echo change > uevent`).
    Change,
    /// `move`: the device was renamed or re-parented (a network interface
    /// renamed by udev); the old path is [`HotplugEvent::old_devpath`].
    Move,
    /// `bind`: a driver bound to the device.
    Bind,
    /// `unbind`: the driver let go of the device.
    Unbind,
    /// Any other action (`online`, `offline`, future ones), as the kernel
    /// spells it.
    Other(String),
}

impl Action {
    /// The action for a uevent `ACTION` value.
    pub fn parse(text: &str) -> Action {
        match text {
            "add" => Action::Add,
            "remove" => Action::Remove,
            "change" => Action::Change,
            "move" => Action::Move,
            "bind" => Action::Bind,
            "unbind" => Action::Unbind,
            other => Action::Other(other.to_owned()),
        }
    }

    /// The kernel's spelling.
    pub fn as_str(&self) -> &str {
        match self {
            Action::Add => "add",
            Action::Remove => "remove",
            Action::Change => "change",
            Action::Move => "move",
            Action::Bind => "bind",
            Action::Unbind => "unbind",
            Action::Other(other) => other,
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Serialised as the kernel spells it (`"add"`, `"online"`), like the
/// property it comes from.
impl serde::Serialize for Action {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// A device's kernel subsystem (the uevent's `SUBSYSTEM`): the ones the
/// board reacts to by name, and any other as the kernel spells it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum KernelSubsystem {
    /// `net`: network interfaces.
    Net,
    /// `usb`: USB devices and interfaces.
    Usb,
    /// `block`: disks and partitions.
    Block,
    /// `power_supply`: mains adapters, batteries.
    PowerSupply,
    /// `leds`.
    Leds,
    /// `hwmon`: sensors (drivetemp comes and goes with its disk).
    Hwmon,
    /// `thermal`: thermal zones and cooling devices.
    Thermal,
    /// Any other subsystem, as the kernel spells it.
    Other(String),
}

impl KernelSubsystem {
    /// The subsystem for a uevent `SUBSYSTEM` value.
    pub fn parse(text: &str) -> KernelSubsystem {
        match text {
            "net" => KernelSubsystem::Net,
            "usb" => KernelSubsystem::Usb,
            "block" => KernelSubsystem::Block,
            "power_supply" => KernelSubsystem::PowerSupply,
            "leds" => KernelSubsystem::Leds,
            "hwmon" => KernelSubsystem::Hwmon,
            "thermal" => KernelSubsystem::Thermal,
            other => KernelSubsystem::Other(other.to_owned()),
        }
    }

    /// The kernel's spelling.
    pub fn as_str(&self) -> &str {
        match self {
            KernelSubsystem::Net => "net",
            KernelSubsystem::Usb => "usb",
            KernelSubsystem::Block => "block",
            KernelSubsystem::PowerSupply => "power_supply",
            KernelSubsystem::Leds => "leds",
            KernelSubsystem::Hwmon => "hwmon",
            KernelSubsystem::Thermal => "thermal",
            KernelSubsystem::Other(other) => other,
        }
    }
}

impl fmt::Display for KernelSubsystem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Serialised as the kernel spells it (`"net"`, `"power_supply"`).
impl serde::Serialize for KernelSubsystem {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// Whether a property is one of [`HotplugEvent`]'s fields, so not repeated
/// in its `properties`.
pub(super) fn is_field_property(name: &str) -> bool {
    matches!(name, "ACTION" | "SUBSYSTEM" | "DEVPATH" | "SEQNUM")
}

/// One device event, as udev (or the kernel) reported it.
///
/// A plain value: it owns its data, holds no udev handle, and can be built
/// from literals with [`HotplugEvent::new`] (a fake for tests of code that
/// reacts to events). The classification helpers ([`nic_role`],
/// [`mains_online`], [`bay`]) read sysfs under the [`Root`] they are given
/// where the event alone does not say enough.
///
/// [`nic_role`]: HotplugEvent::nic_role
/// [`mains_online`]: HotplugEvent::mains_online
/// [`bay`]: HotplugEvent::bay
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct HotplugEvent {
    /// What happened.
    pub action: Action,
    /// The device's subsystem: `net`, `block`, `power_supply`, ...
    pub subsystem: KernelSubsystem,
    /// The device's kernel name: `eth1`, `sda1`, `test_ac`,
    /// `helios64:red:ata1-err`.
    pub sysname: String,
    /// The kernel's `DEVPATH`: the device's directory relative to sysfs,
    /// `/devices/...`. Not prefixed with any root: it is where the device
    /// is on the box ([`HotplugEvent::sys_path`] puts it under a root).
    pub devpath: String,
    /// The kernel's sequence number, for ordering and spotting gaps;
    /// `None` for events built with [`HotplugEvent::new`].
    pub seqnum: Option<u64>,
    /// Every other property: the kernel's (`INTERFACE`, `DEVTYPE`,
    /// `POWER_SUPPLY_ONLINE`, `DEVNAME`, ...) and, from the udev source,
    /// udev's (`ID_BUS`, `ID_VENDOR_ID`, `ID_SERIAL`, ...). A removed
    /// device's event carries what udev recorded for it when it was added.
    pub properties: BTreeMap<String, String>,
}

impl HotplugEvent {
    /// An event for the device at `devpath` (`/devices/...`), with the
    /// given other properties. The sysname is the last component of
    /// `devpath`, as udev derives it (a `!` in it stands for `/`).
    /// `ACTION`, `SUBSYSTEM`, `DEVPATH` and `SEQNUM` among `properties` are
    /// ignored: the arguments say those.
    ///
    /// ```
    /// use helios64_hal::{Action, HotplugEvent, KernelSubsystem, Root};
    /// let event = HotplugEvent::new(
    ///     Action::Change,
    ///     KernelSubsystem::PowerSupply,
    ///     "/devices/platform/gpio-charger/power_supply/gpio-charger",
    ///     [("POWER_SUPPLY_TYPE", "Mains"), ("POWER_SUPPLY_ONLINE", "0")],
    /// );
    /// assert_eq!(event.sysname, "gpio-charger");
    /// // Type and state are in the event: no sysfs lookup is needed.
    /// assert_eq!(event.mains_online(&Root::new("/nonexistent")).unwrap(), Some(false));
    /// ```
    pub fn new<K, V>(
        action: Action,
        subsystem: KernelSubsystem,
        devpath: &str,
        properties: impl IntoIterator<Item = (K, V)>,
    ) -> HotplugEvent
    where
        K: Into<String>,
        V: Into<String>,
    {
        let sysname = devpath.rsplit('/').next().unwrap_or_default().replace('!', "/");
        HotplugEvent {
            action,
            subsystem,
            sysname,
            devpath: devpath.to_owned(),
            seqnum: None,
            properties: properties
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .filter(|(k, _)| !is_field_property(k))
                .collect(),
        }
    }

    /// The property `key`, if the event has it.
    pub fn property(&self, key: &str) -> Option<&str> {
        self.properties.get(key).map(String::as_str)
    }

    /// `DEVTYPE`: `disk` or `partition` for block devices, `usb_device` or
    /// `usb_interface` for USB, absent for most others.
    pub fn devtype(&self) -> Option<&str> {
        self.property("DEVTYPE")
    }

    /// For a [`Action::Move`], the device's previous `DEVPATH` (a renamed
    /// interface's old name is its last component).
    pub fn old_devpath(&self) -> Option<&str> {
        self.property("DEVPATH_OLD")
    }

    /// The device's sysfs directory under `root`. After a
    /// [`Action::Remove`] it no longer exists.
    pub fn sys_path(&self, root: &Root) -> PathBuf {
        root.sys().join(self.devpath.trim_start_matches('/'))
    }

    /// For a `net` event, which board NIC the interface is: the same
    /// driver-and-bus rule as [`Nic::find`](crate::Nic::find), applied to
    /// the interface's sysfs directory under `root` while it exists. `None`
    /// for other interfaces (lo, bridges, the VM's NICs) and other
    /// subsystems.
    ///
    /// A removed interface (or one gone before this is called) is
    /// classified from the event alone: LAN2 from the USB identity udev
    /// recorded for it (`ID_BUS`, `ID_USB_DRIVER`, `ID_VENDOR_ID`,
    /// `ID_MODEL_ID`) through that same rule, LAN1 from its parent being the
    /// GMAC's platform device (its driver can no longer be read; the
    /// device's name, the GMAC's register address, is as unambiguous on an
    /// RK3399). Events from [`EventSource::Kernel`](crate::EventSource::Kernel)
    /// carry no udev properties, so a LAN2 removal seen there is `None`.
    pub fn nic_role(&self, root: &Root) -> Result<Option<NicRole>> {
        if self.subsystem != KernelSubsystem::Net {
            return Ok(None);
        }
        let dir = self.sys_path(root);
        if self.action != Action::Remove && root.exists(&dir)? {
            match NetInterface::at(root, &dir).and_then(|interface| net::classify(&interface)) {
                // Unplugged between the event and now: the event still says.
                Err(_) if !root.exists(&dir).unwrap_or(true) => {}
                other => return other,
            }
        }
        self.recorded_nic_role(root)
    }

    fn recorded_nic_role(&self, root: &Root) -> Result<Option<NicRole>> {
        let parent = self.devpath.rsplit_once("/net/").map(|(parent, _)| parent);
        if parent.and_then(|p| p.strip_prefix("/devices/platform/")) == Some(LAN1_PLATFORM_DEVICE) {
            return Ok(Some(NicRole::Lan1));
        }
        net::nic_role(self.property("ID_USB_DRIVER"), self.property("ID_BUS"), || {
            let id = |key: &str| -> Result<Option<u16>> {
                let Some(text) = self.property(key) else { return Ok(None) };
                u16::from_str_radix(text, 16).map(Some).map_err(|_| {
                    Error::malformed(
                        self.sys_path(root),
                        &format!("{key}={text}"),
                        "a 4-digit hexadecimal USB id",
                    )
                })
            };
            Ok(id("ID_VENDOR_ID")?.zip(id("ID_MODEL_ID")?))
        })
    }

    /// For a `power_supply` event of a mains adapter (type `Mains`: the
    /// board's `gpio-charger`, the VM's `test_ac`), whether mains is
    /// online now: `POWER_SUPPLY_ONLINE`. `None` for other supplies (the
    /// USB-C port, batteries), other subsystems, and a removed supply
    /// (whose state is unknown, not offline).
    ///
    /// The type and state come from the event's properties; an event that
    /// lacks one (older kernels send no `POWER_SUPPLY_TYPE`) has it read
    /// from the supply's `type` or `online` attribute under `root`. Which
    /// Mains supply the UPS trusts is [`Ups::mains_source`](crate::Ups::mains_source);
    /// compare its name with [`HotplugEvent::sysname`].
    pub fn mains_online(&self, root: &Root) -> Result<Option<bool>> {
        if self.subsystem != KernelSubsystem::PowerSupply || self.action == Action::Remove {
            return Ok(None);
        }
        let dir = self.sys_path(root);
        let kind = match self.property("POWER_SUPPLY_TYPE") {
            Some(kind) => kind.to_owned(),
            None => root.read(&dir.join("type"))?,
        };
        if kind != ups::MAINS_TYPE {
            return Ok(None);
        }
        let online_path = dir.join("online");
        let online = match self.property("POWER_SUPPLY_ONLINE") {
            Some(text) => text.to_owned(),
            None => root.read(&online_path)?,
        };
        ups::parse_online(&online_path, &online).map(Some)
    }

    /// For a `block` event (a disk or a partition), the bay of
    /// `controller` it is in, placed by its path under the bay's ATA port
    /// exactly as [`SataController::bays`] maps them. Works for removed
    /// disks too (the path says where they were). An M.2 SATA SSD is
    /// reported in bay 1, whose port it takes over
    /// ([`Bay::shares_port_with_m2`]). `None` for block devices elsewhere
    /// (NVMe, USB, virtio, loop, zvols) and other subsystems.
    pub fn bay(&self, controller: &SataController) -> Result<Option<Bay>> {
        if self.subsystem != KernelSubsystem::Block {
            return Ok(None);
        }
        controller.bay_holding(&self.devpath)
    }
}
