//! The events of the Service Client API, by topic: `agent`, `interaction`, `system`,
//! `outbound`, `media`, `markdone` and `messenger:<channel>`.
//!
//! Each topic's payload is one typed object that carries its `eventType` as an open enum, the
//! documented fields of every event type of the topic, and any undocumented field in `extra`.
//! Known event types are checked for the fields they require; an unknown event type keeps its
//! payload (typed where it fits, raw in [`Event::Unknown`] where it does not).

use std::borrow::Cow;

use serde::Deserialize;
use serde::ser::SerializeMap;
use serde_json::Value;

use super::types::{Interaction, StateType};
use crate::DecodeError;
use crate::error::from_str_at;
use crate::macros::{open_enum, wire_object};

/// The prefix of messenger topics: `messenger:<channel>`.
pub const MESSENGER_PREFIX: &str = "messenger:";

/// The topics a client can subscribe to (besides `messenger:<channel>`).
pub const TOPICS: &[&str] = &["agent", "interaction", "media", "outbound", "system", "markdone"];

open_enum! {
    /// The `eventType` of an `agent` event.
    pub enum AgentEventType {
        /// The agent's state changed.
        StateChanged = "STATE_CHANGED",
    }
}

wire_object! {
    /// An `agent` event, e.g. `STATE_CHANGED` to `NOT_READY_ACTION_CODE` with a reason.
    pub struct AgentEvent {
        /// The event type.
        "eventType" => event_type: AgentEventType,
        /// The new state type (`STATE_CHANGED`).
        "mediaState" => media_state: StateType,
        /// The reason, e.g. `Break`.
        "reason" => reason: String,
        /// The reason code, e.g. `1511`.
        "reasonCode" => reason_code: String,
    }
}

open_enum! {
    /// The `eventType` of an `interaction` event.
    pub enum InteractionEventType {
        // common
        /// An unknown event occurs.
        Unknown = "UNKNOWN",
        /// The interaction was added to the list.
        Added = "ADDED",
        /// The interaction was removed from the list.
        Removed = "REMOVED",
        /// The attached data changed.
        AttachedDataChanged = "ATTACHED_DATA_CHANGED",
        /// The case or bundle id changed.
        CaseOrBundleIdChanged = "CASE_OR_BUNDLE_ID_CHANGED",
        /// The case id changed (`caseId`, `previousCaseId`).
        CaseIdChanged = "CASE_ID_CHANGED",
        /// A new message.
        NewMessage = "NEW_MESSAGE",
        /// An error occurred.
        Error = "ERROR",
        /// The contact changed.
        ContactChanged = "CONTACT_CHANGED",
        // voice
        /// The call recording state changed.
        CallRecordingStateChanged = "CALL_RECORDING_STATE_CHANGED",
        /// The outbound call rings.
        Dialing = "DIALING",
        /// The call was established.
        Established = "ESTABLISHED",
        /// The call was held.
        Held = "HELD",
        /// The parties changed.
        PartyChanged = "PARTY_CHANGED",
        /// The call was released.
        Released = "RELEASED",
        /// The inbound call rings.
        Ringing = "RINGING",
        // open media
        /// Accepted.
        Accepted = "ACCEPTED",
        /// Completed (marked done).
        Completed = "COMPLETED",
        /// Composing.
        Composing = "COMPOSING",
        /// Created.
        Created = "CREATED",
        /// A standard response was inserted.
        InsertStandardResponse = "INSERT_STANDARD_RESPONSE",
        /// An invitation.
        Invited = "INVITED",
        /// A conference invitation.
        InvitedConference = "INVITED_CONFERENCE",
        /// Placing in queue failed.
        InQueueFailed = "IN_QUEUE_FAILED",
        /// Placed in a workbin.
        InWorkbin = "IN_WORKBIN",
        /// Placing in a workbin failed.
        InWorkbinFailed = "IN_WORKBIN_FAILED",
        /// Left the conference.
        LeftConference = "LEFT_CONFERENCE",
        /// Pulled from a workbin.
        Pulled = "PULLED",
        /// Pulling from the queue failed.
        PullFailed = "PULL_FAILED",
        /// Pulling from the workbin failed.
        PullWorkbinFailed = "PULL_WORKBIN_FAILED",
        /// Revoked.
        Revoked = "REVOKED",
        /// Transferred.
        TransferCompleted = "TRANSFER_COMPLETED",
        // chat
        /// Already accepted in another chat session.
        Canceled = "CANCELED",
        /// The chat ended.
        Ended = "ENDED",
        /// Joining the chat failed.
        JoinFailed = "JOIN_FAILED",
        /// Joining the chat.
        JoinPending = "JOIN_PENDING",
        // outbound email
        /// The outbound email was cancelled.
        Cancelled = "CANCELLED",
        /// The outbound email was sent.
        Sent = "SENT",
        // outbound preview
        /// A preview record is shown.
        Previewing = "PREVIEWING",
        /// Mark done applied to a record.
        MarkdoneApply = "MARKDONE_APPLY",
        /// The record's state changed (rejected, canceled).
        StateChange = "STATE_CHANGE",
        /// All chained records were retrieved.
        RecordsRetrieved = "RECORDS_RETRIEVED",
        // cases
        /// A case was collapsed (`selectedCaseId`).
        CaseCollapsed = "CASE_COLLAPSED",
        /// A case was expanded (`selectedCaseId`).
        CaseExpanded = "CASE_EXPANDED",
        /// A case was selected (`selectedCaseId`).
        CaseSelected = "CASE_SELECTED",
    }
}

