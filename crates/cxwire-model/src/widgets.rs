//! The Widgets bus (CXBus) services CallbackService and ClickToCallService: configuration,
//! command names and options, resolutions and events (seeds 000-002, WIRE.md section 5).

use std::collections::BTreeMap;

#[cfg(feature = "schema")]
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::macros::{object_only, open_enum};
use crate::scapi::types::UserData;
use crate::secret::SecretString;

/// The rejection message when `schedule` has no form data.
pub const NO_DATA_TO_SCHEDULE: &str = "No data found to schedule callback";
/// The rejection message when `availability` has no query parameters.
pub const NO_AVAILABILITY_QUERY: &str = "No query parameters passed for callback availability service";
/// The default `ajaxTimeout`, milliseconds.
pub const DEFAULT_AJAX_TIMEOUT_MS: u64 = 3000;

open_enum! {
    /// The callback API version (`apiVersion`).
    pub enum ApiVersion {
        /// GMS Callback API v1 (the default).
        V1 = "v1",
        /// Engagement Callback API v3.
        V3 = "v3",
    }
}

/// The `_genesys.widgets.callback` configuration, shared by Callback and CallbackService (and
/// used by ClickToCallService for its endpoint).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(rename_all = "camelCase")]
#[serde(remote = "Self")]
#[cfg_attr(feature = "schema", schemars(rename = "CallbackConfig"))]
pub struct CallbackConfig {
    /// The `x-api-key` value (v3). Never shown by `Debug`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub apikey: Option<SecretString>,
    /// The API endpoint base URL (required).
    #[serde(rename = "dataURL")]
    pub data_url: String,
    /// `v1` (default) or `v3`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_version: Option<ApiVersion>,
    /// The callback virtual queue (required for v3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_name: Option<String>,
    /// Default attached data, merged under each command's `userData`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_data: Option<UserData>,
    /// Milliseconds to wait before a request times out (default 3000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ajax_timeout: Option<u64>,
    /// Whether to validate and normalise phone numbers with country codes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country_codes: Option<bool>,
}

object_only!(CallbackConfig);

impl CallbackConfig {
    /// The API version, `v1` when not set.
    pub fn api_version(&self) -> ApiVersion {
        self.api_version.clone().unwrap_or(ApiVersion::V1)
    }

    /// The timeout in milliseconds, 3000 when not set.
    pub fn ajax_timeout_ms(&self) -> u64 {
        self.ajax_timeout.unwrap_or(DEFAULT_AJAX_TIMEOUT_MS)
    }

    /// The default user data with `overrides` merged over it (keys of `overrides` win), as the
    /// widgets merge a command's `userData` over the configured one.
    pub fn merged_user_data(&self, overrides: Option<&UserData>) -> UserData {
        let mut merged = self.user_data.clone().unwrap_or_default();
        if let Some(o) = overrides {
            merged.extend(o.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
        merged
    }
}

/// Which key carried the desired time of `CallbackService.schedule` options: the seeds'
/// examples write `desiredTime`, their Options tables `desiredtime`. Both are accepted and
/// re-encoded as received.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum DesiredTimeKey {
    /// `desiredTime`, as the examples write it (and cxwire by default).
    #[default]
    CamelCase,
    /// `desiredtime`, as the Options tables write it.
    Lowercase,
}

/// The options of `CallbackService.schedule`. Keys this version does not know are kept in
/// `extra` (see [`ScheduleOptions::unknown_keys`]), never dropped.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ScheduleOptions {
    /// Form field `firstname`.
    pub firstname: Option<String>,
    /// Form field `lastname`.
    pub lastname: Option<String>,
    /// Form field `phonenumber`.
    pub phonenumber: Option<String>,
    /// Form field `email`.
    pub email: Option<String>,
    /// Form field `notes`.
    pub subject: Option<String>,
    /// The desired time, ISO 8601 UTC (`desiredTime` or `desiredtime`).
    pub desired_time: Option<String>,
    /// Which key carries `desired_time` on the wire.
    pub desired_time_key: DesiredTimeKey,
    /// Attached data, merged over the configured default.
    pub user_data: Option<UserData>,
    /// The v3 service name.
    pub service_name: Option<String>,
    /// Keys this version does not know, kept so that re-encoding is lossless.
    pub extra: BTreeMap<String, Value>,
}

