//! The command line of `helios64 nettest`.

use std::path::PathBuf;

/// Arguments of `helios64 nettest`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Runs `iperf3 --json --bind-dev IFACE` against SERVER, sending then \
receiving, for each interface (LAN1 and LAN2 by default), and judges each against its negotiated \
link speed. LAN2 linked at 1 Gbit/s with heavy retransmits and under 20 % of the line rate is the \
Helios64's known board fault, named with its fix. The other end runs `iperf3 --server` (on a \
Helios64: helios64-iperf3@IFACE.service). Exit status (monitoring-plugin convention): 0 every \
interface at speed; 1 (WARNING) one slow or showing the board fault; 2 (CRITICAL) one without a \
link; 3 (UNKNOWN) a test that could not run (server unreachable, no iperf3); 64 for a bad \
command line.")]
pub struct Args {
    /// The iperf3 server to test against (host name or address).
    #[arg(long, value_name = "HOST")]
    pub server: String,

    /// The server's port.
    #[arg(long, default_value_t = 5201, value_name = "PORT")]
    pub port: u16,

    /// An interface to test (repeatable); default: LAN1 and LAN2 as the
    /// board model finds them.
    #[arg(long = "interface", value_name = "IFACE")]
    pub interfaces: Vec<String>,

    /// Seconds per direction.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=3600), value_name = "SECS")]
    pub seconds: u32,

    /// Judge against this line rate (Mbit/s) instead of the negotiated
    /// link speed: a slower hop on the way (a 1G switch uplink), or a
    /// virtual interface that reports none.
    #[arg(long, value_name = "MBPS", value_parser = clap::value_parser!(u32).range(1..))]
    pub line_rate: Option<u32>,

    /// Treat IFACE as LAN2 (repeatable) when the board model cannot tell:
    /// a renamed or re-enumerated device, a USB adapter of the same chip.
    #[arg(long = "lan2", value_name = "IFACE")]
    pub lan2: Vec<String>,

    /// The iperf3 program.
    #[arg(long, default_value = "iperf3", value_name = "PROGRAM")]
    pub iperf3: PathBuf,

    /// Read sys/ under this tree instead of the running system (finding
    /// the NICs and their link speeds; the traffic is real either way).
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,

    /// Print JSON instead of the table.
    #[arg(long)]
    pub json: bool,
}
