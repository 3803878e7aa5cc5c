//! ATA sections: SMART attributes, SMART data, self-test and error logs,
//! SCT status, device statistics, SATA phy counters.

use serde::{Deserialize, Deserializer, Serialize};

use super::common::CodedValue;
use crate::raw::{self, PowerOnDuration, RawTemperature};

/// `ata_smart_attributes`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct AtaSmartAttributes {
    /// Data structure revision.
    pub revision: Option<u64>,
    /// The attribute rows, in the device's order.
    #[serde(default)]
    pub table: Vec<AtaAttribute>,
}

/// One row of the ATA SMART attribute table.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct AtaAttribute {
    /// Attribute id (1–255).
    pub id: u8,
    /// smartctl's name for it (from the drive database), e.g. `Reallocated_Sector_Ct`.
    #[serde(default)]
    pub name: String,
    /// Normalized current value. Omitted when the drive database says the
    /// attribute has none.
    pub value: Option<u8>,
    /// Worst normalized value seen.
    pub worst: Option<u8>,
    /// Failure threshold. Omitted when thresholds could not be read; 0 never fails.
    pub thresh: Option<u8>,
    /// Whether the normalized value is at or below the threshold.
    /// Omitted with the threshold.
    pub when_failed: Option<WhenFailed>,
    /// The flag word.
    #[serde(default)]
    pub flags: AttributeFlags,
    /// The raw value.
    #[serde(default)]
    pub raw: RawValue,
}

impl AtaAttribute {
    /// `true` for a pre-failure attribute (its failure predicts imminent
    /// drive failure); `false` for an old-age (usage) attribute.
    pub fn is_prefailure(&self) -> bool {
        self.flags.prefailure.unwrap_or_else(|| self.flags.value.is_some_and(|v| v & 1 == 1))
    }
}

/// `when_failed` of an attribute.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WhenFailed {
    /// `""`: never at or below threshold.
    #[default]
    Never,
    /// `"past"`: the worst value was at or below threshold.
    Past,
    /// `"now"`: the current value is at or below threshold.
    Now,
    /// A value this crate does not know.
    Other(String),
}

impl<'de> Deserialize<'de> for WhenFailed {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Ok(match text.as_str() {
            "" | "-" => WhenFailed::Never,
            "past" | "In_the_past" => WhenFailed::Past,
            "now" | "FAILING_NOW" => WhenFailed::Now,
            _ => WhenFailed::Other(text),
        })
    }
}

/// The attribute flag word, with smartctl's decoding.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct AttributeFlags {
    /// The 16-bit flag word.
    pub value: Option<u16>,
    /// Short form, e.g. `"PO--CK "`.
    pub string: Option<String>,
    /// Bit 0: pre-failure (P).
    pub prefailure: Option<bool>,
    /// Bit 1: updated online (O).
    pub updated_online: Option<bool>,
    /// Bit 2: performance (S).
    pub performance: Option<bool>,
    /// Bit 3: error rate (R).
    pub error_rate: Option<bool>,
    /// Bit 4: event count (C).
    pub event_count: Option<bool>,
    /// Bit 5: auto-keep (K).
    pub auto_keep: Option<bool>,
    /// Remaining bits.
    pub other: Option<u16>,
}

/// The raw value of an attribute: the 48-bit number and smartctl's
/// rendering of it per the drive database's raw format.
///
/// The number is often packed (several counters, or current/min/max
/// temperatures in one value); use the decoding helpers rather than
/// comparing `value` to anything.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct RawValue {
    /// The raw number. Real values exceed 2^53, hence u64.
    pub value: Option<u64>,
    /// smartctl's rendering, e.g. `"49 (Min/Max 24/56)"`, `"0 0 5"`,
    /// `"1234h+56m+07.890s"`.
    pub string: Option<String>,
}

impl RawValue {
    /// The count this attribute reports: the first number of the rendered
    /// string (so `"2111 (12437 0)"` gives 2111 and `"0 0 5"` gives 0), or
    /// the raw number when no string was given.
    pub fn count(&self) -> Option<u64> {
        match &self.string {
            Some(text) => raw::first_integer(text),
            None => self.value,
        }
    }

