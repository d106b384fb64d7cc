//! The typed client for services: any desktop behind any gateway instance, by agent id.

use std::collections::BTreeMap;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use async_nats::HeaderMap;
use async_nats::jetstream;
use bytes::Bytes;
use cxwire_model::scapi::{AnswerOutcome, EventFrame, Failure, RateLimitNotice, ServiceRequest, WorkspaceMessage};
use cxwire_ws::{Caller, SubscriptionItem, Topic};
use futures_util::{Stream, StreamExt};
use serde_json::Value;
use tokio::sync::{broadcast, oneshot};
use tokio::task::AbortHandle;
use tokio::time::Instant;

use crate::gateway::{Presence, PresenceState, Published, Refusal, Shared};
use crate::subjects::{self, Subjects, untoken};
use crate::{ClientConfig, Error, ErrorCode};

/// A client of the gateways: reaches any agent's desktop, wherever it is connected. Cheap to
/// clone (one NATS connection).
#[derive(Clone)]
pub struct GatewayClient {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for GatewayClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &*self.inner {
            Inner::Nats(n) => {
                f.debug_struct("GatewayClient").field("prefix", &n.subjects.prefix()).finish_non_exhaustive()
            }
            Inner::Local(s) => {
                f.debug_struct("GatewayClient").field("embedded", &s.config.instance).finish_non_exhaustive()
            }
        }
    }
}

enum Inner {
    Nats(Box<NatsClient>),
    Local(Arc<Shared>),
}

struct NatsClient {
    client: async_nats::Client,
    subjects: Subjects,
    config: ClientConfig,
    inbox: String,
    pending: Arc<Mutex<Pending>>,
    next_id: AtomicU64,
    tasks: Vec<AbortHandle>,
}

impl Drop for NatsClient {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

#[derive(Default)]
struct Pending {
    calls: BTreeMap<u64, PendingCall>,
    /// When each gateway instance was last heard from.
    seen: BTreeMap<String, Instant>,
}

struct PendingCall {
    agent: String,
    /// `(instance, connection)` once the gateway accepted the call.
    accepted: Option<(String, String)>,
    reply: Option<oneshot::Sender<Reply>>,
}

impl PendingCall {
    fn finish(&mut self, reply: Reply) {
        if let Some(tx) = self.reply.take() {
            let _ = tx.send(reply);
        }
    }
}

enum Reply {
    Message(async_nats::Message),
    NoResponders,
    Gone(String),
}

/// Removes its call from the pending ones when the call ends (or its future is dropped).
struct PendingGuard<'a> {
    pending: &'a Mutex<Pending>,
    id: u64,
}

impl Drop for PendingGuard<'_> {
    fn drop(&mut self) {
        if let Ok(mut pending) = self.pending.lock() {
            pending.calls.remove(&self.id);
        }
    }
}

/// How much longer than the call's timeout the client waits, so that the gateway's own
/// `timeout` reply (typed the same) usually arrives first.
const REPLY_GRACE: Duration = Duration::from_millis(250);

impl GatewayClient {
    /// Connects to the gateways of prefix `cxwire` at `nats_url`.
    ///
    /// # Errors
    /// [`Error::Nats`] when NATS cannot be reached.
    pub async fn connect(nats_url: &str) -> Result<Self, Error> {
        Self::connect_with(ClientConfig::new(nats_url)).await
    }

    /// Connects with settings (credentials, TLS, prefix, timeouts).
    ///
    /// # Errors
    /// [`Error::Config`] for an invalid prefix, [`Error::Nats`] when NATS cannot be reached.
    pub async fn connect_with(config: ClientConfig) -> Result<Self, Error> {
        let subjects = Subjects::new(&config.prefix)?;
        let client = config.nats.connect("cxwire-gateway client", config.event_buffer).await?;
        let inbox = client.new_inbox();
        let pending = Arc::new(Mutex::new(Pending::default()));
        let sub = |subject: String| {
            let client = client.clone();
            async move { client.subscribe(subject).await.map_err(|e| Error::nats("subscribing", e)) }
        };
        let replies = sub(format!("{inbox}.*")).await?;
        let presence = sub(subjects.presence(None)).await?;
        let heartbeats = sub(subjects.heartbeat(None)).await?;
        let tasks = vec![
            tokio::spawn(route_replies(replies, Arc::clone(&pending))).abort_handle(),
            tokio::spawn(watch_presence(presence, Arc::clone(&pending))).abort_handle(),
            tokio::spawn(watch_instances(heartbeats, Arc::clone(&pending), config.instance_timeout)).abort_handle(),
        ];
        let inner = NatsClient { client, subjects, config, inbox, pending, next_id: AtomicU64::new(1), tasks };
        Ok(Self { inner: Arc::new(Inner::Nats(Box::new(inner))) })
    }

