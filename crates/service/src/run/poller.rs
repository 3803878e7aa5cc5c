//! The real wait: `poll(2)` over a timerfd, the signalfd and the daemon's
//! fds, with no timeout of its own.

use std::os::fd::{AsFd, AsRawFd, BorrowedFd};
use std::time::Duration;

use nix::errno::Errno;
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use nix::sys::time::TimeSpec;
use nix::sys::timerfd::{ClockId, Expiration, TimerFd, TimerFlags, TimerSetTimeFlags};

use super::{Poller, Ready, Token, Wake};
use crate::clock::MonoTime;
use crate::error::{Error, Result};
use crate::signals::Signals;

/// Polls the timer, the signals and the daemon's fds.
#[derive(Debug)]
pub(crate) struct SystemPoller<'s> {
    timer: TimerFd,
    signals: &'s Signals,
    /// The deadline the timer is armed for, so an unchanged deadline costs
    /// no `timerfd_settime`.
    armed: Option<MonoTime>,
}

impl<'s> SystemPoller<'s> {
    /// A poller with its own `CLOCK_MONOTONIC` timerfd (the clock
    /// [`crate::SystemClock::monotonic`] reads, so deadlines are exact).
    pub(crate) fn new(signals: &'s Signals) -> Result<Self> {
        let timer = TimerFd::new(
            ClockId::CLOCK_MONOTONIC,
            TimerFlags::TFD_NONBLOCK | TimerFlags::TFD_CLOEXEC,
        )
        .map_err(|e| Error::syscall("timerfd_create", None, e))?;
        Ok(SystemPoller { timer, signals, armed: None })
    }

    fn arm(&mut self, deadline: Option<MonoTime>) -> Result<()> {
        if deadline == self.armed {
            return Ok(());
        }
        let fd = Some(self.timer.as_fd().as_raw_fd());
        match deadline {
            // An absolute deadline already past fires at once, which is
            // what a due tick wants. Zero would disarm, so never send it.
            Some(at) => {
                let at = at.as_duration().max(Duration::from_nanos(1));
                self.timer
                    .set(
                        Expiration::OneShot(TimeSpec::from(at)),
                        TimerSetTimeFlags::TFD_TIMER_ABSTIME,
                    )
                    .map_err(|e| Error::syscall("timerfd_settime", fd, e))?;
            }
            None => self.timer.unset().map_err(|e| Error::syscall("timerfd_settime", fd, e))?,
        }
        self.armed = deadline;
        Ok(())
    }

    /// Consumes the expiration count so the fd stops being readable.
    fn drain_timer(&mut self) -> Result<()> {
        let mut count = [0u8; 8];
        match nix::unistd::read(&self.timer, &mut count) {
            // EAGAIN: re-armed between poll and read; nothing to consume.
            Ok(_) | Err(Errno::EAGAIN) => {
                self.armed = None;
                Ok(())
            }
            Err(e) => Err(Error::syscall("read(timerfd)", Some(self.timer.as_fd().as_raw_fd()), e)),
        }
    }
}

impl Poller for SystemPoller<'_> {
    fn wait(
        &mut self,
        deadline: Option<MonoTime>,
        fds: &[(Token, BorrowedFd<'_>)],
        wakes: &mut Vec<Wake>,
    ) -> Result<()> {
        self.arm(deadline)?;
        let mut polled = Vec::with_capacity(2 + fds.len());
        polled.push(PollFd::new(self.timer.as_fd(), PollFlags::POLLIN));
        polled.push(PollFd::new(self.signals.as_fd(), PollFlags::POLLIN));
        polled.extend(fds.iter().map(|(_, fd)| PollFd::new(*fd, PollFlags::POLLIN)));
        match poll(&mut polled, PollTimeout::NONE) {
            Ok(_) => {}
            // A stop/continue signal or ptrace; the loop comes around.
            Err(Errno::EINTR) => return Ok(()),
            Err(e) => return Err(Error::syscall("poll", None, e)),
        }
        let revents: Vec<PollFlags> =
            polled.iter().map(|p| p.revents().unwrap_or(PollFlags::empty())).collect();
        drop(polled);
        if revents[0].intersects(PollFlags::POLLIN) {
            self.drain_timer()?;
            wakes.push(Wake::Timer);
        }
        if revents[1].intersects(PollFlags::POLLIN) {
            wakes.extend(self.signals.read()?.into_iter().map(Wake::Signal));
        }
        for ((token, _), flags) in fds.iter().zip(&revents[2..]) {
            let ready = Ready {
                readable: flags.contains(PollFlags::POLLIN),
                hangup: flags.contains(PollFlags::POLLHUP),
                error: flags.intersects(PollFlags::POLLERR | PollFlags::POLLNVAL),
            };
            if ready != Ready::default() {
                wakes.push(Wake::Fd(*token, ready));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::{Clock, SystemClock};
    use crate::signals::SignalEvent;
    use nix::sys::pthread::{pthread_kill, pthread_self};
    use nix::sys::signal::Signal;
    use std::io::Write as _;
    use std::os::unix::net::UnixStream;

    #[test]
    fn the_timer_fires_at_the_deadline_and_not_before() {
        std::thread::spawn(|| {
            let signals = Signals::block().unwrap();
            let mut poller = SystemPoller::new(&signals).unwrap();
            let start = SystemClock.monotonic();
            let mut wakes = Vec::new();
            poller.wait(Some(start + Duration::from_millis(50)), &[], &mut wakes).unwrap();
            let waited = SystemClock.monotonic() - start;
            assert!(matches!(wakes[..], [Wake::Timer]), "{wakes:?}");
            assert!(waited >= Duration::from_millis(50), "{waited:?}");
            assert!(waited < Duration::from_secs(2), "{waited:?}");
            // A past deadline fires at once.
            wakes.clear();
            poller.wait(Some(start), &[], &mut wakes).unwrap();
            assert!(matches!(wakes[..], [Wake::Timer]), "{wakes:?}");
        })
        .join()
        .unwrap();
    }

    #[test]
    fn signals_and_fds_wake_it_without_a_deadline() {
        std::thread::spawn(|| {
            let signals = Signals::block().unwrap();
            let mut poller = SystemPoller::new(&signals).unwrap();
            let mut wakes = Vec::new();
            pthread_kill(pthread_self(), Signal::SIGHUP).unwrap();
            poller.wait(None, &[], &mut wakes).unwrap();
            assert!(matches!(wakes[..], [Wake::Signal(SignalEvent::Reload)]), "{wakes:?}");

            let (mut a, b) = UnixStream::pair().unwrap();
            a.write_all(b"x").unwrap();
            wakes.clear();
            poller.wait(None, &[(Token(7), b.as_fd())], &mut wakes).unwrap();
            let ready = Ready { readable: true, ..Ready::default() };
            assert!(matches!(wakes[..], [Wake::Fd(Token(7), r)] if r == ready), "{wakes:?}");
            drop(a);
            wakes.clear();
            poller.wait(None, &[(Token(7), b.as_fd())], &mut wakes).unwrap();
            assert!(matches!(wakes[..], [Wake::Fd(Token(7), r)] if r.hangup), "{wakes:?}");
        })
        .join()
        .unwrap();
    }
}
