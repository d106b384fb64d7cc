//! The Service Client API envelopes (WIRE.md section 1) and the two decode entry points:
//! [`WorkspaceMessage::decode`] for frames a client receives and [`ClientMessage::decode`] for
//! frames a Workspace receives.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_json::value::RawValue;

use super::events::Event;
use super::requests::{Request, Response, ServiceRequest};
use crate::DecodeError;
use crate::error::from_str_at;

/// The `userAgent` the published client library sends.
pub const CLIENT_USER_AGENT: &str = "WWE Client";
/// The `userAgent` the Workspace sends.
pub const SERVER_USER_AGENT: &str = "WWE Server";
/// The protocol version both sides send.
pub const PROTOCOL_VERSION: u32 = 2;
/// The error string the published library fails a call with after 10 seconds without answer.
pub const REQUEST_TIMEOUT_MESSAGE: &str = "Request timeout";

/// The fields every frame may carry besides its own.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Envelope {
    /// `userAgent`: `WWE Client` or `WWE Server`.
    pub user_agent: Option<String>,
    /// `protocolVersion`: 2.
    pub protocol_version: Option<u32>,
    /// `frameId`: assigned by the Workspace, then sent by the client with every message.
    pub frame_id: Option<u64>,
    /// Top-level keys this version does not know, kept so that re-encoding is lossless.
    pub extra: BTreeMap<String, Value>,
}

impl Envelope {
    /// The envelope the published client library sends (`WWE Client`, protocol 2).
    pub fn client() -> Self {
        Self {
            user_agent: Some(CLIENT_USER_AGENT.to_owned()),
            protocol_version: Some(PROTOCOL_VERSION),
            ..Self::default()
        }
    }

    /// The envelope the Workspace sends (`WWE Server`, protocol 2).
    pub fn server() -> Self {
        Self {
            user_agent: Some(SERVER_USER_AGENT.to_owned()),
            protocol_version: Some(PROTOCOL_VERSION),
            ..Self::default()
        }
    }

    fn serialize_into<M: SerializeMap>(&self, map: &mut M) -> Result<(), M::Error> {
        if let Some(v) = &self.user_agent {
            map.serialize_entry("userAgent", v)?;
        }
        if let Some(v) = &self.protocol_version {
            map.serialize_entry("protocolVersion", v)?;
        }
        if let Some(v) = &self.frame_id {
            map.serialize_entry("frameId", v)?;
        }
        for (k, v) in &self.extra {
            map.serialize_entry(k, v)?;
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// The one streaming pass over a frame's top-level keys.

/// A string that borrows from the input when it has no escapes.
struct CowStr<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for CowStr<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = CowStr<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(CowStr(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(CowStr(Cow::Owned(v.to_owned())))
            }
        }
        d.deserialize_str(V)
    }
}

/// How much the scan types on the fly: nothing (the careful path), or a payload whose name came
/// before it, for frames a client receives or sends (the fast path).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Raw,
    Client,
    Workspace,
}

/// `data`, raw or already typed.
enum Part<'a> {
    Raw(&'a RawValue),
    Event(Event),
    Response(Response),
    Topics(Topics),
    Text(String),
}

/// `parameters`, raw or already typed.
enum Params<'a> {
    Raw(&'a RawValue),
    Typed(Request),
}

#[derive(Default)]
struct RawFrame<'a> {
    event: Option<Cow<'a, str>>,
    request: Option<Cow<'a, str>>,
    reference_id: Option<String>,
    data: Option<Part<'a>>,
    parameters: Option<Params<'a>>,
    error_message: Option<Option<String>>,
    subscription_id: Option<String>,
    envelope: Envelope,
}

/// Scans a frame into a [`RawFrame`] the caller holds (a large value: filled in place rather
/// than returned through the layers of serde's results).
struct FrameSeed<'f, 'de>(Mode, &'f mut RawFrame<'de>);

struct EventSeed<'t>(&'t str);

impl<'de> DeserializeSeed<'de> for EventSeed<'_> {
    type Value = Event;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Event, D::Error> {
        Event::deserialize_topic(self.0, d)
    }
}

struct ResponseSeed<'t>(&'t str);

impl<'de> DeserializeSeed<'de> for ResponseSeed<'_> {
    type Value = Response;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Response, D::Error> {
        Response::deserialize_named(self.0, d)
    }
}

struct RequestSeed<'t>(&'t str);

impl<'de> DeserializeSeed<'de> for RequestSeed<'_> {
    type Value = Request;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Request, D::Error> {
        Request::deserialize_named(self.0, d)
    }
}

impl<'de> DeserializeSeed<'de> for FrameSeed<'_, 'de> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        struct V<'f, 'de>(Mode, &'f mut RawFrame<'de>);
        impl<'de> Visitor<'de> for V<'_, 'de> {
            type Value = ();
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object (a Service Client API frame)")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
                let mode = self.0;
                let out = self.1;
                while let Some(CowStr(key)) = map.next_key::<CowStr<'de>>()? {
                    match &*key {
                        // As in the library (`if (message.event)`), null or "" is no event.
                        "event" => {
                            out.event = map.next_value::<Option<CowStr<'de>>>()?.map(|e| e.0).filter(|e| !e.is_empty())
                        }
                        "request" => out.request = Some(map.next_value::<CowStr<'de>>()?.0),
                        "referenceId" => out.reference_id = Some(map.next_value()?),
                        "data" => {
                            let part = match (mode, out.event.as_deref(), out.request.as_deref()) {
                                (Mode::Workspace, Some(topic), _) => {
                                    Part::Event(map.next_value_seed(EventSeed(topic))?)
                                }
                                (Mode::Workspace, None, Some(name)) => {
                                    Part::Response(map.next_value_seed(ResponseSeed(name))?)
                                }
                                (Mode::Client, Some("subscribe"), _) => Part::Topics(map.next_value()?),
                                (Mode::Client, Some("unsubscribe"), _) => Part::Text(map.next_value()?),
                                _ => Part::Raw(map.next_value()?),
                            };
                            out.data = Some(part);
                        }
                        "parameters" => {
                            let params = match (mode, out.request.as_deref()) {
                                (Mode::Client, Some(name)) => Params::Typed(map.next_value_seed(RequestSeed(name))?),
                                _ => Params::Raw(map.next_value()?),
                            };
                            out.parameters = Some(params);
                        }
                        "errorMessage" => out.error_message = Some(map.next_value()?),
                        "subscriptionId" => out.subscription_id = Some(map.next_value()?),
                        "userAgent" => out.envelope.user_agent = Some(map.next_value()?),
                        "protocolVersion" => out.envelope.protocol_version = Some(map.next_value()?),
                        "frameId" => out.envelope.frame_id = Some(map.next_value()?),
                        _ => {
                            let value = map.next_value::<Value>()?;
                            out.envelope.extra.insert(key.into_owned(), value);
                        }
                    }
                }
                Ok(())
            }
        }
        d.deserialize_map(V(self.0, self.1))
    }
}

