//! smartctl's exit status bitmask (`smartctl.exit_status`, also the process
//! exit code), as documented in smartctl(8) "RETURN VALUES".

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

bitflags::bitflags! {
    /// The bits of smartctl's exit status.
    ///
    /// Bits 2–7 do not mean the JSON is unusable: the data is still there,
    /// and the health sections should be read. Bits 0–1 usually mean there
    /// is no device data, except for a sleeping disk under `-n standby`,
    /// which also exits with bit 1.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
    pub struct ExitStatusFlags: u8 {
        /// Bit 0: the command line did not parse, or the device type could
        /// not be determined (also "Unknown USB bridge").
        const COMMAND_LINE = 1;
        /// Bit 1: the device open failed, IDENTIFY failed, or the device is
        /// in a low-power mode and `-n` skipped it.
        const DEVICE_OPEN = 1 << 1;
        /// Bit 2: some SMART or other ATA command failed, or a checksum
        /// error was found (partial data).
        const COMMAND_FAILED = 1 << 2;
        /// Bit 3: SMART status check returned "DISK FAILING".
        const DISK_FAILING = 1 << 3;
        /// Bit 4: prefail attributes are at or below their threshold now.
        const PREFAIL_BELOW_THRESHOLD = 1 << 4;
        /// Bit 5: some attribute was at or below its threshold in the past.
        const PAST_BELOW_THRESHOLD = 1 << 5;
        /// Bit 6: the device error log contains records of errors.
        const ERROR_LOG = 1 << 6;
        /// Bit 7: the device self-test log contains records of errors.
        const SELF_TEST_ERRORS = 1 << 7;
    }
}

impl ExitStatusFlags {
    /// Human names of the set bits, lowest bit first (for reasons and logs).
    pub fn names(self) -> Vec<&'static str> {
        const NAMES: [(ExitStatusFlags, &str); 8] = [
            (ExitStatusFlags::COMMAND_LINE, "command line did not parse"),
            (ExitStatusFlags::DEVICE_OPEN, "device open failed or device in low-power mode"),
            (ExitStatusFlags::COMMAND_FAILED, "a SMART command failed"),
            (ExitStatusFlags::DISK_FAILING, "SMART status says DISK FAILING"),
            (ExitStatusFlags::PREFAIL_BELOW_THRESHOLD, "prefail attribute at or below threshold"),
            (
                ExitStatusFlags::PAST_BELOW_THRESHOLD,
                "attribute was at or below threshold in the past",
            ),
            (ExitStatusFlags::ERROR_LOG, "device error log has entries"),
            (ExitStatusFlags::SELF_TEST_ERRORS, "self-test log has errors"),
        ];
        NAMES.iter().filter(|(flag, _)| self.contains(*flag)).map(|(_, name)| *name).collect()
    }
}

impl fmt::Display for ExitStatusFlags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.bits())
    }
}

// smartctl writes the bitmask as a plain integer; bitflags' own serde support
// would expect "A | B" strings, so the impls are written by hand.
impl<'de> Deserialize<'de> for ExitStatusFlags {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        u8::deserialize(deserializer).map(ExitStatusFlags::from_bits_retain)
    }
}

impl Serialize for ExitStatusFlags {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u8(self.bits())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_a_real_failing_mask() {
        // scrutiny/smart-fail2.json: 216 = 8 + 16 + 64 + 128.
        let flags: ExitStatusFlags = serde_json::from_str("216").unwrap();
        assert_eq!(
            flags,
            ExitStatusFlags::DISK_FAILING
                | ExitStatusFlags::PREFAIL_BELOW_THRESHOLD
                | ExitStatusFlags::ERROR_LOG
                | ExitStatusFlags::SELF_TEST_ERRORS
        );
        assert_eq!(flags.names().len(), 4);
        assert_eq!(serde_json::to_string(&flags).unwrap(), "216");
    }

    #[test]
    fn rejects_values_that_are_not_a_byte() {
        assert!(serde_json::from_str::<ExitStatusFlags>("256").is_err());
        assert!(serde_json::from_str::<ExitStatusFlags>("-1").is_err());
    }
}
