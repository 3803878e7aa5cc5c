//! The Helios64's two NICs: discovery, link state, queues and ethtool link
//! settings.
//!
//! - **LAN1** (1 GbE): the RK3399 GMAC, platform device `fe300000.ethernet`,
//!   driver `rk_gmac-dwmac` (stmmac). Called `end0` on Armbian Bookworm and
//!   `eth0` elsewhere.
//! - **LAN2** (2.5 GbE): a Realtek RTL8156 (USB 0bda:8156, driver `r8152`)
//!   on port 4 of the VL815 hub (`2-1.4`). Called `eth1` by Armbian's udev
//!   rule or `enx<mac>` by systemd.
//!
//! Both are found by driver and bus, never by interface name: names depend
//! on the distribution and on udev rules. Any other interface is reachable
//! through [`NetInterface`] (the test VM's e1000, a bridge).

mod ethtool;
mod linkmode;
mod queues;

use std::path::{Path, PathBuf};

pub use ethtool::{LinkSettings, link_settings, set_link_settings};
pub use linkmode::{Duplex, LinkMode, LinkModes};
pub use queues::{RxQueue, TxQueue, rps_sock_flow_entries, set_rps_sock_flow_entries};

use crate::error::{Error, Result};
use crate::root::{self, Root};

/// The platform driver name of the RK3399 GMAC glue (dwmac-rk).
pub const LAN1_DRIVER: &str = "rk_gmac-dwmac";
/// The GMAC's platform device name.
pub const LAN1_PLATFORM_DEVICE: &str = "fe300000.ethernet";
/// The RTL8156's USB driver.
pub const LAN2_DRIVER: &str = "r8152";
/// The RTL8156's USB vendor and product id.
pub const LAN2_USB_ID: (u16, u16) = (0x0bda, 0x8156);
/// Where the RTL8156 sits on a Helios64: bus 2, VL815 hub port 1, its port 4
/// (derived from the wiki's front port `2-1.3`; reported, not required).
pub const LAN2_USB_PORT: &str = "2-1.4";

/// Which of the board's NICs.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum NicRole {
    /// LAN1, the 1 GbE RK3399 GMAC.
    Lan1,
    /// LAN2, the 2.5 GbE RTL8156 on USB.
    Lan2,
}

impl std::fmt::Display for NicRole {
    /// `LAN1` or `LAN2`, as the case labels them.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            NicRole::Lan1 => "LAN1",
            NicRole::Lan2 => "LAN2",
        })
    }
}

/// A network interface as `/sys/class/net/<name>` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetInterface {
    root: Root,
    name: String,
    dir: PathBuf,
    device: Option<PathBuf>,
    driver: Option<String>,
    bus: Option<String>,
}

impl NetInterface {
    /// Every interface, by name (virtual ones included).
    pub fn all(root: &Root) -> Result<Vec<NetInterface>> {
        let mut out = Vec::new();
        for entry in root.list_optional(&root.class("net"))? {
            out.push(Self::at(root, &entry)?);
        }
        Ok(out)
    }

    /// The interface called `name`.
    pub fn by_name(root: &Root, name: &str) -> Result<NetInterface> {
        let entry = root.class("net").join(name);
        if !root.exists(&entry)? {
            return Err(Error::NotPresent {
                component: format!("network interface {name}"),
                searched: root.class("net"),
            });
        }
        Self::at(root, &entry)
    }

    /// Every interface bound to `driver` (e.g. "e1000").
    pub fn by_driver(root: &Root, driver: &str) -> Result<Vec<NetInterface>> {
        Ok(Self::all(root)?.into_iter().filter(|i| i.driver() == Some(driver)).collect())
    }

    /// The interface at `entry`: a `/sys/class/net` entry or the
    /// interface's own directory under `/sys/devices`.
    pub(crate) fn at(root: &Root, entry: &Path) -> Result<NetInterface> {
        let name = root::file_name(entry)?.to_owned();
        let dir = root.resolve(entry)?;
        let device_link = dir.join("device");
        // Resolved rather than read: only the resolved path names the device
        // whatever form the link text takes. Virtual interfaces have none.
        let device = root.resolve_optional(&device_link)?;
        let (driver, bus) = match &device {
            Some(dev) => {
                (root.link_name(&dev.join("driver"))?, root.link_name(&dev.join("subsystem"))?)
            }
            None => (None, None),
        };
        Ok(NetInterface { root: root.clone(), name, dir, device, driver, bus })
    }

    /// The interface name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The bound driver of the parent device, if any.
    pub fn driver(&self) -> Option<&str> {
        self.driver.as_deref()
    }