/// One pass over a frame in `mode` into `frame`: false when the text does not decode that way.
fn scan_fast<'de>(mode: Mode, text: &'de str, frame: &mut RawFrame<'de>) -> bool {
    let mut de = serde_json::Deserializer::from_str(text);
    FrameSeed(mode, frame).deserialize(&mut de).is_ok() && de.end().is_ok()
}

/// The careful pass: payloads stay raw, errors carry their path.
fn scan<'de>(text: &'de str, frame: &mut RawFrame<'de>) -> Result<(), DecodeError> {
    let mut de = serde_json::Deserializer::from_str(text);
    let mut track = serde_path_to_error::Track::new();
    FrameSeed(Mode::Raw, frame)
        .deserialize(serde_path_to_error::Deserializer::new(&mut de, &mut track))
        .map_err(|e| DecodeError::json("frame", serde_path_to_error::Error::new(track.path(), e)))?;
    de.end().map_err(|e| DecodeError::Json {
        context: "frame".to_owned(),
        path: ".".to_owned(),
        message: e.to_string(),
    })
}

/// Scans fast, or carefully when the fast pass fails (a malformed payload, an unknown event
/// type whose payload does not fit, trailing garbage), into `frame` (a default one).
fn scan_any<'de>(mode: Mode, text: &'de str, frame: &mut RawFrame<'de>) -> Result<(), DecodeError> {
    if scan_fast(mode, text, frame) {
        return Ok(());
    }
    *frame = RawFrame::default();
    scan(text, frame)
}

fn part_text<'a>(part: &Option<Part<'a>>) -> Option<&'a str> {
    match part {
        Some(Part::Raw(raw)) => Some(raw.get()),
        _ => None,
    }
}

fn split_parameters<'a>(context: &str, raw: &'a RawValue) -> Result<Vec<&'a RawValue>, DecodeError> {
    from_str_at(|| format!("request `{context}`"), raw.get()).map_err(|e| e.within("parameters"))
}

// ---------------------------------------------------------------------------------------------
// Client -> Workspace.

/// A frame a client sends to the Workspace.
#[derive(Clone, Debug, PartialEq)]
pub enum ClientMessage {
    /// A request.
    Request(RequestFrame),
    /// `{"event": "subscribe", ...}`.
    Subscribe(SubscribeFrame),
    /// `{"event": "unsubscribe", ...}`.
    Unsubscribe(UnsubscribeFrame),
}

/// Which of a request's two names a frame carries, for the requests the seed documents under
/// another name than the published library sends (the SIP endpoint calls: documented as
/// `voice.muteMicrophone`, sent as `sipEndpoint.muteMicrophone`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum NameForm {
    /// The wire name the published library sends (`sipEndpoint.muteMicrophone`): the default,
    /// and the only form of requests that have one name.
    #[default]
    Wire,
    /// The name the seed documents (`voice.muteMicrophone`).
    Documented,
}

/// A request frame: `{"request", "parameters", "referenceId", "userAgent", "protocolVersion", "frameId"}`.
#[derive(Clone, Debug, PartialEq)]
pub struct RequestFrame {
    /// The request and its parameters.
    pub request: Request,
    /// Which name `request` carries on the wire: [`NameForm::Wire`] unless the frame was
    /// received with the documented name (kept so that re-encoding is lossless).
    pub name_form: NameForm,
    /// The correlation id; the library counts `"0"`, `"1"`, ...
    pub reference_id: Option<String>,
    /// The common fields.
    pub envelope: Envelope,
}

impl RequestFrame {
    /// A request frame with the client envelope.
    pub fn new(request: impl Into<Request>, reference_id: impl Into<String>) -> Self {
        Self {
            request: request.into(),
            name_form: NameForm::Wire,
            reference_id: Some(reference_id.into()),
            envelope: Envelope::client(),
        }
    }

    /// The name the frame carries in `request`: the wire name, or the documented name when
    /// [`name_form`](Self::name_form) says so and the request has one.
    pub fn wire_name(&self) -> &str {
        match (self.name_form, self.request.documented_name()) {
            (NameForm::Documented, Some(documented)) => documented,
            _ => self.request.name(),
        }
    }
}

/// The topics of a subscription: one string or an array, kept as sent.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(untagged)]
pub enum Topics {
    /// One topic.
    One(String),
    /// Several topics.
    Many(Vec<String>),
}

impl Topics {
    /// The topics, one or many.
    pub fn as_slice(&self) -> &[String] {
        match self {
            Self::One(one) => std::slice::from_ref(one),
            Self::Many(many) => many,
        }
    }
}

/// `{"event": "subscribe", "data": topics, "referenceId", ...}`.
#[derive(Clone, Debug, PartialEq)]
pub struct SubscribeFrame {
    /// The topics: `agent`, `interaction`, `messenger:<channel>`, ...
    pub topics: Topics,
    /// The correlation id of the answer carrying the `subscriptionId`.
    pub reference_id: Option<String>,
    /// The common fields.
    pub envelope: Envelope,
}

