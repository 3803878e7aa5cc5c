//! Listen mode: `/metrics` on a TCP port, the LEDs kept on the verdict
//! between scrapes, on the service runtime's loop.

use std::net::{SocketAddr, TcpListener};
use std::os::fd::{AsFd, BorrowedFd};
use std::path::{Path, PathBuf};
use std::time::Duration;

use helios64_hal::Root;
use helios64_health::leds::{LedDriver, plan};
use helios64_health::{Health, HealthConfig, Level};
use helios64_service::{ConfigSource, Context, Daemon, Loaded, Ready, Token};

use crate::config::ExporterConfig;
use crate::http::{self, Route};
use crate::scrape::{Scraper, SmartSource};
use crate::sources::SmartRefresher;

const LISTENER: Token = Token(0);
/// Connections served per wake-up, so a flood cannot starve the timer.
const PER_WAKEUP: usize = 8;

/// Why listen mode could not start or reload.
#[derive(Debug, thiserror::Error)]
pub enum ExporterError {
    /// The address could not be bound.
    #[error("cannot listen on {addr}")]
    Bind {
        /// The address.
        addr: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// `health.toml` is wrong (on reload: the old one is kept).
    #[error("{0}")]
    HealthConfig(String),
}

/// The listen-mode daemon.
#[derive(Debug)]
pub struct Exporter {
    root: Root,
    listener: TcpListener,
    listening: SocketAddr,
    config: ExporterConfig,
    health_config: HealthConfig,
    health_source: ConfigSource,
    smart_state_file: Option<PathBuf>,
    scraper: Scraper,
    leds: Option<LedDriver>,
    led_error: Option<String>,
    verdict: Option<Level>,
    scrapes: u64,
}

/// Binds `addr`, non-blocking (the loop polls it).
pub fn bind(addr: &str) -> Result<(TcpListener, SocketAddr), ExporterError> {
    let err = |source| ExporterError::Bind { addr: addr.to_owned(), source };
    let listener = TcpListener::bind(addr).map_err(err)?;
    listener.set_nonblocking(true).map_err(err)?;
    let local = listener.local_addr().map_err(err)?;
    Ok((listener, local))
}

/// Loads `health.toml` from `source`, with `[smart] state_file` replaced by
/// `state_file` when given (`--smart-state-file`).
pub fn load_health(
    source: &ConfigSource,
    state_file: Option<&Path>,
) -> Result<HealthConfig, ExporterError> {
    let mut config = source
        .load::<HealthConfig>()
        .map(Loaded::into_config)
        .map_err(|e| ExporterError::HealthConfig(e.one_line()))?;
    if let Some(file) = state_file {
        config.smart.state_file = file.to_path_buf();
    }
    Ok(config)
}

impl Exporter {
    /// Binds, opens the LEDs (when configured) and starts serving.
    pub fn start(
        root: Root,
        config: ExporterConfig,
        listen: Option<String>,
        health_source: ConfigSource,
        smart_state_file: Option<PathBuf>,
        scraper: Scraper,
    ) -> Result<Exporter, ExporterError> {
        let health_config = load_health(&health_source, smart_state_file.as_deref())?;
        let addr = listen.unwrap_or_else(|| config.listen.clone());
        let (listener, listening) = bind(&addr)?;
        tracing::info!("listening on {listening}");
        let mut e = Exporter {
            leds: None,
            root,
            listener,
            listening,
            config,
            health_config,
            health_source,
            smart_state_file,
            scraper,
            led_error: None,
            verdict: None,
            scrapes: 0,
        };
        e.open_leds();
        // Argument parsing, config loading and start-up run once: their
        // code pages go back to the page cache (docs/PERFORMANCE.md).
        helios64_service::memory::release_file_pages();
        Ok(e)
    }

    fn open_leds(&mut self) {
        if !self.health_config.leds.enabled {
            return;
        }
        // A tree's LED files are plain files (a fixture): nothing to light,
        // and a checkout is not to be written.
        if !self.root.is_live() {
            tracing::info!("LEDs not driven under --root");
            return;
        }
        match LedDriver::open(&self.root) {
            Ok(driver) if driver.roles().is_empty() => {
                tracing::info!("no fault or bay LED on this board")
            }
            Ok(driver) => self.leds = Some(driver),
            Err(e) => tracing::warn!("LEDs not driven: {}", helios64_text::error_chain(&e)),
        }
    }

    /// After an assessment: one log line when the verdict changes, and the
    /// LEDs set to it.
    fn follow(&mut self, health: &Health) {
        if self.verdict != Some(health.verdict) {
            match self.verdict {
                None => tracing::info!("verdict {}: {}", health.verdict, health.summary),
                Some(old) => {
                    tracing::warn!("verdict {old} → {}: {}", health.verdict, health.summary)
                }
            }
            self.verdict = Some(health.verdict);
        }
        let Some(driver) = self.leds.as_mut() else { return };
        match driver.apply(&plan(health, &self.health_config.leds)) {
            Ok(changed) => {
                for (role, state) in changed {
                    tracing::info!("LED {role:?} {state:?}");
                }
                if self.led_error.take().is_some() {
                    tracing::info!("LEDs writable again");
                }
            }
            Err(e) => {
                let text = helios64_text::error_chain(&e);
                if self.led_error.as_deref() != Some(text.as_str()) {
                    tracing::warn!("{text}");
                    self.led_error = Some(text);
                }
            }
        }
    }