    /// The parent device's bus ("platform", "usb", "pci").
    pub fn bus(&self) -> Option<&str> {
        self.bus.as_deref()
    }

    /// The parent device's resolved sysfs directory; `None` for virtual
    /// interfaces.
    pub fn device_dir(&self) -> Option<&Path> {
        self.device.as_deref()
    }

    /// The interface's resolved sysfs directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// For an interface on a USB interface, the USB device's vendor/product
    /// id and port path (`2-1.4`).
    pub fn usb_device(&self) -> Result<Option<UsbDevice>> {
        if self.bus() != Some("usb") {
            return Ok(None);
        }
        // The netdev's parent is the USB *interface* (2-1.4:1.0); the USB
        // device with the ids is its parent.
        let Some(usb_dev) = self.device.as_deref().and_then(Path::parent) else {
            return Ok(None);
        };
        let id = |attr: &str| -> Result<u16> {
            let path = usb_dev.join(attr);
            let text = self.root.read(&path)?;
            u16::from_str_radix(&text, 16)
                .map_err(|_| Error::malformed(&path, &text, "a 4-digit hexadecimal USB id"))
        };
        Ok(Some(UsbDevice {
            vendor_id: id("idVendor")?,
            product_id: id("idProduct")?,
            port: root::file_name(usb_dev)?.to_owned(),
            speed_mbps: self.root.read_parse(&usb_dev.join("speed"), "a USB speed in Mb/s")?,
        }))
    }

    /// Reads the link state now.
    pub fn state(&self) -> Result<LinkState> {
        let attr = |name: &str| self.dir.join(name);
        let operstate_path = attr("operstate");
        let operstate_text = self.root.read(&operstate_path)?;
        let operstate = OperState::parse(&operstate_text).ok_or_else(|| {
            Error::malformed(&operstate_path, &operstate_text, "an RFC 2863 operstate such as up")
        })?;
        let carrier = match self.read_while_running(&attr("carrier"))? {
            None => None,
            Some(t) if t == "1" => Some(true),
            Some(t) if t == "0" => Some(false),
            Some(t) => return Err(Error::malformed(attr("carrier"), &t, "0 or 1")),
        };
        let speed_mbps = match self.read_while_running(&attr("speed"))? {
            None => None,
            Some(t) => parse_speed(&t)
                .ok_or_else(|| Error::malformed(attr("speed"), &t, "a speed in Mb/s or -1"))?,
        };
        let duplex = match self.read_while_running(&attr("duplex"))? {
            None => None,
            Some(t) => match t.as_str() {
                "full" => Some(Duplex::Full),
                "half" => Some(Duplex::Half),
                "unknown" => None,
                _ => return Err(Error::malformed(attr("duplex"), &t, "full, half or unknown")),
            },
        };
        let mac_path = attr("address");
        let mac = self.root.read(&mac_path)?;
        if mac.is_empty()
            || !mac.split(':').all(|b| b.len() == 2 && b.bytes().all(|c| c.is_ascii_hexdigit()))
        {
            return Err(Error::malformed(&mac_path, &mac, "a colon-separated hardware address"));
        }
        Ok(LinkState {
            interface: self.name.clone(),
            operstate,
            carrier,
            speed_mbps,
            duplex,
            mac,
            mtu: self.root.read_parse(&attr("mtu"), "an MTU in bytes")?,
            counters: self.counters()?,
        })
    }

