//! NVMe sections: SMART/health log (128-bit counters), error information
//! log, self-test log, controller identity.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::common::{Capacity, CodedValue};

bitflags::bitflags! {
    /// The NVMe SMART/health log "Critical Warning" byte (NVMe base
    /// specification, SMART / Health Information log page, byte 0).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
    pub struct NvmeCriticalWarning: u8 {
        /// Bit 0: available spare capacity fell below the threshold.
        const AVAILABLE_SPARE = 1;
        /// Bit 1: a temperature is above an over- or below an under-temperature threshold.
        const TEMPERATURE = 1 << 1;
        /// Bit 2: NVM subsystem reliability is degraded (media or internal errors).
        const RELIABILITY_DEGRADED = 1 << 2;
        /// Bit 3: all media has been placed in read-only mode.
        const READ_ONLY = 1 << 3;
        /// Bit 4: the volatile memory backup device failed.
        const VOLATILE_MEMORY_BACKUP = 1 << 4;
        /// Bit 5: the persistent memory region became read-only or unreliable.
        const PERSISTENT_MEMORY_REGION = 1 << 5;
    }
}

impl NvmeCriticalWarning {
    /// The specification's description of each set bit, lowest first.
    pub fn descriptions(self) -> Vec<&'static str> {
        const NAMES: [(NvmeCriticalWarning, &str); 6] = [
            (NvmeCriticalWarning::AVAILABLE_SPARE, "available spare below threshold"),
            (NvmeCriticalWarning::TEMPERATURE, "temperature above or below a threshold"),
            (NvmeCriticalWarning::RELIABILITY_DEGRADED, "NVM subsystem reliability degraded"),
            (NvmeCriticalWarning::READ_ONLY, "media placed in read-only mode"),
            (NvmeCriticalWarning::VOLATILE_MEMORY_BACKUP, "volatile memory backup failed"),
            (NvmeCriticalWarning::PERSISTENT_MEMORY_REGION, "persistent memory region unreliable"),
        ];
        let mut names: Vec<&'static str> =
            NAMES.iter().filter(|(flag, _)| self.contains(*flag)).map(|(_, name)| *name).collect();
        if self.bits() & !NvmeCriticalWarning::all().bits() != 0 {
            names.push("reserved critical warning bit");
        }
        names
    }
}

impl<'de> Deserialize<'de> for NvmeCriticalWarning {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        u8::deserialize(deserializer).map(NvmeCriticalWarning::from_bits_retain)
    }
}

impl Serialize for NvmeCriticalWarning {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u8(self.bits())
    }
}

/// `nvme_smart_health_information_log`.
///
/// The 128-bit counters are `u128`. smartctl writes values above 2^53 a
/// second time as a decimal string under `KEY_s`; when present that string
/// is what is read, so no precision is lost to JSON consumers' doubles.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(try_from = "RawHealthLog")]
#[non_exhaustive]
pub struct NvmeHealthLog {
    /// Namespace the log is for; −1 (0xffffffff) for the controller (7.4+).
    pub nsid: Option<i64>,
    /// The critical warning byte.
    pub critical_warning: Option<NvmeCriticalWarning>,
    /// Composite temperature, °C.
    pub temperature: Option<i64>,
    /// Remaining spare capacity, percent.
    pub available_spare: Option<u64>,
    /// Spare threshold below which bit 0 of the critical warning is set, percent.
    pub available_spare_threshold: Option<u64>,
    /// Vendor estimate of life used, percent; may exceed 100.
    pub percentage_used: Option<u64>,
    /// Data units read, in thousands of 512-byte units.
    pub data_units_read: Option<u128>,
    /// Data units written, in thousands of 512-byte units.
    pub data_units_written: Option<u128>,
    /// Read commands completed.
    pub host_reads: Option<u128>,
    /// Write commands completed.
    pub host_writes: Option<u128>,
    /// Minutes the controller was busy.
    pub controller_busy_time: Option<u128>,
    /// Power cycles.
    pub power_cycles: Option<u128>,
    /// Power-on hours.
    pub power_on_hours: Option<u128>,
    /// Unsafe shutdowns.
    pub unsafe_shutdowns: Option<u128>,
    /// Unrecovered data integrity errors.
    pub media_errors: Option<u128>,
    /// Error information log entries over the controller's life.
    pub num_err_log_entries: Option<u128>,
    /// Minutes above the warning temperature threshold.
    pub warning_temp_time: Option<u64>,
    /// Minutes above the critical temperature threshold.
    pub critical_comp_time: Option<u64>,
    /// Temperature sensors 1–8, °C.
    pub temperature_sensors: Vec<i64>,
}

