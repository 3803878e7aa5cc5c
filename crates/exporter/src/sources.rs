//! The slow sources, kept off the scrape's path: SMART refreshed on its
//! own thread and served from its last run; ZFS read on its own thread and
//! waited for only until a deadline.

use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError, SyncSender};
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use helios64_hal::Root;
use helios64_health::collect::{self, Collected};
use helios64_health::{PoolEvent, SmartConfig, SmartReading};
use helios64_zfs::{PoolStatus, Zfs};

/// How many recent events per pool are kept.
pub const EVENTS_PER_POOL: usize = 8;

/// Locks, carrying on through a poisoned lock: the data behind these locks
/// is replaced whole, never left half-written.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[derive(Debug, Default)]
struct SmartShared {
    latest: Option<Collected<Vec<SmartReading>>>,
    stop: bool,
    /// Runs completed, for tests and the status line.
    runs: u64,
}

/// SMART, refreshed every `interval` on a thread of its own.
#[derive(Debug)]
pub struct SmartRefresher {
    shared: Arc<(Mutex<SmartShared>, Condvar)>,
}

impl SmartRefresher {
    /// Starts the thread: a first run at once, then one every `interval`,
    /// over the disks in the bays of `sata_controller` (the JMB585 when
    /// `None`).
    pub fn start(
        root: Root,
        config: SmartConfig,
        sata_controller: Option<String>,
        interval: Duration,
    ) -> SmartRefresher {
        let shared = Arc::new((Mutex::new(SmartShared::default()), Condvar::new()));
        let theirs = Arc::clone(&shared);
        let spawned = thread::Builder::new().name("smart".into()).spawn(move || {
            let (runner, warning) = collect::smart_runner(&config);
            if let Some(w) = warning {
                tracing::warn!("SMART state file: {w}");
            }
            loop {
                let result = match collect::bay_devices_of(&root, sata_controller.as_deref()) {
                    Ok(devices) => collect::smart_with_runner(&runner, &devices),
                    Err(e) => {
                        let c = collect::Collector::start("smart");
                        let reading = helios64_health::Reading::Failed(format!(
                            "cannot list the bay disks: {e}"
                        ));
                        let status = c.finish_reading(&reading);
                        (reading, status)
                    }
                };
                if runner.state_file().is_some()
                    && let Err(e) = runner.save_state()
                {
                    tracing::warn!("SMART state file: {}", helios64_text::error_chain(&e));
                }
                let (mutex, wake) = &*theirs;
                let mut s = lock(mutex);
                s.latest = Some(result);
                s.runs += 1;
                let deadline = Instant::now() + interval;
                while !s.stop {
                    let left = deadline.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        break;
                    }
                    s = wake.wait_timeout(s, left).map_or_else(|p| p.into_inner().0, |r| r.0);
                }
                if s.stop {
                    return;
                }
            }
        });
        if let Err(e) = spawned {
            let c = collect::Collector::start("smart");
            let reading =
                helios64_health::Reading::Failed(format!("cannot start the SMART thread: {e}"));
            let status = c.finish_reading(&reading);
            lock(&shared.0).latest = Some((reading, status));
        }
        SmartRefresher { shared }
    }

    /// The last run's result; skipped while the first run is under way.
    pub fn latest(&self) -> Collected<Vec<SmartReading>> {
        match &lock(&self.shared.0).latest {
            Some((reading, status)) => (reading.clone(), status.clone()),
            None => collect::skipped("smart", "the first SMART run is under way"),
        }
    }

    /// How many runs have completed.
    pub fn runs(&self) -> u64 {
        lock(&self.shared.0).runs
    }

    /// Asks the thread to end after its current run (it is not waited
    /// for: a smartctl in flight ends within its own timeout).
    pub fn stop(&self) {
        lock(&self.shared.0).stop = true;
        self.shared.1.notify_all();
    }
}

impl Drop for SmartRefresher {
    fn drop(&mut self) {
        self.stop();
    }
}

/// What one ZFS read returns.
pub type ZfsReading = (Collected<Vec<PoolStatus>>, Vec<PoolEvent>);

/// The event stream a backend may have (the native one does).
pub trait EventSource: Send {
    /// Every event queued now, without waiting.
    fn drain(&mut self) -> Vec<PoolEvent>;
}

type Request = SyncSender<ZfsReading>;

/// ZFS on a thread of its own: a read that hangs (a suspended pool, a
/// stuck ioctl) delays no scrape past the deadline, and while it hangs no
/// second read is queued behind it.
#[derive(Debug)]
pub struct ZfsWorker {
    requests: SyncSender<Request>,
    busy: Arc<AtomicBool>,
}

impl ZfsWorker {
    /// Starts the thread over `zfs` (and `events`, when the backend has a
    /// stream).
    pub fn start(zfs: Box<dyn Zfs>, mut events: Option<Box<dyn EventSource>>) -> ZfsWorker {
        let (requests, incoming) = mpsc::sync_channel::<Request>(1);
        let busy = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&busy);
        let spawned = thread::Builder::new().name("zfs".into()).spawn(move || {
            let mut recent: BTreeMap<String, VecDeque<PoolEvent>> = BTreeMap::new();
            for reply in incoming {
                let pools = collect::pools(zfs.as_ref());
                if let Some(stream) = events.as_mut() {
                    for event in stream.drain() {
                        let queue = recent.entry(event.pool.clone()).or_default();
                        if queue.len() == EVENTS_PER_POOL {
                            queue.pop_front();
                        }
                        queue.push_back(event);
                    }
                }
                let events = recent.values().flatten().cloned().collect();
                flag.store(false, Ordering::Release);
                // The scrape may have given up waiting: nobody to tell.
                let _ = reply.send((pools, events));
            }
        });
        if let Err(e) = spawned {
            tracing::error!("cannot start the ZFS thread: {e}");
        }
        ZfsWorker { requests, busy }
    }

    /// Reads pools and events, waiting at most `deadline`.
    pub fn read(&self, deadline: Duration) -> ZfsReading {
        let c = collect::Collector::start("zfs");
        let failed = |c: collect::Collector, why: String| {
            let reading = helios64_health::Reading::Failed(why);
            let status = c.finish_reading(&reading);
            ((reading, status), Vec::new())
        };
        if self.busy.swap(true, Ordering::AcqRel) {
            return failed(c, "the previous ZFS read has not returned (a hung pool?)".into());
        }
        let (reply, answer) = mpsc::sync_channel(1);
        if self.requests.try_send(reply).is_err() {
            self.busy.store(false, Ordering::Release);
            return failed(c, "the ZFS thread is not running".into());
        }
        match answer.recv_timeout(deadline) {
            Ok(reading) => reading,
            Err(RecvTimeoutError::Timeout) => {
                failed(c, format!("no answer within the {} ms deadline", deadline.as_millis()))
            }
            Err(RecvTimeoutError::Disconnected) => failed(c, "the ZFS thread ended".into()),
        }
    }
}
