//! The crate's one error type.

use crate::monitor::Sensor;

/// What went wrong, with what it concerned.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A sensor could not be read.
    #[error("{sensor} unreadable")]
    Sensor {
        /// Which.
        sensor: Sensor,
        /// The board's error (it names the path).
        #[source]
        source: helios64_hal::Error,
    },
}