    /// Every number in the rendered string, in order (packed counters).
    pub fn words(&self) -> Vec<u64> {
        self.string.as_deref().map(raw::integers).unwrap_or_default()
    }

    /// Temperature decoding of a `tempminmax` raw value (attributes 190, 194).
    pub fn temperature(&self) -> Option<RawTemperature> {
        self.string.as_deref().and_then(raw::temperature)
    }

    /// Duration decoding of a power-on-time raw value (attribute 9).
    pub fn power_on(&self) -> Option<PowerOnDuration> {
        self.string.as_deref().and_then(raw::power_on)
    }
}

/// `ata_smart_data`: offline collection, self-test status, capabilities.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct AtaSmartData {
    /// Offline data collection status.
    pub offline_data_collection: Option<OfflineDataCollection>,
    /// Status of the last or current self-test.
    pub self_test: Option<AtaSelfTestStatus>,
    /// SMART capabilities.
    pub capabilities: Option<AtaSmartCapabilities>,
}

/// `ata_smart_data.offline_data_collection`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct OfflineDataCollection {
    /// Status code and description.
    pub status: Option<TestStatus>,
    /// Seconds a full offline collection takes.
    pub completion_seconds: Option<u64>,
}

/// `ata_smart_data.self_test`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct AtaSelfTestStatus {
    /// Status of the last or running self-test.
    pub status: Option<TestStatus>,
    /// Recommended polling times, minutes.
    pub polling_minutes: Option<PollingMinutes>,
}

/// A self-test status: code, description, outcome.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct TestStatus {
    /// Status code.
    pub value: Option<u64>,
    /// Description, e.g. `"completed without error"`.
    pub string: Option<String>,
    /// Outcome, when the test finished.
    pub passed: Option<bool>,
    /// Percent remaining of a running test.
    pub remaining_percent: Option<u64>,
}

/// Self-test durations, minutes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct PollingMinutes {
    /// Short self-test.
    pub short: Option<u64>,
    /// Extended self-test.
    pub extended: Option<u64>,
    /// Conveyance self-test.
    pub conveyance: Option<u64>,
}

/// `ata_smart_data.capabilities`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct AtaSmartCapabilities {
    /// Raw capability words.
    #[serde(default)]
    pub values: Vec<u64>,
    /// Self-tests are supported.
    pub self_tests_supported: Option<bool>,
    /// Conveyance self-test is supported.
    pub conveyance_self_test_supported: Option<bool>,
    /// Selective self-test is supported.
    pub selective_self_test_supported: Option<bool>,
    /// Attributes are saved across power cycles.
    pub attribute_autosave_enabled: Option<bool>,
    /// The error log is supported.
    pub error_logging_supported: Option<bool>,
    /// General purpose logging is supported.
    pub gp_logging_supported: Option<bool>,
}

/// `ata_sct_status` (with `-x`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct AtaSctStatus {
    /// SCT status format version.
    pub format_version: Option<u64>,
    /// SCT version.
    pub sct_version: Option<u64>,
    /// Device state, e.g. `"Active"`, `"Stand-by"`.
    pub device_state: Option<CodedValue>,
    /// SCT temperatures.
    pub temperature: Option<SctTemperature>,
    /// Health as seen by SCT.
    pub smart_status: Option<SctSmartStatus>,
}

/// SCT temperatures, °C.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct SctTemperature {
    /// Current.
    pub current: Option<i64>,
    /// Minimum since power-on.
    pub power_cycle_min: Option<i64>,
    /// Maximum since power-on.
    pub power_cycle_max: Option<i64>,
    /// Lifetime minimum.
    pub lifetime_min: Option<i64>,
    /// Lifetime maximum.
    pub lifetime_max: Option<i64>,
    /// Recommended maximum.
    pub op_limit_max: Option<i64>,
    /// Times below the operating limit.
    pub under_limit_count: Option<u64>,
    /// Times above the operating limit.
    pub over_limit_count: Option<u64>,
}

/// `ata_sct_status.smart_status`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct SctSmartStatus {
    /// `false` when failing.
    pub passed: Option<bool>,
}

