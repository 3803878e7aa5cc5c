//! Runs the real `tinyd` example binary under a real `NOTIFY_SOCKET` (a
//! datagram socket bound here) and `WATCHDOG_USEC`, signals it, and checks
//! what systemd would see, what it logs, how it exits, and how often it
//! wakes up.

// Helpers outside #[test] fns: a failing step should panic loudly here too.
#![allow(clippy::disallowed_methods, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fs;
use std::io::{BufRead as _, BufReader};
use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

/// `target/<profile>/examples/tinyd`, next to this test's `deps/` directory.
/// `cargo test` builds examples before running tests.
fn tinyd() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let path = exe.parent().unwrap().parent().unwrap().join("examples/tinyd");
    assert!(
        path.exists(),
        "{} is missing: cargo build -p helios64-service --example tinyd",
        path.display()
    );
    path
}

/// One notification datagram and when it arrived.
#[derive(Debug, Clone)]
struct Note {
    at: Instant,
    text: String,
}

/// A running tinyd, its notify socket and its stderr, drained by threads
/// so the daemon never blocks on a full socket queue or pipe.
struct Running {
    child: Child,
    notes: Receiver<Note>,
    stderr: Receiver<String>,
    seen: Vec<Note>,
    config: PathBuf,
    dir: tempfile::TempDir,
}

