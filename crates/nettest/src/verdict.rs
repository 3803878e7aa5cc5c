//! The verdict on one interface's two runs: fine, slow, or the LAN2 board
//! fault. Pure: the inputs are numbers, so every rule is tested on given
//! values.

use crate::iperf::Throughput;

/// The thresholds. The defaults follow what the issue and Kobol's notes
/// describe: a healthy GbE link carries well over half its rate; the LAN2
/// fault gives 10–100 Mbit/s "with many retries" at 1 Gbit/s.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    /// Below this fraction of the link rate (either direction) is slow.
    pub min_fraction: f64,
    /// The board fault needs LAN2 at 1000 Mbit/s below this fraction...
    pub fault_fraction: f64,
    /// ... and at least this share of segments retransmitted.
    pub fault_retransmit_rate: f64,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits { min_fraction: 0.5, fault_fraction: 0.2, fault_retransmit_rate: 0.005 }
    }
}

/// How bad.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// As fast as the link allows (within the limits).
    Ok,
    /// Slower than it should be; the message says what is known.
    Warning,
    /// Nothing was measured (no link).
    Critical,
}

/// What the runs mean.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Verdict {
    /// How bad.
    pub level: Level,
    /// A stable name for the finding: `ok`, `slow`, `lan2-board-fault`,
    /// `no-link`.
    pub code: &'static str,
    /// One sentence for a person: what, the likely cause, the fix.
    pub message: String,
}

/// The interface as the verdict needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Link<'a> {
    /// Its name, for the message.
    pub interface: &'a str,
    /// Whether it is the board's LAN2 (the r8152 2.5 GbE on USB).
    pub is_lan2: bool,
    /// The negotiated speed; `None` without a link.
    pub speed_mbps: Option<u32>,
}

fn mbps(t: &Throughput) -> f64 {
    t.bits_per_second / 1e6
}

/// Judges one interface from its send and receive runs.
pub fn judge(link: Link<'_>, send: &Throughput, receive: &Throughput, limits: Limits) -> Verdict {
    let Some(speed) = link.speed_mbps.filter(|s| *s > 0) else {
        return Verdict {
            level: Level::Critical,
            code: "no-link",
            message: format!("{}: no link speed, so no line rate to compare with", link.interface),
        };
    };
    let line = f64::from(speed);
    let worst = if mbps(send) <= mbps(receive) { send } else { receive };
    let fraction = mbps(worst) / line;
    let retransmits = worst.retransmit_rate().unwrap_or(0.0);
    if link.is_lan2
        && speed == 1000
        && fraction < limits.fault_fraction
        && retransmits >= limits.fault_retransmit_rate
    {
        return Verdict {
            level: Level::Warning,
            code: "lan2-board-fault",
            message: format!(
                "{}: LAN2 linked at 1 Gbit/s carries {:.0} Mbit/s ({}) with {:.1} % of segments \
                 retransmitted: the Helios64 LAN2 fault (the RJ45 magnetics' centre tap is not tied \
                 to the 2.5 V rail). Fix: the solder rework on the board's underside, or link LAN2 \
                 at 2.5 Gbit/s (a 2.5G switch port, or a [[link]] policy for lan2 in pin.toml \
                 advertising only 2500baseT/Full)",
                link.interface,
                mbps(worst),
                worst.direction.as_str(),
                retransmits * 100.0
            ),
        };
    }
    if fraction < limits.min_fraction {
        return Verdict {
            level: Level::Warning,
            code: "slow",
            message: format!(
                "{}: {:.0} Mbit/s ({}) is {:.0} % of the {speed} Mbit/s link (below {:.0} %); \
                 check the server, the cable and the switch port",
                link.interface,
                mbps(worst),
                worst.direction.as_str(),
                fraction * 100.0,
                limits.min_fraction * 100.0
            ),
        };
    }
    Verdict {
        level: Level::Ok,
        code: "ok",
        message: format!(
            "{}: {:.0}/{:.0} Mbit/s send/receive on a {speed} Mbit/s link",
            link.interface,
            mbps(send),
            mbps(receive)
        ),
    }
}
