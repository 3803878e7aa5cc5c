//! The five SATA bays: bay ↔ JMB585 port ↔ `ataN` ↔ SCSI host ↔ block
//! device ↔ model/serial ↔ error LED.
//!
//! Bays are mapped by the AHCI controller's PCI device and the port's index
//! on it (libata's 1-based `port_no`), never by absolute `ataN` or `sdX`:
//! `sdX` follows probe order, and `ataN` numbering counts every ATA port in
//! the system (in the test VM QEMU's IDE takes ata1/ata2, so the AHCI ports
//! are ata3..). On a Helios64 the JMB585 (PCI 197b:0585 under
//! `f8000000.pcie`) is the only ATA controller, so bay N is also ataN.
//!
//! **Bay 1 and the M.2 slot share one port.** A 2:1 mux connects JMB585
//! port 0 either to bay 1 (J3) or to the M.2 key-B SATA slot; fitting an M.2
//! SATA SSD disconnects J3. Software sees the same `ata1` either way, so a
//! disk reported in bay 1 may be the M.2 SSD: [`BayStatus::shares_port_with_m2`]
//! flags it, and `rotational`/`rotation_rpm` usually tell an SSD from a disk.

mod identify;

use std::path::{Path, PathBuf};

use crate::ata::AtaDisk;
use crate::error::{Error, Result};
use crate::hwmon::{DiskTemp, Hwmon, ScsiAddress};
use crate::root::{self, Root};

/// The number of bays.
pub const BAY_COUNT: u8 = 5;
/// JMicron JMB585 PCI vendor and device id.
pub const JMB585_PCI_ID: (u16, u16) = (0x197b, 0x0585);
/// The PCIe host the JMB585 hangs off on the Helios64.
pub const HELIOS64_PCIE_HOST: &str = "f8000000.pcie";

/// An AHCI controller whose first five ports are the bays.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SataController {
    root: Root,
    address: String,
    dir: PathBuf,
}

/// A controller's identity, for status output.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ControllerInfo {
    /// The PCI address, `0000:01:00.0`.
    pub pci_address: String,
    /// PCI vendor id.
    pub vendor_id: u16,
    /// PCI device id.
    pub device_id: u16,
    /// The bound driver (`ahci`), if any.
    pub driver: Option<String>,
    /// The negotiated PCIe link speed as the kernel prints it
    /// (`2.5 GT/s PCIe` = Gen1); `None` for devices without a PCIe link
    /// (root-complex integrated, as in QEMU).
    pub pcie_link_speed: Option<String>,
    /// The negotiated PCIe link width (lanes).
    pub pcie_link_width: Option<u32>,
}

impl SataController {
    /// Finds the JMB585 by PCI id. Prefers one under `f8000000.pcie`.
    pub fn find(root: &Root) -> Result<SataController> {
        let bus = root.bus_devices("pci");
        let mut found = Vec::new();
        for entry in root.list_optional(&bus)? {
            let ids = (
                read_hex_id(root, &entry.join("vendor"))?,
                read_hex_id(root, &entry.join("device"))?,
            );
            if ids == JMB585_PCI_ID {
                found.push(Self::from_entry(root, &entry)?);
            }
        }
        found.sort_by_key(|c| !c.dir.components().any(|p| p.as_os_str() == HELIOS64_PCIE_HOST));
        found.into_iter().next().ok_or_else(|| Error::NotPresent {
            component: format!(
                "JMB585 SATA controller (PCI {:04x}:{:04x})",
                JMB585_PCI_ID.0, JMB585_PCI_ID.1
            ),
            searched: bus,
        })
    }

    /// The AHCI controller at PCI address `address` (e.g. `0000:00:04.0`
    /// in the test VM).
    pub fn at(root: &Root, address: &str) -> Result<SataController> {
        let entry = root.bus_devices("pci").join(address);
        if !root.exists(&entry)? {
            return Err(Error::NotPresent {
                component: format!("PCI device {address}"),
                searched: root.bus_devices("pci"),
            });
        }
        Self::from_entry(root, &entry)
    }

    fn from_entry(root: &Root, entry: &Path) -> Result<SataController> {
        Ok(SataController {
            root: root.clone(),
            address: root::file_name(entry)?.to_owned(),
            dir: root.resolve(entry)?,
        })
    }

    /// The PCI address.
    pub fn pci_address(&self) -> &str {
        &self.address
    }