/// `{"event": "unsubscribe", "data": subscriptionId, "referenceId", ...}` (no answer awaited).
#[derive(Clone, Debug, PartialEq)]
pub struct UnsubscribeFrame {
    /// The subscription to end.
    pub subscription_id: String,
    /// The correlation id.
    pub reference_id: Option<String>,
    /// The common fields.
    pub envelope: Envelope,
}

impl ClientMessage {
    /// Decodes a frame a Workspace receives from a client: `subscribe`/`unsubscribe` by `event`,
    /// otherwise a request by `request`, with its parameters typed.
    ///
    /// # Errors
    /// Not a JSON object, neither `event` nor `request`, an unknown `event`, or parameters that do
    /// not fit the named request ([`DecodeError::Arity`] or a typed error with its path).
    pub fn decode(text: &str) -> Result<Self, DecodeError> {
        let mut raw = RawFrame::default();
        scan_any(Mode::Client, text, &mut raw)?;
        if let Some(event) = raw.event.as_deref() {
            let data = part_text(&raw.data).unwrap_or("null");
            return match (event, raw.data) {
                ("subscribe", Some(Part::Topics(topics))) => Ok(Self::Subscribe(SubscribeFrame {
                    topics,
                    reference_id: raw.reference_id,
                    envelope: raw.envelope,
                })),
                ("subscribe", _) => Ok(Self::Subscribe(SubscribeFrame {
                    topics: from_str_at(|| "subscribe".to_owned(), data).map_err(|e| e.within("data"))?,
                    reference_id: raw.reference_id,
                    envelope: raw.envelope,
                })),
                ("unsubscribe", Some(Part::Text(subscription_id))) => Ok(Self::Unsubscribe(UnsubscribeFrame {
                    subscription_id,
                    reference_id: raw.reference_id,
                    envelope: raw.envelope,
                })),
                ("unsubscribe", _) => Ok(Self::Unsubscribe(UnsubscribeFrame {
                    subscription_id: from_str_at(|| "unsubscribe".to_owned(), data).map_err(|e| e.within("data"))?,
                    reference_id: raw.reference_id,
                    envelope: raw.envelope,
                })),
                _ => Err(DecodeError::Unclassifiable {
                    reason: "a client may only send the events `subscribe` and `unsubscribe`",
                }),
            };
        }
        let Some(name) = raw.request.as_deref() else {
            return Err(DecodeError::Unclassifiable { reason: "a client frame needs `request` or `event`" });
        };
        if raw.data.is_some() || raw.error_message.is_some() {
            return Err(DecodeError::Unclassifiable {
                reason: "a request frame carries no `data` or `errorMessage` (those are answer keys)",
            });
        }
        let request = match raw.parameters {
            Some(Params::Typed(request)) => request,
            Some(Params::Raw(params)) => Request::decode(name, &split_parameters(name, params)?)?,
            None => Request::decode(name, &[])?,
        };
        let name_form = if request.documented_name() == Some(name) { NameForm::Documented } else { NameForm::Wire };
        Ok(Self::Request(RequestFrame { request, name_form, reference_id: raw.reference_id, envelope: raw.envelope }))
    }

    /// The correlation id, when the frame has one.
    pub fn reference_id(&self) -> Option<&str> {
        match self {
            Self::Request(f) => f.reference_id.as_deref(),
            Self::Subscribe(f) => f.reference_id.as_deref(),
            Self::Unsubscribe(f) => f.reference_id.as_deref(),
        }
    }

    /// Reads the `referenceId` and `request` of a frame that may be malformed otherwise, so that
    /// a Workspace can still answer it with an `errorMessage`.
    pub fn salvage_ids(text: &str) -> (Option<String>, Option<String>) {
        #[derive(Deserialize)]
        struct Ids {
            #[serde(rename = "referenceId", default)]
            reference_id: Option<Value>,
            #[serde(default)]
            request: Option<Value>,
        }
        match serde_json::from_str::<Ids>(text) {
            Ok(ids) => (
                ids.reference_id.and_then(|v| v.as_str().map(str::to_owned)),
                ids.request.and_then(|v| v.as_str().map(str::to_owned)),
            ),
            Err(_) => (None, None),
        }
    }
}

impl Serialize for RequestFrame {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        struct Params<'a>(&'a Request);
        impl Serialize for Params<'_> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                self.0.serialize_parameters(s)
            }
        }
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("request", self.wire_name())?;
        if self.request.has_parameters() {
            map.serialize_entry("parameters", &Params(&self.request))?;
        }
        if let Some(r) = &self.reference_id {
            map.serialize_entry("referenceId", r)?;
        }
        self.envelope.serialize_into(&mut map)?;
        map.end()
    }
}

impl Serialize for SubscribeFrame {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("event", "subscribe")?;
        map.serialize_entry("data", &self.topics)?;
        if let Some(r) = &self.reference_id {
            map.serialize_entry("referenceId", r)?;
        }
        self.envelope.serialize_into(&mut map)?;
        map.end()
    }
}

impl Serialize for UnsubscribeFrame {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("event", "unsubscribe")?;
        map.serialize_entry("data", &self.subscription_id)?;
        if let Some(r) = &self.reference_id {
            map.serialize_entry("referenceId", r)?;
        }
        self.envelope.serialize_into(&mut map)?;
        map.end()
    }
}

