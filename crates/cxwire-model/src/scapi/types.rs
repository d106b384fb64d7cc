//! The object types of the Service Client API namespaces (`agent.Agent`, `media.State`,
//! `interaction.Interaction`, `outbound.Field`, toast parameters, ...).
//!
//! Objects the Workspace sends are [`wire_object!`]s: every documented field is optional (the
//! Workspace omits many) and undocumented fields are kept in `extra`. Objects a client builds
//! (toast parameters, target queries) are plain structs with their required fields.

use std::collections::BTreeMap;

#[cfg(feature = "schema")]
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::macros::{object_only, open_enum, wire_object};
use crate::secret::SecretString;

/// Attached data (`userData`, `extensions`, record data): an ordered map of arbitrary JSON values.
pub type UserData = BTreeMap<String, Value>;

/// An outbound record: field name to value, as in `chainedRecords` and `getChainedRecords`.
pub type OutboundRecord = BTreeMap<String, Value>;

/// The answer of `outbound.getListOfCallResults`: call-result name to its number.
pub type CallResults = BTreeMap<String, i64>;

/// Configuration options by section: section name to option name to value (the form the
/// seed's examples show for `configuration.getOption`).
pub type ConfigurationSections = BTreeMap<String, BTreeMap<String, OptionValue>>;

open_enum! {
    /// An agent role (`agent.Agent.roles`).
    pub enum AgentRole {
        /// An agent.
        Agent = "ROLE_AGENT",
        /// A supervisor.
        Supervisor = "ROLE_SUPERVISOR",
        /// An administrator.
        Admin = "ROLE_ADMIN",
    }
}

wire_object! {
    /// The agent (`agent.Agent`), as answered by `agent.get`.
    pub struct Agent {
        /// The agent's unique identifier used for routing.
        "employeeId" => employee_id: String,
        /// First name.
        "firstname" => firstname: String,
        /// Last name.
        "lastname" => lastname: String,
        /// The globally unique user name.
        "username" => username: String,
        /// The agent's roles.
        "roles" => roles: Vec<AgentRole>,
    }
}

open_enum! {
    /// The type of an agent or media state (`media.State.type`). `PARTIAL_READY`,
    /// `LOGOUT_DND_ON` and `UNKNOWN` are reported by events only and cannot be set.
    pub enum StateType {
        /// Logged out.
        Logout = "LOGOUT",
        /// Ready.
        Ready = "READY",
        /// Ready on some media only (events only).
        PartialReady = "PARTIAL_READY",
        /// Not ready.
        NotReady = "NOT_READY",
        /// Not ready with an action code.
        NotReadyActionCode = "NOT_READY_ACTION_CODE",
        /// Not ready after call work.
        NotReadyAfterCallwork = "NOT_READY_AFTER_CALLWORK",
        /// Not ready after call work with an action code.
        NotReadyAfterCallworkActionCode = "NOT_READY_AFTER_CALLWORK_ACTION_CODE",
        /// Do not disturb.
        DndOn = "DND_ON",
        /// Out of service.
        OutOfService = "OUT_OF_SERVICE",
        /// Logged out with do-not-disturb on (events only).
        LogoutDndOn = "LOGOUT_DND_ON",
        /// Unknown (events only).
        Unknown = "UNKNOWN",
    }
}

impl StateType {
    /// Whether this state can be requested with `agent.setState`/`media.setState` (the seed
    /// marks `PARTIAL_READY`, `LOGOUT_DND_ON` and `UNKNOWN` as reported by events only).
    pub fn is_settable(&self) -> bool {
        !matches!(self, Self::PartialReady | Self::LogoutDndOn | Self::Unknown | Self::Other(_))
    }
}

wire_object! {
    /// An agent or media state (`media.State`).
    pub struct State {
        /// The state type.
        "type" => state_type: StateType,
        /// The name shown to the agent, e.g. `Not Ready - Break`.
        "displayName" => display_name: String,
        /// The name to pass to `agent.setState`/`media.setState`.
        "operationName" => operation_name: String,
    }
}

