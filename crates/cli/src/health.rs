//! `helios64 health`: one verdict for the whole box, with every reason,
//! in the monitoring-plugin convention (first line a summary; exit 0 OK,
//! 1 WARNING, 2 CRITICAL, 3 UNKNOWN), so it drops into Nagios, Icinga or a
//! unit's `OnFailure=` check. `--json` prints `helios64.health/1`
//! (docs/health-json.md).

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, SystemTime};

use helios64_cli::args::health::Args;
use helios64_hal::Root;
use helios64_health::collect::{self, Collected};
use helios64_health::{HealthConfig, PoolEvent, SmartReading, assess, write_table};
use helios64_service::{ConfigSource, StateDir};
use helios64_zfs::PoolStatus;

use crate::{EXIT_CONFIG, EXIT_USAGE, under};

/// How many recent events per pool are shown.
const EVENTS_PER_POOL: usize = 5;

fn fail(message: impl std::fmt::Display, code: u8) -> ExitCode {
    let _ = writeln!(io::stderr(), "helios64 health: {message}");
    ExitCode::from(code)
}

pub(crate) fn run(args: Args) -> ExitCode {
    let root = match &args.root {
        None => Root::system(),
        Some(dir) if Root::new(dir).is_dir(dir).unwrap_or(false) => Root::new(dir),
        Some(dir) => {
            return fail(format_args!("--root {}: not a directory", dir.display()), EXIT_USAGE);
        }
    };
    let mut source = ConfigSource::new("health").with_dir(under(&args.root, "/etc/helios64"));
    if let Some(file) = &args.config {
        source = source.with_file(file);
    }
    let loaded = match source.load::<HealthConfig>() {
        Ok(loaded) => loaded,
        Err(e) => return fail(e.one_line(), EXIT_CONFIG),
    };
    if args.check_config {
        return match loaded.effective_toml() {
            Ok(text) => {
                let _ = io::stdout().write_all(text.as_bytes());
                ExitCode::SUCCESS
            }
            Err(e) => fail(e.one_line(), EXIT_CONFIG),
        };
    }
    let config = loaded.into_config();
    let now =
        args.at.map_or_else(SystemTime::now, |t| SystemTime::UNIX_EPOCH + Duration::from_secs(t));

    let board = collect::board(&root, config.sata_controller.as_deref());
    let smart = match smart(&args, &root, &config, &board.0, now) {
        Ok(smart) => smart,
        Err(code) => return code,
    };
    let (pools, events) = match pools(&args, &root) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let states = StateDir::new(under(&args.root, "/run/helios64"));
    // The wall clock pinned at the assessment's moment (`--at`), so state
    // file ages agree with it.
    let clock = helios64_service::SimClock::new(now);
    let mut inputs = collect::inputs(&root, &states, &clock, board, smart, pools, events);
    inputs.replication = collect::replication_state(&root, &config.replication.state_dir, &clock);
    let health = assess(&inputs, &config, now);

    let mut out = io::stdout().lock();
    let written = if args.json {
        serde_json::to_string_pretty(&health)
            .map_err(io::Error::other)
            .and_then(|json| out.write_all((json + "\n").as_bytes()))
    } else {
        write_table(&mut out, &health)
    };
    if let Err(e) = written.and_then(|()| out.flush())
        && e.kind() != io::ErrorKind::BrokenPipe
    {
        return fail(format_args!("cannot write the output: {e}"), 3);
    }
    ExitCode::from(health.verdict.exit_code())
}

fn read_files(paths: &[PathBuf]) -> Result<Vec<(String, Vec<u8>)>, ExitCode> {
    paths
        .iter()
        .map(|p| {
            #[allow(clippy::disallowed_methods)] // a file the user named, not a board node
            std::fs::read(p)
                .map(|bytes| (p.display().to_string(), bytes))
                .map_err(|e| fail(format_args!("{}: {e}", p.display()), EXIT_USAGE))
        })
        .collect()
}

fn smart(
    args: &Args,
    root: &Root,
    config: &HealthConfig,
    board: &helios64_status::BoxStatus,
    now: SystemTime,
) -> Result<Collected<Vec<SmartReading>>, ExitCode> {
    if !args.smartctl_json.is_empty() {
        return Ok(collect::smart_from_saved(&read_files(&args.smartctl_json)?, now));
    }
    if !config.smart.enabled {
        return Ok(collect::skipped("smart", "disabled ([smart] enabled = false)"));
    }
    if !root.is_live() {
        return Ok(collect::skipped("smart", "not asked under --root (give --smartctl-json)"));
    }
    let (runner, warning) = collect::smart_runner(&config.smart);
    if let Some(w) = warning {
        let _ = writeln!(io::stderr(), "helios64 health: {w}");
    }
    let result = collect::smart_with_runner(&runner, &collect::bay_devices(board));
    if runner.state_file().is_some()
        && let Err(e) = runner.save_state()
    {
        let _ = writeln!(io::stderr(), "helios64 health: {}", helios64_text::error_chain(&e));
    }
    Ok(result)
}

type PoolsAndEvents = (Collected<Vec<PoolStatus>>, Vec<PoolEvent>);

fn pools(args: &Args, root: &Root) -> Result<PoolsAndEvents, ExitCode> {
    if !args.zpool_json.is_empty() {
        let files = read_files(&args.zpool_json)?
            .into_iter()
            .map(|(label, bytes)| (label, String::from_utf8_lossy(&bytes).into_owned()))
            .collect::<Vec<_>>();
        return Ok((collect::pools_from_saved(&files), Vec::new()));
    }
    if !root.is_live() {
        return Ok((
            collect::skipped("zfs", "not asked under --root (give --zpool-json)"),
            Vec::new(),
        ));
    }
    if !root.exists(&root.sys().join("module/zfs")).unwrap_or(false) {
        return Ok((collect::skipped("zfs", "the zfs kernel module is not loaded"), Vec::new()));
    }
    Ok(live_pools())
}

fn live_pools() -> PoolsAndEvents {
    let (zfs, refused) = helios64_zfs::open_reader();
    if let Some(e) = refused {
        let _ = writeln!(
            io::stderr(),
            "helios64 health: native ZFS unavailable ({}); using zpool",
            helios64_text::error_chain(&e)
        );
    }
    (collect::pools(zfs.as_ref()), recent_events())
}

/// The events the kernel still keeps, the last few per pool. Needs root;
/// without it there are simply none to show.
#[cfg(feature = "native")]
fn recent_events() -> Vec<PoolEvent> {
    let Ok(mut stream) = helios64_zfs::Events::open(helios64_zfs::EventsFrom::Oldest) else {
        return Vec::new();
    };
    let mut by_pool: std::collections::BTreeMap<String, std::collections::VecDeque<PoolEvent>> =
        std::collections::BTreeMap::new();
    while let Ok(Some(event)) = stream.try_next() {
        let Some(pool) = event.pool.clone() else { continue };
        let queue = by_pool.entry(pool.clone()).or_default();
        if queue.len() == EVENTS_PER_POOL {
            queue.pop_front();
        }
        queue.push_back(PoolEvent {
            pool,
            time_unix: event.time.duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_secs()),
            class: event.class,
            vdev_path: event.vdev_path,
        });
    }
    by_pool.into_values().flatten().collect()
}

#[cfg(not(feature = "native"))]
fn recent_events() -> Vec<PoolEvent> {
    Vec::new()
}
