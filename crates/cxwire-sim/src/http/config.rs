//! The configuration of the HTTP simulator: callback services with their capacity model, the
//! Engagement v3 API key and the click-to-call access numbers.
//!
//! Every struct is `#[serde(default)]`, so a configuration file only names what differs from
//! [`Default::default()`]; unknown keys are refused so that a typo is not silently ignored.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use chrono::{FixedOffset, Offset, Utc, Weekday};
use cxwire_model::SecretString;
use serde::{Deserialize, Serialize};

use super::error::HttpSimError;

/// The default v3 API key (`x-api-key`).
pub const DEFAULT_API_KEY: &str = "cxwire-sim-key";
/// The name of the service of the default configuration.
pub const DEFAULT_SERVICE: &str = "samples";
/// The default limit of a request body, in bytes.
pub const DEFAULT_MAX_BODY_BYTES: usize = 64 * 1024;
/// The default number of callbacks the simulator keeps.
pub const DEFAULT_MAX_STORED_CALLBACKS: usize = 10_000;
/// The default total size of the attached data of the stored callbacks (as JSON), in bytes.
pub const DEFAULT_MAX_STORED_DATA_BYTES: usize = 16 * 1024 * 1024;
/// The default time a client has to send a request's headers, and then its body, in ms.
pub const DEFAULT_READ_TIMEOUT_MS: u64 = 10_000;
/// The default time an answer may wait for a client that does not read it, in ms.
pub const DEFAULT_WRITE_TIMEOUT_MS: u64 = 10_000;

/// The whole HTTP simulator configuration.
///
/// `HttpSimConfig::default()` is a working simulator: one service `samples` open 08:00-18:00
/// Monday to Friday UTC with 15-minute slots of capacity 2, the API key [`DEFAULT_API_KEY`],
/// three access numbers valid 300 seconds.
///
/// ```
/// use cxwire_sim::http::HttpSimConfig;
///
/// let config: HttpSimConfig = serde_json::from_str(r#"{
///     "apiKey": "my-key",
///     "services": {"support": {"utcOffset": "-08:00", "timezone": "America/Los_Angeles", "capacity": 10}}
/// }"#).unwrap();
/// assert_eq!(config.services["support"].slot_minutes, 15);
/// config.validate().unwrap();
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct HttpSimConfig {
    /// The callback services (GMS v1 `{service}`, v3 `serviceName` and call-in `groupName`),
    /// by name.
    pub services: BTreeMap<String, ServiceConfig>,
    /// The Engagement v3 API key every v3 call must carry in `x-api-key`.
    pub api_key: SecretString,
    /// Click to call (GMS request-interaction, v3 call-in).
    pub click_to_call: ClickToCallConfig,
    /// The largest request body accepted, in bytes (default [`DEFAULT_MAX_BODY_BYTES`]); a
    /// bigger one is answered 413 (in the API's error shape) and the connection is closed after
    /// at most 1 MiB more is read, with or without `Content-Length`.
    pub max_body_bytes: usize,
    /// The most callbacks kept (default [`DEFAULT_MAX_STORED_CALLBACKS`]), cancelled and
    /// completed ones included. When a new callback would pass it, the oldest completed
    /// callbacks are forgotten; when all are active, the request is answered 503 (GMS
    /// `ServiceUnavailableException`, v3 `{status}`).
    pub max_stored_callbacks: usize,
    /// The most attached data kept over all callbacks, counted as its JSON size in bytes
    /// (default [`DEFAULT_MAX_STORED_DATA_BYTES`]); passing it is handled as for
    /// `maxStoredCallbacks` (a reschedule that merges more data is answered 503 too).
    pub max_stored_data_bytes: usize,
    /// How long a client may take to send a request's headers (counted from the connection's
    /// start or the end of the previous answer), and then its body, in ms (default
    /// [`DEFAULT_READ_TIMEOUT_MS`]). Late headers close the connection; a late body is answered
    /// 408.
    pub read_timeout_ms: u64,
    /// How long the writing of an answer may stay blocked because the client does not read,
    /// in ms (default [`DEFAULT_WRITE_TIMEOUT_MS`]); then the connection is closed.
    pub write_timeout_ms: u64,
    /// The longest availability window answered, in days; a longer one is shortened to it. It
    /// also bounds the search for proposed slots.
    pub max_availability_days: u32,
}