/// The families of interaction event types, as the seed groups them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InteractionEventFamily {
    /// Common to all interaction types.
    Common,
    /// Voice.
    Voice,
    /// Open media.
    OpenMedia,
    /// Chat (inherits open media).
    Chat,
    /// Outbound email (inherits open media).
    OutboundEmail,
    /// Outbound preview records.
    OutboundPreview,
    /// Case selection (payload `selectedCaseId`, no interaction).
    Case,
}

impl InteractionEventType {
    /// The family the seed lists this event type under (`None` for unknown types).
    pub fn family(&self) -> Option<InteractionEventFamily> {
        use InteractionEventFamily as F;
        Some(match self {
            Self::Unknown
            | Self::Added
            | Self::Removed
            | Self::AttachedDataChanged
            | Self::CaseOrBundleIdChanged
            | Self::CaseIdChanged
            | Self::NewMessage
            | Self::Error
            | Self::ContactChanged => F::Common,
            Self::CallRecordingStateChanged
            | Self::Dialing
            | Self::Established
            | Self::Held
            | Self::PartyChanged
            | Self::Released
            | Self::Ringing => F::Voice,
            Self::Accepted
            | Self::Completed
            | Self::Composing
            | Self::Created
            | Self::InsertStandardResponse
            | Self::Invited
            | Self::InvitedConference
            | Self::InQueueFailed
            | Self::InWorkbin
            | Self::InWorkbinFailed
            | Self::LeftConference
            | Self::Pulled
            | Self::PullFailed
            | Self::PullWorkbinFailed
            | Self::Revoked
            | Self::TransferCompleted => F::OpenMedia,
            Self::Canceled | Self::Ended | Self::JoinFailed | Self::JoinPending => F::Chat,
            Self::Cancelled | Self::Sent => F::OutboundEmail,
            Self::Previewing | Self::MarkdoneApply | Self::StateChange | Self::RecordsRetrieved => F::OutboundPreview,
            Self::CaseCollapsed | Self::CaseExpanded | Self::CaseSelected => F::Case,
            Self::Other(_) => return None,
        })
    }
}

wire_object! {
    /// An `interaction` event: `{eventType, media?, interaction}`, a case event
    /// `{eventType, selectedCaseId}`, or `{eventType: CASE_ID_CHANGED, caseId, previousCaseId}`.
    pub struct InteractionEvent {
        /// The event type.
        "eventType" => event_type: InteractionEventType,
        /// The media (`voice`, `chat`, ...).
        "media" => media: String,
        /// The interaction, its user data filtered by `user-data.read-allowed`.
        "interaction" => interaction: Box<Interaction> as boxed,
        /// The selected case (case events).
        "selectedCaseId" => selected_case_id: String,
        /// The new case id (`CASE_ID_CHANGED`).
        "caseId" => case_id: String,
        /// The previous case id (`CASE_ID_CHANGED`).
        "previousCaseId" => previous_case_id: String,
    }
}

