//! Textfile mode: one scrape written where node_exporter's textfile
//! collector reads it.

use std::path::{Path, PathBuf};

use helios64_health::HealthConfig;
use helios64_service::Clock;

use crate::scrape::Scraper;

/// Why the file was not written.
#[derive(Debug, thiserror::Error)]
#[error("cannot write {}", path.display())]
pub struct WriteError {
    /// The file.
    pub path: PathBuf,
    /// Why.
    #[source]
    pub source: std::io::Error,
}

/// Scrapes once and writes `dir/name` atomically (a dot-prefixed temp
/// file in `dir`, fsync, rename: node_exporter reads the old file or the
/// new one, and skips the temp file). No sample carries a timestamp: the
/// collector rejects them. Returns the path and the verdict's summary.
pub fn write(
    scraper: &Scraper,
    config: &HealthConfig,
    clock: &dyn Clock,
    dir: &Path,
    name: &str,
) -> Result<(PathBuf, String), WriteError> {
    let scraped = scraper.scrape(config, clock);
    let path = dir.join(name);
    helios64_service::state::write_file_atomically(dir, &path, scraped.text.as_bytes(), 0o644)
        .map_err(|source| WriteError { path: path.clone(), source })?;
    Ok((path, scraped.health.summary))
}
