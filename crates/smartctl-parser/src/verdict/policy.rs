//! The rules behind a verdict, as data: which rule exists, what it means,
//! where it comes from, and the thresholds the counting rules use.
//!
//! `docs/smart.md` documents the same table; a test keeps the two in step.

use serde::Serialize;

/// How much a reason weighs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// Worth knowing; does not change an `ok` verdict.
    Notice,
    /// Degradation: watch the disk, check backups, run a long self-test.
    Warning,
    /// The drive reports failure, or the evidence of failure is strong.
    Failing,
    /// No health data, and nothing else fired.
    Unknown,
    /// smartctl could not talk to the device.
    Unreachable,
    /// The device is in a low-power mode and was not woken.
    Asleep,
}

/// One rule of the verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Rule {
    /// Stable identifier, e.g. `"ata-attribute-failing-now"`.
    pub id: &'static str,
    /// The level of the reason it produces (counter rules may escalate).
    pub level: Level,
    /// What it checks.
    pub checks: &'static str,
    /// Where the rule comes from.
    pub source: &'static str,
}

macro_rules! rules {
    ($($name:ident = $id:literal, $level:ident, $checks:literal, $source:literal;)*) => {
        /// Identifiers of every rule, as constants.
        pub mod rule_ids {
            $(
                #[doc = $checks]
                pub const $name: &str = $id;
            )*
        }

        /// Every rule the verdict applies, in evaluation order.
        pub const RULES: &[Rule] = &[
            $(Rule { id: $id, level: Level::$level, checks: $checks, source: $source },)*
        ];
    };
}