    pub(crate) fn local(shared: Arc<Shared>) -> Self {
        Self { inner: Arc::new(Inner::Local(shared)) }
    }

    /// The desktop of `agent` (its `employeeId`, or `username` when it has none): the typed
    /// namespaces of a [`Session`](cxwire_ws::Session), over the gateways.
    pub fn desktop(&self, agent: impl Into<String>) -> Desktop {
        Desktop { client: self.clone(), agent: agent.into(), timeout: None }
    }

    /// Where `agent`'s desktop is registered now (NATS mode: the KV bucket; embedded: this
    /// instance); `None` when it is not connected.
    ///
    /// # Errors
    /// [`Error::Nats`] when the bucket cannot be read.
    pub async fn locate(&self, agent: &str) -> Result<Option<Presence>, Error> {
        match &*self.inner {
            Inner::Local(shared) => Ok(shared.desktop(agent).map(|desk| Presence {
                agent: agent.to_owned(),
                state: PresenceState::Online,
                instance: shared.config.instance.clone(),
                connection: desk.connection,
                origin: None,
                revision: None,
            })),
            Inner::Nats(n) => {
                let js = jetstream::new(n.client.clone());
                let kv = js
                    .get_key_value(n.subjects.bucket())
                    .await
                    .map_err(|e| Error::nats(format!("opening the bucket {}", n.subjects.bucket()), e))?;
                let value =
                    kv.get(subjects::token(agent)).await.map_err(|e| Error::nats("reading a registration", e))?;
                Ok(value.and_then(|v| serde_json::from_slice(&v).ok()))
            }
        }
    }

    /// The events of `agents` (all agents when empty) on `topics` (all topics when empty), as
    /// the gateways publish them from now on.
    ///
    /// # Errors
    /// [`Error::Nats`] when subscribing fails.
    pub async fn events<A, T>(&self, agents: A, topics: T) -> Result<Events, Error>
    where
        A: IntoIterator,
        A::Item: AsRef<str>,
        T: IntoIterator,
        T::Item: Into<Topic>,
    {
        let agents: Vec<String> = agents.into_iter().map(|a| a.as_ref().to_owned()).collect();
        let topics: Vec<String> = topics.into_iter().map(|t| t.into().wire_name()).collect();
        match &*self.inner {
            Inner::Nats(n) => {
                let mut subscribers = Vec::new();
                let agent_patterns: Vec<Option<&str>> =
                    if agents.is_empty() { vec![None] } else { agents.iter().map(|a| Some(a.as_str())).collect() };
                let topic_patterns: Vec<Option<&str>> =
                    if topics.is_empty() { vec![None] } else { topics.iter().map(|t| Some(t.as_str())).collect() };
                for agent in &agent_patterns {
                    for topic in &topic_patterns {
                        let subject = n.subjects.events(*agent, *topic);
                        subscribers.push(
                            n.client.subscribe(subject).await.map_err(|e| Error::nats("subscribing to events", e))?,
                        );
                    }
                }
                let stream = futures_util::stream::select_all(subscribers).map(|m| decode_event(&m));
                Ok(Events { inner: Box::pin(stream) })
            }
            Inner::Local(shared) => {
                let rx = shared.events.subscribe();
                let stream =
                    futures_util::stream::unfold((rx, agents, topics), |(mut rx, agents, topics)| async move {
                        loop {
                            match rx.recv().await {
                                Ok(p) => {
                                    let wanted = (agents.is_empty() || agents.contains(&p.agent))
                                        && (topics.is_empty() || topics.contains(&p.topic));
                                    if wanted {
                                        return Some((Ok(local_event(&p)), (rx, agents, topics)));
                                    }
                                }
                                Err(broadcast::error::RecvError::Lagged(missed)) => {
                                    return Some((Err(Error::Lagged { missed }), (rx, agents, topics)));
                                }
                                Err(broadcast::error::RecvError::Closed) => return None,
                            }
                        }
                    });
                Ok(Events { inner: Box::pin(stream) })
            }
        }
    }

