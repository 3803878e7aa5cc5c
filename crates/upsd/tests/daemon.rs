//! The real `helios64-upsd` binary on copies of the Armbian fixture tree,
//! `gpio-charger/online` flipped under it, `shutdown_command` pointing at a
//! recorder: a glitch does nothing, an outage inside the limit is
//! cancelled, one past it runs the shutdown command exactly once, mains
//! back during the pre-shutdown command does not stop it, and the next
//! start reports why the box went down.

#![allow(clippy::disallowed_methods, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use helios64_hal::Root;
use helios64_hal::testing::{Fixture, copy_fixture};

const UPSD: &str = env!("CARGO_BIN_EXE_helios64-upsd");

struct Board {
    _guard: tempfile::TempDir,
    root: Root,
    out: PathBuf,
}

fn script(path: &Path, body: &str) {
    fs::write(path, format!("#!/bin/sh\n{body}\n")).unwrap();
    fs::set_permissions(path, fs::Permissions::from_mode(0o755)).unwrap();
}

impl Board {
    /// A board with a 1 s debounce and a 3 s limit, and recorders.
    fn new(extra: &str) -> Board {
        let (guard, root) = copy_fixture(Fixture::Armbian);
        let out = root.base().join("out");
        fs::create_dir_all(&out).unwrap();
        script(&out.join("record"), &format!("echo \"$@\" >> {}/shutdowns", out.display()));
        script(&out.join("notify"), &format!("echo \"$NOTIFYTYPE $1\" >> {}/notes", out.display()));
        fs::create_dir_all(root.base().join("etc/helios64")).unwrap();
        let config = format!(
            "poll_interval_ms = 200\non_battery_poll_interval_ms = 100\non_battery_delay_secs = 1\n\
             max_on_battery_secs = 3\nwall = false\n\
             shutdown_command = [\"{o}/record\", \"poweroff\"]\nnotify_command = [\"{o}/notify\"]\n{extra}",
            o = out.display()
        );
        fs::write(root.base().join("etc/helios64/upsd.toml"), config).unwrap();
        Board { _guard: guard, root, out }
    }

    fn set_mains(&self, online: bool) {
        let dir = self.root.resolve(&self.root.class("power_supply").join("gpio-charger")).unwrap();
        fs::write(dir.join("online"), if online { "1\n" } else { "0\n" }).unwrap();
    }

    fn lines(&self, name: &str) -> Vec<String> {
        fs::read_to_string(self.out.join(name))
            .map(|t| t.lines().map(str::to_owned).collect())
            .unwrap_or_default()
    }

    fn wait_for(&self, what: &str, mut done: impl FnMut() -> bool) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if done() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("timed out waiting for {what}; notes {:?}", self.lines("notes"));
    }

    fn state(&self) -> serde_json::Value {
        let text = fs::read_to_string(self.root.base().join("run/helios64/upsd.json")).unwrap();
        serde_json::from_str::<serde_json::Value>(&text).unwrap()["state"].clone()
    }
}

struct Daemon {
    child: Child,
    notes: Receiver<String>,
    _socket_dir: tempfile::TempDir,
}

