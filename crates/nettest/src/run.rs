//! Running iperf3 as a client bound to one interface.

use std::path::PathBuf;
use std::time::Duration;

use helios64_exec::Command;

use crate::error::{NettestError, Result};
use crate::iperf::{self, Direction, Throughput};

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
    pub fn run(&self, interface: &str, direction: Direction) -> Result<Throughput> {
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
