//! The b+s Connects Integration API (seed 004, WIRE.md section 6): the `detail` of the
//! `integrationapi` custom event, and the events of the custom-integration library.

use std::collections::BTreeMap;

#[cfg(feature = "schema")]
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::DecodeError;
use crate::error::from_str_at;
use crate::macros::{object_only, open_enum, wire_object};

/// The name of the custom event dispatched to `window.top`.
pub const CUSTOM_EVENT_NAME: &str = "integrationapi";

/// The alternative name single-session environments may dispatch instead of
/// [`CUSTOM_EVENT_NAME`] (not recommended with several sessions: Microsoft Dynamics may block it).
pub const CLICK_TO_ACT_EVENT_NAME: &str = "CIClickToAct";

/// A request to b+s Connects: the `detail` of the custom event. Fire-and-forget for web clients.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(tag = "request", rename_all = "camelCase")]
pub enum ConnectsRequest {
    /// Create a session from a template.
    #[serde(rename_all = "camelCase")]
    CreateSession {
        /// The session template.
        template_name: String,
    },
    /// Send DTMF digits.
    SendDtmf {
        /// The digits.
        dtmf: String,
    },
    /// Set the agent state of a channel.
    #[serde(rename_all = "camelCase")]
    SetAgentState {
        /// The channel, e.g. `voice_5075`.
        channel_id: String,
        /// The state, e.g. `NotReady`.
        state: String,
        /// The reason code.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason_code: Option<String>,
    },
    /// Set the wrap-up reason of a work item.
    #[serde(rename_all = "camelCase")]
    SetWrapupReason {
        /// The channel.
        channel_id: String,
        /// The work item.
        workitem_id: String,
        /// The reason.
        wrap_up_reason: String,
    },
    /// Single-step conference.
    #[serde(rename_all = "camelCase")]
    SingleStepConference {
        /// The channel.
        channel_id: String,
        /// The address.
        address: String,
    },
    /// Direct (blind) transfer.
    #[serde(rename_all = "camelCase")]
    DirectTransfer {
        /// The channel.
        channel_id: String,
        /// The address.
        address: String,
    },
    /// Update work item data.
    #[serde(rename_all = "camelCase")]
    UpdateWorkitemData {
        /// The channel.
        channel_id: String,
        /// The work item.
        workitem_id: String,
        /// Variables to update, e.g. `callVariable1`, `user.eccVar1`.
        updated_data: BTreeMap<String, String>,
    },
    /// Write a log line.
    #[serde(rename_all = "camelCase")]
    WriteLog {
        /// The message.
        log_message: String,
        /// The level, e.g. `Debug`.
        log_level: String,
    },
}

impl ConnectsRequest {
    /// The request names, in catalog order.
    pub const NAMES: &'static [&'static str] = &[
        "createSession",
        "sendDtmf",
        "setAgentState",
        "setWrapupReason",
        "singleStepConference",
        "directTransfer",
        "updateWorkitemData",
        "writeLog",
    ];

    /// The wire name (`request`).
    pub fn name(&self) -> &'static str {
        match self {
            Self::CreateSession { .. } => "createSession",
            Self::SendDtmf { .. } => "sendDtmf",
            Self::SetAgentState { .. } => "setAgentState",
            Self::SetWrapupReason { .. } => "setWrapupReason",
            Self::SingleStepConference { .. } => "singleStepConference",
            Self::DirectTransfer { .. } => "directTransfer",
            Self::UpdateWorkitemData { .. } => "updateWorkitemData",
            Self::WriteLog { .. } => "writeLog",
        }
    }
}

/// The click-to-act payload that starts an outbound or consultation call: no `request` key.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(rename_all = "camelCase")]
#[serde(remote = "Self")]
#[cfg_attr(feature = "schema", schemars(rename = "ClickToAct"))]
pub struct ClickToAct {
    /// The phone number.
    pub value: String,
    /// The CRM entity type, e.g. `contact`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entity_logical_name: Option<String>,
    /// The CRM entity id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entity_id: Option<String>,
}

object_only!(ClickToAct);

/// Any `detail` a page may dispatch.
#[derive(Clone, Debug, PartialEq)]
pub enum ConnectsMessage {
    /// A request with a `request` key.
    Request(ConnectsRequest),
    /// The click-to-act payload.
    ClickToAct(ClickToAct),
    /// A `request` this version does not know, with its payload.
    Unknown {
        /// The request name.
        request: String,
        /// The whole detail.
        detail: Value,
    },
}

