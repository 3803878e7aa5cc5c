//! `helios64 ups`: the UPS as the daemon sees it — state, mains, pack
//! volts (latest and filtered), time on battery, the estimated time to the
//! low-voltage threshold from the voltage slope, the next action — from
//! helios64-upsd's state file, beside one reading of the hardware now.

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use helios64_cli::args::ups::Args;
use helios64_hal::{BatteryReading, Root, Ups, UpsStatus};
use helios64_service::{ConfigSource, Freshness, StateDir, SystemClock};
use helios64_text::Table;
use helios64_ups::{PowerState, STATE_SCHEMA, UpsState, UpsdConfig, volts};
use serde::Serialize;

/// The JSON document, `helios64.ups/1`.
#[derive(Debug, Serialize)]
struct Document {
    schema: &'static str,
    /// The running daemon's state, when its file is fresh.
    daemon: Option<UpsState>,
    /// Seconds since the daemon last wrote it.
    daemon_age_secs: Option<f64>,
    /// One reading of the hardware now.
    reading: Option<UpsStatus>,
    /// What could not be read.
    errors: Vec<String>,
}

fn under(root: &Option<PathBuf>, path: &str) -> PathBuf {
    match root {
        Some(dir) => dir.join(path.trim_start_matches('/')),
        None => PathBuf::from(path),
    }
}

pub(crate) fn run(args: Args) -> ExitCode {
    let hal_root = match &args.root {
        Some(dir) => Root::new(dir),
        None => Root::system(),
    };
    let mut source = ConfigSource::new("upsd").with_dir(under(&args.root, "/etc/helios64"));
    if let Some(file) = &args.config {
        source = source.with_file(file);
    }
    let config: UpsdConfig = match source.load() {
        Ok(loaded) => loaded.into_config(),
        Err(e) => {
            let _ = writeln!(io::stderr(), "helios64 ups: {}", e.one_line());
            return ExitCode::from(78);
        }
    };
    let mut errors = Vec::new();
    let reading = match Ups::discover(&hal_root, config.ups_config()).and_then(|ups| ups.status()) {
        Ok(status) => Some(status),
        Err(e) => {
            errors.push(helios64_text::error_chain(&e));
            None
        }
    };
    let max_age = Duration::from_secs(3 * config.state_every_secs);
    let states = StateDir::new(under(&args.root, "/run/helios64"));
    let (daemon, daemon_age_secs) =
        match states.read::<UpsState>("upsd", STATE_SCHEMA, max_age, &SystemClock) {
            Ok(Freshness::Fresh(state)) => (Some(state), age(&states)),
            Ok(Freshness::Stale { age, .. }) => {
                errors.push(format!(
                    "helios64-upsd's state file is {} s old (not running?)",
                    age.as_secs()
                ));
                (None, None)
            }
            Ok(Freshness::Absent) => (None, None),
            Err(e) => {
                errors.push(e.one_line());
                (None, None)
            }
        };
    let code = exit_code(daemon.as_ref(), reading.as_ref(), &errors);
    let doc = Document { schema: "helios64.ups/1", daemon, daemon_age_secs, reading, errors };
    let text = if args.json {
        match serde_json::to_string_pretty(&doc) {
            Ok(json) => json + "\n",
            Err(e) => {
                let _ = writeln!(io::stderr(), "helios64 ups: cannot encode JSON: {e}");
                return ExitCode::from(3);
            }
        }
    } else {
        render(&doc)
    };
    if let Err(e) = io::stdout().lock().write_all(text.as_bytes())
        && e.kind() != io::ErrorKind::BrokenPipe
    {
        return ExitCode::from(3);
    }
    ExitCode::from(code)
}

/// The envelope's own timestamp, for the age shown.
fn age(states: &StateDir) -> Option<f64> {
    #[derive(serde::Deserialize)]
    struct Envelope {
        written_at_unix_ms: u64,
    }
    // The daemon's own state file, read a second time for its stamp.
    #[allow(clippy::disallowed_methods)]
    let bytes = std::fs::read(states.path("upsd")).ok()?;
    let env: Envelope = serde_json::from_slice(&bytes).ok()?;
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).ok()?;
    #[allow(clippy::cast_precision_loss)] // milliseconds since 1970 fit easily
    let written = env.written_at_unix_ms as f64 / 1000.0;
    Some((now.as_secs_f64() - written).max(0.0))
}

