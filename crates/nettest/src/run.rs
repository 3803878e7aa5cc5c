//! Running iperf3 as a client bound to one interface.

use std::path::PathBuf;
use std::time::Duration;

use helios64_exec::Command;

use crate::error::{NettestError, Result};
use crate::iperf::{self, Direction, Throughput};

/// How often a busy iperf3 server is asked again (a second apart).
pub const BUSY_RETRIES: u32 = 5;

/// Where and how long to test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The iperf3 program (`iperf3` on `PATH` by default).
    pub iperf3: PathBuf,
    /// The server's host name or address.
    pub server: String,
    /// Its port.
    pub port: u16,
    /// Seconds per direction.
    pub seconds: u32,
}

impl Target {
    /// The iperf3 command line for one direction, bound to `interface`
    /// (`--bind-dev`, iperf 3.11+: the kernel routes through that device
    /// whatever the routing table prefers).
    pub fn command(&self, interface: &str, direction: Direction) -> Command {
        let mut cmd = Command::new(&self.iperf3, interface)
            .args(["--client", &self.server, "--port", &self.port.to_string()])
            .args(["--time", &self.seconds.to_string(), "--json", "--bind-dev", interface])
            // Connect, run, and let the server send its totals.
            .timeout(Duration::from_secs(u64::from(self.seconds) + 30));
        if direction == Direction::Receive {
            cmd = cmd.arg("--reverse");
        }
        cmd
    }

    /// Runs one direction and reads its totals. iperf3 writes its JSON,
    /// error included, on stdout whatever its exit status.
    ///
    /// An iperf3 server serves one test at a time and needs a moment after
    /// one ends before it accepts the next ("the server is busy running a
    /// test"): the second direction right after the first meets that, so a
    /// busy server is asked again, up to [`BUSY_RETRIES`] times a second
    /// apart, before it is an error.
    pub fn run(&self, interface: &str, direction: Direction) -> Result<Throughput> {
        let mut tries = 0;
        loop {
            match self.run_once(interface, direction) {
                Err(NettestError::Iperf { message, .. })
                    if message.contains("server is busy") && tries < BUSY_RETRIES =>
                {
                    tries += 1;
                    std::thread::sleep(Duration::from_secs(1));
                }
                other => return other,
            }
        }
    }

    fn run_once(&self, interface: &str, direction: Direction) -> Result<Throughput> {
        let out = self.command(interface, direction).run().map_err(|source| NettestError::Run {
            interface: interface.to_owned(),
            direction: direction.as_str(),
            source,
        })?;
        let text = String::from_utf8_lossy(&out.stdout);
        if text.trim().is_empty() {
            return Err(NettestError::Iperf {
                interface: interface.to_owned(),
                direction: direction.as_str(),
                message: format!("no output ({}): {}", out.status, out.stderr_text()),
            });
        }
        iperf::parse(&text, interface, direction)
    }
}

#[cfg(test)]
#[allow(clippy::disallowed_methods, reason = "the fake iperf3 is a test file, not the board")]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt as _;

    /// A fake iperf3 that answers "busy" `busy` times, then `body`.
    fn fake(dir: &std::path::Path, busy: u32, body: &str) -> PathBuf {
        let count = dir.join("count");
        let script = dir.join("iperf3");
        std::fs::write(
            &script,
            format!(
                "#!/bin/sh\nn=$(cat {c} 2>/dev/null || echo 0)\necho $((n + 1)) > {c}\n\
                 if [ \"$n\" -lt {busy} ]; then\n\
                 echo '{{\"start\": {{}}, \"error\": \"the server is busy running a test. try again later\"}}'\n\
                 exit 1\nfi\n{body}\n",
                c = count.display()
            ),
        )
        .unwrap();
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        script
    }

    fn target(iperf3: PathBuf) -> Target {
        Target { iperf3, server: "192.0.2.1".into(), port: 5201, seconds: 1 }
    }

    #[test]
    fn a_busy_server_is_asked_again_then_reported() {
        let dir = tempfile::tempdir().unwrap();
        let t = target(fake(dir.path(), 100, "exit 1"));
        let e = t.run("vc", Direction::Send).unwrap_err();
        assert!(e.to_string().contains("server is busy"), "{e}");
        let asked: u32 =
            std::fs::read_to_string(dir.path().join("count")).unwrap().trim().parse().unwrap();
        assert_eq!(asked, BUSY_RETRIES + 1);
    }

    #[test]
    fn a_server_that_frees_up_is_used() {
        let dir = tempfile::tempdir().unwrap();
        let t =
            target(fake(dir.path(), 1, "echo '{\"start\": {}, \"error\": \"unable to connect\"}'"));
        // Busy once, then a different error: the retry reached the second answer.
        let e = t.run("vc", Direction::Send).unwrap_err();
        assert!(e.to_string().contains("unable to connect"), "{e}");
    }
}
