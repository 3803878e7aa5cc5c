//! The monitor cycle: read mains and the battery through hal's edge
//! traits, feed the [`Policy`], and report every change as an [`Event`].

use std::fmt;

use helios64_hal::{BatteryGauge, BatteryReading, ChargeStatus, MainsSensor, MainsStatus};
use helios64_service::MonoTime;

use crate::error::Error;
use crate::events::PolicyEvent;
use crate::policy::{BatteryObs, MainsObs, Policy};

/// A sensor the monitor reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Sensor {
    /// Mains presence.
    Mains,
    /// The battery voltage.
    Battery,
    /// The DC input voltage.
    DcIn,
}

impl fmt::Display for Sensor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Sensor::Mains => "mains",
            Sensor::Battery => "battery voltage",
            Sensor::DcIn => "DC-in voltage",
        })
    }
}

/// Something worth one journal line (and maybe a notification).
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// The policy's own.
    Policy(PolicyEvent),
    /// A sensor stopped reading.
    SensorFailing {
        /// Which.
        sensor: Sensor,
        /// Why (the error chain).
        error: String,
    },
    /// It reads again.
    SensorRecovered {
        /// Which.
        sensor: Sensor,
    },
    /// The board has no way to tell mains (no Mains supply, no GPIO banks):
    /// the box is taken to be on mains and never shut down.
    NoMainsSource,
}

impl Event {
    /// NUT's NOTIFYTYPE for this event, when it is one a notify command
    /// gets.
    pub fn notify_type(&self) -> Option<&'static str> {
        Some(match self {
            Event::Policy(PolicyEvent::OnBattery { .. }) => "ONBATT",
            Event::Policy(
                PolicyEvent::MainsReturned { .. } | PolicyEvent::MainsReturnedDuringShutdown,
            ) => "ONLINE",
            Event::Policy(PolicyEvent::LowBattery { .. }) => "LOWBATT",
            Event::Policy(PolicyEvent::Shutdown(_)) => "SHUTDOWN",
            Event::Policy(PolicyEvent::BatteryFault { .. }) => "REPLBATT",
            Event::Policy(PolicyEvent::NoBattery) => "NOBATT",
            Event::Policy(PolicyEvent::VoltageUnreadable { .. })
            | Event::SensorFailing { sensor: Sensor::Mains | Sensor::Battery, .. }
            | Event::NoMainsSource => "COMMBAD",
            Event::Policy(PolicyEvent::VoltageReadable)
            | Event::SensorRecovered { sensor: Sensor::Mains | Sensor::Battery } => "COMMOK",
            _ => return None,
        })
    }

    /// Whether it is worth a `wall` message (NUT's default WALL events).
    pub fn is_wall(&self) -> bool {
        matches!(self.notify_type(), Some("ONBATT" | "ONLINE" | "LOWBATT" | "SHUTDOWN"))
    }

    /// Whether it is a warning (or worse) for the journal.
    pub fn is_warning(&self) -> bool {
        matches!(
            self,
            Event::Policy(
                PolicyEvent::OnBattery { .. }
                    | PolicyEvent::LowBattery { .. }
                    | PolicyEvent::Shutdown(_)
                    | PolicyEvent::BatteryFault { .. }
                    | PolicyEvent::NoBattery
                    | PolicyEvent::VoltageUnreadable { .. }
                    | PolicyEvent::MainsReturnedDuringShutdown
            ) | Event::SensorFailing { .. }
                | Event::NoMainsSource
        )
    }
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Event::Policy(e) => e.fmt(f),
            Event::SensorFailing { sensor, error } => write!(f, "{sensor} unreadable: {error}"),
            Event::SensorRecovered { sensor } => write!(f, "{sensor} reads again"),
            Event::NoMainsSource => f.write_str(
                "no mains source (no Mains power_supply, no GPIO banks): taken to be on mains, never shut down",
            ),
        }
    }
}

/// The last readings of each sensor, as shown.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Readings {
    /// Mains, the last good reading.
    pub mains: Option<MainsStatus>,
    /// The battery, the last good reading.
    pub battery: Option<BatteryReading>,
    /// DC-in, mV.
    pub dc_in_mv: Option<u32>,
    /// Why each failing sensor fails.
    pub errors: Vec<(Sensor, String)>,
}

impl Readings {
    /// The charge status, when on mains (it means nothing on battery: the
    /// charger is off).
    pub fn charge(&self) -> Option<ChargeStatus> {
        self.mains.as_ref().filter(|m| m.online).and_then(|m| m.charge)
    }

    /// Why `sensor` fails, if it does.
    pub fn error(&self, sensor: Sensor) -> Option<&str> {
        self.errors.iter().find(|(s, _)| *s == sensor).map(|(_, e)| e.as_str())
    }
}