    /// Reads the controller's identity and link.
    pub fn info(&self) -> Result<ControllerInfo> {
        Ok(ControllerInfo {
            pci_address: self.address.clone(),
            vendor_id: read_hex_id(&self.root, &self.dir.join("vendor"))?,
            device_id: read_hex_id(&self.root, &self.dir.join("device"))?,
            driver: self.root.link_name(&self.dir.join("driver"))?,
            pcie_link_speed: self.root.read_optional(&self.dir.join("current_link_speed"))?,
            pcie_link_width: self
                .root
                .read_parse_optional(&self.dir.join("current_link_width"), "a lane count")?,
        })
    }

    /// The controller's ATA ports, by `port_no`.
    pub fn ports(&self) -> Result<Vec<AtaPort>> {
        let mut ports = Vec::new();
        for entry in self.root.list(&self.dir)? {
            let name = root::file_name(&entry)?;
            let is_port = name
                .strip_prefix("ata")
                .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
            if !is_port {
                continue;
            }
            let port_no = self
                .root
                .read_parse(&entry.join("ata_port").join(name).join("port_no"), "a port number")?;
            ports.push(AtaPort { name: name.to_owned(), port_no, dir: entry });
        }
        ports.sort_by_key(|p| p.port_no);
        Ok(ports)
    }

    /// The five bays: bay N is the port with `port_no` N. A controller
    /// without such a port is an error naming the bay.
    pub fn bays(&self) -> Result<Vec<Bay>> {
        let ports = self.ports()?;
        (1..=BAY_COUNT)
            .map(|number| {
                let port =
                    ports.iter().find(|p| p.port_no == u32::from(number)).cloned().ok_or_else(
                        || Error::NotPresent {
                            component: format!("ATA port {number} (bay {number})"),
                            searched: self.dir.clone(),
                        },
                    )?;
                Ok(Bay { root: self.root.clone(), number, port })
            })
            .collect()
    }

    /// The bay whose port the device at `devpath` sits under: a disk, a
    /// partition, its SCSI device or the port itself. `devpath` is the
    /// kernel's `DEVPATH` (`/devices/...`, relative to sysfs); the device
    /// need not exist any more (a disk just removed is still placed by its
    /// path). `None` for devices on other ports or controllers (NVMe, a USB
    /// disk, the eMMC).
    pub(crate) fn bay_holding(&self, devpath: &str) -> Result<Option<Bay>> {
        // Compared as the board shows them: the port directories are
        // resolved, the root they sit under may not be canonical.
        let device = self.root.on_box(&self.root.sys().join(devpath.trim_start_matches('/')));
        Ok(self.bays()?.into_iter().find(|bay| device.starts_with(self.root.on_box(&bay.port.dir))))
    }

    /// Bay `number` (1..=5).
    pub fn bay(&self, number: u8) -> Result<Bay> {
        if !(1..=BAY_COUNT).contains(&number) {
            return Err(Error::InvalidInput {
                what: "bay number",
                value: number.to_string(),
                reason: format!("bays are 1..={BAY_COUNT}"),
            });
        }
        let mut bays = self.bays()?;
        Ok(bays.swap_remove(usize::from(number - 1)))
    }
}

fn read_hex_id(root: &Root, path: &Path) -> Result<u16> {
    let text = root.read(path)?;
    text.strip_prefix("0x")
        .and_then(|h| u16::from_str_radix(h, 16).ok())
        .ok_or_else(|| Error::malformed(path, &text, "a hexadecimal PCI id such as 0x197b"))
}

/// An ATA port of a controller (`ataN`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AtaPort {
    name: String,
    port_no: u32,
    dir: PathBuf,
}

impl AtaPort {
    /// The port's kernel name, `ata3`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The 1-based index on its controller.
    pub fn port_no(&self) -> u32 {
        self.port_no
    }
}

/// One drive bay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bay {
    root: Root,
    number: u8,
    port: AtaPort,
}

/// A bay at one moment.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct BayStatus {
    /// 1..=5, as printed on the case.
    pub bay: u8,
    /// The board connector (`J3`..`J7`).
    pub connector: &'static str,
    /// The ATA port, `ata1`.
    pub ata_port: String,
    /// The SCSI host, `host0`.
    pub scsi_host: Option<String>,
    /// The negotiated SATA link rate in Mb/s (1500, 3000, 6000); `None`
    /// when no link is up.
    pub link_speed_mbps: Option<u32>,
    /// The name of the bay's error LED (driven by the LED module).
    pub error_led: String,
    /// Bay 1 only: the port is muxed with the M.2 SATA slot.
    pub shares_port_with_m2: bool,
    /// The disk in the bay, `None` when empty.
    pub disk: Option<Disk>,
}

