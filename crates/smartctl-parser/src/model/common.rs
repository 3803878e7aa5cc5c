//! Sections shared by every protocol: the `smartctl` block, `device`,
//! identity, capacity, SMART support and status, temperature, power-on time.

use std::fmt;

use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

use crate::exit_status::ExitStatusFlags;

/// The `smartctl` block: who produced the output and how it ended.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct SmartctlInfo {
    /// `[major, minor]`, e.g. `[7, 4]`.
    #[serde(default)]
    pub version: Vec<u32>,
    /// `true` for a pre-release build (7.4+).
    pub pre_release: Option<bool>,
    /// Subversion revision of the build, e.g. `"5530"`.
    pub svn_revision: Option<String>,
    /// Platform, e.g. `"x86_64-linux-6.1.0-13-amd64"`.
    pub platform_info: Option<String>,
    /// Build information, usually `"(local build)"`.
    pub build_info: Option<String>,
    /// The command line smartctl ran with.
    #[serde(default)]
    pub argv: Vec<String>,
    /// Drive database version (7.3+).
    pub drive_database_version: Option<StringValue>,
    /// Diagnostics smartctl printed. Present only when there is at least one.
    #[serde(default)]
    pub messages: Vec<Message>,
    /// The exit status bitmask (also the process exit code).
    pub exit_status: Option<ExitStatusFlags>,
}

impl SmartctlInfo {
    /// `(major, minor)` of the smartctl that wrote the output.
    pub fn version(&self) -> Option<(u32, u32)> {
        match self.version.as_slice() {
            [major, minor, ..] => Some((*major, *minor)),
            _ => None,
        }
    }
}

/// An object holding only a `string`, e.g. `drive_database_version`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct StringValue {
    /// The string.
    pub string: Option<String>,
}

/// The common `{value, string}` pair smartctl uses for coded fields.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct CodedValue {
    /// The numeric code.
    pub value: Option<i64>,
    /// smartctl's description of the code.
    pub string: Option<String>,
}

/// One diagnostic line smartctl emitted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Message {
    /// The text, e.g. `"Device is in STANDBY mode, exit(2)"`.
    #[serde(default)]
    pub string: String,
    /// How serious smartctl considers it.
    pub severity: Option<Severity>,
}

/// `severity` of a smartctl message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Informational, e.g. the standby notice.
    Information,
    /// A warning, e.g. "This result is based on an Attribute check".
    Warning,
    /// An error. Does not always mean the data is unusable.
    Error,
    /// A severity this crate does not know.
    Other(String),
}

impl<'de> Deserialize<'de> for Severity {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Ok(match text.as_str() {
            "information" => Severity::Information,
            "warning" => Severity::Warning,
            "error" => Severity::Error,
            _ => Severity::Other(text),
        })
    }
}

/// `local_time`: when smartctl ran, as seen by the host.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct LocalTime {
    /// Seconds since the Unix epoch.
    pub time_t: Option<i64>,
    /// The same in `asctime` form with the time zone.
    pub asctime: Option<String>,
}

/// The `device` object. Absent when the open failed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Device {
    /// The device path as given, e.g. `/dev/sda` or `/dev/bus/0`.
    pub name: Option<String>,
    /// The name with the type, e.g. `/dev/sda [SAT]`.
    pub info_name: Option<String>,
    /// smartctl's `-d` type, e.g. `sat`, `nvme`, `sat+megaraid,0`.
    #[serde(rename = "type")]
    pub device_type: Option<String>,
    /// The protocol spoken to the device.
    pub protocol: Option<Protocol>,
}

/// A device found by `smartctl --scan` / `--scan-open`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct ScanDevice {
    /// The device path.
    pub name: Option<String>,
    /// The name with the type.
    pub info_name: Option<String>,
    /// smartctl's `-d` type to use for it.
    #[serde(rename = "type")]
    pub device_type: Option<String>,
    /// The protocol.
    pub protocol: Option<Protocol>,
    /// Why `--scan-open` could not open it (e.g. a permission error).
    pub open_error: Option<String>,
}

