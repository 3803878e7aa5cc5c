//! ATA logs: self-test (standard, extended, selective) and error logs.

use serde::Deserialize;

use super::ata::TestStatus;
use super::common::CodedValue;

/// `ata_smart_self_test_log`: the standard (`-l selftest`) and extended
/// (`-l xselftest`) logs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct AtaSelfTestLogs {
    /// SMART self-test log.
    pub standard: Option<AtaSelfTestLog>,
    /// Extended (GPL) self-test log.
    pub extended: Option<AtaSelfTestLog>,
}

/// One ATA self-test log.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct AtaSelfTestLog {
    /// Log revision.
    pub revision: Option<u64>,
    /// Sectors of the log (extended).
    pub sectors: Option<u64>,
    /// Number of entries.
    pub count: Option<u64>,
    /// Entries that failed.
    pub error_count_total: Option<u64>,
    /// Failed entries superseded by a later passing extended test.
    pub error_count_outdated: Option<u64>,
    /// Entries, most recent first.
    #[serde(default)]
    pub table: Vec<AtaSelfTestEntry>,
}

/// One ATA self-test log entry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct AtaSelfTestEntry {
    /// Test type, e.g. `"Short offline"`.
    #[serde(rename = "type")]
    pub test_type: Option<CodedValue>,
    /// Outcome.
    pub status: Option<TestStatus>,
    /// Power-on hours when the test ran.
    pub lifetime_hours: Option<u64>,
    /// First failing LBA (failures only).
    pub lba: Option<u64>,
}

/// `ata_smart_error_log`: the summary (`-l error`) and extended
/// (`-l xerror`) logs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct AtaErrorLogs {
    /// SMART summary error log.
    pub summary: Option<AtaErrorLog>,
    /// Extended comprehensive error log.
    pub extended: Option<AtaErrorLog>,
}

/// One ATA error log.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct AtaErrorLog {
    /// Log revision.
    pub revision: Option<u64>,
    /// Sectors of the log (extended).
    pub sectors: Option<u64>,
    /// Errors the device counted over its life.
    pub count: Option<u64>,
    /// Errors still held in the log.
    pub logged_count: Option<u64>,
    /// Entries, most recent first.
    #[serde(default)]
    pub table: Vec<AtaErrorEntry>,
}

/// One ATA error log entry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct AtaErrorEntry {
    /// Error number (the device's running count).
    pub error_number: Option<u64>,
    /// Power-on hours when it happened.
    pub lifetime_hours: Option<u64>,
    /// Device registers at completion.
    pub completion_registers: Option<CompletionRegisters>,
    /// smartctl's description, e.g. `"Error: UNC at LBA = 0x0fffffff = 268435455"`.
    pub error_description: Option<String>,
    /// The commands leading up to the error, most recent last.
    #[serde(default)]
    pub previous_commands: Vec<PreviousCommand>,
}

/// ATA completion registers of an error.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct CompletionRegisters {
    /// Error register.
    pub error: Option<u64>,
    /// Status register.
    pub status: Option<u64>,
    /// Sector count.
    pub count: Option<u64>,
    /// LBA.
    pub lba: Option<u64>,
    /// Device register.
    pub device: Option<u64>,
}

/// A command preceding a logged error.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct PreviousCommand {
    /// Command name, e.g. `"READ FPDMA QUEUED"`.
    pub command_name: Option<String>,
    /// Milliseconds since power-up.
    pub powerup_milliseconds: Option<u64>,
}

/// `ata_smart_selective_self_test_log`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct AtaSelectiveSelfTestLog {
    /// Log revision.
    pub revision: Option<u64>,
    /// The five LBA spans.
    #[serde(default)]
    pub table: Vec<SelectiveSpan>,
    /// Flags.
    pub flags: Option<SelectiveFlags>,
    /// Minutes after power-up before a pending scan resumes.
    pub power_up_scan_resume_minutes: Option<u64>,
}

/// One span of the selective self-test log.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct SelectiveSpan {
    /// First LBA.
    pub lba_min: Option<u64>,
    /// Last LBA.
    pub lba_max: Option<u64>,
    /// Status of the span.
    pub status: Option<TestStatus>,
}

/// Flags of the selective self-test log.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct SelectiveFlags {
    /// Flag word.
    pub value: Option<u64>,
    /// After the spans, scan the rest of the disk.
    pub remainder_scan_enabled: Option<bool>,
}