wire_object! {
    /// A media channel of the agent and its state (`media.Media`).
    pub struct Media {
        /// The media name, e.g. `voice`, `chat`, `email`.
        "name" => name: String,
        /// The agent's state on this media.
        "state" => state: State,
    }
}

wire_object! {
    /// A device of the agent (`media.Device`).
    pub struct Device {
        /// The device number.
        "number" => number: String,
        /// The dynamic phone number, when one is set.
        "dynamicPhoneNumber" => dynamic_phone_number: String,
    }
}

/// The value of a configuration option: a string, or a list of strings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(untagged)]
pub enum OptionValue {
    /// A single value.
    Single(String),
    /// A list of values.
    List(Vec<String>),
}

/// A configuration section entry (`configuration.Section`): one option's name and value.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(remote = "Self")]
#[cfg_attr(feature = "schema", schemars(rename = "Section"))]
pub struct Section {
    /// The option name.
    pub name: String,
    /// The option value.
    pub value: OptionValue,
    /// Fields this version does not know, kept so that re-encoding is lossless.
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

/// The answer of `configuration.getOption` and `getContextualOption`. The seed documents an
/// Array of [`Section`] (`{name, value}`) while its examples show a map section -> option ->
/// value; both are accepted and re-encoded in the form received.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(untagged)]
pub enum ConfigurationOptions {
    /// Section name to option name to value, as the seed's examples show.
    Sections(ConfigurationSections),
    /// An Array of `Section`, as the seed's method signature documents.
    List(Vec<Section>),
}

impl Default for ConfigurationOptions {
    fn default() -> Self {
        Self::Sections(ConfigurationSections::new())
    }
}

impl From<ConfigurationSections> for ConfigurationOptions {
    fn from(sections: ConfigurationSections) -> Self {
        Self::Sections(sections)
    }
}

impl From<Vec<Section>> for ConfigurationOptions {
    fn from(list: Vec<Section>) -> Self {
        Self::List(list)
    }
}

impl ConfigurationOptions {
    /// The map form, when the answer came as one.
    pub fn sections(&self) -> Option<&ConfigurationSections> {
        match self {
            Self::Sections(sections) => Some(sections),
            Self::List(_) => None,
        }
    }

    /// The Array-of-`Section` form, when the answer came as one.
    pub fn list(&self) -> Option<&[Section]> {
        match self {
            Self::Sections(_) => None,
            Self::List(list) => Some(list),
        }
    }

    /// The value of the option `name`: in the map form, from the first section (in name order)
    /// that has it; in the list form, from the first entry with that name.
    pub fn option(&self, name: &str) -> Option<&OptionValue> {
        match self {
            Self::Sections(sections) => sections.values().find_map(|options| options.get(name)),
            Self::List(list) => list.iter().find(|s| s.name == name).map(|s| &s.value),
        }
    }

    /// Whether no option was answered.
    pub fn is_empty(&self) -> bool {
        match self {
            Self::Sections(sections) => sections.values().all(BTreeMap::is_empty),
            Self::List(list) => list.is_empty(),
        }
    }
}

impl<'de> Deserialize<'de> for ConfigurationOptions {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = ConfigurationOptions;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a map section -> option -> value, or an array of {name, value} sections")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                Deserialize::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(ConfigurationOptions::Sections)
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
                Deserialize::deserialize(serde::de::value::SeqAccessDeserializer::new(seq))
                    .map(ConfigurationOptions::List)
            }
        }
        d.deserialize_any(V)
    }
}

object_only!(Section);

/// The options of `configuration.getOption` and `getContextualOption`: one option name (with an
/// optional trailing `*` wildcard and `Section/` prefix) or several.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(untagged)]
pub enum OptionQuery {
    /// One option name or pattern.
    One(String),
    /// Several option names or patterns.
    Many(Vec<String>),
}

impl OptionQuery {
    /// The option names or patterns, one or many.
    pub fn patterns(&self) -> &[String] {
        match self {
            Self::One(one) => std::slice::from_ref(one),
            Self::Many(many) => many,
        }
    }
}

impl From<&str> for OptionQuery {
    fn from(s: &str) -> Self {
        Self::One(s.to_owned())
    }
}

impl From<Vec<String>> for OptionQuery {
    fn from(v: Vec<String>) -> Self {
        Self::Many(v)
    }
}

