//! The udev monitor socket itself (the `hotplug` feature: it links
//! libudev).

use std::fmt;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::time::{Duration, Instant};

use nix::errno::Errno;
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};

use super::event::{self, Action, HotplugEvent, KernelSubsystem};
use super::{BOARD_SUBSYSTEMS, EventSource, UDEVD_CONTROL};
use crate::error::{Error, Result};
use crate::root::Root;

/// A udev netlink monitor socket, filtered by subsystem, yielding
/// [`HotplugEvent`]s.
///
/// The socket is non-blocking. Poll it ([`AsFd`]) with whatever else the
/// caller waits on, then call [`try_next`](HotplugMonitor::try_next) until
/// it returns `None`; or wait on it alone with
/// [`next_timeout`](HotplugMonitor::next_timeout).
///
/// ```no_run
/// use std::time::Duration;
/// use helios64_hal::{HotplugMonitor, NicRole, Root};
///
/// let root = Root::system();
/// let mut monitor = HotplugMonitor::open(&root)?;
/// if let Some(event) = monitor.next_timeout(Duration::from_secs(5))? {
///     if event.nic_role(&root)? == Some(NicRole::Lan2) {
///         // re-apply LAN2's IRQ and RPS pinning
///     }
///     if let Some(online) = event.mains_online(&root)? {
///         // debounce, then shut down cleanly if mains stays off
///     }
/// }
/// # Ok::<(), helios64_hal::Error>(())
/// ```
///
/// It is `Send` (a daemon may read it on its own thread): the udev handles
/// it owns are used by one thread at a time, and no handle outlives a call
/// — events are copied into plain values before they are returned.
pub struct HotplugMonitor {
    socket: udev::MonitorSocket,
    source: EventSource,
    subsystems: Vec<KernelSubsystem>,
    /// Names the socket in errors: "udev monitor (net, usb, ...)".
    description: String,
}

impl fmt::Debug for HotplugMonitor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HotplugMonitor")
            .field("source", &self.source)
            .field("subsystems", &self.subsystems)
            .field("fd", &self.socket.as_raw_fd())
            .finish()
    }
}

impl HotplugMonitor {
    /// A udev-source monitor for [`BOARD_SUBSYSTEMS`]. `NotPresent` when
    /// udevd is not running; [`Error::NotLive`] on a fixture root.
    pub fn open(root: &Root) -> Result<HotplugMonitor> {
        HotplugMonitor::open_with(root, EventSource::Udev, &BOARD_SUBSYSTEMS)
    }

