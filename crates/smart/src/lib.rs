//! A standby-safe smartctl runner.
//!
//! [`Runner`] runs `smartctl --json=c -a -n standby[,N] [-d TYPE] -- DEV` for
//! each device, in parallel on a bounded number of threads, kills a run
//! that exceeds its timeout, parses the output with [`smartctl_parser`] and
//! judges it. It never wakes a sleeping disk: `-n standby` makes smartctl
//! check the power mode first and skip the disk, and the report then
//! carries the verdict [`Verdict::Asleep`] together with the last full
//! result seen for that device ([`DeviceReport::last_known`]). That cache
//! lives in memory and, when the caller names one, in a state file.
//!
//! There is no service loop here: callers (the `helios64 smart` command, a
//! timer-driven exporter) decide when to check.
//!
//! ```no_run
//! use helios64_smart::Runner;
//!
//! let runner = Runner::new().with_state_file("/var/lib/helios64/smart.json")?;
//! let devices = runner.scan()?;
//! for (device, result) in runner.check_all(&devices) {
//!     match result {
//!         Ok(report) => println!("{device}: {}", report.assessment.verdict),
//!         Err(error) => println!("{device}: {error}"),
//!     }
//! }
//! runner.save_state()?;
//! # Ok::<(), helios64_smart::Error>(())
//! ```

mod error;
mod process;
pub mod report;
mod state;

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime};

pub use error::{Error, Result};
use smartctl_parser::{Assessment, Policy, SmartctlOutput, Verdict};

/// A device to check: its path and, preferably, smartctl's `-d` type.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DeviceSpec {
    /// The device path, e.g. `/dev/sda`.
    pub path: String,
    /// smartctl's `-d` type, e.g. `sat` or `nvme`. Without one smartctl
    /// probes the type, which some USB bridges answer by spinning up.
    pub device_type: Option<String>,
}

impl DeviceSpec {
    /// A device without a type.
    pub fn new(path: impl Into<String>) -> DeviceSpec {
        DeviceSpec { path: path.into(), device_type: None }
    }

    /// A device with smartctl's `-d` type.
    pub fn with_type(path: impl Into<String>, device_type: impl Into<String>) -> DeviceSpec {
        DeviceSpec { path: path.into(), device_type: Some(device_type.into()) }
    }

    /// The cache key: the path, plus the type when there is one (a RAID
    /// controller's disks share one path and differ by type).
    pub fn key(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for DeviceSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.device_type {
            Some(device_type) => write!(f, "{} -d {device_type}", self.path),
            None => f.write_str(&self.path),
        }
    }
}

/// The last full result of a device, kept while it sleeps.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct LastKnown {
    /// When that result was taken.
    pub taken_at: SystemTime,
    /// The output.
    pub output: SmartctlOutput,
    /// Its verdict at the time.
    pub assessment: Assessment,
}

/// The result of checking one device.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct DeviceReport {
    /// The device.
    pub device: DeviceSpec,
    /// smartctl's parsed output.
    pub output: SmartctlOutput,
    /// The verdict on this output.
    pub assessment: Assessment,
    /// For a sleeping device: the last full result, if one was ever seen.
    pub last_known: Option<LastKnown>,
    /// How long smartctl took.
    pub elapsed: Duration,
}

/// Runs smartctl on devices. See the crate documentation.
#[derive(Debug)]
pub struct Runner {
    smartctl: PathBuf,
    timeout: Duration,
    parallelism: usize,
    standby_exit: Option<u8>,
    policy: Policy,
    state_file: Option<PathBuf>,
    cache: Mutex<BTreeMap<String, state::Entry>>,
}

impl Default for Runner {
    fn default() -> Self {
        Runner::new()
    }
}

impl Runner {
    /// A runner with the defaults: `smartctl` from `PATH`, 60 s per device
    /// (an idle SATA disk answers `-a` in well under a second, bridges
    /// take tens of seconds), 5 devices at a time (the Helios64's bays),
    /// `-n standby` exiting 2, the default [`Policy`], no state file.
    pub fn new() -> Runner {
        Runner {
            smartctl: PathBuf::from("smartctl"),
            timeout: Duration::from_secs(60),
            parallelism: 5,
            standby_exit: None,
            policy: Policy::default(),
            state_file: None,
            cache: Mutex::new(BTreeMap::new()),
        }
    }

    /// Uses this smartctl binary (a path, or a name looked up in `PATH`).
    pub fn smartctl(mut self, path: impl Into<PathBuf>) -> Runner {
        self.smartctl = path.into();
        self
    }

    /// Kills a smartctl run after this long.
    pub fn timeout(mut self, timeout: Duration) -> Runner {
        self.timeout = timeout;
        self
    }

    /// Checks at most this many devices at once (at least 1).
    pub fn parallelism(mut self, threads: usize) -> Runner {
        self.parallelism = threads.max(1);
        self
    }

    /// Passes `-n standby,CODE`, so a skipped device exits with CODE
    /// instead of 2. The verdict recognises either.
    pub fn standby_exit_code(mut self, code: u8) -> Runner {
        self.standby_exit = Some(code);
        self
    }

    /// Judges with this policy instead of the default.
    pub fn policy(mut self, policy: Policy) -> Runner {
        self.policy = policy;
        self
    }