wire_object! {
    /// A party of an interaction (`interaction.Party`).
    pub struct Party {
        /// The party's name or number.
        "name" => name: String,
    }
}

wire_object! {
    /// The contact of an interaction (`interaction.Contact`).
    pub struct Contact {
        /// Display name.
        "displayName" => display_name: String,
        /// First name.
        "firstName" => first_name: String,
        /// Last name.
        "lastName" => last_name: String,
    }
}

open_enum! {
    /// The state of an interaction (`state`, `previousState`).
    pub enum InteractionState {
        /// Unknown.
        Unknown = "UNKNOWN",
        /// Idle (released).
        Idle = "IDLE",
        /// Ringing.
        Ringing = "RINGING",
        /// Dialing.
        Dialing = "DIALING",
        /// Talking.
        Talking = "TALKING",
        /// Held.
        Held = "HELD",
        /// Preview (outbound).
        Preview = "PREVIEW",
        /// Previewing (outbound, seen in events).
        Previewing = "PREVIEWING",
        /// Invited.
        Invited = "INVITED",
        /// Accepted.
        Accepted = "ACCEPTED",
        /// Created.
        Created = "CREATED",
        /// Pulled.
        Pulled = "PULLED",
        /// Revoked.
        Revoked = "REVOKED",
        /// Completed.
        Completed = "COMPLETED",
        /// Error.
        Error = "ERROR",
        /// Saved.
        Saved = "SAVED",
        /// Transferring.
        Transferring = "TRANSFERRING",
        /// Transfer completed.
        TransferCompleted = "TRANSFER_COMPLETED",
        /// Invited to a conference.
        InvitedConference = "INVITED_CONFERENCE",
        /// Left the conference.
        LeftConference = "LEFT_CONFERENCE",
        /// User data attached.
        UserDataAttached = "USER_DATA_ATTACHED",
        /// User data updated.
        UserDataUpdated = "USER_DATA_UPDATED",
        /// Joining a chat.
        JoinPending = "JOIN_PENDING",
        /// Joining a chat failed.
        JoinFailed = "JOIN_FAILED",
        /// Chat history loading.
        HistoryInProgress = "HISTORY_IN_PROGRESS",
        /// Chat history loaded.
        HistoryDone = "HISTORY_DONE",
        /// Cancelled (outbound email).
        Cancelled = "CANCELLED",
        /// Sent (outbound email).
        Sent = "SENT",
        /// Ready.
        Ready = "READY",
        /// Canceled (chat, outbound record).
        Canceled = "CANCELED",
        /// Rejected (outbound record).
        Rejected = "REJECTED",
    }
}

open_enum! {
    /// The direction of an interaction.
    pub enum Direction {
        /// Inbound.
        In = "IN",
        /// Outbound.
        Out = "OUT",
        /// Unknown.
        Unknown = "UNKNOWN",
    }
}

open_enum! {
    /// The call type of an interaction. The samples also show `Internal` and the outbound
    /// preview types; each spelling is its own value so that re-encoding is exact.
    pub enum CallType {
        /// Internal call.
        Internal = "INTERNAL",
        /// Internal call, as spelled in the seed's ATTACHED_DATA_CHANGED sample.
        InternalMixedCase = "Internal",
        /// Inbound call.
        Inbound = "INBOUND",
        /// Outbound call.
        Outbound = "OUTBOUND",
        /// Consultation call.
        Consult = "CONSULT",
        /// Unknown.
        Unknown = "UNKNOWN",
        /// Outbound preview record (pull and direct push preview).
        OutboundPreview = "OUTBOUND_PREVIEW",
        /// Outbound push preview record.
        OutboundPushPreview = "OUTBOUND_PUSH_PREVIEW",
    }
}

open_enum! {
    /// The call recording state (`recordingState`).
    pub enum RecordingState {
        /// Not recording.
        Stopped = "STOPPED",
        /// Recording.
        Recording = "RECORDING",
        /// Recording paused.
        Paused = "PAUSED",
    }
}

