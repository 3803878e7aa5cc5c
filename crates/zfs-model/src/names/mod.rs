//! ZFS name syntax, checked once, when a typed name is made.
//!
//! The rules are a port of OpenZFS `module/zcommon/zfs_namecheck.c`
//! (`entity_namecheck`, `pool_namecheck`, `snapshot_namecheck`,
//! `dataset_namecheck`, `bookmark_namecheck`, `zfs_component_namecheck`)
//! and of `zfs_prop_user`, so a name accepted here is one the kernel
//! accepts, and a rejected name fails with a reason instead of a bare
//! `EINVAL`. Where this is stricter than the kernel, it refuses names that
//! can never exist (see [`check_snapshot`]).
//!
//! The [`Zfs`](crate::Zfs) trait takes typed names ([`PoolName`],
//! [`DatasetName`], [`SnapshotName`], [`BookmarkName`], [`HoldTag`]): each is
//! checked in its `TryFrom<&str>`/`FromStr` (and when deserialized), so a
//! backend never sees an unchecked name. None of them can start with `-`
//! (the pool component must begin with a letter), so none can be mistaken
//! for an option by `zpool`/`zfs`; hold tags can, and the CLI backend passes
//! them after `--`.

use std::fmt;

use crate::error::{Result, ZfsError};

mod typed;

pub use typed::{BookmarkName, DatasetName, DatasetOrSnapshot, HoldTag, PoolName, SnapshotName};

/// Names are shorter than this many bytes (`ZFS_MAX_DATASET_NAME_LEN`,
/// which counts the terminating NUL).
pub const MAX_NAME_LEN: usize = 256;

/// `zfs_max_dataset_nesting`'s default: deeper datasets are refused.
pub const MAX_NESTING: usize = 50;

/// User property names are shorter than this many bytes (`ZAP_MAXNAMELEN`).
pub const MAX_USER_PROPERTY_NAME_LEN: usize = 256;

/// User property values are shorter than this many bytes (`ZAP_MAXVALUELEN`).
pub const MAX_USER_PROPERTY_VALUE_LEN: usize = 8192;

/// What a name names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum NameKind {
    /// A pool.
    Pool,
    /// A filesystem or volume: `pool/a/b`.
    Dataset,
    /// A snapshot: `pool/a@snap`.
    Snapshot,
    /// A bookmark: `pool/a#mark`.
    Bookmark,
    /// A user hold tag.
    HoldTag,
    /// A user property name: `module:name`.
    UserProperty,
}

impl fmt::Display for NameKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            NameKind::Pool => "pool",
            NameKind::Dataset => "dataset",
            NameKind::Snapshot => "snapshot",
            NameKind::Bookmark => "bookmark",
            NameKind::HoldTag => "hold tag",
            NameKind::UserProperty => "user property",
        })
    }
}

/// Why a name is not valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum NameError {
    /// Empty name, or an empty component (`a//b`, `a@`).
    EmptyComponent,
    /// At least [`MAX_NAME_LEN`] bytes.
    TooLong,
    /// A character outside `[A-Za-z0-9-_.: ]` (and `%` inside datasets).
    InvalidChar(char),
    /// Starts with `/`.
    LeadingSlash,
    /// Ends with `/`, or has a `/` after the `@`.
    TrailingSlash,
    /// A component is `.`.
    SelfReference,
    /// A component is `..`.
    ParentReference,
    /// More than one `@` or `#`.
    MultipleDelimiters,
    /// A snapshot name without `@`.
    NoAt,
    /// A bookmark name without `#`.
    NoHash,
    /// A dataset name with `@` or `#`.
    UnexpectedDelimiter,
    /// A user property name without `:`.
    NoColon,
    /// A pool name that does not start with a letter.
    NoLetter,
    /// A pool name ZFS reserves (`mirror`, `raidz`, `draid`).
    Reserved,
    /// More than [`MAX_NESTING`] levels of `/`.
    TooDeep,
    /// Contains a NUL byte (cannot be passed to C).
    Nul,
}

impl fmt::Display for NameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NameError::EmptyComponent => f.write_str("empty component"),
            NameError::TooLong => write!(f, "must be shorter than {MAX_NAME_LEN} bytes"),
            NameError::InvalidChar(c) => write!(f, "invalid character {c:?}"),
            NameError::LeadingSlash => f.write_str("leading slash"),
            NameError::TrailingSlash => f.write_str("trailing slash"),
            NameError::SelfReference => f.write_str("component is '.'"),
            NameError::ParentReference => f.write_str("component is '..'"),
            NameError::MultipleDelimiters => f.write_str("more than one '@' or '#'"),
            NameError::NoAt => f.write_str("missing '@'"),
            NameError::NoHash => f.write_str("missing '#'"),
            NameError::UnexpectedDelimiter => f.write_str("'@' or '#' in a dataset name"),
            NameError::NoColon => f.write_str("missing ':' (user properties are module:name)"),
            NameError::NoLetter => f.write_str("must begin with a letter"),
            NameError::Reserved => f.write_str("name is reserved"),
            NameError::TooDeep => write!(f, "nested deeper than {MAX_NESTING} levels"),
            NameError::Nul => f.write_str("contains a NUL byte"),
        }
    }
}

