//! `helios64 smart`: SMART verdicts for the disks of this machine, or for
//! saved smartctl `--json` outputs (`--input FILE…`).
//!
//! Output is a table (default) or a stable JSON document (`--json`,
//! documented in docs/smart.md). The exit code is a bitmask of the verdicts
//! found, in the spirit of smartctl's: see [`ExitBits`].

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use helios64_smart::{DeviceReport, DeviceSpec, Runner};
use serde::Serialize;
use smartctl_parser::{Assessment, Level, Reason, SmartctlOutput, Verdict};

/// Arguments of `helios64 smart`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Exit status is a bitmask: 1 warning, 2 failing, 4 unreachable or error, \
8 unknown (no health data); 0 when every disk is ok or asleep with an ok last known state; \
64 for a bad command line. See docs/smart.md.")]
pub(crate) struct Args {
    /// Devices to check, e.g. /dev/sda. Default: every device smartctl --scan-open finds.
    #[arg(value_name = "DEV", conflicts_with = "inputs")]
    devices: Vec<String>,

    /// Judge saved `smartctl --json` outputs instead of running smartctl
    /// (`-` reads standard input).
    #[arg(long = "input", value_name = "FILE", num_args = 1..)]
    inputs: Vec<PathBuf>,

    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,

    /// smartctl's -d TYPE for every DEV (default: the type --scan-open reports).
    #[arg(short = 'd', long = "device-type", value_name = "TYPE")]
    device_type: Option<String>,

    /// The smartctl binary.
    #[arg(long, value_name = "PATH", default_value = "smartctl")]
    smartctl: PathBuf,

    /// Seconds before a smartctl run is killed.
    #[arg(long, value_name = "SECONDS", default_value_t = 60)]
    timeout: u64,

    /// Devices checked at the same time.
    #[arg(long, value_name = "N", default_value_t = 5)]
    jobs: usize,

    /// Keep each disk's last full result in this file, so a disk found asleep
    /// still shows its last known state.
    #[arg(long, value_name = "FILE")]
    state_file: Option<PathBuf>,
}

/// The exit status bits.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ExitBits(u8);

impl ExitBits {
    const WARNING: u8 = 1;
    const FAILING: u8 = 2;
    const UNREACHABLE: u8 = 4;
    const UNKNOWN: u8 = 8;

    fn add(&mut self, verdict: Option<Verdict>) {
        self.0 |= match verdict {
            Some(Verdict::Ok | Verdict::Asleep) => 0,
            Some(Verdict::Warning) => Self::WARNING,
            Some(Verdict::Failing) => Self::FAILING,
            Some(Verdict::Unreachable) | None => Self::UNREACHABLE,
            Some(Verdict::Unknown) => Self::UNKNOWN,
        };
    }
}

/// One row of the output: a device or a file.
#[derive(Debug, Serialize)]
pub(crate) struct Entry {
    /// The device (`/dev/sda -d sat`) or the file path.
    source: String,
    /// `device` or `file`.
    kind: &'static str,
    /// One of the six verdicts, or `error` when there was no usable output.
    verdict: &'static str,
    /// The reasons, most severe first.
    reasons: Vec<Reason>,
    /// The runner's or parser's error, when `verdict` is `error`.
    error: Option<String>,
    /// Identity and key readings from the output.
    device: Option<Identity>,
    /// The last full result, for a device found asleep.
    last_known: Option<LastKnownEntry>,
}

/// Identity and key readings of a device.
#[derive(Debug, Default, Serialize)]
struct Identity {
    name: Option<String>,
    device_type: Option<String>,
    protocol: Option<String>,
    model: Option<String>,
    serial: Option<String>,
    firmware: Option<String>,
    capacity_bytes: Option<u64>,
    temperature_celsius: Option<i64>,
    power_on_hours: Option<u64>,
    smartctl_version: Option<String>,
    smartctl_exit_status: Option<u8>,
}

#[derive(Debug, Serialize)]
struct LastKnownEntry {
    taken_at_unix: u64,
    verdict: Verdict,
    reasons: Vec<Reason>,
    device: Identity,
}

/// The JSON document.
#[derive(Debug, Serialize)]
struct Document<'a> {
    schema: &'static str,
    exit_code: u8,
    results: &'a [Entry],
}