/// `ata_device_statistics` (with `-x` / `-l devstat`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct AtaDeviceStatistics {
    /// Statistics pages.
    #[serde(default)]
    pub pages: Vec<DeviceStatisticsPage>,
}

/// One device statistics page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct DeviceStatisticsPage {
    /// Page number.
    pub number: Option<u64>,
    /// e.g. `"General Statistics"`.
    pub name: Option<String>,
    /// Page revision.
    pub revision: Option<u64>,
    /// Entries.
    #[serde(default)]
    pub table: Vec<DeviceStatistic>,
}

/// One device statistic.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct DeviceStatistic {
    /// Byte offset in the page.
    pub offset: Option<u64>,
    /// e.g. `"Lifetime Power-On Resets"`.
    pub name: Option<String>,
    /// Size in bytes.
    pub size: Option<u64>,
    /// The value (absent when not valid).
    pub value: Option<i64>,
    /// Validity and normalization flags.
    pub flags: Option<DeviceStatisticFlags>,
}

/// Flags of a device statistic.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct DeviceStatisticFlags {
    /// Flag byte.
    pub value: Option<u64>,
    /// Short form, e.g. `"V--- "`.
    pub string: Option<String>,
    /// The value is valid.
    pub valid: Option<bool>,
    /// The value is normalized.
    pub normalized: Option<bool>,
    /// Device statistics notification supported.
    pub supports_dsn: Option<bool>,
    /// Monitored condition met (the drive flags this statistic).
    pub monitored_condition_met: Option<bool>,
}

/// `sata_phy_event_counters` (with `-x`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct SataPhyEventCounters {
    /// Counters.
    #[serde(default)]
    pub table: Vec<SataPhyEventCounter>,
    /// Counters were reset by this read.
    pub reset: Option<bool>,
}

/// One SATA phy event counter.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct SataPhyEventCounter {
    /// Counter id.
    pub id: Option<u64>,
    /// e.g. `"Command failed due to ICRC error"`.
    pub name: Option<String>,
    /// Size in bytes.
    pub size: Option<u64>,
    /// The count.
    pub value: Option<u64>,
    /// The counter overflowed.
    pub overflow: Option<bool>,
}

/// `ata_security`: the ATA security feature set state.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct AtaSecurity {
    /// Security state word.
    pub state: Option<u64>,
    /// e.g. `"Disabled, NOT FROZEN [SEC1]"`.
    pub string: Option<String>,
    /// A password is set.
    pub enabled: Option<bool>,
    /// Security commands are frozen until the next power cycle.
    pub frozen: Option<bool>,
}

/// `ata_sct_capabilities`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct AtaSctCapabilities {
    /// Capability word.
    pub value: Option<u64>,
    /// SCT Error Recovery Control is supported.
    pub error_recovery_control_supported: Option<bool>,
    /// SCT Feature Control is supported.
    pub feature_control_supported: Option<bool>,
    /// SCT Data Table (temperature history) is supported.
    pub data_table_supported: Option<bool>,
}

/// `ata_sct_erc`: error recovery control (TLER), relevant for RAID and ZFS.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct AtaSctErc {
    /// Read recovery limit.
    pub read: Option<ErcTimer>,
    /// Write recovery limit.
    pub write: Option<ErcTimer>,
}

/// One error recovery control timer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct ErcTimer {
    /// A limit is set.
    pub enabled: Option<bool>,
    /// The limit, tenths of a second.
    pub deciseconds: Option<u64>,
}

/// `ata_sct_temperature_history`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct AtaSctTemperatureHistory {
    /// Table format version.
    pub version: Option<u64>,
    /// Sampling period, minutes.
    pub sampling_period_minutes: Option<u64>,
    /// Logging interval, minutes.
    pub logging_interval_minutes: Option<u64>,
    /// Limits, °C.
    pub temperature: Option<super::common::Temperature>,
    /// Number of slots.
    pub size: Option<u64>,
    /// Slot of the newest sample.
    pub index: Option<u64>,
    /// Samples, °C, in slot order; `None` for an empty slot.
    #[serde(default)]
    pub table: Vec<Option<i64>>,
}