impl Serialize for ClientMessage {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Request(f) => f.serialize(s),
            Self::Subscribe(f) => f.serialize(s),
            Self::Unsubscribe(f) => f.serialize(s),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Workspace -> client.

/// A frame a client receives from the Workspace.
#[derive(Clone, Debug, PartialEq)]
pub enum WorkspaceMessage {
    /// An event (the frame has `event`).
    Event(EventFrame),
    /// An answer to a request or to `subscribe` (the frame has `referenceId`; or, as the seeds
    /// print answers, only `request`/`errorMessage`).
    Answer(AnswerFrame),
    /// The Workspace assigns the client its frame id (`frameId` without `event`/`referenceId`).
    FrameId(FrameIdFrame),
}

/// An event frame: `{"event": topic, "data": payload, ...}`.
#[derive(Clone, Debug, PartialEq)]
pub struct EventFrame {
    /// The typed event (its topic and payload).
    pub event: Event,
    /// The common fields.
    pub envelope: Envelope,
}

/// The frame id assignment.
#[derive(Clone, Debug, PartialEq)]
pub struct FrameIdFrame {
    /// The assigned frame id.
    pub frame_id: u64,
    /// The common fields (its `frame_id` is the assigned one).
    pub envelope: Envelope,
}

/// An answer: success with `data`, or failure exactly when `errorMessage` is present.
#[derive(Clone, Debug)]
pub struct AnswerFrame {
    /// The request name the answer repeats.
    pub request: Option<String>,
    /// The correlation id.
    pub reference_id: Option<String>,
    /// The subscription id (answers to `subscribe`).
    pub subscription_id: Option<String>,
    /// `data`: typed already when the frame named its request before it, raw otherwise (read
    /// it with [`AnswerFrame::decode_data`], [`AnswerFrame::into_data`] or [`AnswerFrame::response`]).
    pub data: Option<AnswerData>,
    /// `errorMessage`: present (even as `null`) means failure.
    pub error_message: Option<Option<String>>,
    /// The common fields.
    pub envelope: Envelope,
}

impl PartialEq for AnswerFrame {
    fn eq(&self, other: &Self) -> bool {
        self.request == other.request
            && self.reference_id == other.reference_id
            && self.subscription_id == other.subscription_id
            && self.data.as_ref().map(AnswerData::to_value) == other.data.as_ref().map(AnswerData::to_value)
            && self.error_message == other.error_message
            && self.envelope == other.envelope
    }
}

/// The `data` of an answer.
#[derive(Clone, Debug)]
pub enum AnswerData {
    /// Decoded in the frame's single pass, by the request name the answer carries.
    Typed(Response),
    /// Kept as received: the request was not named before `data`, is unknown, or the data did
    /// not have the documented shape.
    Raw(Box<RawValue>),
}

impl AnswerData {
    /// The data as a JSON value.
    pub fn to_value(&self) -> Value {
        match self {
            Self::Typed(response) => serde_json::to_value(response).unwrap_or(Value::Null),
            Self::Raw(raw) => serde_json::from_str(raw.get()).unwrap_or(Value::Null),
        }
    }
}

impl Serialize for AnswerData {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Typed(response) => response.serialize(s),
            Self::Raw(raw) => raw.serialize(s),
        }
    }
}

/// Why the Workspace refused a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Failure {
    /// The request type is rate limited (the documented message, parsed).
    RateLimited(RateLimitNotice),
    /// Any other `errorMessage` (`None` when it was `null`).
    Rejected(Option<String>),
}

impl AnswerFrame {
    /// A successful answer with the server envelope.
    pub fn success(request: &str, reference_id: Option<String>, data: Option<Value>) -> Self {
        Self {
            request: Some(request.to_owned()),
            reference_id,
            subscription_id: None,
            data: data.and_then(|d| serde_json::value::to_raw_value(&d).ok()).map(AnswerData::Raw),
            error_message: None,
            envelope: Envelope::server(),
        }
    }

    /// A failed answer with the server envelope.
    pub fn failure(request: Option<&str>, reference_id: Option<String>, message: impl Into<String>) -> Self {
        Self {
            request: request.map(str::to_owned),
            reference_id,
            subscription_id: None,
            data: None,
            error_message: Some(Some(message.into())),
            envelope: Envelope::server(),
        }
    }

    /// Whether this answer is a failure (`errorMessage` present, even as `null`).
    pub fn is_failure(&self) -> bool {
        self.error_message.is_some()
    }

    /// The failure, parsed: a rate limit notice or the plain message.
    pub fn failure_reason(&self) -> Option<Failure> {
        let message = self.error_message.as_ref()?;
        Some(match message.as_deref().and_then(RateLimitNotice::parse) {
            Some(notice) => Failure::RateLimited(notice),
            None => Failure::Rejected(message.clone()),
        })
    }

    /// Decodes `data` as the answer of `R` (absent `data` decodes as `null`).
    ///
    /// # Errors
    /// The data does not have `R`'s documented answer shape (the path starts at `data`), or it
    /// was typed as another request's answer.
    pub fn decode_data<R: ServiceRequest>(&self) -> Result<R::Response, DecodeError> {
        match &self.data {
            Some(AnswerData::Typed(response)) => R::from_response(response.clone()).ok_or_else(|| mismatch::<R>(self)),
            Some(AnswerData::Raw(raw)) => super::requests::decode_response::<R>(Some(raw.get())),
            None => super::requests::decode_response::<R>(None),
        }
    }

    /// Like [`AnswerFrame::decode_data`], without cloning typed data.
    ///
    /// # Errors
    /// As [`AnswerFrame::decode_data`].
    pub fn into_data<R: ServiceRequest>(self) -> Result<R::Response, DecodeError> {
        match self.data {
            Some(AnswerData::Typed(response)) => {
                R::from_response(response).ok_or_else(|| mismatch::<R>(&AnswerFrame { data: None, ..self }))
            }
            Some(AnswerData::Raw(raw)) => super::requests::decode_response::<R>(Some(raw.get())),
            None => super::requests::decode_response::<R>(None),
        }
    }

    /// Decodes `data` by the `request` name the answer carries; `None` for failures and for
    /// answers without a name (e.g. to `subscribe`).
    pub fn response(&self) -> Option<Result<Response, DecodeError>> {
        if self.is_failure() {
            return None;
        }
        let name = self.request.as_deref()?;
        Some(match &self.data {
            Some(AnswerData::Typed(response)) => Ok(response.clone()),
            Some(AnswerData::Raw(raw)) => Response::decode(name, Some(raw.get())),
            None => Response::decode(name, None),
        })
    }
}

