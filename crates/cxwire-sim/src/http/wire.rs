//! What both APIs share on the wire: times, phone numbers, request bodies (JSON or form),
//! availability windows, and the answer type.

use chrono::{DateTime, NaiveDateTime, SecondsFormat, TimeDelta, Utc};
use hyper::header::{CONTENT_TYPE, HeaderMap, HeaderValue};
use hyper::{Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

/// A request, read whole.
#[derive(Debug)]
pub(crate) struct Incoming {
    pub(crate) method: Method,
    /// The path segments after the API's prefix, percent-decoded, empty ones left out.
    pub(crate) segments: Vec<String>,
    pub(crate) query: Vec<(String, String)>,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Vec<u8>,
}

impl Incoming {
    /// The segments as `&str`, for matching.
    pub(crate) fn path(&self) -> Vec<&str> {
        self.segments.iter().map(String::as_str).collect()
    }

    /// The last value of a query parameter.
    pub(crate) fn query_value(&self, name: &str) -> Option<&str> {
        self.query.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// Whether the body is an HTML form (`application/x-www-form-urlencoded`).
    pub(crate) fn is_form(&self) -> bool {
        self.headers
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim().to_ascii_lowercase().starts_with("application/x-www-form-urlencoded"))
    }

    /// Decodes the body into a model type: JSON, or a form whose fields become JSON strings.
    pub(crate) fn body_as<T: DeserializeOwned>(&self) -> Result<T, String> {
        let value = if self.is_form() {
            let fields: Map<String, Value> = form_urlencoded::parse(&self.body)
                .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
                .collect();
            Value::Object(fields)
        } else {
            if self.body.iter().all(u8::is_ascii_whitespace) {
                return Err("The request body is empty".into());
            }
            serde_json::from_slice::<Value>(&self.body).map_err(|e| format!("Malformed JSON body: {e}"))?
        };
        if !value.is_object() {
            return Err("The request body must be a JSON object".into());
        }
        serde_json::from_value(value).map_err(|e| format!("Invalid request body: {e}"))
    }
}

/// An answer: a status, a JSON body (or none), extra headers.
#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) status: StatusCode,
    pub(crate) body: Option<Vec<u8>>,
    pub(crate) headers: Vec<(&'static str, HeaderValue)>,
}

impl Reply {
    pub(crate) fn json<T: Serialize>(status: StatusCode, body: &T) -> Self {
        match serde_json::to_vec(body) {
            Ok(bytes) => Self { status, body: Some(bytes), headers: Vec::new() },
            Err(_) => Self {
                status: StatusCode::INTERNAL_SERVER_ERROR,
                body: Some(br#"{"message":"the simulator could not encode its answer"}"#.to_vec()),
                headers: Vec::new(),
            },
        }
    }

    pub(crate) fn empty(status: StatusCode) -> Self {
        Self { status, body: None, headers: Vec::new() }
    }

    pub(crate) fn header(mut self, name: &'static str, value: impl ToString) -> Self {
        if let Ok(value) = HeaderValue::from_str(&value.to_string()) {
            self.headers.push((name, value));
        }
        self
    }
}

/// Formats a time as both APIs write it: `2026-11-23T17:00:00.000Z`.
pub(crate) fn format_time(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// `t + delta`, saturating at the ends of the representable range (times come from clients and
/// from a manual clock, so arithmetic on them must not panic).
pub(crate) fn plus(t: DateTime<Utc>, delta: TimeDelta) -> DateTime<Utc> {
    t.checked_add_signed(delta).unwrap_or(if delta < TimeDelta::zero() {
        DateTime::<Utc>::MIN_UTC
    } else {
        DateTime::<Utc>::MAX_UTC
    })
}

/// Parses an ISO 8601 time with any offset; without an offset it is UTC (as the widgets
/// document every time).
pub(crate) fn parse_time(text: &str) -> Result<DateTime<Utc>, String> {
    let text = text.trim();
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f").map(|n| n.and_utc()))
        .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M").map(|n| n.and_utc()))
        .map_err(|_| format!("{text:?} is not an ISO 8601 time"))
}

/// An optional time field: absent or empty means none.
pub(crate) fn optional_time(text: Option<&str>, name: &str) -> Result<Option<DateTime<Utc>>, String> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(t) => parse_time(t).map(Some).map_err(|e| format!("Invalid {name}: {e}")),
    }
}

/// A phone number the simulator accepts: an optional leading `+`, then 7 to 15 digits, with
/// spaces, dots, dashes and parentheses allowed between them.
pub(crate) fn valid_phone(number: &str) -> bool {
    let number = number.trim();
    let rest = number.strip_prefix('+').unwrap_or(number);
    let digits = rest.chars().filter(char::is_ascii_digit).count();
    rest.chars().all(|c| c.is_ascii_digit() || matches!(c, ' ' | '.' | '-' | '(' | ')')) && (7..=15).contains(&digits)
}

/// The window of an availability query from its `start` and `end` texts (see [`window`]).
pub(crate) fn query_window(
    now: DateTime<Utc>,
    start: Option<&str>,
    end: Option<&str>,
    days: Option<u32>,
) -> Result<(DateTime<Utc>, DateTime<Utc>), String> {
    window(now, optional_time(start, "start")?, optional_time(end, "end")?, days)
}

/// The window of an availability query: `[from, to)`. `end` is inclusive (a slot starting at
/// `end` is listed); else `numberOfDays` from the start; else one day. `start` defaults to now.
pub(crate) fn window(
    now: DateTime<Utc>,
    start: Option<DateTime<Utc>>,
    end: Option<DateTime<Utc>>,
    days: Option<u32>,
) -> Result<(DateTime<Utc>, DateTime<Utc>), String> {
    let from = start.unwrap_or(now);
    let to = match (end, days) {
        (Some(end), _) if end < from => return Err("The end is before the start".into()),
        (Some(end), _) => plus(end, TimeDelta::milliseconds(1)),
        (None, Some(0)) => return Err("The number of days must be at least 1".into()),
        (None, Some(days)) => plus(from, TimeDelta::days(i64::from(days.min(366)))),
        (None, None) => plus(from, TimeDelta::days(1)),
    };
    Ok((from, to))
}

/// A whole number query parameter.
pub(crate) fn number_param(value: Option<&str>, name: &str) -> Result<Option<u32>, String> {
    value
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(|v| v.parse::<u32>().map_err(|_| format!("Invalid {name}: {v:?} is not a whole number")))
        .transpose()
}

/// Percent-decodes a path segment (`+` stays a plus).
pub(crate) fn decode_segment(segment: &str) -> String {
    percent_encoding::percent_decode_str(segment).decode_utf8_lossy().into_owned()
}

/// A query string's pairs, decoded.
pub(crate) fn query_pairs(query: Option<&str>) -> Vec<(String, String)> {
    query.map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect()).unwrap_or_default()
}

