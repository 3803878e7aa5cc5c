//! `helios64-exporter`: the Helios64 in one Prometheus scrape, or one
//! node_exporter textfile; the fault and bay LEDs on the verdict. See
//! docs/runbooks/exporter.md and docs/metrics.md.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, SystemTime};

use helios64_exporter::cli::Args;
use helios64_exporter::daemon::{Exporter, load_health};
use helios64_exporter::scrape::{Scraper, SmartSource, ZfsSource};
use helios64_exporter::sources::{EventSource, SmartRefresher, ZfsWorker};
use helios64_exporter::{ExporterConfig, textfile};
use helios64_hal::Root;
use helios64_health::HealthConfig;
use helios64_health::collect::{self, Collected};
use helios64_service::{ConfigSource, Exit, SimClock, StateDir, cli};

fn say(message: &str) {
    let _ = writeln!(std::io::stderr(), "helios64-exporter: {message}");
}

fn health_source(args: &Args) -> ConfigSource {
    let mut source = ConfigSource::new("health");
    let dir = match (&args.service.config_dir, &args.service.root) {
        (Some(dir), _) => Some(dir.clone()),
        (None, Some(root)) => Some(root.join("etc/helios64")),
        (None, None) => None,
    };
    if let Some(dir) = dir {
        source = source.with_dir(dir);
    }
    if let Some(file) = &args.health_config {
        source = source.with_file(file);
    }
    source
}

fn read_files(paths: &[PathBuf]) -> Result<Vec<(String, Vec<u8>)>, ExitCode> {
    paths
        .iter()
        .map(|p| {
            #[allow(clippy::disallowed_methods)] // a file the user named, not a board node
            std::fs::read(p).map(|b| (p.display().to_string(), b)).map_err(|e| {
                say(&format!("{}: {e}", p.display()));
                ExitCode::from(Exit::Usage.code())
            })
        })
        .collect()
}

/// ZFS: saved outputs, skipped (no module, a tree), or the worker over the
/// best backend.
fn zfs_source(args: &Args, root: &Root, deadline: Duration) -> Result<ZfsSource, ExitCode> {
    if !args.zpool_json.is_empty() {
        let files = read_files(&args.zpool_json)?
            .into_iter()
            .map(|(l, b)| (l, String::from_utf8_lossy(&b).into_owned()))
            .collect::<Vec<_>>();
        return Ok(ZfsSource::Once(collect::pools_from_saved(&files)));
    }
    if !root.is_live() {
        return Ok(ZfsSource::Once(collect::skipped(
            "zfs",
            "not asked under --root (give --zpool-json)",
        )));
    }
    if !root.exists(&root.sys().join("module/zfs")).unwrap_or(false) {
        return Ok(ZfsSource::Once(collect::skipped("zfs", "the zfs kernel module is not loaded")));
    }
    let (zfs, refused) = helios64_zfs::open_reader();
    if let Some(e) = refused {
        tracing::warn!(
            "native ZFS unavailable ({}); reading pools through zpool",
            helios64_text::error_chain(&e)
        );
    }
    Ok(ZfsSource::Worker(ZfsWorker::start(zfs, events()), deadline))
}

#[cfg(feature = "native")]
fn events() -> Option<Box<dyn EventSource>> {
    match helios64_exporter::zevents::NativeEvents::open() {
        Ok(e) => Some(Box::new(e)),
        Err(e) => {
            tracing::info!("no zpool events ({})", helios64_text::error_chain(&e));
            None
        }
    }
}

#[cfg(not(feature = "native"))]
fn events() -> Option<Box<dyn EventSource>> {
    None
}

fn saved_smart(
    args: &Args,
    now: SystemTime,
) -> Result<Option<Collected<Vec<helios64_health::SmartReading>>>, ExitCode> {
    if args.smartctl_json.is_empty() {
        return Ok(None);
    }
    Ok(Some(collect::smart_from_saved(&read_files(&args.smartctl_json)?, now)))
}

fn check_config(args: &Args) -> ExitCode {
    let exporter = helios64_service::check_config::<ExporterConfig>(
        "helios64-exporter",
        &args.service.config_source("exporter"),
    );
    if exporter != Exit::Ok {
        return exporter.into();
    }
    helios64_service::check_config::<HealthConfig>("helios64-exporter", &health_source(args)).into()
}