open_enum! {
    /// The `eventType` of a `system` event.
    pub enum SystemEventType {
        /// A button of a custom toast was clicked.
        CustomToastButtonClick = "CUSTOM_TOAST_BUTTON_CLICK",
        /// The real-time connection to the Web Services server changed.
        RealtimeConnection = "REALTIME_CONNECTION",
    }
}

open_enum! {
    /// The state of the real-time connection (`REALTIME_CONNECTION`).
    pub enum RealtimeConnectionState {
        /// Disconnected.
        Disconnected = "DISCONNECTED",
        /// Reconnected after a disconnection.
        Reconnected = "RECONNECTED",
        /// Down for more than a minute: the session can be considered down.
        Down = "DOWN",
    }
}

open_enum! {
    /// The election state of a browser tab (`frameState`).
    pub enum FrameState {
        /// This tab is the leader.
        Leading = "LEADING",
        /// This tab is a follower.
        Following = "FOLLOWING",
        /// An election is in progress.
        Negotiating = "NEGOTIATING",
    }
}

wire_object! {
    /// A `system` event: a toast button click, a real-time connection change, or a frame state
    /// change (`{frameState}` without `eventType`).
    pub struct SystemEvent {
        /// The event type (absent for frame state changes).
        "eventType" => event_type: SystemEventType,
        /// The toast whose button was clicked (`popupToast`'s answer).
        "customToastId" => custom_toast_id: String,
        /// The 0-based index of the clicked button.
        "buttonIndex" => button_index: u32,
        /// The real-time connection state.
        "state" => state: RealtimeConnectionState,
        /// The tab's election state.
        "frameState" => frame_state: FrameState,
    }
}

open_enum! {
    /// The `eventType` of an `outbound` campaign event.
    pub enum OutboundEventType {
        /// A campaign was loaded.
        CampaignLoaded = "CampaignLoaded",
        /// A campaign was unloaded.
        CampaignUnloaded = "CampaignUnloaded",
        /// A campaign started (with its `mode`).
        CampaignStarted = "CampaignStarted",
        /// A campaign stopped.
        CampaignStopped = "CampaignStopped",
    }
}

wire_object! {
    /// An `outbound` campaign event.
    pub struct OutboundEvent {
        /// The event type.
        "eventType" => event_type: OutboundEventType,
        /// The campaign name.
        "campaign" => campaign: String,
        /// The dialing mode (`CampaignStarted`), e.g. `Predictive GVP`.
        "mode" => mode: String,
    }
}

/// A typed event, by topic.
#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    /// `agent`.
    Agent(AgentEvent),
    /// `interaction`.
    Interaction(InteractionEvent),
    /// `system`.
    System(SystemEvent),
    /// `outbound`.
    Outbound(OutboundEvent),
    /// `media` (payload not documented).
    Media(Option<Value>),
    /// `markdone` (payload not documented).
    Markdone(Option<Value>),
    /// `messenger:<channel>`: a message broadcast with `messenger.broadcastMessage`.
    Messenger {
        /// The channel.
        channel: String,
        /// The message.
        message: Option<Value>,
    },
    /// An unknown topic, or an unknown `eventType` whose payload does not fit its topic's
    /// documented fields: the name and the raw payload.
    Unknown {
        /// The topic.
        topic: String,
        /// The payload's `eventType`, when it has one.
        event_type: Option<String>,
        /// The payload.
        data: Option<Value>,
    },
}