/// The protocol of a device. Serialized as smartctl spells it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Protocol {
    /// ATA (including SATA behind SAT bridges and RAID controllers).
    Ata,
    /// NVMe.
    Nvme,
    /// SCSI or SAS.
    Scsi,
    /// A protocol this crate does not know.
    Other(String),
}

impl Serialize for Protocol {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Protocol::Ata => "ATA",
            Protocol::Nvme => "NVMe",
            Protocol::Scsi => "SCSI",
            Protocol::Other(other) => other,
        })
    }
}

impl<'de> Deserialize<'de> for Protocol {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Ok(match text.as_str() {
            "ATA" => Protocol::Ata,
            "NVMe" => Protocol::Nvme,
            "SCSI" => Protocol::Scsi,
            _ => Protocol::Other(text),
        })
    }
}

/// World Wide Name of an ATA device.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Wwn {
    /// Network Address Authority.
    pub naa: Option<u64>,
    /// IEEE OUI.
    pub oui: Option<u64>,
    /// Vendor-specific id.
    pub id: Option<u64>,
}

/// A capacity in blocks and bytes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Capacity {
    /// Number of logical blocks.
    pub blocks: Option<u64>,
    /// Number of bytes.
    pub bytes: Option<u64>,
}

/// `smart_support`. Usually `{available, enabled}`; some builds (Synology's
/// `/dev/sataN`) write a bare bool, read here as `available`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SmartSupport {
    /// The device supports SMART.
    pub available: Option<bool>,
    /// SMART is enabled on the device.
    pub enabled: Option<bool>,
}

impl<'de> Deserialize<'de> for SmartSupport {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct SupportVisitor;

        impl<'de> Visitor<'de> for SupportVisitor {
            type Value = SmartSupport;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a bool or an object {available, enabled}")
            }

            fn visit_bool<E: de::Error>(self, available: bool) -> Result<SmartSupport, E> {
                Ok(SmartSupport { available: Some(available), enabled: None })
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<SmartSupport, A::Error> {
                let mut support = SmartSupport::default();
                while let Some(key) = map.next_key::<String>()? {
                    match key.as_str() {
                        "available" => support.available = map.next_value()?,
                        "enabled" => support.enabled = map.next_value()?,
                        _ => {
                            map.next_value::<de::IgnoredAny>()?;
                        }
                    }
                }
                Ok(support)
            }
        }

        deserializer.deserialize_any(SupportVisitor)
    }
}

/// `smart_status`: the health self-assessment. Absent when no health check
/// ran or the device does not support one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct SmartStatus {
    /// `false` when the device reports that it is failing.
    pub passed: Option<bool>,
    /// NVMe critical warning decoding.
    pub nvme: Option<NvmeStatus>,
    /// SCSI informational exception.
    pub scsi: Option<ScsiStatus>,
}

/// `smart_status.nvme`: the critical warning byte, decoded by smartctl.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct NvmeStatus {
    /// The critical warning byte.
    pub value: Option<u64>,
    /// Bit 0: available spare below threshold.
    pub spare_below_threshold: Option<bool>,
    /// Bit 1: temperature above or below a threshold.
    pub temperature_above_or_below_threshold: Option<bool>,
    /// Bit 2: NVM subsystem reliability degraded.
    pub reliability_degraded: Option<bool>,
    /// Bit 3: media placed in read-only mode.
    pub media_read_only: Option<bool>,
    /// Bit 4: volatile memory backup device failed.
    pub volatile_memory_backup_failed: Option<bool>,
    /// Bit 5: persistent memory region unreliable.
    pub persistent_memory_region_unreliable: Option<bool>,
    /// Remaining bits.
    pub other: Option<u64>,
}