fn textfile_mode(args: &Args, dir: &std::path::Path, root: Root) -> ExitCode {
    let config = match args.service.config_source("exporter").load::<ExporterConfig>() {
        Ok(l) => l.into_config(),
        Err(e) => {
            say(&e.one_line());
            return Exit::Config.into();
        }
    };
    let health = match load_health(&health_source(args), args.smart_state_file.as_deref()) {
        Ok(h) => h,
        Err(e) => {
            say(&e.to_string());
            return Exit::Config.into();
        }
    };
    let now =
        args.at.map_or_else(SystemTime::now, |t| SystemTime::UNIX_EPOCH + Duration::from_secs(t));
    let smart = match saved_smart(args, now) {
        Ok(Some(saved)) => saved,
        Ok(None) if !health.smart.enabled => {
            collect::skipped("smart", "disabled ([smart] enabled = false)")
        }
        Ok(None) if !root.is_live() => {
            collect::skipped("smart", "not asked under --root (give --smartctl-json)")
        }
        Ok(None) => {
            // Once, now: a timer run has no background to refresh in.
            let (runner, warning) = collect::smart_runner(&health.smart);
            if let Some(w) = warning {
                say(&w);
            }
            let result = match collect::bay_devices_of(&root, health.sata_controller.as_deref()) {
                Ok(devices) => collect::smart_with_runner(&runner, &devices),
                Err(e) => collect::skipped("smart", format!("cannot list the bay disks: {e}")),
            };
            if runner.state_file().is_some()
                && let Err(e) = runner.save_state()
            {
                say(&helios64_text::error_chain(&e));
            }
            result
        }
        Err(code) => return code,
    };
    let zfs = match zfs_source(args, &root, Duration::from_millis(config.zfs_deadline_milliseconds))
    {
        Ok(z) => z,
        Err(code) => return code,
    };
    let scraper =
        Scraper { states: args.service.state_dir(), root, smart: SmartSource::Once(smart), zfs };
    let clock = SimClock::new(now);
    match textfile::write(&scraper, &health, &clock, dir, &config.textfile_name) {
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => {
            say(&helios64_text::error_chain(&e));
            Exit::CantCreate.into()
        }
    }
}

fn main() -> ExitCode {
    let args = match cli::parse_args::<Args>() {
        Ok(args) => args,
        Err(exit) => return exit.into(),
    };
    if args.service.check_config {
        return check_config(&args);
    }
    // The command-line parser's pages are not needed again.
    helios64_service::memory::release_file_pages();
    let root = match &args.service.root {
        Some(dir) => Root::new(dir),
        None => Root::system(),
    };
    if let Some(dir) = &args.textfile {
        let _ = helios64_service::logging::init("exporter", args.service.log_level.as_deref());
        return textfile_mode(&args, dir, root);
    }
    // The ZFS worker thread starts here, before run_daemon blocks the stop
    // and reload signals: it would inherit an open mask, and a SIGHUP
    // (`systemctl reload`) that the kernel delivered to it killed the
    // daemon (seen under systemd in the test VM). Block them first.
    if let Err(e) = helios64_service::signals::block_in_this_thread() {
        let _ = writeln!(std::io::stderr(), "helios64-exporter: {e}");
        return Exit::OsErr.into();
    }
    let saved = match saved_smart(&args, SystemTime::now()) {
        Ok(s) => s,
        Err(code) => return code,
    };
    // The deadline is applied per read: the start value is exporter.toml's
    // default until the loaded configuration replaces it.
    let zfs = match zfs_source(
        &args,
        &root,
        Duration::from_millis(ExporterConfig::default().zfs_deadline_milliseconds),
    ) {
        Ok(z) => z,
        Err(code) => return code,
    };
    let listen = args.listen.clone();
    let source = health_source(&args);
    let state_file = args.smart_state_file.clone();
    helios64_service::run_daemon("exporter", &args.service, move |loaded, service| {
        let config: ExporterConfig = loaded.into_config();
        let health = load_health(&source, state_file.as_deref())?;
        let smart = match saved {
            Some(s) => SmartSource::Once(s),
            None if !health.smart.enabled => {
                SmartSource::Once(collect::skipped("smart", "disabled ([smart] enabled = false)"))
            }
            None if !root.is_live() => SmartSource::Once(collect::skipped(
                "smart",
                "not asked under --root (give --smartctl-json)",
            )),
            None => SmartSource::Refresher(SmartRefresher::start(
                root.clone(),
                health.smart.clone(),
                health.sata_controller.clone(),
                Duration::from_secs(config.smart_interval_seconds),
            )),
        };
        let zfs = match zfs {
            ZfsSource::Worker(worker, _) => {
                ZfsSource::Worker(worker, Duration::from_millis(config.zfs_deadline_milliseconds))
            }
            once => once,
        };
        let scraper = Scraper { root: root.clone(), states: states_of(service), smart, zfs };
        Exporter::start(root, config, listen, source, state_file, scraper)
    })
}

fn states_of(service: &helios64_service::Service) -> StateDir {
    service.state_dir().clone()
}