    /// Reads an attribute that the kernel refuses (`EINVAL`) while the
    /// interface is administratively down: `None` then.
    fn read_while_running(&self, path: &Path) -> Result<Option<String>> {
        match self.root.read(path) {
            Ok(text) => Ok(Some(text)),
            Err(e) if e.raw_os_error() == Some(libc::EINVAL) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    fn counters(&self) -> Result<NetCounters> {
        let stat = |name: &str| {
            self.root.read_parse::<u64>(&self.dir.join("statistics").join(name), "a counter")
        };
        Ok(NetCounters {
            rx_bytes: stat("rx_bytes")?,
            tx_bytes: stat("tx_bytes")?,
            rx_packets: stat("rx_packets")?,
            tx_packets: stat("tx_packets")?,
            rx_errors: stat("rx_errors")?,
            tx_errors: stat("tx_errors")?,
            rx_dropped: stat("rx_dropped")?,
            tx_dropped: stat("tx_dropped")?,
        })
    }

    /// The receive queues (`queues/rx-N`), by index.
    pub fn rx_queues(&self) -> Result<Vec<RxQueue>> {
        queues::rx_queues(&self.root, &self.name, &self.dir)
    }

    /// The transmit queues (`queues/tx-N`), by index.
    pub fn tx_queues(&self) -> Result<Vec<TxQueue>> {
        queues::tx_queues(&self.root, &self.name, &self.dir)
    }

    /// Receive queue `index`, or `NotPresent`.
    pub fn rx_queue(&self, index: u32) -> Result<RxQueue> {
        self.rx_queues()?.into_iter().find(|q| q.index() == index).ok_or_else(|| {
            Error::NotPresent {
                component: format!("receive queue rx-{index} of {}", self.name),
                searched: self.dir.join("queues"),
            }
        })
    }

    /// Transmit queue `index`, or `NotPresent`.
    pub fn tx_queue(&self, index: u32) -> Result<TxQueue> {
        self.tx_queues()?.into_iter().find(|q| q.index() == index).ok_or_else(|| {
            Error::NotPresent {
                component: format!("transmit queue tx-{index} of {}", self.name),
                searched: self.dir.join("queues"),
            }
        })
    }

    /// Reads the link settings through ethtool (see [`link_settings`]):
    /// [`Error::NotLive`] on a fixture tree.
    pub fn link_settings(&self) -> Result<LinkSettings> {
        link_settings(&self.root, &self.name)
    }

    /// Advertises exactly the full-duplex mode(s) at `speed_mbps` that the
    /// interface supports, with autonegotiation on, and returns the settings
    /// applied. `pin_speed(2500)` on LAN2 avoids the 1G link that the
    /// unreworked boards' magnetics spoil; `pin_speed(1000)` is the opposite
    /// choice for a 1G switch. Needs `CAP_NET_ADMIN`.
    pub fn pin_speed(&self, speed_mbps: u32) -> Result<LinkSettings> {
        let current = self.link_settings()?;
        let modes = current.supported.full_duplex_at(speed_mbps);
        if modes.is_empty() {
            return Err(Error::InvalidInput {
                what: "link speed",
                value: format!("{speed_mbps} Mb/s"),
                reason: format!("{} supports only: {}", self.name, current.supported.speeds()),
            });
        }
        let next = current.advertising_only(&modes)?;
        set_link_settings(&self.root, &next)?;
        Ok(next)
    }

    /// Advertises every supported speed again (undoes [`Self::pin_speed`]).
    pub fn advertise_all(&self) -> Result<LinkSettings> {
        let current = self.link_settings()?;
        let next = current.advertising_only(&current.supported.speeds())?;
        set_link_settings(&self.root, &next)?;
        Ok(next)
    }
}

/// A USB device's identity and place.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct UsbDevice {
    /// `idVendor`.
    pub vendor_id: u16,
    /// `idProduct`.
    pub product_id: u16,
    /// The port path, e.g. `2-1.4`.
    pub port: String,
    /// The negotiated USB speed (`5000` for SuperSpeed).
    pub speed_mbps: u32,
}

/// The kernel's `speed` attribute: `-1` (`SPEED_UNKNOWN`, printed signed
/// since 4.x) and the unsigned spellings older kernels and drivers used
/// (`4294967295`, `65535`) mean "unknown".
fn parse_speed(text: &str) -> Option<Option<u32>> {
    match text.trim() {
        "-1" | "4294967295" | "65535" => Some(None),
        t => t.parse::<u32>().ok().map(Some),
    }
}

/// RFC 2863 operational state (`operstate`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OperState {
    /// `up`: ready to pass packets.
    Up,
    /// `down`: no carrier or administratively down.
    Down,
    /// `lowerlayerdown`: a lower device (bond slave, VLAN parent) is down.
    LowerLayerDown,
    /// `dormant`: waiting for an external event (802.1X).
    Dormant,
    /// `testing`.
    Testing,
    /// `notpresent`.
    NotPresent,
    /// `unknown`: the driver does not report it (loopback, tun).
    Unknown,
}

impl OperState {
    fn parse(text: &str) -> Option<OperState> {
        Some(match text {
            "up" => OperState::Up,
            "down" => OperState::Down,
            "lowerlayerdown" => OperState::LowerLayerDown,
            "dormant" => OperState::Dormant,
            "testing" => OperState::Testing,
            "notpresent" => OperState::NotPresent,
            "unknown" => OperState::Unknown,
            _ => return None,
        })
    }
}

/// Interface traffic counters (`statistics/`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[allow(missing_docs)] // the kernel's own attribute names
pub struct NetCounters {
    pub rx_bytes: u64,
    pub tx_bytes: u64,
    pub rx_packets: u64,
    pub tx_packets: u64,
    pub rx_errors: u64,
    pub tx_errors: u64,
    pub rx_dropped: u64,
    pub tx_dropped: u64,
}

