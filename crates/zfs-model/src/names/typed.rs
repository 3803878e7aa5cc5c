//! Typed names: a value of one of these types has passed its check, so the
//! backends (and anything else taking one) never check again.

use std::borrow::Borrow;
use std::fmt;
use std::str::FromStr;

use serde::de::{self, Deserialize, Deserializer};
use serde::{Serialize, Serializer};

use super::{check_bookmark, check_dataset, check_hold_tag, check_pool, check_snapshot, pool_of};
use crate::error::{Result, ZfsError};

/// Defines a checked string newtype: construction through `TryFrom`,
/// `FromStr` and `Deserialize` only, each running `$check`.
macro_rules! checked_name {
    ($(#[$doc:meta])* $name:ident, $check:path) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            /// The name as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The name as an owned string.
            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl TryFrom<&str> for $name {
            type Error = ZfsError;
            fn try_from(name: &str) -> Result<$name> {
                $check(name)?;
                Ok($name(name.to_owned()))
            }
        }

        impl TryFrom<String> for $name {
            type Error = ZfsError;
            fn try_from(name: String) -> Result<$name> {
                $check(&name)?;
                Ok($name(name))
            }
        }

        impl FromStr for $name {
            type Err = ZfsError;
            fn from_str(name: &str) -> Result<$name> {
                $name::try_from(name)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({:?})", stringify!($name), self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        // Sound: Eq, Ord and Hash are the derived ones of the one String.
        impl Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        impl From<$name> for String {
            fn from(name: $name) -> String {
                name.0
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }

        impl PartialEq<String> for $name {
            fn eq(&self, other: &String) -> bool {
                &self.0 == other
            }
        }

        impl PartialEq<$name> for str {
            fn eq(&self, other: &$name) -> bool {
                self == other.0
            }
        }

        impl PartialEq<$name> for &str {
            fn eq(&self, other: &$name) -> bool {
                *self == other.0
            }
        }

        impl PartialEq<$name> for String {
            fn eq(&self, other: &$name) -> bool {
                *self == other.0
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<$name, D::Error> {
                let name = String::deserialize(deserializer)?;
                $name::try_from(name).map_err(de::Error::custom)
            }
        }
    };
}

checked_name! {
    /// A pool name ([`check_pool`]): begins with a letter, so never with `-`.
    PoolName, check_pool
}

checked_name! {
    /// A filesystem or volume name, `pool/a/b` ([`check_dataset`]). A pool's
    /// own name is also its root dataset's.
    DatasetName, check_dataset
}

checked_name! {
    /// A snapshot name, `pool/a@snap` ([`check_snapshot`]).
    SnapshotName, check_snapshot
}

checked_name! {
    /// A bookmark name, `pool/a#mark` ([`check_bookmark`]).
    BookmarkName, check_bookmark
}

checked_name! {
    /// A user hold tag ([`check_hold_tag`]): almost any text, including a
    /// leading `-`, so command lines must pass it after `--`.
    HoldTag, check_hold_tag
}

impl PoolName {
    /// The pool's root dataset (it has the pool's name).
    pub fn dataset(&self) -> DatasetName {
        // Sound: every pool name is a dataset name (pool characters are a
        // subset, no `/`, shorter than the dataset limit, starts with a
        // letter so it is neither `.` nor `..`).
        DatasetName(self.0.clone())
    }
}

impl From<PoolName> for DatasetName {
    fn from(pool: PoolName) -> DatasetName {
        DatasetName(pool.0)
    }
}

impl DatasetName {
    /// The pool the dataset belongs to.
    pub fn pool(&self) -> PoolName {
        // Sound: check_dataset applied the pool rules to this component.
        PoolName(pool_of(&self.0).to_owned())
    }

    /// The parent dataset; `None` for a pool's root dataset.
    pub fn parent(&self) -> Option<DatasetName> {
        // Sound: a prefix of a dataset name up to a `/` is a dataset name
        // (fewer components, each already checked; shorter; less deep).
        self.0.rsplit_once('/').map(|(parent, _)| DatasetName(parent.to_owned()))
    }

    /// The child `self/component` (checked).
    pub fn child(&self, component: &str) -> Result<DatasetName> {
        DatasetName::try_from(format!("{}/{component}", self.0))
    }

    /// The snapshot `self@short` (checked).
    pub fn snapshot(&self, short: &str) -> Result<SnapshotName> {
        SnapshotName::try_from(format!("{}@{short}", self.0))
    }

    /// The bookmark `self#short` (checked).
    pub fn bookmark(&self, short: &str) -> Result<BookmarkName> {
        BookmarkName::try_from(format!("{}#{short}", self.0))
    }
}

/// Splits at the delimiter a checked name is known to have.
fn split_at_delimiter(name: &str, delim: char) -> (&str, &str) {
    name.split_once(delim).unwrap_or((name, ""))
}

impl SnapshotName {
    /// The snapshotted dataset: `pool/a` of `pool/a@snap`.
    pub fn dataset(&self) -> DatasetName {
        // Sound: check_snapshot checked this part with the dataset rules.
        DatasetName(split_at_delimiter(&self.0, '@').0.to_owned())
    }

    /// The part after the `@`: `snap` of `pool/a@snap`.
    pub fn short_name(&self) -> &str {
        split_at_delimiter(&self.0, '@').1
    }

    /// The pool the snapshot belongs to.
    pub fn pool(&self) -> PoolName {
        PoolName(pool_of(&self.0).to_owned())
    }
}

impl BookmarkName {
    /// The bookmarked dataset: `pool/a` of `pool/a#mark`.
    pub fn dataset(&self) -> DatasetName {
        // Sound: check_bookmark checked this part with the dataset rules.
        DatasetName(split_at_delimiter(&self.0, '#').0.to_owned())
    }

    /// The part after the `#`: `mark` of `pool/a#mark`.
    pub fn short_name(&self) -> &str {
        split_at_delimiter(&self.0, '#').1
    }

    /// The pool the bookmark belongs to.
    pub fn pool(&self) -> PoolName {
        PoolName(pool_of(&self.0).to_owned())
    }
}

/// A dataset or a snapshot: what has properties.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DatasetOrSnapshot {
    /// A filesystem or volume.
    Dataset(DatasetName),
    /// A snapshot.
    Snapshot(SnapshotName),
}

impl DatasetOrSnapshot {
    /// The name as text.
    pub fn as_str(&self) -> &str {
        match self {
            DatasetOrSnapshot::Dataset(name) => name.as_str(),
            DatasetOrSnapshot::Snapshot(name) => name.as_str(),
        }
    }

    /// The pool it belongs to.
    pub fn pool(&self) -> PoolName {
        PoolName(pool_of(self.as_str()).to_owned())
    }
}

/// A name with `@` is a snapshot's, any other a dataset's.
impl TryFrom<&str> for DatasetOrSnapshot {
    type Error = ZfsError;
    fn try_from(name: &str) -> Result<DatasetOrSnapshot> {
        if name.contains('@') {
            SnapshotName::try_from(name).map(DatasetOrSnapshot::Snapshot)
        } else {
            DatasetName::try_from(name).map(DatasetOrSnapshot::Dataset)
        }
    }
}

impl FromStr for DatasetOrSnapshot {
    type Err = ZfsError;
    fn from_str(name: &str) -> Result<DatasetOrSnapshot> {
        DatasetOrSnapshot::try_from(name)
    }
}

impl From<DatasetName> for DatasetOrSnapshot {
    fn from(name: DatasetName) -> DatasetOrSnapshot {
        DatasetOrSnapshot::Dataset(name)
    }
}

impl From<SnapshotName> for DatasetOrSnapshot {
    fn from(name: SnapshotName) -> DatasetOrSnapshot {
        DatasetOrSnapshot::Snapshot(name)
    }
}

impl From<PoolName> for DatasetOrSnapshot {
    fn from(pool: PoolName) -> DatasetOrSnapshot {
        DatasetOrSnapshot::Dataset(pool.into())
    }
}

impl fmt::Display for DatasetOrSnapshot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl AsRef<str> for DatasetOrSnapshot {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}
