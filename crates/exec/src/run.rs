//! The run itself: spawn into a new process group, serve stdin, stdout and
//! stderr with `poll(2)` until they close, wait for the child, and kill the
//! whole group when the deadline passes.

use std::fs::File;
use std::io::{self, Read, Write};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Child, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use nix::errno::Errno;
use nix::fcntl::{FcntlArg, OFlag, fcntl};
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;

use crate::error::{Error, Result};
use crate::{Command, NOT_FOUND_STATUS, Output, Status};

/// Bytes moved per read or write call.
const CHUNK: usize = 64 << 10;

/// Reads per pipe before going back to `poll`, so a child that writes
/// faster than we read cannot keep us from noticing the deadline.
const READS_PER_WAKEUP: usize = 16;

/// How long a killed child gets to be reaped: `SIGKILL` takes effect at
/// once unless the child is in uninterruptible sleep, where waiting longer
/// would block the caller on the kernel.
const REAP_GRACE: Duration = Duration::from_secs(2);

/// The longest sleep between checks once the pipes are closed and only the
/// child's exit is awaited.
const EXIT_POLL_MAX: Duration = Duration::from_millis(50);

pub(crate) fn run(cmd: &Command) -> Result<Output> {
    let started = Instant::now();
    // A deadline too far away to represent is no deadline.
    let deadline = cmd.timeout.and_then(|t| started.checked_add(t));
    let mut command = std::process::Command::new(&cmd.program);
    command
        .args(&cmd.args)
        .env_clear()
        .envs(&cmd.env)
        .stdin(if cmd.stdin.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    let child = command.spawn().map_err(|source| match source.kind() {
        io::ErrorKind::NotFound => not_found(cmd),
        _ => Error::Spawn { command: cmd.command_line(), target: cmd.target.clone(), source },
    })?;
    let mut group = Group { child, finished: false };
    let io_error = |source: io::Error| Error::Io {
        command: cmd.command_line(),
        target: cmd.target.clone(),
        source,
    };

    let mut stdout = Sink::new(group.child.stdout.take(), cmd.stdout_limit).map_err(io_error)?;
    let mut stderr = Sink::new(group.child.stderr.take(), cmd.stderr_limit).map_err(io_error)?;
    let mut stdin = Feed::new(group.child.stdin.take(), cmd.stdin.clone().unwrap_or_default())
        .map_err(io_error)?;

    if !serve(&mut stdout, &mut stderr, &mut stdin, deadline).map_err(io_error)? {
        return Err(timed_out(cmd, &mut group));
    }
    let Some(status) = wait(&mut group.child, deadline).map_err(io_error)? else {
        return Err(timed_out(cmd, &mut group));
    };
    group.finished = true;
    let status = match (status.code(), status.signal()) {
        (Some(NOT_FOUND_STATUS), _) => return Err(not_found(cmd)),
        (Some(code), _) => Status::Exited(code),
        (None, signal) => Status::Signaled(signal.unwrap_or_default()),
    };
    Ok(Output {
        status,
        stdout: stdout.bytes,
        stderr: stderr.bytes,
        stdout_truncated: stdout.truncated,
        stderr_truncated: stderr.truncated,
        elapsed: started.elapsed(),
    })
}

fn not_found(cmd: &Command) -> Error {
    Error::NotFound { command: cmd.command_line(), target: cmd.target.clone() }
}

fn timed_out(cmd: &Command, group: &mut Group) -> Error {
    let reaped = group.kill();
    Error::Timeout {
        command: cmd.command_line(),
        target: cmd.target.clone(),
        timeout: cmd.timeout.unwrap_or_default(),
        reaped,
    }
}

/// The child and its process group. Dropped before the child was reaped
/// (an early error return), it kills the group, so no run outlives its call.
struct Group {
    child: Child,
    finished: bool,
}

impl Group {
    /// `SIGKILL` to the whole group, then a bounded wait for the child.
    /// Returns whether the child was reaped.
    fn kill(&mut self) -> bool {
        self.finished = true;
        match i32::try_from(self.child.id()) {
            // The group id is the child's pid (`process_group(0)`); it stays
            // valid while any member lives, even after the leader exited.
            // ESRCH only means that every member is gone already.
            Ok(pid) => {
                let _ = killpg(Pid::from_raw(pid), Signal::SIGKILL);
            }
            Err(_) => {
                let _ = self.child.kill();
            }
        }
        let grace = Instant::now().checked_add(REAP_GRACE).unwrap_or_else(Instant::now);
        matches!(wait(&mut self.child, Some(grace)), Ok(Some(_)))
    }
}

impl Drop for Group {
    fn drop(&mut self) {
        if !self.finished {
            self.kill();
        }
    }
}

/// Waits for the child until `deadline` (`None`: as long as it takes).
/// `Ok(None)` when the deadline passed first.
fn wait(child: &mut Child, deadline: Option<Instant>) -> io::Result<Option<ExitStatus>> {
    let Some(deadline) = deadline else { return child.wait().map(Some) };
    // The pipes are closed by now, so there is no descriptor to poll: check
    // with WNOHANG, sleeping a little longer each time (a child usually
    // exits right after closing its output).
    let mut pause = Duration::from_millis(1);
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(Some(status));
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Ok(None);
        }
        thread::sleep(pause.min(left));
        pause = (pause * 2).min(EXIT_POLL_MAX);
    }
}