/// An interface's link state at one moment.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LinkState {
    /// The interface name.
    pub interface: String,
    /// `operstate`.
    pub operstate: OperState,
    /// `carrier`; `None` while the interface is administratively down
    /// (the kernel refuses to say).
    pub carrier: Option<bool>,
    /// `speed`; `None` when the link is down or the speed is unknown — never
    /// a made-up number.
    pub speed_mbps: Option<u32>,
    /// `duplex`; `None` when unknown.
    pub duplex: Option<Duplex>,
    /// The hardware address.
    pub mac: String,
    /// `mtu` in bytes.
    pub mtu: u32,
    /// Traffic counters.
    pub counters: NetCounters,
}

/// One of the board's NICs, found by driver and bus.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Nic {
    role: NicRole,
    interface: NetInterface,
}

/// A NIC's identity and state, for status output.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct NicStatus {
    /// LAN1 or LAN2.
    pub role: NicRole,
    /// The driver bound to it.
    pub driver: String,
    /// The parent device as the board shows it (`/sys/devices/...`).
    pub device: String,
    /// For LAN2, the USB device.
    pub usb: Option<UsbDevice>,
    /// The link.
    pub link: LinkState,
}

impl Nic {
    /// Finds the NIC playing `role`.
    pub fn find(root: &Root, role: NicRole) -> Result<Nic> {
        let all = NetInterface::all(root)?;
        for interface in all {
            if classify(&interface)? == Some(role) {
                return Ok(Nic { role, interface });
            }
        }
        let component = match role {
            NicRole::Lan1 => format!("LAN1 ({LAN1_DRIVER} on {LAN1_PLATFORM_DEVICE})"),
            NicRole::Lan2 => {
                format!("LAN2 ({LAN2_DRIVER} on USB {:04x}:{:04x})", LAN2_USB_ID.0, LAN2_USB_ID.1)
            }
        };
        Err(Error::NotPresent { component, searched: root.class("net") })
    }

    /// Every board NIC present, LAN1 first.
    pub fn all(root: &Root) -> Result<Vec<Nic>> {
        let mut out = Vec::new();
        for interface in NetInterface::all(root)? {
            if let Some(role) = classify(&interface)? {
                out.push(Nic { role, interface });
            }
        }
        out.sort_by_key(|n| n.role);
        Ok(out)
    }

    /// LAN1 or LAN2.
    pub fn role(&self) -> NicRole {
        self.role
    }

    /// The interface behind it.
    pub fn interface(&self) -> &NetInterface {
        &self.interface
    }

    /// The interface's current name (`end0`, `eth1`, `enx…`).
    pub fn name(&self) -> &str {
        self.interface.name()
    }

    /// Reads identity and link state now.
    pub fn status(&self) -> Result<NicStatus> {
        let root = &self.interface.root;
        Ok(NicStatus {
            role: self.role,
            driver: self.interface.driver().unwrap_or_default().to_owned(),
            device: self
                .interface
                .device_dir()
                .map(|d| root.on_box(d).display().to_string())
                .unwrap_or_default(),
            usb: self.interface.usb_device()?,
            link: self.interface.state()?,
        })
    }
}

/// The board's role of an interface found in sysfs.
pub(crate) fn classify(interface: &NetInterface) -> Result<Option<NicRole>> {
    nic_role(interface.driver(), interface.bus(), || {
        Ok(interface.usb_device()?.map(|u| (u.vendor_id, u.product_id)))
    })
}

/// The one rule that makes an interface LAN1 or LAN2, from the driver
/// bound to its parent device, that device's bus and, for a USB parent, the
/// USB device's vendor and product id. Sysfs discovery ([`classify`]) and
/// hot-plug events (from the identity udev recorded for an interface that is
/// already gone) both feed it. `usb_id` is only called for an `r8152` on USB,
/// so other interfaces never pay for (or fail on) reading USB ids.
pub(crate) fn nic_role(
    driver: Option<&str>,
    bus: Option<&str>,
    usb_id: impl FnOnce() -> Result<Option<(u16, u16)>>,
) -> Result<Option<NicRole>> {
    match (driver, bus) {
        (Some(LAN1_DRIVER), Some("platform")) => Ok(Some(NicRole::Lan1)),
        (Some(LAN2_DRIVER), Some("usb")) => {
            Ok(usb_id()?.filter(|id| *id == LAN2_USB_ID).map(|_| NicRole::Lan2))
        }
        _ => Ok(None),
    }
}

#[cfg(test)]
mod tests;