impl Default for HttpSimConfig {
    fn default() -> Self {
        Self {
            services: BTreeMap::from([(DEFAULT_SERVICE.to_owned(), ServiceConfig::default())]),
            api_key: SecretString::new(DEFAULT_API_KEY),
            click_to_call: ClickToCallConfig::default(),
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            max_stored_callbacks: DEFAULT_MAX_STORED_CALLBACKS,
            max_stored_data_bytes: DEFAULT_MAX_STORED_DATA_BYTES,
            read_timeout_ms: DEFAULT_READ_TIMEOUT_MS,
            write_timeout_ms: DEFAULT_WRITE_TIMEOUT_MS,
            max_availability_days: 31,
        }
    }
}

impl HttpSimConfig {
    /// Checks the values that serde cannot: names, ranges, office hours.
    ///
    /// # Errors
    /// [`HttpSimError::Config`] naming the first offending value.
    pub fn validate(&self) -> Result<(), HttpSimError> {
        let bad = |what: String| Err(HttpSimError::Config(what));
        if self.api_key.is_empty() {
            return bad("apiKey is empty".into());
        }
        if self.max_body_bytes < 256 {
            return bad(format!("maxBodyBytes is {}, at least 256 are needed", self.max_body_bytes));
        }
        if self.max_stored_callbacks == 0 {
            return bad("maxStoredCallbacks is 0, at least 1 is needed".into());
        }
        if self.read_timeout_ms == 0 {
            return bad("readTimeoutMs is 0, at least 1 is needed".into());
        }
        if self.write_timeout_ms == 0 {
            return bad("writeTimeoutMs is 0, at least 1 is needed".into());
        }
        if !(1..=366).contains(&self.max_availability_days) {
            return bad(format!("maxAvailabilityDays is {}, expected 1 to 366", self.max_availability_days));
        }
        for (name, service) in &self.services {
            if name.is_empty() || name.contains('/') {
                return bad(format!("service name {name:?} must be non-empty and without '/'"));
            }
            service.validate().map_err(|e| HttpSimError::Config(format!("service {name:?}: {e}")))?;
        }
        self.click_to_call.validate().map_err(|e| HttpSimError::Config(format!("clickToCall: {e}")))
    }
}

/// A callback service and its capacity model.
///
/// Each day's open ranges are cut into slots of `slotMinutes` from the opening time; a trailing
/// piece shorter than a slot is closed. Every slot takes `capacity` scheduled callbacks.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct ServiceConfig {
    /// The service's fixed offset from UTC (`+00:00`, `-08:00`, `Z`); office hours are in it.
    pub utc_offset: UtcOffset,
    /// The time zone name v3 reports (`timezone`); without it, the offset (`UTC` for zero).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    /// When the service is open, in its local time.
    pub office_hours: Vec<OfficeHours>,
    /// The slot length, minutes (v3 `durationMin`).
    pub slot_minutes: u32,
    /// How many scheduled callbacks one slot takes.
    pub capacity: u32,
    /// The most active (not `COMPLETED`) callbacks the service keeps; one more is answered 503.
    /// `None`: no limit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub queue_limit: Option<u32>,
    /// `_expiration_time` is the desired time plus this many minutes.
    pub expiration_minutes: u32,
    /// How many free slots a refusal proposes (v3 429 `data.slots`, v1 reschedule `availability`).
    pub proposed_slots: u32,
    /// The estimated handling time of one queued callback, seconds (v3 `estimatedWaitTime` is the
    /// position in queue times this).
    pub average_handle_seconds: u32,
    /// When true, an as-soon-as-possible callback outside office hours is refused like a closed
    /// slot; by default it is queued whatever the time (so that a simulator on the system clock
    /// behaves the same at any hour).
    pub asap_requires_open: bool,
}

impl Default for ServiceConfig {
    fn default() -> Self {
        Self {
            utc_offset: UtcOffset::default(),
            timezone: None,
            office_hours: vec![OfficeHours::default()],
            slot_minutes: 15,
            capacity: 2,
            queue_limit: None,
            expiration_minutes: 60,
            proposed_slots: 3,
            average_handle_seconds: 90,
            asap_requires_open: false,
        }
    }
}