impl ConnectsMessage {
    /// Decodes a `detail` object.
    ///
    /// # Errors
    /// Not an object, a known request with missing or mistyped fields, or a payload with neither
    /// `request` nor `value`.
    pub fn decode(text: &str) -> Result<Self, DecodeError> {
        let detail: Value = from_str_at(|| "b+s Connects request".to_owned(), text)?;
        let request = match detail.get("request") {
            Some(Value::String(r)) => r.clone(),
            Some(_) => {
                return Err(DecodeError::Json {
                    context: "b+s Connects request".into(),
                    path: "request".into(),
                    message: "`request` must be a string".into(),
                });
            }
            None => return from_str_at(|| "b+s Connects click-to-act".to_owned(), text).map(Self::ClickToAct),
        };
        if ConnectsRequest::NAMES.contains(&request.as_str()) {
            from_str_at(|| format!("b+s Connects request `{request}`"), text).map(Self::Request)
        } else {
            Ok(Self::Unknown { request, detail })
        }
    }
}

impl Serialize for ConnectsMessage {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Request(r) => r.serialize(s),
            Self::ClickToAct(c) => c.serialize(s),
            Self::Unknown { detail, .. } => detail.serialize(s),
        }
    }
}

/// The type of the custom event a page dispatches to `window.top`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ConnectsEventType {
    /// `integrationapi`: the documented name, for any environment (the default).
    #[default]
    IntegrationApi,
    /// `CIClickToAct`: accepted instead in single-session environments.
    CiClickToAct,
}

impl ConnectsEventType {
    /// Every event type, as written on the wire.
    pub const NAMES: &'static [&'static str] = &[CUSTOM_EVENT_NAME, CLICK_TO_ACT_EVENT_NAME];

    /// The event type as written on the wire.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::IntegrationApi => CUSTOM_EVENT_NAME,
            Self::CiClickToAct => CLICK_TO_ACT_EVENT_NAME,
        }
    }

    /// Parses the wire text; `None` for any other name (b+s Connects listens to these two only).
    pub fn from_wire(text: &str) -> Option<Self> {
        match text {
            CUSTOM_EVENT_NAME => Some(Self::IntegrationApi),
            CLICK_TO_ACT_EVENT_NAME => Some(Self::CiClickToAct),
            _ => None,
        }
    }
}

/// The custom event a page dispatches, `new CustomEvent(type, {detail})`, as the document
/// `{"type": "integrationapi" | "CIClickToAct", "detail": {...}}`. The type is kept as received.
#[derive(Clone, Debug, PartialEq)]
pub struct ConnectsCustomEvent {
    /// The event type (`type`).
    pub event_type: ConnectsEventType,
    /// The request or click-to-act payload (`detail`).
    pub detail: ConnectsMessage,
}

impl ConnectsCustomEvent {
    /// Decodes a `{"type", "detail"}` document.
    ///
    /// # Errors
    /// Not an object, a missing `type` or `detail`, a `type` other than `integrationapi` and
    /// `CIClickToAct`, or a `detail` that does not decode (see [`ConnectsMessage::decode`]; the
    /// path starts at `detail`).
    pub fn decode(text: &str) -> Result<Self, DecodeError> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Wire {
            #[serde(rename = "type")]
            event_type: String,
            detail: Value,
        }
        let context = || "b+s Connects custom event".to_owned();
        let wire: Wire = from_str_at(context, text)?;
        let Some(event_type) = ConnectsEventType::from_wire(&wire.event_type) else {
            return Err(DecodeError::Json {
                context: context(),
                path: "type".into(),
                message: format!(
                    "unknown custom event type {:?}: b+s Connects listens to `integrationapi` (or `CIClickToAct` in single-session environments)",
                    wire.event_type
                ),
            });
        };
        let detail = ConnectsMessage::decode(&wire.detail.to_string()).map_err(|e| e.within("detail"))?;
        Ok(Self { event_type, detail })
    }
}

impl Serialize for ConnectsCustomEvent {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(2))?;
        map.serialize_entry("type", self.event_type.as_str())?;
        map.serialize_entry("detail", &self.detail)?;
        map.end()
    }
}

