//! The real `helios64-fand` binary on copies of the Armbian fixture tree:
//! it follows the CPU zone, and every way of stopping — SIGTERM, a panic,
//! `--full-speed` with no daemon — leaves both fans at `pwm1=255`,
//! `pwm1_enable=1`. A fan vanishing needs real sysfs (an open attribute of
//! an unbound device fails with ENODEV; a fixture's file does not): the
//! fakes in helios64-fan's tests and the VM suite prove that path.

#![allow(clippy::disallowed_methods, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fs;
use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use helios64_hal::Root;
use helios64_hal::testing::{Fixture, copy_fixture};

const FAND: &str = env!("CARGO_BIN_EXE_helios64-fand");

/// A one-second cycle, no rate limit or hysteresis, CPU only: every step
/// of a test shows within a second or two.
const FAST: &str = r#"
interval_secs = 1
[fans.p6]
inputs = ["cpu"]
min_change_interval_secs = 0
hysteresis_celsius = 0.0
[fans.p7]
inputs = ["cpu"]
min_change_interval_secs = 0
hysteresis_celsius = 0.0
"#;

struct Board {
    _guard: tempfile::TempDir,
    root: Root,
}

impl Board {
    fn new() -> Board {
        let (guard, root) = copy_fixture(Fixture::Armbian);
        fs::create_dir_all(root.base().join("etc/helios64")).unwrap();
        fs::write(root.base().join("etc/helios64/fand.toml"), FAST).unwrap();
        Board { _guard: guard, root }
    }

    fn hwmon(&self, node: &str) -> PathBuf {
        fs::read_dir(self.root.sys().join(format!("devices/platform/{node}/hwmon")))
            .unwrap()
            .next()
            .unwrap()
            .unwrap()
            .path()
    }

    fn pwm(&self, node: &str) -> (String, String) {
        let h = self.hwmon(node);
        (
            fs::read_to_string(h.join("pwm1")).unwrap().trim().to_owned(),
            fs::read_to_string(h.join("pwm1_enable")).unwrap().trim().to_owned(),
        )
    }

    fn set_cpu(&self, milli: i64) {
        let zone = self.root.resolve(&self.root.class("thermal").join("thermal_zone0")).unwrap();
        fs::write(zone.join("temp"), format!("{milli}\n")).unwrap();
    }

