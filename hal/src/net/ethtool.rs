//! Link settings through the kernel's ethtool interface.
//!
//! This uses the `SIOCETHTOOL` ioctl with `ETHTOOL_GLINKSETTINGS` /
//! `ETHTOOL_SLINKSETTINGS` (Linux 4.9+), not ethtool netlink. Why:
//! - It is one request/response on a throwaway datagram socket: no generic
//!   netlink family lookup, no attribute encoding, no multicast groups, no
//!   extra dependency. The two-step `link_mode_masks_nwords` handshake is the
//!   only subtlety, and it is handled here.
//! - Every kernel the Helios64 runs (Armbian 5.x–7.x, mainline) supports it,
//!   and the kernel keeps it: ethtool(8) itself falls back to it and the
//!   uapi header tells new tools to use exactly this pair.
//! - Netlink's advantages (notifications, per-attribute partial updates,
//!   PLCA/PSE/cable tests) are not needed to pin advertised speeds.
//!
//! The pure parts (bitmap words ⇄ [`LinkModes`], the advertise policy) are
//! unit-tested; the ioctl needs a real interface and is covered by the VM
//! tests on an e1000 and a tap device.

use std::io;
use std::mem;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

use crate::error::{Error, Result};
use crate::ioctl;
use crate::net::linkmode::{Duplex, LinkMode, LinkModes};
use crate::root::Root;

const ETHTOOL_GLINKSETTINGS: u32 = 0x0000_004c;
const ETHTOOL_SLINKSETTINGS: u32 = 0x0000_004d;
/// `link_mode_masks_nwords` is an `__s8`: at most 127 words per bitmap.
const MAX_NWORDS: usize = 127;
const SPEED_UNKNOWN: u32 = u32::MAX;
const DUPLEX_HALF: u8 = 0;
const DUPLEX_FULL: u8 = 1;
const AUTONEG_ENABLE: u8 = 1;

/// `struct ethtool_link_settings` without its flexible array.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
struct RawHeader {
    cmd: u32,
    speed: u32,
    duplex: u8,
    port: u8,
    phy_address: u8,
    autoneg: u8,
    mdio_support: u8,
    eth_tp_mdix: u8,
    eth_tp_mdix_ctrl: u8,
    link_mode_masks_nwords: i8,
    transceiver: u8,
    master_slave_cfg: u8,
    master_slave_state: u8,
    rate_matching: u8,
    reserved: [u32; 7],
}

/// The header followed by room for the three bitmaps (supported,
/// advertising, link partner) at the largest size the ABI allows.
#[repr(C)]
#[derive(Debug)]
struct RawRequest {
    header: RawHeader,
    masks: [u32; 3 * MAX_NWORDS],
}

impl RawRequest {
    fn new(cmd: u32, nwords: i8) -> RawRequest {
        RawRequest {
            header: RawHeader { cmd, link_mode_masks_nwords: nwords, ..RawHeader::default() },
            masks: [0; 3 * MAX_NWORDS],
        }
    }
}

/// The link settings of an interface, as `ethtool IFACE` shows them.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LinkSettings {
    /// The interface the settings were read from.
    pub interface: String,
    /// The negotiated (or forced) speed; `None` when the link is down or
    /// the driver does not know it (`SPEED_UNKNOWN`).
    pub speed_mbps: Option<u32>,
    /// The duplex; `None` when unknown.
    pub duplex: Option<Duplex>,
    /// Whether autonegotiation is enabled.
    pub autoneg: bool,
    /// The kernel's `PORT_*` connector code (0 = TP, 0xef = none, ...).
    pub port: u8,
    /// The PHY's MDIO address.
    pub phy_address: u8,
    /// Modes the interface can use.
    pub supported: LinkModes,
    /// Modes it advertises to the link partner.
    pub advertising: LinkModes,
    /// Modes the link partner advertised (empty when unknown).
    pub link_partner: LinkModes,
    /// The bitmap size the kernel uses, in 32-bit words: what a set
    /// request must send back.
    #[serde(skip)]
    nwords: usize,
    #[serde(skip)]
    raw: RawHeaderBytes,
}

/// The raw header kept from a read, so a write sends back every field the
/// caller did not change (port, MDI-X control, PHY address).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct RawHeaderBytes {
    port: u8,
    phy_address: u8,
    eth_tp_mdix_ctrl: u8,
    duplex: u8,
    speed: u32,
}

