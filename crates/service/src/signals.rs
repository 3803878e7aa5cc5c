//! SIGTERM, SIGINT and SIGHUP as readable events on a signalfd.
//!
//! No signal handler runs: the three signals are blocked and the kernel
//! queues them on a file descriptor the loop polls, so stopping and
//! reloading happen in the loop, between callbacks, never inside one.
//!
//! **Block before any thread exists.** The signal mask is per thread and a
//! new thread inherits its creator's. [`Signals::block`] blocks the signals
//! in the calling thread only; a thread started before it keeps them
//! unblocked, and a SIGTERM the kernel delivers to that thread runs the
//! default action (death) instead of reaching the signalfd. Call it first
//! in `main` ([`crate::Service::start`] does). Children spawned with
//! `std::process::Command` start with an empty mask (the standard library
//! resets it), so `smartctl` or `zpool` still die on SIGTERM.

use std::os::fd::{AsFd, AsRawFd, BorrowedFd};

use nix::errno::Errno;
use nix::sys::signal::{SigSet, SigmaskHow, Signal, pthread_sigmask};
use nix::sys::signalfd::{SfdFlags, SignalFd};

use crate::error::{Error, Result};

/// What a received signal asks of the daemon.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SignalEvent {
    /// SIGTERM or SIGINT: reach the safe state, stop, exit 0.
    Stop(StopSignal),
    /// SIGHUP: reload the configuration.
    Reload,
}

/// Which signal asked for a stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StopSignal {
    /// SIGTERM: systemd's stop.
    Term,
    /// SIGINT: Ctrl-C in a terminal.
    Int,
}

impl SignalEvent {
    fn from_signo(signo: u32) -> Option<SignalEvent> {
        let signo = i32::try_from(signo).ok()?;
        match Signal::try_from(signo).ok()? {
            Signal::SIGTERM => Some(SignalEvent::Stop(StopSignal::Term)),
            Signal::SIGINT => Some(SignalEvent::Stop(StopSignal::Int)),
            Signal::SIGHUP => Some(SignalEvent::Reload),
            _ => None,
        }
    }
}

/// The blocked signals and the signalfd they arrive on.
#[derive(Debug)]
pub struct Signals {
    fd: SignalFd,
}

/// The signals the runtime takes over.
fn mask() -> SigSet {
    let mut set = SigSet::empty();
    for signal in [Signal::SIGTERM, Signal::SIGINT, Signal::SIGHUP] {
        set.add(signal);
    }
    set
}

/// Blocks SIGTERM, SIGINT and SIGHUP in the calling thread, without a
/// signalfd yet: for a `main` that must start a thread before
/// [`crate::Service::start`] runs (the thread inherits the mask, so the
/// signals still reach the signalfd opened later).
pub fn block_in_this_thread() -> Result<()> {
    pthread_sigmask(SigmaskHow::SIG_BLOCK, Some(&mask()), None)
        .map_err(|e| Error::syscall("pthread_sigmask", None, e))
}

impl Signals {
    /// Blocks SIGTERM, SIGINT and SIGHUP in the calling thread and opens a
    /// non-blocking, close-on-exec signalfd for them. See the module docs:
    /// call this before any thread is started.
    pub fn block() -> Result<Signals> {
        let set = mask();
        block_in_this_thread()?;
        let fd = SignalFd::with_flags(&set, SfdFlags::SFD_NONBLOCK | SfdFlags::SFD_CLOEXEC)
            .map_err(|e| Error::syscall("signalfd", None, e))?;
        Ok(Signals { fd })
    }

    /// Reads every pending signal (the kernel hands out pending standard
    /// signals lowest number first); empty when none is pending. Standard
    /// signals do not queue: two SIGHUPs sent before a read arrive as one,
    /// which is what a reload wants.
    pub fn read(&self) -> Result<Vec<SignalEvent>> {
        let mut events = Vec::new();
        loop {
            match self.fd.read_signal() {
                Ok(Some(info)) => events.extend(SignalEvent::from_signo(info.ssi_signo)),
                Ok(None) => return Ok(events),
                Err(Errno::EINTR) => continue,
                Err(e) => {
                    return Err(Error::syscall("read(signalfd)", Some(self.fd.as_raw_fd()), e));
                }
            }
        }
    }
}

impl AsFd for Signals {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nix::sys::pthread::{pthread_kill, pthread_self};

    /// Runs `f` on a fresh thread so the blocked mask stays there; signals
    /// are sent to that thread only (pthread_kill), never to the test
    /// process, whose other threads keep the default actions.
    fn on_own_thread(f: impl FnOnce() + Send + 'static) {
        std::thread::spawn(f).join().unwrap();
    }

    #[test]
    fn typed_events_coalesced_and_nothing_when_idle() {
        on_own_thread(|| {
            let signals = Signals::block().unwrap();
            assert_eq!(signals.read().unwrap(), []);
            pthread_kill(pthread_self(), Signal::SIGHUP).unwrap();
            pthread_kill(pthread_self(), Signal::SIGHUP).unwrap();
            assert_eq!(signals.read().unwrap(), [SignalEvent::Reload], "coalesced");
            pthread_kill(pthread_self(), Signal::SIGINT).unwrap();
            pthread_kill(pthread_self(), Signal::SIGTERM).unwrap();
            let events = signals.read().unwrap();
            // Pending standard signals are dequeued lowest number first.
            assert_eq!(
                events,
                [SignalEvent::Stop(StopSignal::Int), SignalEvent::Stop(StopSignal::Term)]
            );
            assert_eq!(signals.read().unwrap(), []);
        });
    }

    #[test]
    fn a_thread_started_after_an_early_block_inherits_it() {
        on_own_thread(|| {
            block_in_this_thread().unwrap();
            // As the exporter's ZFS worker, started before Service::start.
            std::thread::spawn(|| {
                let mut current = SigSet::empty();
                pthread_sigmask(SigmaskHow::SIG_BLOCK, None, Some(&mut current)).unwrap();
                for signal in [Signal::SIGTERM, Signal::SIGINT, Signal::SIGHUP] {
                    assert!(current.contains(signal), "{signal} not blocked in the worker");
                }
            })
            .join()
            .unwrap();
            let signals = Signals::block().unwrap();
            pthread_kill(pthread_self(), Signal::SIGHUP).unwrap();
            assert_eq!(signals.read().unwrap(), [SignalEvent::Reload]);
        });
    }

    #[test]
    fn the_signals_are_blocked_for_the_thread() {
        on_own_thread(|| {
            let _signals = Signals::block().unwrap();
            let mut current = SigSet::empty();
            pthread_sigmask(SigmaskHow::SIG_BLOCK, None, Some(&mut current)).unwrap();
            for signal in [Signal::SIGTERM, Signal::SIGINT, Signal::SIGHUP] {
                assert!(current.contains(signal), "{signal} not blocked");
            }
        });
    }
}
