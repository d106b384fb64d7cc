//! Every message kind with its schema id, its JSON Schema, and a typed decoder: the one table
//! that `cargo xtask schemas`, the fixture tests and `cxwire validate`/`cxwire schema` share.
//!
//! A schema id is also a path: `schemas/<id>.json` holds the schema and `tests/fixtures/<id>/`
//! holds the fixtures of that kind.

use std::fmt::Debug;

use schemars::generate::SchemaSettings;
use schemars::transform::RemoveRefSiblings;
use schemars::{JsonSchema, Schema};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

use crate::DecodeError;
use crate::error::from_str_at;
use crate::http::{engagement_v3 as v3, gms_v1 as v1};
use crate::scapi::{
    AgentEvent, ClientMessage, Event, InteractionEvent, OutboundEvent, REQUEST_TYPES, ServiceRequest, SystemEvent,
    Topics, WorkspaceMessage,
};
use crate::{connects, widgets};

/// What a message is, for grouping in `schemas/index.json` and for `cxwire validate`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// A Service Client request frame.
    Request,
    /// A Service Client answer frame.
    Answer,
    /// A Service Client event frame.
    Event,
    /// Subscription and frame-id envelopes.
    Envelope,
    /// A GMS v1 or Engagement v3 HTTP body.
    HttpBody,
    /// A Widgets bus configuration or command options.
    Widgets,
    /// A b+s Connects request or event.
    Connects,
}

/// A message decoded by its registry entry: its typed form and its re-encoding.
#[derive(Clone, Debug, PartialEq)]
pub struct Decoded {
    /// The typed value, pretty-printed with `Debug`.
    pub typed: String,
    /// The typed value encoded back to JSON (equal to the input for a lossless round trip).
    pub json: Value,
}

/// One message kind.
#[derive(Clone, Debug)]
pub struct SchemaEntry {
    /// The schema id, e.g. `scapi/request/agent.setState`.
    pub id: String,
    /// The name on the wire: a request name, a topic, an HTTP operation, a Connects request.
    pub wire_name: String,
    /// The kind.
    pub kind: Kind,
    codec: Codec,
}

type DecodeFn = fn(&str) -> Result<Decoded, DecodeError>;

/// How an entry makes its schema and decodes: on its own, or given its wire name (the Connects
/// requests share one type).
#[derive(Clone, Copy, Debug)]
enum Codec {
    Plain { schema: fn() -> Schema, decode: DecodeFn },
    Named { schema: fn(&str) -> Schema, decode: fn(&str, &str) -> Result<Decoded, DecodeError> },
}

impl SchemaEntry {
    /// The JSON Schema (draft 2020-12).
    pub fn schema(&self) -> Schema {
        match self.codec {
            Codec::Plain { schema, .. } => schema(),
            Codec::Named { schema, .. } => schema(&self.wire_name),
        }
    }

    /// Decodes a document of this kind with the typed model.
    ///
    /// # Errors
    /// The document is not of this kind or does not have its documented shape.
    pub fn decode(&self, text: &str) -> Result<Decoded, DecodeError> {
        match self.codec {
            Codec::Plain { decode, .. } => decode(text),
            Codec::Named { decode, .. } => decode(&self.wire_name, text),
        }
    }

    /// The file of the schema below `schemas/`.
    pub fn file_name(&self) -> String {
        format!("{}.json", self.id)
    }
}

/// The type of one request, produced by the request declarations.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RequestType {
    name: &'static str,
    documented_name: Option<&'static str>,
    parameters: &'static [&'static str],
    required: usize,
    request_schema: fn() -> Schema,
    answer_schema: fn() -> Schema,
    decode_request: DecodeFn,
    decode_answer: DecodeFn,
}

impl RequestType {
    pub(crate) const fn of<R: ServiceRequest>() -> Self {
        Self {
            name: R::NAME,
            documented_name: R::DOCUMENTED_NAME,
            parameters: R::PARAMETER_NAMES,
            required: R::REQUIRED_PARAMETERS,
            request_schema: request_schema::<R>,
            answer_schema: answer_schema::<R>,
            decode_request: decode_request::<R>,
            decode_answer: decode_answer::<R>,
        }
    }
}

