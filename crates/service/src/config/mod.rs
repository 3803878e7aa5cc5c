//! Layered TOML configuration with located errors.
//!
//! A daemon's configuration is one `serde` type with compiled-in defaults
//! ([`Config`]). [`ConfigSource::load`] builds it from, in order (later keys
//! win, tables merge key by key, arrays and scalars are replaced whole):
//!
//! 1. the compiled-in defaults (`C::default()`, serialized to TOML),
//! 2. `<dir>/<daemon>.toml` (absent: nothing), or the `--config FILE`
//!    given instead (which must exist),
//! 3. `<dir>/<daemon>.d/*.toml` in lexical order of the file names (not
//!    with `--config FILE`: an explicit file is the whole configuration,
//!    so `--check-config --config new.toml` checks exactly that file).
//!
//! Every error — TOML syntax, an unknown key, a wrong type, and the
//! daemon's own semantic check ([`Config::validate`]) — is a
//! [`ConfigError`] that reads `file:line:column: dotted.key: message`,
//! pointing into whichever file set the value last.

// The daemons' own configuration files, not board nodes: std::fs is right here.
#![allow(clippy::disallowed_methods)]

mod document;
mod example;
mod key;

use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde::de::DeserializeOwned;

pub use example::example_settings;
pub use key::{KeyPath, KeyPathError, Segment};

use crate::error::{Error, IoOp, Result};
use document::{Index, Sources};

/// Where daemons' config files live on the box.
pub const DEFAULT_DIR: &str = "/etc/helios64";

/// A daemon's configuration type.
///
/// Put `#[serde(deny_unknown_fields)]` on every struct so a misspelt key is
/// an error rather than a silently ignored line. Defaults come from
/// [`Default`]: the loader merges the files over the serialized defaults, so
/// `#[serde(default)]` is not needed for partial files (it does no harm).
pub trait Config: DeserializeOwned + Serialize + Default {
    /// Semantic checks that types cannot express ("curve points not sorted
    /// by temperature", "min_pwm > max_pwm"). Return the key the problem is
    /// at; the loader turns it into `file:line:column: key: message`.
    fn validate(&self) -> std::result::Result<(), Invalid> {
        Ok(())
    }
}

/// A semantic problem with a configuration, at a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    /// The key the problem is at, e.g. `fans.p6.curve[2].temp`.
    pub key: KeyPath,
    /// What is wrong, e.g. "40 is not above the previous point's 45".
    pub message: String,
}

impl Invalid {
    /// A problem at `key`.
    pub fn new(key: KeyPath, message: impl fmt::Display) -> Self {
        Invalid { key, message: message.to_string() }
    }

    /// A problem at a key written as text (`"fans.p6.curve[2].temp"`). Text
    /// that is not a key path is kept as one key, so the message is never
    /// lost to a typo in the daemon.
    pub fn at(key: &str, message: impl fmt::Display) -> Self {
        let key = key.parse().unwrap_or_else(|_| KeyPath::root().key(key));
        Invalid::new(key, message)
    }
}

/// Where configuration text came from.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Origin {
    /// The daemon's compiled-in defaults.
    Defaults,
    /// A file.
    File(PathBuf),
}

/// A place in a config source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The file (or the defaults).
    pub origin: Origin,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.origin {
            // Lines of the serialized defaults mean nothing to a user.
            Origin::Defaults => f.write_str("compiled-in defaults"),
            Origin::File(path) => write!(f, "{}:{}:{}", path.display(), self.line, self.column),
        }
    }
}

/// What kind of configuration problem a [`ConfigError`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ConfigErrorKind {
    /// Not valid TOML.
    Syntax,
    /// A key the daemon does not know (`deny_unknown_fields`).
    UnknownKey,
    /// A value of the wrong type or out of the type's range, an unknown
    /// enum variant, a missing required key.
    Type,
    /// The daemon's semantic check refused it ([`Config::validate`]).
    Invalid,
    /// The compiled-in defaults cannot be written as TOML: a bug in the
    /// daemon, found by its first test.
    Defaults,
}