/// `smart_status.scsi`: the informational exception sense data.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct ScsiStatus {
    /// Additional sense code.
    pub asc: Option<u64>,
    /// Additional sense code qualifier.
    pub ascq: Option<u64>,
    /// smartctl's description.
    pub ie_string: Option<String>,
}

/// `temperature`, derived by smartctl from whatever the protocol offers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Temperature {
    /// Current temperature, °C.
    pub current: Option<i64>,
    /// Minimum since power-on, °C.
    pub power_cycle_min: Option<i64>,
    /// Maximum since power-on, °C.
    pub power_cycle_max: Option<i64>,
    /// Lifetime minimum, °C.
    pub lifetime_min: Option<i64>,
    /// Lifetime maximum, °C.
    pub lifetime_max: Option<i64>,
    /// Recommended operating minimum, °C.
    pub op_limit_min: Option<i64>,
    /// Recommended operating maximum (NVMe: warning threshold), °C.
    pub op_limit_max: Option<i64>,
    /// Absolute minimum, °C.
    pub limit_min: Option<i64>,
    /// Absolute maximum, °C.
    pub limit_max: Option<i64>,
    /// NVMe critical threshold, °C (7.5).
    pub critical_limit_max: Option<i64>,
    /// SCSI trip temperature, °C.
    pub drive_trip: Option<i64>,
}

/// `power_on_time`, decoded by smartctl (ATA attribute 9, NVMe log, SCSI log).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct PowerOnTime {
    /// Hours.
    pub hours: Option<u64>,
    /// Minutes past the hour, when the device reports them.
    pub minutes: Option<u64>,
}

/// `power_mode` (7.5, ATA with `-n`): the mode CHECK POWER MODE returned.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct PowerMode {
    /// The ATA count register value.
    pub ata_value: Option<u64>,
    /// The SCSI power condition value.
    pub scsi_value: Option<u64>,
    /// The mode, e.g. `"STANDBY"`, `"ACTIVE or IDLE"`.
    pub name: Option<String>,
}

/// A percentage pair (7.5 `endurance_used`, `spare_available`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Percentage {
    /// Current value, percent.
    pub current_percent: Option<u64>,
    /// Threshold, percent (spare only).
    pub threshold_percent: Option<u64>,
}

/// `form_factor`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct FormFactor {
    /// ATA code.
    pub ata_value: Option<u64>,
    /// SCSI code.
    pub scsi_value: Option<u64>,
    /// e.g. `"3.5 inches"`.
    pub name: Option<String>,
}

/// `ata_version`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct AtaVersion {
    /// e.g. `"ACS-4 T13/BSR INCITS 529 revision 5"`.
    pub string: Option<String>,
    /// Major version word.
    pub major_value: Option<u64>,
    /// Minor version word.
    pub minor_value: Option<u64>,
}

/// `interface_speed`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct InterfaceSpeed {
    /// The fastest the device supports.
    pub max: Option<LinkSpeed>,
    /// The negotiated speed.
    pub current: Option<LinkSpeed>,
}

/// One SATA link speed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct LinkSpeed {
    /// SATA code.
    pub sata_value: Option<u64>,
    /// e.g. `"6.0 Gb/s"`.
    pub string: Option<String>,
    /// Speed = units_per_second × bits_per_unit bit/s.
    pub units_per_second: Option<u64>,
    /// See `units_per_second`.
    pub bits_per_unit: Option<u64>,
}

/// `trim` (7.2+).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Trim {
    /// TRIM is supported.
    pub supported: Option<bool>,
    /// Deterministic read after TRIM.
    pub deterministic: Option<bool>,
    /// Zeroes read after TRIM.
    pub zeroed: Option<bool>,
}

/// An `{enabled}` object (`read_lookahead`, `write_cache`, `temperature_warning`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Enabled {
    /// Whether the feature is on.
    pub enabled: Option<bool>,
}