fn mismatch<R: ServiceRequest>(frame: &AnswerFrame) -> DecodeError {
    DecodeError::Json {
        context: format!("answer to `{}`", R::NAME),
        path: "request".to_owned(),
        message: format!("the answer is for `{}`", frame.request.as_deref().unwrap_or("?")),
    }
}

impl Serialize for AnswerFrame {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        if let Some(r) = &self.request {
            map.serialize_entry("request", r)?;
        }
        if let Some(r) = &self.reference_id {
            map.serialize_entry("referenceId", r)?;
        }
        if let Some(r) = &self.subscription_id {
            map.serialize_entry("subscriptionId", r)?;
        }
        if let Some(d) = &self.data {
            map.serialize_entry("data", d)?;
        }
        if let Some(e) = &self.error_message {
            map.serialize_entry("errorMessage", e)?;
        }
        self.envelope.serialize_into(&mut map)?;
        map.end()
    }
}

impl Serialize for EventFrame {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("event", &*self.event.topic())?;
        self.event.serialize_data_into(&mut map)?;
        self.envelope.serialize_into(&mut map)?;
        map.end()
    }
}

impl Serialize for FrameIdFrame {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        let envelope = Envelope { frame_id: Some(self.frame_id), ..self.envelope.clone() };
        envelope.serialize_into(&mut map)?;
        map.end()
    }
}

impl Serialize for WorkspaceMessage {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Event(f) => f.serialize(s),
            Self::Answer(f) => f.serialize(s),
            Self::FrameId(f) => f.serialize(s),
        }
    }
}

impl WorkspaceMessage {
    /// Decodes any frame a client receives, classified as the published library does: `event`
    /// first (an event), then `referenceId` (an answer), then `frameId` (the frame id
    /// assignment); a frame with only `request` or `errorMessage` is an uncorrelated answer, as
    /// the seeds print them.
    ///
    /// # Errors
    /// Not a JSON object, none of those keys, or an event of a known topic and type whose payload
    /// does not have the documented shape (the error names the topic and the path).
    pub fn decode(text: &str) -> Result<Self, DecodeError> {
        let mut raw = RawFrame::default();
        scan_any(Mode::Workspace, text, &mut raw)?;
        if let Some(topic) = raw.event {
            let event = match raw.data {
                Some(Part::Event(event)) => event,
                data => Event::decode(&topic, part_text(&data))?,
            };
            return Ok(Self::Event(EventFrame { event, envelope: raw.envelope }));
        }
        let answer = |raw: RawFrame<'_>| {
            let data = match raw.data {
                Some(Part::Response(response)) => Some(AnswerData::Typed(response)),
                Some(Part::Raw(raw)) => Some(AnswerData::Raw(raw.to_owned())),
                _ => None,
            };
            Self::Answer(AnswerFrame {
                request: raw.request.map(Cow::into_owned),
                reference_id: raw.reference_id,
                subscription_id: raw.subscription_id,
                data,
                error_message: raw.error_message,
                envelope: raw.envelope,
            })
        };
        if raw.reference_id.is_some() {
            return Ok(answer(raw));
        }
        if let Some(frame_id) = raw.envelope.frame_id {
            return Ok(Self::FrameId(FrameIdFrame { frame_id, envelope: raw.envelope }));
        }
        if raw.request.is_some() || raw.error_message.is_some() {
            return Ok(answer(raw));
        }
        Err(DecodeError::Unclassifiable {
            reason: "a Workspace frame needs `event`, `referenceId`, `frameId` or `request`",
        })
    }
}

// ---------------------------------------------------------------------------------------------
// The hot paths of a client: route an incoming frame, decode an answer whose request is known.

/// What a client needs to route a frame without decoding it: whether it is an event, and the
/// `referenceId` of an answer. Borrowed from the text; no allocation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route<'a> {
    /// The frame has `event`.
    Event,
    /// The frame has no `event` but a `referenceId`.
    Answer(&'a str),
    /// Anything else (frame id assignments, uncorrelated answers, unclassifiable frames): decode
    /// it with [`WorkspaceMessage::decode`].
    Other,
}

impl<'a> Route<'a> {
    /// Routes a frame by scanning its top level only, without decoding or allocating. It answers
    /// [`Route::Event`] or [`Route::Answer`] only for a well-formed top level whose relevant keys
    /// have no escapes and no duplicates; anything else is [`Route::Other`], for the full decode.
    /// Nested values are skipped, not validated: whoever takes the frame decodes it fully.
    pub fn of(text: &'a str) -> Self {
        scan_route(text).unwrap_or(Self::Other)
    }
}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while matches!(b.get(i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
        i += 1;
    }
    i
}

/// A string starting at `b[i] == '"'`: its content range, whether it has escapes, and the index
/// after its closing quote.
fn scan_string(b: &[u8], i: usize) -> Option<(usize, usize, bool, usize)> {
    let start = i + 1;
    let mut j = start;
    let mut escaped = false;
    loop {
        // The next quote or backslash, found a word at a time.
        j += memchr::memchr2(b'"', b'\\', b.get(j..)?)?;
        if b[j] == b'"' {
            return Some((start, j, escaped, j + 1));
        }
        escaped = true;
        j += 2;
    }
}