    /// A durable consumer of the event stream, named `name`: what it has not acknowledged
    /// survives its restarts (and the client's), and it resumes after the last acknowledged
    /// event. `agent` and `topic` filter (all when `None`). Needs gateways started with an
    /// event stream ([`GatewayConfig::stream`](crate::GatewayConfig::stream)).
    ///
    /// # Errors
    /// [`Error::Config`] in the embedded mode or when the stream does not exist,
    /// [`Error::Nats`] when the consumer cannot be created.
    pub async fn durable_events(
        &self,
        name: &str,
        agent: Option<&str>,
        topic: Option<Topic>,
    ) -> Result<DurableEvents, Error> {
        let Inner::Nats(n) = &*self.inner else {
            return Err(Error::Config {
                message: "durable consumers need NATS JetStream (not the embedded mode)".into(),
            });
        };
        let js = jetstream::new(n.client.clone());
        let stream = js.get_stream(n.subjects.stream()).await.map_err(|e| Error::Config {
            message: format!("no event stream {} (start the gateways with a stream): {e}", n.subjects.stream()),
        })?;
        let topic = topic.map(|t| t.wire_name());
        let consumer = stream
            .get_or_create_consumer(
                name,
                jetstream::consumer::pull::Config {
                    durable_name: Some(name.to_owned()),
                    filter_subject: n.subjects.events(agent, topic.as_deref()),
                    ack_policy: jetstream::consumer::AckPolicy::Explicit,
                    deliver_policy: jetstream::consumer::DeliverPolicy::All,
                    ..Default::default()
                },
            )
            .await
            .map_err(|e| Error::nats(format!("creating the durable consumer {name}"), e))?;
        let messages = consumer.messages().await.map_err(|e| Error::nats("reading the durable consumer", e))?;
        Ok(DurableEvents { messages })
    }

    async fn call_frame(&self, agent: &str, request: &str, payload: Bytes, timeout: Duration) -> Result<String, Error> {
        match &*self.inner {
            Inner::Local(shared) => {
                let desk = shared.desktop(agent).ok_or_else(|| Error::NoSuchDesktop { agent: agent.to_owned() })?;
                desk.forward(&payload, timeout).await.map_err(|r| refusal_error(agent, request, r, timeout))
            }
            Inner::Nats(n) => n.call(agent, request, payload, timeout).await,
        }
    }

    fn default_timeout(&self) -> Duration {
        match &*self.inner {
            Inner::Nats(n) => n.config.call_timeout,
            Inner::Local(shared) => shared.config.acceptor.session.call_timeout,
        }
    }
}

