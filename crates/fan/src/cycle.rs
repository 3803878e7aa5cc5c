//! One control cycle on the board: read, decide, drive, report.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use helios64_hal::{DiskPower, ErrorKind, FanHeader, FanOutput, PwmEnable, TempSensor};
use helios64_service::MonoTime;

use crate::config::FandConfig;
use crate::controller::{Controller, Decision, FailSafe, Reading, Source};

/// A disk in a bay, as the cycle reads it.
pub struct DiskSlot {
    /// The bay, 1..=5.
    pub bay: u8,
    /// Its drivetemp sensor.
    pub temp: Box<dyn TempSensor>,
    /// How to ask whether it sleeps: `None` on a tree (there is no disk to
    /// wake, so it is read); `Some(Err)` when the running board cannot ask
    /// (no `CAP_SYS_RAWIO`, not an ATA disk), and then it is never read.
    pub power: Option<Result<Box<dyn DiskPower>, String>>,
}

impl fmt::Debug for DiskSlot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DiskSlot").field("bay", &self.bay).finish_non_exhaustive()
    }
}

/// What the cycle reads and drives, as found by [`crate::discover`] (or
/// built from fakes in tests).
#[derive(Default)]
pub struct Board {
    /// CPU, GPU and board sensors that were found.
    pub sensors: BTreeMap<Source, Box<dyn TempSensor>>,
    /// Bay disks with a drivetemp sensor.
    pub disks: Vec<DiskSlot>,
    /// The fans that were found.
    pub fans: BTreeMap<FanHeader, Box<dyn FanOutput>>,
}

impl fmt::Debug for Board {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Board")
            .field("sensors", &self.sensors.keys().collect::<Vec<_>>())
            .field("disks", &self.disks)
            .field("fans", &self.fans.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// A state change worth one journal line.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// A fan's duty was set (or would be, in a dry run).
    PwmSet {
        /// The fan.
        fan: FanHeader,
        /// What it was set to before, by this daemon.
        from: Option<u8>,
        /// What it is set to now.
        to: u8,
        /// The input that asked for it, and the temperature in use.
        driven_by: Option<(String, f64)>,
        /// Only decided, not written.
        dry_run: bool,
    },
    /// `pwm1_enable` was not 1 (a driver resets it on resume) and was set
    /// back.
    EnableReasserted {
        /// The fan.
        fan: FanHeader,
        /// What it was.
        was: PwmEnable,
    },
    /// Someone else changed the duty; it was taken back.
    TakenBack {
        /// The fan.
        fan: FanHeader,
        /// What was found.
        found: u8,
        /// What this daemon had set.
        expected: u8,
    },
    /// Every fan went to full speed.
    FailSafeEntered(FailSafe),
    /// Normal control resumed.
    FailSafeCleared,
    /// A source stopped reading.
    SourceFailing {
        /// The source.
        source: Source,
        /// Why.
        error: String,
    },
    /// A failing source reads again.
    SourceRecovered {
        /// The source.
        source: Source,
    },
    /// A bay's disk spun down; it is no longer read.
    DiskAsleep {
        /// The bay.
        bay: u8,
    },
    /// A bay's disk is awake again and read.
    DiskAwake {
        /// The bay.
        bay: u8,
    },
    /// A disk's power mode cannot be asked, so it is never read.
    PowerCheckUnavailable {
        /// The bay.
        bay: u8,
        /// Why.
        error: String,
    },
    /// A fan could not be driven.
    FanFault {
        /// The fan.
        fan: FanHeader,
        /// Why.
        error: String,
    },
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Event::PwmSet { fan, from, to, driven_by, dry_run } => {
                let verb = if *dry_run { "would set" } else { "set" };
                let from = from.map_or_else(|| "?".to_owned(), |p| p.to_string());
                write!(f, "fan {fan}: {verb} pwm {from} -> {to}")?;
                if let Some((input, celsius)) = driven_by {
                    write!(f, " ({input} at {celsius:.1} °C)")?;
                }
                Ok(())
            }
            Event::EnableReasserted { fan, was } => {
                write!(f, "fan {fan}: pwm1_enable was {}, set back to 1", was.value())
            }
            Event::TakenBack { fan, found, expected } => write!(
                f,
                "fan {fan}: pwm changed by someone else ({found}, this daemon set {expected}); taken back"
            ),
            Event::FailSafeEntered(why) => write!(f, "FAIL-SAFE: both fans to full speed: {why}"),
            Event::FailSafeCleared => f.write_str("fail-safe cleared: normal control resumes"),
            Event::SourceFailing { source, error } => write!(f, "{source}: unreadable: {error}"),
            Event::SourceRecovered { source } => write!(f, "{source}: reads again"),
            Event::DiskAsleep { bay } => {
                write!(f, "bay{bay}: disk spun down; not read until it wakes")
            }
            Event::DiskAwake { bay } => write!(f, "bay{bay}: disk awake; read again"),
            Event::PowerCheckUnavailable { bay, error } => write!(
                f,
                "bay{bay}: cannot ask the disk's power mode ({error}); it is never read, so never woken"
            ),
            Event::FanFault { fan, error } => write!(f, "fan {fan}: {error}"),
        }
    }
}

