//! Civil time: snapshot name stamps and the preferred times of taking.
//!
//! sanoid computes "the most recent preferred time" with `timelocal` and
//! fixed subtractions (a month back is 31 days, a year back 31 × 365.25
//! days, a DST offset patched in by hand, #155/#175). Here it is calendar
//! arithmetic in the configured zone: the latest instant ≤ now whose wall
//! time is the preferred one. In UTC, and for sanoid's default monthly and
//! yearly times, the two agree (the differential test checks it); where
//! sanoid's shortcuts land elsewhere (a `monthly_mday` of 31 in a 30-day
//! month makes sanoid die; before this year's yearly date it looks 31
//! years back), this follows the calendar.

use jiff::Timestamp;
use jiff::civil::{Date, DateTime};
use jiff::tz::{AmbiguousOffset, TimeZone};

use crate::error::{Error, Result};
use crate::kind::SnapType;
use crate::policy::Schedule;

/// A named time zone.
#[derive(Debug, Clone)]
pub struct Zone {
    name: String,
    tz: TimeZone,
}

impl Zone {
    /// UTC, the default: no DST, names never repeat.
    pub fn utc() -> Self {
        Zone { name: "UTC".into(), tz: TimeZone::UTC }
    }

    /// A zone the caller looked up (`jiff::tz::TimeZone::get`, or
    /// `TimeZone::posix` for a POSIX TZ string), under the name it was
    /// configured by.
    pub fn new(name: impl Into<String>, tz: TimeZone) -> Self {
        Zone { name: name.into(), tz }
    }

    /// The configured name.
    pub fn name(&self) -> &str {
        &self.name
    }

    fn err(&self, seconds: i64, e: impl std::fmt::Display) -> Error {
        Error::Time { seconds, zone: self.name.clone(), message: e.to_string() }
    }

    /// The wall time at `seconds` since the epoch.
    pub fn local(&self, seconds: i64) -> Result<DateTime> {
        let ts = Timestamp::from_second(seconds).map_err(|e| self.err(seconds, e))?;
        Ok(self.tz.to_datetime(ts))
    }

    /// `YYYY-MM-DD_HH:MM:SS` of `seconds` in this zone, as sanoid puts it
    /// in names.
    pub fn stamp(&self, seconds: i64) -> Result<String> {
        let t = self.local(seconds)?;
        Ok(format!(
            "{:04}-{:02}-{:02}_{:02}:{:02}:{:02}",
            t.year(),
            t.month(),
            t.day(),
            t.hour(),
            t.minute(),
            t.second()
        ))
    }

    /// The instant a preferred wall time stands for. In a repeated hour
    /// (DST end) it is the first occurrence only, so nothing falls due
    /// twice and names cannot repeat (sanoid's duplicate dailies, #155);
    /// in a skipped hour (DST start), the instant after the gap.
    fn instant(&self, dt: DateTime, seconds: i64) -> Result<i64> {
        let amb = self.tz.to_ambiguous_timestamp(dt);
        let t = match amb.offset() {
            AmbiguousOffset::Fold { .. } => amb.earlier(),
            _ => amb.compatible(),
        };
        t.map(Timestamp::as_second).map_err(|e| self.err(seconds, e))
    }