impl LinkSettings {
    /// Builds the settings that advertise exactly `speeds` (speed/duplex
    /// modes) with autonegotiation on, keeping every non-speed bit already
    /// advertised (pause, port, FEC). Each requested mode must be a
    /// speed/duplex mode and supported.
    ///
    /// On the Helios64 this is how LAN2 is pinned to 2.5G-only (avoiding
    /// the 1G link that boards without the magnetics rework run at 10–100
    /// Mb/s) or to 1G-only. Kobol published no software workaround for that
    /// hardware fault; pinning is the user's choice, not a fix.
    pub fn advertising_only(&self, speeds: &LinkModes) -> Result<LinkSettings> {
        if speeds.is_empty() {
            return Err(Error::InvalidInput {
                what: "advertised link modes",
                value: String::new(),
                reason: "at least one speed/duplex mode is needed".into(),
            });
        }
        for mode in speeds.iter() {
            if !mode.is_speed() {
                return Err(Error::InvalidInput {
                    what: "advertised link mode",
                    value: mode.to_string(),
                    reason: "not a speed/duplex mode".into(),
                });
            }
            if !self.supported.contains(mode) {
                return Err(Error::InvalidInput {
                    what: "advertised link mode",
                    value: mode.to_string(),
                    reason: format!(
                        "{} supports only: {}",
                        self.interface,
                        self.supported.speeds()
                    ),
                });
            }
        }
        let mut next = self.clone();
        next.advertising = self.advertising.non_speeds().union(speeds);
        next.advertising.insert(LinkMode::AUTONEG);
        next.autoneg = true;
        Ok(next)
    }

    /// Settings with autonegotiation switched on or off, everything else
    /// unchanged. Turning it off keeps the current speed and duplex forced
    /// (drivers refuse `SPEED_UNKNOWN` as a forced speed).
    pub fn with_autoneg(&self, on: bool) -> Result<LinkSettings> {
        if !on && self.speed_mbps.is_none() {
            return Err(Error::InvalidInput {
                what: "autonegotiation",
                value: "off".into(),
                reason: format!(
                    "{} has no current speed to force; set it up first",
                    self.interface
                ),
            });
        }
        let mut next = self.clone();
        next.autoneg = on;
        if on {
            next.advertising.insert(LinkMode::AUTONEG);
        }
        Ok(next)
    }

    /// Settings forcing `speed_mbps`/`duplex` with autonegotiation off.
    pub fn forced(&self, speed_mbps: u32, duplex: Duplex) -> LinkSettings {
        let mut next = self.clone();
        next.autoneg = false;
        next.speed_mbps = Some(speed_mbps);
        next.duplex = Some(duplex);
        next
    }
}

fn socket(interface: &str, call: &'static str) -> Result<OwnedFd> {
    // SAFETY: plain socket(2) call with constant arguments; the result is
    // checked before use.
    let fd = unsafe { libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0) };
    if fd < 0 {
        return Err(device_error(call, interface, io::Error::last_os_error()));
    }
    // SAFETY: `fd` is a freshly created descriptor owned by nobody else.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

fn device_error(call: &'static str, interface: &str, source: io::Error) -> Error {
    Error::Device { call, device: interface.to_owned(), source }
}

fn ifreq_for(interface: &str, data: *mut RawRequest) -> Result<libc::ifreq> {
    let bytes = interface.as_bytes();
    if bytes.is_empty()
        || bytes.len() >= libc::IFNAMSIZ
        || bytes.contains(&0)
        || bytes.contains(&b'/')
    {
        return Err(Error::InvalidInput {
            what: "interface name",
            value: interface.to_owned(),
            reason: format!("must be 1 to {} bytes without NUL or '/'", libc::IFNAMSIZ - 1),
        });
    }
    // SAFETY: ifreq is plain old data (a name array and a union of
    // integers and pointers); all-zero is a valid value.
    let mut ifr: libc::ifreq = unsafe { mem::zeroed() };
    for (dst, src) in ifr.ifr_name.iter_mut().zip(bytes) {
        *dst = libc::c_char::from_ne_bytes([*src]);
    }
    ifr.ifr_ifru.ifru_data = data.cast();
    Ok(ifr)
}