impl Running {
    fn start(config: &str, env: &[(&str, &str)]) -> Running {
        let dir = tempfile::tempdir().unwrap();
        let etc = dir.path().join("etc/helios64");
        fs::create_dir_all(&etc).unwrap();
        let config_path = etc.join("tinyd.toml");
        fs::write(&config_path, config).unwrap();
        let socket_path = dir.path().join("notify.sock");
        let socket = UnixDatagram::bind(&socket_path).unwrap();
        let (note_tx, notes) = channel();
        std::thread::spawn(move || {
            let mut buf = vec![0u8; 4096];
            while let Ok(n) = socket.recv(&mut buf) {
                let text = String::from_utf8_lossy(&buf[..n]).into_owned();
                if note_tx.send(Note { at: Instant::now(), text }).is_err() {
                    break;
                }
            }
        });
        let mut command = Command::new(tinyd());
        command
            .arg("--root")
            .arg(dir.path())
            .env("NOTIFY_SOCKET", &socket_path)
            .env_remove("WATCHDOG_USEC")
            .env_remove("WATCHDOG_PID")
            .env_remove("JOURNAL_STREAM")
            .env("HELIOS64_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        for (k, v) in env {
            command.env(k, v);
        }
        let mut child = command.spawn().unwrap();
        let stderr = child.stderr.take().unwrap();
        let (line_tx, lines) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if line_tx.send(line).is_err() {
                    break;
                }
            }
        });
        Running { child, notes, stderr: lines, seen: Vec::new(), config: config_path, dir }
    }

    fn pid(&self) -> Pid {
        Pid::from_raw(i32::try_from(self.child.id()).unwrap())
    }

    fn signal(&self, signal: Signal) {
        kill(self.pid(), signal).unwrap();
    }

    /// Waits up to `timeout` for a notification with a line matching
    /// `want`; returns it and keeps everything seen on the way.
    fn expect(&mut self, timeout: Duration, want: impl Fn(&str) -> bool) -> Note {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.notes.recv_timeout(left) {
                Ok(note) => {
                    self.seen.push(note.clone());
                    if note.text.lines().any(&want) {
                        return note;
                    }
                }
                Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => {
                    panic!("no matching notification in {timeout:?}; seen: {:#?}", self.seen)
                }
            }
        }
    }

    /// Everything that arrives during `window`.
    fn collect(&mut self, window: Duration) -> Vec<Note> {
        let deadline = Instant::now() + window;
        let mut got = Vec::new();
        while let Ok(note) =
            self.notes.recv_timeout(deadline.saturating_duration_since(Instant::now()))
        {
            got.push(note);
        }
        self.seen.extend(got.iter().cloned());
        got
    }

    /// Waits up to `timeout` for a stderr line containing `text`.
    fn expect_stderr(&self, timeout: Duration, text: &str) -> String {
        let deadline = Instant::now() + timeout;
        let mut seen = Vec::new();
        loop {
            match self.stderr.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                Ok(line) if line.contains(text) => return line,
                Ok(line) => seen.push(line),
                Err(_) => panic!("no stderr line containing {text:?}; saw {seen:#?}"),
            }
        }
    }

    fn wait_exit(&mut self, timeout: Duration) -> std::process::ExitStatus {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(Instant::now() < deadline, "tinyd did not exit in {timeout:?}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn alive(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        // A failed assertion must not leave the daemon running.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn has(note: &Note, line: &str) -> bool {
    note.text.lines().any(|l| l == line)
}

const SECOND: Duration = Duration::from_secs(1);

#[test]
fn ready_status_watchdog_reload_and_stop_as_systemd_sees_them() {
    let mut d = Running::start("interval_ms = 1000\n", &[("WATCHDOG_USEC", "600000")]);
    let ready = d.expect(5 * SECOND, |l| l == "READY=1");
    assert!(ready.text.contains("STATUS=hello: 1 ticks every 1000 ms"), "{}", ready.text);

    // Pings at half of WATCHDOG_USEC, 300 ms, from the loop's own timer.
    let window = d.collect(2 * SECOND);
    let pings: Vec<Instant> =
        window.iter().filter(|n| has(n, "WATCHDOG=1")).map(|n| n.at).collect();
    assert!((5..=8).contains(&pings.len()), "{} pings in 2 s: {window:#?}", pings.len());
    let gaps: Vec<Duration> = pings.windows(2).map(|w| w[1] - w[0]).collect();
    let mean = gaps.iter().sum::<Duration>() / u32::try_from(gaps.len()).unwrap();
    assert!(mean >= Duration::from_millis(250) && mean <= Duration::from_millis(400), "{gaps:?}");
    assert!(gaps.iter().all(|g| *g >= Duration::from_millis(150)), "a ping came early: {gaps:?}");

    // A good reload: RELOADING=1, then READY=1 with the new status.
    fs::write(&d.config, "interval_ms = 200\ngreeting = \"hi\"\n").unwrap();
    d.signal(Signal::SIGHUP);
    d.expect(5 * SECOND, |l| l == "RELOADING=1");
    let reloaded = d.expect(5 * SECOND, |l| l.starts_with("STATUS=hi: "));
    assert!(has(&reloaded, "READY=1"), "{}", reloaded.text);
    d.expect_stderr(5 * SECOND, "configuration reloaded");

    // A bad reload: the error names file:line:column and key on stderr,
    // STATUS says so, and the daemon keeps running on the old config.
    fs::write(&d.config, "# broken\ninterval_ms = \"fast\"\n").unwrap();
    d.signal(Signal::SIGHUP);
    let where_ = format!("{}:2:15: interval_ms: invalid type", d.config.display());
    let line = d.expect_stderr(5 * SECOND, &where_);
    assert!(line.contains("config reload refused"), "{line}");
    let refused = d.expect(5 * SECOND, |l| l.contains("config reload refused"));
    assert!(refused.text.contains("STATUS=hi: "), "{}", refused.text);
    let after = d.collect(SECOND);
    assert!(after.iter().any(|n| has(n, "WATCHDOG=1")), "pings stopped: {after:#?}");
    assert!(after.iter().any(|n| n.text.contains("STATUS=hi: ")), "ticks stopped: {after:#?}");
    assert!(d.alive());

    d.signal(Signal::SIGTERM);
    d.expect(5 * SECOND, |l| l == "STOPPING=1");
    let status = d.wait_exit(5 * SECOND);
    assert_eq!(status.code(), Some(0), "{status}");
    // The stop hook's final state, under --root.
    let json = fs::read_to_string(d.dir.path().join("run/helios64/tinyd.json")).unwrap();
    assert!(json.contains(r#""state":{"greeting":"hi","interval_ms":200,"ticks":"#), "{json}");
}

#[test]
fn a_watchdog_for_another_pid_is_not_answered() {
    let mut d = Running::start(
        "interval_ms = 100\n",
        &[("WATCHDOG_USEC", "200000"), ("WATCHDOG_PID", "1")],
    );
    d.expect(5 * SECOND, |l| l == "READY=1");
    let window = d.collect(SECOND);
    assert!(window.iter().any(|n| n.text.contains("STATUS=")), "not running: {window:#?}");
    assert!(!window.iter().any(|n| has(n, "WATCHDOG=1")), "pinged another's watchdog");
    d.signal(Signal::SIGINT);
    assert_eq!(d.wait_exit(5 * SECOND).code(), Some(0));
}

/// The main thread's voluntary context switches: each one is a sleep in
/// `poll` that something woke.
fn voluntary_switches(pid: Pid) -> u64 {
    let status = fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with("voluntary_ctxt_switches:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[test]
fn an_idle_daemon_wakes_only_for_its_ticks_and_pings() {
    // 500 ms ticks, a ping every 2 s: in 3 s, 6 ticks and 1-2 pings.
    let mut d = Running::start("interval_ms = 500\n", &[("WATCHDOG_USEC", "4000000")]);
    d.expect(5 * SECOND, |l| l == "READY=1");
    // Past the start-up (dynamic loading, first writes).
    d.collect(Duration::from_millis(300));
    let before = voluntary_switches(d.pid());
    let window = d.collect(3 * SECOND);
    let woke = voluntary_switches(d.pid()) - before;
    let ticks = window.iter().filter(|n| n.text.starts_with("STATUS=")).count();
    let pings = window.iter().filter(|n| has(n, "WATCHDOG=1")).count();
    assert!((5..=7).contains(&ticks), "{ticks} ticks in 3 s");
    assert!((1..=2).contains(&pings), "{pings} pings in 3 s");
    // Each tick and ping is one wake-up; allow a few for the scheduler.
    assert!((5..=12).contains(&woke), "{woke} wake-ups for {ticks} ticks and {pings} pings");
    d.signal(Signal::SIGTERM);
    assert_eq!(d.wait_exit(5 * SECOND).code(), Some(0));
}

fn run_tinyd(args: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::new(tinyd())
        .args(args)
        .env_remove("NOTIFY_SOCKET")
        .env("HELIOS64_LOG", "warn")
        .output()
        .unwrap();
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    (out.status.code(), text(&out.stdout), text(&out.stderr))
}

fn config_dir(text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("tinyd.toml"), text).unwrap();
    let path = dir.path().to_path_buf();
    (dir, path)
}

#[test]
fn check_config_prints_the_effective_config_or_the_located_error() {
    let (_d, dir) = config_dir("greeting = \"moin\"\n");
    fs::create_dir(dir.join("tinyd.d")).unwrap();
    fs::write(dir.join("tinyd.d/10-fast.toml"), "interval_ms = 50\n").unwrap();
    let dir_arg = dir.to_str().unwrap();
    let (code, stdout, _) = run_tinyd(&["--check-config", "--config-dir", dir_arg]);
    assert_eq!(code, Some(0));
    assert!(stdout.contains("interval_ms = 50\ngreeting = \"moin\"\n"), "{stdout}");
    assert!(stdout.starts_with("# effective configuration: compiled-in defaults + "), "{stdout}");

    fs::write(dir.join("tinyd.d/20-bad.toml"), "\n\ninterval_ms = 5\n").unwrap();
    let (code, stdout, stderr) = run_tinyd(&["--check-config", "--config-dir", dir_arg]);
    assert_eq!(code, Some(78), "{stderr}");
    assert!(stdout.is_empty());
    let want = format!(
        "helios64-tinyd: {}:3:1: interval_ms: 5 is outside 10..=3600000\n",
        Path::new(dir_arg).join("tinyd.d/20-bad.toml").display()
    );
    assert_eq!(stderr, want);
}

#[test]
fn startup_errors_map_to_sysexits_and_once_runs_one_tick() {
    let (code, _, stderr) = run_tinyd(&["--bogus"]);
    assert_eq!(code, Some(64), "{stderr}");

    let (_d, dir) = config_dir("greeting = 3\n");
    let (code, _, stderr) = run_tinyd(&["--config-dir", dir.to_str().unwrap()]);
    assert_eq!(code, Some(78));
    assert!(stderr.contains("tinyd.toml:1:12: greeting: invalid type: integer `3`"), "{stderr}");

    let (code, _, stderr) = run_tinyd(&["--no-state", "--config", "/nonexistent/tinyd.toml"]);
    assert_eq!(code, Some(78));
    assert!(stderr.contains("cannot read config file /nonexistent/tinyd.toml"), "{stderr}");

    // Defaults only: nothing under the root's etc/helios64.
    let root = tempfile::tempdir().unwrap();
    let args = ["--once", "--root", root.path().to_str().unwrap()];
    let started = Instant::now();
    let (code, _, stderr) = run_tinyd(&args);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(started.elapsed() < 5 * SECOND);
    let json = fs::read_to_string(root.path().join("run/helios64/tinyd.json")).unwrap();
    assert!(
        json.contains(r#""state":{"greeting":"hello","interval_ms":1000,"ticks":1}"#),
        "{json}"
    );
}
