//! The capacity model's calendar: which slots a service has, from its office hours, slot length
//! and UTC offset. Pure functions, no state.

use std::collections::BTreeSet;

use chrono::{DateTime, Datelike, NaiveDate, TimeDelta, Utc};

use super::config::ServiceConfig;
use super::wire::plus;

/// The slot calendar of one service.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Calendar<'a> {
    config: &'a ServiceConfig,
}

impl<'a> Calendar<'a> {
    pub(crate) fn new(config: &'a ServiceConfig) -> Self {
        Self { config }
    }

    pub(crate) fn slot_len(&self) -> TimeDelta {
        TimeDelta::minutes(i64::from(self.config.slot_minutes.max(1)))
    }

    fn offset_seconds(&self) -> i64 {
        i64::from(self.config.utc_offset.fixed().local_minus_utc())
    }

    /// The local date of `t`.
    fn local_date(&self, t: DateTime<Utc>) -> NaiveDate {
        plus(t, TimeDelta::seconds(self.offset_seconds())).date_naive()
    }

    /// The open ranges of a local date, as UTC instants `[open, close)`.
    fn ranges(&self, date: NaiveDate) -> impl Iterator<Item = (DateTime<Utc>, DateTime<Utc>)> + '_ {
        let midnight = date.and_hms_opt(0, 0, 0).map(|m| plus(m.and_utc(), TimeDelta::seconds(-self.offset_seconds())));
        let weekday = date.weekday();
        self.config.office_hours.iter().filter(move |h| h.days.contains(&weekday)).filter_map(move |h| {
            let midnight = midnight?;
            Some((
                plus(midnight, TimeDelta::minutes(i64::from(h.open.minutes()))),
                plus(midnight, TimeDelta::minutes(i64::from(h.close.minutes()))),
            ))
        })
    }

    /// The start of the open slot that contains `t`, or `None` when the service is closed then
    /// (outside office hours, or in a trailing piece shorter than a slot).
    pub(crate) fn slot_of(&self, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let len = self.slot_len();
        let date = self.local_date(t);
        self.ranges(date).find_map(|(open, close)| {
            if t < open || t >= close {
                return None;
            }
            let index = (t - open).num_seconds() / len.num_seconds();
            let start = plus(open, len * i32::try_from(index).ok()?);
            (plus(start, len) <= close).then_some(start)
        })
    }

    /// Every slot start `s` with `from <= s < to`, in time order.
    pub(crate) fn slots_between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<DateTime<Utc>> {
        let mut out = BTreeSet::new();
        if to <= from {
            return Vec::new();
        }
        let len = self.slot_len();
        let Some(mut date) = self.local_date(from).pred_opt() else { return Vec::new() };
        let last = self.local_date(to);
        while date <= last {
            for (open, close) in self.ranges(date) {
                let mut start = open;
                while plus(start, len) <= close && start < to {
                    if start >= from {
                        out.insert(start);
                    }
                    start = plus(start, len);
                }
            }
            let Some(next) = date.succ_opt() else { break };
            date = next;
        }
        out.into_iter().collect()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use chrono::TimeZone;

    use super::*;
    use crate::http::config::{OfficeHours, TimeOfDay, UtcOffset};

    fn at(h: u32, m: u32) -> DateTime<Utc> {
        // 2026-11-23 is a Monday.
        Utc.with_ymd_and_hms(2026, 11, 23, h, m, 0).unwrap()
    }

    #[test]
    fn default_service_slots() {
        let config = ServiceConfig::default();
        let cal = Calendar::new(&config);
        assert_eq!(cal.slot_of(at(8, 0)), Some(at(8, 0)));
        assert_eq!(cal.slot_of(at(8, 14)), Some(at(8, 0)));
        assert_eq!(cal.slot_of(at(17, 59)), Some(at(17, 45)));
        assert_eq!(cal.slot_of(at(18, 0)), None);
        assert_eq!(cal.slot_of(at(7, 59)), None);
        let saturday = Utc.with_ymd_and_hms(2026, 11, 28, 10, 0, 0).unwrap();
        assert_eq!(cal.slot_of(saturday), None);
        let slots = cal.slots_between(at(0, 0), at(0, 0) + TimeDelta::days(1));
        assert_eq!(slots.len(), 40);
        assert_eq!(slots[0], at(8, 0));
        assert_eq!(slots[39], at(17, 45));
    }

    #[test]
    fn offsets_and_short_tails() {
        let config = ServiceConfig {
            utc_offset: "-08:00".parse::<UtcOffset>().unwrap(),
            office_hours: vec![OfficeHours {
                open: TimeOfDay::hm(9, 0),
                close: TimeOfDay::hm(10, 20),
                ..Default::default()
            }],
            slot_minutes: 30,
            ..Default::default()
        };
        let cal = Calendar::new(&config);
        // 09:00 local is 17:00 UTC; 10:00-10:20 is shorter than a slot, so closed.
        assert_eq!(cal.slot_of(at(17, 10)), Some(at(17, 0)));
        assert_eq!(cal.slot_of(at(18, 10)), None);
        assert_eq!(cal.slots_between(at(0, 0), at(23, 59)), vec![at(17, 0), at(17, 30)]);
    }
}
