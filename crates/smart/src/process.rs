//! Running smartctl once: C locale, own process group, output collected
//! concurrently, killed (with anything it spawned) when the timeout expires.

use std::io::{self, Read};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::Duration;

use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use wait_timeout::ChildExt;

use crate::error::{Error, Result};

/// What one smartctl run produced.
#[derive(Debug)]
pub(crate) struct Finished {
    pub(crate) stdout: Vec<u8>,
    pub(crate) stderr: Vec<u8>,
    pub(crate) exit_code: Option<i32>,
}

/// Runs `smartctl ARGS`; `device` labels errors.
pub(crate) fn run(
    smartctl: &Path,
    args: &[String],
    device: &str,
    timeout: Duration,
) -> Result<Finished> {
    let mut command = Command::new(smartctl);
    command
        .args(args)
        // Messages are matched as text ("Permission denied", "Device is in
        // STANDBY mode"): keep them untranslated.
        .env("LC_ALL", "C")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // A group of its own, so a timeout kills smartctl and anything it
        // (or a wrapper script) started, and no pipe stays open behind it.
        .process_group(0);
    tracing::debug!(smartctl = %smartctl.display(), ?args, "running smartctl");
    let mut child = command.spawn().map_err(|source| match source.kind() {
        io::ErrorKind::NotFound => Error::SmartctlNotFound { smartctl: smartctl.to_owned() },
        _ => Error::Spawn { smartctl: smartctl.to_owned(), device: device.to_owned(), source },
    })?;

    let collect = |source: io::Error| Error::Collect { device: device.to_owned(), source };
    let stdout = child.stdout.take().map(drain);
    let stderr = child.stderr.take().map(drain);
    let status = match child.wait_timeout(timeout) {
        Ok(Some(status)) => status,
        Ok(None) => {
            kill_group(&mut child);
            let _ = join(stdout);
            let _ = join(stderr);
            return Err(Error::Timeout { device: device.to_owned(), timeout });
        }
        Err(source) => {
            kill_group(&mut child);
            return Err(collect(source));
        }
    };
    Ok(Finished {
        stdout: join(stdout).map_err(collect)?,
        stderr: join(stderr).map_err(collect)?,
        exit_code: status.code(),
    })
}

fn drain<R: Read + Send + 'static>(mut pipe: R) -> thread::JoinHandle<io::Result<Vec<u8>>> {
    thread::spawn(move || {
        let mut buffer = Vec::new();
        pipe.read_to_end(&mut buffer).map(|_| buffer)
    })
}

fn join(handle: Option<thread::JoinHandle<io::Result<Vec<u8>>>>) -> io::Result<Vec<u8>> {
    match handle {
        None => Ok(Vec::new()),
        Some(handle) => {
            handle.join().unwrap_or_else(|_| Err(io::Error::other("output reader thread panicked")))
        }
    }
}

fn kill_group(child: &mut Child) {
    match i32::try_from(child.id()) {
        Ok(pid) => {
            // ESRCH only means everything already exited.
            let _ = killpg(Pid::from_raw(pid), Signal::SIGKILL);
        }
        Err(_) => {
            let _ = child.kill();
        }
    }
    // Reap it so no zombie is left; the error (already reaped) is harmless.
    let _ = child.wait();
}