/// What the model knows of one request: for catalog checks and `cxwire schema`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RequestInfo {
    /// The wire name.
    pub name: &'static str,
    /// The name the seed documents where it differs (`voice.muteMicrophone` for
    /// `sipEndpoint.muteMicrophone`); accepted like the wire name.
    pub documented_name: Option<&'static str>,
    /// The documented parameter names, in order.
    pub parameters: &'static [&'static str],
    /// How many leading parameters are required.
    pub required: usize,
}

/// Every request the model knows, in catalog order.
pub fn requests() -> impl Iterator<Item = RequestInfo> {
    REQUEST_TYPES.iter().map(|r| RequestInfo {
        name: r.name,
        documented_name: r.documented_name,
        parameters: r.parameters,
        required: r.required,
    })
}

/// Every message kind, requests and answers in catalog order, then the rest.
pub fn entries() -> Vec<SchemaEntry> {
    let mut out = Vec::new();
    for r in REQUEST_TYPES {
        out.push(SchemaEntry {
            id: format!("scapi/request/{}", r.name),
            wire_name: r.name.to_owned(),
            kind: Kind::Request,
            codec: Codec::Plain { schema: r.request_schema, decode: r.decode_request },
        });
        out.push(SchemaEntry {
            id: format!("scapi/answer/{}", r.name),
            wire_name: r.name.to_owned(),
            kind: Kind::Answer,
            codec: Codec::Plain { schema: r.answer_schema, decode: r.decode_answer },
        });
    }
    let mut add = |id: &str, wire: &str, kind: Kind, schema: fn() -> Schema, decode: DecodeFn| {
        out.push(SchemaEntry {
            id: id.to_owned(),
            wire_name: wire.to_owned(),
            kind,
            codec: Codec::Plain { schema, decode },
        });
    };
    add("scapi/event/agent", "agent", Kind::Event, event_schema::<AgentTopic>, decode_event::<AgentTopic>);
    add(
        "scapi/event/interaction",
        "interaction",
        Kind::Event,
        event_schema::<InteractionTopic>,
        decode_event::<InteractionTopic>,
    );
    add("scapi/event/system", "system", Kind::Event, event_schema::<SystemTopic>, decode_event::<SystemTopic>);
    add("scapi/event/outbound", "outbound", Kind::Event, event_schema::<OutboundTopic>, decode_event::<OutboundTopic>);
    add("scapi/event/media", "media", Kind::Event, event_schema::<MediaTopic>, decode_event::<MediaTopic>);
    add("scapi/event/markdone", "markdone", Kind::Event, event_schema::<MarkdoneTopic>, decode_event::<MarkdoneTopic>);
    add(
        "scapi/event/messenger",
        "messenger:<channel>",
        Kind::Event,
        event_schema::<MessengerTopic>,
        decode_event::<MessengerTopic>,
    );
    add("scapi/subscribe", "subscribe", Kind::Envelope, schema_of::<SubscribeSchema>, decode_subscribe);
    add("scapi/unsubscribe", "unsubscribe", Kind::Envelope, schema_of::<UnsubscribeSchema>, decode_unsubscribe);
    add("scapi/subscribed", "subscribe answer", Kind::Envelope, schema_of::<SubscribedSchema>, decode_subscribed);
    add("scapi/frame-id", "frameId", Kind::Envelope, schema_of::<FrameIdSchema>, decode_frame_id);

    add(
        "gms-v1/schedule-request",
        "POST callback/{service}",
        Kind::HttpBody,
        schema_of::<v1::ScheduleRequest>,
        decode_as::<v1::ScheduleRequest>,
    );
    add(
        "gms-v1/schedule-response",
        "POST callback/{service} 200",
        Kind::HttpBody,
        schema_of::<v1::ScheduleResponse>,
        decode_as::<v1::ScheduleResponse>,
    );
    add(
        "gms-v1/reschedule-request",
        "PUT callback/{service}/{id}",
        Kind::HttpBody,
        schema_of::<v1::RescheduleRequest>,
        decode_as::<v1::RescheduleRequest>,
    );
    add("gms-v1/records", "GET callback (query)", Kind::HttpBody, schema_of::<v1::Records>, decode_as::<v1::Records>);
    add(
        "gms-v1/availability",
        "GET callback/{service}/availability",
        Kind::HttpBody,
        schema_of::<v1::Availability>,
        decode_as::<v1::Availability>,
    );
    add("gms-v1/error", "GMS error", Kind::HttpBody, schema_of::<v1::ErrorBody>, decode_as::<v1::ErrorBody>);
    add(
        "gms-v1/request-interaction-request",
        "POST request-interaction",
        Kind::HttpBody,
        schema_of::<v1::RequestInteractionRequest>,
        decode_as::<v1::RequestInteractionRequest>,
    );
    add(
        "gms-v1/request-interaction-response",
        "POST request-interaction 200",
        Kind::HttpBody,
        schema_of::<v1::RequestInteractionResponse>,
        decode_as::<v1::RequestInteractionResponse>,
    );

    add(
        "engagement-v3/create-request",
        "POST /callbacks/create",
        Kind::HttpBody,
        schema_of::<v3::CreateRequest>,
        decode_as::<v3::CreateRequest>,
    );
    add(
        "engagement-v3/create-response",
        "POST /callbacks/create 200",
        Kind::HttpBody,
        schema_of::<v3::CreateResponse>,
        decode_as::<v3::CreateResponse>,
    );
    add(
        "engagement-v3/proposed-slots-response",
        "POST /callbacks/create 429",
        Kind::HttpBody,
        schema_of::<v3::ProposedSlotsResponse>,
        decode_as::<v3::ProposedSlotsResponse>,
    );
    add(
        "engagement-v3/cancel-request",
        "POST /callbacks/cancel",
        Kind::HttpBody,
        schema_of::<v3::IdRequest>,
        decode_as::<v3::IdRequest>,
    );
    add(
        "engagement-v3/cancel-response",
        "POST /callbacks/cancel 200",
        Kind::HttpBody,
        schema_of::<v3::CancelResponse>,
        decode_as::<v3::CancelResponse>,
    );
    add(
        "engagement-v3/retrieve-request",
        "POST /callbacks/retrieve",
        Kind::HttpBody,
        schema_of::<v3::IdRequest>,
        decode_as::<v3::IdRequest>,
    );
    add(
        "engagement-v3/retrieve-response",
        "POST /callbacks/retrieve 200",
        Kind::HttpBody,
        schema_of::<v3::RetrieveResponse>,
        decode_as::<v3::RetrieveResponse>,
    );
    add(
        "engagement-v3/availability-response",
        "GET /callbacks/availability/{serviceName} 200",
        Kind::HttpBody,
        schema_of::<v3::AvailabilityResponse>,
        decode_as::<v3::AvailabilityResponse>,
    );
    add(
        "engagement-v3/call-in-request",
        "POST /call-in/requests/create",
        Kind::HttpBody,
        schema_of::<v3::CallInRequest>,
        decode_as::<v3::CallInRequest>,
    );
    add(
        "engagement-v3/call-in-response",
        "POST /call-in/requests/create 200",
        Kind::HttpBody,
        schema_of::<v3::CallInResponse>,
        decode_as::<v3::CallInResponse>,
    );
    add(
        "engagement-v3/error-response",
        "v3 error",
        Kind::HttpBody,
        schema_of::<v3::ErrorResponse>,
        decode_as::<v3::ErrorResponse>,
    );

    add(
        "widgets/callback-config",
        "_genesys.widgets.callback",
        Kind::Widgets,
        schema_of::<widgets::CallbackConfig>,
        decode_as::<widgets::CallbackConfig>,
    );
    add(
        "widgets/schedule-options",
        "CallbackService.schedule",
        Kind::Widgets,
        schema_of::<widgets::ScheduleOptions>,
        decode_as::<widgets::ScheduleOptions>,
    );
    add(
        "widgets/availability-options",
        "CallbackService.availability",
        Kind::Widgets,
        schema_of::<widgets::AvailabilityOptions>,
        decode_as::<widgets::AvailabilityOptions>,
    );
    add(
        "widgets/request-number-options",
        "ClickToCallService.requestNumber",
        Kind::Widgets,
        schema_of::<widgets::RequestNumberOptions>,
        decode_as::<widgets::RequestNumberOptions>,
    );

    for name in connects::ConnectsRequest::NAMES {
        out.push(SchemaEntry {
            id: format!("connects/{name}"),
            wire_name: (*name).to_owned(),
            kind: Kind::Connects,
            codec: Codec::Named { schema: connects_request_schema, decode: decode_connects_request },
        });
    }
    let mut add = |id: &str, wire: &str, schema: fn() -> Schema, decode: DecodeFn| {
        out.push(SchemaEntry {
            id: id.to_owned(),
            wire_name: wire.to_owned(),
            kind: Kind::Connects,
            codec: Codec::Plain { schema, decode },
        });
    };
    add("connects/click-to-act", "click-to-act", schema_of::<connects::ClickToAct>, decode_connects_click_to_act);
    add(
        "connects/custom-event",
        "integrationapi | CIClickToAct",
        schema_of::<connects::ConnectsCustomEvent>,
        decode_connects_custom_event,
    );
    add(
        "connects/agent-state-change",
        "agentStateChange",
        schema_of::<connects::AgentStateChange>,
        decode_as::<connects::AgentStateChange>,
    );
    add(
        "connects/workitem-event",
        "workitem*",
        schema_of::<connects::WorkitemEvent>,
        decode_as::<connects::WorkitemEvent>,
    );
    out
}

