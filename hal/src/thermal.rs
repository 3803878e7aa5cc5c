//! Temperatures: the SoC's thermal zones with their trip points, the
//! NCT75 board sensor (lm75 driver), and thermal cooling devices.
//!
//! The RK3399 TSADC gives two zones, CPU and GPU. Their `type` changed
//! over kernel versions ("soc-thermal" on the 4.4 BSP kernel, "cpu" on
//! early mainline, "cpu-thermal" now, whose hwmon is named "cpu_thermal"),
//! so zones are recognised by every known name ([`ZoneRole::from_type`]).
//! The CPU zone trips passively at 70 °C (A72 cores) and 75 °C (all cores)
//! and critically at 95 °C, where the TSADC also cuts power in hardware.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::Serialize;

use crate::error::{Error, Result};
use crate::hwmon::Hwmon;
use crate::i2c::{I2cClient, i2c_clients};
use crate::root::{self, Root};

/// What a thermal zone measures, recognised from its `type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ZoneRole {
    /// The CPU clusters (TSADC channel 0).
    Cpu,
    /// The Mali GPU (TSADC channel 1).
    Gpu,
}

impl ZoneRole {
    /// The role of a zone `type`, across the names kernels have used:
    /// `cpu-thermal`, `cpu_thermal`, `cpu`, `soc-thermal` (4.4 BSP) for the
    /// CPU; `gpu-thermal`, `gpu_thermal`, `gpu` for the GPU.
    pub fn from_type(zone_type: &str) -> Option<ZoneRole> {
        match zone_type {
            "cpu-thermal" | "cpu_thermal" | "cpu" | "soc-thermal" => Some(ZoneRole::Cpu),
            "gpu-thermal" | "gpu_thermal" | "gpu" => Some(ZoneRole::Gpu),
            _ => None,
        }
    }
}

/// The kind of a trip point (`trip_point_N_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TripKind {
    /// Turn on an active cooling device (fan) bound to the zone.
    Active,
    /// Throttle (cpufreq/devfreq cooling).
    Passive,
    /// Notify userspace.
    Hot,
    /// Orderly shutdown.
    Critical,
}

impl FromStr for TripKind {
    type Err = ();

    fn from_str(s: &str) -> std::result::Result<Self, ()> {
        match s {
            "active" => Ok(TripKind::Active),
            "passive" => Ok(TripKind::Passive),
            "hot" => Ok(TripKind::Hot),
            "critical" => Ok(TripKind::Critical),
            _ => Err(()),
        }
    }
}

/// One trip point of a zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct TripPoint {
    /// N in `trip_point_N_*`.
    pub index: u32,
    /// Kind.
    pub kind: TripKind,
    /// Temperature at which it trips.
    pub temp_millicelsius: i64,
    /// Hysteresis, when the zone exposes it.
    pub hyst_millicelsius: Option<i64>,
}

/// A thermal zone (`/sys/class/thermal/thermal_zoneN`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThermalZone {
    pub(crate) root: Root,
    path: PathBuf,
    zone_type: String,
}

/// One reading of a [`ThermalZone`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ZoneSnapshot {
    /// The zone's `type`.
    pub zone_type: String,
    /// What it measures, when recognised.
    pub role: Option<ZoneRole>,
    /// Current temperature.
    pub temp_millicelsius: i64,
    /// Trip points, by index.
    pub trip_points: Vec<TripPoint>,
    /// The zone's hwmon name (e.g. `"cpu_thermal"`), when it has one.
    pub hwmon_name: Option<String>,
    /// The zone directory as it reads on the box.
    pub path: PathBuf,
}

const MILLI: &str = "an integer temperature in millidegrees Celsius";

impl ThermalZone {
    /// The zone at `dir`; reads its `type`.
    pub fn at(root: &Root, dir: &Path) -> Result<ThermalZone> {
        let path = root.resolve(dir)?;
        let zone_type = root.read(&path.join("type"))?;
        if zone_type.is_empty() {
            return Err(Error::malformed(path.join("type"), "", "a thermal zone type"));
        }
        Ok(ThermalZone { root: root.clone(), path, zone_type })
    }

