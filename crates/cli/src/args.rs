//! `helios64` and its subcommands, as clap parses them. Each subcommand's
//! arguments are in its own module; its `run` is in the binary.

use clap::{Parser, Subcommand};

pub mod fan;
pub mod health;
pub mod nettest;
pub mod smart;
pub mod status;
pub mod ups;

/// The `helios64` command line.
#[derive(Debug, Parser)]
#[command(name = "helios64", version, about = "Health and state of a Kobol Helios64 NAS")]
pub struct Cli {
    /// The subcommand to run.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands of `helios64`.
// One paragraph only: clap's derive applies a subcommand enum's doc comment
// to the parent command (as its about and long about), before the parent's
// own attributes, which win only for what they set.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// The whole box in one view: board, temperatures, fans, bays, NICs, IRQ
    /// pinning, UPS, LEDs.
    Status(status::Args),
    /// SMART health of the disks (never wakes a sleeping disk), or of saved
    /// smartctl --json outputs.
    Smart(smart::Args),
    /// What the fan daemon sees and would set: inputs, curves, duties,
    /// fail-safe.
    Fan(fan::Args),
    /// One verdict for the whole box: bays joined to their disks' SMART and
    /// ZFS vdevs, pools and scrubs, fans, UPS, links; monitoring-plugin
    /// exit codes.
    Health(health::Args),
    /// The UPS: state, mains, pack volts, time on battery, estimated time
    /// to the threshold, next action (from helios64-upsd and a reading now).
    Ups(ups::Args),
    /// Throughput of each NIC against an iperf3 server, both ways, judged
    /// against its link speed; names the LAN2 board fault.
    Nettest(nettest::Args),
}
