//! A unit as a test sees it: `systemctl show` properties, verbs that must
//! succeed, waiting for a state, the unit's journal since a moment, its
//! D-Bus object through `busctl`. Every failure message carries the unit's
//! `systemctl status` and journal tail.

use std::collections::BTreeMap;
use std::process::{Command, Output};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// One systemd unit, by name (`helios64-fand.service`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Unit(pub(crate) &'static str);

fn run(program: &str, args: &[&str]) -> Output {
    Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program} {}: {e}", args.join(" ")))
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// `CLOCK_MONOTONIC` in microseconds: the clock of systemd's
/// `*TimestampMonotonic` properties.
pub(crate) fn monotonic_us() -> u64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: clock_gettime writes into the timespec we own.
    let r = unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &raw mut ts) };
    assert_eq!(r, 0, "clock_gettime(CLOCK_MONOTONIC)");
    u64::try_from(ts.tv_sec).unwrap() * 1_000_000 + u64::try_from(ts.tv_nsec).unwrap() / 1_000
}

/// The wall clock in microseconds: the journal's `__REALTIME_TIMESTAMP`.
pub(crate) fn realtime_us() -> u64 {
    u64::try_from(SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_micros()).unwrap()
}

/// Polls `done` every 100 ms for up to `limit`; panics with `what` and
/// `context()` when it never holds.
pub(crate) fn wait_until(
    what: &str,
    limit: Duration,
    mut done: impl FnMut() -> bool,
    context: impl Fn() -> String,
) {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if done() {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("timed out after {limit:?} waiting for {what}\n{}", context());
}

impl Unit {
    /// The properties `names` (`systemctl show -p ...`), each present (an
    /// empty value when systemd has none).
    pub(crate) fn show(self, names: &[&str]) -> BTreeMap<String, String> {
        let mut args = vec!["show", self.0];
        for n in names {
            args.push("-p");
            args.push(n);
        }
        let out = run("systemctl", &args);
        assert!(out.status.success(), "systemctl show {}: {}", self.0, text(&out.stderr));
        let mut props: BTreeMap<String, String> = text(&out.stdout)
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        for n in names {
            props.entry((*n).to_owned()).or_default();
        }
        props
    }

    /// One property.
    pub(crate) fn prop(self, name: &str) -> String {
        self.show(&[name]).remove(name).unwrap_or_default()
    }

    /// A numeric property (`NRestarts`, `*TimestampMonotonic`, `MainPID`).
    pub(crate) fn number(self, name: &str) -> u64 {
        let v = self.prop(name);
        v.parse().unwrap_or_else(|_| panic!("{}: {name}={v:?} is not a number", self.0))
    }

    /// `systemctl <verb> <unit>`, which must succeed.
    pub(crate) fn ok(self, verb: &str) {
        self.ctl(&[verb]);
    }

    /// `systemctl <args...> <unit>`, which must succeed.
    pub(crate) fn ctl(self, args: &[&str]) {
        let mut all = args.to_vec();
        all.push(self.0);
        let out = run("systemctl", &all);
        assert!(
            out.status.success(),
            "systemctl {} failed ({}): {}\n{}",
            all.join(" "),
            out.status,
            text(&out.stderr),
            self.describe()
        );
    }

    /// Waits up to `limit` for the properties to satisfy `want`; returns them.
    pub(crate) fn wait(
        self,
        what: &str,
        limit: Duration,
        names: &[&str],
        want: impl Fn(&BTreeMap<String, String>) -> bool,
    ) -> BTreeMap<String, String> {
        let mut last = BTreeMap::new();
        wait_until(
            &format!("{}: {what}", self.0),
            limit,
            || {
                last = self.show(names);
                want(&last)
            },
            || self.describe(),
        );
        last
    }

    /// Waits for `ActiveState=active` (and `SubState=running` for a
    /// service with a main process).
    pub(crate) fn wait_running(self, limit: Duration) -> BTreeMap<String, String> {
        self.wait("active (running)", limit, &["ActiveState", "SubState"], |p| {
            p["ActiveState"] == "active" && p["SubState"] == "running"
        })
    }

    /// The unit's journal messages (its processes' and systemd's about it)
    /// logged after `since_us` (wall clock, µs), in order.
    pub(crate) fn journal_since(self, since_us: u64) -> Vec<String> {
        let since = format!("@{}", since_us / 1_000_000);
        let out = run("journalctl", &["-b", "-u", self.0, "-o", "json", "--since", &since]);
        assert!(out.status.success(), "journalctl -u {}: {}", self.0, text(&out.stderr));
        text(&out.stdout)
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter(|e| {
                e["__REALTIME_TIMESTAMP"].as_str().and_then(|t| t.parse::<u64>().ok())
                    > Some(since_us)
            })
            .map(|e| match &e["MESSAGE"] {
                serde_json::Value::String(s) => s.clone(),
                // Non-UTF-8 messages come as byte arrays.
                other => other.to_string(),
            })
            .collect()
    }

    /// Waits for a journal message containing `needle` after `since_us`.
    pub(crate) fn wait_journal(self, since_us: u64, needle: &str, limit: Duration) {
        wait_until(
            &format!("{}: a journal line with {needle:?}", self.0),
            limit,
            || self.journal_since(since_us).iter().any(|m| m.contains(needle)),
            || self.describe(),
        );
    }

    /// The unit's D-Bus object path (`busctl`'s escaping of the name).
    pub(crate) fn object_path(self) -> String {
        let mut path = String::from("/org/freedesktop/systemd1/unit/");
        for b in self.0.bytes() {
            if b.is_ascii_alphanumeric() {
                path.push(char::from(b));
            } else {
                path.push_str(&format!("_{b:02x}"));
            }
        }
        path
    }

    /// A property read over D-Bus (`busctl get-property`), as the raw
    /// `busctl` answer (`s "text"`, `u 0`, ...).
    pub(crate) fn bus_property(self, interface: &str, name: &str) -> String {
        let path = self.object_path();
        let out =
            run("busctl", &["get-property", "org.freedesktop.systemd1", &path, interface, name]);
        assert!(out.status.success(), "busctl get-property {path} {name}: {}", text(&out.stderr));
        text(&out.stdout).trim().to_owned()
    }

    /// `systemctl status` and the last journal lines, for failure messages.
    pub(crate) fn describe(self) -> String {
        let status = run("systemctl", &["status", "--no-pager", "-n", "0", self.0]);
        let journal = run("journalctl", &["-b", "-u", self.0, "--no-pager", "-n", "30"]);
        format!("{}{}", text(&status.stdout), text(&journal.stdout))
    }
}