/// The wire form of the health log: each 128-bit counter may come with a
/// `_s` string twin.
#[derive(Deserialize)]
struct RawHealthLog {
    nsid: Option<i64>,
    critical_warning: Option<NvmeCriticalWarning>,
    temperature: Option<i64>,
    available_spare: Option<u64>,
    available_spare_threshold: Option<u64>,
    percentage_used: Option<u64>,
    data_units_read: Option<u128>,
    data_units_read_s: Option<String>,
    data_units_written: Option<u128>,
    data_units_written_s: Option<String>,
    host_reads: Option<u128>,
    host_reads_s: Option<String>,
    host_writes: Option<u128>,
    host_writes_s: Option<String>,
    controller_busy_time: Option<u128>,
    controller_busy_time_s: Option<String>,
    power_cycles: Option<u128>,
    power_cycles_s: Option<String>,
    power_on_hours: Option<u128>,
    power_on_hours_s: Option<String>,
    unsafe_shutdowns: Option<u128>,
    unsafe_shutdowns_s: Option<String>,
    media_errors: Option<u128>,
    media_errors_s: Option<String>,
    num_err_log_entries: Option<u128>,
    num_err_log_entries_s: Option<String>,
    warning_temp_time: Option<u64>,
    critical_comp_time: Option<u64>,
    #[serde(default)]
    temperature_sensors: Vec<i64>,
}

/// Prefers the exact `_s` string over the number.
fn counter(
    key: &str,
    number: Option<u128>,
    string: Option<String>,
) -> Result<Option<u128>, String> {
    match string {
        Some(text) => text
            .trim()
            .parse::<u128>()
            .map(Some)
            .map_err(|_| format!("{key}_s: {text:?} is not a decimal 128-bit counter")),
        None => Ok(number),
    }
}

impl TryFrom<RawHealthLog> for NvmeHealthLog {
    type Error = String;

    fn try_from(raw: RawHealthLog) -> Result<Self, String> {
        Ok(NvmeHealthLog {
            nsid: raw.nsid,
            critical_warning: raw.critical_warning,
            temperature: raw.temperature,
            available_spare: raw.available_spare,
            available_spare_threshold: raw.available_spare_threshold,
            percentage_used: raw.percentage_used,
            data_units_read: counter(
                "data_units_read",
                raw.data_units_read,
                raw.data_units_read_s,
            )?,
            data_units_written: counter(
                "data_units_written",
                raw.data_units_written,
                raw.data_units_written_s,
            )?,
            host_reads: counter("host_reads", raw.host_reads, raw.host_reads_s)?,
            host_writes: counter("host_writes", raw.host_writes, raw.host_writes_s)?,
            controller_busy_time: counter(
                "controller_busy_time",
                raw.controller_busy_time,
                raw.controller_busy_time_s,
            )?,
            power_cycles: counter("power_cycles", raw.power_cycles, raw.power_cycles_s)?,
            power_on_hours: counter("power_on_hours", raw.power_on_hours, raw.power_on_hours_s)?,
            unsafe_shutdowns: counter(
                "unsafe_shutdowns",
                raw.unsafe_shutdowns,
                raw.unsafe_shutdowns_s,
            )?,
            media_errors: counter("media_errors", raw.media_errors, raw.media_errors_s)?,
            num_err_log_entries: counter(
                "num_err_log_entries",
                raw.num_err_log_entries,
                raw.num_err_log_entries_s,
            )?,
            warning_temp_time: raw.warning_temp_time,
            critical_comp_time: raw.critical_comp_time,
            temperature_sensors: raw.temperature_sensors,
        })
    }
}

impl NvmeHealthLog {
    /// Bytes read: data units × 512 000.
    pub fn bytes_read(&self) -> Option<u128> {
        self.data_units_read.and_then(|units| units.checked_mul(512_000))
    }

    /// Bytes written: data units × 512 000.
    pub fn bytes_written(&self) -> Option<u128> {
        self.data_units_written.and_then(|units| units.checked_mul(512_000))
    }
}

/// `nvme_error_information_log` (7.4+).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct NvmeErrorLog {
    /// Entries the controller supports.
    pub size: Option<u64>,
    /// Entries read.
    pub read: Option<u64>,
    /// Entries not read.
    pub unread: Option<u64>,
    /// Non-empty entries, most recent first.
    #[serde(default)]
    pub table: Vec<NvmeErrorEntry>,
}

