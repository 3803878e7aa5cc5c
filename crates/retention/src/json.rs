//! The plan as compact JSON, written straight to a stream: the same
//! document as the plan's `Serialize`, without the generic machinery in
//! the per-snapshot loop (a plan destroying 100,000 snapshots writes 16 MB).

use std::io::{self, Write};

use crate::kind::Class;
use crate::plan::{Decision, Plan};

/// Writes `s` as a JSON string: as is between quotes when nothing needs
/// escaping (every ZFS name), through serde_json otherwise.
fn put_str<W: Write>(w: &mut W, parts: &[&str]) -> io::Result<()> {
    let plain = parts.iter().all(|p| p.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\'));
    if plain {
        w.write_all(b"\"")?;
        for p in parts {
            w.write_all(p.as_bytes())?;
        }
        return w.write_all(b"\"");
    }
    serde_json::to_writer(&mut *w, &parts.concat()).map_err(io::Error::from)
}

fn put_list<W: Write>(w: &mut W, plan: &Plan<'_>, list: &[Decision]) -> io::Result<()> {
    w.write_all(b"[")?;
    for (n, d) in list.iter().enumerate() {
        let s = plan.snapshot(d);
        w.write_all(if n == 0 { b"{\"snapshot\":" } else { b",{\"snapshot\":" })?;
        let [a, b, c, e] = s.name.parts();
        put_str(w, &[s.dataset, "@", a, b, c, e])?;
        match s.class {
            Class::Ours(t) => write!(w, ",\"type\":\"{t}\"")?,
            _ => w.write_all(b",\"type\":null")?,
        }
        // The reasons are this crate's own ASCII texts, type names and
        // numbers: nothing in them needs escaping (the test against the
        // Serialize form checks every kind).
        write!(
            w,
            ",\"creation\":{},\"held\":{},\"why\":\"{}\"}}",
            s.creation,
            s.held,
            plan.why(d)
        )?;
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
