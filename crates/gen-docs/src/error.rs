//! What can stop the generator.

use std::path::PathBuf;

/// A file that could not be rendered or written, named.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// clap_mangen failed to render a page (it writes into memory, so
    /// this would be a bug in it).
    #[error("rendering the man page {page}: {source}")]
    Render {
        /// The page, `helios64-status.1`.
        page: String,
        /// Why.
        source: std::io::Error,
    },
    /// A directory could not be created.
    #[error("creating {}: {source}", path.display())]
    CreateDir {
        /// The directory.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A file could not be written.
    #[error("writing {}: {source}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}
