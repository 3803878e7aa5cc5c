//! Putting it together: what a daemon's `main` calls.

use std::io::Write as _;
use std::process::ExitCode;

use crate::cli::{Exit, ServiceArgs, report};
use crate::clock::SystemClock;
use crate::config::{Config, ConfigSource, Loaded};
use crate::error::{Error, IoOp, Result};
use crate::logging::{self, LogTarget};
use crate::notify::Notifier;
use crate::run::{Daemon, Env, Report, SystemPoller, run_loop};
use crate::signals::Signals;
use crate::state::StateDir;

/// A started service: signals blocked, logging installed, the notify
/// socket and watchdog read from the environment.
#[derive(Debug)]
pub struct Service {
    daemon: String,
    source: ConfigSource,
    signals: Signals,
    notifier: Notifier,
    log: LogTarget,
    once: bool,
    states: StateDir,
}

impl Service {
    /// Starts the runtime for daemon `daemon` (e.g. `fand`). Call it before
    /// any thread is spawned: it blocks SIGTERM, SIGINT and SIGHUP first
    /// (see [`crate::signals`]), then installs logging.
    pub fn start(daemon: &str, args: &ServiceArgs) -> Result<Service> {
        let signals = Signals::block()?;
        let log = logging::init(daemon, args.log_level.as_deref())?;
        let notifier = Notifier::from_env();
        if let Some(timeout) = notifier.watchdog_timeout() {
            tracing::debug!("watchdog {timeout:?}: pinging every {:?}", timeout / 2);
        }
        Ok(Service {
            daemon: daemon.to_owned(),
            source: args.config_source(daemon),
            signals,
            notifier,
            log,
            once: args.once,
            states: args.state_dir(),
        })
    }

    /// The daemon's name.
    pub fn daemon(&self) -> &str {
        &self.daemon
    }

    /// Where the configuration is read from (and reloaded from on SIGHUP).
    pub fn config_source(&self) -> &ConfigSource {
        &self.source
    }

    /// Loads the configuration.
    pub fn load<C: Config>(&self) -> Result<Loaded<C>> {
        self.source.load()
    }

    /// The notifier (the loop sends READY, STATUS, WATCHDOG and STOPPING
    /// itself; this is for anything else).
    pub fn notifier(&self) -> &Notifier {
        &self.notifier
    }

    /// Where the daemon's state file goes (`<root>/run/helios64`).
    pub fn state_dir(&self) -> &StateDir {
        &self.states
    }

    /// Where logs go.
    pub fn log_target(&self) -> LogTarget {
        self.log
    }

    /// Runs `daemon` on the event loop until SIGTERM/SIGINT (or for one
    /// tick with `--once`).
    pub fn run<D: Daemon>(&self, daemon: &mut D) -> Result<Report> {
        let mut poller = SystemPoller::new(&self.signals)?;
        let env = Env {
            clock: &SystemClock,
            notifier: &self.notifier,
            source: &self.source,
            once: self.once,
        };
        run_loop(daemon, &env, &mut poller)
    }
}

/// `--check-config`: loads the configuration from `source`, prints the
/// effective one as TOML on stdout and gives [`Exit::Ok`]; or prints the
/// located error on stderr and gives [`Exit::Config`].
pub fn check_config<C: Config>(program: &str, source: &ConfigSource) -> Exit {
    let printed = source.load::<C>().and_then(|loaded| {
        let text = loaded.effective_toml()?;
        std::io::stdout().lock().write_all(text.as_bytes()).map_err(|source| Error::Io {
            op: IoOp::WriteStdout,
            path: "standard output".into(),
            source,
        })
    });
    match printed {
        Ok(()) => Exit::Ok,
        Err(e) => report(program, &e),
    }
}

/// A whole daemon `main`: `--check-config`, start, load, build the daemon
/// with `build` (discovery), run, and the exit code: 0 on a clean stop, 78
/// for a bad configuration, 69 when `build` fails, ... Every failure is one
/// line on stderr, `helios64-<daemon>: ...`.
pub fn run_daemon<D, F>(daemon: &str, args: &ServiceArgs, build: F) -> ExitCode
where
    D: Daemon,
    F: FnOnce(Loaded<D::Config>, &Service) -> std::result::Result<D, D::Error>,
{
    let program = format!("helios64-{daemon}");
    if args.check_config {
        return check_config::<D::Config>(&program, &args.config_source(daemon)).into();
    }
    let result = Service::start(daemon, args).and_then(|service| {
        let loaded = service.load::<D::Config>()?;
        let mut d = build(loaded, &service)
            .map_err(|e| Error::Daemon { during: "start", source: Box::new(e) })?;
        service.run(&mut d)
    });
    match result {
        Ok(summary) => {
            tracing::info!(
                "stopped after {} ticks, {} wake-ups, {} watchdog pings",
                summary.ticks,
                summary.wakeups,
                summary.pings
            );
            Exit::Ok.into()
        }
        Err(e) => report(&program, &e).into(),
    }
}