impl NatsClient {
    async fn call(&self, agent: &str, request: &str, payload: Bytes, timeout: Duration) -> Result<String, Error> {
        // NATS closes a connection that sends more than max_payload: refuse it here instead.
        let max_payload = self.client.server_info().max_payload;
        if payload.len() > max_payload {
            return Err(Error::Refused {
                agent: agent.to_owned(),
                request: request.to_owned(),
                code: ErrorCode::TooLarge,
                message: format!("the request is {} bytes, over NATS' max_payload of {max_payload}", payload.len()),
            });
        }
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = oneshot::channel();
        if let Ok(mut pending) = self.pending.lock() {
            pending.calls.insert(id, PendingCall { agent: agent.to_owned(), accepted: None, reply: Some(tx) });
        }
        let _guard = PendingGuard { pending: &self.pending, id };
        let mut headers = HeaderMap::new();
        headers.insert(subjects::HEADER_TIMEOUT_MS, timeout.as_millis().to_string().as_str());
        headers.insert(subjects::HEADER_ACK, "1");
        self.client
            .publish_with_reply_and_headers(self.subjects.call(agent), format!("{}.{id}", self.inbox), headers, payload)
            .await
            .map_err(|e| Error::nats("sending a call", e))?;
        let timed_out = || Error::Timeout { agent: agent.to_owned(), request: request.to_owned(), timeout };
        let reply = match tokio::time::timeout(timeout + REPLY_GRACE, rx).await {
            Err(_) => return Err(timed_out()),
            Ok(Err(_)) => {
                return Err(Error::Nats { message: "the client's reply router stopped".into(), source: None });
            }
            Ok(Ok(reply)) => reply,
        };
        let message = match reply {
            Reply::NoResponders => return Err(Error::NoSuchDesktop { agent: agent.to_owned() }),
            Reply::Gone(reason) => {
                return Err(Error::DesktopGone { agent: agent.to_owned(), request: request.to_owned(), reason });
            }
            Reply::Message(message) => message,
        };
        let code = message.headers.as_ref().and_then(|h| h.get(subjects::HEADER_ERROR)).map(|v| v.as_str().to_owned());
        if let Some(code) = code {
            let text: Value = serde_json::from_slice(&message.payload).unwrap_or(Value::Null);
            let text = text["errorMessage"].as_str().unwrap_or_default();
            let mut message = text.strip_prefix("cxwire-gateway: ").unwrap_or(text).to_owned();
            let code = ErrorCode::parse(&code).unwrap_or_else(|| {
                message = format!("{message} (code `{code}`)");
                ErrorCode::Other
            });
            return Err(refusal_error(agent, request, Refusal { code, message }, timeout));
        }
        String::from_utf8(message.payload.to_vec()).map_err(|e| Error::Nats {
            message: format!("the answer to `{request}` is not UTF-8"),
            source: Some(Box::new(e)),
        })
    }
}

fn refusal_error(agent: &str, request: &str, refusal: Refusal, timeout: Duration) -> Error {
    let (agent, request) = (agent.to_owned(), request.to_owned());
    match refusal.code {
        ErrorCode::DesktopGone => Error::DesktopGone { agent, request, reason: refusal.message },
        ErrorCode::Timeout => Error::Timeout { agent, request, timeout },
        code => Error::Refused { agent, request, code, message: refusal.message },
    }
}

async fn route_replies(mut replies: async_nats::Subscriber, pending: Arc<Mutex<Pending>>) {
    while let Some(message) = replies.next().await {
        let Some(id) = message.subject.rsplit('.').next().and_then(|id| id.parse::<u64>().ok()) else { continue };
        let Ok(mut pending) = pending.lock() else { return };
        let accepted = message.headers.as_ref().and_then(|h| h.get(subjects::HEADER_ACCEPTED)).map(|v| v.to_string());
        if let Some(accepted) = accepted {
            let (instance, connection) = accepted.split_once(' ').unwrap_or((&accepted, ""));
            let now = Instant::now();
            pending.seen.entry(instance.to_owned()).or_insert(now);
            if let Some(call) = pending.calls.get_mut(&id) {
                call.accepted = Some((instance.to_owned(), connection.to_owned()));
            }
            continue;
        }
        let Some(call) = pending.calls.get_mut(&id) else { continue };
        if message.status == Some(async_nats::StatusCode::NO_RESPONDERS) {
            call.finish(Reply::NoResponders);
        } else {
            call.finish(Reply::Message(message));
        }
    }
}

/// Fails the calls of a desktop connection that went away or was replaced.
async fn watch_presence(mut presence: async_nats::Subscriber, pending: Arc<Mutex<Pending>>) {
    while let Some(message) = presence.next().await {
        let Ok(p) = serde_json::from_slice::<Presence>(&message.payload) else { continue };
        let Ok(mut pending) = pending.lock() else { return };
        for call in pending.calls.values_mut().filter(|c| c.agent == p.agent) {
            let Some((_, connection)) = &call.accepted else { continue };
            let reason = match p.state {
                PresenceState::Offline if *connection == p.connection => "the desktop disconnected".to_owned(),
                PresenceState::Online if *connection != p.connection => {
                    format!("the desktop reconnected ({} on {})", p.connection, p.instance)
                }
                _ => continue,
            };
            call.finish(Reply::Gone(reason));
        }
    }
}