/// Finds the entry of a schema id.
pub fn entry(id: &str) -> Option<SchemaEntry> {
    entries().into_iter().find(|e| e.id == id)
}

/// `schemas/index.json`: for each wire name, its kind and schema file(s).
pub fn index() -> Value {
    let mut by_name = Map::new();
    for e in entries() {
        let slot = by_name.entry(e.wire_name.clone()).or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(m) = slot {
            m.insert(
                serde_json::to_value(e.kind).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default(),
                Value::String(e.file_name()),
            );
        }
    }
    json!({
        "description": "cxwire JSON Schemas: wire name -> kind -> schema file (relative to this directory). Generated by `cargo xtask schemas`; do not edit.",
        "schemas": by_name,
    })
}

// ---------------------------------------------------------------------------------------------
// Schemas.

fn generator() -> schemars::SchemaGenerator {
    SchemaSettings::draft2020_12().with_transform(RemoveRefSiblings::default()).into_generator()
}

fn schema_of<T: JsonSchema>() -> Schema {
    generator().into_root_schema_for::<T>()
}

fn patch(mut schema: Schema, f: impl FnOnce(&mut Map<String, Value>)) -> Schema {
    if let Some(obj) = schema.as_object_mut() {
        f(obj);
    }
    schema
}

fn set_property(obj: &mut Map<String, Value>, name: &str, value: Value) {
    if let Some(Value::Object(props)) = obj.get_mut("properties") {
        props.insert(name.to_owned(), value);
    }
}

