//! The crate's one error type.

use helios64_service::ConfigError;

/// Why pinning could not be planned.
#[derive(Debug, thiserror::Error)]
pub enum PinError {
    /// The configuration does not fit this system (a CPU that is not
    /// online), located in the file that set it.
    #[error("{0}")]
    Config(#[from] ConfigError),
    /// A system read the plan needs failed (`/proc/interrupts`, the NICs,
    /// the online CPUs); the hal error names the file.
    #[error("{during}")]
    Read {
        /// What was being read.
        during: &'static str,
        /// Why it failed.
        #[source]
        source: helios64_hal::Error,
    },
}

/// The crate's result.
pub type Result<T> = std::result::Result<T, PinError>;
