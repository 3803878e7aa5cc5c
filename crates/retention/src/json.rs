//! The plan as compact JSON, written straight to a stream: the same
//! document as the plan's `Serialize`, without the generic machinery in
//! the per-snapshot loop (a plan destroying 100,000 snapshots writes 16 MB).

use std::io::{self, Write};

use crate::kind::Class;
use crate::plan::{Decision, Plan, Why};

/// Whether `s` can go between quotes as is (every ZFS name can).
fn plain(s: &str) -> bool {
    s.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\')
}

/// Appends `parts` as one JSON string.
fn push_str(buf: &mut Vec<u8>, parts: &[&str]) -> io::Result<()> {
    if parts.iter().all(|p| plain(p)) {
        buf.push(b'"');
        for p in parts {
            buf.extend_from_slice(p.as_bytes());
        }
        buf.push(b'"');
        return Ok(());
    }
    serde_json::to_writer(&mut *buf, &parts.concat()).map_err(io::Error::from)
}

/// Appends an integer in decimal.
fn push_int(buf: &mut Vec<u8>, n: i64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    let mut v = n.unsigned_abs();
    loop {
        at -= 1;
        digits[at] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    if n < 0 {
        buf.push(b'-');
    }
    buf.extend_from_slice(&digits[at..]);
}

fn put_list<W: Write>(w: &mut W, plan: &Plan<'_>, list: &[Decision]) -> io::Result<()> {
    w.write_all(b"[")?;
    // One entry at a time into a reused buffer, one write each: the
    // formatting machinery per field costs more than the bytes.
    let mut buf: Vec<u8> = Vec::with_capacity(256);
    for (n, d) in list.iter().enumerate() {
        let s = plan.snapshot(d);
        buf.clear();
        buf.extend_from_slice(if n == 0 { b"{\"snapshot\":" } else { b",{\"snapshot\":" });
        let [a, b, c, e] = s.name.parts();
        push_str(&mut buf, &[s.dataset, "@", a, b, c, e])?;
        match s.class {
            Class::Ours(t) => {
                buf.extend_from_slice(b",\"type\":\"");
                buf.extend_from_slice(t.as_str().as_bytes());
                buf.push(b'"');
            }
            _ => buf.extend_from_slice(b",\"type\":null"),
        }
        buf.extend_from_slice(b",\"creation\":");
        push_int(&mut buf, s.creation);
        buf.extend_from_slice(if s.held {
            b",\"held\":true,\"why\":\""
        } else {
            b",\"held\":false,\"why\":\""
        });
        // The reasons are this crate's own ASCII texts, type names and
        // numbers: nothing in them needs escaping (the test against the
        // Serialize form checks every kind).
        match plan.why(d) {
            Why::Expired { count, keep, cutoff } => {
                buf.extend_from_slice(b"expired: ");
                push_int(&mut buf, i64::try_from(count).unwrap_or(i64::MAX));
                buf.extend_from_slice(b" of its type > ");
                push_int(&mut buf, i64::from(keep));
                buf.extend_from_slice(b", created before ");
                push_int(&mut buf, cutoff);
            }
            other => write!(buf, "{other}")?,
        }
        buf.extend_from_slice(b"\"}");
        w.write_all(&buf)?;
    }
    w.write_all(b"]")
}

impl Plan<'_> {
    /// Writes the plan as one line of compact JSON, headed by a `format`
    /// key: `{"format":…,"now":…,"timezone":…,"take":[…],"destroy":[…],"keep":[…]}`.
    pub fn write_json<W: Write>(&self, mut w: W, format: &str) -> io::Result<()> {
        w.write_all(b"{\"format\":")?;
        serde_json::to_writer(&mut w, format)?;
        write!(w, ",\"now\":{},\"timezone\":", self.now)?;
        serde_json::to_writer(&mut w, &self.timezone)?;
        w.write_all(b",\"take\":")?;
        serde_json::to_writer(&mut w, &self.take)?;
        w.write_all(b",\"destroy\":")?;
        put_list(&mut w, self, &self.destroy)?;
        w.write_all(b",\"keep\":")?;
        put_list(&mut w, self, &self.keep)?;
        w.write_all(b"}\n")
    }
}
