//! The one error type of `vm_env`.

use std::path::PathBuf;

/// Why a fact about the test VM could not be had.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The code is not running inside the helios64 test VM, or the VM's
    /// device setup did not finish.
    #[error("not inside the helios64 test VM: {reason}")]
    NotInGuest {
        /// What was checked and found wanting.
        reason: String,
    },
    /// A file (sysfs attribute, facts file) could not be read.
    #[error("cannot read {path}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A sysfs attribute could not be written.
    #[error("cannot write {value:?} to {path}")]
    Write {
        /// The attribute.
        path: PathBuf,
        /// What was written.
        value: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A scratch directory could not be created.
    #[error("cannot create scratch directory {path}")]
    Scratch {
        /// The directory.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A line of the facts file is not `KEY=VALUE`.
    #[error("{path}:{line}: expected KEY=VALUE, found {text:?}")]
    MalformedFact {
        /// The facts file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// The offending line.
        text: String,
    },
    /// The facts file lacks a key the device setup should have written.
    #[error("{path} has no {key} (device setup incomplete?)")]
    MissingFact {
        /// The facts file.
        path: PathBuf,
        /// The missing key.
        key: String,
    },
    /// A value (fact, sysfs attribute) does not parse as what it should be.
    #[error("{source_name}: {value:?} is not a valid {expected}")]
    Invalid {
        /// Where the value came from: a path or a fact key.
        source_name: String,
        /// The value as found.
        value: String,
        /// What it should have been.
        expected: &'static str,
    },
    /// No simulated GPIO bank has this label.
    #[error("no simulated GPIO bank labelled {label:?} (the banks are gpio0..gpio4)")]
    NoSuchBank {
        /// The label asked for.
        label: String,
    },
    /// A bay number outside 1..=5.
    #[error("there is no bay {bay}: the Helios64 has bays 1 to 5")]
    NoSuchBay {
        /// The bay asked for.
        bay: u8,
    },
}