open_enum! {
    /// The RONA (redirect on no answer) state of a call (`ronaCallState`).
    pub enum RonaCallState {
        /// The call was redirected.
        Redirected = "REDIRECTED",
        /// The call was not answered.
        NoAnswer = "NO_ANSWER",
    }
}

open_enum! {
    /// An action the agent may take on an interaction (`capabilities`).
    pub enum Capability {
        /// Call the record.
        Call = "CALL",
        /// Reject the record.
        RejectRecord = "REJECT_RECORD",
        /// Cancel the record.
        CancelRecord = "CANCEL_RECORD",
        /// Hang up.
        Hangup = "HANGUP",
        /// Hold.
        Hold = "HOLD",
        /// Mark done.
        MarkDone = "MARK_DONE",
        /// Accept the invitation.
        Accept = "ACCEPT",
        /// Decline the invitation.
        Decline = "DECLINE",
    }
}

/// A time of an interaction (`startDate`, `endDate`). The seed gives these fields no type; the
/// samples show epoch milliseconds. A number or a string is accepted and kept as received.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(untagged)]
pub enum InteractionDate {
    /// A number: epoch milliseconds, as in the samples.
    Number(serde_json::Number),
    /// A string, kept verbatim (its format is not documented).
    Text(String),
}

impl InteractionDate {
    /// Epoch milliseconds, when the value is an integer number.
    pub fn as_millis(&self) -> Option<i64> {
        match self {
            Self::Number(n) => n.as_i64(),
            Self::Text(_) => None,
        }
    }
}

impl From<i64> for InteractionDate {
    fn from(millis: i64) -> Self {
        Self::Number(millis.into())
    }
}

wire_object! {
    /// An interaction (`interaction.Interaction`): a call, chat, email, workitem or outbound
    /// record, with every documented field, the voice-only ones and those seen only in samples.
    pub struct Interaction {
        /// The interaction's unique identifier.
        "interactionId" => interaction_id: String,
        /// The parent interaction (consultations); `null` on the wire when none.
        "parentInteractionId" => parent_interaction_id: String,
        /// The case identifier.
        "caseId" => case_id: String,
        /// The attached data, filtered by `user-data.read-allowed`.
        "userData" => user_data: UserData,
        /// The current state.
        "state" => state: InteractionState,
        /// The previous state.
        "previousState" => previous_state: InteractionState,
        /// The parties.
        "parties" => parties: Vec<Party>,
        /// Whether this is a consultation.
        "isConsultation" => is_consultation: bool,
        /// Whether this is the main interaction of its case.
        "isMainCaseInteraction" => is_main_case_interaction: bool,
        /// The call UUID (voice).
        "callUuid" => call_uuid: String,
        /// The direction.
        "direction" => direction: Direction,
        /// The call type.
        "callType" => call_type: CallType,
        /// Automatic number identification (voice).
        "ani" => ani: String,
        /// Dialed number identification (voice).
        "dnis" => dnis: String,
        /// The call recording state (voice).
        "recordingState" => recording_state: RecordingState,
        /// Whether the case is selected.
        "isCaseSelected" => is_case_selected: bool,
        /// Whether the case is expanded.
        "isCaseExpanded" => is_case_expanded: bool,
        /// The RONA state (voice).
        "ronaCallState" => rona_call_state: RonaCallState,
        /// The interaction UUID.
        "interactionUUID" => interaction_uuid: String,
        /// The T-Server connection id (voice).
        "connId" => conn_id: String,
        /// The contact.
        "contact" => contact: Contact,
        /// The media name (`voice`, `chat`, `email`, ...).
        "media" => media: String,
        /// The actions available to the agent.
        "capabilities" => capabilities: Vec<Capability>,
        /// Start time (epoch milliseconds in the samples, untyped by the seed); `null` on the
        /// wire when not started.
        "startDate" => start_date: InteractionDate,
        /// End time (epoch milliseconds in the samples, untyped by the seed); `null` on the wire
        /// when not ended.
        "endDate" => end_date: InteractionDate,
        /// The chained outbound records (outbound, RECORDS_RETRIEVED).
        "chainedRecords" => chained_records: Vec<OutboundRecord>,
        /// The display name of the interaction (seen in samples).
        "name" => name: String,
    }
}