    /// The zone's `type`.
    pub fn zone_type(&self) -> &str {
        &self.zone_type
    }

    /// What the zone measures, when its type is a known one.
    pub fn role(&self) -> Option<ZoneRole> {
        ZoneRole::from_type(&self.zone_type)
    }

    /// The resolved zone directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Reads the current temperature.
    pub fn temp_millicelsius(&self) -> Result<i64> {
        self.root.read_parse(&self.path.join("temp"), MILLI).map_err(Error::from)
    }

    /// Reads every trip point, sorted by index.
    pub fn trip_points(&self) -> Result<Vec<TripPoint>> {
        let mut indices = Vec::new();
        for entry in self.root.list(&self.path)? {
            let name = root::file_name(&entry)?;
            if let Some(n) = name.strip_prefix("trip_point_").and_then(|s| s.strip_suffix("_type"))
            {
                let index = n.parse().map_err(|_| {
                    Error::malformed(&entry, name, "trip_point_<index>_type file names")
                })?;
                indices.push(index);
            }
        }
        indices.sort_unstable();
        indices
            .into_iter()
            .map(|index| {
                let attr = |what: &str| self.path.join(format!("trip_point_{index}_{what}"));
                let type_path = attr("type");
                let kind_text = self.root.read(&type_path)?;
                let kind = kind_text.parse().map_err(|()| {
                    Error::malformed(&type_path, &kind_text, "active, passive, hot or critical")
                })?;
                Ok(TripPoint {
                    index,
                    kind,
                    temp_millicelsius: self.root.read_parse(&attr("temp"), MILLI)?,
                    hyst_millicelsius: self.root.read_parse_optional(&attr("hyst"), MILLI)?,
                })
            })
            .collect()
    }

    /// The zone's hwmon device, when the kernel registered one.
    pub fn hwmon(&self) -> Result<Option<Hwmon>> {
        Hwmon::of_device(&self.root, &self.path)
    }

    /// Reads temperature, trip points and hwmon name.
    pub fn snapshot(&self) -> Result<ZoneSnapshot> {
        Ok(ZoneSnapshot {
            zone_type: self.zone_type.clone(),
            role: self.role(),
            temp_millicelsius: self.temp_millicelsius()?,
            trip_points: self.trip_points()?,
            hwmon_name: self.hwmon()?.map(|h| h.name().to_owned()),
            path: self.root.on_box(&self.path),
        })
    }
}

/// Every thermal zone, by zone number.
pub fn thermal_zones(root: &Root) -> Result<Vec<ThermalZone>> {
    let mut numbered = Vec::new();
    for entry in root.list_optional(&root.class("thermal"))? {
        let name = root::file_name(&entry)?;
        if let Some(n) = name.strip_prefix("thermal_zone") {
            let n: u32 = n.parse().map_err(|_| {
                Error::malformed(&entry, name, "thermal_zone<number> directory names")
            })?;
            numbered.push((n, ThermalZone::at(root, &entry)?));
        }
    }
    numbered.sort_by_key(|(n, _)| *n);
    Ok(numbered.into_iter().map(|(_, z)| z).collect())
}

/// The zone with `role`, or [`Error::NotPresent`].
pub fn thermal_zone(root: &Root, role: ZoneRole) -> Result<ThermalZone> {
    thermal_zones(root)?.into_iter().find(|z| z.role() == Some(role)).ok_or_else(|| {
        Error::NotPresent {
            component: format!("{role:?} thermal zone").to_lowercase(),
            searched: root.class("thermal"),
        }
    })
}

/// The bus address of the Helios64 board sensor (NCT75, lm75-compatible).
pub const BOARD_SENSOR_ADDRESS: u16 = 0x4c;
/// The bus the board sensor sits on (`i2c@ff120000`).
pub const BOARD_SENSOR_BUS: u32 = 2;

/// The board temperature sensor: the NCT75 near the RTC battery, driven
/// by the kernel's lm75 driver at I2C 2-004c.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoardSensor {
    /// The I2C client.
    pub client: I2cClient,
    /// Its hwmon device.
    pub hwmon: Hwmon,
}