impl ServiceConfig {
    fn validate(&self) -> Result<(), String> {
        if !(1..=1440).contains(&self.slot_minutes) {
            return Err(format!("slotMinutes is {}, expected 1 to 1440", self.slot_minutes));
        }
        for hours in &self.office_hours {
            if hours.open >= hours.close {
                return Err(format!(
                    "office hours {} to {}: the opening must be before the closing",
                    hours.open, hours.close
                ));
            }
        }
        Ok(())
    }

    /// The time zone name reported by v3.
    pub fn timezone_name(&self) -> String {
        match &self.timezone {
            Some(name) => name.clone(),
            None => self.utc_offset.to_string(),
        }
    }
}

/// Opening hours on some weekdays, in the service's local time.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct OfficeHours {
    /// The days (`Mon`, `tue`, `Wednesday`, ...).
    pub days: Vec<Weekday>,
    /// Opening time, `HH:MM`.
    pub open: TimeOfDay,
    /// Closing time, `HH:MM` (`24:00` for midnight).
    pub close: TimeOfDay,
}

impl Default for OfficeHours {
    /// Monday to Friday, 08:00 to 18:00.
    fn default() -> Self {
        Self {
            days: vec![Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri],
            open: TimeOfDay::hm(8, 0),
            close: TimeOfDay::hm(18, 0),
        }
    }
}

/// A time of day with minute precision, `00:00` to `24:00`, written `HH:MM`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TimeOfDay(u16);

impl TimeOfDay {
    /// `hour:minute`, saturating at `24:00`.
    pub fn hm(hour: u16, minute: u16) -> Self {
        Self((hour.saturating_mul(60).saturating_add(minute)).min(24 * 60))
    }

    /// Minutes since midnight.
    pub fn minutes(self) -> u32 {
        u32::from(self.0)
    }
}

impl fmt::Display for TimeOfDay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.0 / 60, self.0 % 60)
    }
}

impl FromStr for TimeOfDay {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let bad = || format!("{text:?} is not a time of day HH:MM (00:00 to 24:00)");
        let (h, m) = text.trim().split_once(':').ok_or_else(bad)?;
        let h: u16 = h.parse().map_err(|_| bad())?;
        let m: u16 = m.parse().map_err(|_| bad())?;
        if h > 24 || m > 59 || (h == 24 && m != 0) {
            return Err(bad());
        }
        Ok(Self(h * 60 + m))
    }
}

impl TryFrom<String> for TimeOfDay {
    type Error = String;
    fn try_from(text: String) -> Result<Self, String> {
        text.parse()
    }
}

impl From<TimeOfDay> for String {
    fn from(time: TimeOfDay) -> Self {
        time.to_string()
    }
}

/// A fixed offset from UTC, written `+HH:MM`, `-HH:MM`, `Z` or `UTC`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct UtcOffset(FixedOffset);

impl UtcOffset {
    /// UTC itself.
    pub fn utc() -> Self {
        Self(Utc.fix())
    }

    /// The offset.
    pub fn fixed(self) -> FixedOffset {
        self.0
    }

    /// An offset of `seconds` east of UTC, if within a day.
    pub fn from_seconds(seconds: i32) -> Option<Self> {
        FixedOffset::east_opt(seconds).map(Self)
    }
}

impl Default for UtcOffset {
    fn default() -> Self {
        Self::utc()
    }
}

impl fmt::Display for UtcOffset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let seconds = self.0.local_minus_utc();
        if seconds == 0 {
            return f.write_str("UTC");
        }
        let sign = if seconds < 0 { '-' } else { '+' };
        let minutes = seconds.unsigned_abs() / 60;
        write!(f, "{sign}{:02}:{:02}", minutes / 60, minutes % 60)
    }
}

impl FromStr for UtcOffset {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let bad = || format!("{text:?} is not a UTC offset (+HH:MM, -HH:MM, Z or UTC)");
        let t = text.trim();
        let t = t.strip_prefix("UTC").or_else(|| t.strip_prefix("GMT")).unwrap_or(t);
        if t.is_empty() || t == "Z" {
            return Ok(Self::utc());
        }
        let (sign, rest) = match t.as_bytes().first() {
            Some(b'+') => (1, &t[1..]),
            Some(b'-') => (-1, &t[1..]),
            _ => return Err(bad()),
        };
        let (h, m) = match rest.split_once(':') {
            Some((h, m)) => (h, m),
            None if rest.len() == 4 => rest.split_at(2),
            None => (rest, "0"),
        };
        let h: i32 = h.parse().map_err(|_| bad())?;
        let m: i32 = m.parse().map_err(|_| bad())?;
        if h > 18 || m > 59 {
            return Err(bad());
        }
        Self::from_seconds(sign * (h * 3600 + m * 60)).ok_or_else(bad)
    }
}