open_enum! {
    /// The kind of target of a transfer, conference or consultation.
    pub enum TargetType {
        /// An agent, by employeeId.
        Agent = "AGENT",
        /// An agent group, by name.
        AgentGroup = "AGENT_GROUP",
        /// A skill, by name.
        Skill = "SKILL",
        /// An interaction queue, by name.
        InteractionQueue = "INTERACTION_QUEUE",
        /// A routing point, by name.
        RoutingPoint = "ROUTING_POINT",
        /// A custom contact, by phone number.
        CustomContact = "CUSTOM_CONTACT",
    }
}

/// Which key a target object used for its type: the seed documents `type` for transfers and
/// conferences and `target` for consultations; both are accepted and re-encoded as received.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TargetKey {
    /// `type` (what the published library's samples use everywhere).
    #[default]
    Type,
    /// `target` (as the seed documents for `interaction.consult`).
    Target,
}

/// The destination of a transfer, conference or consultation (`targetQuery`).
#[derive(Clone, Debug, PartialEq)]
pub enum TargetQuery {
    /// A phone number: the Workspace makes a `CUSTOM_CONTACT` target of it.
    PhoneNumber(String),
    /// A typed target.
    Target(Target),
}

/// A typed target of [`TargetQuery::Target`].
#[derive(Clone, Debug, PartialEq)]
pub struct Target {
    /// The target type.
    pub target_type: TargetType,
    /// The employeeId, group, skill, queue or routing point name, or phone number.
    pub destination: String,
    /// The media of the consultation (default: the interaction's media).
    pub media: Option<String>,
    /// Which key carried the type on the wire.
    pub key: TargetKey,
}

impl TargetQuery {
    /// A target of the given type, encoded with the `type` key.
    pub fn to(target_type: TargetType, destination: impl Into<String>) -> Self {
        Self::Target(Target { target_type, destination: destination.into(), media: None, key: TargetKey::Type })
    }

    /// A phone number target.
    pub fn phone_number(number: impl Into<String>) -> Self {
        Self::PhoneNumber(number.into())
    }

    /// Sets the consultation media (no effect on a phone number target).
    #[must_use]
    pub fn with_media(mut self, media: impl Into<String>) -> Self {
        if let Self::Target(t) = &mut self {
            t.media = Some(media.into());
        }
        self
    }
}

/// The wire shape of a target object, both type keys optional.
#[derive(Serialize, Deserialize)]
#[serde(remote = "Self")]
struct TargetWire {
    /// The target type (transfers, conferences; the library uses it everywhere).
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    type_: Option<TargetType>,
    /// The target type, as the seed documents for `interaction.consult`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    target: Option<TargetType>,
    /// The destination.
    destination: String,
    /// The consultation media.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    media: Option<String>,
}

object_only!(TargetWire);

/// The wire shape of a target query.
#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum TargetQueryWire {
    /// A phone number.
    PhoneNumber(String),
    /// A target object.
    Target(TargetWire),
}

impl Serialize for TargetQuery {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::PhoneNumber(n) => s.serialize_str(n),
            Self::Target(t) => {
                let (type_, target) = match t.key {
                    TargetKey::Type => (Some(t.target_type.clone()), None),
                    TargetKey::Target => (None, Some(t.target_type.clone())),
                };
                TargetWire { type_, target, destination: t.destination.clone(), media: t.media.clone() }.serialize(s)
            }
        }
    }
}

impl<'de> Deserialize<'de> for TargetQuery {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match TargetQueryWire::deserialize(d)? {
            TargetQueryWire::PhoneNumber(n) => Ok(Self::PhoneNumber(n)),
            TargetQueryWire::Target(w) => {
                let (target_type, key) = match (w.type_, w.target) {
                    (Some(t), None) => (t, TargetKey::Type),
                    (None, Some(t)) => (t, TargetKey::Target),
                    (Some(_), Some(_)) => {
                        return Err(serde::de::Error::custom("a target has both `type` and `target`; give one"));
                    }
                    (None, None) => return Err(serde::de::Error::custom("a target needs `type` (or `target`)")),
                };
                Ok(Self::Target(Target { target_type, destination: w.destination, media: w.media, key }))
            }
        }
    }
}