fn ethtool_ioctl(
    fd: &OwnedFd,
    interface: &str,
    req: &mut RawRequest,
    call: &'static str,
) -> Result<()> {
    let mut ifr = ifreq_for(interface, req)?;
    ioctl::note();
    // SAFETY: `ifr` names the interface and points at `req`, which is
    // large enough for the header plus three bitmaps of the nwords it
    // announces (at most MAX_NWORDS each); the kernel writes only within
    // that size, and both outlive the call.
    let rc = unsafe { libc::ioctl(fd.as_raw_fd(), libc::SIOCETHTOOL as _, &mut ifr) };
    if rc < 0 {
        return Err(device_error(call, interface, io::Error::last_os_error()));
    }
    Ok(())
}

/// Reads an interface's link settings (`ETHTOOL_GLINKSETTINGS`).
///
/// The kernel's bitmap size is learnt first: a request with
/// `link_mode_masks_nwords = 0` is answered with `-N`, then the real request
/// is sent with `N`. The ioctl talks to the running kernel, so `root` must be
/// the live one ([`Error::NotLive`] otherwise: a fixture tree's interface of
/// the same name is not the host's).
pub fn link_settings(root: &Root, interface: &str) -> Result<LinkSettings> {
    const CALL: &str = "ETHTOOL_GLINKSETTINGS";
    root.require_live(CALL)?;
    let fd = socket(interface, CALL)?;
    let mut probe = RawRequest::new(ETHTOOL_GLINKSETTINGS, 0);
    ethtool_ioctl(&fd, interface, &mut probe, CALL)?;
    let nwords = handshake_words(probe.header.link_mode_masks_nwords).ok_or_else(|| {
        device_error(
            CALL,
            interface,
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "kernel answered the size handshake with nwords {}",
                    probe.header.link_mode_masks_nwords
                ),
            ),
        )
    })?;
    // handshake_words() bounds nwords to 1..=127.
    let announced = i8::try_from(nwords).unwrap_or(i8::MAX);
    let mut req = RawRequest::new(ETHTOOL_GLINKSETTINGS, announced);
    ethtool_ioctl(&fd, interface, &mut req, CALL)?;
    if usize::try_from(req.header.link_mode_masks_nwords).ok() != Some(nwords) {
        return Err(device_error(
            CALL,
            interface,
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "kernel changed nwords from {nwords} to {}",
                    req.header.link_mode_masks_nwords
                ),
            ),
        ));
    }
    Ok(decode(interface, &req, nwords))
}

/// The kernel answers the size probe with `-N` (1 ≤ N ≤ 127).
fn handshake_words(answer: i8) -> Option<usize> {
    usize::try_from(-i16::from(answer)).ok().filter(|n| (1..=MAX_NWORDS).contains(n))
}

fn decode(interface: &str, req: &RawRequest, nwords: usize) -> LinkSettings {
    let h = req.header;
    let masks = &req.masks;
    LinkSettings {
        interface: interface.to_owned(),
        speed_mbps: (h.speed != SPEED_UNKNOWN && h.speed != 0).then_some(h.speed),
        duplex: match h.duplex {
            DUPLEX_HALF => Some(Duplex::Half),
            DUPLEX_FULL => Some(Duplex::Full),
            _ => None,
        },
        autoneg: h.autoneg == AUTONEG_ENABLE,
        port: h.port,
        phy_address: h.phy_address,
        supported: LinkModes::from_words(&masks[..nwords]),
        advertising: LinkModes::from_words(&masks[nwords..2 * nwords]),
        link_partner: LinkModes::from_words(&masks[2 * nwords..3 * nwords]),
        nwords,
        raw: RawHeaderBytes {
            port: h.port,
            phy_address: h.phy_address,
            eth_tp_mdix_ctrl: h.eth_tp_mdix_ctrl,
            duplex: h.duplex,
            speed: h.speed,
        },
    }
}