/// The control cycle: a [`Controller`] over a [`Board`].
pub struct Cycle {
    controller: Controller,
    board: Board,
    dry_run: bool,
    /// What this daemon last wrote to each fan.
    written: BTreeMap<FanHeader, u8>,
    failsafe: Option<FailSafe>,
    failing: BTreeSet<Source>,
    asleep: BTreeSet<u8>,
    power_unavailable: BTreeSet<u8>,
    rediscover: bool,
    last: Option<Decision>,
}

impl fmt::Debug for Cycle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cycle")
            .field("board", &self.board)
            .field("dry_run", &self.dry_run)
            .field("written", &self.written)
            .field("failsafe", &self.failsafe)
            .finish_non_exhaustive()
    }
}

impl Cycle {
    /// A cycle for `config` (validated) on `board`. The fans' current duties
    /// are read so the first decisions start from the truth. With `dry_run`
    /// nothing is ever written.
    pub fn new(config: &FandConfig, board: Board, dry_run: bool) -> Cycle {
        let mut cycle = Cycle {
            controller: Controller::new(config),
            board: Board::default(),
            dry_run,
            written: BTreeMap::new(),
            failsafe: None,
            failing: BTreeSet::new(),
            asleep: BTreeSet::new(),
            power_unavailable: BTreeSet::new(),
            rediscover: false,
            last: None,
        };
        cycle.replace_board(board);
        cycle
    }

    /// Takes a rediscovered board (a hwmon renumbered or rebound, a disk
    /// added): fan faults of fans that are back clear, duties are read anew.
    pub fn replace_board(&mut self, board: Board) {
        self.rediscover = false;
        for (header, fan) in &board.fans {
            self.controller.fan_ok(*header);
            if let Ok(pwm) = fan.pwm() {
                self.controller.note_current(*header, pwm);
                self.written.insert(*header, pwm);
            }
        }
        self.board = board;
    }

    /// Takes a reloaded configuration.
    pub fn set_config(&mut self, config: &FandConfig) {
        self.controller.set_config(config);
    }

    /// The configuration in use.
    pub fn config(&self) -> &FandConfig {
        self.controller.config()
    }

    /// Whether a read or write said the hardware moved (`ENOENT`,
    /// `ENODEV`): rediscover before the next cycle.
    pub fn needs_rediscovery(&self) -> bool {
        self.rediscover
    }

    /// The last cycle's decision.
    pub fn last_decision(&self) -> Option<&Decision> {
        self.last.as_ref()
    }

    /// The fail-safe in force, if any.
    pub fn failsafe(&self) -> Option<&FailSafe> {
        self.failsafe.as_ref()
    }

    /// The bays whose disks are asleep (not read).
    pub fn asleep(&self) -> &BTreeSet<u8> {
        &self.asleep
    }

    /// Whether this cycle only decides.
    pub fn is_dry_run(&self) -> bool {
        self.dry_run
    }

    /// The fans found, and what this daemon last wrote to them.
    pub fn written(&self) -> &BTreeMap<FanHeader, u8> {
        &self.written
    }

