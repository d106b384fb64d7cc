//! Times on the wire: ISO 8601 UTC with milliseconds (`yyyy-MM-ddTHH:mm:ss.SSSZ`), and the
//! expiration times of click to call.

use chrono::{DateTime, NaiveDateTime, SecondsFormat, SubsecRound, TimeDelta, Utc};
use cxwire_model::http::gms_v1::TimeValue;

/// Formats a time as the APIs want it: `2017-04-04T00:24:17.804Z`.
pub fn format(time: &DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Parses an ISO 8601 / RFC 3339 time with any offset (converted to UTC); a time without an
/// offset (`2017-04-04T00:24:17.804`) is read as UTC, as the widgets document every time as UTC.
///
/// # Errors
/// The text is not such a time.
pub fn parse(text: &str) -> Result<DateTime<Utc>, chrono::ParseError> {
    match DateTime::parse_from_rfc3339(text) {
        Ok(t) => Ok(t.with_timezone(&Utc)),
        Err(e) => NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f").map(|n| n.and_utc()).map_err(|_| e),
    }
}

/// Reads an expiration time of click to call. The unit is not documented (WIRE.md section 4), so:
/// an ISO 8601 text is that instant; a number (or a text of digits) of at least 10^12 is epoch
/// milliseconds, of at least 10^9 epoch seconds, and anything smaller a number of seconds from
/// `now` (GMS answers `"30"`), kept to the millisecond. `None` when the value is none of these.
pub fn expiration(value: &TimeValue, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    match value {
        TimeValue::Number(n) => expiration_number(*n, now),
        TimeValue::Text(text) => {
            let text = text.trim();
            match text.parse::<i64>() {
                Ok(n) => expiration_number(n, now),
                Err(_) => parse(text).ok(),
            }
        }
    }
}

pub(crate) fn expiration_number(n: i64, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    if n >= 1_000_000_000_000 {
        DateTime::from_timestamp_millis(n)
    } else if n >= 1_000_000_000 {
        DateTime::from_timestamp(n, 0)
    } else if n >= 0 {
        // Kept to the millisecond, the precision of the wire.
        now.trunc_subsecs(3).checked_add_signed(TimeDelta::seconds(n))
    } else {
        None
    }
}

/// `Option<DateTime<Utc>>` as an optional wire time, for serde `with`.
pub(crate) mod serde_opt {
    use chrono::{DateTime, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer>(time: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
        match time {
            Some(t) => s.serialize_str(&super::format(t)),
            None => s.serialize_none(),
        }
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
        match Option::<String>::deserialize(d)? {
            Some(text) => super::parse(&text).map(Some).map_err(serde::de::Error::custom),
            None => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_with_milliseconds_and_z() {
        let t = parse("2017-04-04T00:24:17.804Z").unwrap();
        assert_eq!(format(&t), "2017-04-04T00:24:17.804Z");
        let t = parse("2017-04-04T02:24:17+02:00").unwrap();
        assert_eq!(format(&t), "2017-04-04T00:24:17.000Z");
        let t = parse("2017-04-04T00:24:17.8").unwrap();
        assert_eq!(format(&t), "2017-04-04T00:24:17.800Z");
        assert!(parse("tomorrow").is_err());
    }

    #[test]
    fn expiration_units() {
        let now = parse("2026-11-23T17:00:00.000Z").unwrap();
        let secs = expiration(&TimeValue::Text("30".into()), now).unwrap();
        assert_eq!(format(&secs), "2026-11-23T17:00:30.000Z");
        let epoch = expiration(&TimeValue::Number(1_795_248_000), now).unwrap();
        assert_eq!(format(&epoch), "2026-11-21T08:00:00.000Z");
        let millis = expiration(&TimeValue::Number(1_795_248_000_123), now).unwrap();
        assert_eq!(format(&millis), "2026-11-21T08:00:00.123Z");
        let iso = expiration(&TimeValue::Text("2026-11-23T18:00:00.000Z".into()), now).unwrap();
        assert_eq!(format(&iso), "2026-11-23T18:00:00.000Z");
        assert_eq!(expiration(&TimeValue::Text("soon".into()), now), None);
        assert_eq!(expiration(&TimeValue::Number(-1), now), None);
    }
}