/// Records heartbeats, and fails the calls accepted by an instance not heard from for
/// `timeout`.
async fn watch_instances(mut heartbeats: async_nats::Subscriber, pending: Arc<Mutex<Pending>>, timeout: Duration) {
    let mut check = tokio::time::interval((timeout / 4).max(Duration::from_millis(50)));
    loop {
        tokio::select! {
            message = heartbeats.next() => {
                let Some(message) = message else { return };
                let Some(instance) = message.subject.rsplit('.').next().and_then(untoken) else { continue };
                if let Ok(mut pending) = pending.lock() {
                    pending.seen.insert(instance, Instant::now());
                }
            }
            _ = check.tick() => {
                let Ok(mut pending) = pending.lock() else { return };
                let now = Instant::now();
                let lost: Vec<String> = pending
                    .seen
                    .iter()
                    .filter(|(_, seen)| now.duration_since(**seen) > timeout)
                    .map(|(instance, _)| instance.clone())
                    .collect();
                for instance in &lost {
                    pending.seen.remove(instance);
                }
                for call in pending.calls.values_mut() {
                    if call.accepted.as_ref().is_some_and(|(i, _)| lost.contains(i)) {
                        call.finish(Reply::Gone("its gateway instance was lost".to_owned()));
                    }
                }
            }
        }
    }
}

/// One agent's desktop, reached through the gateways: the same typed namespaces as a
/// [`Session`](cxwire_ws::Session) (`desktop.voice().dial(..)`), with the gateway's errors.
#[derive(Clone, Debug)]
pub struct Desktop {
    client: GatewayClient,
    agent: String,
    timeout: Option<Duration>,
}

impl Desktop {
    /// The agent id.
    pub fn agent_id(&self) -> &str {
        &self.agent
    }

    /// Uses this timeout for this desktop's calls instead of the client's.
    #[must_use]
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Sends a Service Client request frame as it is (JSON text) and returns the answer frame's
    /// text; a Workspace failure is an answer with `errorMessage`, returned like any answer.
    ///
    /// # Errors
    /// [`Error::NoSuchDesktop`], [`Error::DesktopGone`], [`Error::Timeout`],
    /// [`Error::Refused`] (e.g. `invalid-frame`), [`Error::Nats`].
    pub async fn forward(&self, frame: &str) -> Result<String, Error> {
        let request = serde_json::from_str::<Value>(frame)
            .ok()
            .and_then(|v| v["request"].as_str().map(str::to_owned))
            .unwrap_or_default();
        let timeout = self.timeout.unwrap_or_else(|| self.client.default_timeout());
        self.client.call_frame(&self.agent, &request, Bytes::copy_from_slice(frame.as_bytes()), timeout).await
    }

    /// Sends a request by name with JSON parameters and returns the answer's `data`.
    ///
    /// # Errors
    /// As [`Desktop::forward`], plus [`Error::Rejected`] and [`Error::RateLimited`].
    pub async fn call_raw(&self, name: &str, parameters: Vec<Value>) -> Result<Option<Value>, Error> {
        let mut frame = serde_json::Map::new();
        frame.insert("request".into(), Value::String(name.to_owned()));
        if !parameters.is_empty() {
            frame.insert("parameters".into(), Value::Array(parameters));
        }
        frame.insert("referenceId".into(), Value::String("1".into()));
        let answer = self.forward(&Value::Object(frame).to_string()).await?;
        let decoded = WorkspaceMessage::decode(&answer);
        let answer = match decoded {
            Ok(WorkspaceMessage::Answer(answer)) => answer,
            Ok(_) => {
                let source = cxwire_model::DecodeError::Unclassifiable { reason: "not an answer frame" };
                return Err(self.undecodable(name, source, answer));
            }
            Err(source) => return Err(self.undecodable(name, source, answer)),
        };
        if let Some(failure) = answer.failure_reason() {
            return Err(self.failure(name, failure));
        }
        Ok(answer.data.as_ref().map(cxwire_model::scapi::AnswerData::to_value))
    }

    fn undecodable(&self, request: &str, source: cxwire_model::DecodeError, raw: String) -> Error {
        Error::Undecodable { agent: self.agent.clone(), request: request.to_owned(), source: Box::new(source), raw }
    }

