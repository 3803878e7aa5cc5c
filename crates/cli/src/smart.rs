//! `helios64 smart`: SMART verdicts for the disks of this machine, or for
//! saved smartctl `--json` outputs (`--input FILE…`).
//!
//! Output is a table (default) or a stable JSON document (`--json`,
//! documented in docs/smart.md), both from `helios64_smart::report`. The
//! exit code is a bitmask of the verdicts found, in the spirit of
//! smartctl's: see [`ExitBits`].

use std::io;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, SystemTime};

use helios64_cli::args::smart::Args;
use helios64_smart::report::{self, Entry, EntryKind, ExitBits};
use helios64_smart::{DeviceSpec, Runner};

/// Judges saved outputs: one entry per smartctl `--json` document in each
/// file (`-` is standard input).
fn judge_files(inputs: &[PathBuf]) -> Vec<Entry> {
    let mut entries = Vec::new();
    for path in inputs {
        let source = path.display().to_string();
        let read = if source == "-" {
            let mut bytes = Vec::new();
            io::Read::read_to_end(&mut io::stdin().lock(), &mut bytes).map(|_| bytes)
        } else {
            #[allow(clippy::disallowed_methods)] // a file the user named, not a board node
            std::fs::read(path)
        };
        match read {
            Ok(bytes) => entries.extend(report::judge_input(&source, &bytes)),
            Err(error) => {
                let error = FileError { path: source.clone(), source: error };
                entries.push(report::failed(source, EntryKind::File, &error));
            }
        }
    }
    entries
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
            entries.push(report::failed(path.display().to_string(), EntryKind::State, &error));
            new_runner()
        }),
    };
    let devices = match resolve_devices(&runner, args) {
        Ok(devices) => devices,
        Err(error) => {
            entries.push(report::failed(
                "smartctl --scan-open".to_owned(),
                EntryKind::Scan,
                &error,
            ));
            return entries;
        }
    };
    for (device, result) in runner.check_all(&devices) {
        entries.push(match result {
            Ok(device_report) => report::from_report(device_report),
            Err(error) => report::failed(device.to_string(), EntryKind::Device, &error),
        });
    }
    if let Err(error) = runner.save_state() {
        let path = args.state_file.as_ref().map(|p| p.display().to_string()).unwrap_or_default();
        entries.push(report::failed(path, EntryKind::State, &error));
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
    let bits = ExitBits::of(&entries);
    let mut stdout = io::stdout().lock();
    let written = if args.json {
        report::write_json(&mut stdout, &entries, bits.code())
    } else {
        report::write_table(&mut stdout, &entries, SystemTime::now())
    };
    match written {
        Ok(()) => ExitCode::from(bits.code()),
        // A closed pipe (`| head`) is not worth another message.
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => ExitCode::from(bits.code()),
        Err(_) => ExitCode::from(bits.with(ExitBits::UNREACHABLE).code()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use helios64_smart::report::EntryVerdict;

    #[test]
    fn an_unreadable_input_is_an_error_naming_the_file_and_the_rest_is_judged() {
        let fixture = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../fixtures/smartctl/qemu-vm/qemu-ahci-harddisk-7.3.json");
        let entries = judge_files(&[PathBuf::from("/nonexistent/x.json"), fixture]);
        assert_eq!(entries[0].verdict, EntryVerdict::Error);
        let error = entries[0].error.as_deref().unwrap();
        assert!(error.starts_with("cannot read /nonexistent/x.json: "), "{error}");
        assert_eq!(entries[1].verdict.as_str(), "ok");
        assert_eq!(ExitBits::of(&entries).code(), ExitBits::UNREACHABLE);
    }
}