fn identity(output: &SmartctlOutput) -> Identity {
    let device = output.device.as_ref();
    let smartctl = output.smartctl.as_ref();
    Identity {
        name: device.and_then(|d| d.name.clone()),
        device_type: device.and_then(|d| d.device_type.clone()),
        protocol: output.protocol().map(ToString::to_string),
        model: output.model(),
        serial: output.serial_number.clone(),
        firmware: output.firmware().map(str::to_owned),
        capacity_bytes: output.user_capacity.as_ref().and_then(|c| c.bytes),
        temperature_celsius: output.current_temperature(),
        power_on_hours: output.power_on_hours(),
        smartctl_version: smartctl.and_then(|s| s.version()).map(|(a, b)| format!("{a}.{b}")),
        smartctl_exit_status: output.exit_status().map(|e| e.bits()),
    }
}

fn judged(
    source: String,
    kind: &'static str,
    output: &SmartctlOutput,
    assessment: Assessment,
) -> Entry {
    Entry {
        source,
        kind,
        verdict: assessment.verdict.as_str(),
        reasons: assessment.reasons,
        error: None,
        device: Some(identity(output)),
        last_known: None,
    }
}

fn failed(source: String, kind: &'static str, error: &dyn std::error::Error) -> Entry {
    let mut message = error.to_string();
    let mut cause = error.source();
    while let Some(inner) = cause {
        message.push_str(": ");
        message.push_str(&inner.to_string());
        cause = inner.source();
    }
    Entry {
        source,
        kind,
        verdict: "error",
        reasons: Vec::new(),
        error: Some(message),
        device: None,
        last_known: None,
    }
}

fn from_report(report: DeviceReport) -> Entry {
    let mut entry = judged(report.device.to_string(), "device", &report.output, report.assessment);
    entry.last_known = report.last_known.map(|last| LastKnownEntry {
        taken_at_unix: last.taken_at.duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0),
        verdict: last.assessment.verdict,
        reasons: last.assessment.reasons,
        device: identity(&last.output),
    });
    entry
}

/// Judges saved outputs, one entry per file.
pub(crate) fn judge_files(inputs: &[PathBuf]) -> Vec<Entry> {
    inputs
        .iter()
        .map(|path| {
            let source = path.display().to_string();
            let read = if source == "-" {
                let mut bytes = Vec::new();
                io::Read::read_to_end(&mut io::stdin().lock(), &mut bytes).map(|_| bytes)
            } else {
                #[allow(clippy::disallowed_methods)] // a file the user named, not a board node
                std::fs::read(path)
            };
            let bytes = match read {
                Ok(bytes) => bytes,
                Err(error) => {
                    let error = FileError { path: source.clone(), source: error };
                    return failed(source, "file", &error);
                }
            };
            match smartctl_parser::parse(&bytes, &source) {
                Ok(output) => {
                    let assessment = smartctl_parser::judge(&output);
                    judged(source, "file", &output, assessment)
                }
                Err(error) => failed(source, "file", &error),
            }
        })
        .collect()
}

/// An input file that could not be read. Display names the file; the OS
/// error is the source.
#[derive(Debug)]
struct FileError {
    path: String,
    source: io::Error,
}

impl std::fmt::Display for FileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "cannot read {}", self.path)
    }
}

impl std::error::Error for FileError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

fn check_devices(args: &Args) -> Vec<Entry> {
    let new_runner = || {
        Runner::new()
            .smartctl(&args.smartctl)
            .timeout(Duration::from_secs(args.timeout))
            .parallelism(args.jobs)
    };
    let mut entries = Vec::new();
    let runner = match &args.state_file {
        None => new_runner(),
        Some(path) => new_runner().with_state_file(path).unwrap_or_else(|error| {
            // Without the cache, checking still works; say so and go on.
            entries.push(failed(path.display().to_string(), "state", &error));
            new_runner()
        }),
    };
    let devices = match resolve_devices(&runner, args) {
        Ok(devices) => devices,
        Err(error) => {
            entries.push(failed("smartctl --scan-open".to_owned(), "scan", &error));
            return entries;
        }
    };
    for (device, result) in runner.check_all(&devices) {
        entries.push(match result {
            Ok(report) => from_report(report),
            Err(error) => failed(device.to_string(), "device", &error),
        });
    }
    if let Err(error) = runner.save_state() {
        let path = args.state_file.as_ref().map(|p| p.display().to_string()).unwrap_or_default();
        entries.push(failed(path, "state", &error));
    }
    entries
}