#[cfg(feature = "schema")]
impl JsonSchema for TargetQuery {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "TargetQuery".into()
    }
    /// A phone number, or a target object with exactly one of `type` and `target` (a `null` one
    /// counts as absent), as the decoder requires.
    fn json_schema(g: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let target_type = g.subschema_for::<TargetType>().to_value();
        let nullable = serde_json::json!({ "anyOf": [target_type, { "type": "null" }] });
        schemars::json_schema!({
            "description": "A phone number (the Workspace makes a `CUSTOM_CONTACT` target of it), or a target object.",
            "oneOf": [
                { "title": "PhoneNumber", "type": "string" },
                {
                    "title": "TargetObject",
                    "description": "A typed target: exactly one of `type` (transfers, conferences) and `target` (as the seed documents for `interaction.consult`).",
                    "type": "object",
                    "properties": {
                        "type": nullable,
                        "target": nullable,
                        "destination": {
                            "description": "The employeeId, group, skill, queue or routing point name, or phone number.",
                            "type": "string"
                        },
                        "media": { "description": "The consultation media.", "type": ["string", "null"] }
                    },
                    "required": ["destination"],
                    "oneOf": [
                        { "required": ["type"], "properties": { "type": target_type } },
                        { "required": ["target"], "properties": { "target": target_type } }
                    ]
                }
            ]
        })
    }
}

/// A CSS length as the Workspace accepts it: pixels as a number, or a string such as `"430px"`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(untagged)]
pub enum Length {
    /// Pixels.
    Pixels(u32),
    /// A CSS length, e.g. `"430px"`.
    Css(String),
}

/// The parameters of a custom toast (`system.popupToast`, `system.updateToast`). The seed marks
/// every parameter optional except `title` and `iconUrl`, so those two are required.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(rename_all = "camelCase")]
#[serde(remote = "Self")]
#[cfg_attr(feature = "schema", schemars(rename = "ToastParameters"))]
pub struct ToastParameters {
    /// The title.
    pub title: String,
    /// The URL of the icon shown in the title bar of the toast (not optional in the seed).
    pub icon_url: String,
    /// The subject.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// The message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Key/value pairs shown in the toast.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_values: Option<UserData>,
    /// Button labels; a click is reported by a `CUSTOM_TOAST_BUTTON_CLICK` system event with
    /// the button's 0-based index.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buttons: Option<Vec<String>>,
    /// Whether to show the dismiss button.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub button_show_dismiss: Option<bool>,
    /// Close the toast after this many milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_close_timeout: Option<u64>,
    /// Also send the toast to the agent's messages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub send_to_my_message: Option<bool>,
    /// The width in pixels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
}

object_only!(ToastParameters);

/// The options of `system.openDialog` (must not be null).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(remote = "Self")]
#[cfg_attr(feature = "schema", schemars(rename = "DialogOptions"))]
pub struct DialogOptions {
    /// The dialog label; may contain `$Agent.FullName$`-style variables.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// The width.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<Length>,
    /// The height.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<Length>,
}

object_only!(DialogOptions);

/// The parameters of `system.updateViewInApplicationMenuBar`. The seed makes `iconUrl`
/// mandatory when there is no `label` and `label` mandatory when there is no `iconUrl`: a view
/// with neither does not decode.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "schema", schemars(extend("anyOf" = [
    { "required": ["iconUrl"], "properties": { "iconUrl": { "type": "string" } } },
    { "required": ["label"], "properties": { "label": { "type": "string" } } }
])))]
pub struct ApplicationMenuView {
    /// The view name.
    pub name: String,
    /// The icon URL (required when there is no `label`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icon_url: Option<String>,
    /// The label (required when there is no `iconUrl`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// The short label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub short_label: Option<String>,
    /// The tooltip.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tooltip: Option<String>,
    /// The label colour, e.g. `#FFFFFF`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label_color: Option<String>,
    /// The background colour.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub background_color: Option<String>,
}

