//! The `helios64.smart/1` report: one entry per device or saved output, with
//! its verdict, reasons and identity, the exit-status bits, and the JSON and
//! table renderings.
//!
//! `helios64 smart` prints it; the exporter and a bay-LED policy read the
//! same entries. The JSON schema is documented in `docs/smart.md`.

use std::fmt;
use std::io::{self, Write};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::Serialize;
use smartctl_parser::{Assessment, Level, Reason, SmartctlOutput, Verdict};

use crate::DeviceReport;

/// The schema name of the JSON document.
pub const SCHEMA: &str = "helios64.smart/1";

/// What an entry was made from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EntryKind {
    /// A device smartctl was run on.
    Device,
    /// A saved smartctl `--json` output.
    File,
    /// The device scan (`smartctl --scan-open`), when it failed.
    Scan,
    /// The state file, when it could not be read or written.
    State,
}

/// An entry's verdict: one of smartctl-parser's six, or `error` when there
/// was no usable output to judge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryVerdict {
    /// The output was judged.
    Judged(Verdict),
    /// No usable output (smartctl missing, timed out, unparsable input).
    Error,
}

impl EntryVerdict {
    /// The verdict's name: `ok`, `warning`, `failing`, `asleep`, `unknown`,
    /// `unreachable` or `error`.
    pub fn as_str(self) -> &'static str {
        match self {
            EntryVerdict::Judged(v) => v.as_str(),
            EntryVerdict::Error => "error",
        }
    }
}

impl fmt::Display for EntryVerdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for EntryVerdict {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// One row of the report: a device or a file.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    /// The device (`/dev/sda -d sat`) or the file path (`f.json#2` for the
    /// second of several outputs in one file).
    pub source: String,
    /// What the entry was made from.
    pub kind: EntryKind,
    /// The verdict.
    pub verdict: EntryVerdict,
    /// The reasons, most severe first.
    pub reasons: Vec<Reason>,
    /// The runner's or parser's error, when the verdict is `error`.
    pub error: Option<String>,
    /// Identity and key readings from the output.
    pub device: Option<Identity>,
    /// The last full result, for a device found asleep.
    pub last_known: Option<LastKnownEntry>,
}

/// Identity and key readings of a device.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Identity {
    /// smartctl's device name (`/dev/sda`).
    pub name: Option<String>,
    /// smartctl's device type (`sat`, `nvme`).
    pub device_type: Option<String>,
    /// `ATA`, `NVMe` or `SCSI`.
    pub protocol: Option<String>,
    /// Model (family and name for ATA).
    pub model: Option<String>,
    /// Serial number.
    pub serial: Option<String>,
    /// World Wide Name as udev's `/dev/disk/by-id/wwn-…` link spells it
    /// (`0x5000c500a1b2c3d4`), when reported.
    pub wwn: Option<String>,
    /// Firmware revision.
    pub firmware: Option<String>,
    /// Capacity in bytes.
    pub capacity_bytes: Option<u64>,
    /// Current temperature.
    pub temperature_celsius: Option<i64>,
    /// Power-on hours.
    pub power_on_hours: Option<u64>,
    /// smartctl's version, `7.4`.
    pub smartctl_version: Option<String>,
    /// smartctl's exit status bits.
    pub smartctl_exit_status: Option<u8>,
}

/// The last full result of a sleeping device.
#[derive(Debug, Clone, Serialize)]
pub struct LastKnownEntry {
    /// When that result was taken (Unix seconds).
    pub taken_at_unix: u64,
    /// Its verdict.
    pub verdict: Verdict,
    /// Its reasons.
    pub reasons: Vec<Reason>,
    /// Its identity and readings.
    pub device: Identity,
}