fn exit_code(daemon: Option<&UpsState>, reading: Option<&UpsStatus>, errors: &[String]) -> u8 {
    let Some(state) = daemon else {
        return if reading.is_some() { 1 } else { 3 };
    };
    match state.state {
        PowerState::LowBattery | PowerState::Shutdown => 2,
        PowerState::OnBattery => 1,
        PowerState::Online
            if state.battery_fault
                || state.battery != helios64_ups::BatteryState::Present
                || !state.errors.is_empty()
                || !errors.is_empty() =>
        {
            1
        }
        PowerState::Online => 0,
    }
}

fn opt<T>(v: Option<T>, f: impl Fn(T) -> String) -> String {
    v.map_or_else(|| "-".to_owned(), f)
}

fn duration(secs: f64) -> String {
    // Whole seconds are all a person needs here.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let s = secs.max(0.0).round() as u64;
    if s >= 60 { format!("{}:{:02} min", s / 60, s % 60) } else { format!("{s} s") }
}

fn render(doc: &Document) -> String {
    let mut out = String::new();
    let mut t = Table::new(["", "helios64-upsd", "read now"]);
    let d = doc.daemon.as_ref();
    let r = doc.reading.as_ref();
    let mains_now = r.and_then(|r| r.mains.as_ref());
    t.row(vec!["state".into(), opt(d, |d| d.state.to_string()), "-".into()]);
    t.row(vec![
        "mains".into(),
        opt(d.and_then(|d| d.mains), |m| if m { "on".into() } else { "off".into() }),
        opt(mains_now, |m| format!("{} ({})", if m.online { "on" } else { "off" }, m.source)),
    ]);
    t.row(vec![
        "charge".into(),
        opt(d.and_then(|d| d.charge.clone()), |c| c),
        opt(mains_now.filter(|m| m.online).and_then(|m| m.charge), |c| format!("{c:?}")),
    ]);
    let pack_now = match r.map(|r| &r.battery) {
        Some(BatteryReading::Present { battery_millivolts, adc_millivolts, .. }) => {
            format!("{} V ({adc_millivolts:.0} mV at the ADC)", volts(*battery_millivolts))
        }
        Some(BatteryReading::Absent { adc_millivolts }) => {
            format!("no battery ({adc_millivolts:.0} mV)")
        }
        Some(BatteryReading::Unknown { reason }) => format!("unknown: {reason}"),
        None => "-".into(),
    };
    t.row(vec![
        "pack".into(),
        opt(d.and_then(|d| d.pack_mv), |v| format!("{} V", volts(v))),
        pack_now,
    ]);
    t.row(vec![
        "filtered".into(),
        opt(d.and_then(|d| d.filtered_mv), |v| format!("{} V", volts(v))),
        "-".into(),
    ]);
    t.row(vec![
        "DC-in".into(),
        opt(d.and_then(|d| d.dc_in_mv), |v| format!("{} V", volts(v))),
        opt(r.and_then(|r| r.dc_in_millivolts), |v| format!("{} V", volts(v))),
    ]);
    t.row(vec!["on battery".into(), opt(d.and_then(|d| d.on_battery_secs), duration), "-".into()]);
    t.row(vec![
        "slope".into(),
        opt(d.and_then(|d| d.slope_mv_per_min), |s| format!("{s:+.0} mV/min")),
        "-".into(),
    ]);
    t.row(vec![
        "to low voltage".into(),
        opt(d.and_then(|d| d.estimated_secs_to_low), |s| format!("~{}", duration(s))),
        "-".into(),
    ]);
    t.row(vec!["next action".into(), opt(d, |d| d.next_action.text.clone()), "-".into()]);
    let _ = t.write_to(&mut out);
    if let Some(d) = d {
        if let Some(s) = &d.shutdown {
            out.push_str(&format!("\nSHUTDOWN ({}): {}\n", s.phase, s.reason));
        }
        if d.battery_fault {
            out.push_str("\nBATTERY FAULT: the pack reads low on mains.\n");
        }
        for e in &d.errors {
            out.push_str(&format!("daemon: {e}\n"));
        }
        let thresholds = format!(
            "\nshutdown rules: {} on battery, {} filtered\n",
            if d.max_on_battery_secs == 0 {
                "no time limit".into()
            } else {
                format!("{} s", d.max_on_battery_secs)
            },
            if d.low_voltage_mv == 0 {
                "no voltage threshold".into()
            } else {
                format!("{} V", volts(d.low_voltage_mv))
            },
        );
        out.push_str(&thresholds);
    } else {
        out.push_str("\nhelios64-upsd: no fresh state file (not running?)\n");
    }
    for e in &doc.errors {
        out.push_str(&format!("error: {e}\n"));
    }
    out
}