    /// Keeps the last-known-state cache in this file: loads it now (a
    /// missing file is an empty cache) and writes it on [`Runner::save_state`].
    pub fn with_state_file(mut self, path: impl Into<PathBuf>) -> Result<Runner> {
        let path = path.into();
        let entries = state::load(&path)?;
        self.cache = Mutex::new(entries);
        self.state_file = Some(path);
        Ok(self)
    }

    /// The state file, if one is configured.
    pub fn state_file(&self) -> Option<&Path> {
        self.state_file.as_deref()
    }

    /// Writes the cache to the state file, if one is configured.
    pub fn save_state(&self) -> Result<()> {
        let Some(path) = &self.state_file else { return Ok(()) };
        let cache = self.cache.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        state::save(path, &cache)
    }

    /// The arguments smartctl gets for a device.
    pub fn arguments(&self, device: &DeviceSpec) -> Vec<String> {
        let standby = match self.standby_exit {
            Some(code) => format!("standby,{code}"),
            None => "standby".to_owned(),
        };
        let mut args = vec!["--json=c".to_owned(), "-a".to_owned(), "-n".to_owned(), standby];
        if let Some(device_type) = &device.device_type {
            // `-d` takes the next word as its value whatever it looks like
            // (getopt), so a type such as `-x` stays a (bad) type.
            args.push("-d".to_owned());
            args.push(device_type.clone());
        }
        // After `--` a device path such as `-x` is a path, never an option.
        args.push("--".to_owned());
        args.push(device.path.clone());
        args
    }

    /// Lists devices with `smartctl --scan-open`, each with its `-d` type.
    pub fn scan(&self) -> Result<Vec<DeviceSpec>> {
        let label = "smartctl --scan-open";
        let args = ["--json=c".to_owned(), "--scan-open".to_owned()];
        let finished = process::run(&self.smartctl, &args, label, self.timeout)?;
        let output = parse_output(label, &finished)?;
        Ok(output
            .devices
            .unwrap_or_default()
            .into_iter()
            .filter_map(|device| {
                let path = device.name?;
                Some(DeviceSpec { path, device_type: device.device_type })
            })
            .collect())
    }

    /// Checks one device.
    ///
    /// smartctl's own verdicts (open failed, asleep, failing) come back as
    /// a [`DeviceReport`]; permission denied, a missing smartctl, a timeout
    /// and unparseable output are errors.
    pub fn check(&self, device: &DeviceSpec) -> Result<DeviceReport> {
        let label = device.to_string();
        let started = Instant::now();
        let finished = process::run(&self.smartctl, &self.arguments(device), &label, self.timeout)?;
        let elapsed = started.elapsed();
        let output = parse_output(&label, &finished)?;
        if let Some(failure) = smartctl_parser::open_failure(&output)
            && failure.permission_denied
        {
            return Err(Error::PermissionDenied { device: label });
        }

        let key = device.key();
        let mut cache = self.cache.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let previous = cache.get(&key);
        let assessment =
            smartctl_parser::judge_with(&output, previous.map(|p| &p.output), &self.policy);
        let mut last_known = None;
        match assessment.verdict {
            Verdict::Asleep => {
                last_known = previous.map(|entry| LastKnown {
                    taken_at: entry.taken_at,
                    assessment: smartctl_parser::judge_with(&entry.output, None, &self.policy),
                    output: entry.output.clone(),
                });
            }
            Verdict::Unreachable | Verdict::Unknown => {}
            Verdict::Ok | Verdict::Warning | Verdict::Failing => {
                let json = String::from_utf8_lossy(&finished.stdout).into_owned();
                cache.insert(
                    key,
                    state::Entry { taken_at: SystemTime::now(), json, output: output.clone() },
                );
            }
        }
        Ok(DeviceReport { device: device.clone(), output, assessment, last_known, elapsed })
    }

    /// Checks devices in parallel (at most [`Runner::parallelism`] at once)
    /// and returns the results in the order of `devices`.
    pub fn check_all(&self, devices: &[DeviceSpec]) -> Vec<(DeviceSpec, Result<DeviceReport>)> {
        let next = AtomicUsize::new(0);
        let results: Mutex<Vec<Option<Result<DeviceReport>>>> =
            Mutex::new(devices.iter().map(|_| None).collect());
        let workers = self.parallelism.min(devices.len()).max(1);
        std::thread::scope(|scope| {
            for _ in 0..workers {
                scope.spawn(|| {
                    loop {
                        let index = next.fetch_add(1, Ordering::Relaxed);
                        let Some(device) = devices.get(index) else { break };
                        let result = self.check(device);
                        let mut slots = results.lock().unwrap_or_else(|p| p.into_inner());
                        if let Some(slot) = slots.get_mut(index) {
                            *slot = Some(result);
                        }
                    }
                });
            }
        });
        let slots = results.into_inner().unwrap_or_else(|p| p.into_inner());
        devices
            .iter()
            .cloned()
            .zip(slots)
            .filter_map(|(device, slot)| slot.map(|result| (device, result)))
            .collect()
    }
}

fn parse_output(label: &str, finished: &helios64_exec::Output) -> Result<SmartctlOutput> {
    smartctl_parser::parse(&finished.stdout, label).map_err(|source| Error::Output {
        device: label.to_owned(),
        exit_code: finished.status.code(),
        stderr: String::from_utf8_lossy(&finished.stderr)
            .lines()
            .next()
            .unwrap_or_default()
            .to_owned(),
        source: Box::new(source),
    })
}
