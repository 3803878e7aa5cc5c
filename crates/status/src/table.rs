//! A minimal text table: columns padded to their widest cell, two spaces
//! apart, no trailing whitespace. Enough for a terminal status view without
//! pulling a table crate into every binary.

use std::fmt::{self, Write};

/// Rows of cells under a header.
#[derive(Debug, Clone, Default)]
pub(crate) struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub(crate) fn new<const N: usize>(header: [&str; N]) -> Self {
        Table { header: header.iter().map(|h| (*h).to_owned()).collect(), rows: Vec::new() }
    }

    pub(crate) fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Writes the table indented by two spaces.
    pub(crate) fn write_to(&self, out: &mut impl Write) -> fmt::Result {
        let columns = self.header.len().max(self.rows.iter().map(Vec::len).max().unwrap_or(0));
        let mut widths = vec![0; columns];
        for row in std::iter::once(&self.header).chain(&self.rows) {
            for (i, cell) in row.iter().enumerate() {
                widths[i] = widths[i].max(cell.chars().count());
            }
        }
        for row in std::iter::once(&self.header).chain(&self.rows) {
            let mut line = String::from(" ");
            for (i, cell) in row.iter().enumerate() {
                line.push(' ');
                line.push_str(cell);
                if i + 1 < row.len() {
                    let pad = widths[i] - cell.chars().count() + 1;
                    line.extend(std::iter::repeat_n(' ', pad));
                }
            }
            writeln!(out, "{}", line.trim_end())?;
        }
        Ok(())
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
    }
}