/// A disk in a bay.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Disk {
    /// The block device name (`sda`), `None` until `sd` binds.
    pub block_device: Option<String>,
    /// SCSI host:channel:target:lun, `0:0:0:0` (serialised so).
    pub hctl: ScsiAddress,
    /// The full ATA model (from IDENTIFY when available, else the SCSI
    /// model, truncated to 16 characters by SCSI INQUIRY).
    pub model: String,
    /// The serial number, when the drive reports one.
    pub serial: Option<String>,
    /// The firmware revision.
    pub firmware: Option<String>,
    /// Capacity in bytes.
    pub size_bytes: Option<u64>,
    /// The block queue's `rotational` flag.
    pub rotational: Option<bool>,
    /// The drive's nominal rotation rate: 0 = solid state, `None` = not
    /// reported.
    pub rotation_rpm: Option<u16>,
    /// The drivetemp hwmon directory under the disk (as on the box), when
    /// the `drivetemp` module is loaded.
    pub hwmon: Option<String>,
}

impl Bay {
    /// The bay number, 1..=5.
    pub fn number(&self) -> u8 {
        self.number
    }

    /// The port behind it.
    pub fn port(&self) -> &AtaPort {
        &self.port
    }

    /// The board connector: J3..J7 for bays 1..5.
    pub fn connector(&self) -> &'static str {
        ["J3", "J4", "J5", "J6", "J7"][usize::from(self.number - 1)]
    }

    /// The Armbian LED name of this bay's error LED,
    /// `helios64:red:ata<N>-err`. Just the name: the LED module drives it.
    pub fn error_led_name(&self) -> String {
        format!("helios64:red:ata{}-err", self.number)
    }

    /// Whether this bay's port is muxed with the M.2 SATA slot.
    pub fn shares_port_with_m2(&self) -> bool {
        self.number == 1
    }

    /// The SCSI host directory under the port.
    fn host_dir(&self) -> Result<Option<PathBuf>> {
        let hosts: Vec<PathBuf> = self
            .root
            .list(&self.port.dir)?
            .into_iter()
            .filter(|p| root::file_name(p).is_ok_and(|n| n.starts_with("host")))
            .collect();
        Ok(hosts.into_iter().next())
    }

    /// The SATA link rate, from `ata_link/linkN/sata_spd`.
    pub fn link_speed_mbps(&self) -> Result<Option<u32>> {
        let n = self.port.name.trim_start_matches("ata");
        let link = format!("link{n}");
        let path = self.port.dir.join(&link).join("ata_link").join(&link).join("sata_spd");
        let text = self.root.read(&path)?;
        match text.as_str() {
            "<unknown>" => Ok(None),
            "1.5 Gbps" => Ok(Some(1500)),
            "3.0 Gbps" => Ok(Some(3000)),
            "6.0 Gbps" => Ok(Some(6000)),
            _ => Err(Error::malformed(&path, &text, "1.5 Gbps, 3.0 Gbps, 6.0 Gbps or <unknown>")),
        }
    }

    /// Reads the bay's state now.
    pub fn status(&self) -> Result<BayStatus> {
        let host = self.host_dir()?;
        let disk = match &host {
            Some(h) => self.disk(h)?,
            None => None,
        };
        Ok(BayStatus {
            bay: self.number,
            connector: self.connector(),
            ata_port: self.port.name.clone(),
            scsi_host: host.as_deref().map(root::file_name).transpose()?.map(str::to_owned),
            link_speed_mbps: self.link_speed_mbps()?,
            error_led: self.error_led_name(),
            shares_port_with_m2: self.shares_port_with_m2(),
            disk,
        })
    }

    /// The SCSI device of the disk in the bay (`.../host0/target0:0:0/0:0:0:0`)
    /// and its address, or `None` when the bay is empty.
    fn scsi_device(&self, host: &Path) -> Result<Option<(PathBuf, ScsiAddress)>> {
        let Some(target) = first_child(&self.root, host, |n| n.starts_with("target"))? else {
            return Ok(None);
        };
        let is_hctl = |n: &str| n.parse::<ScsiAddress>().is_ok();
        let Some(sdev) = first_child(&self.root, &target, is_hctl)? else {
            return Ok(None);
        };
        let name = root::file_name(&sdev)?;
        let hctl: ScsiAddress = name.parse().map_err(|()| {
            Error::malformed(&sdev, name, "a SCSI device named host:channel:target:lun")
        })?;
        Ok(Some((sdev, hctl)))
    }

    /// The disk's block device (`sda`), or `None` when the bay is empty or
    /// `sd` has not bound yet.
    pub fn block_device(&self) -> Result<Option<String>> {
        let Some(host) = self.host_dir()? else { return Ok(None) };
        let Some((sdev, _)) = self.scsi_device(&host)? else { return Ok(None) };
        match self.block_dir(&sdev)? {
            Some(block) => Ok(Some(root::file_name(&block)?.to_owned())),
            None => Ok(None),
        }
    }

    fn block_dir(&self, sdev: &Path) -> Result<Option<PathBuf>> {
        match first_child(&self.root, sdev, |n| n == "block")? {
            Some(dir) => first_child(&self.root, &dir, |_| true),
            None => Ok(None),
        }
    }

    /// The disk's block device opened for power-mode checks ([`AtaDisk`]),
    /// or `None` when the bay has no disk with a block device. Live root
    /// only.
    pub fn open_ata(&self) -> Result<Option<AtaDisk>> {
        match self.block_device()? {
            Some(name) => AtaDisk::open(&self.root, &name).map(Some),
            None => Ok(None),
        }
    }

    /// The `drivetemp` sensor of the disk in the bay, found under the
    /// disk's own SCSI device (never through `/sys/class/hwmon`, so a broken
    /// unrelated hwmon entry cannot hide it). `None` when the bay is empty
    /// or the `drivetemp` module is not loaded.
    pub fn disk_temp(&self) -> Result<Option<DiskTemp>> {
        let Some(host) = self.host_dir()? else { return Ok(None) };
        let Some((sdev, scsi_address)) = self.scsi_device(&host)? else { return Ok(None) };
        let Some(hwmon) = Hwmon::of_device(&self.root, &sdev)? else { return Ok(None) };
        if hwmon.name() != "drivetemp" {
            return Ok(None);
        }
        let block_device = match self.block_dir(&sdev)? {
            Some(b) => Some(root::file_name(&b)?.to_owned()),
            None => None,
        };
        Ok(Some(DiskTemp { scsi_address, block_device, scsi_device: sdev, hwmon }))
    }

    fn disk(&self, host: &Path) -> Result<Option<Disk>> {
        let Some((sdev, hctl)) = self.scsi_device(host)? else {
            return Ok(None);
        };
        // VPD pages are binary; absent when the kernel did not fetch them
        // (older kernels have no vpd_pg89).
        let identify_page = sdev.join("vpd_pg89");
        let identify = match read_bytes_optional(&self.root, &identify_page)? {
            None => None,
            Some(bytes) => Some(identify::parse_vpd89(&bytes).ok_or_else(|| {
                Error::malformed(
                    &identify_page,
                    &format!("{} bytes", bytes.len()),
                    "a 572-byte VPD page 0x89",
                )
            })?),
        };
        let serial_page = sdev.join("vpd_pg80");
        let serial_from_page = match read_bytes_optional(&self.root, &serial_page)? {
            None => None,
            Some(bytes) => Some(identify::parse_vpd80(&bytes).ok_or_else(|| {
                Error::malformed(&serial_page, &format!("{} bytes", bytes.len()), "a VPD page 0x80")
            })?),
        };
        let (model, serial, firmware, rotation_rpm) = match identify {
            Some(id) => (id.model, Some(id.serial), Some(id.firmware), id.rotation_rpm),
            None => (
                self.root.read(&sdev.join("model"))?.trim().to_owned(),
                None,
                self.root.read_optional(&sdev.join("rev"))?,
                None,
            ),
        };
        let serial = serial.or(serial_from_page).filter(|s| !s.is_empty());
        let block = self.block_dir(&sdev)?;
        let (block_device, size_bytes, rotational) = match &block {
            Some(b) => {
                let sectors: u64 =
                    self.root.read_parse(&b.join("size"), "a size in 512-byte sectors")?;
                let rotational = match self.root.read(&b.join("queue/rotational"))?.as_str() {
                    "0" => false,
                    "1" => true,
                    other => {
                        return Err(Error::malformed(b.join("queue/rotational"), other, "0 or 1"));
                    }
                };
                (Some(root::file_name(b)?.to_owned()), Some(sectors * 512), Some(rotational))
            }
            None => (None, None, None),
        };
        let hwmon = match first_child(&self.root, &sdev, |n| n == "hwmon")? {
            Some(dir) => first_child(&self.root, &dir, |n| n.starts_with("hwmon"))?
                .map(|h| self.root.on_box(&h).display().to_string()),
            None => None,
        };
        Ok(Some(Disk {
            block_device,
            hctl,
            model,
            serial,
            firmware,
            size_bytes,
            rotational,
            rotation_rpm,
            hwmon,
        }))
    }
}

fn read_bytes_optional(root: &Root, path: &Path) -> Result<Option<Vec<u8>>> {
    match root.read_bytes(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e.into()),
    }
}

fn first_child(root: &Root, dir: &Path, wanted: impl Fn(&str) -> bool) -> Result<Option<PathBuf>> {
    for entry in root.list(dir)? {
        if wanted(root::file_name(&entry)?) && root.is_dir(&entry)? {
            return Ok(Some(entry));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests;