/// The devices to check: given ones with their type (from `-d`, else from
/// `--scan-open`), or everything `--scan-open` lists.
fn resolve_devices(runner: &Runner, args: &Args) -> helios64_smart::Result<Vec<DeviceSpec>> {
    if args.devices.is_empty() {
        return runner.scan();
    }
    if let Some(device_type) = &args.device_type {
        return Ok(args.devices.iter().map(|d| DeviceSpec::with_type(d, device_type)).collect());
    }
    let scanned = runner.scan()?;
    Ok(args
        .devices
        .iter()
        .map(|path| {
            scanned
                .iter()
                .find(|s| &s.path == path)
                .cloned()
                .unwrap_or_else(|| DeviceSpec::new(path))
        })
        .collect())
}

/// Runs `helios64 smart`.
pub(crate) fn run(args: Args) -> ExitCode {
    let entries =
        if args.inputs.is_empty() { check_devices(&args) } else { judge_files(&args.inputs) };
    let code = exit_code(&entries);
    let mut stdout = io::stdout().lock();
    let written = if args.json {
        write_json(&mut stdout, &entries, code)
    } else {
        write_table(&mut stdout, &entries, SystemTime::now())
    };
    match written {
        Ok(()) => ExitCode::from(code),
        // A closed pipe (`| head`) is not worth another message.
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => ExitCode::from(code),
        Err(_) => ExitCode::from(code | ExitBits::UNREACHABLE),
    }
}

/// The exit status of a set of entries.
pub(crate) fn exit_code(entries: &[Entry]) -> u8 {
    let mut bits = ExitBits::default();
    for entry in entries {
        let verdict = match entry.verdict {
            "ok" => Some(Verdict::Ok),
            "warning" => Some(Verdict::Warning),
            "failing" => Some(Verdict::Failing),
            "asleep" => Some(Verdict::Asleep),
            "unknown" => Some(Verdict::Unknown),
            _ => None,
        };
        bits.add(verdict);
        // A sleeping disk counts with its last known state.
        if let Some(last) = &entry.last_known {
            bits.add(Some(last.verdict));
        }
    }
    bits.0
}

