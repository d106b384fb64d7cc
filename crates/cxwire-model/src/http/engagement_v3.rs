//! Engagement Callback API v3 (cloud): `{status, data}` envelopes, `x-api-key` on every call.

#[cfg(feature = "schema")]
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::gms_v1::CallbackState;
use crate::macros::{object_only, wire_object};
use crate::scapi::types::UserData;

/// The header that carries the API key.
pub const API_KEY_HEADER: &str = "x-api-key";

wire_object! {
    /// The `status` of every v3 answer.
    pub struct Status {
        /// The status code (mirrors the HTTP status).
        "code" => code: u16,
        /// The message.
        "message" => message: String,
        /// The correlation id, for support.
        "corrId" => corr_id: String,
    }
}

/// A v3 answer: `{status, data}`; `data` is absent on errors.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(remote = "Self")]
#[cfg_attr(feature = "schema", schemars(rename = "{T}Response"))]
pub struct Response<T> {
    /// The status.
    pub status: Status,
    /// The data.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<T>,
}

impl<T: Serialize> Serialize for Response<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        Response::<T>::serialize(self, s)
    }
}

/// A JSON object only (see `object_only!`).
impl<'de, T: Deserialize<'de>> Deserialize<'de> for Response<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> serde::de::Visitor<'de> for V<T> {
            type Value = Response<T>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object (a v3 answer)")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Response<T>, A::Error> {
                Response::<T>::deserialize(serde::de::value::MapAccessDeserializer::new(map))
            }
        }
        d.deserialize_map(V(std::marker::PhantomData))
    }
}

/// The body of `POST /callbacks/create`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(rename_all = "camelCase")]
#[serde(remote = "Self")]
#[cfg_attr(feature = "schema", schemars(rename = "CreateRequest"))]
pub struct CreateRequest {
    /// The callback service (virtual queue).
    pub service_name: String,
    /// The number to call back.
    pub phone_number: String,
    /// When, `yyyy-MM-ddTHH:mm:ss.SSSZ`; absent means as soon as possible.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub desired_time: Option<String>,
    /// Attached data (keys must be identifiers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_data: Option<UserData>,
    /// The language.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// The priority.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<i32>,
    /// The offer type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cb_offer_type: Option<String>,
}

object_only!(CreateRequest);

impl CreateRequest {
    /// The `userData` keys that are not identifiers (letters, digits, `_`, not starting with a
    /// digit), which v3 refuses.
    pub fn invalid_user_data_keys(&self) -> Vec<&str> {
        self.user_data.iter().flat_map(|m| m.keys()).filter(|k| !is_identifier(k)).map(String::as_str).collect()
    }
}

fn is_identifier(key: &str) -> bool {
    let mut chars = key.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

wire_object! {
    /// The `data` of a created callback.
    pub struct Created {
        /// The callback id.
        "id" => id: String,
    }
}

/// The body of `POST /callbacks/cancel` and `POST /callbacks/retrieve`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(remote = "Self")]
#[cfg_attr(feature = "schema", schemars(rename = "IdRequest"))]
pub struct IdRequest {
    /// The callback id.
    pub id: String,
}

object_only!(IdRequest);

wire_object! {
    /// The `data` of a cancelled callback.
    pub struct Cancelled {
        /// The callback id.
        "id" => id: String,
    }
}

wire_object! {
    /// The `data` of a retrieved callback.
    pub struct Callback {
        /// The callback id.
        "id" => id: String,
        /// When, ISO 8601 UTC.
        "desiredTime" => desired_time: String,
        /// The state.
        "callbackState" => callback_state: CallbackState,
        /// Why it ended.
        "callbackReason" => callback_reason: String,
        /// The number.
        "phoneNumber" => phone_number: String,
        /// Position in queue.
        "positionInQueue" => position_in_queue: i64,
        /// Estimated wait, seconds.
        "estimatedWaitTime" => estimated_wait_time: i64,
    }
}

wire_object! {
    /// A time slot.
    pub struct Slot {
        /// The slot start, UTC.
        "utcTime" => utc_time: String,
        /// The slot start, local time of the service.
        "localTime" => local_time: String,
        /// Free capacity.
        "capacity" => capacity: u32,
        /// Total capacity.
        "total" => total: u32,
    }
}

wire_object! {
    /// The `data` of `GET /callbacks/availability/{serviceName}`.
    pub struct AvailabilityData {
        /// The slots.
        "slots" => slots: Vec<Slot>,
        /// Slot length, minutes.
        "durationMin" => duration_min: u32,
        /// The service's time zone.
        "timezone" => timezone: String,
    }
}

wire_object! {
    /// The `data` of a 429 answer to create: other slots to propose.
    pub struct ProposedSlots {
        /// The proposed slots.
        "slots" => slots: Vec<Slot>,
    }
}

/// The query of `GET /callbacks/availability/{serviceName}`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct AvailabilityQuery {
    /// Start, ISO 8601 UTC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<String>,
    /// End, ISO 8601 UTC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<String>,
    /// Number of days.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number_of_days: Option<u32>,
    /// The most slots.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_time_slots: Option<u32>,
    /// Time zone of `localTime`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
}

/// The body of `POST /call-in/requests/create`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(rename_all = "camelCase")]
#[serde(remote = "Self")]
#[cfg_attr(feature = "schema", schemars(rename = "CallInRequest"))]
pub struct CallInRequest {
    /// The group (service) to reach.
    pub group_name: String,
    /// The customer's number.
    pub from_phone_number: String,
    /// Attached data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_data: Option<UserData>,
}

object_only!(CallInRequest);

wire_object! {
    /// The `data` of a call-in request: the number to call and the code to enter.
    pub struct CallIn {
        /// The request id.
        "id" => id: String,
        /// The number to dial.
        "toPhoneNumber" => to_phone_number: String,
        /// The access code to enter.
        "accessCode" => access_code: u64,
        /// Expiration, epoch.
        "expirationTime" => expiration_time: i64,
        /// The customer's number.
        "fromPhoneNumber" => from_phone_number: String,
        /// The group.
        "groupName" => group_name: String,
    }
}

/// The answer of create.
pub type CreateResponse = Response<Created>;
/// The 429 answer of create.
pub type ProposedSlotsResponse = Response<ProposedSlots>;
/// The answer of cancel.
pub type CancelResponse = Response<Cancelled>;
/// The answer of retrieve.
pub type RetrieveResponse = Response<Callback>;
/// The answer of availability.
pub type AvailabilityResponse = Response<AvailabilityData>;
/// The answer of call-in create.
pub type CallInResponse = Response<CallIn>;
/// An error answer (`data` absent or not documented).
pub type ErrorResponse = Response<serde_json::Value>;
