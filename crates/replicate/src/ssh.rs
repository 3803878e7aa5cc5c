//! A target on another host: `ssh HOST helios64-replicate receive …`, or
//! plain `zfs` commands when the remote has no `helios64-replicate`. The
//! stream goes from the lzc send thread through a pipe into `ssh`'s stdin.
//!
//! No hold is placed on the remote end: with a restricted key the remote
//! runs only `receive`, and a remote base pruned mid-stream makes that
//! receive fail (nothing destroyed; the next run plans from what is left).

use std::cell::Cell;
use std::os::fd::AsFd;
use std::process::{Command, Stdio};
use std::thread;

use helios64_zfs::lzc::Lzc;
use helios64_zfs::{DatasetName, Errno, SnapshotName};

use crate::describe::{
    self, AbortedRemote, Description, Ending, Received, ending, last_line, parse_children,
    parse_json,
};
use crate::error::{Error, Result};
use crate::remote::{Host, How, Ssh, plain};
use crate::target::TargetEnd;
use crate::transfer::{Side, Stream, base_name, count, join_sender};

/// What one remote command left.
#[derive(Debug)]
struct Ran {
    ending: Ending,
    stdout: String,
    stderr: String,
}

/// Reads `pipe` to its end in a thread of its own; its text (lossy).
fn drain<R: std::io::Read + Send + 'static>(pipe: Option<R>) -> thread::JoinHandle<String> {
    thread::spawn(move || {
        let mut text = Vec::new();
        if let Some(mut p) = pipe {
            let _ = p.read_to_end(&mut text);
        }
        String::from_utf8_lossy(&text).into_owned()
    })
}

/// The target end over `ssh`.
#[derive(Debug)]
pub struct SshEnd<'a> {
    /// The sender.
    pub lzc: Lzc,
    /// The job's name, for errors.
    pub job: &'a str,
    /// The host and how to reach it.
    pub ssh: &'a Ssh,
    /// `canmount` set on the target, by name.
    pub canmount: Option<&'static str>,
    /// Whether the remote lacks our program (found by the first command).
    plain: Cell<Option<bool>>,
}

impl<'a> SshEnd<'a> {
    /// An end that has not talked to the host yet.
    pub fn new(lzc: Lzc, job: &'a str, ssh: &'a Ssh, canmount: Option<&'static str>) -> Self {
        SshEnd { lzc, job, ssh, canmount, plain: Cell::new(None) }
    }

    fn remote(&self, what: &'static str, dataset: &DatasetName, reason: String) -> Error {
        Error::Remote {
            job: self.job.to_owned(),
            host: self.ssh.host.clone(),
            what,
            dataset: dataset.clone(),
            reason,
        }
    }

    fn unreachable(&self, dataset: &DatasetName, stderr: &str) -> Error {
        Error::Unreachable {
            job: self.job.to_owned(),
            host: self.ssh.host.clone(),
            dataset: dataset.clone(),
            reason: last_line(stderr),
        }
    }

    /// Runs `words` on the host, stdin closed.
    fn run(&self, words: &[String], what: &'static str, dataset: &DatasetName) -> Result<Ran> {
        let argv = self.ssh.argv(words);
        let out = Command::new(&argv[0])
            .args(&argv[1..])
            .stdin(Stdio::null())
            .output()
            .map_err(|e| self.remote(what, dataset, format!("cannot run ssh: {e}")))?;
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        let ran = Ran {
            ending: ending(out.status.code(), &stderr),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr,
        };
        if ran.ending == Ending::Unreachable {
            return Err(self.unreachable(dataset, &ran.stderr));
        }
        Ok(ran)
    }

    /// `run`, and anything but success is an error.
    fn run_ok(
        &self,
        words: &[String],
        what: &'static str,
        dataset: &DatasetName,
    ) -> Result<String> {
        let ran = self.run(words, what, dataset)?;
        match ran.ending {
            Ending::Done => Ok(ran.stdout),
            _ => Err(self.remote(what, dataset, last_line(&ran.stderr))),
        }
    }

    fn plain(&self) -> bool {
        self.plain.get() == Some(true)
    }