impl Daemon {
    fn start(board: &Board) -> Daemon {
        let socket_dir = tempfile::tempdir().unwrap();
        let path = socket_dir.path().join("notify");
        let socket = UnixDatagram::bind(&path).unwrap();
        let (tx, notes) = channel();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = socket.recv(&mut buf) {
                if tx.send(String::from_utf8_lossy(&buf[..n]).into_owned()).is_err() {
                    break;
                }
            }
        });
        let child = Command::new(UPSD)
            .arg("--root")
            .arg(board.root.base())
            .env("NOTIFY_SOCKET", &path)
            .env_remove("WATCHDOG_USEC")
            .env_remove("JOURNAL_STREAM")
            .env("HELIOS64_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let d = Daemon { child, notes, _socket_dir: socket_dir };
        let deadline = Instant::now() + Duration::from_secs(15);
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match d.notes.recv_timeout(left) {
                Ok(n) if n.lines().any(|l| l == "READY=1") => return d,
                Ok(_) => {}
                Err(_) => break,
            }
        }
        panic!("no READY=1 from the daemon");
    }

    fn stop(self) -> (Option<i32>, String) {
        let pid = i32::try_from(self.child.id()).unwrap();
        // SAFETY: kill(2) on our own child's pid.
        let sent = unsafe { libc::kill(pid, libc::SIGTERM) };
        assert_eq!(sent, 0);
        let out = self.child.wait_with_output().unwrap();
        (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

#[test]
fn glitch_nothing_short_outage_cancelled_long_outage_one_shutdown() {
    let board = Board::new("");
    let daemon = Daemon::start(&board);
    assert_eq!(board.state()["state"], "online");
    assert_eq!(board.state()["filtered_mv"], 8058);

    // A 0.3 s flicker: shorter than the 1 s debounce.
    board.set_mains(false);
    std::thread::sleep(Duration::from_millis(300));
    board.set_mains(true);
    std::thread::sleep(Duration::from_millis(1500));
    assert!(board.lines("notes").is_empty(), "{:?}", board.lines("notes"));
    assert_eq!(board.state()["state"], "online");

    // 2 s off: on battery, then back inside the 3 s limit.
    board.set_mains(false);
    board.wait_for("ONBATT", || board.lines("notes").iter().any(|l| l.starts_with("ONBATT")));
    assert_eq!(board.state()["state"], "on_battery");
    std::thread::sleep(Duration::from_millis(800));
    board.set_mains(true);
    board.wait_for("ONLINE", || board.lines("notes").iter().any(|l| l.starts_with("ONLINE")));
    std::thread::sleep(Duration::from_secs(4));
    assert!(board.lines("shutdowns").is_empty());
    assert_eq!(board.state()["counters"]["cancelled"], 1);

    // Off for good: one shutdown, however long it stays off.
    board.set_mains(false);
    board.wait_for("the shutdown command", || !board.lines("shutdowns").is_empty());
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(board.lines("shutdowns"), ["poweroff"]);
    let state = board.state();
    assert_eq!(state["state"], "shutdown");
    assert_eq!(state["shutdown"]["rule"], "max_on_battery");
    assert_eq!(state["shutdown"]["phase"], "requested");
    let kinds: Vec<String> =
        board.lines("notes").iter().map(|l| l.split(' ').next().unwrap().to_owned()).collect();
    assert_eq!(kinds, ["ONBATT", "ONLINE", "ONBATT", "SHUTDOWN"]);
    let (code, stderr) = daemon.stop();
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stderr.contains("SHUTDOWN: on battery for 3.0 s (max_on_battery_secs)"), "{stderr}");
    assert!(stderr.contains("mains back after 0."), "the flicker is logged: {stderr}");

    // The next start says why the box went down, once.
    let record = board.root.base().join("var/lib/helios64/upsd/last-shutdown.json");
    assert!(record.exists());
    board.set_mains(true);
    let (_, stderr) = Daemon::start(&board).stop();
    assert!(
        stderr
            .contains("the previous boot ended in a helios64-upsd shutdown: on battery for 3.0 s"),
        "{stderr}"
    );
    assert!(!record.exists(), "moved aside once reported");
    let (_, stderr) = Daemon::start(&board).stop();
    assert!(!stderr.contains("previous boot"), "{stderr}");
}

#[test]
fn mains_back_during_the_pre_shutdown_command_does_not_stop_the_power_off() {
    let board = Board::new("");
    let o = board.out.display().to_string();
    script(&board.out.join("pre"), &format!("touch {o}/pre-started; sleep 2; touch {o}/pre-done"));
    let config = board.root.base().join("etc/helios64/upsd.toml");
    let text = fs::read_to_string(&config).unwrap();
    fs::write(&config, format!("{text}pre_shutdown_command = [\"{o}/pre\"]\n")).unwrap();
    let daemon = Daemon::start(&board);
    board.set_mains(false);
    board.wait_for("the pre-shutdown command", || board.out.join("pre-started").exists());
    board.wait_for("phase pre_shutdown", || board.state()["shutdown"]["phase"] == "pre_shutdown");
    board.set_mains(true);
    board.wait_for("the shutdown command", || !board.lines("shutdowns").is_empty());
    assert!(
        board.out.join("pre-done").exists(),
        "the power-off waited for the pre-shutdown command"
    );
    assert_eq!(board.lines("shutdowns"), ["poweroff"]);
    board.wait_for("the state file", || board.state()["shutdown"]["mains_back"] == true);
    let (code, stderr) = daemon.stop();
    assert_eq!(code, Some(0));
    assert!(
        stderr.contains("mains returned after the shutdown was decided: it goes on"),
        "{stderr}"
    );
}

#[test]
fn a_stuck_pre_shutdown_command_is_killed_and_the_power_off_follows() {
    let board = Board::new("");
    script(&board.out.join("pre"), "sleep 60");
    let config = board.root.base().join("etc/helios64/upsd.toml");
    let text = fs::read_to_string(&config).unwrap();
    let o = board.out.display();
    fs::write(
        &config,
        format!("{text}pre_shutdown_command = [\"{o}/pre\"]\npre_shutdown_timeout_secs = 1\n"),
    )
    .unwrap();
    let daemon = Daemon::start(&board);
    let started = Instant::now();
    board.set_mains(false);
    board.wait_for("the shutdown command", || !board.lines("shutdowns").is_empty());
    assert!(started.elapsed() < Duration::from_secs(10), "{:?}", started.elapsed());
    let (_, stderr) = daemon.stop();
    assert!(stderr.contains("did not finish within 1s and was killed"), "{stderr}");
}

#[test]
fn a_bad_config_is_78_with_its_place_and_the_hook_says_what_it_did() {
    let board = Board::new("low_voltage_mv = 7\n");
    let out = Command::new(UPSD)
        .arg("--root")
        .arg(board.root.base())
        .arg("--check-config")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(78));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("upsd.toml:8:1: low_voltage_mv: 7 is outside 5000..=8400"), "{stderr}");

    let board = Board::new("");
    let hook = |verb: &str| {
        Command::new(UPSD)
            .arg("--root")
            .arg(board.root.base())
            .args(["--shutdown-hook", verb])
            .output()
            .unwrap()
    };
    let out = hook("reboot");
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stderr).contains("left as it is: reboot"));
    // On mains a power-off disarms; a tree has no /dev/gpiochip4 to drive.
    let out = hook("poweroff");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(
            "auto power-on disarmed: powering off on mains, but the GPIO lines could not be driven"
        ),
        "{stderr}"
    );
    board.set_mains(false);
    let stderr = String::from_utf8_lossy(&hook("poweroff").stderr).into_owned();
    assert!(stderr.contains("auto power-on left armed: on battery"), "{stderr}");
}

