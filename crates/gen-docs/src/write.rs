//! Writing the rendered files under the output directory.

use std::path::{Path, PathBuf};

use crate::{Error, File};

/// Writes `file` under `out_dir`, creating its directory; gives its path.
// The output tree the user named, not a board node (ADR 0001 is about the
// board's filesystem).
#[allow(clippy::disallowed_methods)]
pub(crate) fn file(out_dir: &Path, file: &File) -> Result<PathBuf, Error> {
    let path = out_dir.join(&file.path);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|source| Error::CreateDir { path: dir.to_owned(), source })?;
    }
    std::fs::write(&path, &file.contents)
        .map_err(|source| Error::Write { path: path.clone(), source })?;
    Ok(path)
}
