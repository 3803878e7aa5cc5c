//! Hot-plug events: LAN2 (a USB NIC) coming and going, LAN1 being renamed,
//! disks in and out of bays, mains going off line, LEDs and sensors
//! appearing.
//!
//! [`HotplugMonitor`] is a udev netlink socket filtered to the subsystems
//! the board cares about ([`BOARD_SUBSYSTEMS`]). It does not loop, sleep or
//! decide anything: a daemon polls its file descriptor next to its own
//! (signals, timers), drains it with [`HotplugMonitor::try_next`], and
//! reacts to typed [`HotplugEvent`]s, whose helpers say what an event means
//! for the board ([`HotplugEvent::nic_role`], [`HotplugEvent::mains_online`],
//! [`HotplugEvent::bay`]) with the same discovery code the rest of the crate
//! uses.
//!
//! **The socket is not under the injected root.** Events come from the
//! running kernel and udevd, never from a fixture tree; a [`Root`] only
//! applies to the sysfs lookups the classification helpers make. Tests of
//! code that reacts to events build them with [`HotplugEvent::new`] and
//! classify them against a fixture root.
//!
//! **Sources.** [`EventSource::Udev`] (the default) delivers an event after
//! udevd has processed it: interfaces already carry their final name,
//! device nodes and `/dev/disk/by-*` links exist, and udev's properties
//! (`ID_*`) are attached. It needs udevd; [`HotplugMonitor::open`] refuses
//! to start without it rather than wait forever for events nobody sends.
//! [`EventSource::Kernel`] gets raw uevents as the kernel emits them, before
//! udev renames or sets up anything: for systems without udevd.
//!
//! **Lost events.** When events arrive faster than they are read, the
//! kernel drops some and the next read fails with `ENOBUFS`
//! ([`HotplugMonitor::events_lost`] recognises it). The monitor stays
//! usable, but what was missed is unknown: rediscover from sysfs.
//!
//! The monitor needs the `hotplug` feature (it links libudev); events,
//! their classification and [`EventSource`] are always there, so code that
//! reacts to events builds and tests without libudev.

mod event;
#[cfg(feature = "hotplug")]
mod monitor;

pub use event::{Action, HotplugEvent, KernelSubsystem};
#[cfg(feature = "hotplug")]
pub use monitor::{Drained, HotplugMonitor};

/// The subsystems whose events [`HotplugMonitor::open`] receives: `net`
/// (LAN2 is a USB NIC; LAN1 is renamed at boot), `usb` (the RTL8156 and
/// the USB ports), `block` (disks in the bays), `power_supply` (mains
/// on/off line: the UPS), `leds`, `hwmon` (drivetemp comes and goes with
/// its disk) and `thermal`.
pub const BOARD_SUBSYSTEMS: [KernelSubsystem; 7] = [
    KernelSubsystem::Net,
    KernelSubsystem::Usb,
    KernelSubsystem::Block,
    KernelSubsystem::PowerSupply,
    KernelSubsystem::Leds,
    KernelSubsystem::Hwmon,
    KernelSubsystem::Thermal,
];

/// udevd's control socket under `<root>/run`: libudev's own test for a
/// running udevd. Without one, a udev-source socket would be opened but
/// subscribed to nothing.
#[cfg_attr(not(feature = "hotplug"), allow(dead_code))]
const UDEVD_CONTROL: &str = "udev/control";

/// Where events come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventSource {
    /// From udevd, after its rules ran: final interface names, device
    /// nodes, udev's properties. What a daemon on the box wants.
    Udev,
    /// Straight from the kernel, before udev: for systems without udevd.
    Kernel,
}

impl EventSource {
    /// `udev` or `kernel`.
    pub fn name(self) -> &'static str {
        match self {
            EventSource::Udev => "udev",
            EventSource::Kernel => "kernel",
        }
    }
}

#[cfg(test)]
mod tests;