fn require(obj: &mut Map<String, Value>, name: &str) {
    let required = obj.entry("required").or_insert_with(|| Value::Array(Vec::new()));
    if let Value::Array(items) = required
        && !items.iter().any(|v| v == name)
    {
        items.push(Value::String(name.to_owned()));
    }
}

/// The fields every frame may carry.
#[derive(JsonSchema)]
#[allow(dead_code)]
struct EnvelopeFields {
    /// `WWE Client` or `WWE Server`.
    #[serde(rename = "userAgent", default)]
    user_agent: Option<String>,
    /// 2.
    #[serde(rename = "protocolVersion", default)]
    protocol_version: Option<u32>,
    /// The frame id assigned by the Workspace.
    #[serde(rename = "frameId", default)]
    frame_id: Option<u64>,
}

/// A request frame.
#[derive(JsonSchema)]
#[allow(dead_code)]
struct RequestSchema<P> {
    /// The request name.
    request: String,
    /// The positional parameters (omitted when there are none).
    #[serde(default)]
    parameters: Option<P>,
    /// The correlation id.
    #[serde(rename = "referenceId", default)]
    reference_id: Option<String>,
    #[serde(flatten)]
    envelope: EnvelopeFields,
}

/// An answer frame: a failure exactly when `errorMessage` is present.
#[derive(JsonSchema)]
#[allow(dead_code)]
struct AnswerSchema<T> {
    /// The request name.
    #[serde(default)]
    request: Option<String>,
    /// The correlation id.
    #[serde(rename = "referenceId", default)]
    reference_id: Option<String>,
    /// The answer (success).
    #[serde(default)]
    data: Option<T>,
    /// The error (failure; may be null).
    #[serde(rename = "errorMessage", default)]
    error_message: Option<String>,
    #[serde(flatten)]
    envelope: EnvelopeFields,
}

