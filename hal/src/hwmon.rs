//! Hardware-monitoring (`hwmon`) devices, and drive temperatures from the
//! `drivetemp` driver.
//!
//! hwmon numbers (`hwmonN`) follow probe order and change between boots, so
//! nothing here uses them: an hwmon device is found through its parent
//! device (a platform device, an I2C client, a thermal zone, a SCSI disk)
//! and checked by its `name`.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::Serialize;

use crate::error::{Error, Result};
use crate::root::{self, Root};

/// One hwmon device, with its directory resolved into `/sys/devices`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hwmon {
    root: Root,
    path: PathBuf,
    name: String,
}

/// What [`hwmon_devices`] reports about one hwmon device, for status output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HwmonInfo {
    /// The driver-given name, e.g. `"pwmfan"`, `"lm75"`, `"cpu_thermal"`.
    pub name: String,
    /// The hwmon directory as it reads on the box.
    pub path: PathBuf,
    /// The parent device as it reads on the box, when there is one.
    pub device: Option<PathBuf>,
}

impl Hwmon {
    /// The hwmon device at `dir` (a `/sys/class/hwmon` entry or a directory
    /// under its parent device). Reads its `name`, which drivers registered
    /// through the deprecated `hwmon_device_register()` put in the parent
    /// device instead (`device/name`, as libsensors also accepts).
    pub fn at(root: &Root, dir: &Path) -> Result<Hwmon> {
        let path = root.resolve(dir)?;
        let own = path.join("name");
        let (name_path, name) = match root.read_optional(&own)? {
            Some(name) => (own, name),
            None => match root.read_optional(&path.join("device").join("name"))? {
                Some(name) => (path.join("device").join("name"), name),
                None => {
                    return Err(Error::NotPresent {
                        component: "hwmon name".into(),
                        searched: own,
                    });
                }
            },
        };
        if name.is_empty() {
            return Err(Error::malformed(name_path, &name, "a non-empty hwmon name"));
        }
        Ok(Hwmon { root: root.clone(), path, name })
    }

    /// The single hwmon device of `device`, or `None` when it has none
    /// (driver not bound, or a driver without hwmon support).
    ///
    /// Drivers of bus devices put it at `<device>/hwmon/hwmonN`; class
    /// devices such as thermal zones get `<device>/hwmonN` directly.
    pub fn of_device(root: &Root, device: &Path) -> Result<Option<Hwmon>> {
        let mut found = Vec::new();
        for dir in [device.join("hwmon"), device.to_path_buf()] {
            for entry in root.list_optional(&dir)? {
                let name = root::file_name(&entry)?;
                let number = name.strip_prefix("hwmon").unwrap_or("");
                if !number.is_empty() && number.bytes().all(|b| b.is_ascii_digit()) {
                    found.push(entry);
                }
            }
        }
        match found.as_slice() {
            [] => Ok(None),
            [one] => Hwmon::at(root, one).map(Some),
            [first, ..] => Err(Error::malformed(
                device,
                &format!("{} hwmon devices, first {}", found.len(), first.display()),
                "at most one hwmon device per parent device",
            )),
        }
    }

    /// The resolved hwmon directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The driver-given name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The path of attribute `attr`, e.g. `"pwm1"`.
    pub fn attr(&self, attr: &str) -> PathBuf {
        self.path.join(attr)
    }

    /// Whether attribute `attr` exists; an attribute that cannot be
    /// examined is an error naming it.
    pub fn has_attr(&self, attr: &str) -> Result<bool> {
        Ok(self.root.exists(&self.attr(attr))?)
    }

    /// The parent device, resolved, or `None` for a device-less hwmon.
    pub fn device(&self) -> Result<Option<PathBuf>> {
        let link = self.path.join("device");
        if !self.root.lexists(&link)? {
            return Ok(None);
        }
        Ok(Some(self.root.resolve(&link)?))
    }

    /// Reads temperature channel `channel` (`temp<channel>_input`), in
    /// millidegrees Celsius as hwmon reports it.
    pub fn temp_millicelsius(&self, channel: u32) -> Result<i64> {
        self.root.read_parse(&self.attr(&format!("temp{channel}_input")), TEMP).map_err(Error::from)
    }

    /// Reads an optional temperature attribute such as `temp1_crit`.
    pub fn temp_attr_optional(&self, attr: &str) -> Result<Option<i64>> {
        self.root.read_parse_optional(&self.attr(attr), TEMP).map_err(Error::from)
    }