/// A JSON value as a query compares it: strings as they are, anything else as JSON text.
pub(crate) fn value_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn phones() {
        for ok in ["4151110000", "+14151110000", "+1 (415) 111-0000", "415.111.0000"] {
            assert!(valid_phone(ok), "{ok}");
        }
        for bad in ["", "41511", "+", "call me", "4151110000x", "1234567890123456"] {
            assert!(!valid_phone(bad), "{bad}");
        }
    }

    #[test]
    fn times() {
        let t = parse_time("2026-11-23T17:00:00.000Z").unwrap();
        assert_eq!(format_time(t), "2026-11-23T17:00:00.000Z");
        assert_eq!(format_time(parse_time("2026-11-23T09:00:00-08:00").unwrap()), "2026-11-23T17:00:00.000Z");
        assert_eq!(format_time(parse_time("2026-11-23T17:00").unwrap()), "2026-11-23T17:00:00.000Z");
        assert!(parse_time("tomorrow").is_err());
        assert_eq!(optional_time(Some(" "), "x").unwrap(), None);
    }

    #[test]
    fn windows() {
        let now = parse_time("2026-11-23T08:00:00Z").unwrap();
        let (from, to) = window(now, None, None, None).unwrap();
        assert_eq!((from, to - from), (now, TimeDelta::days(1)));
        let (_, to) = window(now, Some(now), Some(now), None).unwrap();
        assert_eq!(to - now, TimeDelta::milliseconds(1));
        assert!(window(now, Some(now), Some(now - TimeDelta::hours(1)), None).is_err());
        assert!(window(now, None, None, Some(0)).is_err());
    }
}
