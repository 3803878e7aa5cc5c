//! The crate's one error type.

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong driving the LEDs (assessing never fails: a source that
/// cannot be read becomes a reason).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An LED could not be read or set.
    #[error("cannot {op} LED {led}")]
    Led {
        /// The LED's class device name.
        led: String,
        /// `read the triggers of`, `set the trigger of`, `set the brightness of`.
        op: &'static str,
        /// The board model's error.
        #[source]
        source: helios64_hal::Error,
    },
    /// The board's LEDs could not be listed.
    #[error("cannot list the LEDs")]
    Discover(#[source] helios64_hal::Error),
}
