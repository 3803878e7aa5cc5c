//! Dotted key paths into a config document: `fans.p6.curve[2].temp`.

use std::fmt;
use std::str::FromStr;

/// One step of a [`KeyPath`]: a table key or an array index.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Segment {
    /// A key of a table.
    Key(String),
    /// An index into an array (0-based).
    Index(usize),
}

/// A path from the document root to a value, written the way users read
/// it: keys joined by `.`, array indices in brackets, keys that are not
/// bare TOML keys quoted (`fans."p6 left".min_pwm`).
///
/// ```
/// use helios64_service::config::KeyPath;
/// let key = KeyPath::root().key("fans").key("p6").key("curve").index(2).key("temp");
/// assert_eq!(key.to_string(), "fans.p6.curve[2].temp");
/// assert_eq!("fans.p6.curve[2].temp".parse::<KeyPath>().unwrap(), key);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KeyPath {
    segments: Vec<Segment>,
}

impl KeyPath {
    /// The empty path: the whole document.
    pub fn root() -> Self {
        KeyPath::default()
    }

    /// This path followed by table key `key`.
    #[must_use]
    pub fn key(mut self, key: impl Into<String>) -> Self {
        self.segments.push(Segment::Key(key.into()));
        self
    }

    /// This path followed by array index `index`.
    #[must_use]
    pub fn index(mut self, index: usize) -> Self {
        self.segments.push(Segment::Index(index));
        self
    }

    /// The steps, from the root.
    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    /// Whether this is the root.
    pub fn is_root(&self) -> bool {
        self.segments.is_empty()
    }

    /// The path one step up, or `None` at the root.
    pub fn parent(&self) -> Option<KeyPath> {
        let (_, rest) = self.segments.split_last()?;
        Some(KeyPath { segments: rest.to_vec() })
    }

    pub(crate) fn push(&mut self, segment: Segment) {
        self.segments.push(segment);
    }

    pub(crate) fn pop(&mut self) {
        self.segments.pop();
    }

    /// The path serde_path_to_error recorded for a failed deserialization.
    pub(crate) fn from_serde(path: &serde_path_to_error::Path) -> Self {
        use serde_path_to_error::Segment as S;
        let mut key = KeyPath::root();
        for segment in path.iter() {
            match segment {
                S::Seq { index } => key.push(Segment::Index(*index)),
                S::Map { key: k } | S::Enum { variant: k } => key.push(Segment::Key(k.clone())),
                S::Unknown => {}
            }
        }
        key
    }
}

fn is_bare(key: &str) -> bool {
    !key.is_empty() && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

impl fmt::Display for KeyPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, segment) in self.segments.iter().enumerate() {
            match segment {
                Segment::Index(n) => write!(f, "[{n}]")?,
                Segment::Key(k) => {
                    if i > 0 {
                        f.write_str(".")?;
                    }
                    if is_bare(k) {
                        f.write_str(k)?;
                    } else {
                        // A TOML basic string: what a user would write.
                        write!(f, "\"{}\"", k.replace('\\', "\\\\").replace('"', "\\\""))?;
                    }
                }
            }
        }
        Ok(())
    }
}

/// A string that is not a key path.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed key path {path:?}: {reason}")]
pub struct KeyPathError {
    /// The text given.
    pub path: String,
    /// What is wrong at which point.
    pub reason: &'static str,
}

impl FromStr for KeyPath {
    type Err = KeyPathError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = |reason| KeyPathError { path: s.to_owned(), reason };
        let mut key = KeyPath::root();
        let mut chars = s.chars().peekable();
        // After a segment, only `.`, `[` or the end may follow.
        let mut need_separator = false;
        while let Some(&c) = chars.peek() {
            match c {
                '[' => {
                    chars.next();
                    let mut digits = String::new();
                    while let Some(&d) = chars.peek() {
                        if d == ']' {
                            break;
                        }
                        digits.push(d);
                        chars.next();
                    }
                    if chars.next() != Some(']') {
                        return Err(err("unclosed `[`"));
                    }
                    let n = digits.parse().map_err(|_| err("an index must be a number"))?;
                    key.push(Segment::Index(n));
                    need_separator = true;
                }
                '.' if need_separator => {
                    chars.next();
                    need_separator = false;
                    if chars.peek().is_none() {
                        return Err(err("a trailing `.`"));
                    }
                }
                _ if need_separator => return Err(err("`.` or `[` expected after a key")),
                '"' => {
                    chars.next();
                    let mut text = String::new();
                    loop {
                        match chars.next() {
                            None => return Err(err("unclosed `\"`")),
                            Some('"') => break,
                            Some('\\') => match chars.next() {
                                Some(e @ ('"' | '\\')) => text.push(e),
                                _ => return Err(err("only \\\" and \\\\ escapes are known")),
                            },
                            Some(other) => text.push(other),
                        }
                    }
                    key.push(Segment::Key(text));
                    need_separator = true;
                }
                _ => {
                    let mut text = String::new();
                    while let Some(&b) = chars.peek() {
                        if b == '.' || b == '[' {
                            break;
                        }
                        text.push(b);
                        chars.next();
                    }
                    if !is_bare(&text) {
                        return Err(err("keys other than A-Za-z0-9_- must be quoted"));
                    }
                    key.push(Segment::Key(text));
                    need_separator = true;
                }
            }
        }
        if !s.is_empty() && !need_separator {
            return Err(err("an empty key"));
        }
        Ok(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_text() {
        for text in ["fans", "fans.p6.curve[2].temp", "a[0][1]", "fans.\"p6 left\".min", ""] {
            let key: KeyPath = text.parse().unwrap();
            assert_eq!(key.to_string(), text);
        }
        let quoted = KeyPath::root().key("a\"b");
        assert_eq!(quoted.to_string().parse::<KeyPath>().unwrap(), quoted);
    }

    #[test]
    fn rejects_malformed_paths() {
        for bad in ["fans.", ".fans", "a..b", "a[x]", "a[1", "a b", "a\"b\"", "\"open"] {
            assert!(bad.parse::<KeyPath>().is_err(), "{bad:?} parsed");
        }
    }

    #[test]
    fn parent_walks_up() {
        let key: KeyPath = "a.b[3]".parse().unwrap();
        assert_eq!(key.parent().unwrap().to_string(), "a.b");
        assert_eq!(KeyPath::root().parent(), None);
    }
}
