//! Every message kind with its schema id, its JSON Schema, and a typed decoder: the one table
//! that `cargo xtask schemas`, the fixture tests and `cxwire validate`/`cxwire schema` share.
//!
//! A schema id is also a path: `schemas/<id>.json` holds the schema and `tests/fixtures/<id>/`
//! holds the fixtures of that kind.

use std::fmt::Debug;

use schemars::generate::SchemaSettings;
use schemars::transform::{RemoveRefSiblings, Transform, transform_subschemas};
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

use crate::DecodeError;
use crate::error::from_str_at;
use crate::http::{engagement_v3 as v3, gms_v1 as v1};
use crate::scapi::{
    AgentEvent, AgentEventType, ClientMessage, Event, InteractionEvent, InteractionEventType, OutboundEvent,
    OutboundEventType, REQUEST_TYPES, ServiceRequest, SystemEvent, SystemEventType, Topics, WorkspaceMessage,
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
    /// Any of several kinds: all requests, all answers, all events, all frames of one side, all
    /// messages of one HTTP API.
    Union,
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
    Plain {
        schema: fn() -> Schema,
        decode: DecodeFn,
    },
    Named {
        schema: fn(&str) -> Schema,
        decode: fn(&str, &str) -> Result<Decoded, DecodeError>,
    },
    /// Any kind of one family (the first segment of the id).
    Family(&'static str),
}

impl SchemaEntry {
    /// The JSON Schema (draft 2020-12), standing alone: the types it uses in `$defs`, the kinds
    /// of a union inlined. `schemas/` holds the same schema split into files ([`schema_files`]).
    pub fn schema(&self) -> Schema {
        let mut schema = bundle(self.raw_schema());
        if let Some(obj) = schema.as_object_mut() {
            obj.insert("$schema".into(), json!("https://json-schema.org/draft/2020-12/schema"));
            obj.insert("$id".into(), json!(schema_uri(&self.file_name())));
        }
        schema
    }

    /// The schema with its definitions in `$defs` and the kinds of a union as `cxwire:entry/`
    /// references.
    fn raw_schema(&self) -> Schema {
        match self.codec {
            Codec::Plain { schema, .. } => schema(),
            Codec::Named { schema, .. } => schema(&self.wire_name),
            Codec::Family(family) => family_schema(family),
        }
    }

    /// The ids of the kinds a union entry stands for (empty for other entries).
    pub fn members(&self) -> Vec<String> {
        fn refs(node: &Value, out: &mut Vec<String>) {
            match node {
                Value::Object(obj) => {
                    if let Some(id) = obj.get("$ref").and_then(Value::as_str).and_then(|r| r.strip_prefix(ENTRY_REF)) {
                        out.push(id.to_owned());
                    }
                    obj.values().for_each(|v| refs(v, out));
                }
                Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
                _ => {}
            }
        }
        let mut out = Vec::new();
        if self.kind == Kind::Union {
            refs(&self.raw_schema().to_value(), &mut out);
        }
        out
    }

    /// Decodes a document of this kind with the typed model.
    ///
    /// # Errors
    /// The document is not of this kind or does not have its documented shape.
    pub fn decode(&self, text: &str) -> Result<Decoded, DecodeError> {
        match self.codec {
            Codec::Plain { decode, .. } => decode(text),
            Codec::Named { decode, .. } => decode(&self.wire_name, text),
            Codec::Family(family) => decode_family(family, text),
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
    all_entries().to_vec()
}

fn all_entries() -> &'static [SchemaEntry] {
    static ALL: std::sync::OnceLock<Vec<SchemaEntry>> = std::sync::OnceLock::new();
    ALL.get_or_init(build_entries)
}

fn build_entries() -> Vec<SchemaEntry> {
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
    add("scapi/subscribe", "subscribe", Kind::Envelope, subscribe_schema, decode_subscribe);
    add("scapi/unsubscribe", "unsubscribe", Kind::Envelope, unsubscribe_schema, decode_unsubscribe);
    add("scapi/subscribed", "subscribe answer", Kind::Envelope, subscribed_schema, decode_subscribed);
    add("scapi/frame-id", "frameId", Kind::Envelope, frame_id_schema, decode_frame_id);

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
    add("connects/click-to-act", "click-to-act", click_to_act_schema, decode_connects_click_to_act);
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

    let mut union = |id: &str, wire: &str, schema: fn() -> Schema, decode: DecodeFn| {
        out.push(SchemaEntry {
            id: id.to_owned(),
            wire_name: wire.to_owned(),
            kind: Kind::Union,
            codec: Codec::Plain { schema, decode },
        });
    };
    union("scapi/request", "any request", any_request_schema, decode_any_request);
    union("scapi/answer", "any answer", any_answer_schema, decode_any_answer);
    union("scapi/event", "any event", any_event_schema, decode_any_event);
    union("scapi/client-frame", "any client frame", client_frame_schema, decode_client_frame);
    union("scapi/server-frame", "any Workspace frame", server_frame_schema, decode_server_frame);
    for family in ["gms-v1", "engagement-v3", "widgets", "connects"] {
        out.push(SchemaEntry {
            id: format!("{family}/any"),
            wire_name: format!("any {family} message"),
            kind: Kind::Union,
            codec: Codec::Family(family),
        });
    }
    out
}

/// Finds the entry of a schema id: what `cxwire validate --kind ID` checks a document against.
///
/// ```
/// use cxwire_model::registry;
///
/// let kind = registry::entry("scapi/request/agent.setState").expect("a known schema id");
/// let ok = kind.decode(r#"{"request": "agent.setState", "parameters": ["Ready"], "referenceId": "1"}"#);
/// assert!(ok.is_ok());
/// // A known request with a malformed parameter is an error that names its path.
/// let bad = kind.decode(r#"{"request": "agent.setState", "parameters": [5], "referenceId": "1"}"#);
/// assert!(bad.unwrap_err().to_string().contains("parameters"));
/// // The JSON Schema of the same kind, standing alone.
/// assert_eq!(kind.schema().to_value()["$schema"], "https://json-schema.org/draft/2020-12/schema");
/// ```
pub fn entry(id: &str) -> Option<SchemaEntry> {
    all_entries().iter().find(|e| e.id == id).cloned()
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

/// The base of every schema `$id`: the file `schemas/<path>` has the `$id` `<base><path>`.
/// The host is reserved (`.invalid`): the ids name files, nothing is fetched; resolve them from
/// the `schemas/` directory (references between files are relative, so a file-based resolver
/// works too).
pub const SCHEMA_BASE_URI: &str = "https://cxwire.invalid/schemas/";

/// A reference to another entry's schema inside a union, before [`SchemaEntry::schema`] inlines
/// it or [`schema_files`] makes it a relative file reference.
const ENTRY_REF: &str = "cxwire:entry/";

/// The `$id` of the schema file `path` (relative to `schemas/`).
pub fn schema_uri(path: &str) -> String {
    format!("{SCHEMA_BASE_URI}{path}")
}

fn entry_ref(id: &str) -> Value {
    json!({ "$ref": format!("{ENTRY_REF}{id}") })
}

/// Adds the bounds of sized integers (`u32`, `i64`, ...) that the decoder enforces.
#[derive(Clone)]
struct IntegerBounds;

impl Transform for IntegerBounds {
    fn transform(&mut self, schema: &mut Schema) {
        if let Some(obj) = schema.as_object_mut() {
            let bounds = match obj.get("format").and_then(Value::as_str) {
                Some("int32") => Some((json!(i32::MIN), json!(i32::MAX))),
                Some("int64") => Some((json!(i64::MIN), json!(i64::MAX))),
                Some("uint32") => Some((json!(0), json!(u32::MAX))),
                Some("uint64") => Some((json!(0), json!(u64::MAX))),
                _ => None,
            };
            if let Some((min, max)) = bounds {
                obj.entry("minimum").or_insert(min);
                obj.entry("maximum").or_insert(max);
            }
        }
        transform_subschemas(self, schema);
    }
}

fn generator() -> SchemaGenerator {
    SchemaSettings::draft2020_12()
        .with_transform(RemoveRefSiblings::default())
        .with_transform(IntegerBounds)
        .into_generator()
}

/// A root schema: `body` (built with `g`), its title, and the definitions `g` collected.
fn root(mut g: SchemaGenerator, title: &str, body: Value) -> Schema {
    let mut schema = Schema::try_from(body).unwrap_or_default();
    RemoveRefSiblings::default().transform(&mut schema);
    IntegerBounds.transform(&mut schema);
    // The definitions are transformed on their own (beside them, a root `$ref` is no sibling).
    let definitions = g.take_definitions(true);
    if let Some(obj) = schema.as_object_mut()
        && !definitions.is_empty()
    {
        obj.insert("$defs".into(), Value::Object(definitions));
    }
    if let Some(obj) = schema.as_object_mut() {
        obj.insert("title".into(), json!(title));
    }
    schema
}

/// The schema of a type: a reference to its definition (one file per type), or the type inline
/// when it has no name of its own (maps, lists, primitives).
fn schema_of<T: JsonSchema>() -> Schema {
    let mut g = generator();
    let mut body = g.subschema_for::<T>().to_value();
    if body.get("$ref").is_some() {
        // `allOf: [$ref]` rather than a bare root `$ref`: some file-based resolvers (the one of
        // json-schema-to-typescript) lose the referenced file's base URI otherwise.
        body = json!({ "allOf": [body] });
    }
    root(g, &T::schema_name(), body)
}

fn patch(mut schema: Schema, f: impl FnOnce(&mut Map<String, Value>)) -> Schema {
    if let Some(obj) = schema.as_object_mut() {
        f(obj);
    }
    schema
}

/// Every top-level key the frame decoder reads, with the type it requires (a key of the wrong
/// type fails the frame whatever its kind); each kind narrows some of them.
fn frame_properties() -> Map<String, Value> {
    let props = json!({
        "event": {
            "description": "The topic of an event frame (`null` or `\"\"` is no event, as in the library).",
            "type": ["string", "null"]
        },
        "request": { "description": "The request name.", "type": "string" },
        "referenceId": { "description": "The correlation id.", "type": "string" },
        "parameters": { "description": "The positional parameters of a request." },
        "data": { "description": "The payload: an event's, or a successful answer's." },
        "errorMessage": {
            "description": "The error of a failed answer (present, even as `null`, means failure).",
            "type": ["string", "null"]
        },
        "subscriptionId": { "description": "The subscription id (answers to `subscribe`).", "type": "string" },
        "userAgent": { "description": "`WWE Client` or `WWE Server`.", "type": "string" },
        "protocolVersion": { "description": "2.", "type": "integer", "minimum": 0, "maximum": u32::MAX },
        "frameId": {
            "description": "The frame id assigned by the Workspace.",
            "type": "integer",
            "minimum": 0,
            "maximum": u64::MAX
        }
    });
    match props {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// `event` absent, `null` or `""`: not an event frame.
fn no_event() -> Value {
    json!({ "description": "Absent (or `null`/`\"\"`): not an event.", "enum": [null, ""] })
}

/// What makes a Workspace frame an answer, as the decoder classifies: a `referenceId`, or
/// (without a `frameId`, which would make it a frame id assignment) a `request` or an
/// `errorMessage`.
fn answer_classification() -> Value {
    json!([
        { "required": ["referenceId"] },
        { "required": ["request"], "not": { "required": ["frameId"] } },
        { "required": ["errorMessage"], "not": { "required": ["frameId"] } }
    ])
}

fn object(description: &str, properties: Map<String, Value>, required: &[&str]) -> Map<String, Value> {
    let mut obj = Map::new();
    obj.insert("description".into(), json!(description));
    obj.insert("type".into(), json!("object"));
    obj.insert("properties".into(), Value::Object(properties));
    if !required.is_empty() {
        obj.insert("required".into(), json!(required));
    }
    obj
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
    let mut g = generator();
    let mut props = frame_properties();
    props.insert("request".into(), request_name_schema::<R>());
    props.insert("parameters".into(), R::json_schema(&mut g).to_value());
    props.insert("event".into(), no_event());
    props.insert("data".into(), json!(false));
    props.insert("errorMessage".into(), json!(false));
    let required: &[&str] = if R::REQUIRED_PARAMETERS > 0 { &["request", "parameters"] } else { &["request"] };
    let body = object(
        "A request frame: `parameters` are positional (omitted when there are none to send); a request carries no `data` or `errorMessage`.",
        props,
        required,
    );
    root(g, &format!("{} request", R::NAME), Value::Object(body))
}

fn answer_schema<R: ServiceRequest>() -> Schema {
    let mut g = generator();
    let data = g.subschema_for::<R::Response>().to_value();
    // An absent `data` decodes as `null`: required exactly when the answer type refuses null.
    let data_required = serde_json::from_str::<R::Response>("null").is_err();
    let mut props = frame_properties();
    props.insert("request".into(), request_name_schema::<R>());
    props.insert("event".into(), no_event());
    // A frame with parameters is a request, never an answer.
    props.insert("parameters".into(), json!(false));
    let mut body = object(
        "An answer frame: a failure exactly when `errorMessage` is present (then `data` is not read), a success otherwise.",
        props,
        &[],
    );
    body.insert("anyOf".into(), answer_classification());
    let success_required: &[&str] = if data_required { &["data"] } else { &[] };
    body.insert(
        "oneOf".into(),
        json!([
            { "title": "Failure", "required": ["errorMessage"] },
            {
                "title": "Success",
                "properties": { "errorMessage": false, "data": data },
                "required": success_required
            }
        ]),
    );
    root(g, &format!("{} answer", R::NAME), Value::Object(body))
}

/// A topic: its name, payload schema, and typed decode check.
trait TopicSchema {
    const TOPIC: &'static str;
    /// The payload's schema; `None` for the topics whose payload is not documented (any value,
    /// `data` may be absent).
    fn payload(g: &mut SchemaGenerator) -> Option<Value>;
    fn matches(event: &Event) -> bool;
}

macro_rules! topic {
    ($name:ident, $topic:literal, typed $payload:ty, $known:expr, $pat:pat) => {
        struct $name;
        impl TopicSchema for $name {
            const TOPIC: &'static str = $topic;
            fn payload(g: &mut SchemaGenerator) -> Option<Value> {
                Some(typed_payload::<$payload>(g, $topic, $known))
            }
            fn matches(event: &Event) -> bool {
                match event {
                    $pat => true,
                    // An unknown event type whose payload does not fit the topic's fields.
                    Event::Unknown { topic, .. } => topic == $topic,
                    _ => false,
                }
            }
        }
    };
    ($name:ident, $topic:literal, $pat:pat) => {
        struct $name;
        impl TopicSchema for $name {
            const TOPIC: &'static str = $topic;
            fn payload(_: &mut SchemaGenerator) -> Option<Value> {
                None
            }
            fn matches(event: &Event) -> bool {
                matches!(event, $pat)
            }
        }
    };
}

topic!(AgentTopic, "agent", typed AgentEvent, AgentEventType::KNOWN, Event::Agent(_));
topic!(InteractionTopic, "interaction", typed InteractionEvent, InteractionEventType::KNOWN, Event::Interaction(_));
topic!(SystemTopic, "system", typed SystemEvent, SystemEventType::KNOWN, Event::System(_));
topic!(OutboundTopic, "outbound", typed OutboundEvent, OutboundEventType::KNOWN, Event::Outbound(_));
topic!(MediaTopic, "media", Event::Media(_));
topic!(MarkdoneTopic, "markdone", Event::Markdone(_));
topic!(MessengerTopic, "messenger:<channel>", Event::Messenger { .. });

/// A typed payload: the topic's object with the fields each known event type requires, or an
/// object whose `eventType` this version does not know (kept raw by the decoder).
fn typed_payload<P: JsonSchema>(g: &mut SchemaGenerator, topic: &str, known: &[&str]) -> Value {
    let mut typed = vec![g.subschema_for::<P>().to_value()];
    typed.extend(crate::scapi::payload_rules(topic));
    json!({
        "anyOf": [
            { "allOf": typed },
            {
                "title": "UnknownEventType",
                "description": "An event type this version does not know: any payload (kept raw).",
                "type": "object",
                "required": ["eventType"],
                "properties": { "eventType": { "type": "string", "not": { "enum": known } } }
            }
        ]
    })
}

fn event_schema<T: TopicSchema>() -> Schema {
    let mut g = generator();
    let mut props = frame_properties();
    let event = match T::TOPIC.strip_suffix("<channel>") {
        Some(prefix) => json!({ "type": "string", "pattern": format!("^{prefix}") }),
        None => json!({ "const": T::TOPIC }),
    };
    props.insert("event".into(), event);
    let payload = T::payload(&mut g);
    let required: &[&str] = if payload.is_some() { &["event", "data"] } else { &["event"] };
    if let Some(payload) = payload {
        props.insert("data".into(), payload);
    }
    let body = object("An event frame of one topic.", props, required);
    root(g, &format!("{} event", T::TOPIC), Value::Object(body))
}

fn subscribe_schema() -> Schema {
    let mut g = generator();
    let mut props = frame_properties();
    props.insert("event".into(), json!({ "const": "subscribe" }));
    props.insert("data".into(), g.subschema_for::<Topics>().to_value());
    let body = object("`{\"event\": \"subscribe\", \"data\": topics}`.", props, &["event", "data"]);
    root(g, "subscribe", Value::Object(body))
}

fn unsubscribe_schema() -> Schema {
    let mut props = frame_properties();
    props.insert("event".into(), json!({ "const": "unsubscribe" }));
    props.insert("data".into(), json!({ "description": "The subscription id.", "type": "string" }));
    let body = object("`{\"event\": \"unsubscribe\", \"data\": subscriptionId}`.", props, &["event", "data"]);
    root(generator(), "unsubscribe", Value::Object(body))
}

fn subscribed_schema() -> Schema {
    let mut props = frame_properties();
    props.insert("event".into(), no_event());
    let mut body = object("The answer to `subscribe`: it carries the `subscriptionId`.", props, &["subscriptionId"]);
    body.insert("anyOf".into(), answer_classification());
    root(generator(), "subscribed", Value::Object(body))
}

fn frame_id_schema() -> Schema {
    let mut props = frame_properties();
    props.insert("event".into(), no_event());
    props.insert("referenceId".into(), json!(false));
    let body = object("The frame id assignment: a `frameId` without `event` or `referenceId`.", props, &["frameId"]);
    root(generator(), "frame id", Value::Object(body))
}

/// The schema of one Connects request: its variant of the tagged enum.
fn connects_request_schema(name: &str) -> Schema {
    let mut g = generator();
    let all = <connects::ConnectsRequest as JsonSchema>::json_schema(&mut g).to_value();
    let variant = all.get("oneOf").and_then(Value::as_array).and_then(|variants| {
        variants.iter().find(|v| v.pointer("/properties/request/const").and_then(Value::as_str) == Some(name)).cloned()
    });
    root(g, &format!("b+s Connects {name}"), variant.unwrap_or(Value::Bool(false)))
}

fn click_to_act_schema() -> Schema {
    // A payload with `request` is a request (or an unknown one), never click-to-act.
    patch(schema_of::<connects::ClickToAct>(), |obj| {
        let reference = obj.remove("$ref");
        let mut all_of = match obj.remove("allOf") {
            Some(Value::Array(items)) => items,
            _ => Vec::new(),
        };
        if let Some(reference) = reference {
            all_of.push(json!({ "$ref": reference }));
        }
        all_of.push(json!({ "properties": { "request": false } }));
        obj.insert("allOf".into(), Value::Array(all_of));
    })
}

// Unions.

/// Every name a known request goes by: its wire name, and the documented `voice.*` name of the
/// six SIP endpoint calls. The unions' branch for requests this version does not know excludes
/// them all, so that each known name is checked against its own request.
fn known_request_names() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = crate::scapi::REQUEST_NAMES.to_vec();
    names.extend(crate::scapi::DOCUMENTED_NAMES.iter().map(|(documented, _)| *documented));
    names
}

fn any_request_schema() -> Schema {
    let mut branches: Vec<Value> =
        REQUEST_TYPES.iter().map(|r| entry_ref(&format!("scapi/request/{}", r.name))).collect();
    let mut props = frame_properties();
    props.insert("request".into(), json!({ "type": "string", "not": { "enum": known_request_names() } }));
    props.insert("parameters".into(), json!({ "type": "array" }));
    props.insert("event".into(), no_event());
    props.insert("data".into(), json!(false));
    props.insert("errorMessage".into(), json!(false));
    let mut unknown =
        object("A request this version does not know: any positional parameters (kept raw).", props, &["request"]);
    unknown.insert("title".into(), json!("UnknownRequest"));
    branches.push(Value::Object(unknown));
    root(
        generator(),
        "any Service Client request",
        json!({ "description": "Any request frame, discriminated by `request`.", "oneOf": branches }),
    )
}

fn any_answer_schema() -> Schema {
    let mut branches: Vec<Value> =
        REQUEST_TYPES.iter().map(|r| entry_ref(&format!("scapi/answer/{}", r.name))).collect();
    let mut props = frame_properties();
    props.insert("request".into(), json!({ "type": "string", "not": { "enum": known_request_names() } }));
    props.insert("event".into(), no_event());
    props.insert("parameters".into(), json!(false));
    let mut other = object(
        "An answer that does not name a request this version knows (answers to `subscribe`, uncorrelated failures, future requests): any `data`.",
        props,
        &[],
    );
    other.insert("title".into(), json!("OtherAnswer"));
    other.insert("anyOf".into(), answer_classification());
    branches.push(Value::Object(other));
    root(
        generator(),
        "any Service Client answer",
        json!({ "description": "Any answer frame; by `request` when it names one.", "anyOf": branches }),
    )
}

fn any_event_schema() -> Schema {
    let mut branches: Vec<Value> = ["agent", "interaction", "system", "outbound", "media", "markdone", "messenger"]
        .iter()
        .map(|t| entry_ref(&format!("scapi/event/{t}")))
        .collect();
    let mut props = frame_properties();
    props.insert(
        "event".into(),
        json!({
            "type": "string",
            "minLength": 1,
            "not": { "anyOf": [{ "enum": crate::scapi::TOPICS }, { "pattern": "^messenger:" }] }
        }),
    );
    let mut unknown = object("An event of a topic this version does not know: any payload.", props, &["event"]);
    unknown.insert("title".into(), json!("UnknownTopic"));
    branches.push(Value::Object(unknown));
    root(
        generator(),
        "any Service Client event",
        json!({ "description": "Any event frame, discriminated by `event`, then `eventType`.", "oneOf": branches }),
    )
}

fn server_frame_schema() -> Schema {
    root(
        generator(),
        "any frame the Workspace sends",
        json!({
            "description": "An event (`event`), an answer (`referenceId`, or `request`/`errorMessage`), or the frame id assignment.",
            "anyOf": [entry_ref("scapi/event"), entry_ref("scapi/answer"), entry_ref("scapi/frame-id")]
        }),
    )
}

fn client_frame_schema() -> Schema {
    root(
        generator(),
        "any frame a client sends",
        json!({
            "description": "A request, or `subscribe`/`unsubscribe`.",
            "anyOf": [entry_ref("scapi/request"), entry_ref("scapi/subscribe"), entry_ref("scapi/unsubscribe")]
        }),
    )
}

/// The members of a family union: every entry of the family that is not a union.
fn family_members(family: &str) -> impl Iterator<Item = &'static SchemaEntry> {
    all_entries().iter().filter(move |e| e.kind != Kind::Union && e.id.split('/').next() == Some(family))
}

fn family_schema(family: &str) -> Schema {
    let branches: Vec<Value> = family_members(family).map(|e| entry_ref(&e.id)).collect();
    root(
        generator(),
        &format!("any {family} message"),
        json!({ "description": format!("Any message of {family}: one of its kinds."), "anyOf": branches }),
    )
}

/// Inlines the entry references of a union (their definitions joined to the root's), so that the
/// schema stands alone.
fn bundle(schema: Schema) -> Schema {
    let mut value = schema.to_value();
    let mut defs = match value.as_object_mut().and_then(|o| o.remove("$defs")) {
        Some(Value::Object(m)) => m,
        _ => Map::new(),
    };
    inline_entries(&mut value, &mut defs);
    if let Value::Object(obj) = &mut value
        && !defs.is_empty()
    {
        obj.insert("$defs".into(), Value::Object(defs));
    }
    Schema::try_from(value).unwrap_or_default()
}

fn inline_entries(node: &mut Value, defs: &mut Map<String, Value>) {
    match node {
        Value::Object(obj) => {
            let target =
                obj.get("$ref").and_then(Value::as_str).and_then(|r| r.strip_prefix(ENTRY_REF)).map(str::to_owned);
            if let Some(id) = target {
                let mut member = entry(&id).map_or(Value::Bool(false), |e| e.raw_schema().to_value());
                if let Value::Object(m) = &mut member
                    && let Some(Value::Object(member_defs)) = m.remove("$defs")
                {
                    for (name, def) in member_defs {
                        defs.entry(name).or_insert(def);
                    }
                }
                inline_entries(&mut member, defs);
                *node = member;
                return;
            }
            for (key, value) in obj.iter_mut() {
                if !DATA_KEYWORDS.contains(&key.as_str()) {
                    inline_entries(value, defs);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| inline_entries(v, defs)),
        _ => {}
    }
}

/// Keywords whose values are data, not schemas.
const DATA_KEYWORDS: &[&str] = &["const", "enum", "default", "examples"];

/// Every file of `schemas/` but `index.json`, by path: one file per message kind and union, with
/// its `$id`; one file per named type (`<family>/types/<Name>.json`), referenced relatively.
///
/// # Errors
/// Two different definitions of one type name in a family (the model must rename one).
pub fn schema_files() -> Result<std::collections::BTreeMap<String, Value>, String> {
    let mut files = std::collections::BTreeMap::new();
    let mut types: std::collections::BTreeMap<String, (Value, String)> = std::collections::BTreeMap::new();
    for e in entries() {
        let path = e.file_name();
        let family = e.id.split('/').next().unwrap_or_default().to_owned();
        let mut value = e.raw_schema().to_value();
        if let Some(Value::Object(defs)) = value.as_object_mut().and_then(|o| o.remove("$defs")) {
            for (name, mut def) in defs {
                let type_path = format!("{family}/types/{name}.json");
                rewrite_refs(&mut def, &type_path, &family);
                match types.get(&type_path) {
                    Some((existing, first)) if *existing != def => {
                        return Err(format!(
                            "two different definitions of {type_path}: from {first} and from {}",
                            e.id
                        ));
                    }
                    Some(_) => {}
                    None => {
                        types.insert(type_path, (def, e.id.clone()));
                    }
                }
            }
        }
        rewrite_refs(&mut value, &path, &family);
        files.insert(path.clone(), identify(value, &path, None));
    }
    for (path, (def, _)) in types {
        let name = path.rsplit('/').next().and_then(|n| n.strip_suffix(".json")).unwrap_or_default().to_owned();
        files.insert(path.clone(), identify(def, &path, Some(&name)));
    }
    Ok(files)
}

fn identify(mut value: Value, path: &str, title: Option<&str>) -> Value {
    if let Value::Object(obj) = &mut value {
        obj.insert("$schema".into(), json!("https://json-schema.org/draft/2020-12/schema"));
        obj.insert("$id".into(), json!(schema_uri(path)));
        if let Some(title) = title {
            obj.entry("title").or_insert_with(|| json!(title));
        }
    } else {
        // A boolean schema: wrap it so that it can carry its id.
        value = json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": schema_uri(path),
            "allOf": [value]
        });
    }
    value
}

/// Rewrites `#/$defs/X` to the family's type file and entry references to their files, both
/// relative to the file at `from`.
fn rewrite_refs(node: &mut Value, from: &str, family: &str) {
    match node {
        Value::Object(obj) => {
            if let Some(Value::String(r)) = obj.get_mut("$ref") {
                if let Some(name) = r.strip_prefix("#/$defs/") {
                    *r = relative(from, &format!("{family}/types/{name}.json"));
                } else if let Some(id) = r.strip_prefix(ENTRY_REF) {
                    *r = relative(from, &format!("{id}.json"));
                }
            }
            for (key, value) in obj.iter_mut() {
                if !DATA_KEYWORDS.contains(&key.as_str()) {
                    rewrite_refs(value, from, family);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| rewrite_refs(v, from, family)),
        _ => {}
    }
}

/// The path of `to` relative to the directory of `from` (both relative to `schemas/`).
fn relative(from: &str, to: &str) -> String {
    let from_dir: Vec<&str> = from.split('/').collect();
    let from_dir = &from_dir[..from_dir.len().saturating_sub(1)];
    let to_parts: Vec<&str> = to.split('/').collect();
    let mut common = 0;
    while common < from_dir.len() && common + 1 < to_parts.len() && from_dir[common] == to_parts[common] {
        common += 1;
    }
    let mut out = "../".repeat(from_dir.len() - common);
    out.push_str(&to_parts[common..].join("/"));
    out
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

/// Any request: what [`ClientMessage::decode`] takes as a request frame (an unknown name too).
fn decode_any_request(text: &str) -> Result<Decoded, DecodeError> {
    match ClientMessage::decode(text)? {
        ClientMessage::Request(frame) => Ok(decoded(&frame).with_typed(format!("{frame:#?}"))),
        _ => Err(wrong_kind("not a request frame")),
    }
}

/// Any answer: an answer frame without `parameters` whose `data`, when it succeeds and names a
/// request, has that request's answer shape.
fn decode_any_answer(text: &str) -> Result<Decoded, DecodeError> {
    if serde_json::from_str::<Value>(text).is_ok_and(|v| v.get("parameters").is_some()) {
        return Err(wrong_kind("a frame with parameters is a request, not an answer"));
    }
    let WorkspaceMessage::Answer(frame) = WorkspaceMessage::decode(text)? else {
        return Err(wrong_kind("not an answer frame"));
    };
    if let Some(response) = frame.response() {
        response?;
    }
    Ok(decoded(&frame).with_typed(format!("{frame:#?}")))
}

/// Any event: what [`WorkspaceMessage::decode`] takes as an event frame.
fn decode_any_event(text: &str) -> Result<Decoded, DecodeError> {
    match WorkspaceMessage::decode(text)? {
        WorkspaceMessage::Event(frame) => Ok(decoded(&frame).with_typed(format!("{frame:#?}"))),
        _ => Err(wrong_kind("not an event frame")),
    }
}

fn decode_client_frame(text: &str) -> Result<Decoded, DecodeError> {
    let message = ClientMessage::decode(text)?;
    Ok(decoded(&message).with_typed(format!("{message:#?}")))
}

fn decode_server_frame(text: &str) -> Result<Decoded, DecodeError> {
    match WorkspaceMessage::decode(text)? {
        WorkspaceMessage::Answer(_) => decode_any_answer(text),
        message => Ok(decoded(&message).with_typed(format!("{message:#?}"))),
    }
}

/// Any kind of a family: the first kind that decodes it.
fn decode_family(family: &str, text: &str) -> Result<Decoded, DecodeError> {
    let mut errors = Vec::new();
    for member in family_members(family) {
        match member.decode(text) {
            Ok(decoded) => return Ok(decoded),
            Err(e) => errors.push(format!("{}: {e}", member.id)),
        }
    }
    Err(DecodeError::Json {
        context: format!("any {family} message"),
        path: ".".to_owned(),
        message: format!("no kind of {family} accepts it ({})", errors.join("; ")),
    })
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