    fn describe_plain(&self, target: &DatasetName) -> Result<Description> {
        let bad = |e: describe::BadOutput| self.remote("describing", target, e.reason);
        let Some(parent) = target.parent() else {
            return Err(self.remote("describing", target, "a pool is not a target".to_owned()));
        };
        let ran = self.run(&plain::list_parent(&parent), "describing", target)?;
        let exists = match ran.ending {
            Ending::Done => {
                parse_children(&ran.stdout, parent.as_str(), target.as_str()).map_err(bad)?
            }
            Ending::Failed if ran.stderr.contains("does not exist") => {
                return Ok(Description::default());
            }
            _ => return Err(self.remote("describing", target, last_line(&ran.stderr))),
        };
        if !exists {
            return Ok(Description { parent_exists: true, ..Description::default() });
        }
        let list = self.run_ok(&plain::snapshots(target), "listing the snapshots of", target)?;
        let snapshots = describe::parse_snapshots(&list, target.as_str()).map_err(bad)?;
        let token = self.run_ok(&plain::token(target), "reading the resume token of", target)?;
        let resume_token = describe::parse_token(&token).map_err(bad)?;
        Ok(Description { exists, parent_exists: true, snapshots, resume_token })
    }

    fn read_back_failed(&self, snapshot: &SnapshotName, stderr: &str) -> Error {
        Error::RemoteReadBack {
            job: self.job.to_owned(),
            host: self.ssh.host.clone(),
            snapshot: snapshot.to_string(),
            reason: last_line(stderr),
        }
    }

    /// `zfs send -w SNAP` on the host, its stream counted here: the whole
    /// backup crosses the network.
    fn read_back_plain(&self, snapshot: &SnapshotName) -> Result<u64> {
        let what = "reading back";
        let dataset = snapshot.dataset();
        let argv = self.ssh.argv(&plain::send_raw(snapshot));
        let mut child = Command::new(&argv[0])
            .args(&argv[1..])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| self.remote(what, &dataset, format!("cannot run ssh: {e}")))?;
        let err_reader = drain(child.stderr.take());
        let counted = match child.stdout.take() {
            Some(mut out) => count(&mut out),
            None => Ok(0),
        };
        let status = child.wait().map_err(|e| self.remote(what, &dataset, format!("ssh: {e}")))?;
        let stderr = err_reader.join().unwrap_or_default();
        match ending(status.code(), &stderr) {
            Ending::Done => {
                counted.map_err(|e| self.remote(what, &dataset, format!("reading from ssh: {e}")))
            }
            Ending::Unreachable => Err(self.unreachable(&dataset, &stderr)),
            Ending::Failed | Ending::NoCommand => Err(self.read_back_failed(snapshot, &stderr)),
        }
    }

    fn how(&self, stream: &Stream<'_>) -> How {
        How { force: stream.force, raw: stream.flags.raw, canmount: self.canmount }
    }
}