/// The wire shape of [`ApplicationMenuView`], before its `iconUrl`-or-`label` check.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ApplicationMenuViewWire {
    name: String,
    #[serde(default)]
    icon_url: Option<String>,
    #[serde(default)]
    label: Option<String>,
    #[serde(default)]
    short_label: Option<String>,
    #[serde(default)]
    tooltip: Option<String>,
    #[serde(default)]
    label_color: Option<String>,
    #[serde(default)]
    background_color: Option<String>,
}

impl<'de> Deserialize<'de> for ApplicationMenuView {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let w: ApplicationMenuViewWire = crate::macros::deserialize_object(d, "ApplicationMenuView")?;
        if w.icon_url.is_none() && w.label.is_none() {
            return Err(serde::de::Error::custom(format!(
                "the menu view `{}` needs an `iconUrl` or a `label` (the seed makes one of them mandatory)",
                w.name
            )));
        }
        Ok(Self {
            name: w.name,
            icon_url: w.icon_url,
            label: w.label,
            short_label: w.short_label,
            tooltip: w.tooltip,
            label_color: w.label_color,
            background_color: w.background_color,
        })
    }
}

impl ApplicationMenuView {
    /// Whether the view has the `iconUrl` or `label` the Workspace requires.
    pub fn is_valid(&self) -> bool {
        self.icon_url.is_some() || self.label.is_some()
    }
}

/// The `callResult` of `outbound.setCallResult`: a number from `getListOfCallResults`. The seed
/// types it as a string "which must be a number", the library sends a number: both are
/// accepted, and re-encoded in the form received.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CallResultCode {
    value: i64,
    /// The string it was received as (the seed's form), kept verbatim.
    text: Option<String>,
}

impl CallResultCode {
    /// The call result number.
    pub fn value(&self) -> i64 {
        self.value
    }

    /// The string form it was received in, if it was a string (e.g. `"28"`).
    pub fn as_text(&self) -> Option<&str> {
        self.text.as_deref()
    }

    /// The seed's string form: an optional `-` and decimal digits that fit an `i64`.
    ///
    /// # Errors
    /// The text is not such a number (the message says what was wrong).
    pub fn from_text(text: impl Into<String>) -> Result<Self, String> {
        let text = text.into();
        let digits = text.strip_prefix('-').unwrap_or(&text);
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!("callResult {text:?} is not a number (the call result string must be a number)"));
        }
        match text.parse::<i64>() {
            Ok(value) => Ok(Self { value, text: Some(text) }),
            Err(_) => Err(format!("callResult {text:?} is out of range")),
        }
    }
}

impl From<i64> for CallResultCode {
    fn from(value: i64) -> Self {
        Self { value, text: None }
    }
}

impl Serialize for CallResultCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match &self.text {
            None => s.serialize_i64(self.value),
            Some(text) => s.serialize_str(text),
        }
    }
}

impl<'de> Deserialize<'de> for CallResultCode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = CallResultCode;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a call result number, or a string holding one")
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(CallResultCode::from(v))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Self::Value, E> {
                i64::try_from(v).map(CallResultCode::from).map_err(|_| E::custom("callResult is out of range"))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
                CallResultCode::from_text(v).map_err(E::custom)
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(feature = "schema")]
impl JsonSchema for CallResultCode {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "CallResultCode".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "A call result number from `outbound.getListOfCallResults`: a number, or a string holding one (as the seed types it).",
            "anyOf": [
                { "type": "integer" },
                { "type": "string", "pattern": "^-?[0-9]+$" }
            ]
        })
    }
}

open_enum! {
    /// Who calls back a rescheduled record (`outbound.rescheduleRecord`).
    pub enum CallbackType {
        /// Any agent of the campaign.
        Campaign = "CAMPAIGN",
        /// The same agent.
        Personal = "PERSONAL",
    }
}

open_enum! {
    /// The data type of an outbound field (`outbound.Field.fieldType`).
    pub enum FieldType {
        /// Integer.
        Int = "int",
        /// Floating point number.
        Float = "float",
        /// Character.
        Char = "char",
        /// String.
        VarChar = "var-char",
        /// Date string `MM/DD/YYYY HH:MM`.
        Date = "date",
        /// Time string `HH:MM`.
        Time = "time",
        /// Boolean.
        Bool = "bool",
        /// Key/value pairs, see `options`.
        Enum = "enum",
    }
}