/// One NVMe error information log entry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct NvmeErrorEntry {
    /// Running error count.
    pub error_count: Option<u64>,
    /// Submission queue of the failed command.
    pub submission_queue_id: Option<u64>,
    /// Command id.
    pub command_id: Option<u64>,
    /// The completion status.
    pub status_field: Option<NvmeStatusField>,
    /// Phase tag.
    pub phase_tag: Option<bool>,
    /// Parameter error location.
    pub parm_error_location: Option<u64>,
    /// First failing LBA.
    pub lba: Option<NvmeLba>,
    /// Namespace.
    pub nsid: Option<i64>,
}

/// The status field of an NVMe error entry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct NvmeStatusField {
    /// The 15-bit status.
    pub value: Option<u64>,
    /// Do not retry.
    pub do_not_retry: Option<bool>,
    /// Status code type.
    pub status_code_type: Option<u64>,
    /// Status code.
    pub status_code: Option<u64>,
    /// smartctl's description, e.g. `"Invalid Field in Command"`.
    pub string: Option<String>,
}

/// An LBA of an NVMe error entry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct NvmeLba {
    /// The LBA.
    pub value: Option<u64>,
}

/// `nvme_self_test_log` (7.4+).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct NvmeSelfTestLog {
    /// Namespace; −1 for the controller.
    pub nsid: Option<i64>,
    /// The running self-test, if any.
    pub current_self_test_operation: Option<CodedValue>,
    /// Percent complete of the running test.
    pub current_self_test_completion_percent: Option<u64>,
    /// Results, most recent first.
    #[serde(default)]
    pub table: Vec<NvmeSelfTestEntry>,
}

/// One NVMe self-test result.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct NvmeSelfTestEntry {
    /// Test type (1 short, 2 extended, 0xe vendor).
    pub self_test_code: Option<CodedValue>,
    /// Outcome code and description.
    pub self_test_result: Option<CodedValue>,
    /// Failing segment.
    pub segment: Option<u64>,
    /// Power-on hours when it ran.
    pub power_on_hours: Option<u64>,
    /// Namespace of the failure.
    pub nsid: Option<i64>,
    /// First failing LBA.
    pub lba: Option<u64>,
    /// Status code type of the failure.
    pub status_code_type: Option<u64>,
    /// Status code of the failure.
    pub status_code: Option<u64>,
}

impl NvmeSelfTestEntry {
    /// Whether the result records a failure: result codes 5 (fatal error),
    /// 6 (unknown segment failed) and 7 (segments failed) of the NVMe
    /// Device Self-test log. Aborts (1–4, 8, 9) are not failures.
    pub fn failed(&self) -> bool {
        matches!(self.self_test_result.as_ref().and_then(|r| r.value), Some(5..=7))
    }
}

/// `nvme_pci_vendor`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct NvmePciVendor {
    /// PCI vendor id.
    pub id: Option<u64>,
    /// PCI subsystem vendor id.
    pub subsystem_id: Option<u64>,
}

/// `nvme_version`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct NvmeVersion {
    /// e.g. `"1.4"`.
    pub string: Option<String>,
    /// The version register.
    pub value: Option<u64>,
}

/// One entry of `nvme_namespaces`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct NvmeNamespace {
    /// Namespace id.
    pub id: Option<u64>,
    /// Namespace size.
    pub size: Option<Capacity>,
    /// Namespace capacity.
    pub capacity: Option<Capacity>,
    /// Namespace utilization.
    pub utilization: Option<Capacity>,
    /// Formatted LBA size, bytes.
    pub formatted_lba_size: Option<u64>,
}

/// `nvme_composite_temperature_threshold`, °C.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct NvmeTemperatureThreshold {
    /// Warning composite temperature threshold.
    pub warning: Option<i64>,
    /// Critical composite temperature threshold.
    pub critical: Option<i64>,
}

/// One entry of `nvme_power_states`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct NvmePowerState {
    /// A non-operational state (no I/O is processed in it).
    pub non_operational_state: Option<bool>,
    /// Relative read latency.
    pub relative_read_latency: Option<u64>,
    /// Relative read throughput.
    pub relative_read_throughput: Option<u64>,
    /// Relative write latency.
    pub relative_write_latency: Option<u64>,
    /// Relative write throughput.
    pub relative_write_throughput: Option<u64>,
    /// Entry latency, µs.
    pub entry_latency_us: Option<u64>,
    /// Exit latency, µs.
    pub exit_latency_us: Option<u64>,
    /// Maximum power.
    pub max_power: Option<NvmePower>,
}

/// A power value: `value / units_per_watt` W.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct NvmePower {
    /// The raw value.
    pub value: Option<u64>,
    /// Power scale code.
    pub scale: Option<u64>,
    /// Units per watt.
    pub units_per_watt: Option<u64>,
}