/// One reading of the [`BoardSensor`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BoardSensorSnapshot {
    /// I2C bus number.
    pub i2c_bus: u32,
    /// I2C address.
    pub i2c_address: u16,
    /// hwmon name (`"lm75"`).
    pub hwmon_name: String,
    /// Current temperature.
    pub temp_millicelsius: i64,
    /// Over-temperature shutdown limit (T_OS), when exposed.
    pub max_millicelsius: Option<i64>,
    /// Its hysteresis (T_HYST), when exposed.
    pub max_hyst_millicelsius: Option<i64>,
    /// The hwmon directory as it reads on the box.
    pub hwmon_path: PathBuf,
}

impl BoardSensor {
    /// Finds the sensor: an I2C client at address 0x4c bound to the lm75
    /// driver (or named "lm75" while unbound), preferring bus 2 — the test
    /// VM's i2c-stub bus has another number — and its hwmon device.
    ///
    /// [`Error::NotPresent`] when no such client exists or it has no hwmon
    /// (the lm75 module not loaded).
    pub fn find(root: &Root) -> Result<BoardSensor> {
        let mut candidates: Vec<I2cClient> = i2c_clients(root)?
            .into_iter()
            .filter(|c| {
                c.address == BOARD_SENSOR_ADDRESS
                    && !c.ten_bit
                    && (c.driver.as_deref() == Some("lm75") || c.name == "lm75")
            })
            .collect();
        candidates.sort_by_key(|c| (c.bus != BOARD_SENSOR_BUS, c.bus));
        let Some(client) = candidates.into_iter().next() else {
            return Err(Error::NotPresent {
                component: "lm75 board sensor at I2C address 0x4c".to_owned(),
                searched: root.bus_devices("i2c"),
            });
        };
        let hwmon = Hwmon::of_device(root, &client.path)?.ok_or_else(|| Error::NotPresent {
            component: format!("hwmon of lm75 board sensor {}-{:04x}", client.bus, client.address),
            searched: client.path.join("hwmon"),
        })?;
        Ok(BoardSensor { client, hwmon })
    }

    /// Reads the current temperature.
    pub fn temp_millicelsius(&self) -> Result<i64> {
        self.hwmon.temp_millicelsius(1)
    }

    /// Reads temperature and limits.
    pub fn snapshot(&self) -> Result<BoardSensorSnapshot> {
        Ok(BoardSensorSnapshot {
            i2c_bus: self.client.bus,
            i2c_address: self.client.address,
            hwmon_name: self.hwmon.name().to_owned(),
            temp_millicelsius: self.temp_millicelsius()?,
            max_millicelsius: self.hwmon.temp_attr_optional("temp1_max")?,
            max_hyst_millicelsius: self.hwmon.temp_attr_optional("temp1_max_hyst")?,
            hwmon_path: self.hwmon.root().on_box(self.hwmon.path()),
        })
    }
}

/// A thermal cooling device (`/sys/class/thermal/cooling_deviceN`).
///
/// The thermal core registers cooling devices without a parent device, so
/// nothing in sysfs says which hardware a device drives beyond its `type`:
/// the Helios64's two fans are both "pwm-fan" and cannot be told apart
/// here (see [`crate::Fans::cooling_devices`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoolingDevice {
    root: Root,
    path: PathBuf,
    id: u32,
    cooling_type: String,
}

/// One reading of a [`CoolingDevice`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CoolingDeviceSnapshot {
    /// N in `cooling_deviceN`.
    pub id: u32,
    /// The device's `type`, e.g. `"pwm-fan"` or `"cpufreq-cpu4"`.
    pub cooling_type: String,
    /// Current state, 0 = no cooling.
    pub cur_state: u64,
    /// Highest state.
    pub max_state: u64,
}

const STATE: &str = "a non-negative integer cooling state";

impl CoolingDevice {
    /// N in `cooling_deviceN` (assigned at registration, not stable).
    pub fn id(&self) -> u32 {
        self.id
    }

    /// The device's `type`.
    pub fn cooling_type(&self) -> &str {
        &self.cooling_type
    }

