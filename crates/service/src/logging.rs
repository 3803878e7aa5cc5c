//! The `tracing` subscriber: the journal under systemd, stderr elsewhere.
//!
//! The journal is used when `JOURNAL_STREAM` names the file stderr really
//! is (systemd.exec(5): a service whose stderr was redirected elsewhere
//! must not assume the journal) and its socket accepts the connection;
//! otherwise a compact line per event goes to stderr. Log one line per
//! state change, never one per cycle.

use std::io::IsTerminal as _;

use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;

use crate::error::{Error, Result};

/// The variable that sets the log filter when `--log-level` is not given.
pub const LOG_ENV: &str = "HELIOS64_LOG";

/// Where log lines go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogTarget {
    /// systemd's journal, with priorities and fields.
    Journal,
    /// Standard error, one compact line per event.
    Stderr,
}

/// The filter from `--log-level` (first), `$HELIOS64_LOG`, or `info`: a
/// level, or comma-separated `target=level` directives with an optional
/// bare default level (`info,helios64_service=debug`).
///
/// `Targets`, not `EnvFilter`: the span and field filters `EnvFilter` adds
/// are never needed on the box, and its regex engine cost about 6 % of each
/// aarch64 binary (docs/PERFORMANCE.md, "Binary sizes").
pub fn filter(flag: Option<&str>, env: Option<&str>) -> Result<Targets> {
    let text = flag.or(env).unwrap_or("info");
    text.parse::<Targets>().map_err(|e| Error::Usage(format!("invalid log filter {text:?}: {e}")))
}

/// Whether `JOURNAL_STREAM` (`"<device>:<inode>"`) names the file with
/// device `dev` and inode `ino`.
pub fn journal_stream_matches(journal_stream: &str, dev: u64, ino: u64) -> bool {
    let Some((d, i)) = journal_stream.trim().split_once(':') else { return false };
    d.parse() == Ok(dev) && i.parse() == Ok(ino)
}

fn stderr_is_the_journal() -> bool {
    let Some(stream) = std::env::var_os("JOURNAL_STREAM") else { return false };
    let Some(stream) = stream.to_str() else { return false };
    match nix::sys::stat::fstat(std::io::stderr()) {
        Ok(st) => journal_stream_matches(stream, st.st_dev, st.st_ino),
        Err(_) => false,
    }
}

/// Installs the global subscriber for daemon `daemon` (the journal's
/// `SYSLOG_IDENTIFIER` is `helios64-<daemon>`). `level` is `--log-level`.
pub fn init(daemon: &str, level: Option<&str>) -> Result<LogTarget> {
    let env = std::env::var(LOG_ENV).ok();
    let filter = filter(level, env.as_deref())?;
    let mut journal_error = None;
    if stderr_is_the_journal() {
        match tracing_journald::layer() {
            Ok(layer) => {
                let layer = layer.with_syslog_identifier(format!("helios64-{daemon}"));
                tracing_subscriber::registry()
                    .with(filter)
                    .with(layer)
                    .try_init()
                    .map_err(|e| Error::Logging(e.to_string()))?;
                return Ok(LogTarget::Journal);
            }
            Err(e) => journal_error = Some(e),
        }
    }
    let layer = tracing_subscriber::fmt::layer()
        .compact()
        .with_target(false)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr);
    tracing_subscriber::registry()
        .with(filter)
        .with(layer)
        .try_init()
        .map_err(|e| Error::Logging(e.to_string()))?;
    if let Some(e) = journal_error {
        tracing::warn!("logging to stderr: the journal socket refused the connection: {e}");
    }
    Ok(LogTarget::Stderr)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_flag_wins_over_the_environment_and_bad_filters_are_usage_errors() {
        assert_eq!(filter(Some("debug"), Some("error")).unwrap().to_string(), "debug");
        assert_eq!(
            filter(None, Some("warn,helios64_service=trace")).unwrap().to_string(),
            "helios64_service=trace,warn"
        );
        assert_eq!(filter(None, None).unwrap().to_string(), "info");
        let error = filter(Some("loud=="), None).unwrap_err();
        assert!(matches!(error, Error::Usage(_)), "{error}");
        assert!(error.to_string().starts_with("invalid log filter \"loud==\""), "{error}");
    }

    #[test]
    fn journal_stream_must_name_stderr() {
        assert!(journal_stream_matches("8:12345", 8, 12345));
        assert!(journal_stream_matches("8:12345\n", 8, 12345));
        assert!(!journal_stream_matches("8:12345", 8, 1));
        assert!(!journal_stream_matches("8:12345", 9, 12345));
        assert!(!journal_stream_matches("garbage", 8, 12345));
        assert!(!journal_stream_matches("", 0, 0));
    }
}
