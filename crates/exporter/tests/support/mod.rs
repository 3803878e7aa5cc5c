//! Running the exporter binary and the real Prometheus tools around it.

#![allow(
    dead_code,
    clippy::print_stderr,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::disallowed_methods
)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use helios64_hal::testing::fixtures_dir;

pub(crate) const NOW: &str = "1796000000";

pub(crate) fn saved(board: &str) -> Vec<String> {
    let dir = fixtures_dir().join("health").join(board);
    let mut args =
        vec!["--zpool-json".to_owned(), dir.join("zpool-status.json").display().to_string()];
    let mut smart: Vec<_> =
        std::fs::read_dir(dir.join("smart")).unwrap().map(|e| e.unwrap().path()).collect();
    smart.sort();
    for f in smart {
        args.push("--smartctl-json".into());
        args.push(f.display().to_string());
    }
    args
}

pub(crate) fn exporter() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_helios64-exporter"));
    c.env_remove("NOTIFY_SOCKET").env_remove("JOURNAL_STREAM").env("HELIOS64_LOG", "info");
    c
}

/// A free loopback port (bound then released: another process could take
/// it in between, which on a test machine does not happen in practice).
pub(crate) fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// The exporter in listen mode, killed on drop.
pub(crate) struct Listening {
    pub(crate) child: Child,
    pub(crate) addr: String,
    pub(crate) log: std::sync::mpsc::Receiver<String>,
}

impl Drop for Listening {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Listening {
    /// Waits for a log line containing `needle`.
    pub(crate) fn wait_log(&self, needle: &str, within: Duration) -> String {
        let deadline = Instant::now() + within;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.log.recv_timeout(left) {
                Ok(line) if line.contains(needle) => return line,
                Ok(_) => {}
                Err(_) => panic!("no log line with {needle:?} within {within:?}"),
            }
        }
    }
}

/// Starts listen mode on port 0 and learns the port from its log.
pub(crate) fn listen(root: &Path, args: &[String]) -> Listening {
    let mut child = exporter()
        .args(["--listen", "127.0.0.1:0", "--root"])
        .arg(root)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            eprintln!("exporter: {line}");
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut l = Listening { child, addr: String::new(), log: rx };
    let line = l.wait_log("listening on ", Duration::from_secs(20));
    l.addr = line.rsplit("listening on ").next().unwrap().trim().to_owned();
    l.wait_log("ready", Duration::from_secs(20));
    l
}

/// One HTTP request; the status code and the body.
pub(crate) fn http(addr: &str, request: &str) -> (u16, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    s.write_all(request.as_bytes()).unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    let status = out.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    let body = out.split_once("\r\n\r\n").map(|(_, b)| b.to_owned()).unwrap_or_default();
    (status, body)
}

pub(crate) fn get(addr: &str, path: &str) -> (u16, String) {
    http(addr, &format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"))
}

/// `promtool check metrics` on `text`: its complaints (empty when clean).
pub(crate) fn promtool_lint(text: &str) -> String {
    let mut child = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("promtool (Debian package prometheus) must be installed: scripts/deps.sh host");
    child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    if out.status.success() {
        text.trim().to_owned()
    } else {
        format!("exit {:?}: {text}", out.status.code())
    }
}

/// A child process killed on drop.
pub(crate) struct Killed(pub(crate) Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Polls `f` until it returns `Some`, or panics after `within`.
pub(crate) fn eventually<T>(what: &str, within: Duration, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + within;
    loop {
        if let Some(v) = f() {
            return v;
        }
        if Instant::now() > deadline {
            panic!("{what}: not within {within:?}");
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

pub(crate) fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

pub(crate) fn path(p: &Path) -> PathBuf {
    p.to_path_buf()
}