rules! {
    STANDBY = "standby", Asleep,
        "smartctl -n standby found the device in STANDBY/SLEEP/IDLE and did not wake it (exit bit 1 or the -n exit code, `device` present, \"Device is in … mode\" message, or 7.5 `power_mode`)",
        "smartctl(8) -n; smartmontools ataprint.cpp/scsiprint.cpp; reference §1.3, §6 step 1";
    PERMISSION_DENIED = "permission-denied", Unreachable,
        "smartctl could not open the device: permission denied (run as root or grant the disk group)",
        "smartctl open message \"Smartctl open device: DEV failed: Permission denied\"; reference §1.3";
    OPEN_FAILED = "open-failed", Unreachable,
        "smartctl could not open the device (no `device` object; exit bit 1)",
        "smartctl(8) RETURN VALUES bit 1; reference §1.3, §6 step 2";
    IDENTIFY_FAILED = "identify-failed", Unreachable,
        "the device opened but IDENTIFY failed (exit bit 1 with a `device` object and no standby message); often a wrong -d type",
        "smartctl(8) RETURN VALUES bit 1; reference §1.3";
    COMMAND_LINE = "command-line", Unreachable,
        "smartctl rejected the command line or could not determine the device type (exit bit 0), e.g. an unknown USB bridge",
        "smartctl(8) RETURN VALUES bit 0; reference §1.3, §6 step 2";
    HEALTH_FAILED = "health-failed", Failing,
        "the drive's own health self-assessment says FAILING (`smart_status.passed` false, or exit bit 3)",
        "smartctl -H, exit bit 3; smartd -H (LOG_CRIT); scrutiny (passed == false); reference §3, §6 step 3";
    NVME_CRITICAL_WARNING = "nvme-critical-warning", Failing,
        "the NVMe critical warning byte is non-zero (spare, temperature, reliability, read-only, backup, PMR)",
        "NVMe base spec SMART/Health log byte 0; smartctl -H / smartd -H for NVMe; scrutiny; reference §3, §6 step 3";
    ATA_PREFAIL_FAILING_NOW = "ata-prefail-failing-now", Failing,
        "a pre-failure ATA attribute is at or below its threshold now (`when_failed` \"now\", or exit bit 4)",
        "smartctl exit bit 4; smartd -f/-H; scrutiny (when_failed == \"now\"); reference §1.5, §6 step 3";
    ATA_USAGE_FAILING_NOW = "ata-usage-failing-now", Warning,
        "an old-age (usage) ATA attribute is at or below its threshold now: wear, not imminent failure",
        "smartd -f (usage attribute failure is logged, not a health failure); smartctl sets no exit bit for it";
    ATA_FAILED_IN_PAST = "ata-failed-in-past", Warning,
        "an ATA attribute was at or below its threshold in the past (`when_failed` \"past\", or exit bit 5)",
        "smartctl exit bit 5; scrutiny (\"past\" warns); reference §6 step 4";
    ATA_COUNTER = "ata-counter", Warning,
        "an ATA error counter's raw count (first number of `raw.string`) exceeds the policy's thresholds; see the counter table",
        "smartd -C 197 / -U 198; Backblaze failure-rate buckets as used by scrutiny; reference §3, §6 step 4";
    SELF_TEST_FAILED = "self-test-failed", Warning,
        "the most recent self-test failed (ATA log entry or exit bit 7, NVMe result 5–7, SCSI result 3–7)",
        "smartctl exit bit 7 (ignores failures superseded by a later passing extended test); smartd -l selftest; reference §6 step 4";
    ERROR_LOG_GREW = "error-log-grew", Warning,
        "the ATA error log count grew since the previous result of this device",
        "smartd -l error (warns when the count increases)";
    NVME_MEDIA_ERRORS = "nvme-media-errors", Warning,
        "the NVMe controller counted unrecovered data integrity errors (`media_errors` > 0)",
        "scrutiny (media_errors > 0); smartd 7.5 (increase); reference §3, §6 step 4";
    NVME_SPARE_BELOW_THRESHOLD = "nvme-spare-below-threshold", Warning,
        "NVMe `available_spare` is below `available_spare_threshold`",
        "smartd -p for NVMe (7.5); scrutiny; reference §3, §6 step 4";
    NVME_PERCENTAGE_USED = "nvme-percentage-used", Warning,
        "NVMe `percentage_used` (rated endurance consumed) is above the policy limit (95)",
        "smartd 7.5 -f/-u (percentage used > 95%); reference §3, §6 step 4";
    SCSI_GROWN_DEFECTS = "scsi-grown-defects", Warning,
        "the SCSI grown defect list is not empty (blocks reallocated since manufacture)",
        "reference §6 step 4 (scrutiny intends this but looks the threshold up in its NVMe table, so it never fires)";
    SCSI_UNCORRECTED_ERRORS = "scsi-uncorrected-errors", Warning,
        "a SCSI error counter log (read, write or verify) has uncorrected errors",
        "reference §6 step 4 (scrutiny intends this but never fires, see scsi-grown-defects)";
    ERROR_LOG_ENTRIES = "error-log-entries", Notice,
        "the device error log has entries (exit bit 6 or ATA error count > 0); without a previous result nobody can say whether they are new",
        "smartd -l error reports increases only; smartctl exit bit 6";
    NVME_ERROR_LOG_ENTRIES = "nvme-error-log-entries", Notice,
        "the NVMe error information log counted entries; many are benign (e.g. Invalid Field in Command from host probing)",
        "NVMe SMART/Health log `num_err_log_entries`; smartctl_exporter exports it as information";
    PARTIAL_DATA = "partial-data", Notice,
        "a SMART or ATA command failed (exit bit 2): some sections may be missing",
        "smartctl(8) RETURN VALUES bit 2; reference §1.3 (bit 2 alone means partial data)";
    ATTRIBUTE_CHECK_ONLY = "attribute-check-only", Notice,
        "smartctl inferred health from attributes because the health command did not work through this bridge/controller",
        "smartctl message \"Warning: This result is based on an Attribute check.\"; reference §1.3";
    NO_HEALTH_DATA = "no-health-data", Unknown,
        "no health status, ATA attributes, NVMe health log or SCSI error data to judge",
        "reference §6 step 5";
}