    /// Runs one cycle at `now`; the state changes it caused.
    pub fn run(&mut self, now: MonoTime) -> Vec<Event> {
        let mut events = Vec::new();
        let headers: Vec<FanHeader> = self.controller.config().fans().map(|(h, _)| h).to_vec();
        for header in headers {
            if !self.board.fans.contains_key(&header) {
                self.controller.fan_fault(header, format!("fan {header} not found"));
            }
        }
        let readings = self.read(&mut events);
        let mut decision = self.controller.step(now, &readings);
        if decision.failsafe.is_none()
            && let Some(fault) = self.drive(&decision, &mut events)
        {
            // A fan failed while being driven: full speed in this cycle, not
            // the next.
            decision.failsafe = Some(fault);
            for f in &mut decision.fans {
                f.pwm = u8::MAX;
            }
        }
        match (&self.failsafe, &decision.failsafe) {
            (None, Some(why)) => {
                events.push(Event::FailSafeEntered(why.clone()));
                self.all_full_speed(&mut events);
            }
            (Some(_), Some(_)) => {
                // Still in it: keep re-asserting 255 and mode 1, cheaply.
                self.drive(&decision, &mut events);
            }
            (Some(_), None) => events.push(Event::FailSafeCleared),
            (None, None) => {}
        }
        self.failsafe = decision.failsafe.clone();
        self.last = Some(decision);
        events
    }

    /// The stop hook and the daemon's last word: every fan to `pwm1=255`,
    /// `pwm1_enable=1`, read back (hal's fail-safe, tried on every fan).
    /// Writes even in a dry run: stopping always leaves the fans safe.
    pub fn full_speed(&mut self) -> helios64_hal::Result<()> {
        let fans: Vec<&dyn FanOutput> = self.board.fans.values().map(|f| &**f).collect();
        let result = helios64_hal::all_full_speed(&fans);
        for header in self.board.fans.keys() {
            self.written.insert(*header, u8::MAX);
        }
        self.failsafe = Some(FailSafe::Stopping);
        result
    }

    fn all_full_speed(&mut self, events: &mut Vec<Event>) {
        if self.dry_run {
            return;
        }
        let mut failed = Vec::new();
        for (header, fan) in &self.board.fans {
            match fan.set_full_speed() {
                Ok(()) => {
                    self.written.insert(*header, u8::MAX);
                    self.controller.note_current(*header, u8::MAX);
                }
                Err(e) => {
                    events.push(Event::FanFault { fan: *header, error: helios64_text_chain(&e) });
                    failed.push((*header, e));
                }
            }
        }
        for (header, e) in failed {
            self.note_error(header, &e);
        }
    }

    fn note_error(&mut self, fan: FanHeader, e: &helios64_hal::Error) {
        if matches!(e.kind(), ErrorKind::NotFound | ErrorKind::Unsupported) {
            self.rediscover = true;
        }
        self.controller.fan_fault(fan, helios64_text_chain(e));
    }

    /// This cycle's readings of every followed source.
    fn read(&mut self, events: &mut Vec<Event>) -> BTreeMap<Source, Reading> {
        let mut readings = BTreeMap::new();
        for (source, sensor) in &self.board.sensors {
            if !self.controller.follows(*source) {
                continue;
            }
            readings.insert(*source, read_temp(&**sensor, &mut self.rediscover));
        }
        for slot in &self.board.disks {
            let source = Source::Bay(slot.bay);
            if !self.controller.follows(source) {
                continue;
            }
            let asleep = match &slot.power {
                None => false,
                Some(Err(error)) => {
                    if self.power_unavailable.insert(slot.bay) {
                        events.push(Event::PowerCheckUnavailable {
                            bay: slot.bay,
                            error: error.clone(),
                        });
                    }
                    true
                }
                Some(Ok(power)) => match power.power_mode() {
                    Ok(mode) => {
                        self.power_unavailable.remove(&slot.bay);
                        mode.is_spun_down()
                    }
                    // Never risk the wake-up: unknown counts as asleep.
                    Err(e) => {
                        if self.power_unavailable.insert(slot.bay) {
                            events.push(Event::PowerCheckUnavailable {
                                bay: slot.bay,
                                error: helios64_text_chain(&e),
                            });
                        }
                        true
                    }
                },
            };
            let reading =
                if asleep { Reading::Asleep } else { read_temp(&*slot.temp, &mut self.rediscover) };
            let was_asleep = self.asleep.contains(&slot.bay);
            if asleep && !was_asleep && !self.power_unavailable.contains(&slot.bay) {
                events.push(Event::DiskAsleep { bay: slot.bay });
            }
            if !asleep && was_asleep {
                events.push(Event::DiskAwake { bay: slot.bay });
            }
            if asleep {
                self.asleep.insert(slot.bay);
            } else {
                self.asleep.remove(&slot.bay);
            }
            readings.insert(source, reading);
        }
        // One line when a source starts failing, one when it is back.
        let required = self.controller.required_sources();
        for source in required.iter().filter(|s| !readings.contains_key(s)) {
            if self.failing.insert(*source) {
                events.push(Event::SourceFailing {
                    source: *source,
                    error: format!("{source} not found on this board"),
                });
            }
        }
        for (source, reading) in &readings {
            match reading {
                Reading::Failed(error) => {
                    if self.failing.insert(*source) {
                        events.push(Event::SourceFailing { source: *source, error: error.clone() });
                    }
                }
                _ => {
                    if self.failing.remove(source) {
                        events.push(Event::SourceRecovered { source: *source });
                    }
                }
            }
        }
        readings
    }

