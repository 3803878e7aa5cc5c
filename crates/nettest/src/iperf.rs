//! Reading `iperf3 --json`: the totals of one run, nothing else.

use serde::Deserialize;

use crate::error::{NettestError, Result};

/// Which way the data flowed, seen from the box.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// The box sends (iperf3's default).
    Send,
    /// The box receives (`-R`).
    Receive,
}

impl Direction {
    /// `send` or `receive`.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Send => "send",
            Direction::Receive => "receive",
        }
    }
}

/// The totals of one iperf3 TCP run.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Throughput {
    /// Which way.
    pub direction: Direction,
    /// What the receiver got, bits per second (iperf3's `sum_received`).
    pub bits_per_second: f64,
    /// Bytes the sender sent.
    pub bytes_sent: u64,
    /// TCP retransmits on the sending side (`sum_sent.retransmits`; iperf3
    /// collects the server's in reverse mode). `None` when the sender's
    /// kernel does not report them.
    pub retransmits: Option<u64>,
    /// The test's length, seconds.
    pub seconds: f64,
}

impl Throughput {
    /// Retransmitted segments per segment sent, estimating segments from
    /// the bytes with a 1448-byte MSS (Ethernet, TCP timestamps).
    pub fn retransmit_rate(&self) -> Option<f64> {
        let segments = (self.bytes_sent as f64 / 1448.0).max(1.0);
        self.retransmits.map(|r| r as f64 / segments)
    }
}

#[derive(Deserialize)]
struct Doc {
    error: Option<String>,
    end: Option<End>,
}

#[derive(Deserialize)]
struct End {
    sum_sent: Option<Sum>,
    sum_received: Option<Sum>,
}

#[derive(Deserialize)]
struct Sum {
    seconds: f64,
    bytes: u64,
    bits_per_second: f64,
    retransmits: Option<u64>,
}

/// Parses one run's JSON. An `"error"` in it is [`NettestError::Iperf`]
/// with iperf3's message; anything else unexpected is
/// [`NettestError::Malformed`].
pub fn parse(json: &str, interface: &str, direction: Direction) -> Result<Throughput> {
    let malformed = |detail: String| NettestError::Malformed {
        interface: interface.to_owned(),
        direction: direction.as_str(),
        detail,
    };
    let doc: Doc = serde_json::from_str(json).map_err(|e| malformed(e.to_string()))?;
    if let Some(message) = doc.error {
        return Err(NettestError::Iperf {
            interface: interface.to_owned(),
            direction: direction.as_str(),
            message,
        });
    }
    let end = doc.end.ok_or_else(|| malformed("no \"end\" totals".to_owned()))?;
    let sent =
        end.sum_sent.ok_or_else(|| malformed("no end.sum_sent (not a TCP run?)".to_owned()))?;
    let received = end.sum_received.ok_or_else(|| malformed("no end.sum_received".to_owned()))?;
    if !received.bits_per_second.is_finite() || received.bits_per_second < 0.0 {
        return Err(malformed(format!("bits_per_second {}", received.bits_per_second)));
    }
    Ok(Throughput {
        direction,
        bits_per_second: received.bits_per_second,
        bytes_sent: sent.bytes,
        retransmits: sent.retransmits,
        seconds: received.seconds,
    })
}