/// The policy over the board's sensors.
#[derive(Debug, Clone)]
pub struct Monitor {
    policy: Policy,
    readings: Readings,
    no_source_reported: bool,
}

fn chain(error: &Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

impl Monitor {
    /// A monitor running `policy`.
    pub fn new(policy: Policy) -> Monitor {
        Monitor { policy, readings: Readings::default(), no_source_reported: false }
    }

    /// The policy.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// The policy, to reconfigure it.
    pub fn policy_mut(&mut self) -> &mut Policy {
        &mut self.policy
    }

    /// The last readings.
    pub fn readings(&self) -> &Readings {
        &self.readings
    }

    fn failing(&mut self, sensor: Sensor, error: Error, events: &mut Vec<Event>) {
        let text = chain(&error);
        match self.readings.errors.iter_mut().find(|(s, _)| *s == sensor) {
            // Reported once per failure, however long it lasts.
            Some((_, old)) => *old = text,
            None => {
                self.readings.errors.push((sensor, text.clone()));
                self.readings.errors.sort_by_key(|(s, _)| *s);
                events.push(Event::SensorFailing { sensor, error: text });
            }
        }
    }

    fn reads(&mut self, sensor: Sensor, events: &mut Vec<Event>) {
        let before = self.readings.errors.len();
        self.readings.errors.retain(|(s, _)| *s != sensor);
        if self.readings.errors.len() != before {
            events.push(Event::SensorRecovered { sensor });
        }
    }

    /// One cycle at `now`: read mains, the battery and DC-in, step the
    /// policy.
    pub fn poll(
        &mut self,
        now: MonoTime,
        mains: &dyn MainsSensor,
        battery: &dyn BatteryGauge,
    ) -> Vec<Event> {
        let mut events = Vec::new();
        let mains_obs = match mains.mains() {
            Ok(Some(status)) => {
                self.reads(Sensor::Mains, &mut events);
                let obs = if status.online { MainsObs::Online } else { MainsObs::Offline };
                self.readings.mains = Some(status);
                obs
            }
            Ok(None) => {
                if !self.no_source_reported {
                    self.no_source_reported = true;
                    events.push(Event::NoMainsSource);
                }
                MainsObs::Unknown
            }
            Err(source) => {
                self.failing(
                    Sensor::Mains,
                    Error::Sensor { sensor: Sensor::Mains, source },
                    &mut events,
                );
                MainsObs::Unknown
            }
        };
        let battery_obs = match battery.battery() {
            Ok(reading) => {
                let obs = match &reading {
                    BatteryReading::Present { battery_millivolts, .. } => {
                        self.reads(Sensor::Battery, &mut events);
                        BatteryObs::Volts(*battery_millivolts)
                    }
                    BatteryReading::Absent { .. } => {
                        self.reads(Sensor::Battery, &mut events);
                        BatteryObs::Absent
                    }
                    // No SARADC: nothing to recover from; the policy's
                    // unreadable rule covers it.
                    BatteryReading::Unknown { .. } => BatteryObs::Unreadable,
                };
                self.readings.battery = Some(reading);
                obs
            }
            Err(source) => {
                self.failing(
                    Sensor::Battery,
                    Error::Sensor { sensor: Sensor::Battery, source },
                    &mut events,
                );
                BatteryObs::Unreadable
            }
        };
        match battery.dc_in_millivolts() {
            Ok(mv) => {
                self.reads(Sensor::DcIn, &mut events);
                self.readings.dc_in_mv = mv;
            }
            Err(source) => {
                self.readings.dc_in_mv = None;
                self.failing(
                    Sensor::DcIn,
                    Error::Sensor { sensor: Sensor::DcIn, source },
                    &mut events,
                );
            }
        }
        let policy_events = self.policy.step(now, Some(mains_obs), Some(battery_obs));
        events.extend(policy_events.into_iter().map(Event::Policy));
        events
    }

    /// Mains changed at `now`, as a udev event said (the battery is read at
    /// the next poll).
    pub fn mains_changed(&mut self, now: MonoTime, online: bool) -> Vec<Event> {
        if let Some(m) = self.readings.mains.as_mut() {
            m.online = online;
        }
        let obs = if online { MainsObs::Online } else { MainsObs::Offline };
        self.policy.step(now, Some(obs), None).into_iter().map(Event::Policy).collect()
    }

    /// Only the timers at `now` (no reading).
    pub fn advance(&mut self, now: MonoTime) -> Vec<Event> {
        self.policy.step(now, None, None).into_iter().map(Event::Policy).collect()
    }
}