#[cfg(feature = "schema")]
impl JsonSchema for ConnectsCustomEvent {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "ConnectsCustomEvent".into()
    }
    fn json_schema(g: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let detail = g.subschema_for::<ConnectsMessage>().to_value();
        schemars::json_schema!({
            "description": "The custom event a page dispatches to window.top: `new CustomEvent(type, {detail})`.",
            "type": "object",
            "properties": {
                "type": {
                    "description": "`integrationapi`, or `CIClickToAct` in single-session environments.",
                    "enum": ConnectsEventType::NAMES
                },
                "detail": detail
            },
            "required": ["type", "detail"],
            "additionalProperties": false
        })
    }
}

#[cfg(feature = "schema")]
impl JsonSchema for ConnectsMessage {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "ConnectsMessage".into()
    }
    fn json_schema(g: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let request = g.subschema_for::<ConnectsRequest>().to_value();
        let click_to_act = g.subschema_for::<ClickToAct>().to_value();
        schemars::json_schema!({
            "description": "A `detail`: a known request, the click-to-act payload (no `request`), or a request this version does not know.",
            "anyOf": [
                request,
                { "allOf": [click_to_act, { "not": { "required": ["request"] } }] },
                {
                    "type": "object",
                    "required": ["request"],
                    "properties": { "request": { "type": "string", "not": { "enum": ConnectsRequest::NAMES } } }
                }
            ]
        })
    }
}

open_enum! {
    /// An agent or channel state of b+s Connects.
    pub enum ConnectsState {
        /// Logged out.
        Logout = "Logout",
        /// Offline.
        Offline = "Offline",
        /// Ready.
        Ready = "Ready",
        /// Not ready.
        NotReady = "NotReady",
        /// Active.
        Active = "Active",
        /// Wrap-up.
        Wrapup = "Wrapup",
        /// Unknown.
        Unknown = "Unknown",
    }
}

wire_object! {
    /// The `agentStateChange` event of the custom-integration library.
    pub struct AgentStateChange {
        /// `agentStateChange`.
        "event" => event: String,
        /// The API version.
        "version" => version: String,
        /// The request that caused it.
        "requestId" => request_id: String,
        /// The channel type, e.g. `voice`.
        "channelType" => channel_type: String,
        /// The channel.
        "channelId" => channel_id: String,
        /// The new state.
        "newState" => new_state: ConnectsState,
        /// The new reason code.
        "newReasonCode" => new_reason_code: String,
        /// The new reason label.
        "newReasonCodeLabel" => new_reason_code_label: String,
        /// When the new state began.
        "newStateChangeTime" => new_state_change_time: String,
        /// The old state.
        "oldState" => old_state: ConnectsState,
        /// The old reason code.
        "oldReasonCode" => old_reason_code: String,
        /// The old reason label.
        "oldReasonCodeLabel" => old_reason_code_label: String,
        /// When the old state began.
        "oldStateChangeTime" => old_state_change_time: String,
    }
}

open_enum! {
    /// The work item events of the custom-integration library.
    pub enum WorkitemEventKind {
        /// Created.
        Create = "workitemCreate",
        /// Connected.
        Connect = "workitemConnect",
        /// Paused.
        Pause = "workitemPause",
        /// Resumed.
        Resume = "workitemResume",
        /// In wrap-up.
        Wrapup = "workitemWrapup",
        /// Ended.
        End = "workitemEnd",
    }
}

wire_object! {
    /// A work item event; fields beyond the documented ones are kept in `extra`.
    pub struct WorkitemEvent {
        /// The event.
        "event" => event: WorkitemEventKind,
        /// The API version.
        "version" => version: String,
        /// The request id.
        "requestId" => request_id: String,
        /// The channel type.
        "channelType" => channel_type: String,
        /// The channel.
        "channelId" => channel_id: String,
        /// The work item.
        "workitemId" => workitem_id: String,
    }
}

/// The result the custom-integration library resolves a request to.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(remote = "Self")]
#[cfg_attr(feature = "schema", schemars(rename = "ConnectsResult"))]
pub struct ConnectsResult {
    /// Whether it succeeded.
    pub success: bool,
    /// The response.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<Value>,
    /// The error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<Value>,
}

object_only!(ConnectsResult);
