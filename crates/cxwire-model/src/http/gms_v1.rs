//! GMS Callback Services API v1 (on premises) and GMS request-interaction (click to call).

use std::collections::BTreeMap;

#[cfg(feature = "schema")]
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::macros::{open_enum, wire_object};

/// Free capacity per time slot: ISO 8601 UTC time to the number of callbacks that can still be
/// booked (the answer of `GET .../availability`, and `availability` of a failed reschedule).
pub type Availability = BTreeMap<String, u32>;

/// The body of `POST .../callback/{service}`: start a callback now, or schedule it when
/// `_desired_time` is present. Any other key becomes attached data.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
pub struct ScheduleRequest {
    /// The number to call back (required).
    #[serde(rename = "_customer_number")]
    pub customer_number: String,
    /// When to call back, ISO 8601 UTC; absent means as soon as possible.
    #[serde(rename = "_desired_time", default, skip_serializing_if = "Option::is_none")]
    pub desired_time: Option<String>,
    /// Redirect to another service, e.g. `request-interaction`.
    #[serde(rename = "_redirect", default, skip_serializing_if = "Option::is_none")]
    pub redirect: Option<String>,
    /// Attached data (every other key).
    #[serde(flatten)]
    pub attached_data: BTreeMap<String, Value>,
}

wire_object! {
    /// The answer of a started or scheduled callback: a confirmation dialog.
    pub struct ScheduleResponse {
        /// The callback id.
        "_id" => id: String,
        /// `ConfirmationDialog`.
        "_action" => action: String,
        /// The text to show.
        "_text" => text: String,
        /// The label of the OK button.
        "_ok_title" => ok_title: String,
        /// The dialog id.
        "_dialog_id" => dialog_id: String,
    }
}

/// The body of `PUT .../callback/{service}/{id}`: reschedule.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
pub struct RescheduleRequest {
    /// The new time, ISO 8601 UTC.
    #[serde(rename = "_new_desired_time")]
    pub new_desired_time: String,
    /// A new callback state.
    #[serde(rename = "_callback_state", default, skip_serializing_if = "Option::is_none")]
    pub callback_state: Option<CallbackState>,
    /// Attached data to update (every other key).
    #[serde(flatten)]
    pub attached_data: BTreeMap<String, Value>,
}

open_enum! {
    /// The state of a GMS callback.
    pub enum CallbackState {
        /// Scheduled for later.
        Scheduled = "SCHEDULED",
        /// Waiting in queue.
        Queued = "QUEUED",
        /// Being routed.
        Routing = "ROUTING",
        /// Being processed.
        Processing = "PROCESSING",
        /// Completed.
        Completed = "COMPLETED",
    }
}

wire_object! {
    /// A callback record (query by id or by properties); attached data is kept in `extra`.
    pub struct CallbackRecord {
        /// The callback id.
        "_id" => id: String,
        /// When the callback is wanted, ISO 8601 UTC.
        "_desired_time" => desired_time: String,
        /// The callback service.
        "_service_name" => service_name: String,
        /// The state.
        "_callback_state" => callback_state: CallbackState,
        /// When the callback expires.
        "_expiration_time" => expiration_time: String,
        /// The number to call.
        "_customer_number" => customer_number: String,
        /// Why the callback ended (e.g. `COMPLETED`, `CANCELLED`).
        "_callback_reason" => callback_reason: String,
    }
}

/// The answer of a query: an array of records.
pub type Records = Vec<CallbackRecord>;

wire_object! {
    /// A GMS error body: `{exception, message}` (400 slot not available or bad number, 503 queue
    /// limit, not found); a failed reschedule may add the free `availability`.
    pub struct ErrorBody {
        /// The Java exception class.
        "exception" => exception: String,
        /// The message.
        "message" => message: String,
        /// Free capacity near the refused time (failed reschedule).
        "availability" => availability: Availability,
    }
}

/// The query of `GET .../callback/{service}/availability`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
pub struct AvailabilityQuery {
    /// Start, ISO 8601 UTC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<String>,
    /// End, ISO 8601 UTC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<String>,
    /// Number of days (an alternative to `end`).
    #[serde(rename = "number-of-days", default, skip_serializing_if = "Option::is_none")]
    pub number_of_days: Option<u32>,
    /// The most time slots to return.
    #[serde(rename = "max-time-slots", default, skip_serializing_if = "Option::is_none")]
    pub max_time_slots: Option<u32>,
}

/// The body of `POST /genesys/1/service/request-interaction` (click to call).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
pub struct RequestInteractionRequest {
    /// The customer's number.
    #[serde(rename = "_customer_number", default, skip_serializing_if = "Option::is_none")]
    pub customer_number: Option<String>,
    /// Attached data (every other key).
    #[serde(flatten)]
    pub attached_data: BTreeMap<String, Value>,
}

/// A time as GMS may send it: an ISO 8601 string or a number (the unit of
/// `_expiration_time` is not documented).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(untagged)]
pub enum TimeValue {
    /// A number (epoch seconds or milliseconds).
    Number(i64),
    /// A string (ISO 8601, or digits).
    Text(String),
}

wire_object! {
    /// The answer of request-interaction: the number to call and the code to enter.
    pub struct RequestInteractionResponse {
        /// The access number to dial.
        "_access_number" => access_number: String,
        /// The access code to enter.
        "_access_code" => access_code: String,
        /// When the number expires.
        "_expiration_time" => expiration_time: TimeValue,
        /// The request id.
        "_id" => id: String,
    }
}
