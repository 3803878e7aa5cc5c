//! `helios64 fan`: what the fan daemon sees and decides — each input's
//! temperature and the duty its curve asks for, the duty each fan would
//! get, and the fail-safe state — from one dry-run cycle of the same code
//! `helios64-fand` runs, beside the running daemon's own state file.

use std::io::{self, Write};
use std::process::ExitCode;
use std::time::Duration;

use helios64_cli::args::fan::Args;
use helios64_fan::{Cycle, DiscoverOptions, FanState, FandConfig, STATE_SCHEMA, discover};
use helios64_hal::Root;
use helios64_service::{ConfigSource, Freshness, MonoTime, StateDir, SystemClock};
use helios64_text::Table;

use crate::under;
use serde::Serialize;

/// The JSON document, `helios64.fan/1`.
#[derive(Debug, Serialize)]
struct Document {
    schema: &'static str,
    /// One dry-run cycle, now.
    decided: FanState,
    /// Per input: its sensor, the temperature in use, the duty its curve
    /// asks for at that temperature.
    inputs: Vec<InputView>,
    /// The running daemon's state file, when it is fresh.
    daemon: Option<FanState>,
    /// Sensors and fans that could not be found.
    missing: Vec<String>,
}

#[derive(Debug, Serialize)]
struct InputView {
    name: String,
    sensor: String,
    celsius: Option<f64>,
    curve_pwm: Option<u8>,
}

pub(crate) fn run(args: Args) -> ExitCode {
    let hal_root = match &args.root {
        Some(dir) => Root::new(dir),
        None => Root::system(),
    };
    let mut source = ConfigSource::new("fand").with_dir(under(&args.root, "/etc/helios64"));
    if let Some(file) = &args.config {
        source = source.with_file(file);
    }
    let config: FandConfig = match source.load() {
        Ok(loaded) => loaded.into_config(),
        Err(e) => {
            let _ = writeln!(io::stderr(), "helios64 fan: {}", e.one_line());
            return ExitCode::from(crate::EXIT_CONFIG);
        }
    };
    let (board, missing) =
        discover(&hal_root, &DiscoverOptions { sata_controller: config.sata_controller.clone() });
    let mut cycle = Cycle::new(&config, board, true);
    // The controller's rules need no history for one look: a single cycle
    // with the rate limit and kick irrelevant to what is asked.
    cycle.run(MonoTime::from_duration(Duration::from_secs(0)));
    let decided = FanState::of(&cycle);
    let temps = cycle.last_decision().map(|d| d.temps.clone()).unwrap_or_default();
    let inputs = config
        .used_inputs()
        .map(|(name, input)| {
            let celsius = temps
                .iter()
                .filter(|(s, _)| input.sensor.covers(**s))
                .map(|(_, c)| *c)
                .fold(None, |acc: Option<f64>, c| Some(acc.map_or(c, |a| a.max(c))));
            InputView {
                name: name.to_owned(),
                sensor: input.sensor.to_string(),
                celsius,
                curve_pwm: celsius.and_then(|c| config.curve(name).map(|curve| curve.duty(c))),
            }
        })
        .collect();
    let daemon = match StateDir::new(under(&args.root, "/run/helios64")).read::<FanState>(
        "fand",
        STATE_SCHEMA,
        Duration::from_secs(3 * config.state_every_secs),
        &SystemClock,
    ) {
        Ok(Freshness::Fresh(state)) => Some(state),
        _ => None,
    };
    let failsafe =
        decided.failsafe.is_some() || daemon.as_ref().is_some_and(|d| d.failsafe.is_some());
    let doc = Document { schema: "helios64.fan/1", decided, inputs, daemon, missing };
    let text = if args.json {
        match serde_json::to_string_pretty(&doc) {
            Ok(json) => json + "\n",
            Err(e) => {
                let _ = writeln!(io::stderr(), "helios64 fan: cannot encode JSON: {e}");
                return ExitCode::FAILURE;
            }
        }
    } else {
        render(&doc)
    };
    if let Err(e) = io::stdout().lock().write_all(text.as_bytes())
        && e.kind() != io::ErrorKind::BrokenPipe
    {
        return ExitCode::FAILURE;
    }
    if failsafe { ExitCode::FAILURE } else { ExitCode::SUCCESS }
}

fn render(doc: &Document) -> String {
    let mut out = String::new();
    out.push_str("Inputs\n");
    let mut t = Table::new(["input", "sensor", "temp", "curve asks"]);
    for i in &doc.inputs {
        t.row(vec![
            i.name.clone(),
            i.sensor.clone(),
            i.celsius.map_or_else(|| "-".into(), |c| format!("{c:.1} °C")),
            i.curve_pwm.map_or_else(|| "-".into(), |p| p.to_string()),
        ]);
    }
    let _ = t.write_to(&mut out);
    out.push_str("\nFans (one dry-run cycle now; nothing written)\n");
    let mut t = Table::new(["fan", "would set", "driven by", "daemon set"]);
    for f in &doc.decided.fans {
        let daemon = doc
            .daemon
            .as_ref()
            .and_then(|d| d.fans.iter().find(|g| g.fan == f.fan))
            .map_or_else(|| "-".into(), |g| g.pwm.to_string());
        t.row(vec![
            f.fan.clone(),
            format!("{} ({} %)", f.pwm, (u32::from(f.pwm) * 100 + 127) / 255),
            f.driven_by.clone().map_or_else(
                || "-".into(),
                |d| format!("{d} at {:.1} °C", f.driven_by_celsius.unwrap_or_default()),
            ),
            daemon,
        ]);
    }
    let _ = t.write_to(&mut out);
    out.push('\n');
    match (&doc.decided.failsafe, doc.daemon.as_ref().and_then(|d| d.failsafe.as_ref())) {
        (None, None) => out.push_str("Fail-safe: not in force.\n"),
        (decided, daemon) => {
            if let Some(why) = daemon {
                out.push_str(&format!("Fail-safe: IN FORCE in the daemon: {why}\n"));
            }
            if let Some(why) = decided {
                out.push_str(&format!("Fail-safe: this cycle would fail safe: {why}\n"));
            }
        }
    }
    if doc.daemon.is_none() {
        out.push_str("helios64-fand: no fresh state file (not running?)\n");
    }
    for m in &doc.missing {
        out.push_str(&format!("missing: {m}\n"));
    }
    out
}
