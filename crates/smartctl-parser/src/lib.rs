//! A complete, typed parser for smartctl's `--json` output (smartmontools
//! 7.0–7.5), and a health verdict with reasons.
//!
//! * [`parse`] turns bytes into a [`SmartctlOutput`] or a typed [`Error`]
//!   naming the input. It never panics, reads output of any exit status,
//!   and accepts every 7.x schema variant (optional keys, `smart_support`
//!   as bool or object, SCSI key renames of 7.3, NVMe 128-bit counters).
//! * [`judge`] classifies a parsed output as [`Verdict::Ok`], `Warning`,
//!   `Failing`, `Asleep`, `Unreachable` or `Unknown`, with the [`Reason`]s
//!   that led there. The rules are data ([`RULES`], [`Policy`]) and each
//!   reason cites its source (smartctl's exit bits, smartd's checks,
//!   scrutiny's rules without its known false alarms).
//! * [`raw`] decodes packed ATA raw values (`"49 (Min/Max 24/56)"`,
//!   `"0 0 5"`, `"1234h+56m+07.890s"`).
//!
//! The crate does no I/O: running smartctl (standby-safe, with timeouts) is
//! the job of a runner such as `helios64-smart`.
//!
//! ```
//! use smartctl_parser::{judge, parse, Verdict};
//!
//! let json = br#"{"json_format_version":[1,0],
//!   "smartctl":{"version":[7,4],"exit_status":0},
//!   "device":{"name":"/dev/sda","type":"sat","protocol":"ATA"},
//!   "smart_status":{"passed":true},
//!   "ata_smart_attributes":{"revision":16,"table":[
//!     {"id":197,"name":"Current_Pending_Sector","value":100,"worst":100,"thresh":0,
//!      "when_failed":"","flags":{"value":50,"prefailure":false},
//!      "raw":{"value":3,"string":"3"}}]}}"#;
//! let output = parse(json, "/dev/sda")?;
//! let assessment = judge(&output);
//! assert_eq!(assessment.verdict, Verdict::Warning);
//! assert_eq!(assessment.reasons[0].rule, "ata-counter");
//! # Ok::<(), smartctl_parser::Error>(())
//! ```

mod error;
mod exit_status;
mod model;
mod parse;
pub mod raw;
mod verdict;

pub use error::{Error, Result};
pub use exit_status::ExitStatusFlags;
pub use model::*;
pub use parse::{SUPPORTED_FORMAT_MAJOR, parse, parse_all, parse_str};
pub use verdict::{
    Assessment, CounterRule, Level, NOT_JUDGED, OpenFailure, Policy, RULES, Reason, Rule, Verdict,
    judge, judge_with, open_failure, rule_ids, sleeping_mode,
};
