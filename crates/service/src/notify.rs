//! systemd's notify protocol: READY, STATUS, RELOADING, STOPPING and the
//! watchdog, through the `sd-notify` crate.
//!
//! Outside systemd (no `NOTIFY_SOCKET`) every call does nothing. A failed
//! send is logged once when sending starts failing and once when it works
//! again, not at every watchdog ping; it never stops the daemon (systemd
//! will notice the missing READY or pings on its own).
//!
//! The watchdog interval comes from `WATCHDOG_USEC`, honoured only when
//! `WATCHDOG_PID` is unset or names this process (a variable inherited from
//! a parent service is not ours to answer); see [`watchdog_from`].

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Duration;

use sd_notify::NotifyState;

use crate::clock::{Clock, MonoTime, SimClock};
use crate::error::{Error, Result};

/// The watchdog interval the environment asks for, per sd_watchdog_enabled(3):
/// `usec` is `WATCHDOG_USEC`, `pid` is `WATCHDOG_PID`, `our_pid` this
/// process's id.
///
/// - `WATCHDOG_USEC` unset: `Ok(None)`, no watchdog.
/// - `WATCHDOG_PID` set to another process: `Ok(None)`.
/// - a value that is not a positive decimal integer: an [`Error::Env`]
///   naming the variable (the caller logs it and runs without pings; the
///   service manager that set a real watchdog never sends such values).
pub fn watchdog_from(
    usec: Option<&str>,
    pid: Option<&str>,
    our_pid: u32,
) -> Result<Option<Duration>> {
    let Some(usec) = usec else { return Ok(None) };
    let malformed = |name, value: &str| Error::Env {
        name,
        value: value.to_owned(),
        expected: "a positive decimal integer",
    };
    let micros = match usec.trim().parse::<u64>() {
        Ok(0) | Err(_) => return Err(malformed("WATCHDOG_USEC", usec)),
        Ok(n) => n,
    };
    if let Some(pid) = pid {
        match pid.trim().parse::<u32>() {
            Ok(0) | Err(_) => return Err(malformed("WATCHDOG_PID", pid)),
            Ok(p) if p != our_pid => return Ok(None),
            Ok(_) => {}
        }
    }
    Ok(Some(Duration::from_micros(micros)))
}

/// One notification as sent: its `KEY=value` lines and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    /// When, on the recording clock.
    pub at: MonoTime,
    /// The datagram's text, e.g. `"READY=1\nSTATUS=P6 40%"`.
    pub message: String,
}

/// What a recording [`Notifier`] sent, for tests. Clones share one log.
#[derive(Debug, Clone, Default)]
pub struct NotifyLog(Rc<RefCell<Vec<Sent>>>);

impl NotifyLog {
    /// Every notification, oldest first.
    pub fn sent(&self) -> Vec<Sent> {
        self.0.borrow().clone()
    }

    /// When each notification holding line `line` (e.g. `"WATCHDOG=1"`)
    /// was sent.
    pub fn times_of(&self, line: &str) -> Vec<MonoTime> {
        let sent = self.0.borrow();
        sent.iter().filter(|s| s.message.lines().any(|l| l == line)).map(|s| s.at).collect()
    }

    /// Every `STATUS=` value sent, oldest first.
    pub fn statuses(&self) -> Vec<String> {
        let sent = self.0.borrow();
        sent.iter()
            .flat_map(|s| s.message.lines().filter_map(|l| l.strip_prefix("STATUS=")))
            .map(str::to_owned)
            .collect()
    }
}

#[derive(Debug)]
enum Sink {
    /// Not under systemd.
    Off,
    /// `NOTIFY_SOCKET` is set; sd-notify sends to it.
    Systemd,
    /// Tests: kept in memory, stamped with a simulated clock.
    Record { log: NotifyLog, clock: SimClock },
}

/// Sends notifications to the service manager.
#[derive(Debug)]
pub struct Notifier {
    sink: Sink,
    watchdog: Option<Duration>,
    /// Whether the last send failed, so failures are logged on change only.
    failing: Cell<bool>,
}

impl Notifier {
    /// From the environment: sends when `NOTIFY_SOCKET` is set, pings the
    /// watchdog when [`watchdog_from`] says so. A malformed watchdog
    /// variable is logged and means no pings.
    pub fn from_env() -> Notifier {
        let var = |name| std::env::var(name).ok();
        let watchdog = match watchdog_from(
            var("WATCHDOG_USEC").as_deref(),
            var("WATCHDOG_PID").as_deref(),
            std::process::id(),
        ) {
            Ok(watchdog) => watchdog,
            Err(e) => {
                tracing::warn!("watchdog disabled: {}", e.one_line());
                None
            }
        };
        let sink =
            if std::env::var_os("NOTIFY_SOCKET").is_some() { Sink::Systemd } else { Sink::Off };
        Notifier { sink, watchdog, failing: Cell::new(false) }
    }

    /// A notifier that sends nothing and has no watchdog.
    pub fn disabled() -> Notifier {
        Notifier { sink: Sink::Off, watchdog: None, failing: Cell::new(false) }
    }

    /// A notifier that records into a [`NotifyLog`] stamped with `clock`,
    /// with watchdog interval `watchdog` (the `WATCHDOG_USEC` it pretends
    /// to have been given).
    pub fn recording(clock: &SimClock, watchdog: Option<Duration>) -> (Notifier, NotifyLog) {
        let log = NotifyLog::default();
        let sink = Sink::Record { log: log.clone(), clock: clock.clone() };
        (Notifier { sink, watchdog, failing: Cell::new(false) }, log)
    }