/// Builds the `ETHTOOL_SLINKSETTINGS` request for `settings` (pure, so the
/// encoding is tested without an interface).
fn encode(settings: &LinkSettings) -> Result<RawRequest> {
    let nwords = settings.nwords;
    let announced =
        i8::try_from(nwords).ok().filter(|n| *n > 0).ok_or_else(|| Error::InvalidInput {
            what: "link settings",
            value: settings.interface.clone(),
            reason: "not read from the kernel (use link_settings() first)".into(),
        })?;
    let mut req = RawRequest::new(ETHTOOL_SLINKSETTINGS, announced);
    let h = &mut req.header;
    h.autoneg = u8::from(settings.autoneg);
    h.port = settings.raw.port;
    h.phy_address = settings.raw.phy_address;
    h.eth_tp_mdix_ctrl = settings.raw.eth_tp_mdix_ctrl;
    // Read-only fields must go back as zero: the kernel refuses a set with
    // master_slave_state or an unexpected master_slave_cfg.
    if settings.autoneg {
        h.speed = settings.raw.speed;
        h.duplex = settings.raw.duplex;
    } else {
        h.speed = settings.speed_mbps.unwrap_or(SPEED_UNKNOWN);
        h.duplex = match settings.duplex {
            Some(Duplex::Half) => DUPLEX_HALF,
            Some(Duplex::Full) => DUPLEX_FULL,
            None => 0xff,
        };
    }
    let words = settings.advertising.to_words(nwords)?;
    req.masks[nwords..2 * nwords].copy_from_slice(&words);
    Ok(req)
}