impl TargetEnd for SshEnd<'_> {
    fn host(&self) -> Option<&Host> {
        Some(&self.ssh.host)
    }

    fn receiver(&self) -> String {
        match self.plain.get() {
            Some(true) => format!("zfs receive on {}", self.ssh.host),
            _ => format!("{} receive on {}", self.ssh.command, self.ssh.host),
        }
    }

    fn describe(&self, target: &DatasetName) -> Result<Description> {
        if self.plain() {
            return self.describe_plain(target);
        }
        let ran = self.run(&self.ssh.describe(target), "describing", target)?;
        match ran.ending {
            Ending::Done => {
                self.plain.set(Some(false));
                describe::parse_description(&ran.stdout)
                    .map_err(|e| self.remote("describing", target, e.reason))
            }
            Ending::NoCommand => {
                self.plain.set(Some(true));
                self.describe_plain(target)
            }
            _ => Err(self.remote("describing", target, last_line(&ran.stderr))),
        }
    }

    fn abort_receive(&self, target: &DatasetName) -> Result<String> {
        let what = "aborting the receive into";
        if self.plain() {
            self.run_ok(&plain::abort(target), what, target)?;
            return Ok("zfs receive -A done".to_owned());
        }
        let out = self.run_ok(&self.ssh.abort(target), what, target)?;
        let a: AbortedRemote =
            parse_json("receive --abort", &out).map_err(|e| self.remote(what, target, e.reason))?;
        Ok(a.removed)
    }

    fn receive(&self, stream: &Stream<'_>) -> Result<u64> {
        let what = "receiving into";
        let target = stream.target;
        let snapshot = format!("{target}@{}", stream.step.to.name);
        let words = if self.plain() {
            plain::receive(target, &self.how(stream))
        } else {
            self.ssh.receive(&snapshot, &self.how(stream))
        };
        let argv = self.ssh.argv(&words);
        let mut child = Command::new(&argv[0])
            .args(&argv[1..])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| self.remote(what, target, format!("cannot run ssh: {e}")))?;
        // Read while the stream is written, so that a chatty remote never
        // blocks on a full stderr pipe and stops reading its stdin.
        let err_reader = drain(child.stderr.take());
        let out_reader = drain(child.stdout.take());
        let sent_result = {
            let (mut reader, writer) =
                std::io::pipe().map_err(|e| self.remote(what, target, format!("pipe: {e}")))?;
            let to = format!("{}@{}", stream.source, stream.step.to.name);
            let from = stream.step.from.as_ref().map(|b| base_name(stream.source, b));
            let (lzc, flags, (object, offset)) = (self.lzc, stream.flags, stream.resume_at);
            let sender = thread::spawn(move || {
                let sent =
                    lzc.send_resume(&to, from.as_deref(), writer.as_fd(), flags, object, offset);
                drop(writer);
                sent
            });
            let copied = match child.stdin.take() {
                Some(mut stdin) => std::io::copy(&mut reader, &mut stdin),
                None => Ok(0),
            };
            // Unblocks a sender still writing after ssh went away (EPIPE).
            drop(reader);
            let sent = join_sender(sender, stream.source.as_str());
            (sent, copied)
        };
        let status = child.wait().map_err(|e| self.remote(what, target, format!("ssh: {e}")))?;
        let stderr = err_reader.join().unwrap_or_default();
        let _stdout = out_reader.join().unwrap_or_default();
        let (sent, copied) = sent_result;
        let remote_ending = ending(status.code(), &stderr);
        match (sent, remote_ending) {
            (Err(e), _) if e.errno() != Some(Errno(libc::EPIPE)) => Err(Error::Transfer {
                job: self.job.to_owned(),
                snapshot: format!("{}@{}", stream.source, stream.step.to.name),
                target: format!("{}:{target}", self.ssh.host),
                side: Side::Send,
                source: Box::new(e),
            }),
            (_, Ending::Unreachable) => Err(self.unreachable(target, &stderr)),
            (_, Ending::Failed | Ending::NoCommand) => {
                Err(self.remote(what, target, last_line(&stderr)))
            }
            (Err(e), Ending::Done) => Err(Error::Transfer {
                job: self.job.to_owned(),
                snapshot: format!("{}@{}", stream.source, stream.step.to.name),
                target: format!("{}:{target}", self.ssh.host),
                side: Side::Send,
                source: Box::new(e),
            }),
            (Ok(()), Ending::Done) => {
                copied.map_err(|e| self.remote(what, target, format!("writing to ssh: {e}")))
            }
        }
    }

    fn read_back(&self, snapshot: &SnapshotName) -> Result<u64> {
        if self.plain() {
            return self.read_back_plain(snapshot);
        }
        let dataset = snapshot.dataset();
        let ran = self.run(&self.ssh.read_back(snapshot), "reading back", &dataset)?;
        match ran.ending {
            Ending::Done => {
                let r: Received = parse_json("receive --read-back", &ran.stdout)
                    .map_err(|e| self.remote("reading back", &dataset, e.reason))?;
                Ok(r.bytes)
            }
            Ending::NoCommand => {
                self.plain.set(Some(true));
                self.read_back_plain(snapshot)
            }
            _ => Err(self.read_back_failed(snapshot, &ran.stderr)),
        }
    }
}