/// Skips one value starting at `b[i]`; returns the index after it.
fn skip_value(b: &[u8], i: usize) -> Option<usize> {
    match b.get(i)? {
        b'"' => scan_string(b, i).map(|(_, _, _, next)| next),
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut j = i;
            loop {
                match b.get(j)? {
                    b'"' => {
                        j = scan_string(b, j)?.3;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(j + 1);
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
        }
        _ => {
            let mut j = i;
            while !matches!(b.get(j)?, b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r') {
                j += 1;
            }
            (j > i).then_some(j)
        }
    }
}

/// The `referenceId` of a frame that may be broken (truncated, or garbage after its first
/// keys): the top level is read leniently, key by key, up to the first fault. A string id is
/// returned as its text, a numeric one as its digits. `None` when the frame is an event, or no
/// `referenceId` comes before the fault. For attributing a broken answer to its call; never
/// for accepting a frame.
pub fn salvage_reference_id(text: &str) -> Option<String> {
    let b = text.as_bytes();
    let mut i = skip_ws(b, 0);
    if b.get(i) != Some(&b'{') {
        return None;
    }
    i = skip_ws(b, i + 1);
    let mut found = None;
    while b.get(i) == Some(&b'"') {
        let (start, end, escaped, next) = scan_string(b, i)?;
        let key = if escaped {
            serde_json::from_str::<String>(text.get(i..next)?).ok()?
        } else {
            text.get(start..end)?.to_owned()
        };
        i = skip_ws(b, next);
        if b.get(i) != Some(&b':') {
            break;
        }
        i = skip_ws(b, i + 1);
        let Some(after) = skip_value(b, i) else { break };
        let value = text.get(i..after)?;
        match key.as_str() {
            "event" if !matches!(value, "null" | "\"\"") => return None,
            "referenceId" if found.is_none() => {
                found = match serde_json::from_str::<Value>(value) {
                    Ok(Value::String(id)) => Some(id),
                    Ok(Value::Number(n)) => Some(n.to_string()),
                    _ => None,
                };
            }
            _ => {}
        }
        i = skip_ws(b, after);
        if b.get(i) != Some(&b',') {
            break;
        }
        i = skip_ws(b, i + 1);
    }
    found
}

fn scan_route(text: &str) -> Option<Route<'_>> {
    let b = text.as_bytes();
    let mut i = skip_ws(b, 0);
    if b.get(i) != Some(&b'{') {
        return None;
    }
    i = skip_ws(b, i + 1);
    let mut event = false;
    let mut reference: Option<&str> = None;
    if b.get(i) == Some(&b'}') {
        return (skip_ws(b, i + 1) == b.len()).then_some(Route::Other);
    }
    loop {
        if b.get(i) != Some(&b'"') {
            return None;
        }
        let (start, end, escaped, next) = scan_string(b, i)?;
        if escaped {
            return None;
        }
        let key = text.get(start..end)?;
        i = skip_ws(b, next);
        if b.get(i) != Some(&b':') {
            return None;
        }
        i = skip_ws(b, i + 1);
        match key {
            "event" => {
                if event {
                    return None;
                }
                // As in the library (`if (message.event)`), null or "" is no event.
                let next = skip_value(b, i)?;
                event = !matches!(text.get(i..next), Some("null" | "\"\""));
                i = next;
            }
            "referenceId" => {
                if reference.is_some() || b.get(i) != Some(&b'"') {
                    return None;
                }
                let (start, end, escaped, next) = scan_string(b, i)?;
                if escaped {
                    return None;
                }
                reference = Some(text.get(start..end)?);
                i = next;
            }
            _ => i = skip_value(b, i)?,
        }
        i = skip_ws(b, i);
        match b.get(i)? {
            b',' => i = skip_ws(b, i + 1),
            b'}' => break,
            _ => return None,
        }
    }
    if skip_ws(b, i + 1) != b.len() {
        return None;
    }
    Some(match (event, reference) {
        (true, _) => Route::Event,
        (false, Some(id)) => Route::Answer(id),
        (false, None) => Route::Other,
    })
}

/// The same routing by a full parse: the reference the scanner is tested against.
#[cfg(test)]
fn route_by_parse(text: &str) -> Route<'_> {
    let Ok(Value::Object(map)) = serde_json::from_str::<Value>(text) else { return Route::Other };
    let event = map.get("event").is_some_and(|e| !e.is_null() && e != "");
    match (event, map.get("referenceId").and_then(Value::as_str)) {
        (true, _) => Route::Event,
        // The scanner borrows the id from the text: it has one only without escapes.
        (false, Some(id)) => text.find(&format!("\"{id}\"")).map_or(Route::Other, |_| Route::Answer(id_in(text, id))),
        (false, None) => Route::Other,
    }
}

#[cfg(test)]
fn id_in<'t>(text: &'t str, id: &str) -> &'t str {
    let at = text.find(&format!("\"{id}\"")).unwrap_or(0) + 1;
    &text[at..at + id.len()]
}

/// The outcome of an answer decoded with [`decode_answer`].
#[derive(Clone, Debug, PartialEq)]
pub enum AnswerOutcome<T> {
    /// Success: the typed `data`.
    Data(T),
    /// Failure: `errorMessage` was present.
    Failure(Failure),
}