/// The options of `CallbackService.schedule`.
#[derive(Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "schema", schemars(
    rename = "ScheduleOptions",
    extend("not" = {
        "required": ["desiredTime", "desiredtime"],
        "properties": { "desiredTime": { "type": "string" }, "desiredtime": { "type": "string" } }
    })
))]
struct ScheduleOptionsWire {
    /// Form field `firstname`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    firstname: Option<String>,
    /// Form field `lastname`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    lastname: Option<String>,
    /// Form field `phonenumber`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    phonenumber: Option<String>,
    /// Form field `email`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    email: Option<String>,
    /// Form field `notes`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    subject: Option<String>,
    /// The desired time, ISO 8601 UTC, as the seeds' examples spell it (not with `desiredtime`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    desired_time: Option<String>,
    /// The desired time, as the seeds' Options tables spell it (not with `desiredTime`).
    #[serde(rename = "desiredtime", default, skip_serializing_if = "Option::is_none")]
    desired_time_lowercase: Option<String>,
    /// Attached data, merged over the configured default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    user_data: Option<UserData>,
    /// The v3 service name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    service_name: Option<String>,
    /// Keys this version does not know.
    #[serde(flatten)]
    extra: BTreeMap<String, Value>,
}

impl Serialize for ScheduleOptions {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (desired_time, desired_time_lowercase) = match self.desired_time_key {
            DesiredTimeKey::CamelCase => (self.desired_time.clone(), None),
            DesiredTimeKey::Lowercase => (None, self.desired_time.clone()),
        };
        ScheduleOptionsWire {
            firstname: self.firstname.clone(),
            lastname: self.lastname.clone(),
            phonenumber: self.phonenumber.clone(),
            email: self.email.clone(),
            subject: self.subject.clone(),
            desired_time,
            desired_time_lowercase,
            user_data: self.user_data.clone(),
            service_name: self.service_name.clone(),
            extra: self.extra.clone(),
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for ScheduleOptions {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let w: ScheduleOptionsWire = crate::macros::deserialize_object(d, "ScheduleOptions")?;
        let (desired_time, desired_time_key) = match (w.desired_time, w.desired_time_lowercase) {
            (Some(_), Some(_)) => {
                return Err(serde::de::Error::custom(
                    "the options have both `desiredTime` and `desiredtime`; give one (they are the same option)",
                ));
            }
            (None, Some(t)) => (Some(t), DesiredTimeKey::Lowercase),
            (t, None) => (t, DesiredTimeKey::CamelCase),
        };
        Ok(Self {
            firstname: w.firstname,
            lastname: w.lastname,
            phonenumber: w.phonenumber,
            email: w.email,
            subject: w.subject,
            desired_time,
            desired_time_key,
            user_data: w.user_data,
            service_name: w.service_name,
            extra: w.extra,
        })
    }
}

#[cfg(feature = "schema")]
impl JsonSchema for ScheduleOptions {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        ScheduleOptionsWire::schema_name()
    }
    fn json_schema(g: &mut schemars::SchemaGenerator) -> schemars::Schema {
        ScheduleOptionsWire::json_schema(g)
    }
}

impl ScheduleOptions {
    /// The keys this version does not know (kept in `extra`), in order: worth a warning, as
    /// the widget ignores them.
    pub fn unknown_keys(&self) -> Vec<&str> {
        self.extra.keys().map(String::as_str).collect()
    }

    /// Whether any form data is present (else the widget rejects with
    /// [`NO_DATA_TO_SCHEDULE`]).
    pub fn has_form_data(&self) -> bool {
        self.firstname.is_some()
            || self.lastname.is_some()
            || self.phonenumber.is_some()
            || self.email.is_some()
            || self.subject.is_some()
            || self.desired_time.is_some()
            || self.user_data.as_ref().is_some_and(|u| !u.is_empty())
    }
}

