//! The last full result of each device: in memory, and optionally in a
//! state file the caller names (so a one-shot command or a restarted
//! service still knows a sleeping disk's last state).

// The state file is the caller's own file, not a board node.
#![allow(clippy::disallowed_methods)]

use std::collections::BTreeMap;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use smartctl_parser::SmartctlOutput;

use crate::error::{Error, Result};

/// Version of the state file layout.
const FORMAT: u32 = 1;

/// One device's last full result.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub(crate) taken_at: SystemTime,
    /// smartctl's JSON exactly as it printed it: re-parsing it later keeps
    /// NVMe 128-bit counters exact, which a `serde_json::Value` would not.
    pub(crate) json: String,
    pub(crate) output: SmartctlOutput,
}

#[derive(Serialize, Deserialize)]
struct FileEntry {
    taken_at_unix: u64,
    smartctl_json: String,
}

#[derive(Serialize, Deserialize)]
struct File {
    format: u32,
    devices: BTreeMap<String, FileEntry>,
}

/// Reads a state file; a missing file is an empty state.
pub(crate) fn load(path: &Path) -> Result<BTreeMap<String, Entry>> {
    let text = match fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(BTreeMap::new()),
        Err(source) => return Err(Error::StateFile { op: "read", path: path.to_owned(), source }),
    };
    let malformed = |reason: String| Error::StateFileMalformed { path: path.to_owned(), reason };
    let file: File = serde_json::from_str(&text).map_err(|e| malformed(e.to_string()))?;
    if file.format != FORMAT {
        return Err(malformed(format!("format {} (this version reads {FORMAT})", file.format)));
    }
    let mut entries = BTreeMap::new();
    for (device, entry) in file.devices {
        let label = format!("{} [{device}]", path.display());
        let output = smartctl_parser::parse_str(&entry.smartctl_json, &label)
            .map_err(|e| malformed(e.to_string()))?;
        let taken_at = UNIX_EPOCH + Duration::from_secs(entry.taken_at_unix);
        entries.insert(device, Entry { taken_at, json: entry.smartctl_json, output });
    }
    Ok(entries)
}

/// Writes a state file atomically (temporary file in the same directory,
/// then rename), so a crash never leaves half a file.
pub(crate) fn save(path: &Path, entries: &BTreeMap<String, Entry>) -> Result<()> {
    let devices = entries
        .iter()
        .map(|(device, entry)| {
            let taken_at_unix =
                entry.taken_at.duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
            (device.clone(), FileEntry { taken_at_unix, smartctl_json: entry.json.clone() })
        })
        .collect();
    let file = File { format: FORMAT, devices };
    let write_error =
        |source: io::Error| Error::StateFile { op: "write", path: path.to_owned(), source };
    let text = serde_json::to_string_pretty(&file).map_err(|e| write_error(io::Error::other(e)))?;
    let temporary = temporary_path(path);
    let result = (|| {
        let mut out = fs::File::create(&temporary)?;
        out.write_all(text.as_bytes())?;
        out.sync_all()?;
        fs::rename(&temporary, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&temporary);
    }
    result.map_err(write_error)
}

fn temporary_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(format!(".tmp.{}", std::process::id()));
    path.with_file_name(name)
}