/// A configuration problem, located: `file:line:column: key: message`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ConfigError {
    /// What kind of problem.
    pub kind: ConfigErrorKind,
    /// Where, when known.
    pub location: Option<Location>,
    /// The dotted key, when known (a syntax error outside any key has none).
    pub key: Option<KeyPath>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(location) = &self.location {
            write!(f, "{location}: ")?;
        }
        match &self.key {
            Some(key) if !key.is_root() => write!(f, "{key}: {}", self.message),
            _ => f.write_str(&self.message),
        }
    }
}

/// Where a daemon's configuration is read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigSource {
    daemon: String,
    dir: PathBuf,
    file: Option<PathBuf>,
}

impl ConfigSource {
    /// The layout on the box for daemon `daemon` (e.g. `fand`):
    /// `/etc/helios64/fand.toml` and `/etc/helios64/fand.d/*.toml`.
    pub fn new(daemon: impl Into<String>) -> Self {
        ConfigSource { daemon: daemon.into(), dir: DEFAULT_DIR.into(), file: None }
    }

    /// The same layout under another directory (tests, `--root` runs).
    #[must_use]
    pub fn with_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.dir = dir.into();
        self
    }

    /// One explicit file instead of the layout (`--config FILE`); it must
    /// exist, and no drop-ins are read.
    #[must_use]
    pub fn with_file(mut self, file: impl Into<PathBuf>) -> Self {
        self.file = Some(file.into());
        self
    }

    /// The daemon's name.
    pub fn daemon(&self) -> &str {
        &self.daemon
    }

    /// The main file: the explicit one, or `<dir>/<daemon>.toml`.
    pub fn main_file(&self) -> PathBuf {
        match &self.file {
            Some(file) => file.clone(),
            None => self.dir.join(format!("{}.toml", self.daemon)),
        }
    }

    /// The drop-in directory, `<dir>/<daemon>.d`, or `None` with an explicit
    /// file.
    pub fn drop_in_dir(&self) -> Option<PathBuf> {
        match self.file {
            Some(_) => None,
            None => Some(self.dir.join(format!("{}.d", self.daemon))),
        }
    }

    /// Reads, merges, deserializes and validates the configuration.
    pub fn load<C: Config>(&self) -> Result<Loaded<C>> {
        let mut sources = Sources::default();
        let defaults = toml::to_string(&C::default()).map_err(|e| ConfigError {
            kind: ConfigErrorKind::Defaults,
            location: None,
            key: None,
            message: format!("the compiled-in defaults cannot be written as TOML: {e}"),
        })?;
        sources.push(Origin::Defaults, defaults);

        let main = self.main_file();
        match fs::read_to_string(&main) {
            Ok(text) => sources.push(Origin::File(main), text),
            // Only the default file may be absent: an explicit one is a typo.
            Err(e) if e.kind() == io::ErrorKind::NotFound && self.file.is_none() => {}
            Err(source) => return Err(Error::Io { op: IoOp::ReadConfig, path: main, source }),
        }
        if let Some(dir) = self.drop_in_dir() {
            for path in drop_ins(&dir)? {
                let text = fs::read_to_string(&path).map_err(|source| Error::Io {
                    op: IoOp::ReadConfig,
                    path: path.clone(),
                    source,
                })?;
                sources.push(Origin::File(path), text);
            }
        }

        let merged = sources.merged()?;
        let locations = Index::of(merged.get_ref()).resolve(&sources);
        let deserializer = toml::de::Deserializer::from(merged);
        let config: C = serde_path_to_error::deserialize(deserializer)
            .map_err(|e| schema_error(&sources, &e))?;
        let files = sources.files().map(Path::to_path_buf).collect();
        let loaded = Loaded { config, files, locations };
        if let Err(invalid) = loaded.config.validate() {
            return Err(loaded.invalid(invalid).into());
        }
        Ok(loaded)
    }
}

