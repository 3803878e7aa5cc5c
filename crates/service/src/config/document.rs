//! Several TOML sources (the compiled-in defaults, the main file, the
//! drop-ins) merged into one span-preserving document.
//!
//! Each source is parsed on its own with `toml`'s span-preserving parser,
//! then every span is shifted by the source's offset in one virtual buffer
//! (source *i* occupies `offset_i .. offset_i + len_i`). The merged document
//! is deserialized with `toml`'s own deserializer, so its errors carry a
//! span, and that span alone says which file, line and column set the value
//! that failed. A daemon's semantic error names a key instead; the index
//! built here maps every key to where it was last set.

use std::collections::BTreeMap;
use std::ops::Range;

use serde_spanned::Spanned;
use toml::de::{DeArray, DeTable, DeValue};

use super::key::{KeyPath, Segment};
use super::{ConfigError, ConfigErrorKind, Location, Origin};

/// One source's text and where it sits in the virtual buffer.
#[derive(Debug)]
pub(crate) struct Source {
    pub(crate) origin: Origin,
    pub(crate) text: String,
    offset: usize,
    /// Byte offsets of each line's first byte, for line/column lookups.
    line_starts: Vec<usize>,
}

/// The sources of one load, in merge order (later wins).
#[derive(Debug, Default)]
pub(crate) struct Sources {
    sources: Vec<Source>,
}

impl Sources {
    pub(crate) fn push(&mut self, origin: Origin, text: String) {
        // One byte of gap so a span at the very end of one source is never
        // read as the start of the next.
        let offset = self.sources.last().map_or(0, |s| s.offset + s.text.len() + 1);
        let line_starts =
            std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i + 1)).collect();
        self.sources.push(Source { origin, text, offset, line_starts });
    }

    /// The files among the sources (not the compiled-in defaults).
    pub(crate) fn files(&self) -> impl Iterator<Item = &std::path::Path> {
        self.sources.iter().filter_map(|s| match &s.origin {
            Origin::File(path) => Some(path.as_path()),
            Origin::Defaults => None,
        })
    }

    /// Where global offset `at` is: its source, 1-based line and column
    /// (in characters).
    pub(crate) fn locate(&self, at: usize) -> Option<Location> {
        let index = self.sources.partition_point(|s| s.offset <= at).checked_sub(1)?;
        let source = &self.sources[index];
        let local = (at - source.offset).min(source.text.len());
        let line = source.line_starts.partition_point(|&start| start <= local);
        let line_start = source.line_starts[line - 1];
        let column = source.text.get(line_start..local).map_or(1, |s| s.chars().count() + 1);
        Some(Location { origin: source.origin.clone(), line, column })
    }

    /// Parses every source and merges them in order. A syntax error names
    /// its file, line, column and, when the parser recovered far enough to
    /// tell, the key being written.
    pub(crate) fn merged(&self) -> Result<Spanned<DeTable<'_>>, ConfigError> {
        let mut merged = DeTable::new();
        let mut span = 0..0;
        for source in &self.sources {
            let table = match DeTable::parse(&source.text) {
                Ok(table) => table,
                Err(error) => return Err(self.syntax_error(source, &error)),
            };
            let shifted = shift_table(table.into_inner(), source.offset);
            if span.is_empty() {
                span = source.offset..source.offset + source.text.len();
            }
            merge(&mut merged, shifted);
        }
        Ok(Spanned::new(span, merged))
    }

    fn syntax_error(&self, source: &Source, error: &toml::de::Error) -> ConfigError {
        let at = error.span().map_or(source.offset, |s| s.start + source.offset);
        let location = self.locate(at);
        // The parser recovers past most errors; the last key that starts on
        // the error's line, before it, is the key being written.
        let (recovered, _) = DeTable::parse_recoverable(&source.text);
        let mut index = Index::default();
        index.add_table(&mut KeyPath::root(), &shift_table(recovered.into_inner(), source.offset));
        let located: Vec<(&KeyPath, Location)> = index
            .keys
            .iter()
            .filter_map(|(key, &offset)| Some((key, self.locate(offset)?)))
            .filter(|(_, at)| at.origin == source.origin)
            .collect();
        let on_line = location.as_ref().and_then(|here| {
            located
                .iter()
                .filter(|(_, at)| at.line == here.line && at.column <= here.column)
                .max_by_key(|(_, at)| at.column)
                .map(|(key, _)| (*key).clone())
        });
        // A duplicate key's span is the second key itself; the first one,
        // which the parser kept, has the full path.
        let named = || {
            let text = source.text.get(error.span()?)?;
            let last = Segment::Key(text.to_owned());
            let here = location.as_ref()?;
            located
                .iter()
                .filter(|(key, at)| {
                    key.segments().last() == Some(&last)
                        && (at.line, at.column) < (here.line, here.column)
                })
                .max_by_key(|(_, at)| (at.line, at.column))
                .map(|(key, _)| (*key).clone())
        };
        let key = on_line.or_else(named);
        ConfigError {
            kind: ConfigErrorKind::Syntax,
            location,
            key,
            message: error.message().to_owned(),
        }
    }
}

fn shift(span: Range<usize>, by: usize) -> Range<usize> {
    span.start + by..span.end + by
}

