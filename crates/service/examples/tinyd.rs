//! `tinyd`: the smallest daemon on the runtime, for the integration tests
//! (`tests/daemon.rs` runs it under a real `NOTIFY_SOCKET`) and as the
//! example a daemon author starts from. An example, so it is never
//! installed.
//!
//! ```sh
//! cargo run -p helios64-service --example tinyd -- --root /tmp/fx   # /tmp/fx/etc/helios64/tinyd.toml
//! ```
//!
//! Config (`<dir>/tinyd.toml`): `interval_ms` (10..=3600000, default 1000)
//! and `greeting` (default "hello"). Its status line counts ticks, so the
//! tests can count them from `STATUS=` (a real daemon's status changes with
//! its state, not every cycle).

use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use helios64_service::{Config, Context, Daemon, Invalid, Loaded, ServiceArgs, StateDir};
use serde::{Deserialize, Serialize};

/// tinyd's configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct TinyConfig {
    /// How often to tick.
    interval_ms: u64,
    /// Shown in the status line.
    greeting: String,
}

impl Default for TinyConfig {
    fn default() -> Self {
        TinyConfig { interval_ms: 1000, greeting: "hello".into() }
    }
}

impl Config for TinyConfig {
    fn validate(&self) -> Result<(), Invalid> {
        if !(10..=3_600_000).contains(&self.interval_ms) {
            return Err(Invalid::at(
                "interval_ms",
                format_args!("{} is outside 10..=3600000", self.interval_ms),
            ));
        }
        Ok(())
    }
}

/// What tinyd publishes in its state file.
#[derive(Debug, Serialize)]
struct TinyState<'a> {
    greeting: &'a str,
    interval_ms: u64,
    ticks: u64,
}

/// Fails only when the state file cannot be written.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
struct TinyError(#[from] helios64_service::Error);

struct Tiny {
    config: TinyConfig,
    ticks: u64,
    states: Option<StateDir>,
    /// The state file is written on a state change (start, reload), not
    /// every tick.
    changed: bool,
}

impl Tiny {
    fn publish(&mut self, ctx: &Context<'_>) -> Result<(), TinyError> {
        if let Some(states) = &self.states {
            let state = TinyState {
                greeting: &self.config.greeting,
                interval_ms: self.config.interval_ms,
                ticks: self.ticks,
            };
            states.write("tinyd", 1, ctx.clock(), &state)?;
        }
        self.changed = false;
        Ok(())
    }
}

impl Daemon for Tiny {
    type Config = TinyConfig;
    type Error = TinyError;

    fn interval(&self) -> Option<Duration> {
        Some(Duration::from_millis(self.config.interval_ms))
    }

    fn status(&self) -> String {
        format!(
            "{}: {} ticks every {} ms",
            self.config.greeting, self.ticks, self.config.interval_ms
        )
    }

    fn tick(&mut self, ctx: &mut Context<'_>) -> Result<(), TinyError> {
        self.ticks += 1;
        if self.changed {
            self.publish(ctx)?;
        }
        Ok(())
    }

    fn reload(&mut self, config: Loaded<TinyConfig>, _: &mut Context<'_>) -> Result<(), TinyError> {
        let config = config.into_config();
        if config != self.config {
            tracing::info!("greeting {:?}, every {} ms", config.greeting, config.interval_ms);
            self.config = config;
            self.changed = true;
        }
        Ok(())
    }

    fn stop(&mut self, ctx: &mut Context<'_>) {
        if let Err(e) = self.publish(ctx) {
            tracing::warn!("final state not written: {}", e.0.one_line());
        }
    }
}

/// A tiny daemon on the helios64 runtime.
#[derive(Debug, Parser)]
#[command(name = "helios64-tinyd")]
struct Args {
    #[command(flatten)]
    service: ServiceArgs,
    /// Write no state file.
    #[arg(long)]
    no_state: bool,
}

fn main() -> ExitCode {
    let args = match helios64_service::cli::parse_args::<Args>() {
        Ok(args) => args,
        Err(exit) => return exit.into(),
    };
    let no_state = args.no_state;
    helios64_service::run_daemon("tinyd", &args.service, |loaded, service| {
        let states = (!no_state).then(|| service.state_dir().clone());
        Ok(Tiny { config: loaded.into_config(), ticks: 0, states, changed: true })
    })
}