/// The schema of a request's `request` field: its wire name, or either of its two names.
fn request_name_schema<R: ServiceRequest>() -> Value {
    match R::DOCUMENTED_NAME {
        None => json!({ "const": R::NAME }),
        Some(documented) => json!({
            "description": format!("`{}` (sent by the published library) or `{documented}` (as documented)", R::NAME),
            "enum": [R::NAME, documented],
        }),
    }
}

fn request_schema<R: ServiceRequest>() -> Schema {
    let schema = schema_of::<RequestSchema<R>>();
    patch(schema, |obj| {
        obj.insert("title".into(), json!(format!("{} request", R::NAME)));
        set_property(obj, "request", request_name_schema::<R>());
        if R::REQUIRED_PARAMETERS > 0 {
            require(obj, "parameters");
        }
    })
}

fn answer_schema<R: ServiceRequest>() -> Schema {
    let schema = schema_of::<AnswerSchema<R::Response>>();
    patch(schema, |obj| {
        obj.insert("title".into(), json!(format!("{} answer", R::NAME)));
        set_property(obj, "request", request_name_schema::<R>());
        // A frame with parameters is a request, never an answer.
        obj.insert("not".into(), json!({ "required": ["parameters"] }));
    })
}

/// An event frame of one topic.
#[derive(JsonSchema)]
#[allow(dead_code)]
struct EventSchema<T> {
    /// The topic.
    event: String,
    /// The payload.
    data: T,
    #[serde(flatten)]
    envelope: EnvelopeFields,
}

/// A topic: its name, payload type, and typed decode check.
trait TopicSchema {
    const TOPIC: &'static str;
    type Payload: JsonSchema;
    fn matches(event: &Event) -> bool;
}

macro_rules! topic {
    ($name:ident, $topic:literal, $payload:ty, $pat:pat) => {
        struct $name;
        impl TopicSchema for $name {
            const TOPIC: &'static str = $topic;
            type Payload = $payload;
            fn matches(event: &Event) -> bool {
                matches!(event, $pat)
            }
        }
    };
}

topic!(AgentTopic, "agent", AgentEvent, Event::Agent(_));
topic!(InteractionTopic, "interaction", InteractionEvent, Event::Interaction(_) | Event::Unknown { .. });
topic!(SystemTopic, "system", SystemEvent, Event::System(_));
topic!(OutboundTopic, "outbound", OutboundEvent, Event::Outbound(_));
topic!(MediaTopic, "media", Value, Event::Media(_));
topic!(MarkdoneTopic, "markdone", Value, Event::Markdone(_));
topic!(MessengerTopic, "messenger:<channel>", Value, Event::Messenger { .. });