    fn failure(&self, request: &str, failure: Failure) -> Error {
        let (agent, request) = (self.agent.clone(), request.to_owned());
        match failure {
            Failure::RateLimited(RateLimitNotice { request: limited, quarantine_seconds }) => {
                Error::RateLimited { agent, request, limited, quarantine: quarantine_seconds }
            }
            Failure::Rejected(message) => Error::Rejected { agent, request, message },
        }
    }

    /// Every interaction of this desktop as a handle with its state, updates and actions, as
    /// [`Session::interactions`](cxwire_ws::Session::interactions): those already there, then
    /// each new one. Events lost on the way (a gap in `Cxwire-Seq`, a slow reader) and a move
    /// to another connection (failover) are repaired by reading the interactions again.
    ///
    /// # Errors
    /// Subscribing to the desktop's events, or the first `interaction.getInteractions`, failed.
    pub async fn interactions(&self) -> Result<cxwire_ws::Interactions<Self>, Error> {
        let events = self.client.events([self.agent.as_str()], Vec::<Topic>::new()).await?;
        cxwire_ws::Interactions::new(self.clone(), desktop_items(events, "interaction")).await
    }

    /// The agent's state changes, as [`Session::agent_states`](cxwire_ws::Session::agent_states);
    /// lost events are repaired by reading the current state.
    ///
    /// # Errors
    /// Subscribing to the desktop's events failed.
    pub async fn agent_states(&self) -> Result<cxwire_ws::AgentStates<Self>, Error> {
        let events = self.client.events([self.agent.as_str()], Vec::<Topic>::new()).await?;
        Ok(cxwire_ws::AgentStates::new(self.clone(), desktop_items(events, "agent")))
    }

    /// The `agent` namespace.
    pub fn agent(&self) -> cxwire_ws::Agent<'_, Self> {
        cxwire_ws::Agent::new(self)
    }
    /// The `configuration` namespace.
    pub fn configuration(&self) -> cxwire_ws::Configuration<'_, Self> {
        cxwire_ws::Configuration::new(self)
    }
    /// The `email` namespace.
    pub fn email(&self) -> cxwire_ws::Email<'_, Self> {
        cxwire_ws::Email::new(self)
    }
    /// The `interaction` namespace.
    pub fn interaction(&self) -> cxwire_ws::Interaction<'_, Self> {
        cxwire_ws::Interaction::new(self)
    }
    /// The `media` namespace.
    pub fn media(&self) -> cxwire_ws::MediaNs<'_, Self> {
        cxwire_ws::MediaNs::new(self)
    }
    /// The `system` namespace.
    pub fn system(&self) -> cxwire_ws::System<'_, Self> {
        cxwire_ws::System::new(self)
    }
    /// The `voice` namespace (and the SIP endpoint calls).
    pub fn voice(&self) -> cxwire_ws::Voice<'_, Self> {
        cxwire_ws::Voice::new(self)
    }
    /// The `outbound` namespace.
    pub fn outbound(&self) -> cxwire_ws::Outbound<'_, Self> {
        cxwire_ws::Outbound::new(self)
    }
    /// The `auth` namespace.
    pub fn auth(&self) -> cxwire_ws::Auth<'_, Self> {
        cxwire_ws::Auth::new(self)
    }
    /// The `messenger` namespace.
    pub fn messenger(&self) -> cxwire_ws::Messenger<'_, Self> {
        cxwire_ws::Messenger::new(self)
    }
}

