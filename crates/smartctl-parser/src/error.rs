//! The crate's one error type.
//!
//! Every variant names the input it concerns (a file path, a device, or
//! whatever label the caller passed to [`crate::parse`]), so that a message
//! reaching a user says *which* smartctl output was bad, not only how.

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why a byte string is not usable smartctl `--json` output.
///
/// Parsing never panics: any input yields either a
/// [`SmartctlOutput`](crate::SmartctlOutput) or one of these.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input is empty or only whitespace (smartctl crashed, was killed,
    /// or was not run with `--json`).
    #[error("{input}: empty smartctl output")]
    Empty {
        /// The label of the input (file path or device).
        input: String,
    },

    /// The input is not JSON at all (truncated output, plain-text smartctl
    /// output, binary garbage).
    #[error("{input}: invalid JSON at line {line} column {column}: {message}")]
    InvalidJson {
        /// The label of the input.
        input: String,
        /// 1-based line of the syntax error.
        line: usize,
        /// 1-based column of the syntax error.
        column: usize,
        /// serde_json's description of the syntax error.
        message: String,
    },

    /// smartctl output, but not in its `--json` form: its plain text, the
    /// grep-able `--json=g` lines or the YAML of `--json=y`. Says which, so
    /// the user knows what to run instead.
    #[error("{input}: this is {found}, not smartctl --json output: run smartctl with --json (-j)")]
    NotJsonOutput {
        /// The label of the input.
        input: String,
        /// What it is, e.g. "smartctl's plain-text output".
        found: &'static str,
    },

    /// Well-formed JSON that is not a smartctl report: not an object, or an
    /// object with none of smartctl's top-level keys.
    #[error("{input}: not smartctl JSON output ({found})")]
    NotSmartctl {
        /// The label of the input.
        input: String,
        /// What was found instead, e.g. "a JSON array" or "no smartctl keys".
        found: String,
    },

    /// `json_format_version` is not `[1, x]`. The only other version seen in
    /// the wild is `[0, 1]` from pre-7.0 SVN builds, with a different layout.
    #[error(
        "{input}: unsupported smartctl json_format_version [{major}, {minor}] (supported: [1, x], smartctl 7.0 and later)"
    )]
    UnsupportedFormatVersion {
        /// The label of the input.
        input: String,
        /// Major format version found.
        major: u64,
        /// Minor format version found.
        minor: u64,
    },

    /// A known key holds a value of an unexpected type or range, e.g. a
    /// string where smartctl always writes a number.
    #[error("{input}: unexpected value at `{path}` (line {line} column {column}): {message}")]
    Schema {
        /// The label of the input.
        input: String,
        /// Dotted path of the offending key, e.g. `ata_smart_attributes.table[3].raw.value`.
        path: String,
        /// 1-based line of the offending value.
        line: usize,
        /// 1-based column of the offending value.
        column: usize,
        /// serde's description of the mismatch.
        message: String,
    },
}

impl Error {
    /// The label of the input this error concerns.
    pub fn input(&self) -> &str {
        match self {
            Error::Empty { input }
            | Error::InvalidJson { input, .. }
            | Error::NotSmartctl { input, .. }
            | Error::NotJsonOutput { input, .. }
            | Error::UnsupportedFormatVersion { input, .. }
            | Error::Schema { input, .. } => input,
        }
    }
}
