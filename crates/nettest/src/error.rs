//! The one error type of this crate.

/// What can go wrong running or reading a network test.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NettestError {
    /// iperf3 could not be run, timed out, or exited without JSON.
    #[error("iperf3 for {interface} ({direction}) did not run")]
    Run {
        /// The interface under test.
        interface: String,
        /// `send` or `receive`.
        direction: &'static str,
        /// What the runner reported.
        #[source]
        source: helios64_exec::Error,
    },
    /// iperf3 ran and reported an error (`"error"` in its JSON), e.g. the
    /// server is unreachable or busy.
    #[error("iperf3 for {interface} ({direction}): {message}")]
    Iperf {
        /// The interface under test.
        interface: String,
        /// `send` or `receive`.
        direction: &'static str,
        /// iperf3's own message.
        message: String,
    },
    /// The output is not the JSON iperf3 3.x writes.
    #[error("malformed iperf3 JSON for {interface} ({direction}): {detail}")]
    Malformed {
        /// The interface under test.
        interface: String,
        /// `send` or `receive`.
        direction: &'static str,
        /// What was wrong.
        detail: String,
    },
}

/// This crate's result.
pub type Result<T> = std::result::Result<T, NettestError>;