/// One desktop's events (all its topics) as subscription items of `topic`: a gap in the
/// connection's `Cxwire-Seq`, a new connection after the first, or a slow reader's loss reads as
/// [`SubscriptionItem::Lagged`], so that the domain layer reads the state again.
fn desktop_items(events: Events, topic: &'static str) -> impl Stream<Item = SubscriptionItem> + Send + 'static {
    let mut last: Option<(String, u64)> = None;
    events.flat_map(move |item| {
        let mut out = Vec::with_capacity(2);
        match item {
            Ok(event) => {
                match &last {
                    Some((connection, seq)) if *connection == event.connection && event.seq > seq + 1 => {
                        out.push(SubscriptionItem::Lagged(event.seq - seq - 1));
                    }
                    Some((connection, _)) if *connection != event.connection => out.push(SubscriptionItem::Lagged(0)),
                    _ => {}
                }
                last = Some((event.connection.clone(), event.seq));
                if event.topic == topic {
                    out.push(SubscriptionItem::Event(event.frame));
                }
            }
            Err(Error::Lagged { missed }) => out.push(SubscriptionItem::Lagged(missed)),
            Err(e) => tracing::warn!(error = %e, "an event of the desktop was skipped"),
        }
        futures_util::stream::iter(out)
    })
}

impl Caller for Desktop {
    type Error = Error;

    async fn call_typed<R: ServiceRequest>(&self, request: R, timeout: Option<Duration>) -> Result<R::Response, Error> {
        let mut frame = serde_json::Map::new();
        frame.insert("request".into(), Value::String(R::NAME.to_owned()));
        if request.has_parameters() {
            let parameters = serde_json::to_value(&request)
                .map_err(|e| Error::Config { message: format!("`{}` cannot be encoded: {e}", R::NAME) })?;
            frame.insert("parameters".into(), parameters);
        }
        frame.insert("referenceId".into(), Value::String("1".into()));
        let payload = Bytes::from(Value::Object(frame).to_string());
        let timeout = timeout.or(self.timeout).unwrap_or_else(|| self.client.default_timeout());
        let answer = self.client.call_frame(&self.agent, R::NAME, payload, timeout).await?;
        match cxwire_model::scapi::decode_answer::<R>(&answer) {
            Ok(AnswerOutcome::Data(data)) => Ok(data),
            Ok(AnswerOutcome::Failure(failure)) => Err(self.failure(R::NAME, failure)),
            Err(source) => Err(self.undecodable(R::NAME, source, answer)),
        }
    }
}

/// An event of a desktop, as a gateway published it.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct DesktopEvent {
    /// The agent id.
    pub agent: String,
    /// The topic (`agent`, `interaction`, ..., `messenger:<channel>`).
    pub topic: String,
    /// The gateway instance that published it.
    pub instance: String,
    /// The desktop connection it came from.
    pub connection: String,
    /// Its number among the events of that connection, from 1 (a gap: events were lost before
    /// publication).
    pub seq: u64,
    /// The event frame, typed.
    pub frame: Arc<EventFrame>,
}

fn local_event(p: &Published) -> DesktopEvent {
    DesktopEvent {
        agent: p.agent.clone(),
        topic: p.topic.clone(),
        instance: p.instance.clone(),
        connection: p.connection.clone(),
        seq: p.seq,
        frame: Arc::clone(&p.frame),
    }
}

fn decode_event(message: &async_nats::Message) -> Result<DesktopEvent, Error> {
    decode_parts(&message.subject, message.headers.as_ref(), &message.payload)
}

fn decode_parts(subject: &str, headers: Option<&HeaderMap>, payload: &[u8]) -> Result<DesktopEvent, Error> {
    let undecodable = |message: String| Error::UndecodableEvent { subject: subject.to_owned(), message };
    let header = |name: &str| headers.and_then(|h| h.get(name)).map(|v| v.to_string());
    let text = std::str::from_utf8(payload).map_err(|e| undecodable(e.to_string()))?;
    let frame = match WorkspaceMessage::decode(text) {
        Ok(WorkspaceMessage::Event(frame)) => frame,
        Ok(_) => return Err(undecodable("not an event frame".to_owned())),
        Err(e) => return Err(undecodable(e.to_string())),
    };
    let mut tokens = subject.rsplit('.');
    let _topic = tokens.next();
    let agent = header(subjects::HEADER_AGENT)
        .or_else(|| tokens.next().and_then(untoken))
        .ok_or_else(|| undecodable("no agent".to_owned()))?;
    Ok(DesktopEvent {
        agent,
        topic: frame.event.topic().into_owned(),
        instance: header(subjects::HEADER_INSTANCE).unwrap_or_default(),
        connection: header(subjects::HEADER_CONNECTION).unwrap_or_default(),
        seq: header(subjects::HEADER_SEQ).and_then(|s| s.parse().ok()).unwrap_or_default(),
        frame: Arc::new(frame),
    })
}

/// The events of [`GatewayClient::events`]: a stream of typed events, or of errors for events
/// that could not be decoded (or, embedded, that this slow reader missed: [`Error::Lagged`]).
pub struct Events {
    inner: Pin<Box<dyn Stream<Item = Result<DesktopEvent, Error>> + Send>>,
}

