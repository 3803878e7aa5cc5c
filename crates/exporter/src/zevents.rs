//! zpool events for the exporter, through the native event stream.

use std::time::UNIX_EPOCH;

use helios64_health::PoolEvent;
use helios64_zfs::{Events, EventsFrom};

use crate::sources::EventSource;

/// The kernel's event queue, read without waiting.
#[derive(Debug)]
pub struct NativeEvents(Events);

impl NativeEvents {
    /// Opens a stream from the oldest event the kernel keeps (needs
    /// CAP_SYS_ADMIN: the event ioctl is a `sys_config` one).
    pub fn open() -> Result<NativeEvents, helios64_zfs::ZfsError> {
        Events::open(EventsFrom::Oldest).map(NativeEvents)
    }
}

impl EventSource for NativeEvents {
    fn drain(&mut self) -> Vec<PoolEvent> {
        let mut out = Vec::new();
        // Bounded: the kernel keeps at most zfs_zevent_len_max (512).
        for _ in 0..4096 {
            match self.0.try_next() {
                Ok(Some(e)) => {
                    if let Some(pool) = e.pool {
                        out.push(PoolEvent {
                            pool,
                            class: e.class,
                            time_unix: e.time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs()),
                            vdev_path: e.vdev_path,
                        });
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    tracing::debug!("zpool events: {}", helios64_text::error_chain(&e));
                    break;
                }
            }
        }
        out
    }
}