/// Serves the three pipes until all are closed. `Ok(false)` when the
/// deadline passed first.
fn serve(
    stdout: &mut Sink,
    stderr: &mut Sink,
    stdin: &mut Feed,
    deadline: Option<Instant>,
) -> io::Result<bool> {
    loop {
        let wait = match deadline {
            None => PollTimeout::NONE,
            Some(deadline) => {
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return Ok(false);
                }
                poll_timeout(left)
            }
        };
        let mut fds = Vec::with_capacity(3);
        let mut ready = [false; 3];
        let mut which = Vec::with_capacity(3);
        for (index, fd) in [stdout.fd(), stderr.fd()].into_iter().enumerate() {
            if let Some(fd) = fd {
                fds.push(PollFd::new(fd, PollFlags::POLLIN));
                which.push(index);
            }
        }
        if let Some(fd) = stdin.fd() {
            fds.push(PollFd::new(fd, PollFlags::POLLOUT));
            which.push(2);
        }
        if fds.is_empty() {
            return Ok(true);
        }
        match poll(&mut fds, wait) {
            Ok(_) => {}
            Err(Errno::EINTR) => continue,
            Err(errno) => return Err(io::Error::from(errno)),
        }
        // POLLHUP and POLLERR count as ready too: the read or write then
        // sees the end of file or the error.
        for (fd, index) in fds.iter().zip(&which) {
            ready[*index] = fd.revents().is_some_and(|events| !events.is_empty());
        }
        drop(fds);
        if ready[0] {
            stdout.read_available()?;
        }
        if ready[1] {
            stderr.read_available()?;
        }
        if ready[2] {
            stdin.write_available()?;
        }
    }
}

/// `poll`'s timeout for `left`, rounded up to whole milliseconds (rounding
/// down would spin through the last fraction of a millisecond).
fn poll_timeout(left: Duration) -> PollTimeout {
    let millis = left.as_nanos().div_ceil(1_000_000);
    PollTimeout::try_from(millis).unwrap_or(PollTimeout::MAX)
}

fn set_nonblocking(fd: BorrowedFd<'_>) -> io::Result<()> {
    let flags = fcntl(fd, FcntlArg::F_GETFL).map_err(io::Error::from)?;
    let flags = OFlag::from_bits_retain(flags) | OFlag::O_NONBLOCK;
    fcntl(fd, FcntlArg::F_SETFL(flags)).map_err(io::Error::from)?;
    Ok(())
}

/// A pipe end as a file: reads and writes without the std wrappers'
/// buffering, on a non-blocking descriptor.
fn pipe_file(pipe: impl Into<OwnedFd>) -> io::Result<File> {
    let file = File::from(pipe.into());
    set_nonblocking(file.as_fd())?;
    Ok(file)
}

/// One output pipe and what was kept of it.
struct Sink {
    pipe: Option<File>,
    bytes: Vec<u8>,
    limit: usize,
    truncated: bool,
}

impl Sink {
    fn new(pipe: Option<impl Into<OwnedFd>>, limit: usize) -> io::Result<Sink> {
        let pipe = pipe.map(pipe_file).transpose()?;
        Ok(Sink { pipe, bytes: Vec::new(), limit, truncated: false })
    }

    fn fd(&self) -> Option<BorrowedFd<'_>> {
        self.pipe.as_ref().map(|p| p.as_fd())
    }

    /// Reads what the pipe has (a bounded number of chunks); closes it at
    /// end of file.
    fn read_available(&mut self) -> io::Result<()> {
        let mut chunk = vec![0u8; CHUNK];
        for _ in 0..READS_PER_WAKEUP {
            let Some(pipe) = &mut self.pipe else { return Ok(()) };
            match pipe.read(&mut chunk) {
                Ok(0) => self.pipe = None,
                Ok(n) => self.keep(chunk.get(..n).unwrap_or_default()),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(()),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// Keeps bytes up to the limit; drops and flags the rest.
    fn keep(&mut self, bytes: &[u8]) {
        let room = self.limit.saturating_sub(self.bytes.len());
        let (kept, dropped) = bytes.split_at(room.min(bytes.len()));
        self.bytes.extend_from_slice(kept);
        self.truncated |= !dropped.is_empty();
    }
}

/// The child's stdin and what is left to write to it.
struct Feed {
    pipe: Option<File>,
    data: Vec<u8>,
    written: usize,
}

impl Feed {
    fn new(pipe: Option<impl Into<OwnedFd>>, data: Vec<u8>) -> io::Result<Feed> {
        // Nothing to write: close it now, so the child sees end of file.
        let pipe = pipe.filter(|_| !data.is_empty()).map(pipe_file).transpose()?;
        Ok(Feed { pipe, data, written: 0 })
    }

    fn fd(&self) -> Option<BorrowedFd<'_>> {
        self.pipe.as_ref().map(|p| p.as_fd())
    }

    /// Writes what the pipe takes; closes it when everything is written or
    /// the child stopped reading.
    fn write_available(&mut self) -> io::Result<()> {
        while let Some(pipe) = &mut self.pipe {
            let rest = self.data.get(self.written..).unwrap_or_default();
            if rest.is_empty() {
                self.pipe = None;
                break;
            }
            let end = rest.len().min(CHUNK);
            match pipe.write(rest.get(..end).unwrap_or_default()) {
                Ok(n) => self.written += n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                // The child closed its stdin (EPIPE: Rust programs ignore
                // SIGPIPE): what it did not read is its own business, not a
                // failure of the run.
                Err(e) if e.kind() == io::ErrorKind::BrokenPipe => self.pipe = None,
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }
}