/// The identity and key readings of one output.
pub fn identity(output: &SmartctlOutput) -> Identity {
    let device = output.device.as_ref();
    let smartctl = output.smartctl.as_ref();
    Identity {
        name: device.and_then(|d| d.name.clone()),
        device_type: device.and_then(|d| d.device_type.clone()),
        protocol: output.protocol().map(ToString::to_string),
        model: output.model(),
        serial: output.serial_number.clone(),
        wwn: output.wwn.as_ref().and_then(|w| wwn_hex(w.naa, w.oui, w.id)),
        firmware: output.firmware().map(str::to_owned),
        capacity_bytes: output.user_capacity.as_ref().and_then(|c| c.bytes),
        temperature_celsius: output.current_temperature(),
        power_on_hours: output.power_on_hours(),
        smartctl_version: smartctl.and_then(|s| s.version()).map(|(a, b)| format!("{a}.{b}")),
        smartctl_exit_status: output.exit_status().map(|e| e.bits()),
    }
}

/// A WWN as one 64-bit NAA 5 number: NAA (4 bits), OUI (24), vendor id
/// (36), as `/dev/disk/by-id/wwn-0x…` names the disk.
fn wwn_hex(naa: Option<u64>, oui: Option<u64>, id: Option<u64>) -> Option<String> {
    let (naa, oui, id) = (naa?, oui?, id?);
    if naa > 0xf || oui > 0xff_ffff || id > 0xf_ffff_ffff {
        return None;
    }
    Some(format!("0x{:016x}", (naa << 60) | (oui << 36) | id))
}

/// An entry for an output that was judged.
pub fn judged(
    source: String,
    kind: EntryKind,
    output: &SmartctlOutput,
    assessment: Assessment,
) -> Entry {
    Entry {
        source,
        kind,
        verdict: EntryVerdict::Judged(assessment.verdict),
        reasons: assessment.reasons,
        error: None,
        device: Some(identity(output)),
        last_known: None,
    }
}

/// An entry for something that produced no usable output; the message is
/// the whole error chain.
pub fn failed(source: String, kind: EntryKind, error: &dyn std::error::Error) -> Entry {
    Entry {
        source,
        kind,
        verdict: EntryVerdict::Error,
        reasons: Vec::new(),
        error: Some(helios64_text::error_chain(error)),
        device: None,
        last_known: None,
    }
}

/// The entry of one device's runner report, with its last known state when
/// it is asleep.
pub fn from_report(report: DeviceReport) -> Entry {
    let mut entry =
        judged(report.device.to_string(), EntryKind::Device, &report.output, report.assessment);
    entry.last_known = report.last_known.map(|last| LastKnownEntry {
        taken_at_unix: last.taken_at.duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0),
        verdict: last.assessment.verdict,
        reasons: last.assessment.reasons,
        device: identity(&last.output),
    });
    entry
}

/// Judges the bytes of one saved input: one entry per smartctl `--json`
/// document in it (a file may hold several, back to back), each with its
/// parse error when it is not usable.
pub fn judge_input(source: &str, bytes: &[u8]) -> Vec<Entry> {
    smartctl_parser::parse_all(bytes, source)
        .into_iter()
        .map(|(label, parsed)| match parsed {
            Ok(output) => {
                let assessment = smartctl_parser::judge(&output);
                judged(label, EntryKind::File, &output, assessment)
            }
            Err(error) => failed(label, EntryKind::File, &error),
        })
        .collect()
}

/// The exit status bits of a report, in the spirit of smartctl's: 1 a
/// warning, 2 a failing disk, 4 an unreachable device or an error, 8 no
/// health data; 0 when every disk is ok, or asleep with an ok last known
/// state.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ExitBits(u8);

impl ExitBits {
    /// A warning verdict.
    pub const WARNING: u8 = 1;
    /// A failing verdict.
    pub const FAILING: u8 = 2;
    /// An unreachable device, or an entry with no usable output.
    pub const UNREACHABLE: u8 = 4;
    /// No health data to judge.
    pub const UNKNOWN: u8 = 8;

    /// The bits of every entry's verdict, and of each sleeping device's last
    /// known verdict.
    pub fn of(entries: &[Entry]) -> ExitBits {
        let mut bits = ExitBits::default();
        for entry in entries {
            bits.add(entry.verdict);
            if let Some(last) = &entry.last_known {
                bits.add(EntryVerdict::Judged(last.verdict));
            }
        }
        bits
    }