impl Event {
    /// The topic (`event` of the frame).
    pub fn topic(&self) -> Cow<'_, str> {
        match self {
            Self::Agent(_) => "agent".into(),
            Self::Interaction(_) => "interaction".into(),
            Self::System(_) => "system".into(),
            Self::Outbound(_) => "outbound".into(),
            Self::Media(_) => "media".into(),
            Self::Markdone(_) => "markdone".into(),
            Self::Messenger { channel, .. } => format!("{MESSENGER_PREFIX}{channel}").into(),
            Self::Unknown { topic, .. } => topic.as_str().into(),
        }
    }

    /// The payload's `eventType` text, when it has one.
    pub fn event_type(&self) -> Option<&str> {
        match self {
            Self::Agent(e) => e.event_type.as_ref().map(AgentEventType::as_str),
            Self::Interaction(e) => e.event_type.as_ref().map(InteractionEventType::as_str),
            Self::System(e) => e.event_type.as_ref().map(SystemEventType::as_str),
            Self::Outbound(e) => e.event_type.as_ref().map(OutboundEventType::as_str),
            Self::Unknown { event_type, .. } => event_type.as_deref(),
            Self::Media(_) | Self::Markdone(_) | Self::Messenger { .. } => None,
        }
    }

    /// Decodes the payload of the topic `topic` (`data` absent: `None`).
    ///
    /// # Errors
    /// A known topic and event type whose payload does not have the documented shape, or a typed
    /// topic (`agent`, `interaction`, `system`, `outbound`) without `data`; the error names the
    /// topic and the path (starting at `data`).
    pub fn decode(topic: &str, data: Option<&str>) -> Result<Self, DecodeError> {
        match topic {
            "agent" => typed(topic, data, AgentEventType::KNOWN, Self::Agent, check_agent),
            "interaction" => typed(topic, data, InteractionEventType::KNOWN, Self::Interaction, check_interaction),
            "system" => typed(topic, data, SystemEventType::KNOWN, Self::System, check_system),
            "outbound" => typed(topic, data, OutboundEventType::KNOWN, Self::Outbound, check_outbound),
            "media" => Ok(Self::Media(raw_value(topic, data)?)),
            "markdone" => Ok(Self::Markdone(raw_value(topic, data)?)),
            _ => match topic.strip_prefix(MESSENGER_PREFIX) {
                Some(channel) => Ok(Self::Messenger { channel: channel.to_owned(), message: raw_value(topic, data)? }),
                None => Ok(Self::Unknown { topic: topic.to_owned(), event_type: None, data: raw_value(topic, data)? }),
            },
        }
    }

    /// Deserializes the payload of `topic` in one pass (the frame decoder's fast path); known
    /// event types are checked for their required fields. Unknown event types whose payload does
    /// not fit fail here and are handled by [`Event::decode`] on the careful path.
    pub(crate) fn deserialize_topic<'de, D: serde::Deserializer<'de>>(topic: &str, d: D) -> Result<Self, D::Error> {
        fn checked<T, E: serde::de::Error>(value: T, check: fn(&T) -> Result<(), DecodeError>) -> Result<T, E> {
            check(&value).map_err(E::custom)?;
            Ok(value)
        }
        match topic {
            "agent" => AgentEvent::deserialize(d).and_then(|e| checked(e, check_agent)).map(Self::Agent),
            "interaction" => {
                InteractionEvent::deserialize(d).and_then(|e| checked(e, check_interaction)).map(Self::Interaction)
            }
            "system" => SystemEvent::deserialize(d).and_then(|e| checked(e, check_system)).map(Self::System),
            "outbound" => OutboundEvent::deserialize(d).and_then(|e| checked(e, check_outbound)).map(Self::Outbound),
            "media" => Value::deserialize(d).map(|v| Self::Media(Some(v))),
            "markdone" => Value::deserialize(d).map(|v| Self::Markdone(Some(v))),
            _ => {
                let data = Some(Value::deserialize(d)?);
                Ok(match topic.strip_prefix(MESSENGER_PREFIX) {
                    Some(channel) => Self::Messenger { channel: channel.to_owned(), message: data },
                    None => Self::Unknown { topic: topic.to_owned(), event_type: None, data },
                })
            }
        }
    }

    pub(crate) fn serialize_data_into<M: SerializeMap>(&self, map: &mut M) -> Result<(), M::Error> {
        match self {
            Self::Agent(e) => map.serialize_entry("data", e),
            Self::Interaction(e) => map.serialize_entry("data", e),
            Self::System(e) => map.serialize_entry("data", e),
            Self::Outbound(e) => map.serialize_entry("data", e),
            Self::Media(Some(v)) | Self::Markdone(Some(v)) => map.serialize_entry("data", v),
            Self::Messenger { message: Some(v), .. } | Self::Unknown { data: Some(v), .. } => {
                map.serialize_entry("data", v)
            }
            Self::Media(None)
            | Self::Markdone(None)
            | Self::Messenger { message: None, .. }
            | Self::Unknown { data: None, .. } => Ok(()),
        }
    }

    /// The payload as a JSON value (`None` when the frame had no `data`).
    pub fn data(&self) -> Option<Value> {
        let to = |v: Result<Value, serde_json::Error>| v.ok();
        match self {
            Self::Agent(e) => to(serde_json::to_value(e)),
            Self::Interaction(e) => to(serde_json::to_value(e)),
            Self::System(e) => to(serde_json::to_value(e)),
            Self::Outbound(e) => to(serde_json::to_value(e)),
            Self::Media(v) | Self::Markdone(v) => v.clone(),
            Self::Messenger { message, .. } => message.clone(),
            Self::Unknown { data, .. } => data.clone(),
        }
    }
}