    fn serve_one(&mut self, mut stream: std::net::TcpStream, ctx: &mut Context<'_>) {
        // The listener is non-blocking; the connection must not be.
        if stream.set_nonblocking(false).is_err() {
            return;
        }
        let head = match http::read_head(&mut stream) {
            Ok(head) => head,
            Err(e) => {
                tracing::debug!("request not read: {e}");
                return;
            }
        };
        let written = match http::route(&head) {
            Route::Metrics { head } => {
                let scraped = self.scraper.scrape(&self.health_config, ctx.clock());
                self.scrapes += 1;
                self.follow(&scraped.health);
                http::respond(
                    &mut stream,
                    "200 OK",
                    helios64_metrics::CONTENT_TYPE,
                    &scraped.text,
                    head,
                )
            }
            Route::Index => {
                http::respond(&mut stream, "200 OK", "text/html; charset=utf-8", http::INDEX, false)
            }
            Route::NotFound => http::respond(
                &mut stream,
                "404 Not Found",
                "text/plain",
                "not found: try /metrics\n",
                false,
            ),
            Route::MethodNotAllowed => http::respond(
                &mut stream,
                "405 Method Not Allowed",
                "text/plain",
                "GET or HEAD only\n",
                false,
            ),
            Route::BadRequest => {
                http::respond(&mut stream, "400 Bad Request", "text/plain", "bad request\n", false)
            }
        };
        if let Err(e) = written {
            tracing::debug!("response not written: {e}");
        }
    }
}

impl Daemon for Exporter {
    type Config = ExporterConfig;
    type Error = ExporterError;

    fn interval(&self) -> Option<Duration> {
        Some(Duration::from_secs(self.config.assess_interval_seconds))
    }

    fn status(&self) -> String {
        let smart_runs = match &self.scraper.smart {
            SmartSource::Refresher(r) => r.runs(),
            SmartSource::Once(_) => 1,
        };
        format!(
            "{}; listening on {}; {} scrapes; {} SMART runs",
            self.verdict.map_or("not assessed yet", Level::as_str),
            self.listening,
            self.scrapes,
            smart_runs
        )
    }

    fn tick(&mut self, ctx: &mut Context<'_>) -> Result<(), ExporterError> {
        let scraped = self.scraper.scrape(&self.health_config, ctx.clock());
        self.follow(&scraped.health);
        drop(scraped);
        // Idle until the next scrape: the scrape's code pages go back too;
        // the next one faults them in from the page cache.
        helios64_service::memory::release_file_pages();
        Ok(())
    }

    fn fds(&self) -> Vec<(Token, BorrowedFd<'_>)> {
        vec![(LISTENER, self.listener.as_fd())]
    }

    fn on_fd(
        &mut self,
        _token: Token,
        _ready: Ready,
        ctx: &mut Context<'_>,
    ) -> Result<(), ExporterError> {
        for _ in 0..PER_WAKEUP {
            match self.listener.accept() {
                Ok((stream, _peer)) => self.serve_one(stream, ctx),
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                // EMFILE, ECONNABORTED: this connection is lost, the
                // listener is fine.
                Err(e) => {
                    tracing::warn!("accept: {e}");
                    break;
                }
            }
        }
        Ok(())
    }

    fn reload(
        &mut self,
        loaded: Loaded<ExporterConfig>,
        _ctx: &mut Context<'_>,
    ) -> Result<(), ExporterError> {
        let config = loaded.into_config();
        // Everything that can fail first; nothing changes unless all of it
        // succeeds.
        let health_config = load_health(&self.health_source, self.smart_state_file.as_deref())?;
        let rebound =
            if config.listen == self.config.listen { None } else { Some(bind(&config.listen)?) };
        if let Some((listener, addr)) = rebound {
            tracing::info!("listening on {addr} (was {})", self.listening);
            self.listener = listener;
            self.listening = addr;
        }
        let smart_changed = config.smart_interval_seconds != self.config.smart_interval_seconds
            || health_config.smart != self.health_config.smart
            || health_config.sata_controller != self.health_config.sata_controller;
        if smart_changed && let SmartSource::Refresher(old) = &self.scraper.smart {
            old.stop();
            self.scraper.smart = SmartSource::Refresher(SmartRefresher::start(
                self.root.clone(),
                health_config.smart.clone(),
                health_config.sata_controller.clone(),
                Duration::from_secs(config.smart_interval_seconds),
            ));
        }
        if let crate::scrape::ZfsSource::Worker(_, deadline) = &mut self.scraper.zfs {
            *deadline = Duration::from_millis(config.zfs_deadline_milliseconds);
        }
        let leds_were = self.health_config.leds.enabled;
        self.config = config;
        self.health_config = health_config;
        if !self.health_config.leds.enabled && leds_were {
            if let Some(mut driver) = self.leds.take()
                && let Err(e) = driver.restore()
            {
                tracing::warn!("{}", helios64_text::error_chain(&e));
            }
        } else if self.health_config.leds.enabled && !leds_were {
            self.open_leds();
        }
        Ok(())
    }

    fn stop(&mut self, _ctx: &mut Context<'_>) {
        if let SmartSource::Refresher(r) = &self.scraper.smart {
            r.stop();
        }
        if let Some(mut driver) = self.leds.take() {
            match driver.restore() {
                Ok(()) => tracing::info!("LED triggers restored"),
                Err(e) => tracing::warn!("{}", helios64_text::error_chain(&e)),
            }
        }
    }
}