impl TryFrom<String> for UtcOffset {
    type Error = String;
    fn try_from(text: String) -> Result<Self, String> {
        text.parse()
    }
}

impl From<UtcOffset> for String {
    fn from(offset: UtcOffset) -> Self {
        offset.to_string()
    }
}

/// Click to call: the pool of access numbers and how long one stays reserved.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct ClickToCallConfig {
    /// The access numbers customers dial. Each request reserves one until it expires; when none
    /// is free the request is answered 503.
    pub access_numbers: Vec<String>,
    /// How long an access number and code stay valid, seconds.
    pub expiry_seconds: u32,
    /// The number of digits of an access code (1 to 9).
    pub code_digits: u32,
}

impl Default for ClickToCallConfig {
    fn default() -> Self {
        Self {
            access_numbers: vec!["+18005550100".into(), "+18005550101".into(), "+18005550102".into()],
            expiry_seconds: 300,
            code_digits: 4,
        }
    }
}

impl ClickToCallConfig {
    fn validate(&self) -> Result<(), String> {
        if self.expiry_seconds == 0 {
            return Err("expirySeconds must be at least 1".into());
        }
        if !(1..=9).contains(&self.code_digits) {
            return Err(format!("codeDigits is {}, expected 1 to 9", self.code_digits));
        }
        if let Some(empty) = self.access_numbers.iter().position(|n| n.trim().is_empty()) {
            return Err(format!("accessNumbers[{empty}] is empty"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn defaults_round_trip_and_validate() {
        let config = HttpSimConfig::default();
        config.validate().unwrap();
        let json = serde_json::to_value(&config).unwrap();
        assert_eq!(json["services"]["samples"]["officeHours"][0]["open"], "08:00");
        assert_eq!(json["services"]["samples"]["utcOffset"], "UTC");
        let back: HttpSimConfig = serde_json::from_value(json).unwrap();
        assert_eq!(back, config);
        let empty: HttpSimConfig = serde_json::from_str("{}").unwrap();
        assert_eq!(empty, config);
    }

    #[test]
    fn times_and_offsets_parse() {
        assert_eq!("08:30".parse::<TimeOfDay>().unwrap().minutes(), 510);
        assert_eq!("24:00".parse::<TimeOfDay>().unwrap().minutes(), 1440);
        assert!("24:01".parse::<TimeOfDay>().is_err());
        assert!("8".parse::<TimeOfDay>().is_err());
        assert_eq!("-08:00".parse::<UtcOffset>().unwrap().fixed().local_minus_utc(), -8 * 3600);
        assert_eq!("+0530".parse::<UtcOffset>().unwrap().to_string(), "+05:30");
        assert_eq!("Z".parse::<UtcOffset>().unwrap(), UtcOffset::utc());
        assert_eq!("UTC+02:00".parse::<UtcOffset>().unwrap().to_string(), "+02:00");
        assert!("America/Los_Angeles".parse::<UtcOffset>().is_err());
    }

    #[test]
    fn bad_values_are_named() {
        let mut config = HttpSimConfig::default();
        config.services.insert("x".into(), ServiceConfig { slot_minutes: 0, ..Default::default() });
        let e = config.validate().unwrap_err().to_string();
        assert!(e.contains("\"x\"") && e.contains("slotMinutes"), "{e}");
        let hours = OfficeHours { open: TimeOfDay::hm(18, 0), close: TimeOfDay::hm(8, 0), ..Default::default() };
        let mut config = HttpSimConfig::default();
        config.services.insert("y".into(), ServiceConfig { office_hours: vec![hours], ..Default::default() });
        assert!(config.validate().is_err());
        let unknown = serde_json::from_str::<HttpSimConfig>(r#"{"apikey": "x"}"#).unwrap_err();
        assert!(unknown.to_string().contains("apikey"));
    }
}