/// The options of `CallbackService.availability`. Keys this version does not know are kept in
/// `extra` (see [`AvailabilityOptions::unknown_keys`]), never dropped.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(rename_all = "camelCase")]
#[serde(remote = "Self")]
#[cfg_attr(feature = "schema", schemars(rename = "AvailabilityOptions"))]
pub struct AvailabilityOptions {
    /// Start, ISO 8601 UTC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_date: Option<String>,
    /// End, ISO 8601 UTC; with neither this nor `numberOfDays`, the end is the start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_date: Option<String>,
    /// Number of days (a string in the widget's API, e.g. `'5'`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number_of_days: Option<String>,
    /// The most time slots.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_time_slots: Option<u32>,
    /// The v3 service name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_name: Option<String>,
    /// Keys this version does not know, kept so that re-encoding is lossless.
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

object_only!(AvailabilityOptions);

impl AvailabilityOptions {
    /// The keys this version does not know (kept in `extra`), in order: worth a warning, as
    /// the widget ignores them.
    pub fn unknown_keys(&self) -> Vec<&str> {
        self.extra.keys().map(String::as_str).collect()
    }

    /// Whether any query parameter is present (else the widget rejects with
    /// [`NO_AVAILABILITY_QUERY`]).
    pub fn has_query(&self) -> bool {
        self.start_date.is_some()
            || self.end_date.is_some()
            || self.number_of_days.is_some()
            || self.max_time_slots.is_some()
            || self.service_name.is_some()
    }
}

/// The options of `ClickToCallService.requestNumber`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(rename_all = "camelCase")]
#[serde(remote = "Self")]
#[cfg_attr(feature = "schema", schemars(rename = "RequestNumberOptions"))]
pub struct RequestNumberOptions {
    /// The customer's number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phonenumber: Option<String>,
    /// Attached data, merged over the configured default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_data: Option<UserData>,
}

object_only!(RequestNumberOptions);

open_enum! {
    /// The bus commands of the two services (`<Plugin>.<command>`).
    pub enum Command {
        /// Internal: configure once at startup.
        CallbackServiceConfigure = "CallbackService.configure",
        /// Schedule a callback.
        CallbackServiceSchedule = "CallbackService.schedule",
        /// Query available time slots.
        CallbackServiceAvailability = "CallbackService.availability",
        /// Internal: configure once at startup.
        ClickToCallServiceConfigure = "ClickToCallService.configure",
        /// Restore the saved session data (never rejected).
        ClickToCallServiceRestore = "ClickToCallService.restore",
        /// Request an access number and code.
        ClickToCallServiceRequestNumber = "ClickToCallService.requestNumber",
    }
}

open_enum! {
    /// The events CallbackService publishes (`CallbackService.<event>`).
    pub enum CallbackServiceEvent {
        /// Initialised and ready for commands.
        Ready = "CallbackService.ready",
        /// A callback was scheduled (data: the server's answer).
        Scheduled = "CallbackService.scheduled",
        /// Scheduling failed (data: the server's JSON).
        ScheduleError = "CallbackService.scheduleError",
        /// Slots were fetched (data: the server's answer).
        AvailableSlots = "CallbackService.availableSlots",
        /// Fetching slots failed (data: the server's JSON).
        AvailabilityError = "CallbackService.availabilityError",
    }
}

/// A message published on the bus: subscribers receive `{data: ...}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(remote = "Self")]
#[cfg_attr(feature = "schema", schemars(rename = "BusMessage"))]
pub struct BusMessage {
    /// The event's data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
}

object_only!(BusMessage);

open_enum! {
    /// The documented reasons a `schedule` or `availability` command is rejected.
    pub enum Rejection {
        /// 400: the time slot is not available (or no slots in the period, bad request).
        BadRequest = "400",
        /// 429: too many requests (v3 proposes other slots).
        TooManyRequests = "429",
        /// 500: server exception.
        ServerException = "500",
        /// No form data to schedule.
        NoDataToSchedule = "No data found to schedule callback",
        /// No availability query.
        NoAvailabilityQuery = "No query parameters passed for callback availability service",
    }
}