impl std::fmt::Debug for Events {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Events").finish_non_exhaustive()
    }
}

impl Events {
    /// The next event; `None` when the connection is closed.
    pub async fn recv(&mut self) -> Option<Result<DesktopEvent, Error>> {
        self.inner.next().await
    }
}

impl Stream for Events {
    type Item = Result<DesktopEvent, Error>;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.as_mut().poll_next(cx)
    }
}

/// A durable consumer's events ([`GatewayClient::durable_events`]).
pub struct DurableEvents {
    messages: jetstream::consumer::pull::Stream,
}

impl std::fmt::Debug for DurableEvents {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DurableEvents").finish_non_exhaustive()
    }
}

impl DurableEvents {
    /// The next event; acknowledge it with [`DurableEvent::ack`] once handled, or it comes
    /// again (after the consumer's ack wait, or to the next consumer of this name).
    pub async fn recv(&mut self) -> Option<Result<DurableEvent, Error>> {
        let message = match self.messages.next().await? {
            Ok(message) => message,
            Err(e) => return Some(Err(Error::nats("reading the durable consumer", e))),
        };
        let event = decode_parts(&message.subject, message.headers.as_ref(), &message.payload);
        let stream_sequence = message.info().map(|i| i.stream_sequence).unwrap_or_default();
        Some(Ok(DurableEvent { event, stream_sequence, message }))
    }
}

/// One event of a durable consumer.
#[derive(Debug)]
pub struct DurableEvent {
    /// The event, or why it could not be decoded (acknowledge it all the same to skip it).
    pub event: Result<DesktopEvent, Error>,
    /// Its sequence number in the stream.
    pub stream_sequence: u64,
    message: jetstream::Message,
}

impl DurableEvent {
    /// Acknowledges it: this consumer will not get it again.
    ///
    /// # Errors
    /// [`Error::Nats`] when the acknowledgement cannot be sent.
    pub async fn ack(&self) -> Result<(), Error> {
        self.message.ack().await.map_err(|e| Error::Nats { message: format!("acknowledging: {e}"), source: None })
    }

    /// Acknowledges it and waits until the server has recorded it (so that a restarted consumer
    /// surely does not get it again).
    ///
    /// # Errors
    /// [`Error::Nats`] when the server does not confirm.
    pub async fn double_ack(&self) -> Result<(), Error> {
        self.message
            .double_ack()
            .await
            .map_err(|e| Error::Nats { message: format!("acknowledging: {e}"), source: None })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(topic: &str, connection: &str, seq: u64) -> Result<DesktopEvent, Error> {
        let text = format!(r#"{{"event":"{topic}","data":{{"eventType":"STATE_CHANGED","mediaState":"READY"}}}}"#);
        let Ok(WorkspaceMessage::Event(frame)) = WorkspaceMessage::decode(&text) else { panic!("{text}") };
        Ok(DesktopEvent {
            agent: "a1".into(),
            topic: topic.into(),
            instance: "i".into(),
            connection: connection.into(),
            seq,
            frame: Arc::new(frame),
        })
    }

    fn shape(item: &SubscriptionItem) -> String {
        match item {
            SubscriptionItem::Event(frame) => format!("event {}", frame.event.topic()),
            SubscriptionItem::Lagged(n) => format!("lagged {n}"),
        }
    }

    #[tokio::test]
    async fn gaps_new_connections_and_slow_readers_read_as_lagged_and_other_topics_are_left_out() {
        let items = vec![
            event("agent", "c1", 1),
            event("interaction", "c1", 2),
            event("agent", "c1", 3),
            event("agent", "c1", 6),
            event("agent", "c2", 1),
            Err(Error::Lagged { missed: 4 }),
            Err(Error::UndecodableEvent { subject: "s".into(), message: "m".into() }),
            event("agent", "c2", 2),
        ];
        let events = Events { inner: Box::pin(futures_util::stream::iter(items)) };
        let out: Vec<String> = desktop_items(events, "agent").map(|i| shape(&i)).collect().await;
        assert_eq!(
            out,
            [
                "event agent",
                "event agent",
                "lagged 2",
                "event agent",
                "lagged 0",
                "event agent",
                "lagged 4",
                "event agent"
            ]
        );
    }
}