fn event_schema<T: TopicSchema>() -> Schema {
    patch(schema_of::<EventSchema<T::Payload>>(), |obj| {
        obj.insert("title".into(), json!(format!("{} event", T::TOPIC)));
        let event = match T::TOPIC.strip_suffix("<channel>") {
            Some(prefix) => json!({ "type": "string", "pattern": format!("^{prefix}") }),
            None => json!({ "const": T::TOPIC }),
        };
        set_property(obj, "event", event);
    })
}

/// `{"event": "subscribe", "data": topics}`.
#[derive(JsonSchema)]
#[allow(dead_code)]
struct SubscribeSchema {
    /// `subscribe`.
    #[schemars(extend("const" = "subscribe"))]
    event: String,
    /// The topics.
    data: Topics,
    /// The correlation id of the answer.
    #[serde(rename = "referenceId", default)]
    reference_id: Option<String>,
    #[serde(flatten)]
    envelope: EnvelopeFields,
}

/// `{"event": "unsubscribe", "data": subscriptionId}`.
#[derive(JsonSchema)]
#[allow(dead_code)]
struct UnsubscribeSchema {
    /// `unsubscribe`.
    #[schemars(extend("const" = "unsubscribe"))]
    event: String,
    /// The subscription id.
    data: String,
    /// The correlation id.
    #[serde(rename = "referenceId", default)]
    reference_id: Option<String>,
    #[serde(flatten)]
    envelope: EnvelopeFields,
}

/// The answer to `subscribe`.
#[derive(JsonSchema)]
#[allow(dead_code)]
struct SubscribedSchema {
    /// The correlation id of the subscribe frame.
    #[serde(rename = "referenceId")]
    reference_id: String,
    /// The subscription id, for `unsubscribe`.
    #[serde(rename = "subscriptionId")]
    subscription_id: String,
    #[serde(flatten)]
    envelope: EnvelopeFields,
}

/// The frame id assignment.
#[derive(JsonSchema)]
#[allow(dead_code)]
struct FrameIdSchema {
    /// The assigned frame id.
    #[serde(rename = "frameId")]
    frame_id: u64,
    /// `WWE Server`.
    #[serde(rename = "userAgent", default)]
    user_agent: Option<String>,
    /// 2.
    #[serde(rename = "protocolVersion", default)]
    protocol_version: Option<u32>,
}

/// The schema of one Connects request: its variant of the tagged enum, with the `$defs` kept.
fn connects_request_schema(name: &str) -> Schema {
    patch(schema_of::<connects::ConnectsRequest>(), |obj| {
        let variant = obj.get("oneOf").and_then(Value::as_array).and_then(|variants| {
            variants
                .iter()
                .find(|v| v.pointer("/properties/request/const").and_then(Value::as_str) == Some(name))
                .cloned()
        });
        obj.remove("oneOf");
        if let Some(Value::Object(variant)) = variant {
            obj.extend(variant);
        }
        obj.insert("title".into(), json!(format!("b+s Connects {name}")));
    })
}

// ---------------------------------------------------------------------------------------------
// Decoders.

fn decoded<T: Debug + Serialize>(typed: &T) -> Decoded {
    Decoded { typed: format!("{typed:#?}"), json: serde_json::to_value(typed).unwrap_or(Value::Null) }
}

fn wrong_kind(expected: &'static str) -> DecodeError {
    DecodeError::Unclassifiable { reason: expected }
}

fn decode_as<T: DeserializeOwned + Serialize + Debug>(text: &str) -> Result<Decoded, DecodeError> {
    let typed: T = from_str_at(|| std::any::type_name::<T>().rsplit("::").next().unwrap_or("body").to_owned(), text)?;
    Ok(decoded(&typed))
}

fn decode_request<R: ServiceRequest>(text: &str) -> Result<Decoded, DecodeError> {
    match ClientMessage::decode(text)? {
        ClientMessage::Request(frame)
            if frame.request.name() == R::NAME && !matches!(frame.request, crate::scapi::Request::Raw(_)) =>
        {
            Ok(decoded(&frame).with_typed(format!("{frame:#?}")))
        }
        _ => Err(wrong_kind("not a request frame of this request")),
    }
}