    /// The watchdog timeout systemd enforces (`WATCHDOG_USEC`), if any.
    pub fn watchdog_timeout(&self) -> Option<Duration> {
        self.watchdog
    }

    /// How often to send `WATCHDOG=1`: half the timeout, as sd_watchdog_enabled(3)
    /// recommends, so one late wake-up never costs the service.
    pub fn ping_interval(&self) -> Option<Duration> {
        self.watchdog.map(|w| w / 2)
    }

    /// `READY=1` with the first status line.
    pub fn ready(&self, status: &str) {
        let status = one_line(status);
        self.send(&[NotifyState::Ready, NotifyState::Status(&status)]);
    }

    /// `STATUS=`: one human line (newlines become spaces: a newline would
    /// start another protocol field).
    pub fn status(&self, status: &str) {
        self.send(&[NotifyState::Status(&one_line(status))]);
    }

    /// `RELOADING=1` with `MONOTONIC_USEC` of `now`, which systemd ≥ 253
    /// requires beside it; [`Notifier::ready`] ends the reload.
    pub fn reloading(&self, now: MonoTime) {
        let usec = i128::try_from(now.as_duration().as_micros()).unwrap_or(i128::MAX);
        self.send(&[NotifyState::Reloading, NotifyState::MonotonicUsec(usec)]);
    }

    /// `STOPPING=1`.
    pub fn stopping(&self) {
        self.send(&[NotifyState::Stopping]);
    }

    /// `WATCHDOG=1`. Only the loop calls this, after coming back around.
    pub fn watchdog(&self) {
        self.send(&[NotifyState::Watchdog]);
    }

    fn send(&self, states: &[NotifyState<'_>]) {
        let result = match &self.sink {
            Sink::Off => Ok(()),
            Sink::Systemd => sd_notify::notify(states),
            Sink::Record { log, clock } => {
                let message = states.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n");
                log.0.borrow_mut().push(Sent { at: clock.monotonic(), message });
                Ok(())
            }
        };
        match result {
            Ok(()) if self.failing.replace(false) => {
                tracing::info!("notifications to the service manager work again");
            }
            Err(e) if !self.failing.replace(true) => {
                tracing::warn!("cannot notify the service manager (NOTIFY_SOCKET): {e}");
            }
            _ => {}
        }
    }
}

fn one_line(text: &str) -> String {
    text.replace(['\n', '\r'], " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn watchdog_usec_and_pid_rules() {
        let secs = |s| Ok(Some(Duration::from_secs(s)));
        type Case<'a> = (Option<&'a str>, Option<&'a str>, Result<Option<Duration>, &'a str>);
        let cases: &[Case<'_>] = &[
            (None, None, Ok(None)),
            (Some("20000000"), None, secs(20)),
            (Some("20000000"), Some("42"), secs(20)),
            (Some(" 3000000\n"), Some("42"), secs(3)),
            // Another process's watchdog (inherited from a parent service).
            (Some("20000000"), Some("1"), Ok(None)),
            (None, Some("42"), Ok(None)),
            (Some("0"), None, Err("WATCHDOG_USEC")),
            (Some("20s"), None, Err("WATCHDOG_USEC")),
            (Some("-5"), None, Err("WATCHDOG_USEC")),
            (Some("1000"), Some("me"), Err("WATCHDOG_PID")),
            (Some("1000"), Some("0"), Err("WATCHDOG_PID")),
        ];
        for (usec, pid, want) in cases {
            let got = watchdog_from(*usec, *pid, 42);
            match (got, want) {
                (Ok(got), Ok(want)) => assert_eq!(got, *want, "{usec:?} {pid:?}"),
                (Err(Error::Env { name, .. }), Err(want)) => assert_eq!(name, *want),
                (got, want) => panic!("{usec:?} {pid:?}: got {got:?}, want {want:?}"),
            }
        }
    }

    #[test]
    fn pings_at_half_the_timeout() {
        let clock = SimClock::at_2024();
        let (notifier, _) = Notifier::recording(&clock, Some(Duration::from_secs(20)));
        assert_eq!(notifier.ping_interval(), Some(Duration::from_secs(10)));
        assert_eq!(Notifier::disabled().ping_interval(), None);
    }

    #[test]
    fn messages_are_protocol_lines_and_status_stays_one_line() {
        let clock = SimClock::at_2024();
        let (notifier, log) = Notifier::recording(&clock, None);
        notifier.ready("fans\nok");
        clock.advance(Duration::from_secs(1));
        notifier.reloading(clock.monotonic());
        notifier.watchdog();
        notifier.stopping();
        let sent: Vec<_> = log.sent().into_iter().map(|s| s.message).collect();
        assert_eq!(
            sent,
            [
                "READY=1\nSTATUS=fans ok",
                "RELOADING=1\nMONOTONIC_USEC=1001000000",
                "WATCHDOG=1",
                "STOPPING=1"
            ]
        );
        assert_eq!(log.statuses(), ["fans ok"]);
        assert_eq!(log.times_of("WATCHDOG=1"), [clock.monotonic()]);
    }

    #[test]
    fn outside_systemd_nothing_is_sent_and_nothing_fails() {
        let notifier = Notifier::disabled();
        notifier.ready("x");
        notifier.watchdog();
        assert!(!notifier.failing.get());
    }
}
