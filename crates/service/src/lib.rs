//! The runtime every helios64 daemon shares.
//!
//! A daemon is a [`Daemon`] (tick, fd events, reload, stop) with a
//! [`Config`] type, and a `main` of a few lines. The runtime gives it:
//!
//! - [`config`]: `/etc/helios64/<daemon>.toml` plus `<daemon>.d/*.toml`
//!   drop-ins over compiled-in defaults, every error located as
//!   `file:line:column: dotted.key: message`, `--check-config`;
//! - [`notify`]: READY, STATUS, RELOADING, STOPPING and the watchdog, a
//!   no-op outside systemd;
//! - [`signals`]: SIGTERM/SIGINT stop, SIGHUP reloads, through a signalfd;
//! - [`run`]: one thread, one `poll` over a timerfd, the signalfd and the
//!   daemon's fds; no other wake-ups; the same loop on a [`SimClock`] in
//!   tests;
//! - [`clock`]: monotonic and wall time behind [`Clock`];
//! - [`state`]: `/run/helios64/<daemon>.json`, atomic, schema-versioned,
//!   read back with a freshness verdict;
//! - [`logging`]: the journal under systemd, stderr otherwise;
//! - [`cli`]: the shared flags ([`ServiceArgs`]) and exit codes ([`Exit`]).
//!
//! ```no_run
//! use std::process::ExitCode;
//! use std::time::Duration;
//! use clap::Parser;
//! use helios64_service::{Config, Context, Daemon, Loaded, ServiceArgs};
//!
//! #[derive(Default, serde::Serialize, serde::Deserialize)]
//! #[serde(deny_unknown_fields)]
//! struct Conf { interval_s: u64 }
//! impl Config for Conf {}
//!
//! struct Hello { conf: Conf, ticks: u64 }
//! impl Daemon for Hello {
//!     type Config = Conf;
//!     type Error = std::io::Error;
//!     fn interval(&self) -> Option<Duration> { Some(Duration::from_secs(self.conf.interval_s.max(1))) }
//!     fn status(&self) -> String { format!("{} ticks", self.ticks) }
//!     fn tick(&mut self, _: &mut Context<'_>) -> std::io::Result<()> { self.ticks += 1; Ok(()) }
//!     fn reload(&mut self, c: Loaded<Conf>, _: &mut Context<'_>) -> std::io::Result<()> {
//!         self.conf = c.into_config();
//!         Ok(())
//!     }
//!     fn stop(&mut self, _: &mut Context<'_>) {}
//! }
//!
//! #[derive(Parser)]
//! struct Args { #[command(flatten)] service: ServiceArgs }
//!
//! fn main() -> ExitCode {
//!     let args = match helios64_service::cli::parse_args::<Args>() {
//!         Ok(args) => args,
//!         Err(exit) => return exit.into(),
//!     };
//!     helios64_service::run_daemon("hello", &args.service, |loaded, _service| {
//!         Ok(Hello { conf: loaded.into_config(), ticks: 0 })
//!     })
//! }
//! ```

// Unit tests build config and state trees with std::fs on purpose.
#![cfg_attr(test, allow(clippy::disallowed_methods))]

pub mod cli;
pub mod clock;
pub mod config;
pub mod error;
pub mod logging;
pub mod memory;
pub mod notify;
pub mod run;
mod service;
pub mod signals;
pub mod state;

pub use cli::{Exit, ServiceArgs};
pub use clock::{Clock, MonoTime, SimClock, SystemClock};
pub use config::{Config, ConfigError, ConfigSource, Invalid, KeyPath, Loaded};
pub use error::{Error, Result};
pub use notify::Notifier;
pub use run::{Context, Daemon, Ready, Report, Token};
pub use service::{Service, check_config, run_daemon};
pub use signals::{SignalEvent, Signals, StopSignal};
pub use state::{Freshness, StateDir};
