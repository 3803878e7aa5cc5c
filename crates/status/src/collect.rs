//! Reading every section under one root.

use std::error::Error as _;

use helios64_hal::{Board, Error, ErrorKind, Fans, Leds, Root, Thermal};

use crate::{BoxStatus, SCHEMA_VERSION, Section, SectionError};

/// Keeps going past failed sections, remembering why each failed.
struct Reader<'a> {
    root: &'a Root,
    errors: Vec<SectionError>,
}

impl Reader<'_> {
    fn read<T>(&mut self, section: Section, result: Result<T, Error>) -> Option<T> {
        result.map_err(|error| self.errors.push(section_error(self.root, section, &error))).ok()
    }
}

pub(crate) fn collect(root: &Root) -> BoxStatus {
    let mut r = Reader { root, errors: Vec::new() };
    let board = r.read(Section::Board, Board::detect(root));
    let inventory = match &board {
        Some(board) => r.read(Section::Inventory, board.inventory(root)),
        None => None,
    };
    let thermal = r.read(Section::Thermal, Thermal::discover(root).and_then(|t| t.snapshot(root)));
    let fans = r.read(Section::Fans, Fans::discover(root).and_then(|f| f.snapshot()));
    let leds = r.read(Section::Leds, Leds::discover(root).and_then(|l| l.snapshot()));

    BoxStatus {
        schema_version: SCHEMA_VERSION,
        root: root.base().to_path_buf(),
        board,
        inventory,
        thermal,
        fans,
        leds,
        errors: r.errors,
    }
}

fn section_error(root: &Root, section: Section, error: &Error) -> SectionError {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    SectionError {
        section,
        kind: kind_name(error.kind()).to_owned(),
        message,
        path: error.path().map(|p| root.on_box(p)),
    }
}

fn kind_name(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::NotFound => "not-found",
        ErrorKind::PermissionDenied => "permission-denied",
        ErrorKind::Malformed => "malformed",
        ErrorKind::InvalidInput => "invalid-input",
        ErrorKind::Unsupported => "unsupported",
        ErrorKind::Busy => "busy",
        _ => "other",
    }
}
