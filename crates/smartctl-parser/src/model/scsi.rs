//! SCSI / SAS sections: error counter logs, start-stop counter, self-tests,
//! device type and transport.

use serde::Deserialize;

use super::common::CodedValue;

/// `scsi_error_counter_log`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct ScsiErrorCounterLog {
    /// Read error counters.
    pub read: Option<ScsiErrorCounters>,
    /// Write error counters.
    pub write: Option<ScsiErrorCounters>,
    /// Verify error counters.
    pub verify: Option<ScsiErrorCounters>,
}

impl ScsiErrorCounterLog {
    /// The three directions with their names, skipping absent ones.
    pub fn directions(&self) -> impl Iterator<Item = (&'static str, &ScsiErrorCounters)> {
        [("read", &self.read), ("write", &self.write), ("verify", &self.verify)]
            .into_iter()
            .filter_map(|(name, counters)| counters.as_ref().map(|c| (name, c)))
    }
}

/// Error counters of one direction.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct ScsiErrorCounters {
    /// Errors corrected without substantial delay.
    pub errors_corrected_by_eccfast: Option<u64>,
    /// Errors corrected with possible delays.
    pub errors_corrected_by_eccdelayed: Option<u64>,
    /// Errors corrected by rereads or rewrites.
    pub errors_corrected_by_rereads_rewrites: Option<u64>,
    /// All corrected errors.
    pub total_errors_corrected: Option<u64>,
    /// Correction algorithm invocations.
    pub correction_algorithm_invocations: Option<u64>,
    /// Gigabytes processed, as smartctl printed it (`"%.3f"` in the C
    /// locale of the host: `"176987.332"` or `"2124,590"`).
    pub gigabytes_processed: Option<String>,
    /// Uncorrected errors.
    pub total_uncorrected_errors: Option<u64>,
}

impl ScsiErrorCounters {
    /// `gigabytes_processed` as a number, accepting a decimal comma.
    pub fn gigabytes(&self) -> Option<f64> {
        self.gigabytes_processed.as_deref()?.trim().replace(',', ".").parse().ok()
    }
}

/// `scsi_start_stop_cycle_counter`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct ScsiStartStopCycleCounter {
    /// Year of manufacture, as written by the device.
    pub year_of_manufacture: Option<String>,
    /// Week of manufacture, as written by the device.
    pub week_of_manufacture: Option<String>,
    /// Rated start-stop cycles.
    pub specified_cycle_count_over_device_lifetime: Option<u64>,
    /// Start-stop cycles so far.
    pub accumulated_start_stop_cycles: Option<u64>,
    /// Rated load-unload cycles.
    pub specified_load_unload_count_over_device_lifetime: Option<u64>,
    /// Load-unload cycles so far.
    pub accumulated_load_unload_cycles: Option<u64>,
}

/// One `scsi_self_test_N` entry (7.3+).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct ScsiSelfTest {
    /// Test code, e.g. `"Background long"`.
    pub code: Option<CodedValue>,
    /// Result, e.g. `"Completed"`.
    pub result: Option<CodedValue>,
    /// Failing segment number.
    pub failed_segment: Option<ScsiSelfTestNumber>,
    /// Power-on time when it ran.
    pub power_on_time: Option<ScsiSelfTestHours>,
    /// First failing LBA.
    pub lba_first_failure: Option<ScsiSelfTestNumber>,
}

impl ScsiSelfTest {
    /// Whether the result records a failure: SPC self-test results 3–7
    /// (unknown error, failed with an unknown segment, first/second/other
    /// segment failed). 1 and 2 are aborts, 15 is "in progress".
    pub fn failed(&self) -> bool {
        matches!(self.result.as_ref().and_then(|r| r.value), Some(3..=7))
    }
}

/// A number with smartctl's `aka` explanation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct ScsiSelfTestNumber {
    /// The value.
    pub value: Option<u64>,
    /// What it means.
    pub aka: Option<String>,
}

/// Hours with smartctl's `aka` explanation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct ScsiSelfTestHours {
    /// Hours.
    pub hours: Option<u64>,
    /// What they mean.
    pub aka: Option<String>,
}

/// `device_type` of a SCSI device.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct ScsiDeviceType {
    /// Peripheral device type code.
    pub scsi_value: Option<u64>,
    /// e.g. `"disk"`.
    pub name: Option<String>,
}

/// `scsi_transport_protocol`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct ScsiTransportProtocol {
    /// e.g. `"SAS (SPL-4)"`.
    pub name: Option<String>,
    /// Protocol identifier.
    pub value: Option<u64>,
}

/// `scsi_temperature` (7.3 only; 7.4 moved it back into `temperature`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct ScsiTemperature {
    /// Current temperature, °C.
    pub current: Option<i64>,
    /// Trip temperature, °C.
    pub drive_trip: Option<i64>,
}