    /// Drives every fan to its decided duty: re-asserts `pwm1_enable=1`,
    /// takes back a duty someone else changed, writes only what differs.
    /// The first fault, if any.
    fn drive(&mut self, decision: &Decision, events: &mut Vec<Event>) -> Option<FailSafe> {
        let mut fault = None;
        for d in &decision.fans {
            let Some(fan) = self.board.fans.get(&d.fan) else { continue };
            let written = self.written.get(&d.fan).copied();
            if self.dry_run {
                if written != Some(d.pwm) {
                    events.push(Event::PwmSet {
                        fan: d.fan,
                        from: written,
                        to: d.pwm,
                        driven_by: d.driven_by.clone(),
                        dry_run: true,
                    });
                    self.written.insert(d.fan, d.pwm);
                }
                continue;
            }
            let result = drive_one(&**fan, d.fan, d.pwm, written, events);
            match result {
                Ok(()) => {
                    // Driven: a write fault of this fan is over (a missing
                    // fan is not driven, so its fault stays).
                    self.controller.fan_ok(d.fan);
                    if written != Some(d.pwm) {
                        events.push(Event::PwmSet {
                            fan: d.fan,
                            from: written,
                            to: d.pwm,
                            driven_by: d.driven_by.clone(),
                            dry_run: false,
                        });
                    }
                    self.written.insert(d.fan, d.pwm);
                }
                Err(e) => {
                    let error = helios64_text_chain(&e);
                    events.push(Event::FanFault { fan: d.fan, error: error.clone() });
                    fault.get_or_insert(FailSafe::FanFault { fan: d.fan, error });
                    self.note_error(d.fan, &e);
                }
            }
        }
        fault
    }
}

/// One fan, one cycle: mode 1, the duty taken back if changed, the duty
/// written if it differs.
fn drive_one(
    fan: &dyn FanOutput,
    header: FanHeader,
    pwm: u8,
    written: Option<u8>,
    events: &mut Vec<Event>,
) -> helios64_hal::Result<()> {
    match fan.pwm_enable()? {
        Some(PwmEnable::Enabled) | None => {}
        Some(was) => {
            fan.set_pwm_enable(PwmEnable::Enabled)?;
            events.push(Event::EnableReasserted { fan: header, was });
        }
    }
    let found = fan.pwm()?;
    if let Some(expected) = written
        && found != expected
    {
        events.push(Event::TakenBack { fan: header, found, expected });
    }
    if found != pwm {
        fan.set_pwm(pwm)?;
    }
    Ok(())
}

fn read_temp(sensor: &dyn TempSensor, rediscover: &mut bool) -> Reading {
    match sensor.millicelsius() {
        // Millidegrees to degrees: exact for every value a sensor reports.
        #[allow(clippy::cast_precision_loss)]
        Ok(milli) => Reading::Celsius(milli as f64 / 1000.0),
        Err(e) => {
            if matches!(e.kind(), ErrorKind::NotFound | ErrorKind::Unsupported) {
                *rediscover = true;
            }
            Reading::Failed(helios64_text_chain(&e))
        }
    }
}

fn helios64_text_chain(e: &helios64_hal::Error) -> String {
    helios64_text::error_chain(e)
}