/// Decodes an answer frame known to answer `R` in one pass: only `data` and `errorMessage`
/// are read (absent `data` decodes as `null`), nothing else is allocated.
///
/// # Errors
/// Not a JSON object, or `data` without `R`'s documented answer shape (the error names the
/// request and the path, starting at `data`).
pub fn decode_answer<R: ServiceRequest>(text: &str) -> Result<AnswerOutcome<R::Response>, DecodeError> {
    struct Seed<R>(std::marker::PhantomData<R>);
    struct Parts<T> {
        data: Option<T>,
        error_message: Option<Option<String>>,
    }
    impl<'de, R: ServiceRequest> DeserializeSeed<'de> for Seed<R> {
        type Value = Parts<R::Response>;
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            struct V<R>(std::marker::PhantomData<R>);
            impl<'de, R: ServiceRequest> Visitor<'de> for V<R> {
                type Value = Parts<R::Response>;
                fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    write!(f, "an answer to `{}`", R::NAME)
                }
                fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                    let mut parts = Parts { data: None, error_message: None };
                    while let Some(CowStr(key)) = map.next_key::<CowStr<'de>>()? {
                        match &*key {
                            "data" => parts.data = Some(map.next_value()?),
                            "errorMessage" => parts.error_message = Some(map.next_value()?),
                            _ => {
                                map.next_value::<de::IgnoredAny>()?;
                            }
                        }
                    }
                    Ok(parts)
                }
            }
            d.deserialize_map(V::<R>(std::marker::PhantomData))
        }
    }
    let context = || format!("answer to `{}`", R::NAME);
    let mut de = serde_json::Deserializer::from_str(text);
    let parts = match Seed::<R>(std::marker::PhantomData).deserialize(&mut de).and_then(|p| de.end().map(|()| p)) {
        Ok(parts) => parts,
        Err(_) => {
            // Again with path tracking, for the error.
            let mut de = serde_json::Deserializer::from_str(text);
            let mut track = serde_path_to_error::Track::new();
            let result = Seed::<R>(std::marker::PhantomData)
                .deserialize(serde_path_to_error::Deserializer::new(&mut de, &mut track))
                .and_then(|p| de.end().map(|()| p));
            match result {
                Ok(parts) => parts,
                Err(e) => return Err(DecodeError::json(context(), serde_path_to_error::Error::new(track.path(), e))),
            }
        }
    };
    if let Some(message) = parts.error_message {
        return Ok(AnswerOutcome::Failure(match message.as_deref().and_then(RateLimitNotice::parse) {
            Some(notice) => Failure::RateLimited(notice),
            None => Failure::Rejected(message),
        }));
    }
    match parts.data {
        Some(data) => Ok(AnswerOutcome::Data(data)),
        None => super::requests::decode_response::<R>(None).map(AnswerOutcome::Data),
    }
}

// ---------------------------------------------------------------------------------------------
// Rate limit notices.

/// The documented rate-limit error message, parsed: which request type is quarantined and for
/// how long.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RateLimitNotice {
    /// The request type that reached its limit.
    pub request: String,
    /// How long further requests of that type are ignored; `None` means forever
    /// (`rate-limit-quarantine-delay` = 0).
    pub quarantine_seconds: Option<u64>,
}

const RATE_LIMIT_PREFIX: &str = "The rate limit for the request '";
const RATE_LIMIT_MIDDLE: &str = "' has been reached.\nFurther requests of the same type will be ignored ";

impl RateLimitNotice {
    /// Parses the message the Workspace sends to the first request after a limit is reached.
    pub fn parse(message: &str) -> Option<Self> {
        let rest = message.strip_prefix(RATE_LIMIT_PREFIX)?;
        let (request, rest) = rest.split_once(RATE_LIMIT_MIDDLE)?;
        let rest = rest.trim_end_matches('.');
        let quarantine_seconds = if rest == "forever" {
            None
        } else {
            Some(rest.strip_prefix("for ")?.strip_suffix(" seconds")?.parse().ok()?)
        };
        Some(Self { request: request.to_owned(), quarantine_seconds })
    }