    fn add(&mut self, verdict: EntryVerdict) {
        self.0 |= match verdict {
            EntryVerdict::Judged(Verdict::Ok | Verdict::Asleep) => 0,
            EntryVerdict::Judged(Verdict::Warning) => Self::WARNING,
            EntryVerdict::Judged(Verdict::Failing) => Self::FAILING,
            EntryVerdict::Judged(Verdict::Unreachable) | EntryVerdict::Error => Self::UNREACHABLE,
            EntryVerdict::Judged(Verdict::Unknown) => Self::UNKNOWN,
        };
    }

    /// The bits as the process exit code.
    pub fn code(self) -> u8 {
        self.0
    }

    /// These bits with `bit` set too.
    pub fn with(self, bit: u8) -> ExitBits {
        ExitBits(self.0 | bit)
    }
}

/// The JSON document.
#[derive(Debug, Serialize)]
struct Document<'a> {
    schema: &'static str,
    exit_code: u8,
    results: &'a [Entry],
}

/// Writes the JSON document.
pub fn write_json(out: &mut impl Write, entries: &[Entry], exit_code: u8) -> io::Result<()> {
    let document = Document { schema: SCHEMA, exit_code, results: entries };
    serde_json::to_writer_pretty(&mut *out, &document).map_err(io::Error::other)?;
    writeln!(out)
}

fn show<T: ToString>(value: Option<T>, unit: &str) -> String {
    value.map_or_else(|| "-".to_owned(), |v| format!("{}{unit}", v.to_string()))
}

fn level_name(level: Level) -> &'static str {
    match level {
        Level::Notice => "notice",
        Level::Warning => "WARNING",
        Level::Failing => "FAILING",
        Level::Unknown => "unknown",
        Level::Unreachable => "unreachable",
        Level::Asleep => "asleep",
    }
}

fn ago(now: SystemTime, taken_at_unix: u64) -> String {
    let now = now.duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    format!("{} ago", helios64_text::age(now.saturating_sub(taken_at_unix)))
}

/// One reason as `LEVEL subject = value: why`, after `indent`.
fn write_reason(out: &mut impl Write, indent: &str, reason: &Reason) -> io::Result<()> {
    let level = level_name(reason.level);
    writeln!(out, "{indent}{level:<8} {} = {}: {}", reason.subject, reason.value, reason.why)
}

/// Writes the human table, then each entry's reasons.
pub fn write_table(out: &mut impl Write, entries: &[Entry], now: SystemTime) -> io::Result<()> {
    if entries.is_empty() {
        return writeln!(out, "no devices: smartctl --scan-open found none");
    }
    let mut table =
        helios64_text::Table::new(["SOURCE", "VERDICT", "MODEL", "SERIAL", "TEMP", "POWER-ON"]);
    for entry in entries {
        let shown = entry.device.as_ref().or(entry.last_known.as_ref().map(|l| &l.device));
        let verdict = match &entry.last_known {
            Some(last) => {
                format!("asleep (last known {}, {})", last.verdict, ago(now, last.taken_at_unix))
            }
            None => entry.verdict.to_string(),
        };
        table.row(vec![
            entry.source.clone(),
            verdict,
            show(shown.and_then(|d| d.model.clone()), ""),
            show(shown.and_then(|d| d.serial.clone()), ""),
            show(entry.device.as_ref().and_then(|d| d.temperature_celsius), " °C"),
            show(shown.and_then(|d| d.power_on_hours), " h"),
        ]);
    }
    out.write_all(table.render(0).as_bytes())?;
    for entry in entries {
        if entry.reasons.is_empty() && entry.error.is_none() {
            continue;
        }
        writeln!(out)?;
        writeln!(out, "{}: {}", entry.source, entry.verdict)?;
        if let Some(error) = &entry.error {
            writeln!(out, "  error: {error}")?;
        }
        for reason in &entry.reasons {
            write_reason(out, "  ", reason)?;
            writeln!(out, "           rule {} ({})", reason.rule, reason.source)?;
        }
        if let Some(last) = &entry.last_known {
            writeln!(
                out,
                "  last known state ({}): {}",
                ago(now, last.taken_at_unix),
                last.verdict
            )?;
            for reason in &last.reasons {
                write_reason(out, "    ", reason)?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
