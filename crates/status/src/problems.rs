//! What was read but cannot be right.
//!
//! A reading can be perfectly readable and still be wrong: a battery the ADC
//! says is not there while the charger says it is charging it; a DC input of
//! 0 V while mains powers the board; a disk in a bay whose temperature no
//! sensor reports. These are not read errors (nothing failed to read), so
//! they are listed here, each with the section it concerns, and they make
//! `helios64 status` exit 1 like a read error does.

use helios64_hal::{BatteryReading, ChargeStatus, Root};
use serde::Serialize;

use crate::{BoxStatus, Section};

/// What kind of wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum ProblemKind {
    /// Two readings that cannot both be true.
    Contradiction,
    /// A reading a Helios64 in this state should have, and has not.
    Absent,
}

/// One problem, in words a user can act on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// The section the readings are from.
    pub section: Section,
    /// Contradiction or absence.
    pub kind: ProblemKind,
    /// What is wrong and, where known, what to do.
    pub message: String,
}

/// Below this a DC input reading means "no input" (the 12 V adapter reads
/// ~12 V through the ×9.13 divider; the ADC's noise floor is a few mV).
const DC_IN_PRESENT_MIN_MILLIVOLTS: u32 = 5_000;

pub(crate) fn find(root: &Root, s: &BoxStatus) -> Vec<Problem> {
    let mut out = Vec::new();
    let mut push = |section, kind, message: String| out.push(Problem { section, kind, message });

    let hwmon_class = root.class("hwmon");
    if !root.exists(&hwmon_class).unwrap_or(true) {
        push(
            Section::Thermal,
            ProblemKind::Absent,
            format!(
                "{} does not exist: the kernel lists no hardware monitors, so tools that look \
                 sensors up there (lm-sensors, fancontrol) see none",
                root.on_box(&hwmon_class).display()
            ),
        );
    }

    for bay in s.bays.iter().flatten() {
        let read_failed = s.errors.iter().any(|e| {
            e.section == Section::Bays
                && e.item.as_deref() == Some(&format!("bay {} temperature", bay.bay.bay))
        });
        if bay.bay.disk.is_some() && bay.temp_millicelsius.is_none() && !read_failed {
            push(
                Section::Bays,
                ProblemKind::Absent,
                format!(
                    "bay {}: the disk has no drivetemp sensor, so its temperature is unknown \
                     (load the drivetemp module: modprobe drivetemp)",
                    bay.bay.bay
                ),
            );
        }
    }

    if let Some(ups) = &s.ups {
        let mains = ups.mains.as_ref();
        if let (Some(m), BatteryReading::Absent { adc_millivolts }) = (mains, &ups.battery)
            && m.online
            && m.charge == Some(ChargeStatus::Charging)
        {
            push(
                Section::Ups,
                ProblemKind::Contradiction,
                format!(
                    "{} reports charging, but the battery ADC reads {adc_millivolts:.0} mV, the \
                     level of no battery: a charger line or the ADC is wrong",
                    m.source
                ),
            );
        }
        if let (Some(m), BatteryReading::Present { battery_millivolts, low: true, .. }) =
            (mains, &ups.battery)
            && m.online
        {
            push(
                Section::Ups,
                ProblemKind::Contradiction,
                format!(
                    "the battery reads {:.2} V (low) while mains powers the board: the charger \
                     should hold it up, so the battery or the charger is failing",
                    f64::from(*battery_millivolts) / 1000.0
                ),
            );
        }
        if let (Some(m), Some(dc)) = (mains, ups.dc_in_millivolts) {
            let volts = f64::from(dc) / 1000.0;
            if m.online && dc < DC_IN_PRESENT_MIN_MILLIVOLTS {
                push(
                    Section::Ups,
                    ProblemKind::Contradiction,
                    format!(
                        "{} says mains is online, but the DC input reads {volts:.2} V: either \
                         SARADC channel 4 is not wired on this board or the mains reading is \
                         wrong",
                        m.source
                    ),
                );
            }
            if !m.online && dc >= DC_IN_PRESENT_MIN_MILLIVOLTS {
                push(
                    Section::Ups,
                    ProblemKind::Contradiction,
                    format!(
                        "{} says the board is on battery, but the DC input reads {volts:.2} V",
                        m.source
                    ),
                );
            }
        }
    }
    out
}