fn valid_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':' | ' ')
}

/// `entity_namecheck`: the shape shared by datasets, snapshots and bookmarks.
fn entity(name: &str) -> std::result::Result<(), NameError> {
    if name.contains('\0') {
        return Err(NameError::Nul);
    }
    if name.len() >= MAX_NAME_LEN {
        return Err(NameError::TooLong);
    }
    if name.starts_with('/') {
        return Err(NameError::LeadingSlash);
    }
    if name.is_empty() {
        return Err(NameError::EmptyComponent);
    }
    if name.ends_with('/') {
        return Err(NameError::TrailingSlash);
    }
    let mut found_delim = false;
    let mut rest = name;
    loop {
        let end = rest.find(['/', '@', '#']).unwrap_or(rest.len());
        let component = &rest[..end];
        let delim = rest[end..].chars().next();
        if let Some(bad) = component.chars().find(|&c| !valid_char(c) && c != '%') {
            return Err(NameError::InvalidChar(bad));
        }
        if matches!(delim, None | Some('/')) {
            match component {
                "." => return Err(NameError::SelfReference),
                ".." => return Err(NameError::ParentReference),
                _ => {}
            }
        }
        if matches!(delim, Some('@' | '#')) {
            if found_delim {
                return Err(NameError::MultipleDelimiters);
            }
            found_delim = true;
        }
        if component.is_empty() {
            return Err(NameError::EmptyComponent);
        }
        match delim {
            None => break,
            Some('/') if found_delim => return Err(NameError::TrailingSlash),
            Some(_) => rest = &rest[end + 1..],
        }
    }
    let depth = name.split(['@', '#']).next().unwrap_or("").matches('/').count();
    if depth >= MAX_NESTING {
        return Err(NameError::TooDeep);
    }
    Ok(())
}

fn pool_rules(pool: &str) -> std::result::Result<(), NameError> {
    if pool.contains('\0') {
        return Err(NameError::Nul);
    }
    // Room for "pool/$ORIGIN@$ORIGIN", which every pool snapshots internally.
    if pool.len() >= MAX_NAME_LEN - 2 - 2 * "$ORIGIN".len() {
        return Err(NameError::TooLong);
    }
    if let Some(bad) = pool.chars().find(|&c| !valid_char(c)) {
        return Err(NameError::InvalidChar(bad));
    }
    if !pool.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return Err(NameError::NoLetter);
    }
    if matches!(pool, "mirror" | "raidz" | "draid") {
        return Err(NameError::Reserved);
    }
    Ok(())
}

fn invalid(kind: NameKind, name: &str, reason: NameError) -> ZfsError {
    ZfsError::InvalidName { kind, name: name.to_owned(), reason }
}

/// `zfs_component_namecheck`: the short name of a snapshot or bookmark, which
/// the kernel checks with `valid_char` alone. In particular `%` is refused,
/// which `entity_namecheck` allows in dataset components: `zfs destroy`
/// would read `fs@a%b` as the range of snapshots from `a` to `b`.
fn short_name_rules(short: &str) -> std::result::Result<(), NameError> {
    match short.chars().find(|&c| !valid_char(c)) {
        Some(bad) => Err(NameError::InvalidChar(bad)),
        None => Ok(()),
    }
}

/// Checks a pool name.
pub fn check_pool(name: &str) -> Result<()> {
    pool_rules(name).map_err(|r| invalid(NameKind::Pool, name, r))
}

fn dataset_rules(name: &str) -> std::result::Result<(), NameError> {
    entity(name)?;
    if name.contains(['@', '#']) {
        return Err(NameError::UnexpectedDelimiter);
    }
    pool_rules(pool_of(name))
}

/// Checks a filesystem or volume name (`pool/a/b`).
pub fn check_dataset(name: &str) -> Result<()> {
    dataset_rules(name).map_err(|r| invalid(NameKind::Dataset, name, r))
}

/// The shape shared by snapshots (`delim` `@`) and bookmarks (`#`): an
/// entity whose part before the delimiter is a dataset name and whose part
/// after it is a short name.
fn delimited_rules(
    name: &str,
    delim: char,
    missing: NameError,
) -> std::result::Result<(), NameError> {
    // One delimiter at most (entity), so having this one means not the other.
    entity(name)?;
    let Some((dataset, short)) = name.split_once(delim) else { return Err(missing) };
    // Stricter than `entity_namecheck`, which skips the `.`/`..` check for
    // the component before the delimiter: `tank/.@s` names a snapshot of a
    // dataset that cannot exist.
    dataset_rules(dataset)?;
    short_name_rules(short)
}