    /// Reads `cur_state`.
    pub fn cur_state(&self) -> Result<u64> {
        self.root.read_parse(&self.path.join("cur_state"), STATE).map_err(Error::from)
    }

    /// Reads `max_state`.
    pub fn max_state(&self) -> Result<u64> {
        self.root.read_parse(&self.path.join("max_state"), STATE).map_err(Error::from)
    }

    /// Reads both states.
    pub fn snapshot(&self) -> Result<CoolingDeviceSnapshot> {
        Ok(CoolingDeviceSnapshot {
            id: self.id,
            cooling_type: self.cooling_type.clone(),
            cur_state: self.cur_state()?,
            max_state: self.max_state()?,
        })
    }
}

/// Every cooling device, by id.
pub fn cooling_devices(root: &Root) -> Result<Vec<CoolingDevice>> {
    let mut devices = Vec::new();
    for entry in root.list_optional(&root.class("thermal"))? {
        let name = root::file_name(&entry)?;
        if let Some(n) = name.strip_prefix("cooling_device") {
            let id = n.parse().map_err(|_| {
                Error::malformed(&entry, name, "cooling_device<number> directory names")
            })?;
            let path = root.resolve(&entry)?;
            let cooling_type = root.read(&path.join("type"))?;
            devices.push(CoolingDevice { root: root.clone(), path, id, cooling_type });
        }
    }
    devices.sort_by_key(|d| d.id);
    Ok(devices)
}

/// Every temperature source of the board.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Thermal {
    /// The CPU zone.
    pub cpu: Option<ThermalZone>,
    /// The GPU zone.
    pub gpu: Option<ThermalZone>,
    /// The NCT75 board sensor.
    pub board: Option<BoardSensor>,
    /// Zones of unknown type (or a second zone of a known one).
    pub other_zones: Vec<ThermalZone>,
}

/// One reading of every temperature source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ThermalSnapshot {
    /// The CPU zone.
    pub cpu: Option<ZoneSnapshot>,
    /// The GPU zone.
    pub gpu: Option<ZoneSnapshot>,
    /// The NCT75 board sensor.
    pub board: Option<BoardSensorSnapshot>,
    /// Other zones.
    pub other_zones: Vec<ZoneSnapshot>,
    /// Every cooling device.
    pub cooling_devices: Vec<CoolingDeviceSnapshot>,
}

impl Thermal {
    /// Finds zones and the board sensor; absent ones are `None`.
    pub fn discover(root: &Root) -> Result<Thermal> {
        let mut thermal = Thermal { cpu: None, gpu: None, board: None, other_zones: Vec::new() };
        for zone in thermal_zones(root)? {
            let slot = match zone.role() {
                Some(ZoneRole::Cpu) => &mut thermal.cpu,
                Some(ZoneRole::Gpu) => &mut thermal.gpu,
                None => {
                    thermal.other_zones.push(zone);
                    continue;
                }
            };
            if slot.is_none() {
                *slot = Some(zone);
            } else {
                thermal.other_zones.push(zone);
            }
        }
        thermal.board = match BoardSensor::find(root) {
            Ok(sensor) => Some(sensor),
            Err(Error::NotPresent { .. }) => None,
            Err(e) => return Err(e),
        };
        Ok(thermal)
    }

    /// Reads every source. `root` is used to list cooling devices.
    pub fn snapshot(&self, root: &Root) -> Result<ThermalSnapshot> {
        Ok(ThermalSnapshot {
            cpu: self.cpu.as_ref().map(ThermalZone::snapshot).transpose()?,
            gpu: self.gpu.as_ref().map(ThermalZone::snapshot).transpose()?,
            board: self.board.as_ref().map(BoardSensor::snapshot).transpose()?,
            other_zones: self
                .other_zones
                .iter()
                .map(ThermalZone::snapshot)
                .collect::<Result<_>>()?,
            cooling_devices: cooling_devices(root)?
                .iter()
                .map(CoolingDevice::snapshot)
                .collect::<Result<_>>()?,
        })
    }
}

#[cfg(test)]
mod tests;
