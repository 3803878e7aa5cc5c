//! Live state files: `/run/helios64/<daemon>.json`.
//!
//! A daemon writes its state on every state change; `helios64 health` and
//! the exporter read it, and fall back to reading the hardware when it is
//! absent or stale. The file is one JSON object:
//!
//! ```json
//! {"schema": 1, "daemon": "fand", "written_at_unix_ms": 1704067200000, "state": { ... }}
//! ```
//!
//! `schema` is the version of the daemon's `state` payload (bump it when a
//! reader could misread the new shape). Writes are atomic: a temp file in
//! the same directory, written, fsynced, renamed over the old one, then the
//! directory fsynced, so a reader sees the old file or the new one, never
//! a part. Files are mode 0644: readers run as other users.

// The daemons' own state files, not board nodes: std::fs is right here.
#![allow(clippy::disallowed_methods)]

use std::fs;
use std::io::{self, Write as _};
use std::os::unix::fs::{DirBuilderExt as _, OpenOptionsExt as _, PermissionsExt as _};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::clock::Clock;
use crate::error::{Error, IoOp, Result};

/// Where state files live on the box.
pub const DEFAULT_DIR: &str = "/run/helios64";

/// What a reader found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Freshness<T> {
    /// Written no longer than the allowed age ago.
    Fresh(T),
    /// Older than the allowed age: the daemon may be dead or stuck. The
    /// last state is kept for display ("last known").
    Stale {
        /// How old it is, on the wall clock.
        age: Duration,
        /// The state it held.
        state: T,
    },
    /// No state file: the daemon is not running, or has not written yet.
    Absent,
}

#[derive(Serialize)]
struct EnvelopeOut<'a, T> {
    schema: u32,
    daemon: &'a str,
    written_at_unix_ms: u64,
    state: &'a T,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EnvelopeIn<T> {
    schema: u32,
    daemon: String,
    written_at_unix_ms: u64,
    state: T,
}

/// A directory of state files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateDir {
    dir: PathBuf,
}

impl StateDir {
    /// State files under `dir` (tests, `--root` runs).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        StateDir { dir: dir.into() }
    }

    /// `/run/helios64`.
    pub fn system() -> Self {
        StateDir::new(DEFAULT_DIR)
    }

    /// `<dir>/<daemon>.json`.
    pub fn path(&self, daemon: &str) -> PathBuf {
        self.dir.join(format!("{daemon}.json"))
    }

    /// Writes `state` for `daemon` with payload schema `schema`, stamped
    /// with `clock`'s wall time, atomically. Creates the directory (0755)
    /// when missing. Returns the file's path.
    pub fn write<T: Serialize>(
        &self,
        daemon: &str,
        schema: u32,
        clock: &dyn Clock,
        state: &T,
    ) -> Result<PathBuf> {
        let path = self.path(daemon);
        fs::DirBuilder::new().recursive(true).mode(0o755).create(&self.dir).map_err(|source| {
            Error::Io { op: IoOp::CreateStateDir, path: self.dir.clone(), source }
        })?;
        let written_at_unix_ms = clock
            .wall()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
        let envelope = EnvelopeOut { schema, daemon, written_at_unix_ms, state };
        let mut json = serde_json::to_vec(&envelope).map_err(|e| Error::Io {
            op: IoOp::WriteState,
            path: path.clone(),
            source: e.into(),
        })?;
        json.push(b'\n');
        write_atomically(&self.dir, &path, &json).map_err(|source| Error::Io {
            op: IoOp::WriteState,
            path: path.clone(),
            source,
        })?;
        Ok(path)
    }

    /// Reads `daemon`'s state, expecting payload schema `schema`, judged
    /// against `clock`'s wall time: stale when older than `max_age`. A
    /// file stamped in the future (the wall clock was stepped back) counts
    /// as just written. A file that is not this envelope, names another
    /// daemon or holds another schema is [`Error::MalformedState`].
    pub fn read<T: DeserializeOwned>(
        &self,
        daemon: &str,
        schema: u32,
        max_age: Duration,
        clock: &dyn Clock,
    ) -> Result<Freshness<T>> {
        let path = self.path(daemon);
        let bytes = match fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Freshness::Absent),
            Err(source) => return Err(Error::Io { op: IoOp::ReadState, path, source }),
        };
        let malformed = |reason: String| Error::MalformedState { path: path.clone(), reason };
        let envelope: EnvelopeIn<T> =
            serde_json::from_slice(&bytes).map_err(|e| malformed(e.to_string()))?;
        if envelope.daemon != daemon {
            return Err(malformed(format!(
                "written by daemon {:?}, expected {daemon:?}",
                envelope.daemon
            )));
        }
        if envelope.schema != schema {
            return Err(malformed(format!("schema {}, expected {schema}", envelope.schema)));
        }
        let written = SystemTime::UNIX_EPOCH + Duration::from_millis(envelope.written_at_unix_ms);
        let age = clock.wall().duration_since(written).unwrap_or(Duration::ZERO);
        Ok(if age > max_age {
            Freshness::Stale { age, state: envelope.state }
        } else {
            Freshness::Fresh(envelope.state)
        })
    }

    /// Reads `daemon`'s state, lets `change` edit it, and writes it back,
    /// all under an exclusive lock on `.{daemon}.lock` beside it: for a
    /// file several processes share (one unit instance per job), each of
    /// which would otherwise write back the copy it read when it started
    /// and drop what another wrote since. A file that is absent, of
    /// another schema or unreadable as this state starts from
    /// `T::default()`: a state file is rebuilt by the next run, and a
    /// stuck one must not stop every later write.
    pub fn update<T: Serialize + DeserializeOwned + Default>(
        &self,
        daemon: &str,
        schema: u32,
        clock: &dyn Clock,
        change: impl FnOnce(&mut T),
    ) -> Result<PathBuf> {
        fs::DirBuilder::new().recursive(true).mode(0o755).create(&self.dir).map_err(|source| {
            Error::Io { op: IoOp::CreateStateDir, path: self.dir.clone(), source }
        })?;
        let lock_path = self.dir.join(format!(".{daemon}.lock"));
        let io_error = |source| Error::Io { op: IoOp::WriteState, path: lock_path.clone(), source };
        let lock = fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .mode(0o644)
            .open(&lock_path)
            .map_err(io_error)?;
        lock.lock().map_err(io_error)?;
        let mut state = match self.read::<T>(daemon, schema, Duration::MAX, clock) {
            Ok(Freshness::Fresh(state) | Freshness::Stale { state, .. }) => state,
            Ok(Freshness::Absent) | Err(_) => T::default(),
        };
        change(&mut state);
        // The lock goes with the file descriptor, after the rename.
        let written = self.write(daemon, schema, clock, &state);
        drop(lock);
        written
    }
}