#[test]
fn a_daemon_killed_during_an_outage_keeps_its_clock_when_restarted() {
    let board = Board::new("");
    // A 4 s limit instead of the base 3 s (a key may appear once a file).
    let config = board.root.base().join("etc/helios64/upsd.toml");
    let text = fs::read_to_string(&config).unwrap();
    fs::write(&config, text.replace("max_on_battery_secs = 3\n", "max_on_battery_secs = 4\n"))
        .unwrap();
    let mut first = Daemon::start(&board);
    let off = Instant::now();
    board.set_mains(false);
    board.wait_for("ONBATT", || board.lines("notes").iter().any(|l| l.starts_with("ONBATT")));
    std::thread::sleep(Duration::from_millis(1200));
    first.child.kill().unwrap(); // SIGKILL: no stop hook, the state file stays
    first.child.wait().unwrap();
    let second = Daemon::start(&board);
    board.wait_for("the shutdown command", || !board.lines("shutdowns").is_empty());
    let at = off.elapsed();
    // Timed from the first run's outage (4 s), not from the restart
    // (≥ 2.2 s + 1 s debounce + 4 s).
    assert!(at < Duration::from_millis(6500), "shut down {at:?} after mains went off");
    let (_, stderr) = second.stop();
    assert!(stderr.contains("the previous run had mains off for"), "{stderr}");
}