    /// The message, worded as the Workspace words it.
    pub fn message(&self) -> String {
        match self.quarantine_seconds {
            Some(n) => format!("{RATE_LIMIT_PREFIX}{}{RATE_LIMIT_MIDDLE}for {n} seconds.", self.request),
            None => format!("{RATE_LIMIT_PREFIX}{}{RATE_LIMIT_MIDDLE}forever.", self.request),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_broken_answer_still_names_its_reference_id() {
        for (text, expected) in [
            (r#"{"request":"agent.get","referenceId":"7","data":{"employeeId":"e"#, Some("7")),
            (r#"{"referenceId":"7", "data": <html>"#, Some("7")),
            (r#"{"referenceId":12,"data":"#, Some("12")),
            (r#"{"refer\u0065nceId":"8","data":["#, Some("8")),
            (r#"{"data":{"x":"#, None),
            (r#"{"event":"agent","referenceId":"9","data":"#, None),
            (r#"{"event":null,"referenceId":"9","data":"#, Some("9")),
            (r#"{"referenceId":{"a":1},"data":1}"#, None),
            ("nonsense", None),
            ("", None),
        ] {
            assert_eq!(salvage_reference_id(text).as_deref(), expected, "{text}");
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 2000, failure_persistence: None, ..Default::default() })]
        /// On any prefix of a well-formed answer, the salvage never panics and never names
        /// another id than the frame's.
        #[test]
        fn salvage_never_names_a_wrong_id(id in "[a-z0-9]{1,8}", cut in 0usize..200) {
            let text = format!(r#"{{"request":"agent.get","referenceId":"{id}","data":{{"employeeId":"e","n":[1,2,{{"x":null}}]}}}}"#);
            let prefix = &text[..cut.min(text.len())];
            if let Some(found) = salvage_reference_id(prefix) {
                proptest::prop_assert_eq!(found, id);
            }
        }
    }

    #[test]
    fn route_scans_the_top_level_only() {
        assert_eq!(
            Route::of(r#"{"request":"a","referenceId":"7","data":{"event":1,"referenceId":"9"}}"#),
            Route::Answer("7")
        );
        assert_eq!(Route::of(r#"{"referenceId":"1","event":"agent","data":{}}"#), Route::Event);
        assert_eq!(Route::of(r#" { "frameId" : 2 } "#), Route::Other);
        assert_eq!(Route::of(r#"{"referenceId":"1","referenceId":"2"}"#), Route::Other);
        assert_eq!(Route::of(r#"{"ev\u0065nt":"agent","referenceId":"1"}"#), Route::Other);
        assert_eq!(Route::of(r#"{"referenceId":"1","data":"a\"}"}"#), Route::Answer("1"));
        assert_eq!(Route::of(r#"{"referenceId":"1"} x"#), Route::Other);
        assert_eq!(Route::of(r#"{"referenceId":1}"#), Route::Other);
        assert_eq!(Route::of("[1]"), Route::Other);
        assert_eq!(Route::of(""), Route::Other);
        assert_eq!(Route::of(r#"{"referenceId":"1","data":[1,{"a":"]"}]}"#), Route::Answer("1"));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 2000, failure_persistence: None, ..Default::default() })]
        /// On any JSON object built from the keys that matter, the scanner routes exactly as a
        /// full parse does.
        #[test]
        fn route_agrees_with_a_full_parse(entries in proptest::collection::vec(
            (proptest::sample::select(vec!["event", "referenceId", "request", "data", "frameId", "x"]), value()), 0..6)) {
            let mut text = String::from("{");
            for (n, (key, value)) in entries.iter().enumerate() {
                if n > 0 { text.push(','); }
                text.push_str(&format!("{:?}:{}", key, value));
            }
            text.push('}');
            let scanned = Route::of(&text);
            let parsed = route_by_parse(&text);
            // An answer verdict bypasses the full decode: it must be exactly right.
            if let Route::Answer(_) = scanned {
                proptest::prop_assert_eq!(scanned, parsed, "{}", text);
            }
            // Without duplicate keys the scanner is not merely conservative: it finds every answer.
            let mut keys: Vec<&str> = entries.iter().map(|(k, _)| *k).collect();
            keys.sort_unstable();
            keys.dedup();
            if keys.len() == entries.len() && matches!(parsed, Route::Answer(_)) {
                proptest::prop_assert_eq!(scanned, parsed, "{}", text);
            }
        }

        /// On arbitrary text that is valid JSON, an answer verdict is never contradicted by a
        /// full parse. (Invalid nested content is not the scanner's business: the caller's full
        /// decode reports it as an undecodable answer.)
        #[test]
        fn route_is_never_wrong_on_garbage(text in "[{}\\[\\],:\"a-z0-9 ]{0,40}") {
            if let Route::Answer(id) = Route::of(&text)
                && serde_json::from_str::<Value>(&text).is_ok()
            {
                proptest::prop_assert_eq!(route_by_parse(&text), Route::Answer(id), "{}", text);
            }
        }
    }

    fn value() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let leaf = prop_oneof![
            Just("null".to_owned()),
            Just("true".to_owned()),
            any::<i32>().prop_map(|n| n.to_string()),
            "[a-z\\\"{}\\[\\], ]{0,8}".prop_map(|s| serde_json::to_string(&s).unwrap()),
        ];
        leaf.prop_recursive(3, 16, 4, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(|v| format!("[{}]", v.join(","))),
                proptest::collection::vec(("[a-z]{1,3}", inner), 0..3).prop_map(|v| format!(
                    "{{{}}}",
                    v.iter().map(|(k, x)| format!("{k:?}:{x}")).collect::<Vec<_>>().join(",")
                )),
            ]
        })
    }

    #[test]
    fn rate_limit_message_round_trips() {
        let seed = "The rate limit for the request 'voice.dial' has been reached.\nFurther requests of the same type will be ignored for 30 seconds.";
        let n = RateLimitNotice::parse(seed).unwrap();
        assert_eq!(n, RateLimitNotice { request: "voice.dial".into(), quarantine_seconds: Some(30) });
        assert_eq!(n.message(), seed);
        let forever = RateLimitNotice { request: "email.create".into(), quarantine_seconds: None };
        assert_eq!(RateLimitNotice::parse(&forever.message()), Some(forever));
        assert_eq!(RateLimitNotice::parse("Error: Interaction not found."), None);
    }

    #[test]
    fn classification_follows_the_library() {
        let event = r#"{"event":"agent","referenceId":"1","frameId":2,"data":{"eventType":"STATE_CHANGED","mediaState":"READY"}}"#;
        assert!(matches!(WorkspaceMessage::decode(event).unwrap(), WorkspaceMessage::Event(_)));
        let answer = r#"{"referenceId":"1","frameId":2,"data":true}"#;
        assert!(matches!(WorkspaceMessage::decode(answer).unwrap(), WorkspaceMessage::Answer(_)));
        let frame = r#"{"frameId":2,"userAgent":"WWE Server"}"#;
        assert!(matches!(
            WorkspaceMessage::decode(frame).unwrap(),
            WorkspaceMessage::FrameId(FrameIdFrame { frame_id: 2, .. })
        ));
        let failure = r#"{"referenceId":"1","errorMessage":null}"#;
        let WorkspaceMessage::Answer(a) = WorkspaceMessage::decode(failure).unwrap() else { panic!() };
        assert!(a.is_failure());
        assert_eq!(a.failure_reason(), Some(Failure::Rejected(None)));
        assert!(matches!(WorkspaceMessage::decode("[]"), Err(DecodeError::Json { .. })));
        assert!(matches!(WorkspaceMessage::decode("{}"), Err(DecodeError::Unclassifiable { .. })));
    }

    #[test]
    fn client_frames_decode_and_encode() {
        let text = r#"{"request":"interaction.setUserData","parameters":["1",{"MyKEY1":"MyValue1"}],"referenceId":"7","userAgent":"WWE Client","protocolVersion":2,"frameId":1}"#;
        let msg = ClientMessage::decode(text).unwrap();
        let ClientMessage::Request(frame) = &msg else { panic!() };
        assert_eq!(frame.request.name(), "interaction.setUserData");
        let back = serde_json::to_value(&msg).unwrap();
        assert_eq!(back, serde_json::from_str::<Value>(text).unwrap());
        let err =
            ClientMessage::decode(r#"{"request":"agent.setState","parameters":[],"referenceId":"1"}"#).unwrap_err();
        assert!(matches!(err, DecodeError::Arity { found: 0, .. }));
        let raw =
            ClientMessage::decode(r#"{"request":"future.thing","parameters":[1,"a"],"referenceId":"1"}"#).unwrap();
        let ClientMessage::Request(RequestFrame { request: Request::Raw(r), .. }) = raw else { panic!() };
        assert_eq!(r.parameters, vec![serde_json::json!(1), serde_json::json!("a")]);
    }
}
