//! The human side of the helios64 commands, in one place so every table
//! and every error message reads the same: [`Table`] (columns padded to
//! their widest cell, two spaces apart, no trailing whitespace) and
//! [`error_chain`] (an error and its sources on one line).
//!
//! Enough for a terminal view without pulling a table crate into every
//! binary; nothing here does I/O.

use std::fmt::{self, Write};

/// Rows of cells under a header.
///
/// ```
/// let mut t = helios64_text::Table::new(["bay", "model"]);
/// t.row(vec!["1".into(), "WDC WD40EFRX".into()]);
/// assert_eq!(t.render(0), "bay  model\n1    WDC WD40EFRX\n");
/// ```
#[derive(Debug, Clone, Default)]
pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these column headings.
    pub fn new<const N: usize>(header: [&str; N]) -> Self {
        Table { header: header.iter().map(|h| (*h).to_owned()).collect(), rows: Vec::new() }
    }

    /// Adds a row; a row may have fewer cells than the header.
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    /// Whether no row was added.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Writes the table, every line indented by `indent` spaces.
    pub fn write_indented(&self, out: &mut impl Write, indent: usize) -> fmt::Result {
        let columns = self.header.len().max(self.rows.iter().map(Vec::len).max().unwrap_or(0));
        let mut widths = vec![0; columns];
        for row in std::iter::once(&self.header).chain(&self.rows) {
            for (i, cell) in row.iter().enumerate() {
                widths[i] = widths[i].max(cell.chars().count());
            }
        }
        for row in std::iter::once(&self.header).chain(&self.rows) {
            let mut line = " ".repeat(indent);
            for (i, cell) in row.iter().enumerate() {
                line.push_str(cell);
                if i + 1 < row.len() {
                    let pad = widths[i] - cell.chars().count() + 2;
                    line.extend(std::iter::repeat_n(' ', pad));
                }
            }
            writeln!(out, "{}", line.trim_end())?;
        }
        Ok(())
    }

    /// Writes the table indented by two spaces, as the status sections are.
    pub fn write_to(&self, out: &mut impl Write) -> fmt::Result {
        self.write_indented(out, 2)
    }

    /// The table as a string, indented by `indent` spaces.
    pub fn render(&self, indent: usize) -> String {
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = self.write_indented(&mut out, indent);
        out
    }
}

/// An error and every source under it on one line, outermost first, joined
/// by `": "`: `cannot read /sys/.../pwm1: Permission denied (os error 13)`.
///
/// The helios64 error types never repeat their source in their own
/// `Display`, so this is how a whole failure is shown.
pub fn error_chain(error: &dyn std::error::Error) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}

/// A duration in seconds as people say it: `42 s`, `5 min`, `3 h`, `2 days`.
pub fn age(seconds: u64) -> String {
    match seconds {
        0..120 => format!("{seconds} s"),
        120..7200 => format!("{} min", seconds / 60),
        7200..172_800 => format!("{} h", seconds / 3600),
        _ => format!("{} days", seconds / 86_400),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pads_columns_to_the_widest_cell() {
        let mut t = Table::new(["bay", "model"]);
        t.row(vec!["1".into(), "WDC WD40EFRX".into()]);
        t.row(vec!["10".into(), "-".into()]);
        let mut s = String::new();
        t.write_to(&mut s).unwrap();
        assert_eq!(s, "  bay  model\n  1    WDC WD40EFRX\n  10   -\n");
        assert_eq!(t.render(0), "bay  model\n1    WDC WD40EFRX\n10   -\n");
    }

    #[test]
    fn short_rows_and_wide_characters() {
        let mut t = Table::new(["a", "b", "c"]);
        t.row(vec!["°C".into()]);
        t.row(vec!["x".into(), "y".into(), "z".into()]);
        assert_eq!(t.render(0), "a   b  c\n°C\nx   y  z\n");
    }

    #[derive(Debug)]
    struct Outer(std::io::Error);
    impl fmt::Display for Outer {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("cannot read /sys/x")
        }
    }
    impl std::error::Error for Outer {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            Some(&self.0)
        }
    }

    #[test]
    fn error_chain_joins_every_source() {
        let e = Outer(std::io::Error::other("disk on fire"));
        assert_eq!(error_chain(&e), "cannot read /sys/x: disk on fire");
    }

    #[test]
    fn ages_read_naturally() {
        assert_eq!(age(5), "5 s");
        assert_eq!(age(119), "119 s");
        assert_eq!(age(600), "10 min");
        assert_eq!(age(7200), "2 h");
        assert_eq!(age(3 * 86_400), "3 days");
    }
}