fn raw_value(topic: &str, data: Option<&str>) -> Result<Option<Value>, DecodeError> {
    data.map(|text| from_str_at(|| format!("event `{topic}`"), text).map_err(|e| e.within("data"))).transpose()
}

fn missing(topic: &str, event_type: &str, field: &str) -> DecodeError {
    DecodeError::Json {
        context: format!("event `{topic}` `{event_type}`"),
        path: format!("data.{field}"),
        message: format!("missing field `{field}`"),
    }
}

/// Decodes a topic's typed payload; an unknown `eventType` that does not fit falls back to
/// [`Event::Unknown`] with the raw payload.
fn typed<'a, T: Deserialize<'a>>(
    topic: &str,
    data: Option<&'a str>,
    known: &[&str],
    wrap: fn(T) -> Event,
    check: fn(&T) -> Result<(), DecodeError>,
) -> Result<Event, DecodeError> {
    let Some(text) = data else {
        return Err(DecodeError::Json {
            context: format!("event `{topic}`"),
            path: "data".to_owned(),
            message: "missing field `data` (every event of this topic has a payload)".to_owned(),
        });
    };
    match from_str_at::<T>(|| format!("event `{topic}`"), text) {
        Ok(payload) => {
            check(&payload)?;
            Ok(wrap(payload))
        }
        Err(err) => {
            // The `eventType` of a JSON object (not of an array, as a derived struct would read).
            let peeked = serde_json::from_str::<serde_json::Map<String, Value>>(text).ok().and_then(|mut m| {
                match m.remove("eventType") {
                    Some(Value::String(name)) => Some(name),
                    _ => None,
                }
            });
            match peeked {
                Some(name) if !known.contains(&name.as_str()) => Ok(Event::Unknown {
                    topic: topic.to_owned(),
                    event_type: Some(name),
                    data: raw_value(topic, Some(text))?,
                }),
                _ => Err(err.within("data")),
            }
        }
    }
}

fn check_agent(e: &AgentEvent) -> Result<(), DecodeError> {
    if e.event_type == Some(AgentEventType::StateChanged) && e.media_state.is_none() {
        return Err(missing("agent", "STATE_CHANGED", "mediaState"));
    }
    Ok(())
}

fn check_interaction(e: &InteractionEvent) -> Result<(), DecodeError> {
    let Some(t) = &e.event_type else {
        return Err(missing("interaction", "?", "eventType"));
    };
    match t.family() {
        Some(InteractionEventFamily::Case) if e.selected_case_id.is_none() => {
            Err(missing("interaction", t.as_str(), "selectedCaseId"))
        }
        _ if *t == InteractionEventType::CaseIdChanged && e.interaction.is_none() && e.case_id.is_none() => {
            Err(missing("interaction", t.as_str(), "caseId"))
        }
        Some(InteractionEventFamily::Case) | None => Ok(()),
        _ if *t != InteractionEventType::CaseIdChanged && e.interaction.is_none() => {
            Err(missing("interaction", t.as_str(), "interaction"))
        }
        _ => Ok(()),
    }
}

fn check_system(e: &SystemEvent) -> Result<(), DecodeError> {
    match &e.event_type {
        Some(SystemEventType::CustomToastButtonClick) => {
            if e.custom_toast_id.is_none() {
                return Err(missing("system", "CUSTOM_TOAST_BUTTON_CLICK", "customToastId"));
            }
            if e.button_index.is_none() {
                return Err(missing("system", "CUSTOM_TOAST_BUTTON_CLICK", "buttonIndex"));
            }
            Ok(())
        }
        Some(SystemEventType::RealtimeConnection) if e.state.is_none() => {
            Err(missing("system", "REALTIME_CONNECTION", "state"))
        }
        None if e.frame_state.is_none() => Err(missing("system", "frameState", "frameState")),
        _ => Ok(()),
    }
}