    fn wait_pwm(&self, node: &str, want: &str) {
        let deadline = Instant::now() + Duration::from_secs(15);
        while Instant::now() < deadline {
            if self.pwm(node).0 == want {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("{node}: pwm1 never became {want} (is {:?})", self.pwm(node));
    }

    fn assert_safe(&self) {
        for node in ["p6-fan", "p7-fan"] {
            assert_eq!(self.pwm(node), ("255".into(), "1".into()), "{node}");
        }
    }
}

struct Daemon {
    child: Child,
    notes: Receiver<String>,
    _socket_dir: tempfile::TempDir,
}

impl Daemon {
    fn start(board: &Board, env: &[(&str, &str)]) -> Daemon {
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
        let mut command = Command::new(FAND);
        command
            .arg("--root")
            .arg(board.root.base())
            .env("NOTIFY_SOCKET", &path)
            .env_remove("WATCHDOG_USEC")
            .env_remove("JOURNAL_STREAM")
            .env("HELIOS64_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        for (k, v) in env {
            command.env(k, v);
        }
        let child = command.spawn().unwrap();
        let mut d = Daemon { child, notes, _socket_dir: socket_dir };
        d.expect("READY=1");
        d
    }

    fn expect(&mut self, want: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(15);
        let mut seen = Vec::new();
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.notes.recv_timeout(left) {
                Ok(note) if note.lines().any(|l| l.starts_with(want)) => return note,
                Ok(note) => seen.push(note),
                Err(_) => break,
            }
        }
        panic!("no {want} from the daemon; seen {seen:?}");
    }

    fn signal(&self, signal: i32) {
        // SAFETY: kill(2) on our own child's pid.
        assert_eq!(unsafe { libc::kill(i32::try_from(self.child.id()).unwrap(), signal) }, 0);
    }

    fn wait(self) -> (Option<i32>, String) {
        let out = self.child.wait_with_output().unwrap();
        (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

#[test]
fn it_follows_the_cpu_and_sigterm_leaves_full_speed() {
    let board = Board::new();
    board.set_cpu(45_000);
    let mut d = Daemon::start(&board, &[]);
    board.wait_pwm("p6-fan", "57");
    board.set_cpu(60_000);
    board.wait_pwm("p7-fan", "142");
    let status = d.expect("STATUS=");
    assert!(status.contains("pwm"), "{status}");
    d.signal(libc::SIGTERM);
    d.expect("STOPPING=1");
    let (code, stderr) = d.wait();
    assert_eq!(code, Some(0), "{stderr}");
    board.assert_safe();
    assert!(stderr.contains("stopping: both fans at full speed"), "{stderr}");
    // The state it leaves says it stopped, so health reads "not running",
    // not "fail-safe".
    let state: serde_json::Value = serde_json::from_slice(
        &fs::read(board.root.base().join("run/helios64/fand.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(state["state"]["stopped"], true, "{state}");
    assert!(state["state"]["fans"].as_array().unwrap().iter().all(|f| f["pwm"] == 255), "{state}");
    // One journal line per change, not per cycle.
    let sets = stderr.lines().filter(|l| l.contains("fan P6: set pwm")).count();
    assert_eq!(sets, 2, "{stderr}");
}

#[test]
fn a_panic_in_the_loop_leaves_full_speed_and_exits_70() {
    let board = Board::new();
    board.set_cpu(45_000);
    let d = Daemon::start(&board, &[("HELIOS64_FAND_TEST_FAULT", "panic-at-tick:3")]);
    let (code, stderr) = d.wait();
    assert_eq!(code, Some(70), "{stderr}");
    assert!(stderr.contains("panic at tick 3"), "{stderr}");
    board.assert_safe();
}

#[test]
fn full_speed_works_with_no_daemon_and_no_config() {
    let board = Board::new();
    fs::remove_file(board.root.base().join("etc/helios64/fand.toml")).unwrap();
    for node in ["p6-fan", "p7-fan"] {
        let h = board.hwmon(node);
        fs::write(h.join("pwm1"), "10").unwrap();
        fs::write(h.join("pwm1_enable"), "0").unwrap();
    }
    let out = Command::new(FAND)
        .arg("--full-speed")
        .arg("--root")
        .arg(board.root.base())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    board.assert_safe();
    let empty = tempfile::tempdir().unwrap();
    let out =
        Command::new(FAND).arg("--full-speed").arg("--root").arg(empty.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(69), "no fans at all");
    assert!(String::from_utf8_lossy(&out.stderr).contains("no fan found"));
}

#[test]
fn a_dry_run_writes_nothing() {
    let board = Board::new();
    board.set_cpu(80_000);
    let before = (board.pwm("p6-fan"), board.pwm("p7-fan"));
    let out = Command::new(FAND)
        .args(["--dry-run", "--once", "--root"])
        .arg(board.root.base())
        .env("HELIOS64_LOG", "info")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("fan P6: would set pwm 36 -> 255"), "{stderr}");
    assert_eq!((board.pwm("p6-fan"), board.pwm("p7-fan")), before);
}

#[test]
fn a_bad_config_is_refused_with_its_place() {
    let board = Board::new();
    let config = board.root.base().join("etc/helios64/fand.toml");
    fs::write(&config, "[fans.p6]\nmin_pwm = 300\n").unwrap();
    let out = Command::new(FAND)
        .args(["--check-config", "--root"])
        .arg(board.root.base())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(78), "{stderr}");
    assert!(stderr.contains("fand.toml:2:11: fans.p6.min_pwm"), "{stderr}");
    // And the daemon refuses to start on it.
    let out =
        Command::new(FAND).args(["--once", "--root"]).arg(board.root.base()).output().unwrap();
    assert_eq!(out.status.code(), Some(78));
    let _: &Path = board.root.base();
}
