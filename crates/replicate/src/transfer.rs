//! One stream from a source snapshot into the target: `zfs send | zfs
//! receive -s` as two threads over a pipe, with no process in between.

use std::os::fd::AsFd;
use std::thread;

use helios64_replication::{Base, Step};
use helios64_zfs::lzc::{Lzc, Receive, SendFlags};
use helios64_zfs::{DatasetName, Errno, NvListRef, ZfsError};

/// One stream to move.
#[derive(Debug, Clone, Copy)]
pub struct Stream<'a> {
    /// The source filesystem.
    pub source: &'a DatasetName,
    /// The target filesystem.
    pub target: &'a DatasetName,
    /// What to send.
    pub step: &'a Step,
    /// The stream's flags (a resumed stream must use the token's).
    pub flags: SendFlags,
    /// Where a resumed stream continues (the token's object and offset);
    /// `(0, 0)` for a whole stream.
    pub resume_at: (u64, u64),
    /// Receive with rollback (`zfs receive -F`).
    pub force: bool,
    /// Properties set locally on the target.
    pub local_props: Option<&'a NvListRef>,
}

/// Which end of the pipe failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The send.
    Send,
    /// The receive.
    Receive,
}

/// The full name of a step's base on the source.
pub fn base_name(source: &DatasetName, base: &Base) -> String {
    match base {
        Base::Snapshot(s) => format!("{source}@{s}"),
        Base::Bookmark(b) => format!("{source}#{b}"),
    }
}

/// Moves one stream; returns the bytes received. On failure, the end that
/// failed first: a receive that stops reading makes the send fail with
/// `EPIPE`, and a send that stops writing makes the receive see a
/// truncated stream, so the other end's error is the consequence.
pub fn transfer(lzc: Lzc, stream: &Stream<'_>) -> Result<u64, (Side, ZfsError)> {
    let (reader, writer) = std::io::pipe()
        .map_err(|e| (Side::Send, ZfsError::Io { path: "pipe".into(), source: e }))?;
    let to = format!("{}@{}", stream.source, stream.step.to.name);
    let from = stream.step.from.as_ref().map(|b| base_name(stream.source, b));
    let (flags, (object, offset)) = (stream.flags, stream.resume_at);
    let sender = thread::spawn(move || {
        let sent = lzc.send_resume(&to, from.as_deref(), writer.as_fd(), flags, object, offset);
        // Closing the write end is the stream's end for the receiver.
        drop(writer);
        sent
    });
    let how = Receive {
        force: stream.force,
        resumable: true,
        raw: stream.flags.raw,
        local_props: stream.local_props,
    };
    let received =
        lzc.receive(&format!("{}@{}", stream.target, stream.step.to.name), reader.as_fd(), how);
    // Unblocks a sender still writing after a failed receive (EPIPE).
    drop(reader);
    let sent = join_sender(sender, stream.source.as_str());
    match (sent, received) {
        (Ok(()), Ok(r)) => Ok(r.bytes),
        (Err(e), _) if e.errno() != Some(Errno(libc::EPIPE)) => Err((Side::Send, e)),
        (_, Err(e)) => Err((Side::Receive, e)),
        (Err(e), Ok(_)) => Err((Side::Send, e)),
    }
}

/// The send thread's result; a panic in it is an error naming `target`.
pub(crate) fn join_sender(
    sender: thread::JoinHandle<Result<(), ZfsError>>,
    target: &str,
) -> Result<(), ZfsError> {
    sender.join().unwrap_or_else(|_| {
        Err(ZfsError::InvalidArgument {
            what: "send thread",
            target: target.to_owned(),
            reason: "panicked".to_owned(),
        })
    })
}

/// Sends `snapshot` whole into a counter: every block is read, and its
/// checksum checked, on the way; returns the stream's bytes. The restore
/// test's read-back, on this host or on a target's host.
pub fn count_send(lzc: Lzc, snapshot: &str, flags: SendFlags) -> Result<u64, ZfsError> {
    let io = |source| ZfsError::Io { path: "pipe".into(), source };
    let (mut reader, writer) = std::io::pipe().map_err(io)?;
    let name = snapshot.to_owned();
    let sender = thread::spawn(move || {
        let sent = lzc.send(&name, None, writer.as_fd(), flags);
        drop(writer);
        sent
    });
    let counted = count(&mut reader);
    // Unblocks a sender still writing after a failed read (EPIPE).
    drop(reader);
    let sent = join_sender(sender, snapshot);
    sent?;
    counted.map_err(io)
}

/// Reads `from` to its end; the bytes read.
pub(crate) fn count(from: &mut dyn std::io::Read) -> std::io::Result<u64> {
    let mut buf = vec![0u8; 1 << 20];
    let mut bytes = 0u64;
    loop {
        match from.read(&mut buf) {
            Ok(0) => return Ok(bytes),
            Ok(n) => bytes += n as u64,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}