/// Applies `settings` (`ETHTOOL_SLINKSETTINGS`; needs `CAP_NET_ADMIN`).
/// `settings` must come from [`link_settings`] (possibly changed with
/// [`LinkSettings::advertising_only`], [`LinkSettings::with_autoneg`] or
/// [`LinkSettings::forced`]): the kernel requires the bitmap size it
/// announced. Only on the live `root`, like [`link_settings`].
pub fn set_link_settings(root: &Root, settings: &LinkSettings) -> Result<()> {
    const CALL: &str = "ETHTOOL_SLINKSETTINGS";
    root.require_live(CALL)?;
    let mut req = encode(settings)?;
    let fd = socket(&settings.interface, CALL)?;
    ethtool_ioctl(&fd, &settings.interface, &mut req, CALL)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    /// What GLINKSETTINGS returns for an RTL8156 linked at 2.5G (4-word
    /// bitmaps as on 6.x kernels).
    fn rtl8156() -> RawRequest {
        let mut req = RawRequest::new(ETHTOOL_GLINKSETTINGS, 4);
        req.header.speed = 2500;
        req.header.duplex = DUPLEX_FULL;
        req.header.autoneg = AUTONEG_ENABLE;
        req.header.phy_address = 32;
        req.header.eth_tp_mdix_ctrl = 3;
        let supported = [0x0000_60ef, 0x0000_8000, 0, 0];
        req.masks[..4].copy_from_slice(&supported);
        req.masks[4..8].copy_from_slice(&supported);
        req.masks[8..12].copy_from_slice(&[0x0000_20ef, 0x0000_8000, 0, 0]);
        req
    }

    #[test]
    fn header_layout_matches_the_uapi() {
        assert_eq!(size_of::<RawHeader>(), 48);
        assert_eq!(mem::offset_of!(RawHeader, link_mode_masks_nwords), 15);
        assert_eq!(mem::offset_of!(RawHeader, reserved), 20);
        assert_eq!(mem::offset_of!(RawRequest, masks), 48);
    }

    #[test]
    fn handshake_answer_is_negated() {
        assert_eq!(handshake_words(-4), Some(4));
        assert_eq!(handshake_words(-127), Some(127));
        assert_eq!(handshake_words(-128), None, "beyond what the ABI can carry back");
        assert_eq!(handshake_words(0), None);
        assert_eq!(handshake_words(3), None);
    }

    #[test]
    fn decodes_a_kernel_answer() {
        let s = decode("eth1", &rtl8156(), 4);
        assert_eq!(s.speed_mbps, Some(2500));
        assert_eq!(s.duplex, Some(Duplex::Full));
        assert!(s.autoneg);
        assert!(s.supported.contains(LinkMode::BASE_T_2500_FULL));
        assert!(s.link_partner.contains(LinkMode::BASE_T_2500_FULL));
        assert!(!s.link_partner.contains(LinkMode::ASYM_PAUSE));
        let mut down = rtl8156();
        down.header.speed = SPEED_UNKNOWN;
        down.header.duplex = 0xff;
        let s = decode("eth1", &down, 4);
        assert_eq!((s.speed_mbps, s.duplex), (None, None));
    }

    #[test]
    fn pinning_lan2_to_2500_only_encodes_the_right_words() {
        let s = decode("eth1", &rtl8156(), 4);
        let only: LinkModes = [LinkMode::BASE_T_2500_FULL].into_iter().collect();
        let next = s.advertising_only(&only).unwrap();
        assert_eq!(next.advertising.to_string(), "Autoneg TP Pause Asym_Pause 2500baseT/Full");
        let req = encode(&next).unwrap();
        assert_eq!(req.header.cmd, ETHTOOL_SLINKSETTINGS);
        assert_eq!(req.header.link_mode_masks_nwords, 4);
        assert_eq!(req.header.autoneg, AUTONEG_ENABLE);
        assert_eq!((req.header.phy_address, req.header.eth_tp_mdix_ctrl), (32, 3));
        assert_eq!(req.header.master_slave_state, 0);
        assert_eq!(&req.masks[4..8], &[0x0000_60c0, 0x0000_8000, 0, 0]);
        assert_eq!(&req.masks[..4], &[0; 4], "supported is read-only");
    }

    #[test]
    fn pinning_to_1g_only() {
        let s = decode("eth1", &rtl8156(), 4);
        let next = s.advertising_only(&s.supported.full_duplex_at(1000)).unwrap();
        assert_eq!(&encode(&next).unwrap().masks[4..8], &[0x0000_60e0, 0, 0, 0]);
    }

    #[test]
    fn unsupported_or_non_speed_modes_are_refused() {
        let s = decode("eth1", &rtl8156(), 4);
        let five: LinkModes = [LinkMode::BASE_T_5000_FULL].into_iter().collect();
        let e = s.advertising_only(&five).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        assert!(e.to_string().contains("5000baseT/Full"), "{e}");
        let pause: LinkModes = [LinkMode::PAUSE].into_iter().collect();
        assert_eq!(s.advertising_only(&pause).unwrap_err().kind(), ErrorKind::InvalidInput);
        assert_eq!(
            s.advertising_only(&LinkModes::new()).unwrap_err().kind(),
            ErrorKind::InvalidInput
        );
    }

    #[test]
    fn forcing_and_autoneg() {
        let s = decode("eth0", &rtl8156(), 4);
        let forced = s.forced(100, Duplex::Full);
        let req = encode(&forced).unwrap();
        assert_eq!(
            (req.header.autoneg, req.header.speed, req.header.duplex),
            (0, 100, DUPLEX_FULL)
        );
        let off = s.with_autoneg(false).unwrap();
        assert_eq!(encode(&off).unwrap().header.speed, 2500);
        let mut down = decode("eth0", &rtl8156(), 4);
        down.speed_mbps = None;
        assert_eq!(down.with_autoneg(false).unwrap_err().kind(), ErrorKind::InvalidInput);
        assert!(down.with_autoneg(true).unwrap().autoneg);
    }

    #[test]
    fn settings_not_from_the_kernel_cannot_be_encoded() {
        let mut s = decode("eth0", &rtl8156(), 4);
        s.nwords = 0;
        assert_eq!(encode(&s).unwrap_err().kind(), ErrorKind::InvalidInput);
    }

    #[test]
    fn bad_interface_names_are_refused_before_any_syscall() {
        let mut req = RawRequest::new(ETHTOOL_GLINKSETTINGS, 0);
        for bad in ["", "a-name-that-is-too-long", "a/b", "nul\0"] {
            let e = ifreq_for(bad, &mut req).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidInput, "{bad:?}");
        }
    }

    #[test]
    fn a_missing_interface_is_a_device_error_naming_it() {
        // No interface has this name (names are at most 15 bytes and this
        // one is valid but never created); the ioctl must fail cleanly.
        let e = link_settings(&Root::system(), "h64-nonexist0").unwrap_err();
        assert!(matches!(e, Error::Device { call: "ETHTOOL_GLINKSETTINGS", .. }), "{e:?}");
        assert!(e.to_string().contains("h64-nonexist0"));
        assert_eq!(e.kind(), ErrorKind::Unsupported, "ENODEV");
    }

    #[test]
    fn a_tree_root_is_refused_before_any_socket_or_ioctl() {
        // An interface name the host surely has: on a fixture tree it must
        // still not be asked about.
        let tree = Root::new("/nonexistent");
        let e = link_settings(&tree, "lo").unwrap_err();
        assert!(matches!(e, Error::NotLive { call: "ETHTOOL_GLINKSETTINGS", .. }), "{e:?}");
        let settings = decode("lo", &rtl8156(), 4);
        let e = set_link_settings(&tree, &settings).unwrap_err();
        assert!(matches!(e, Error::NotLive { call: "ETHTOOL_SLINKSETTINGS", .. }), "{e:?}");
    }
}