    /// A summary for status output.
    pub fn info(&self) -> Result<HwmonInfo> {
        Ok(HwmonInfo {
            name: self.name.clone(),
            path: self.root.on_box(&self.path),
            device: self.device()?.map(|d| self.root.on_box(&d)),
        })
    }

    pub(crate) fn root(&self) -> &Root {
        &self.root
    }
}

const TEMP: &str = "an integer temperature in millidegrees Celsius";

/// Every hwmon device of the system, in `/sys/class/hwmon` order (which is
/// not stable across boots).
pub fn hwmon_devices(root: &Root) -> Result<Vec<Hwmon>> {
    root.list_optional(&root.class("hwmon"))?.iter().map(|dir| Hwmon::at(root, dir)).collect()
}

/// A SCSI device address, `host:channel:target:lun`, as sysfs names SCSI
/// devices (`0:0:0:0`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ScsiAddress {
    /// SCSI host (one per ATA port on an AHCI controller).
    pub host: u32,
    /// Channel (bus) on the host.
    pub channel: u32,
    /// Target on the channel.
    pub target: u32,
    /// Logical unit.
    pub lun: u64,
}

impl FromStr for ScsiAddress {
    type Err = ();

    /// Parses `H:C:T:L`.
    fn from_str(s: &str) -> std::result::Result<Self, ()> {
        let mut parts = s.split(':');
        let mut next = || parts.next().ok_or(());
        let address = ScsiAddress {
            host: next()?.parse().map_err(drop)?,
            channel: next()?.parse().map_err(drop)?,
            target: next()?.parse().map_err(drop)?,
            lun: next()?.parse().map_err(drop)?,
        };
        if parts.next().is_some() {
            return Err(());
        }
        Ok(address)
    }
}

impl fmt::Display for ScsiAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}:{}", self.host, self.channel, self.target, self.lun)
    }
}

impl Serialize for ScsiAddress {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A disk temperature sensor of the `drivetemp` driver: the hwmon device
/// the driver creates under each SATA disk's SCSI device.
///
/// `drivetemp` reads the temperature through SCT or the SMART temperature
/// attribute without waking a spun-down disk's platters; the module is not
/// loaded by default on Armbian (section 7 of the hardware notes), in which
/// case [`drivetemp_sensors`] is simply empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiskTemp {
    /// The disk's SCSI address.
    pub scsi_address: ScsiAddress,
    /// The disk's block device name (`sda`), or `None` when the SCSI device
    /// has no block device (yet).
    pub block_device: Option<String>,
    /// The SCSI device directory, resolved.
    pub scsi_device: PathBuf,
    /// The drivetemp hwmon device.
    pub hwmon: Hwmon,
}

/// One reading of a [`DiskTemp`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DiskTempSnapshot {
    /// `H:C:T:L`.
    pub scsi_address: ScsiAddress,
    /// Block device name, e.g. `"sda"`.
    pub block_device: Option<String>,
    /// Current temperature.
    pub temp_millicelsius: i64,
    /// Lowest temperature the drive recorded, when it reports one.
    pub lowest_millicelsius: Option<i64>,
    /// Highest temperature the drive recorded, when it reports one.
    pub highest_millicelsius: Option<i64>,
    /// The drive's critical limit, when it reports one.
    pub crit_millicelsius: Option<i64>,
    /// The hwmon directory as it reads on the box.
    pub hwmon_path: PathBuf,
}

impl DiskTemp {
    /// Reads the current temperature.
    pub fn temp_millicelsius(&self) -> Result<i64> {
        self.hwmon.temp_millicelsius(1)
    }

    /// Reads the current temperature and the drive's recorded limits.
    pub fn snapshot(&self) -> Result<DiskTempSnapshot> {
        Ok(DiskTempSnapshot {
            scsi_address: self.scsi_address,
            block_device: self.block_device.clone(),
            temp_millicelsius: self.temp_millicelsius()?,
            lowest_millicelsius: self.hwmon.temp_attr_optional("temp1_lowest")?,
            highest_millicelsius: self.hwmon.temp_attr_optional("temp1_highest")?,
            crit_millicelsius: self.hwmon.temp_attr_optional("temp1_crit")?,
            hwmon_path: self.hwmon.root().on_box(self.hwmon.path()),
        })
    }
}