/// Checks a snapshot name (`pool/a@snap`): its dataset part must be a
/// dataset name and its short name may not contain `%`.
pub fn check_snapshot(name: &str) -> Result<()> {
    delimited_rules(name, '@', NameError::NoAt).map_err(|r| invalid(NameKind::Snapshot, name, r))
}

/// Checks a bookmark name (`pool/a#mark`), with the rules of
/// [`check_snapshot`].
pub fn check_bookmark(name: &str) -> Result<()> {
    delimited_rules(name, '#', NameError::NoHash).map_err(|r| invalid(NameKind::Bookmark, name, r))
}

/// Checks a hold tag: a non-empty string without NUL, shorter than
/// [`MAX_NAME_LEN`] bytes. Anything else goes, including a leading `-`.
///
/// The length rule is stricter than the kernel's on purpose: OpenZFS 2.1 to
/// 2.4 (`dsl_dataset_user_hold_check`) accepts a tag of exactly 256 bytes
/// for a permanent hold, then fails to store it and trips a `VERIFY` in
/// `dsl_dataset_user_hold_sync_one_impl`, panicking the kernel module (seen
/// in the test VM with 2.3.2). `helios64_zfs::lzc::Lzc::hold` applies this
/// check too.
pub fn check_hold_tag(tag: &str) -> Result<()> {
    if tag.contains('\0') {
        return Err(invalid(NameKind::HoldTag, tag, NameError::Nul));
    }
    if tag.is_empty() {
        return Err(invalid(NameKind::HoldTag, tag, NameError::EmptyComponent));
    }
    if tag.len() >= MAX_NAME_LEN {
        return Err(invalid(NameKind::HoldTag, tag, NameError::TooLong));
    }
    Ok(())
}

/// Checks a user property (`module:name` = value) as the kernel's
/// `zfs_check_userprops` does: the name is `zfs_prop_user` (lower-case
/// letters, digits, `-_.:`, with at least one `:`) and shorter than
/// [`MAX_USER_PROPERTY_NAME_LEN`]; the value has no NUL and is shorter than
/// [`MAX_USER_PROPERTY_VALUE_LEN`]. Names cannot contain `=`, so
/// `zfs snapshot -o name=value` is unambiguous.
pub fn check_user_property(name: &str, value: &str) -> Result<()> {
    let err = |r| invalid(NameKind::UserProperty, name, r);
    if name.contains('\0') {
        return Err(err(NameError::Nul));
    }
    if name.is_empty() {
        return Err(err(NameError::EmptyComponent));
    }
    if name.len() >= MAX_USER_PROPERTY_NAME_LEN {
        return Err(err(NameError::TooLong));
    }
    let property_char = |c: char| {
        c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_' | '.' | ':')
    };
    if let Some(bad) = name.chars().find(|&c| !property_char(c)) {
        return Err(err(NameError::InvalidChar(bad)));
    }
    if !name.contains(':') {
        return Err(err(NameError::NoColon));
    }
    let bad_value = |reason: &str| ZfsError::InvalidArgument {
        what: "user property value",
        target: name.to_owned(),
        reason: reason.to_owned(),
    };
    if value.contains('\0') {
        return Err(bad_value("contains a NUL byte"));
    }
    if value.len() >= MAX_USER_PROPERTY_VALUE_LEN {
        return Err(bad_value(&format!(
            "must be shorter than {MAX_USER_PROPERTY_VALUE_LEN} bytes"
        )));
    }
    Ok(())
}

/// A name ZFS itself reported (a listing, a status), typed. One that fails
/// its check is malformed output (`what` for `target`), not invalid input
/// from the caller.
pub fn reported<T>(what: &'static str, target: &str, name: String) -> Result<T>
where
    T: TryFrom<String, Error = ZfsError>,
{
    T::try_from(name).map_err(|e| ZfsError::malformed(what, target, e.to_string()))
}

/// The pool a dataset, snapshot or bookmark name belongs to.
pub fn pool_of(name: &str) -> &str {
    let end = name.find(['/', '@', '#']).unwrap_or(name.len());
    &name[..end]
}

/// Splits `pool/fs@snap` into `("pool/fs", "snap")`.
pub fn split_snapshot(name: &str) -> Option<(&str, &str)> {
    name.split_once('@')
}

/// Joins names for an error's target, keeping it short: `a`, `a, b`, or
/// `a and 2 more`.
pub fn describe<S: AsRef<str>>(names: &[S]) -> String {
    match names {
        [] => "(nothing)".to_owned(),
        [one] => one.as_ref().to_owned(),
        [a, b] => format!("{}, {}", a.as_ref(), b.as_ref()),
        [a, rest @ ..] => format!("{} and {} more", a.as_ref(), rest.len()),
    }
}

#[cfg(test)]
mod tests;