    /// The latest preferred instant of `kind` at or before `now`.
    pub fn last_preferred(&self, kind: SnapType, s: &Schedule, now: i64) -> Result<i64> {
        let local = self.local(now)?;
        let today = local.date();
        // Candidate wall times, newest period first; two periods back is
        // always enough (the newest may be later today, or fall in a gap).
        let mut candidates: Vec<DateTime> = Vec::with_capacity(3);
        let at = |date: Date, hour: u32, minute: u32| -> Result<DateTime> {
            DateTime::new(date.year(), date.month(), date.day(), hour as i8, minute as i8, 0, 0)
                .map_err(|e| self.err(now, e))
        };
        let back_days = |date: Date, days: i64| -> Result<Date> {
            date.checked_sub(jiff::Span::new().days(days)).map_err(|e| self.err(now, e))
        };
        match kind {
            SnapType::Frequently => {
                let period = s.frequent_period.max(1);
                let slice = (local.minute() as u32 / period) * period;
                // Slices restart every hour (sanoid: minute / period within
                // the hour), so the one before :00 is the previous hour's last.
                let hour = local.hour() as u32;
                candidates.push(at(today, hour, slice)?);
                let (date, hour, slice) = match slice.checked_sub(period) {
                    Some(prev) => (today, hour, prev),
                    None if hour > 0 => (today, hour - 1, (59 / period) * period),
                    None => (back_days(today, 1)?, 23, (59 / period) * period),
                };
                candidates.push(at(date, hour, slice)?);
            }
            SnapType::Hourly => {
                let hour = local.hour() as u32;
                candidates.push(at(today, hour, s.hourly_min)?);
                match hour.checked_sub(1) {
                    Some(h) => candidates.push(at(today, h, s.hourly_min)?),
                    None => candidates.push(at(back_days(today, 1)?, 23, s.hourly_min)?),
                }
            }
            SnapType::Daily => {
                for d in 0..3 {
                    candidates.push(at(back_days(today, d)?, s.daily_hour, s.daily_min)?);
                }
            }
            SnapType::Weekly => {
                let wday = i64::from(today.weekday().to_sunday_zero_offset());
                let since = (wday - i64::from(s.weekly_wday)).rem_euclid(7);
                for w in 0..2 {
                    let date = back_days(today, since + 7 * w)?;
                    candidates.push(at(date, s.weekly_hour, s.weekly_min)?);
                }
            }
            SnapType::Monthly => {
                let mut month = today.first_of_month();
                for _ in 0..3 {
                    let day = (s.monthly_mday as i8).min(month.days_in_month());
                    let date = Date::new(month.year(), month.month(), day)
                        .map_err(|e| self.err(now, e))?;
                    candidates.push(at(date, s.monthly_hour, s.monthly_min)?);
                    month = back_days(month, 1)?.first_of_month();
                }
            }
            SnapType::Yearly => {
                for y in 0..3 {
                    let first = Date::new(today.year() - y, s.yearly_mon as i8, 1)
                        .map_err(|e| self.err(now, e))?;
                    let day = (s.yearly_mday as i8).min(first.days_in_month());
                    let date = Date::new(first.year(), first.month(), day)
                        .map_err(|e| self.err(now, e))?;
                    candidates.push(at(date, s.yearly_hour, s.yearly_min)?);
                }
            }
        }
        let mut best: Option<i64> = None;
        for dt in candidates {
            let t = self.instant(dt, now)?;
            if t <= now && best.is_none_or(|b| t > b) {
                best = Some(t);
            }
        }
        best.ok_or_else(|| self.err(now, format!("no preferred {kind} time found")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(y: i16, mo: i8, d: i8, h: i8, mi: i8, s: i8) -> i64 {
        let dt = DateTime::new(y, mo, d, h, mi, s, 0).unwrap();
        TimeZone::UTC.to_timestamp(dt).unwrap().as_second()
    }

    #[test]
    fn stamps_are_sanoids() {
        assert_eq!(Zone::utc().stamp(utc(2024, 3, 9, 7, 5, 3)).unwrap(), "2024-03-09_07:05:03");
    }

    #[test]
    fn preferred_times_in_utc() {
        let z = Zone::utc();
        let s = Schedule::default();
        let now = utc(2024, 5, 15, 10, 37, 12); // a Wednesday
        let p = |k| z.last_preferred(k, &s, now).unwrap();
        assert_eq!(p(SnapType::Frequently), utc(2024, 5, 15, 10, 30, 0));
        assert_eq!(p(SnapType::Hourly), utc(2024, 5, 15, 10, 0, 0));
        assert_eq!(p(SnapType::Daily), utc(2024, 5, 14, 23, 59, 0));
        assert_eq!(p(SnapType::Weekly), utc(2024, 5, 13, 23, 30, 0));
        assert_eq!(p(SnapType::Monthly), utc(2024, 5, 1, 0, 0, 0));
        assert_eq!(p(SnapType::Yearly), utc(2024, 1, 1, 0, 0, 0));
        // On the preferred second itself, it is now.
        assert_eq!(
            z.last_preferred(SnapType::Daily, &s, utc(2024, 5, 15, 23, 59, 0)).unwrap(),
            utc(2024, 5, 15, 23, 59, 0)
        );
        let s = Schedule { monthly_mday: 31, yearly_mon: 6, yearly_mday: 31, ..s };
        // April has 30 days: its last; before this year's June, last year's.
        assert_eq!(
            z.last_preferred(SnapType::Monthly, &s, utc(2024, 5, 15, 0, 0, 0)).unwrap(),
            utc(2024, 4, 30, 0, 0, 0)
        );
        assert_eq!(z.last_preferred(SnapType::Yearly, &s, now).unwrap(), utc(2023, 6, 30, 0, 0, 0));
    }

    #[test]
    fn dst_repeated_and_skipped_hours() {
        let tz = TimeZone::posix("CET-1CEST,M3.5.0,M10.5.0/3").unwrap();
        let z = Zone::new("Europe/Berlin", tz);
        let s = Schedule { daily_hour: 2, daily_min: 30, ..Schedule::default() };
        // 2024-10-27: 02:00–03:00 CEST, then 02:00–03:00 CET again.
        let second_0230 = utc(2024, 10, 27, 1, 30, 0);
        let first_0230 = utc(2024, 10, 27, 0, 30, 0);
        assert_eq!(z.stamp(first_0230).unwrap(), z.stamp(second_0230).unwrap());
        assert_eq!(z.last_preferred(SnapType::Daily, &s, first_0230 + 60).unwrap(), first_0230);
        // The second 02:30 is not preferred again: no duplicate daily.
        assert_eq!(z.last_preferred(SnapType::Daily, &s, second_0230 + 60).unwrap(), first_0230);
        // Hourlies skip the repeated hour rather than repeat a name.
        let hourly = z.last_preferred(SnapType::Hourly, &s, second_0230).unwrap();
        assert_eq!(hourly, utc(2024, 10, 27, 0, 0, 0));
        // 2024-03-31: 02:30 does not exist; the preferred time is 03:30 CEST.
        let after_gap = utc(2024, 3, 31, 1, 30, 0);
        assert_eq!(z.last_preferred(SnapType::Daily, &s, after_gap + 1).unwrap(), after_gap);
        assert_eq!(z.stamp(after_gap).unwrap(), "2024-03-31_03:30:00");
    }
}
