//! The subcommands that need no ZFS: `plan` and `import-sanoid`.

// Inputs named on the command line, not board nodes.
#![allow(clippy::disallowed_methods)]

use std::fs::File;
use std::io::{self, BufReader, BufWriter, Write as _};
use std::path::Path;

use helios64_retention::monitor::{Level, check};
use helios64_retention::{
    Input, Listing, SnapConfig, Zone, plan as make_plan, read_zfs_get, sanoid,
};
use helios64_service::{Config, ConfigSource, Exit, Invalid};
use serde::{Deserialize, Serialize};

use helios64_snap::cli::{ImportArgs, Inputs, MonitorArgs, PlanArgs, PolicyArgs};

use crate::fail;

/// The TOML policy as the daemon runtime loads it (located errors).
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(transparent)]
struct Policy(SnapConfig);

impl Config for Policy {
    fn validate(&self) -> Result<(), Invalid> {
        self.0.validate().map_err(|e| match e {
            helios64_retention::Error::Policy { key, message } => Invalid::at(&key, message),
            other => Invalid::at("", other),
        })
    }
}

fn read(path: &Path) -> Result<String, Exit> {
    if path == Path::new("-") {
        return io::read_to_string(io::stdin())
            .map_err(|e| fail(Exit::NoInput, format!("stdin: {e}")));
    }
    std::fs::read_to_string(path)
        .map_err(|e| fail(Exit::NoInput, format!("{}: {e}", path.display())))
}

/// Loads the policy named by `args`, reporting errors on stderr.
pub(crate) fn load_policy(args: &PolicyArgs) -> Result<SnapConfig, Exit> {
    if let Some(file) = &args.sanoid_conf {
        let text = read(file)?;
        let imported = sanoid::parse(&text, &file.display().to_string())
            .map_err(|e| fail(Exit::DataErr, e))?;
        for w in &imported.warnings {
            let _ = writeln!(io::stderr().lock(), "helios64-snap: warning: {w}");
        }
        return Ok(imported.config);
    }
    let source = ConfigSource::new("snap");
    let source = match &args.config {
        Some(file) => source.with_file(file),
        None => source,
    };
    source.load::<Policy>().map(|l| l.into_config().0).map_err(|e| fail(e.exit(), e.one_line()))
}

/// Reads a listing as it streams in: the text is never held whole.
fn listing(path: &Path) -> Result<Listing, Exit> {
    let name = path.display().to_string();
    let parsed = if path == Path::new("-") {
        read_zfs_get(io::stdin().lock(), &name)
    } else {
        let file = File::open(path).map_err(|e| fail(Exit::NoInput, format!("{name}: {e}")))?;
        read_zfs_get(BufReader::with_capacity(64 * 1024, file), &name)
    };
    parsed.map_err(|e| fail(Exit::DataErr, e))
}

/// The configured zone: `UTC`, an IANA name from the system's database,
/// or a POSIX TZ string.
pub(crate) fn zone(name: &str) -> Result<Zone, String> {
    if name == "UTC" {
        return Ok(Zone::utc());
    }
    let tz = match jiff::tz::TimeZone::get(name) {
        Ok(tz) => tz,
        Err(e) => {
            jiff::tz::TimeZone::posix(name).map_err(|_| format!("time zone {name:?}: {e}"))?
        }
    };
    Ok(Zone::new(name, tz))
}

/// The plan document's format name.
pub(crate) const FORMAT: &str = "helios64.snap.plan/1";

/// Everything a plan or a check needs, read and resolved.
struct Loaded {
    config: SnapConfig,
    listing: Listing,
    zone: Zone,
}

fn load_all(args: &Inputs) -> Result<Loaded, Exit> {
    let config = load_policy(&args.policy)?;
    let listing = listing(&args.snapshots)?;
    let zone = zone(&config.timezone).map_err(|e| fail(Exit::Config, format!("timezone: {e}")))?;
    Ok(Loaded { config, listing, zone })
}

/// Runs `plan`.
pub(crate) fn plan(args: &PlanArgs) -> Exit {
    let loaded = match load_all(&args.input) {
        Ok(l) => l,
        Err(exit) => return exit,
    };
    let mut datasets: Vec<&str> = loaded.listing.datasets().collect();
    datasets.sort_unstable();
    let policies = match loaded.config.resolve(&datasets) {
        Ok(p) => p,
        Err(e) => return fail(Exit::Config, e),
    };
    let input = Input {
        policies: &policies,
        listing: &loaded.listing,
        datasets: &datasets,
        now: args.input.now,
        zone: &loaded.zone,
    };
    let mut plan = match make_plan(input) {
        Ok(p) => p,
        Err(e) => return fail(Exit::DataErr, e),
    };
    if args.no_keep {
        plan.keep.clear();
    }
    let out = BufWriter::with_capacity(64 * 1024, io::stdout().lock());
    match plan.write_json(out, FORMAT) {
        Ok(()) => Exit::Ok,
        Err(e) => fail(Exit::IoErr, format!("stdout: {e}")),
    }
}

/// Runs `monitor`: any input problem is UNKNOWN (3), with its reason on
/// the line, as monitoring plugins report.
pub(crate) fn monitor(args: &MonitorArgs) -> Exit {
    let unknown = |why: String| {
        let _ = writeln!(io::stdout().lock(), "UNKNOWN: {why}");
        Exit::Unknown
    };
    let loaded = match load_all(&args.input) {
        Ok(l) => l,
        Err(_) => return unknown("cannot read the policy or the listing (see stderr)".into()),
    };
    let mut datasets: Vec<&str> = loaded.listing.datasets().collect();
    datasets.sort_unstable();
    let policies = match loaded.config.resolve(&datasets) {
        Ok(p) => p,
        Err(e) => return unknown(e.to_string()),
    };
    let report = check(&policies, &loaded.listing, args.input.now);
    if let Err(e) = writeln!(io::stdout().lock(), "{}", report.line) {
        return fail(Exit::Unknown, format!("stdout: {e}"));
    }
    match report.level {
        Level::Ok => Exit::Ok,
        Level::Warning => Exit::Warning,
        Level::Critical => Exit::Critical,
    }
}

/// Runs `import-sanoid`.
pub(crate) fn import(args: &ImportArgs) -> Exit {
    let text = match read(&args.file) {
        Ok(t) => t,
        Err(exit) => return exit,
    };
    let name = args.file.display().to_string();
    let imported = match sanoid::parse(&text, &name) {
        Ok(i) => i,
        Err(e) => return fail(Exit::DataErr, e),
    };
    match sanoid::to_toml(&imported.config, &imported.warnings, &name) {
        Ok(toml) => match io::stdout().lock().write_all(toml.as_bytes()) {
            Ok(()) => Exit::Ok,
            Err(e) => fail(Exit::IoErr, format!("stdout: {e}")),
        },
        Err(e) => fail(Exit::Software, e),
    }
}