/// The `*.toml` files of a drop-in directory in lexical (byte) order of
/// their names; none when the directory does not exist. Hidden files are
/// skipped: editors and package managers leave them behind.
fn drop_ins(dir: &Path) -> Result<Vec<PathBuf>> {
    let err = |source| Error::Io { op: IoOp::ListConfigDir, path: dir.into(), source };
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(err(e)),
    };
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.map_err(err)?;
        let path = entry.path();
        let name = path.file_name().map(|n| n.as_encoded_bytes()).unwrap_or_default();
        // The entry's own type (no stat that could turn EACCES into "not a
        // directory"); a link is followed when it is read, and a link to a
        // directory is then an error naming it.
        if name.starts_with(b".")
            || !name.ends_with(b".toml")
            || entry.file_type().map_err(err)?.is_dir()
        {
            continue;
        }
        files.push(path);
    }
    files.sort_by(|a, b| a.file_name().cmp(&b.file_name()));
    Ok(files)
}

/// A deserialization error, located by `toml`'s span and named by the path
/// serde_path_to_error recorded.
fn schema_error(
    sources: &Sources,
    error: &serde_path_to_error::Error<toml::de::Error>,
) -> ConfigError {
    let inner = error.inner();
    let message = inner.message();
    let (kind, message) = match message.strip_prefix("unknown field") {
        Some(rest) => (ConfigErrorKind::UnknownKey, format!("unknown key{rest}")),
        None => (ConfigErrorKind::Type, message.to_owned()),
    };
    ConfigError {
        kind,
        location: inner.span().and_then(|span| sources.locate(span.start)),
        key: Some(KeyPath::from_serde(error.path())),
        message,
    }
}

/// A loaded configuration and where each of its keys came from.
#[derive(Debug, Clone)]
pub struct Loaded<C> {
    config: C,
    files: Vec<PathBuf>,
    locations: std::collections::BTreeMap<KeyPath, Location>,
}

impl<C> Loaded<C> {
    /// The configuration.
    pub fn config(&self) -> &C {
        &self.config
    }

    /// The configuration, without its locations.
    pub fn into_config(self) -> C {
        self.config
    }

    /// The files read, in merge order (empty: defaults only).
    pub fn files(&self) -> &[PathBuf] {
        &self.files
    }

    /// Where `key` was last set in a file, or else the nearest enclosing
    /// table a file wrote to (a key only the defaults set is pointed at
    /// the table the user edited); the compiled-in defaults when no file
    /// touched any of it; `None` for a key that exists nowhere.
    pub fn locate(&self, key: &KeyPath) -> Option<&Location> {
        let mut fallback = None;
        let mut at = Some(key.clone());
        while let Some(key) = at {
            if let Some(location) = self.locations.get(&key) {
                if location.origin != Origin::Defaults {
                    return Some(location);
                }
                fallback = fallback.or(Some(location));
            }
            at = key.parent();
        }
        fallback
    }

    /// A located error for a semantic problem the daemon found, here or
    /// later (e.g. a fan named in the config is not on this board).
    pub fn invalid(&self, invalid: Invalid) -> ConfigError {
        ConfigError {
            kind: ConfigErrorKind::Invalid,
            location: self.locate(&invalid.key).cloned(),
            key: Some(invalid.key),
            message: invalid.message,
        }
    }
}

impl<C: Serialize> Loaded<C> {
    /// The effective configuration as TOML, headed by the files it came
    /// from: what `--check-config` prints.
    pub fn effective_toml(&self) -> Result<String> {
        let body = toml::to_string_pretty(&self.config).map_err(|e| ConfigError {
            kind: ConfigErrorKind::Defaults,
            location: None,
            key: None,
            message: format!("the configuration cannot be written as TOML: {e}"),
        })?;
        let mut text = String::from("# effective configuration: compiled-in defaults");
        for file in &self.files {
            text.push_str(" + ");
            text.push_str(&file.display().to_string());
        }
        text.push('\n');
        text.push_str(&body);
        Ok(text)
    }
}

#[cfg(test)]
mod tests;