fn shift_value(value: Spanned<DeValue<'_>>, by: usize) -> Spanned<DeValue<'_>> {
    let span = shift(value.span(), by);
    let inner = match value.into_inner() {
        DeValue::Table(table) => DeValue::Table(shift_table(table, by)),
        DeValue::Array(array) => {
            let mut shifted = DeArray::new();
            for item in array {
                shifted.push(shift_value(item, by));
            }
            DeValue::Array(shifted)
        }
        scalar => scalar,
    };
    Spanned::new(span, inner)
}

fn shift_table(table: DeTable<'_>, by: usize) -> DeTable<'_> {
    let mut shifted = DeTable::new();
    for (key, value) in table {
        let key_span = shift(key.span(), by);
        shifted.insert(Spanned::new(key_span, key.into_inner()), shift_value(value, by));
    }
    shifted
}

/// Merges `over` into `base`: tables merge key by key, anything else
/// (scalars, arrays, a table replacing a scalar) replaces what was there,
/// spans and all. The key keeps the span of its latest mention, so a table
/// is located where it was last written to.
fn merge<'i>(base: &mut DeTable<'i>, over: DeTable<'i>) {
    for (key, value) in over {
        let name: &str = key.get_ref();
        let merged = match base.remove(name) {
            Some(old) if old.get_ref().is_table() && value.get_ref().is_table() => {
                let span = value.span();
                match (old.into_inner(), value.into_inner()) {
                    (DeValue::Table(mut old), DeValue::Table(new)) => {
                        merge(&mut old, new);
                        Spanned::new(span, DeValue::Table(old))
                    }
                    // Both were checked to be tables just above.
                    (_, new) => Spanned::new(span, new),
                }
            }
            _ => value,
        };
        base.insert(key, merged);
    }
}

/// Where each key of a merged document was last set, as a global offset:
/// the key's own span for table entries, the value's for array elements.
#[derive(Debug, Default)]
pub(crate) struct Index {
    pub(crate) keys: BTreeMap<KeyPath, usize>,
}

impl Index {
    pub(crate) fn of(table: &DeTable<'_>) -> Self {
        let mut index = Index::default();
        index.add_table(&mut KeyPath::root(), table);
        index
    }

    fn add_table(&mut self, path: &mut KeyPath, table: &DeTable<'_>) {
        for (key, value) in table {
            path.push(Segment::Key(key.get_ref().to_string()));
            self.keys.insert(path.clone(), key.span().start);
            self.add_value(path, value.get_ref());
            path.pop();
        }
    }

    fn add_value(&mut self, path: &mut KeyPath, value: &DeValue<'_>) {
        match value {
            DeValue::Table(table) => self.add_table(path, table),
            DeValue::Array(array) => {
                for (i, item) in array.iter().enumerate() {
                    path.push(Segment::Index(i));
                    self.keys.insert(path.clone(), item.span().start);
                    self.add_value(path, item.get_ref());
                    path.pop();
                }
            }
            _ => {}
        }
    }

    /// Resolves every offset to a location once, so the loaded config can
    /// keep the locations after the texts are gone.
    pub(crate) fn resolve(&self, sources: &Sources) -> BTreeMap<KeyPath, Location> {
        self.keys.iter().filter_map(|(k, &at)| Some((k.clone(), sources.locate(at)?))).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sources(texts: &[(&str, &str)]) -> Sources {
        let mut s = Sources::default();
        for (name, text) in texts {
            s.push(Origin::File((*name).into()), (*text).to_owned());
        }
        s
    }

    #[test]
    fn later_sources_win_and_tables_merge() {
        let s = sources(&[
            ("a.toml", "x = 1\n[t]\nkeep = 1\nover = 1\narr = [1, 2]\n"),
            ("b.toml", "[t]\nover = 2\narr = [3]\n"),
        ]);
        let merged = s.merged().unwrap();
        let value: toml::Table = toml::Table::deserialize(toml::de::Deserializer::from(merged))
            .map_err(|e| e.to_string())
            .unwrap();
        assert_eq!(value.to_string(), "x = 1\n\n[t]\narr = [3]\nkeep = 1\nover = 2\n");
    }

    #[test]
    fn the_index_names_the_file_that_set_each_key() {
        let s = sources(&[
            ("a.toml", "x = 1\n[t]\nkeep = 1\nover = 1\n"),
            ("b.toml", "# drop-in\n[t]\n  over = 2\n"),
        ]);
        let merged = s.merged().unwrap();
        let at = Index::of(merged.get_ref()).resolve(&s);
        let show = |k: &str| at[&k.parse::<KeyPath>().unwrap()].to_string();
        assert_eq!(show("x"), "a.toml:1:1");
        assert_eq!(show("t.keep"), "a.toml:3:1");
        assert_eq!(show("t.over"), "b.toml:3:3");
        // The table was last written to by the drop-in.
        assert_eq!(show("t"), "b.toml:2:2");
    }

    #[test]
    fn columns_count_characters_and_offsets_past_a_source_stay_in_it() {
        let s = sources(&[("a.toml", "k = \"ä\" # x\n"), ("b.toml", "")]);
        assert_eq!(s.locate(11).unwrap().to_string(), "a.toml:1:11");
        assert_eq!(s.locate(14).unwrap().to_string(), "b.toml:1:1");
    }

    use serde::Deserialize as _;
}