/// A threshold rule on an ATA attribute's raw count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CounterRule {
    /// ATA attribute id.
    pub id: u8,
    /// Its usual name.
    pub name: &'static str,
    /// Count above which a notice is given.
    pub notice_above: Option<u64>,
    /// Count above which a warning is given.
    pub warn_above: Option<u64>,
    /// Count above which the disk is failing.
    pub fail_above: Option<u64>,
    /// What a non-zero count means for the user.
    pub meaning: &'static str,
    /// Where the thresholds come from.
    pub source: &'static str,
}

/// The thresholds of the counting rules. [`Policy::default`] is the
/// documented rule set; callers may tighten or relax it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Policy {
    /// ATA raw-count rules, by attribute id.
    pub ata_counters: Vec<CounterRule>,
    /// NVMe `percentage_used` above which a warning is given.
    pub nvme_percentage_used_warn_above: u64,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            ata_counters: vec![
                CounterRule {
                    id: 5,
                    name: "Reallocated_Sector_Ct",
                    notice_above: None,
                    warn_above: Some(0),
                    fail_above: Some(16),
                    meaning: "sectors the drive has remapped to spares after failing to write them",
                    source: "reference §6 (> 0 warns); Backblaze bucket (16,70] = 24% AFR, where scrutiny fails",
                },
                CounterRule {
                    id: 187,
                    name: "Reported_Uncorrect",
                    notice_above: None,
                    warn_above: Some(0),
                    fail_above: None,
                    meaning: "reads the drive could not correct with ECC (data was lost)",
                    source: "reference §6 (> 0 warns); scrutiny's only bucket is raw = 1, so it does not escalate either",
                },
                CounterRule {
                    id: 197,
                    name: "Current_Pending_Sector",
                    notice_above: None,
                    warn_above: Some(0),
                    fail_above: Some(6),
                    meaning: "unreadable sectors waiting to be remapped on the next write",
                    source: "smartd -C 197 (> 0 is reported); Backblaze buckets (1,2] 34%, (2,6] 68%, above that > 100% AFR (scrutiny); a few pending sectors, often cleared by a rewrite, only warn",
                },
                CounterRule {
                    id: 198,
                    name: "Offline_Uncorrectable",
                    notice_above: None,
                    warn_above: Some(0),
                    fail_above: Some(2),
                    meaning: "sectors the offline scan could not read",
                    source: "smartd -U 198 (> 0 is reported); Backblaze bucket (0,2] = 81% AFR (scrutiny fails there); one or two only warn",
                },
                CounterRule {
                    id: 199,
                    name: "UDMA_CRC_Error_Count",
                    notice_above: Some(0),
                    warn_above: None,
                    fail_above: None,
                    meaning: "transfer errors on the SATA link: a cable, backplane or power problem, not the disk's media",
                    source: "smartd does not check it; scrutiny's warn/fail on it is a known false-alarm class (lifetime counter of link errors)",
                },
            ],
            nvme_percentage_used_warn_above: 95,
        }
    }
}

/// ATA attributes deliberately not judged, with the reason (documentation
/// and the `--explain` style output of tools built on this crate).
pub const NOT_JUDGED: &[(u8, &str, &str)] = &[
    (
        188,
        "Command_Timeout",
        "vendor-packed (Seagate: three 16-bit counters, e.g. raw 4295294976 = \"1 1 0\"); counts command timeouts (cabling, power); scrutiny's alarms on it are false positives (scrutiny #260, #774)",
    ),
    (
        1,
        "Raw_Read_Error_Rate",
        "vendor-packed on Seagate (error count and operation count in one value); the normalized value and threshold already cover it",
    ),
    (
        7,
        "Seek_Error_Rate",
        "vendor-packed on Seagate; the normalized value and threshold already cover it",
    ),
    (
        196,
        "Reallocated_Event_Count",
        "duplicates attribute 5 where it is meaningful, and is vendor-packed elsewhere (a Seagate in scrutiny/smart-sat.json shows \"2111 (12437 0)\" with attribute 5 at 0)",
    ),
    (
        195,
        "Hardware_ECC_Recovered",
        "corrected errors: normal operation, vendor-packed on several drives",
    ),
];