/// Writes the JSON document.
pub(crate) fn write_json(out: &mut impl Write, entries: &[Entry], exit_code: u8) -> io::Result<()> {
    let document = Document { schema: "helios64.smart/1", exit_code, results: entries };
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

fn age(now: SystemTime, taken_at_unix: u64) -> String {
    let now = now.duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let seconds = now.saturating_sub(taken_at_unix);
    match seconds {
        0..120 => format!("{seconds} s ago"),
        120..7200 => format!("{} min ago", seconds / 60),
        7200..172_800 => format!("{} h ago", seconds / 3600),
        _ => format!("{} days ago", seconds / 86_400),
    }
}

/// One reason as `LEVEL subject = value: why`, after `indent`.
fn write_reason(out: &mut impl Write, indent: &str, reason: &Reason) -> io::Result<()> {
    let level = level_name(reason.level);
    writeln!(out, "{indent}{level:<8} {} = {}: {}", reason.subject, reason.value, reason.why)
}

/// Writes the human table, then each entry's reasons.
pub(crate) fn write_table(
    out: &mut impl Write,
    entries: &[Entry],
    now: SystemTime,
) -> io::Result<()> {
    let header = ["SOURCE", "VERDICT", "MODEL", "SERIAL", "TEMP", "POWER-ON"];
    let rows: Vec<[String; 6]> = entries
        .iter()
        .map(|entry| {
            let shown = entry.device.as_ref().or(entry.last_known.as_ref().map(|l| &l.device));
            let mut verdict = entry.verdict.to_owned();
            if let Some(last) = &entry.last_known {
                verdict = format!(
                    "asleep (last known {}, {})",
                    last.verdict,
                    age(now, last.taken_at_unix)
                );
            }
            [
                entry.source.clone(),
                verdict,
                show(shown.and_then(|d| d.model.clone()), ""),
                show(shown.and_then(|d| d.serial.clone()), ""),
                show(entry.device.as_ref().and_then(|d| d.temperature_celsius), " °C"),
                show(shown.and_then(|d| d.power_on_hours), " h"),
            ]
        })
        .collect();
    let mut widths = header.map(|h| h.chars().count());
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |out: &mut dyn Write, cells: &[String]| -> io::Result<()> {
        let mut text = String::new();
        for (i, (cell, width)) in cells.iter().zip(widths).enumerate() {
            if i + 1 == cells.len() {
                text.push_str(cell);
            } else {
                text.push_str(&format!("{cell:<width$}  "));
            }
        }
        writeln!(out, "{}", text.trim_end())
    };
    if entries.is_empty() {
        return writeln!(out, "no devices: smartctl --scan-open found none");
    }
    line(out, &header.map(str::to_owned))?;
    for row in &rows {
        line(out, row)?;
    }
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
                age(now, last.taken_at_unix),
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
mod tests {
    use super::*;

    fn fixture(name: &str) -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/smartctl").join(name)
    }

    #[test]
    fn exit_code_is_a_bitmask_of_verdicts() {
        let entries = judge_files(&[
            fixture("qemu-vm/qemu-ahci-harddisk-7.3.json"),
            fixture("scrutiny/smart-nvme-failed.json"),
        ]);
        assert_eq!(exit_code(&entries), 1);
        let entries = judge_files(&[
            fixture("scrutiny/smart-fail2.json"),
            fixture("local-capture/v74-open-failed-nonexistent.json"),
            fixture("plasma-disks/invalid-vbox.json"),
        ]);
        assert_eq!(exit_code(&entries), 2 | 4 | 8);
        let asleep =
            judge_files(&[fixture("local-capture/v74-replay-ata-sleep-nocheck-standby.json")]);
        assert_eq!(exit_code(&asleep), 0);
    }

    #[test]
    fn unreadable_and_invalid_files_are_errors_naming_the_file() {
        let entries = judge_files(&[
            PathBuf::from("/nonexistent/x.json"),
            fixture("scrutiny/smart-scsi2.json"),
        ]);
        assert_eq!(entries[0].verdict, "error");
        assert!(
            entries[0].error.as_deref().unwrap().starts_with("cannot read /nonexistent/x.json: ")
        );
        assert!(
            entries[1]
                .error
                .as_deref()
                .unwrap()
                .contains("smart-scsi2.json: unsupported smartctl json_format_version [0, 1]")
        );
        assert_eq!(exit_code(&entries), 4);
    }

    #[test]
    fn table_lists_each_source_then_its_reasons() {
        let entries = judge_files(&[
            fixture("qemu-vm/qemu-ahci-harddisk-7.3.json"),
            fixture("plasma-disks/failing-sectors-passing-status.json"),
        ]);
        let mut out = Vec::new();
        write_table(&mut out, &entries, SystemTime::now()).unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("SOURCE"), "{text}");
        assert!(
            lines[1].contains("qemu-ahci-harddisk-7.3.json") && lines[1].contains(" ok "),
            "{text}"
        );
        assert!(lines[1].contains("QEMU HARDDISK") && lines[1].contains("H64BAY1"), "{text}");
        assert!(lines[2].contains("failing") && lines[2].contains("ST3000DM001-1ER166"), "{text}");
        assert!(text.contains("FAILING  attribute 197 Current_Pending_Sector = 1640"), "{text}");
        assert!(text.contains("rule ata-counter (smartd -C 197"), "{text}");
    }

    #[test]
    fn json_document_is_stable() {
        let entries = judge_files(&[fixture(
            "smartctl_exporter/nvme-null-SAMSUNG_MZWLL3T2HAJQ-00005-nvme0.json",
        )]);
        let mut out = Vec::new();
        write_json(&mut out, &entries, exit_code(&entries)).unwrap();
        let value: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(value["schema"], "helios64.smart/1");
        assert_eq!(value["exit_code"], 2);
        let result = &value["results"][0];
        assert_eq!(result["kind"], "file");
        assert_eq!(result["verdict"], "failing");
        assert_eq!(result["reasons"][0]["rule"], "health-failed");
        assert_eq!(result["reasons"][0]["level"], "failing");
        assert_eq!(result["reasons"][1]["rule"], "nvme-critical-warning");
        assert_eq!(result["device"]["protocol"], "NVMe");
        assert_eq!(result["device"]["model"], "SAMSUNG MZWLL3T2HAJQ-00005");
        assert_eq!(result["device"]["smartctl_exit_status"], 8);
        assert_eq!(result["device"]["power_on_hours"], 18376);
        assert!(result["error"].is_null() && result["last_known"].is_null());
    }
}