/// Every `drivetemp` sensor, sorted by SCSI address.
///
/// A sensor is an hwmon device named `drivetemp` whose `device` resolves to
/// a SCSI device (`subsystem` = scsi, directory named `H:C:T:L`); its block
/// device is the single entry of that device's `block/` directory. A
/// drivetemp hwmon whose parent is not such a SCSI device is malformed.
pub fn drivetemp_sensors(root: &Root) -> Result<Vec<DiskTemp>> {
    let mut sensors = Vec::new();
    for hwmon in hwmon_devices(root)? {
        if hwmon.name() != "drivetemp" {
            continue;
        }
        let device = hwmon.device()?.ok_or_else(|| {
            Error::malformed(hwmon.attr("device"), "", "a link to the disk's SCSI device")
        })?;
        let not_scsi = || {
            Error::malformed(
                hwmon.attr("device"),
                &device.to_string_lossy(),
                "a SCSI device named host:channel:target:lun",
            )
        };
        let subsystem = root.link_name(&device.join("subsystem"))?;
        if subsystem.as_deref() != Some("scsi") {
            return Err(not_scsi());
        }
        let scsi_address: ScsiAddress =
            root::file_name(&device)?.parse().map_err(|()| not_scsi())?;
        let block_device = match root.list_optional(&device.join("block"))?.as_slice() {
            [] => None,
            [one] => Some(root::file_name(one)?.to_owned()),
            more => {
                return Err(Error::malformed(
                    device.join("block"),
                    &format!("{} entries", more.len()),
                    "one block device per SCSI disk",
                ));
            }
        };
        sensors.push(DiskTemp { scsi_address, block_device, scsi_device: device, hwmon });
    }
    sensors.sort_by_key(|s| s.scsi_address);
    Ok(sensors)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;
    use crate::testing::{Fixture, copy_fixture};
    use std::fs;
    use std::os::unix::fs::symlink;

    #[test]
    fn scsi_address_round_trips_and_rejects_garbage() {
        let a: ScsiAddress = "2:0:0:0".parse().unwrap();
        assert_eq!(a, ScsiAddress { host: 2, channel: 0, target: 0, lun: 0 });
        assert_eq!(a.to_string(), "2:0:0:0");
        assert_eq!(serde_json::to_string(&a).unwrap(), "\"2:0:0:0\"");
        for bad in ["", "1:2:3", "1:2:3:4:5", "a:0:0:0", "host2", "1:2:3:-1"] {
            assert!(bad.parse::<ScsiAddress>().is_err(), "{bad}");
        }
    }

    #[test]
    fn every_fixture_hwmon_has_a_name_and_a_device() {
        for f in Fixture::ALL {
            let root = f.root();
            let all = hwmon_devices(&root).unwrap();
            // The board-level ones; disks and supplies add their own.
            let board = ["cpu_thermal", "gpu_thermal", "lm75", "pwmfan"];
            let mut names: Vec<_> =
                all.iter().map(Hwmon::name).filter(|n| board.contains(n)).collect();
            names.sort_unstable();
            assert_eq!(names, ["cpu_thermal", "gpu_thermal", "lm75", "pwmfan", "pwmfan"], "{f:?}");
            for h in &all {
                let info = h.info().unwrap();
                assert!(info.path.starts_with("/sys/devices/"), "{info:?}");
                assert!(info.device.is_some(), "{info:?}");
            }
        }
    }

    #[test]
    fn legacy_name_in_the_parent_device_and_missing_name() {
        let (_dir, root) = copy_fixture(Fixture::Mainline);
        let dir = root.resolve(&root.class("hwmon").join("hwmon2")).unwrap();
        fs::remove_file(dir.join("name")).unwrap();
        // The lm75 client's own `name` is where a legacy driver's name is.
        assert_eq!(Hwmon::at(&root, &dir).unwrap().name(), "lm75");
        fs::remove_file(dir.join("device")).unwrap();
        let e = Hwmon::at(&root, &dir).unwrap_err();
        assert_eq!((e.kind(), e.path()), (ErrorKind::NotFound, Some(dir.join("name").as_path())));
    }

    #[test]
    fn empty_name_is_malformed_with_path() {
        let (_dir, root) = copy_fixture(Fixture::Armbian);
        let name = root.resolve(&root.class("hwmon").join("hwmon5")).unwrap().join("name");
        fs::write(&name, "\n").unwrap();
        let e = hwmon_devices(&root).unwrap_err();
        assert_eq!((e.kind(), e.path()), (ErrorKind::Malformed, Some(name.as_path())));
    }

    /// Adds a SATA disk with a drivetemp hwmon to a fixture copy, laid out
    /// as the kernel does (hardware notes, section 5), on a second AHCI
    /// function with hosts from 10 up and hwmon numbers from 40 up, so it
    /// never collides with disks the fixture already has.
    fn add_disk(root: &Root, host: u32, block: Option<&str>, hwmon: u32, temp: &str) -> PathBuf {
        let port = host + 1;
        let dev = root.sys().join(format!(
            "devices/platform/f8000000.pcie/pci0000:00/0000:00:00.0/0000:02:00.0/\
             ata{port}/host{host}/target{host}:0:0/{host}:0:0:0"
        ));
        fs::create_dir_all(&dev).unwrap();
        fs::create_dir_all(root.sys().join("bus/scsi")).unwrap();
        symlink(rel(&dev, &root.sys().join("bus/scsi")), dev.join("subsystem")).unwrap();
        if let Some(block) = block {
            fs::create_dir_all(dev.join("block").join(block)).unwrap();
        }
        let h = dev.join("hwmon").join(format!("hwmon{hwmon}"));
        fs::create_dir_all(&h).unwrap();
        fs::write(h.join("name"), "drivetemp\n").unwrap();
        fs::write(h.join("temp1_input"), format!("{temp}\n")).unwrap();
        fs::write(h.join("temp1_lowest"), "21000\n").unwrap();
        symlink("../..", h.join("device")).unwrap();
        fs::create_dir_all(root.class("hwmon")).unwrap();
        symlink(rel(&root.class("hwmon"), &h), root.class("hwmon").join(format!("hwmon{hwmon}")))
            .unwrap();
        h
    }

    /// The sensors [`add_disk`] added.
    fn added(root: &Root) -> Vec<DiskTemp> {
        drivetemp_sensors(root).unwrap().into_iter().filter(|s| s.scsi_address.host >= 10).collect()
    }

    /// A relative link target from directory `from` to `to`, as the kernel
    /// writes them.
    fn rel(from: &Path, to: &Path) -> PathBuf {
        let from: Vec<_> = from.components().collect();
        let to: Vec<_> = to.components().collect();
        let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
        let mut out = PathBuf::new();
        for _ in common..from.len() {
            out.push("..");
        }
        to[common..].iter().for_each(|c| out.push(c));
        out
    }

    #[test]
    fn drivetemp_maps_hwmon_to_scsi_address_and_block_device() {
        for f in Fixture::ALL {
            let (_dir, root) = copy_fixture(f);
            let before = drivetemp_sensors(&root).unwrap().len();
            add_disk(&root, 12, Some("sdg"), 44, "34000");
            add_disk(&root, 10, Some("sdf"), 41, "31000");
            add_disk(&root, 14, None, 42, "29000");
            let sensors = drivetemp_sensors(&root).unwrap();
            assert_eq!(sensors.len(), before + 3, "{f:?}");
            let ours = added(&root);
            let summary: Vec<_> = ours
                .iter()
                .map(|s| {
                    (
                        s.scsi_address.to_string(),
                        s.block_device.clone(),
                        s.temp_millicelsius().unwrap(),
                    )
                })
                .collect();
            assert_eq!(
                summary,
                [
                    ("10:0:0:0".to_owned(), Some("sdf".to_owned()), 31000),
                    ("12:0:0:0".to_owned(), Some("sdg".to_owned()), 34000),
                    ("14:0:0:0".to_owned(), None, 29000),
                ]
            );
            let snap = ours[0].snapshot().unwrap();
            assert_eq!(snap.lowest_millicelsius, Some(21000));
            assert_eq!(snap.highest_millicelsius, None);
            assert!(snap.hwmon_path.starts_with("/sys/devices/platform/f8000000.pcie"), "{snap:?}");
            // Whatever disks the fixture itself has must map just as cleanly.
            for s in &sensors {
                s.snapshot().unwrap();
                assert!(s.scsi_device.ends_with(s.scsi_address.to_string()), "{s:?}");
            }
        }
    }

    #[test]
    fn drivetemp_garbage_temperature_names_the_file() {
        let (_dir, root) = copy_fixture(Fixture::Armbian);
        let h = add_disk(&root, 11, Some("sdc"), 43, "warm");
        let e = added(&root)[0].temp_millicelsius().unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Malformed);
        assert_eq!(e.path(), Some(root.resolve(&h).unwrap().join("temp1_input").as_path()));
    }

    #[test]
    fn drivetemp_under_a_non_scsi_parent_is_malformed() {
        let (_dir, root) = copy_fixture(Fixture::Mainline);
        let h = add_disk(&root, 10, Some("sdf"), 40, "30000");
        fs::remove_file(h.join("../../subsystem")).unwrap();
        let e = drivetemp_sensors(&root).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Malformed);
        assert!(e.to_string().contains("hwmon40/device"), "{e}");
    }
}