fn check_outbound(e: &OutboundEvent) -> Result<(), DecodeError> {
    match &e.event_type {
        Some(t) if t.is_known() && e.campaign.is_none() => Err(missing("outbound", t.as_str(), "campaign")),
        None => Err(missing("outbound", "?", "eventType")),
        _ => Ok(()),
    }
}

/// The rules of [`check_agent`], [`check_interaction`], [`check_system`] and [`check_outbound`]
/// as JSON Schema keywords over a topic's payload (applied beside the payload type), so that the
/// schemas require exactly what the decoder requires. `tests/tests/contract.rs` proves the two agree
/// on a negative document per rule.
#[cfg(feature = "schema")]
pub(crate) fn payload_rules(topic: &str) -> Vec<Value> {
    use serde_json::json;
    fn present(fields: &[&str]) -> Value {
        let properties: serde_json::Map<String, Value> =
            fields.iter().map(|f| ((*f).to_owned(), json!({ "not": { "type": "null" } }))).collect();
        json!({ "required": fields, "properties": properties })
    }
    fn when(event_types: &[&str], then: Value) -> Value {
        json!({
            "if": { "required": ["eventType"], "properties": { "eventType": { "enum": event_types } } },
            "then": then,
        })
    }
    match topic {
        "agent" => vec![when(&[AgentEventType::StateChanged.as_str()], present(&["mediaState"]))],
        "interaction" => {
            let of_family = |case: bool| -> Vec<&str> {
                InteractionEventType::KNOWN
                    .iter()
                    .copied()
                    .filter(|t| {
                        let family = InteractionEventType::from_wire(t).family();
                        (family == Some(InteractionEventFamily::Case)) == case
                            && *t != InteractionEventType::CaseIdChanged.as_str()
                    })
                    .collect()
            };
            vec![
                present(&["eventType"]),
                when(&of_family(true), present(&["selectedCaseId"])),
                when(
                    &[InteractionEventType::CaseIdChanged.as_str()],
                    json!({ "anyOf": [present(&["interaction"]), present(&["caseId"])] }),
                ),
                when(&of_family(false), present(&["interaction"])),
            ]
        }
        "system" => vec![
            when(&[SystemEventType::CustomToastButtonClick.as_str()], present(&["customToastId", "buttonIndex"])),
            when(&[SystemEventType::RealtimeConnection.as_str()], present(&["state"])),
            json!({ "if": { "not": present(&["eventType"]) }, "then": present(&["frameState"]) }),
        ],
        "outbound" => vec![present(&["eventType"]), when(OutboundEventType::KNOWN, present(&["campaign"]))],
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_event_type_that_fits_stays_typed() {
        let e =
            Event::decode("interaction", Some(r#"{"eventType":"SOME_FUTURE","interaction":{"interactionId":"1"}}"#))
                .unwrap();
        let Event::Interaction(i) = e else { panic!() };
        assert_eq!(i.event_type, Some(InteractionEventType::Other("SOME_FUTURE".into())));
    }

    #[test]
    fn unknown_event_type_that_does_not_fit_is_kept_raw() {
        let e = Event::decode("interaction", Some(r#"{"eventType":"SOME_FUTURE","interaction":5}"#)).unwrap();
        assert!(matches!(e, Event::Unknown { ref event_type, .. } if event_type.as_deref() == Some("SOME_FUTURE")));
    }

    #[test]
    fn known_event_type_with_bad_payload_is_an_error_with_path() {
        let err = Event::decode("interaction", Some(r#"{"eventType":"ADDED","interaction":{"isConsultation":"no"}}"#))
            .unwrap_err();
        let text = err.to_string();
        assert!(text.contains("interaction.isConsultation"), "{text}");
        let err = Event::decode("agent", Some(r#"{"eventType":"STATE_CHANGED"}"#)).unwrap_err();
        assert!(err.to_string().contains("mediaState"), "{err}");
    }

    #[test]
    fn topics_decode() {
        assert!(
            matches!(Event::decode("messenger:my-channel", Some("{\"a\":1}")).unwrap(), Event::Messenger { ref channel, .. } if channel == "my-channel")
        );
        assert!(matches!(Event::decode("future", None).unwrap(), Event::Unknown { data: None, .. }));
        let err = Event::decode("agent", None).unwrap_err();
        assert!(err.to_string().contains("data"), "{err}");
    }
}