open_enum! {
    /// The type of value `updateRecordFields` expects for a field (`outbound.Field.valueType`).
    pub enum ValueType {
        /// A string.
        String = "string",
        /// A number.
        Number = "number",
        /// A boolean.
        Boolean = "boolean",
    }
}

wire_object! {
    /// An outbound record field (`outbound.Field`).
    pub struct Field {
        /// The field name, used in `updateRecordFields`.
        "name" => name: String,
        /// The name displayed in the Workspace.
        "displayName" => display_name: String,
        /// The current value.
        "value" => value: String,
        /// Whether the agent may edit it.
        "isEditable" => is_editable: bool,
        /// Whether it must not be emptied.
        "isMandatory" => is_mandatory: bool,
        /// For `enum` fields: code to label.
        "options" => options: BTreeMap<String, String>,
        /// The data type.
        "fieldType" => field_type: FieldType,
        /// The data type, under the key one seed sample uses instead of `fieldType`.
        "type" => legacy_type: FieldType,
        /// The value type for `updateRecordFields`.
        "valueType" => value_type: ValueType,
    }
}

impl Field {
    /// The data type, whichever key carried it.
    pub fn data_type(&self) -> Option<&FieldType> {
        self.field_type.as_ref().or(self.legacy_type.as_ref())
    }
}

wire_object! {
    /// One group of chained records (`outbound.getChainedRecords`).
    pub struct ChainedRecords {
        /// The records of the chain.
        "records" => records: Vec<OutboundRecord>,
    }
}

wire_object! {
    /// An outbound campaign (`outbound.getCampaigns`); the shape is not documented, so every
    /// field is kept.
    pub struct Campaign {
        /// The campaign name.
        "name" => name: String,
        /// The dialing mode, e.g. `Preview`, `Predictive GVP`.
        "mode" => mode: String,
        /// The campaign state, e.g. `Loaded`, `Started`.
        "state" => state: String,
    }
}

/// The answer of `outbound.getCampaigns`, whose shape the seed does not document: a list of
/// [`Campaign`] objects when it is one, any other non-null JSON kept as received.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Campaigns {
    /// An array of campaign objects.
    List(Vec<Campaign>),
    /// Any other shape (not `null`), kept verbatim.
    Unknown(Value),
}

impl Default for Campaigns {
    fn default() -> Self {
        Self::List(Vec::new())
    }
}

impl From<Vec<Campaign>> for Campaigns {
    fn from(list: Vec<Campaign>) -> Self {
        Self::List(list)
    }
}

impl Campaigns {
    /// The campaigns, when the answer is a list of objects.
    pub fn list(&self) -> Option<&[Campaign]> {
        match self {
            Self::List(list) => Some(list),
            Self::Unknown(_) => None,
        }
    }
}

#[cfg(feature = "schema")]
impl JsonSchema for Campaigns {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Campaigns".into()
    }
    fn json_schema(g: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let list = g.subschema_for::<Vec<Campaign>>().to_value();
        schemars::json_schema!({
            "description": "The campaigns (shape not documented): an array of campaign objects, or any other non-null value.",
            "anyOf": [list, { "not": { "type": "null" } }]
        })
    }
}

impl<'de> Deserialize<'de> for Campaigns {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(d)?;
        if value.is_null() {
            return Err(serde::de::Error::custom("`outbound.getCampaigns` answers campaign details, not null"));
        }
        if value.as_array().is_some_and(|items| items.iter().all(Value::is_object)) {
            // Objects decode as campaigns unless a documented field has another type.
            if let Ok(list) = Vec::<Campaign>::deserialize(&value) {
                return Ok(Self::List(list));
            }
        }
        Ok(Self::Unknown(value))
    }
}

/// A JWT issued by `auth.getJwtToken`. The token never appears in `Debug` output.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(rename_all = "camelCase")]
#[serde(remote = "Self")]
#[cfg_attr(feature = "schema", schemars(rename = "JwtToken"))]
pub struct JwtToken {
    /// The token.
    pub jwt_token: SecretString,
    /// Its expiration, ISO 8601.
    pub expiration: String,
}

object_only!(JwtToken);
