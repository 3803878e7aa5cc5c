//! ZFS name syntax, checked before a name reaches the kernel.
//!
//! A port of OpenZFS `module/zcommon/zfs_namecheck.c` (`entity_namecheck`,
//! `pool_namecheck`, `snapshot_namecheck`, `dataset_namecheck`): the same
//! rules, so a name accepted here is one the kernel accepts, and a rejected
//! name fails with a reason instead of a bare `EINVAL`.

use std::fmt;

use crate::error::{Result, ZfsError};

/// Names are shorter than this many bytes (`ZFS_MAX_DATASET_NAME_LEN`,
/// which counts the terminating NUL).
pub const MAX_NAME_LEN: usize = 256;

/// `zfs_max_dataset_nesting`'s default: deeper datasets are refused.
pub const MAX_NESTING: usize = 50;

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
    /// A user hold tag.
    HoldTag,
}

impl fmt::Display for NameKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            NameKind::Pool => "pool",
            NameKind::Dataset => "dataset",
            NameKind::Snapshot => "snapshot",
            NameKind::HoldTag => "hold tag",
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
    /// A dataset name with `@` or `#`.
    UnexpectedDelimiter,
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
            NameError::UnexpectedDelimiter => f.write_str("'@' or '#' in a dataset name"),
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

/// Checks a pool name.
pub fn check_pool(name: &str) -> Result<()> {
    pool_rules(name).map_err(|r| invalid(NameKind::Pool, name, r))
}

/// Checks a filesystem or volume name (`pool/a/b`).
pub fn check_dataset(name: &str) -> Result<()> {
    let err = |r| invalid(NameKind::Dataset, name, r);
    entity(name).map_err(err)?;
    if name.contains(['@', '#']) {
        return Err(err(NameError::UnexpectedDelimiter));
    }
    pool_rules(pool_of(name)).map_err(err)
}

/// Checks a snapshot name (`pool/a@snap`).
pub fn check_snapshot(name: &str) -> Result<()> {
    let err = |r| invalid(NameKind::Snapshot, name, r);
    entity(name).map_err(err)?;
    if !name.contains('@') {
        return Err(err(NameError::NoAt));
    }
    if name.contains('#') {
        return Err(err(NameError::InvalidChar('#')));
    }
    pool_rules(pool_of(name)).map_err(err)
}

/// Checks a hold tag: a non-empty string without NUL, shorter than
/// [`MAX_NAME_LEN`] bytes.
///
/// The length rule is stricter than the kernel's on purpose: OpenZFS 2.1 to
/// 2.4 (`dsl_dataset_user_hold_check`) accepts a tag of exactly 256 bytes
/// for a permanent hold, then fails to store it and trips a `VERIFY` in
/// `dsl_dataset_user_hold_sync_one_impl`, panicking the kernel module (seen
/// in the test VM with 2.3.2). [`crate::lzc::Lzc::hold`] applies this check
/// too.
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

/// The pool a dataset, snapshot or bookmark name belongs to.
pub fn pool_of(name: &str) -> &str {
    let end = name.find(['/', '@', '#']).unwrap_or(name.len());
    &name[..end]
}

/// Splits `pool/fs@snap` into `("pool/fs", "snap")`.
pub fn split_snapshot(name: &str) -> Option<(&str, &str)> {
    name.split_once('@')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    fn reason(r: Result<()>) -> Option<NameError> {
        match r {
            Ok(()) => None,
            Err(ZfsError::InvalidName { reason, .. }) => Some(reason),
            Err(other) => panic!("unexpected error {other:?}"),
        }
    }

    #[test]
    fn good_names_pass() {
        for ds in ["tank", "tank/a", "tank/a b/c:d.e-f_g", "t/%recv"] {
            assert_eq!(reason(check_dataset(ds)), None, "{ds}");
        }
        for snap in ["tank@s", "tank/a@autosnap_2025-01-01_00:00:00_daily", "tank/a@x y"] {
            assert_eq!(reason(check_snapshot(snap)), None, "{snap}");
        }
        assert_eq!(reason(check_pool("Tank-1.x:y")), None);
    }

    #[test]
    fn dataset_rules_follow_zfs_namecheck() {
        let cases = [
            ("", NameError::EmptyComponent),
            ("/tank", NameError::LeadingSlash),
            ("tank/", NameError::TrailingSlash),
            ("tank//a", NameError::EmptyComponent),
            ("tank/./a", NameError::SelfReference),
            ("tank/..", NameError::ParentReference),
            ("tank/a*b", NameError::InvalidChar('*')),
            ("tank/a@b", NameError::UnexpectedDelimiter),
            ("1tank/a", NameError::NoLetter),
            ("mirror/a", NameError::Reserved),
            ("tank/a\0b", NameError::Nul),
        ];
        for (name, expected) in cases {
            assert_eq!(reason(check_dataset(name)), Some(expected), "{name:?}");
        }
    }

    #[test]
    fn snapshot_rules_follow_zfs_namecheck() {
        let cases = [
            ("tank/a", NameError::NoAt),
            ("tank/a@", NameError::EmptyComponent),
            ("tank@a@b", NameError::MultipleDelimiters),
            ("tank@a/b", NameError::TrailingSlash),
            ("tank@a#b", NameError::MultipleDelimiters),
            ("tank@a!", NameError::InvalidChar('!')),
            ("@snap", NameError::EmptyComponent),
        ];
        for (name, expected) in cases {
            assert_eq!(reason(check_snapshot(name)), Some(expected), "{name:?}");
        }
    }

    #[test]
    fn length_limits_are_the_kernel_limits() {
        let at_limit = format!("tank/{}", "a".repeat(MAX_NAME_LEN - 1 - 5));
        assert_eq!(at_limit.len(), MAX_NAME_LEN - 1);
        assert_eq!(reason(check_dataset(&at_limit)), None);
        let too_long = format!("{at_limit}a");
        assert_eq!(reason(check_dataset(&too_long)), Some(NameError::TooLong));
        let err = check_snapshot(&format!("tank@{}", "s".repeat(300))).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NameTooLong);
        // Pools leave room for "/$ORIGIN@$ORIGIN".
        assert_eq!(reason(check_pool(&"p".repeat(240))), Some(NameError::TooLong));
        assert_eq!(reason(check_pool(&"p".repeat(200))), None);
    }

    #[test]
    fn nesting_limit() {
        let deep = format!("tank{}", "/a".repeat(MAX_NESTING));
        assert_eq!(reason(check_dataset(&deep)), Some(NameError::TooDeep));
        let ok = format!("tank{}", "/a".repeat(MAX_NESTING - 1));
        assert_eq!(reason(check_dataset(&ok)), None);
    }

    #[test]
    fn pool_and_split_helpers() {
        assert_eq!(pool_of("tank/a/b@s"), "tank");
        assert_eq!(pool_of("tank@s"), "tank");
        assert_eq!(pool_of("tank"), "tank");
        assert_eq!(split_snapshot("tank/a@s"), Some(("tank/a", "s")));
        assert_eq!(split_snapshot("tank/a"), None);
    }

    #[test]
    fn hold_tags() {
        assert!(check_hold_tag("keep").is_ok());
        assert_eq!(reason(check_hold_tag("")), Some(NameError::EmptyComponent));
        assert_eq!(reason(check_hold_tag("a\0")), Some(NameError::Nul));
        assert_eq!(reason(check_hold_tag(&"t".repeat(255))), None);
        assert_eq!(reason(check_hold_tag(&"t".repeat(256))), Some(NameError::TooLong));
    }
}