fn decode_answer<R: ServiceRequest>(text: &str) -> Result<Decoded, DecodeError> {
    if serde_json::from_str::<Value>(text).is_ok_and(|v| v.get("parameters").is_some()) {
        return Err(wrong_kind("a frame with parameters is a request, not an answer"));
    }
    let WorkspaceMessage::Answer(frame) = WorkspaceMessage::decode(text)? else {
        return Err(wrong_kind("not an answer frame"));
    };
    if frame.request.as_deref().is_some_and(|name| !R::is_named(name)) {
        return Err(wrong_kind("an answer to another request"));
    }
    let mut json = serde_json::to_value(&frame).unwrap_or(Value::Null);
    let typed = if let Some(failure) = frame.failure_reason() {
        format!("{frame:#?}\n{failure:#?}")
    } else {
        let response = frame.decode_data::<R>()?;
        // Re-encode the data from its typed form, so the round trip tests the model.
        if let (Some(_), Value::Object(obj)) = (&frame.data, &mut json) {
            obj.insert("data".into(), serde_json::to_value(&response).unwrap_or(Value::Null));
        }
        format!("{frame:#?}\n{response:#?}")
    };
    Ok(Decoded { typed, json })
}

fn decode_event<T: TopicSchema>(text: &str) -> Result<Decoded, DecodeError> {
    match WorkspaceMessage::decode(text)? {
        WorkspaceMessage::Event(frame) if T::matches(&frame.event) => {
            Ok(decoded(&frame).with_typed(format!("{frame:#?}")))
        }
        _ => Err(wrong_kind("not an event frame of this topic")),
    }
}

fn decode_subscribe(text: &str) -> Result<Decoded, DecodeError> {
    match ClientMessage::decode(text)? {
        ClientMessage::Subscribe(f) => Ok(decoded(&f).with_typed(format!("{f:#?}"))),
        _ => Err(wrong_kind("not a subscribe frame")),
    }
}

fn decode_unsubscribe(text: &str) -> Result<Decoded, DecodeError> {
    match ClientMessage::decode(text)? {
        ClientMessage::Unsubscribe(f) => Ok(decoded(&f).with_typed(format!("{f:#?}"))),
        _ => Err(wrong_kind("not an unsubscribe frame")),
    }
}

fn decode_subscribed(text: &str) -> Result<Decoded, DecodeError> {
    match WorkspaceMessage::decode(text)? {
        WorkspaceMessage::Answer(f) if f.subscription_id.is_some() => Ok(decoded(&f).with_typed(format!("{f:#?}"))),
        _ => Err(wrong_kind("not an answer carrying a subscriptionId")),
    }
}

fn decode_frame_id(text: &str) -> Result<Decoded, DecodeError> {
    match WorkspaceMessage::decode(text)? {
        WorkspaceMessage::FrameId(f) => Ok(decoded(&f).with_typed(format!("{f:#?}"))),
        _ => Err(wrong_kind("not a frame id assignment")),
    }
}

fn decode_connects_request(name: &str, text: &str) -> Result<Decoded, DecodeError> {
    match connects::ConnectsMessage::decode(text)? {
        connects::ConnectsMessage::Request(r) if r.name() == name => Ok(decoded(&r).with_typed(format!("{r:#?}"))),
        _ => Err(wrong_kind("not a known b+s Connects request")),
    }
}

fn decode_connects_click_to_act(text: &str) -> Result<Decoded, DecodeError> {
    match connects::ConnectsMessage::decode(text)? {
        m @ connects::ConnectsMessage::ClickToAct(_) => Ok(decoded(&m).with_typed(format!("{m:#?}"))),
        _ => Err(wrong_kind("not a click-to-act payload")),
    }
}

fn decode_connects_custom_event(text: &str) -> Result<Decoded, DecodeError> {
    let event = connects::ConnectsCustomEvent::decode(text)?;
    Ok(decoded(&event).with_typed(format!("{event:#?}")))
}

impl Decoded {
    fn with_typed(mut self, typed: String) -> Self {
        self.typed = typed;
        self
    }
}