fn write_atomically(dir: &Path, path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_file_atomically(dir, path, bytes, 0o644)
}

/// Writes `bytes` to `path` (in directory `dir`) so a reader sees the old
/// file or the new one, never a part: a dot-prefixed temp file in the same
/// directory (readers that skip dot files, like node_exporter's textfile
/// collector, never see it), written, set to `mode`, fsynced, renamed over
/// `path`, then the directory fsynced. On failure the temp file is removed.
pub fn write_file_atomically(dir: &Path, path: &Path, bytes: &[u8], mode: u32) -> io::Result<()> {
    let prefix = format!(".{}.", path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default());
    let mut temp = tempfile::Builder::new().prefix(&prefix).suffix(".tmp").tempfile_in(dir)?;
    temp.write_all(bytes)?;
    temp.as_file().set_permissions(fs::Permissions::from_mode(mode))?;
    temp.as_file().sync_all()?;
    // On failure the temp file is removed when `e.file` drops.
    temp.persist(path).map_err(|e| e.error)?;
    // The rename is durable only once the directory is.
    fs::File::open(dir)?.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::SimClock;

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    struct Fans {
        p6: u8,
        p7: u8,
        note: String,
    }

    fn fans(n: u8) -> Fans {
        Fans { p6: n, p7: n / 2, note: "x".repeat(usize::from(n) * 400) }
    }

    #[test]
    fn update_waits_for_another_writer_and_keeps_its_change() {
        use std::collections::BTreeMap;
        use std::sync::mpsc;
        type Jobs = BTreeMap<String, u32>;
        let dir = tempfile::tempdir().unwrap();
        let states = &StateDir::new(dir.path());
        let (inside_tx, inside_rx) = mpsc::channel();
        let (go_tx, go_rx) = mpsc::channel::<()>();
        std::thread::scope(|scope| {
            let a = scope.spawn(move || {
                states.update("replicate", 1, &SimClock::at_2024(), |jobs: &mut Jobs| {
                    jobs.insert("a".into(), 1);
                    inside_tx.send(()).unwrap();
                    go_rx.recv().unwrap();
                })
            });
            inside_rx.recv().unwrap();
            let (done_tx, done_rx) = mpsc::channel();
            let b = scope.spawn(move || {
                let r = states.update("replicate", 1, &SimClock::at_2024(), |jobs: &mut Jobs| {
                    jobs.insert("b".into(), 2);
                });
                done_tx.send(()).unwrap();
                r
            });
            // While the first holds the lock, the second must wait (without
            // the lock it would read the old file, write, and be overwritten).
            let b_waited = done_rx.recv_timeout(Duration::from_millis(300)).is_err();
            go_tx.send(()).unwrap();
            a.join().unwrap().unwrap();
            b.join().unwrap().unwrap();
            assert!(b_waited, "the second update ran while the first held the file");
        });
        let clock = SimClock::at_2024();
        let Freshness::Fresh(jobs) =
            states.read::<Jobs>("replicate", 1, Duration::MAX, &clock).unwrap()
        else {
            panic!("no state")
        };
        assert_eq!(jobs, BTreeMap::from([("a".into(), 1), ("b".into(), 2)]));
    }

    #[test]
    fn round_trip_then_stale_then_absent() {
        let dir = tempfile::tempdir().unwrap();
        let states = StateDir::new(dir.path().join("run/helios64"));
        let clock = SimClock::at_2024();
        let path = states.write("fand", 1, &clock, &fans(3)).unwrap();
        assert_eq!(path, dir.path().join("run/helios64/fand.json"));
        let text = fs::read_to_string(&path).unwrap();
        assert!(
            text.starts_with(
                r#"{"schema":1,"daemon":"fand","written_at_unix_ms":1704067200000,"state":{"p6":3"#
            ),
            "{text}"
        );
        assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o644);

        let max_age = Duration::from_secs(30);
        assert_eq!(states.read("fand", 1, max_age, &clock).unwrap(), Freshness::Fresh(fans(3)));
        clock.advance(Duration::from_secs(30));
        assert_eq!(states.read("fand", 1, max_age, &clock).unwrap(), Freshness::Fresh(fans(3)));
        clock.advance(Duration::from_millis(1));
        assert_eq!(
            states.read::<Fans>("fand", 1, max_age, &clock).unwrap(),
            Freshness::Stale { age: Duration::from_millis(30_001), state: fans(3) }
        );
        // The wall clock stepped back before the write time.
        clock.set_wall(SystemTime::UNIX_EPOCH);
        assert_eq!(states.read("fand", 1, max_age, &clock).unwrap(), Freshness::Fresh(fans(3)));
        assert_eq!(states.read::<Fans>("upsd", 1, max_age, &clock).unwrap(), Freshness::Absent);
    }

    #[test]
    fn malformed_files_are_errors_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let states = StateDir::new(dir.path());
        let clock = SimClock::at_2024();
        let path = states.path("fand");
        let read = || states.read::<Fans>("fand", 1, Duration::from_secs(30), &clock);
        let cases = [
            ("{\"schema\":1,", "EOF while parsing"),
            ("[]", "invalid length 0"),
            (
                r#"{"schema":1,"daemon":"fand","written_at_unix_ms":0,"state":{"p6":1}}"#,
                "missing field `p7`",
            ),
            (
                r#"{"schema":2,"daemon":"fand","written_at_unix_ms":0,"state":{"p6":1,"p7":1,"note":""}}"#,
                "schema 2, expected 1",
            ),
            (
                r#"{"schema":1,"daemon":"upsd","written_at_unix_ms":0,"state":{"p6":1,"p7":1,"note":""}}"#,
                "written by daemon \"upsd\"",
            ),
        ];
        for (text, reason) in cases {
            fs::write(&path, text).unwrap();
            let error = read().unwrap_err();
            let message = error.to_string();
            let prefix = format!("malformed state file {}: ", path.display());
            assert!(message.starts_with(&prefix) && message.contains(reason), "{text}: {message}");
            assert_eq!(error.exit(), crate::cli::Exit::DataErr);
        }
    }

    #[test]
    fn readers_never_see_a_partial_file_and_no_temp_file_is_left() {
        let dir = tempfile::tempdir().unwrap();
        let states = StateDir::new(dir.path());
        states.write("fand", 1, &SimClock::at_2024(), &fans(1)).unwrap();
        let path = states.path("fand");
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let reader = {
            let (path, stop) = (path.clone(), stop.clone());
            std::thread::spawn(move || {
                let mut reads = 0;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    // The raw bytes, not through `read`: any partial write
                    // would be visible here as truncated JSON.
                    let bytes = fs::read(&path).unwrap();
                    let value: serde_json::Value = serde_json::from_slice(&bytes)
                        .unwrap_or_else(|e| panic!("partial file ({} bytes): {e}", bytes.len()));
                    assert!(value["state"]["p6"].is_u64());
                    reads += 1;
                }
                reads
            })
        };
        let clock = SimClock::at_2024();
        for n in 0..200u8 {
            // Sizes alternate between ~0 and ~100 kB: a torn write would show.
            states.write("fand", 1, &clock, &fans(if n % 2 == 0 { 250 } else { n % 7 })).unwrap();
        }
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        assert!(reader.join().unwrap() > 0);
        let left: Vec<_> =
            fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(left, ["fand.json"]);
    }

    #[test]
    fn an_unwritable_directory_names_it() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("not-a-dir");
        fs::write(&file, "").unwrap();
        let error = StateDir::new(&file).write("fand", 1, &SimClock::at_2024(), &1).unwrap_err();
        assert!(matches!(error, Error::Io { op: IoOp::CreateStateDir, .. }), "{error}");
        assert!(error.to_string().ends_with("not-a-dir"), "{error}");
    }
}