    /// A monitor for `subsystems` from `source`. An empty list receives
    /// every subsystem's events. A [`EventSource::Udev`] monitor is
    /// `NotPresent` when udevd is not running. Events come from the running
    /// kernel only, so a fixture root is refused ([`Error::NotLive`]).
    pub fn open_with(
        root: &Root,
        source: EventSource,
        subsystems: &[KernelSubsystem],
    ) -> Result<HotplugMonitor> {
        root.require_live("udev_monitor_new_from_netlink")?;
        let names: Vec<&str> = subsystems.iter().map(KernelSubsystem::as_str).collect();
        let description = format!(
            "{} monitor ({})",
            source.name(),
            if names.is_empty() { "all subsystems".to_owned() } else { names.join(", ") }
        );
        let control = root.run().join(UDEVD_CONTROL);
        if source == EventSource::Udev && !root.exists(&control)? {
            return Err(Error::NotPresent {
                component: "systemd-udevd (the udev event source)".to_owned(),
                searched: control,
            });
        }
        let err = |call: &'static str| {
            let description = description.clone();
            move |source: io::Error| Error::Device { call, device: description, source }
        };
        let mut builder = match source {
            EventSource::Udev => udev::MonitorBuilder::new(),
            EventSource::Kernel => udev::MonitorBuilder::new_kernel(),
        }
        .map_err(err("udev_monitor_new_from_netlink"))?;
        for subsystem in &names {
            builder = builder
                .match_subsystem(subsystem)
                .map_err(err("udev_monitor_filter_add_match_subsystem_devtype"))?;
        }
        let socket = builder.listen().map_err(err("udev_monitor_enable_receiving"))?;
        Ok(HotplugMonitor { socket, source, subsystems: subsystems.to_vec(), description })
    }

    /// Where the events come from.
    pub fn source(&self) -> EventSource {
        self.source
    }

    /// The subsystems received (empty: all).
    pub fn subsystems(&self) -> &[KernelSubsystem] {
        &self.subsystems
    }

    /// The next pending event, or `None` when none is pending. Never
    /// blocks.
    ///
    /// An error concerns one message (it is consumed; the next call reads
    /// the next one): a receive failure is [`Error::Device`] naming
    /// `udev_monitor_receive_device` ([`HotplugMonitor::events_lost`] tells
    /// the overrun case apart), an event with a non-UTF-8 name or property
    /// is [`Error::Malformed`] naming the device's path.
    pub fn try_next(&mut self) -> Result<Option<HotplugEvent>> {
        loop {
            // libudev returns NULL both for "nothing pending" (EAGAIN) and
            // for failures, and says which only through errno; a stale
            // errno must not read as either.
            Errno::clear();
            let received = self.socket.iter().next();
            let errno = Errno::last_raw();
            if let Some(event) = received {
                return from_udev(&event).map(Some);
            }
            match errno {
                // 0: a libudev that drops a filtered message without
                // setting errno. The socket stays readable if more is
                // queued, so a poll loop comes straight back.
                0 | libc::EAGAIN => return Ok(None),
                libc::EINTR => continue,
                errno => {
                    return Err(Error::Device {
                        call: "udev_monitor_receive_device",
                        device: self.description.clone(),
                        source: io::Error::from_raw_os_error(errno),
                    });
                }
            }
        }
    }

    /// Reads every pending event into `each`, for a poll loop woken by the
    /// socket. Stops at the first failure: what the lost or unreadable
    /// events would have said must then be read from sysfs again.
    pub fn drain(&mut self, mut each: impl FnMut(HotplugEvent)) -> Drained {
        loop {
            match self.try_next() {
                Ok(Some(event)) => each(event),
                Ok(None) => return Drained::Complete,
                Err(e) if HotplugMonitor::events_lost(&e) => return Drained::Lost(None),
                Err(e) => return Drained::Lost(Some(e)),
            }
        }
    }

    /// The next event, waiting up to `timeout` for one; `None` when none
    /// came in time.
    pub fn next_timeout(&mut self, timeout: Duration) -> Result<Option<HotplugEvent>> {
        let deadline = Instant::now().checked_add(timeout);
        loop {
            if let Some(event) = self.try_next()? {
                return Ok(Some(event));
            }
            let remaining = match deadline {
                Some(deadline) => deadline.saturating_duration_since(Instant::now()),
                None => Duration::MAX,
            };
            if remaining.is_zero() {
                return Ok(None);
            }
            self.wait_readable(remaining)?;
        }
    }

    /// Waits until the socket is readable or `timeout` passes (a signal
    /// ends the wait early; the caller loops).
    fn wait_readable(&self, timeout: Duration) -> Result<()> {
        // Rounded up: a sub-millisecond remainder must not become a
        // zero-timeout poll that spins until the deadline.
        let millis = timeout.as_nanos().div_ceil(1_000_000);
        let timeout = i32::try_from(millis)
            .ok()
            .and_then(|ms| PollTimeout::try_from(ms).ok())
            .unwrap_or(PollTimeout::MAX);
        let mut fds = [PollFd::new(self.socket.as_fd(), PollFlags::POLLIN)];
        match poll(&mut fds, timeout) {
            Ok(_) | Err(Errno::EINTR) => Ok(()),
            Err(errno) => Err(Error::Device {
                call: "poll",
                device: self.description.clone(),
                source: io::Error::from(errno),
            }),
        }
    }

    /// Whether `error` (from [`HotplugMonitor::try_next`] or
    /// [`HotplugMonitor::next_timeout`]) means the kernel dropped events
    /// because they were not read fast enough (`ENOBUFS`). The monitor
    /// still works; re-read from sysfs what the lost events would have
    /// told.
    pub fn events_lost(error: &Error) -> bool {
        matches!(
            error,
            Error::Device { call: "udev_monitor_receive_device", source, .. }
                if source.raw_os_error() == Some(libc::ENOBUFS)
        )
    }
}

/// How [`HotplugMonitor::drain`] ended.
#[derive(Debug)]
#[must_use]
pub enum Drained {
    /// Every pending event was read.
    Complete,
    /// Events were missed: dropped by the kernel under a burst (`None`, a
    /// routine overrun not worth a warning) or not readable (the error).
    Lost(Option<Error>),
}

impl AsFd for HotplugMonitor {
    /// The netlink socket, to poll for readability.
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.socket.as_fd()
    }
}

impl AsRawFd for HotplugMonitor {
    fn as_raw_fd(&self) -> RawFd {
        self.socket.as_raw_fd()
    }
}

/// Copies a udev event into a plain [`HotplugEvent`].
fn from_udev(event: &udev::Event) -> Result<HotplugEvent> {
    let syspath = event.syspath();
    let text = |value: &std::ffi::OsStr, what: &'static str| -> Result<String> {
        value
            .to_str()
            .map(str::to_owned)
            .ok_or_else(|| Error::malformed(syspath, &value.to_string_lossy(), what))
    };
    let action = match event.action() {
        Some(action) => Action::parse(&text(action, "a UTF-8 ACTION")?),
        None => return Err(Error::malformed(syspath, "", "an event with an ACTION")),
    };
    let subsystem = match event.subsystem() {
        Some(subsystem) => KernelSubsystem::parse(&text(subsystem, "a UTF-8 SUBSYSTEM")?),
        None => return Err(Error::malformed(syspath, "", "an event with a SUBSYSTEM")),
    };
    let mut properties = std::collections::BTreeMap::new();
    for entry in event.properties() {
        let name = text(entry.name(), "UTF-8 udev property names")?;
        if event::is_field_property(&name) {
            continue;
        }
        let value = entry.value().to_str().map(str::to_owned).ok_or_else(|| {
            Error::malformed(
                syspath,
                &format!("{name}={}", entry.value().to_string_lossy()),
                "UTF-8 udev property values",
            )
        })?;
        properties.insert(name, value);
    }
    Ok(HotplugEvent {
        action,
        subsystem,
        sysname: text(event.sysname(), "a UTF-8 device name")?,
        devpath: text(event.devpath(), "a UTF-8 DEVPATH")?,
        seqnum: Some(event.sequence_number()),
        properties,
    })
}
