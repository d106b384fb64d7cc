//! The session: a cheap, cloneable handle to one driver task that owns the transport.
//!
//! Callers serialize their request frames themselves and hand them to the driver through a
//! bounded channel; the driver writes every frame it has in one batch and flushes once, reads
//! frames, routes answers to the waiting calls by `referenceId` and fans events out to the
//! subscribers of their topic. When the connection ends every call in flight fails at once with
//! [`Error::Disconnected`]; a session made by [`connect`](crate::connect) then reconnects with
//! backoff and re-establishes its subscriptions.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use cxwire_model::connects::ConnectsMessage;
use cxwire_model::scapi::{
    AnswerData, AnswerOutcome, EventFrame, Failure, RateLimitNotice, RawRequest, Request, Route, ServiceRequest,
    WorkspaceMessage, decode_answer, salvage_reference_id,
};
use futures_util::{FutureExt, SinkExt, Stream, StreamExt};
use serde_json::Value;
use tokio::sync::{broadcast, mpsc, oneshot, watch};
use tracing::Instrument as _;

use crate::transport::{DEFAULT_MAX_FRAME, FrameTransport};
use crate::{Error, Topic};

/// The default call timeout, as the vendor library's.
pub const DEFAULT_CALL_TIMEOUT: Duration = Duration::from_secs(10);

/// Settings of a session.
#[derive(Clone, Debug)]
pub struct SessionConfig {
    /// How long a call waits for its answer (default 10 s).
    pub call_timeout: Duration,
    /// Largest frame sent or accepted (default 16 MiB, [`DEFAULT_MAX_FRAME`]). A larger request
    /// fails with [`Error::FrameTooLarge`] before it is sent; a larger incoming answer fails its
    /// call with [`Error::AnswerTooLarge`], a larger event is dropped (with a warning), and the
    /// connection stays up. Frames over the WebSocket limit ([`WsSettings::max_frame`](crate::WsSettings))
    /// end the connection instead (close code 1009).
    pub max_frame: usize,
    /// Events buffered per subscriber before it is told it lagged (default 256).
    pub subscriber_buffer: usize,
    /// Frames queued towards the driver before callers wait (default 1024); a caller waits at
    /// most until its call's deadline.
    pub command_buffer: usize,
    /// The `userAgent` sent (default `WWE Client`, as the vendor library).
    pub user_agent: String,
}

impl Default for SessionConfig {
    fn default() -> Self {
        Self {
            call_timeout: DEFAULT_CALL_TIMEOUT,
            max_frame: DEFAULT_MAX_FRAME,
            subscriber_buffer: 256,
            command_buffer: 1024,
            user_agent: cxwire_model::scapi::CLIENT_USER_AGENT.to_owned(),
        }
    }
}

/// A change of the connection's state.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConnectionState {
    /// Connected (a session starts connected: it is made from an open transport).
    Connected,
    /// The connection ended; calls in flight failed.
    Disconnected {
        /// Why.
        reason: String,
    },
    /// A new connection is up after a disconnection; subscriptions were re-established.
    Reconnected,
    /// The session stopped trying (attempts exhausted, a transport that cannot reconnect, or
    /// the session was closed).
    GaveUp,
}

/// What a subscription yields.
#[derive(Clone, Debug, PartialEq)]
pub enum SubscriptionItem {
    /// An event of one of the subscribed topics.
    Event(Arc<EventFrame>),
    /// This subscriber was too slow: this many events were dropped for it.
    Lagged(u64),
}

/// How the driver reaches the other side again after a disconnection.
pub(crate) trait Connector<T>: Send + 'static {
    /// Opens a new transport.
    fn connect(&mut self) -> Pin<Box<dyn Future<Output = Result<T, Error>> + Send + '_>>;
    /// Waits before the `attempt`-th reconnection (from 1); `None` means give up.
    fn backoff(&mut self, attempt: u32) -> Option<Duration>;
}

/// A transport given once: no reconnection.
pub(crate) struct Once;

impl<T: Send + 'static> Connector<T> for Once {
    fn connect(&mut self) -> Pin<Box<dyn Future<Output = Result<T, Error>> + Send + '_>> {
        Box::pin(async { Err(Error::Disconnected) })
    }
    fn backoff(&mut self, _: u32) -> Option<Duration> {
        None
    }
}

/// An answer frame, as received, for the caller to decode.
type AnswerText = Result<String, Error>;

/// Why a command could not be handed to the driver.
enum Enqueue {
    /// The session has ended.
    Closed,
    /// The driver's queue stayed full until the call's deadline.
    Late,
}

enum Command {
    Request {
        id: u64,
        text: String,
        /// The driver's deadline for the call is `timeout` from when it takes it (the clock is
        /// read once per batch, not once per call). No deadline field: every idle session's
        /// queue holds a block of 32 commands, so each byte here costs 32 per session.
        timeout: Duration,
        reply: oneshot::Sender<AnswerText>,
    },
    /// Boxed: subscribing is rare, and the channel's slots are as large as the largest
    /// command (they cost every idle session memory).
    Subscribe(Box<SubscribeCommand>),
    Send {
        text: String,
    },
    Close,
}

struct SubscribeCommand {
    topics: Vec<String>,
    subscriber: Subscriber,
    deadline: tokio::time::Instant,
    reply: oneshot::Sender<Result<(), Error>>,
}

enum Control {
    Release(u64),
}

struct Subscriber {
    id: u64,
    topics: Vec<String>,
    tx: mpsc::Sender<Arc<EventFrame>>,
    lagged: Arc<AtomicU64>,
}

/// What the driver and the handles share (one allocation: an idle session pays for it).
struct Shared {
    /// The frame id assigned by the Workspace, plus one (0: none yet).
    frame_id: AtomicU64,
    /// Set while the driver is not taking commands (see [`Driver::unattend`]): a call queued
    /// then times itself.
    unattended: AtomicBool,
}

struct Inner {
    commands: mpsc::Sender<Command>,
    control: mpsc::UnboundedSender<Control>,
    next_id: AtomicU64,
    next_subscriber: AtomicU64,
    /// What the driver shares with the handles.
    shared: Arc<Shared>,
    states: broadcast::Sender<ConnectionState>,
    current: watch::Receiver<ConnectionState>,
    /// `userAgent` as a JSON string, escaped once.
    user_agent_json: String,
    config: SessionConfig,
    /// The `session` span (`url`, `agent` recorded when known): the driver runs in it and each
    /// call's span is its child.
    span: tracing::Span,
}

/// A typed Service Client session. Cloning is cheap; the connection closes when the last clone
/// (and the last subscription) is dropped, or on [`Session::close`].
///
/// One method per request, by namespace (`session.voice().answer(..)`), or any typed request
/// with [`Session::call`]; each failure is a typed [`Error`]:
///
/// ```rust,no_run
/// use cxwire_ws::Error;
/// use cxwire_ws::model::scapi::AgentGetState;
///
/// # async fn run(session: cxwire_ws::Session) -> Result<(), Error> {
/// match session.agent().set_state("Ready").await {
///     Ok(()) => {}
///     Err(Error::Rejected { message, .. }) => eprintln!("the Workspace said no: {message:?}"),
///     Err(Error::RateLimited { quarantine, .. }) => eprintln!("quarantined for {quarantine:?} s"),
///     Err(other) => return Err(other),
/// }
/// let state = session.call(AgentGetState {}).await?;
/// println!("{state:?}");
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Session {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session").field("config", &self.inner.config).finish_non_exhaustive()
    }
}

impl Session {
    /// A session over any frame transport (no reconnection: when the transport ends, the
    /// session reports [`ConnectionState::Disconnected`] then [`ConnectionState::GaveUp`]).
    ///
    /// Must be called within a Tokio runtime: it spawns the driver task.
    pub fn new<T: FrameTransport>(transport: T, config: SessionConfig) -> Self {
        Self::with_connector(transport, Once, config)
    }

    pub(crate) fn with_connector<T: FrameTransport, C: Connector<T>>(
        transport: T,
        connector: C,
        config: SessionConfig,
    ) -> Self {
        let (commands, command_rx) = mpsc::channel(config.command_buffer.max(1));
        let (control, control_rx) = mpsc::unbounded_channel();
        // Connection changes are rare (two per reconnection): a few slots suffice, and each
        // idle session pays for them.
        let (states, _) = broadcast::channel(8);
        let (current_tx, current) = watch::channel(ConnectionState::Connected);
        let shared = Arc::new(Shared { frame_id: AtomicU64::new(0), unattended: AtomicBool::new(false) });
        let driver = Driver {
            command_capacity: config.command_buffer.max(1),
            commands: command_rx,
            control: control_rx,
            states: states.clone(),
            current: current_tx,
            shared: Arc::clone(&shared),
            max_frame: config.max_frame,
            user_agent: config.user_agent.clone(),
            pending: PendingMap::default(),
            sweep_at: 64,
            subscribers: BTreeMap::new(),
            topics: BTreeMap::new(),
            server_subscriptions: BTreeMap::new(),
            covered: BTreeSet::new(),
            next_internal_id: u64::MAX / 2,
            next_expiry: None,
            clock: None,
        };
        let span = tracing::debug_span!("session", url = tracing::field::Empty, agent = tracing::field::Empty);
        tokio::spawn(driver.run(transport, connector).instrument(span.clone()));
        Self {
            inner: Arc::new(Inner {
                commands,
                control,
                next_id: AtomicU64::new(0),
                next_subscriber: AtomicU64::new(0),
                shared,
                states,
                current,
                user_agent_json: serde_json::Value::from(config.user_agent.as_str()).to_string(),
                config,
                span,
            }),
        }
    }

    /// The session's `tracing` span (to record `url` and `agent` once known).
    pub(crate) fn span(&self) -> &tracing::Span {
        &self.inner.span
    }

    /// The session's settings.
    pub fn config(&self) -> &SessionConfig {
        &self.inner.config
    }

    /// A fresh `referenceId` for a request frame of this session.
    pub(crate) fn next_reference_id(&self) -> u64 {
        self.inner.next_id.fetch_add(1, Ordering::Relaxed)
    }

    /// The frame id the Workspace assigned, once it has.
    pub fn frame_id(&self) -> Option<u64> {
        self.inner.shared.frame_id.load(Ordering::Acquire).checked_sub(1)
    }

    /// Connection state changes from now on (a session starts [`ConnectionState::Connected`]).
    pub fn connection_states(&self) -> broadcast::Receiver<ConnectionState> {
        self.inner.states.subscribe()
    }

    /// The current connection state.
    pub fn connection_state(&self) -> ConnectionState {
        self.inner.current.borrow().clone()
    }

    /// Sends a typed request and waits for its typed answer (the session's call timeout).
    ///
    /// # Errors
    /// [`Error::Timeout`], [`Error::Rejected`], [`Error::RateLimited`], [`Error::Disconnected`],
    /// [`Error::Undecodable`], [`Error::FrameTooLarge`].
    pub async fn call<R: ServiceRequest>(&self, request: R) -> Result<R::Response, Error> {
        self.call_with_timeout(request, self.inner.config.call_timeout).await
    }

    /// Like [`Session::call`] with its own timeout.
    ///
    /// # Errors
    /// As [`Session::call`].
    pub async fn call_with_timeout<R: ServiceRequest>(
        &self,
        request: R,
        timeout: Duration,
    ) -> Result<R::Response, Error> {
        let id = self.inner.next_id.fetch_add(1, Ordering::Relaxed);
        let text = encode_request(&request, id, &self.inner.user_agent_json, self.frame_id())
            .map_err(Error::websocket_source)?;
        let answer = self.roundtrip(R::NAME, id, text, timeout).await?;
        match decode_answer::<R>(&answer) {
            Ok(AnswerOutcome::Data(data)) => Ok(data),
            Ok(AnswerOutcome::Failure(failure)) => Err(failure_error(R::NAME, failure)),
            Err(source) => Err(Error::Undecodable { request: R::NAME.to_owned(), source, raw: answer }),
        }
    }

    /// Sends any request, typed or raw ([`Request::Raw`] for one a future Workspace adds), and
    /// returns the answer's `data` as JSON.
    ///
    /// # Errors
    /// As [`Session::call`], except that the data is not checked against a type.
    pub async fn call_request(&self, request: Request, timeout: Option<Duration>) -> Result<Option<Value>, Error> {
        let id = self.inner.next_id.fetch_add(1, Ordering::Relaxed);
        let name = request.name().to_owned();
        let frame = cxwire_model::scapi::RequestFrame {
            request,
            name_form: cxwire_model::scapi::NameForm::Wire,
            reference_id: Some(id.to_string()),
            envelope: cxwire_model::scapi::Envelope {
                user_agent: Some(self.inner.config.user_agent.clone()),
                protocol_version: Some(cxwire_model::scapi::PROTOCOL_VERSION),
                frame_id: self.frame_id(),
                extra: BTreeMap::new(),
            },
        };
        let text = serde_json::to_string(&frame).map_err(Error::websocket_source)?;
        let raw = self.roundtrip(&name, id, text, timeout.unwrap_or(self.inner.config.call_timeout)).await?;
        // The driver routes only answers to calls, so anything else is undecodable as one.
        let answer = match WorkspaceMessage::decode(&raw) {
            Ok(WorkspaceMessage::Answer(answer)) => answer,
            Ok(_) => {
                let source = cxwire_model::DecodeError::Unclassifiable { reason: "not an answer frame" };
                return Err(Error::Undecodable { request: name, source, raw });
            }
            Err(source) => return Err(Error::Undecodable { request: name, source, raw }),
        };
        if let Some(failure) = answer.failure_reason() {
            return Err(failure_error(&name, failure));
        }
        Ok(answer.data.as_ref().map(AnswerData::to_value))
    }

    /// Sends a request by name with JSON parameters and returns the answer's `data`.
    ///
    /// # Errors
    /// As [`Session::call_request`].
    pub async fn call_raw(&self, name: &str, parameters: Vec<Value>) -> Result<Option<Value>, Error> {
        self.call_request(Request::Raw(RawRequest::new(name, parameters)), None).await
    }

    /// One call in its `call` span (request name and referenceId only, never the parameters).
    /// The span costs nothing when the level is disabled: its fields are a `&str` and a `u64`.
    pub(crate) async fn roundtrip(
        &self,
        name: &str,
        id: u64,
        text: String,
        timeout: Duration,
    ) -> Result<String, Error> {
        let span = tracing::debug_span!(parent: &self.inner.span, "call", request = name, reference_id = id);
        self.roundtrip_in_span(name, id, text, timeout).instrument(span).await
    }

    async fn roundtrip_in_span(&self, name: &str, id: u64, text: String, timeout: Duration) -> Result<String, Error> {
        let limit = self.inner.config.max_frame;
        if text.len() > limit {
            return Err(Error::FrameTooLarge { size: text.len(), limit });
        }
        // The driver enforces the deadline (one timer for all calls, not one per call), which
        // runs from when it takes the call, in the same scheduler turn.
        let (reply, answer) = oneshot::channel();
        let timed_out = || Error::Timeout { request: name.to_owned(), timeout };
        let command = Command::Request { id, text, timeout, reply };
        let waited = self.enqueue(command, || tokio::time::Instant::now() + timeout).await.map_err(|e| match e {
            Enqueue::Closed => Error::Disconnected,
            Enqueue::Late => timed_out(),
        })?;
        // The driver fails every call it has taken at its deadline, and when it stops taking
        // commands (a peer that does not read, a connection being closed) it first takes those
        // already queued. A call queued after that (the flag is read after the call is queued,
        // as the driver sets it before it takes the queue) times itself: no timer per call
        // otherwise. So does a call that waited for room in the queue: its deadline started
        // before the driver took it.
        std::sync::atomic::fence(Ordering::SeqCst);
        let answer = if waited.is_some() || self.inner.shared.unattended.load(Ordering::SeqCst) {
            // Boxed: a rare path, and the timer would make every call's future larger.
            let deadline = waited.unwrap_or_else(|| tokio::time::Instant::now() + timeout);
            let Ok(answer) = Box::pin(tokio::time::timeout_at(deadline, answer)).await else { return Err(timed_out()) };
            answer
        } else {
            answer.await
        };
        match answer {
            Ok(Err(Error::Timeout { .. })) => Err(timed_out()),
            Ok(Err(Error::AnswerTooLarge { size, limit, .. })) => {
                Err(Error::AnswerTooLarge { request: name.to_owned(), size, limit })
            }
            Ok(result) => result,
            Err(_) => Err(Error::Disconnected),
        }
    }

    /// Hands a command to the driver. When its queue is full, waits no later than `deadline()`
    /// (read then, not before) and returns that deadline; `None` when it did not wait.
    async fn enqueue(
        &self,
        command: Command,
        deadline: impl FnOnce() -> tokio::time::Instant,
    ) -> Result<Option<tokio::time::Instant>, Enqueue> {
        match self.inner.commands.try_send(command) {
            Ok(()) => Ok(None),
            Err(mpsc::error::TrySendError::Closed(_)) => Err(Enqueue::Closed),
            Err(mpsc::error::TrySendError::Full(command)) => {
                let deadline = deadline();
                // Boxed: a rare path, and the timer and the channel's waiter would make every
                // call's future larger.
                match Box::pin(tokio::time::timeout_at(deadline, self.inner.commands.send(command))).await {
                    Ok(Ok(())) => Ok(Some(deadline)),
                    Ok(Err(_)) => Err(Enqueue::Closed),
                    Err(_) => Err(Enqueue::Late),
                }
            }
        }
    }

    /// Subscribes to topics ([`Topic`]: `agent`, `interaction`, `media`, `outbound`, `system`,
    /// `markdone`, `messenger:<channel>`, or [`Topic::Other`]). Many subscriptions may watch the
    /// same topic; the session sends one `subscribe` for the topics not yet subscribed, and
    /// `unsubscribe` when the last subscription of a Workspace subscription is dropped.
    ///
    /// ```no_run
    /// # async fn run(session: cxwire_ws::Session) -> Result<(), cxwire_ws::Error> {
    /// use cxwire_ws::{SubscriptionItem, Topic};
    /// let mut events = session.subscribe([Topic::Agent, Topic::messenger("crm")]).await?;
    /// while let Some(item) = events.recv().await {
    ///     match item {
    ///         SubscriptionItem::Event(frame) => println!("{:?}", frame.event),
    ///         SubscriptionItem::Lagged(n) => eprintln!("missed {n} events"),
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::Disconnected`], [`Error::Timeout`] or [`Error::Rejected`] for the `subscribe`.
    pub async fn subscribe<I>(&self, topics: I) -> Result<Subscription, Error>
    where
        I: IntoIterator,
        I::Item: Into<Topic>,
    {
        let topics: Vec<String> =
            topics.into_iter().map(|t| t.into().wire_name()).collect::<BTreeSet<_>>().into_iter().collect();
        let id = self.inner.next_subscriber.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = mpsc::channel(self.inner.config.subscriber_buffer.max(1));
        let lagged = Arc::new(AtomicU64::new(0));
        let subscriber = Subscriber { id, topics: topics.clone(), tx, lagged: Arc::clone(&lagged) };
        let (reply, done) = oneshot::channel();
        let timeout = self.inner.config.call_timeout;
        let deadline = tokio::time::Instant::now() + timeout;
        let command =
            Command::Subscribe(Box::new(SubscribeCommand { topics: topics.clone(), subscriber, deadline, reply }));
        self.enqueue(command, || deadline).await.map_err(|e| match e {
            Enqueue::Closed => Error::Disconnected,
            Enqueue::Late => Error::Timeout { request: "subscribe".to_owned(), timeout },
        })?;
        // Dropped on failure, which releases the subscriber again.
        let subscription = Subscription { id, topics, rx, lagged, control: self.inner.control.clone() };
        let Ok(done) = tokio::time::timeout_at(deadline, done).await else {
            return Err(Error::Timeout { request: "subscribe".to_owned(), timeout });
        };
        match done {
            Ok(Ok(())) => Ok(subscription),
            Ok(Err(Error::Timeout { .. })) => Err(Error::Timeout { request: "subscribe".to_owned(), timeout }),
            Ok(Err(e)) => Err(e),
            Err(_) => Err(Error::Disconnected),
        }
    }

    /// Sends a b+s Connects request through the bridge page, which dispatches it as an
    /// `integrationapi` custom event to `window.top` (fire and forget, as for web clients).
    ///
    /// # Errors
    /// [`Error::Disconnected`] when the session has ended.
    pub async fn send_connects(&self, message: &ConnectsMessage) -> Result<(), Error> {
        let text = serde_json::to_string(
            &serde_json::json!({ crate::bridge::CONNECTS_FRAME_KEY: "connects", "detail": message }),
        )
        .map_err(Error::websocket_source)?;
        self.inner.commands.send(Command::Send { text }).await.map_err(|_| Error::Disconnected)
    }

    /// Closes the connection: calls in flight fail with [`Error::Disconnected`].
    pub async fn close(&self) {
        let _ = self.inner.commands.send(Command::Close).await;
    }
}

fn failure_error(request: &str, failure: Failure) -> Error {
    match failure {
        Failure::RateLimited(RateLimitNotice { request: limited, quarantine_seconds }) => {
            Error::RateLimited { request: request.to_owned(), limited, quarantine: quarantine_seconds }
        }
        Failure::Rejected(message) => Error::Rejected { request: request.to_owned(), message },
    }
}

/// Encodes a typed request frame: the constant parts are written directly (request names are
/// plain ASCII, the user agent is escaped once per session), the parameters by serde.
pub(crate) fn encode_request<R: ServiceRequest>(
    request: &R,
    id: u64,
    user_agent_json: &str,
    frame_id: Option<u64>,
) -> Result<String, serde_json::Error> {
    let mut out = String::with_capacity(160);
    out.push_str(r#"{"request":""#);
    out.push_str(R::NAME);
    out.push('"');
    if request.has_parameters() {
        out.push_str(r#","parameters":"#);
        out.push_str(&serde_json::to_string(request)?);
    }
    out.push_str(r#","referenceId":""#);
    push_decimal(&mut out, id);
    out.push_str(r#"","userAgent":"#);
    out.push_str(user_agent_json);
    out.push_str(r#","protocolVersion":2"#);
    if let Some(frame_id) = frame_id {
        out.push_str(r#","frameId":"#);
        push_decimal(&mut out, frame_id);
    }
    out.push('}');
    Ok(out)
}

/// Appends `n` in decimal (without the formatting machinery: this is on every call's path).
fn push_decimal(out: &mut String, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    loop {
        start -= 1;
        digits[start] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &digit in &digits[start..] {
        out.push(char::from(digit));
    }
}

/// A stream of the events of some topics. Dropping it unsubscribes.
///
/// A subscriber that falls behind gets [`SubscriptionItem::Lagged`] with the number of events
/// it missed, and the stream goes on: handle it rather than ending the loop.
///
/// ```rust,no_run
/// use cxwire_ws::{SubscriptionItem, Topic};
/// use cxwire_ws::model::scapi::Event;
///
/// # async fn run(session: cxwire_ws::Session) -> Result<(), cxwire_ws::Error> {
/// let mut events = session.subscribe([Topic::Interaction]).await?;
/// while let Some(item) = events.recv().await {
///     match item {
///         SubscriptionItem::Event(frame) => {
///             if let Event::Interaction(e) = &frame.event {
///                 println!("{:?}", e.event_type);
///             }
///         }
///         SubscriptionItem::Lagged(missed) => eprintln!("missed {missed} events; resynchronise"),
///     }
/// }
/// // `None`: the session has ended.
/// # Ok(())
/// # }
/// ```
pub struct Subscription {
    id: u64,
    topics: Vec<String>,
    rx: mpsc::Receiver<Arc<EventFrame>>,
    lagged: Arc<AtomicU64>,
    control: mpsc::UnboundedSender<Control>,
}

impl std::fmt::Debug for Subscription {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Subscription").field("topics", &self.topics).finish_non_exhaustive()
    }
}

impl Subscription {
    /// The subscribed topics.
    pub fn topics(&self) -> &[String] {
        &self.topics
    }

    /// Whether nothing is waiting to be received (no event, no lag to report).
    pub fn is_empty(&self) -> bool {
        self.rx.is_empty() && self.lagged.load(Ordering::Acquire) == 0
    }

    /// The next event, or how many were missed; `None` when the session has ended.
    pub async fn recv(&mut self) -> Option<SubscriptionItem> {
        std::future::poll_fn(|cx| self.poll_item(cx)).await
    }

    fn poll_item(&mut self, cx: &mut Context<'_>) -> Poll<Option<SubscriptionItem>> {
        let missed = self.lagged.swap(0, Ordering::AcqRel);
        if missed > 0 {
            return Poll::Ready(Some(SubscriptionItem::Lagged(missed)));
        }
        self.rx.poll_recv(cx).map(|o| o.map(SubscriptionItem::Event))
    }
}

impl Stream for Subscription {
    type Item = SubscriptionItem;
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<SubscriptionItem>> {
        self.get_mut().poll_item(cx)
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        let _ = self.control.send(Control::Release(self.id));
    }
}

// ---------------------------------------------------------------------------------------------
// The driver.

/// The calls and subscriptions waiting for their answers, by `referenceId`. The ids are the
/// session's own (never chosen by the peer), so a plain multiplicative hash is safe and cheaper
/// than an ordered map on the hot path (one insert and one remove per call).
/// (Never serialized, so the workspace's rule for deterministic output does not apply.)
#[allow(clippy::disallowed_types)]
type PendingMap = std::collections::HashMap<u64, Pending, std::hash::BuildHasherDefault<IdHasher>>;

/// Hashes a `u64` id with one multiplication (Fibonacci hashing: the high bits, which the table
/// uses first, depend on every bit of the id).
#[derive(Default)]
struct IdHasher(u64);

impl std::hash::Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }
    fn write_u64(&mut self, id: u64) {
        self.0 = id.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

enum Pending {
    Call(oneshot::Sender<AnswerText>, tokio::time::Instant),
    Subscribe { topics: Vec<String>, reply: Option<oneshot::Sender<Result<(), Error>>>, deadline: tokio::time::Instant },
}

impl Pending {
    fn deadline(&self) -> tokio::time::Instant {
        match self {
            Self::Call(_, deadline) | Self::Subscribe { deadline, .. } => *deadline,
        }
    }
}

struct Driver {
    commands: mpsc::Receiver<Command>,
    /// The command queue's capacity.
    command_capacity: usize,

    control: mpsc::UnboundedReceiver<Control>,
    states: broadcast::Sender<ConnectionState>,
    current: watch::Sender<ConnectionState>,
    shared: Arc<Shared>,
    max_frame: usize,
    user_agent: String,
    pending: PendingMap,
    sweep_at: usize,
    subscribers: BTreeMap<u64, Subscriber>,
    /// Topic -> subscriber ids.
    topics: BTreeMap<String, BTreeSet<u64>>,
    /// Workspace subscription id -> its topics.
    server_subscriptions: BTreeMap<String, Vec<String>>,
    /// Topics covered by a Workspace subscription (or one in flight).
    covered: BTreeSet<String>,
    /// Reference ids for the driver's own frames, apart from the callers'.
    next_internal_id: u64,
    /// No later than the earliest deadline of a pending call or subscription (`None`: nothing
    /// pending). It stays as it is when calls are answered, so it may be early: [`Driver::expire`]
    /// recomputes it. A deadline is a field of its pending entry, not a key of a second map:
    /// no ordered insert and remove per call.
    next_expiry: Option<tokio::time::Instant>,
    /// The time the calls of the batch being taken are stamped with (read once per batch).
    clock: Option<tokio::time::Instant>,
}

enum End {
    Closed,
    Lost(String),
}

/// Most commands written in one flush.
const BATCH: usize = 128;
/// Most incoming frames handled before yielding to the callers they answered: a quarter of the
/// calls in flight, at least 2 and at most 16 (16 when no call is in flight: events only). The
/// callers' next requests then go out while the peer is still answering the rest, instead of
/// the two sides taking turns. Measured on a quiet 2-core machine against the raw client: 8
/// calls in flight 0.80x with a fixed 16, 0.99x with a quarter; 64 in flight 0.38x with a chunk
/// of 64 (the two sides take turns); 256 in flight best at 16.
const READ_CHUNK_MAX: usize = 16;

impl Driver {
    async fn run<T: FrameTransport, C: Connector<T>>(mut self, first: T, mut connector: C) {
        let mut transport = Some(first);
        let mut connected_before = false;
        loop {
            let Some(mut t) = transport.take() else { break };
            if connected_before {
                self.announce(ConnectionState::Reconnected);
            }
            connected_before = true;
            let end = self.serve(&mut t).await;
            // Closing may wait on a peer that does not read: the calls queued meanwhile fail now.
            self.unattend_closing(matches!(end, End::Closed));
            let _ = t.close().await;
            drop(t);
            self.reset_connection();
            match end {
                End::Closed => {
                    self.announce(ConnectionState::Disconnected { reason: "closed".to_owned() });
                    self.announce(ConnectionState::GaveUp);
                    break;
                }
                End::Lost(reason) => {
                    tracing::info!(%reason, "Service Client connection lost");
                    self.announce(ConnectionState::Disconnected { reason });
                }
            }
            let mut attempt = 0;
            while transport.is_none() {
                attempt += 1;
                let Some(delay) = connector.backoff(attempt) else {
                    self.announce(ConnectionState::GaveUp);
                    break;
                };
                if self.while_disconnected(tokio::time::sleep(delay)).await.is_none() {
                    self.announce(ConnectionState::GaveUp);
                    return self.drain_closed().await;
                }
                // Calls made while the connection is being re-established fail at once too.
                match self.while_disconnected(connector.connect()).await {
                    None => {
                        self.announce(ConnectionState::GaveUp);
                        return self.drain_closed().await;
                    }
                    Some(Ok(t)) => transport = Some(t),
                    Some(Err(e)) => tracing::debug!(error = %e, attempt, "reconnection failed"),
                }
            }
        }
        self.drain_closed().await;
    }

    fn announce(&self, state: ConnectionState) {
        self.current.send_replace(state.clone());
        let _ = self.states.send(state);
    }

    /// While disconnected, until `until` completes: calls fail at once, subscriptions are
    /// recorded for the next connection. Returns `None` when the session is closed.
    async fn while_disconnected<F: Future>(&mut self, until: F) -> Option<F::Output> {
        tokio::pin!(until);
        loop {
            tokio::select! {
                output = &mut until => return Some(output),
                command = self.commands.recv() => match command {
                    None | Some(Command::Close) => return None,
                    Some(Command::Request { reply, .. }) => { let _ = reply.send(Err(Error::Disconnected)); }
                    Some(Command::Subscribe(command)) => {
                        let SubscribeCommand { topics, subscriber, reply, .. } = *command;
                        self.add_subscriber(&topics, subscriber);
                        let _ = reply.send(Ok(()));
                    }
                    Some(Command::Send { .. }) => {}
                },
                Some(Control::Release(id)) = self.control.recv() => self.release(id, None),
            }
        }
    }

    /// After the end: every command fails until the last handle is gone.
    async fn drain_closed(mut self) {
        self.subscribers.clear();
        while let Some(command) = self.commands.recv().await {
            match command {
                Command::Request { reply, .. } => {
                    let _ = reply.send(Err(Error::Disconnected));
                }
                Command::Subscribe(command) => {
                    let _ = command.reply.send(Err(Error::Disconnected));
                }
                Command::Send { .. } | Command::Close => {}
            }
        }
    }

    fn reset_connection(&mut self) {
        for (_, pending) in std::mem::take(&mut self.pending) {
            match pending {
                Pending::Call(reply, _) => {
                    let _ = reply.send(Err(Error::Disconnected));
                }
                Pending::Subscribe { reply: Some(reply), .. } => {
                    let _ = reply.send(Err(Error::Disconnected));
                }
                Pending::Subscribe { reply: None, .. } => {}
            }
        }
        self.next_expiry = None;
        self.server_subscriptions.clear();
        self.covered.clear();
        self.shared.frame_id.store(0, Ordering::Release);
    }

    async fn serve<T: FrameTransport>(&mut self, transport: &mut T) -> End {
        self.shared.unattended.store(false, Ordering::SeqCst);
        let mut out: Vec<String> = Vec::new();
        // One timer for every call's deadline; re-armed only when it fires.
        let timer = tokio::time::sleep(Duration::from_secs(3600));
        tokio::pin!(timer);
        // The deadline the timer is set for, if any. It may be later than the earliest pending
        // deadline only until the loop re-arms it below.
        let mut armed: Option<tokio::time::Instant> = None;
        // Re-establish the subscriptions of the previous connection in one frame.
        let wanted: Vec<String> = self.topics.keys().cloned().collect();
        if !wanted.is_empty() {
            let deadline = tokio::time::Instant::now() + DEFAULT_CALL_TIMEOUT;
            self.send_subscribe(wanted, None, deadline, &mut out);
        }
        loop {
            if !out.is_empty()
                && let Err(end) = self.write_out(transport, &mut out).await
            {
                return end;
            }
            if let Some(first) = self.next_expiry
                && armed.is_none_or(|at| first < at)
            {
                timer.as_mut().reset(first);
                armed = Some(first);
            }
            tokio::select! {
                biased;
                () = &mut timer, if armed.is_some() => {
                    armed = None;
                    self.expire(tokio::time::Instant::now());
                }
                Some(Control::Release(id)) = self.control.recv() => self.release(id, Some(&mut out)),
                command = self.commands.recv() => {
                    let Some(command) = command else { return End::Closed };
                    self.clock = None;
                    if self.handle(command, &mut out) {
                        return End::Closed;
                    }
                    // Batch whatever else is queued into the same flush.
                    for _ in 0..BATCH {
                        match self.commands.try_recv() {
                            Ok(command) => if self.handle(command, &mut out) { return End::Closed },
                            Err(_) => break,
                        }
                    }
                }
                frame = transport.next() => match frame {
                    None => return End::Lost("the peer closed the connection".to_owned()),
                    Some(Err(e)) => return End::Lost(e.to_string()),
                    Some(Ok(text)) => {
                        self.incoming(text);
                        // Handle a few more that have already arrived, then let the callers
                        // that were answered run: their next requests go out while the peer is
                        // still answering, instead of the two sides taking turns.
                        let chunk = match self.pending.len() {
                            // Events only: nobody waits to send a next request.
                            0 => READ_CHUNK_MAX,
                            calls => (calls / 4).clamp(2, READ_CHUNK_MAX),
                        };
                        for _ in 1..chunk {
                            match transport.next().now_or_never() {
                                Some(Some(Ok(text))) => self.incoming(text),
                                Some(Some(Err(e))) => return End::Lost(e.to_string()),
                                Some(None) => return End::Lost("the peer closed the connection".to_owned()),
                                None => break,
                            }
                        }
                        tokio::task::yield_now().await;
                    }
                },
            }
        }
    }

    /// Writes the queued frames. While the peer does not take them (its side applies
    /// backpressure), its frames are still read and answers routed, and deadlines still expire:
    /// two peers that both wait for the other to read never deadlock. While it waits, the driver
    /// takes no commands: it first takes those already queued ([`Driver::unattend`]).
    async fn write_out<T: FrameTransport>(&mut self, transport: &mut T, out: &mut Vec<String>) -> Result<(), End> {
        enum Step {
            Written,
            Blocked,
            Incoming(String),
            Expired,
            Failed(String),
        }
        let mut queue = VecDeque::from(std::mem::take(out));
        let mut next = queue.pop_front();
        let result = loop {
            let blocked_before = self.shared.unattended.load(Ordering::Relaxed);
            // The deadline timer is made only when the write waits (rarely: not per batch).
            let expiry = self.next_expiry;
            let mut timer: Option<Pin<Box<tokio::time::Sleep>>> = None;
            let step = std::future::poll_fn(|cx| {
                loop {
                    if let Some(text) = next.take() {
                        match Pin::new(&mut *transport).poll_ready(cx) {
                            Poll::Ready(Ok(())) => {
                                if let Err(e) = Pin::new(&mut *transport).start_send(text) {
                                    return Poll::Ready(Step::Failed(e.to_string()));
                                }
                                next = queue.pop_front();
                                continue;
                            }
                            Poll::Ready(Err(e)) => return Poll::Ready(Step::Failed(e.to_string())),
                            Poll::Pending => {
                                next = Some(text);
                                break;
                            }
                        }
                    }
                    match Pin::new(&mut *transport).poll_flush(cx) {
                        Poll::Ready(Ok(())) => return Poll::Ready(Step::Written),
                        Poll::Ready(Err(e)) => return Poll::Ready(Step::Failed(e.to_string())),
                        Poll::Pending => break,
                    }
                }
                if !blocked_before {
                    return Poll::Ready(Step::Blocked);
                }
                if let Some(at) = expiry
                    && timer.get_or_insert_with(|| Box::pin(tokio::time::sleep_until(at))).as_mut().poll(cx).is_ready()
                {
                    return Poll::Ready(Step::Expired);
                }
                match Pin::new(&mut *transport).poll_next(cx) {
                    Poll::Ready(Some(Ok(text))) => Poll::Ready(Step::Incoming(text)),
                    Poll::Ready(Some(Err(e))) => Poll::Ready(Step::Failed(e.to_string())),
                    Poll::Ready(None) => Poll::Ready(Step::Failed("the peer closed the connection".to_owned())),
                    Poll::Pending => Poll::Pending,
                }
            })
            .await;
            match step {
                Step::Written => break Ok(()),
                Step::Blocked => {
                    let mut taken = Vec::new();
                    if self.unattend(&mut taken) {
                        break Err(End::Closed);
                    }
                    queue.extend(taken);
                }
                Step::Incoming(text) => self.incoming(text),
                Step::Expired => self.expire(tokio::time::Instant::now()),
                Step::Failed(reason) => break Err(End::Lost(reason)),
            }
        };
        self.shared.unattended.store(false, Ordering::SeqCst);
        // Keep the buffer's capacity for the next batch.
        let mut buffer = Vec::from(queue);
        buffer.clear();
        *out = buffer;
        result
    }

    /// The driver stops taking commands (a write waits on the peer): from now on callers time
    /// their calls themselves, and the commands already queued, whose callers do not, are taken
    /// now (their frames go to `out`, their deadlines are the driver's). The flag is set before
    /// the queue is read and callers read it after queuing, both behind a `SeqCst` fence, so a
    /// call is either taken here or sees the flag. At most one queue's worth is taken. Returns
    /// true when a command closes the session.
    fn unattend(&mut self, out: &mut Vec<String>) -> bool {
        self.shared.unattended.store(true, Ordering::SeqCst);
        std::sync::atomic::fence(Ordering::SeqCst);
        self.clock = None;
        for _ in 0..self.command_capacity {
            match self.commands.try_recv() {
                Ok(command) => {
                    if self.handle(command, out) {
                        return true;
                    }
                }
                Err(_) => break,
            }
        }
        false
    }

    /// As [`Driver::unattend`] when the connection has ended (closing it may wait on the peer):
    /// the queued calls fail with [`Error::Disconnected`]; queued subscriptions are recorded for
    /// the next connection, or refused when the session is closing.
    fn unattend_closing(&mut self, closing: bool) {
        self.shared.unattended.store(true, Ordering::SeqCst);
        std::sync::atomic::fence(Ordering::SeqCst);
        for _ in 0..self.command_capacity {
            match self.commands.try_recv() {
                Ok(Command::Request { reply, .. }) => {
                    let _ = reply.send(Err(Error::Disconnected));
                }
                Ok(Command::Subscribe(command)) if closing => {
                    let _ = command.reply.send(Err(Error::Disconnected));
                }
                Ok(Command::Subscribe(command)) => {
                    let SubscribeCommand { topics, subscriber, reply, .. } = *command;
                    self.add_subscriber(&topics, subscriber);
                    let _ = reply.send(Ok(()));
                }
                Ok(Command::Send { .. } | Command::Close) => {}
                Err(_) => break,
            }
        }
    }

    /// Handles a command; returns true when the session is to close.
    fn handle(&mut self, command: Command, out: &mut Vec<String>) -> bool {
        match command {
            Command::Request { id, text, timeout, reply } => {
                if reply.is_closed() {
                    return false;
                }
                let deadline = *self.clock.get_or_insert_with(tokio::time::Instant::now) + timeout;
                self.sweep();
                self.track_deadline(deadline);
                self.pending.insert(id, Pending::Call(reply, deadline));
                out.push(text);
            }
            Command::Subscribe(command) => {
                let SubscribeCommand { topics, subscriber, deadline, reply } = *command;
                self.add_subscriber(&topics, subscriber);
                let missing: Vec<String> = topics.into_iter().filter(|t| !self.covered.contains(t)).collect();
                if missing.is_empty() {
                    let _ = reply.send(Ok(()));
                } else {
                    self.send_subscribe(missing, Some(reply), deadline, out);
                }
            }
            Command::Send { text } => out.push(text),
            Command::Close => return true,
        }
        false
    }

    /// Lowers the next expiry to `deadline` if it is earlier.
    fn track_deadline(&mut self, deadline: tokio::time::Instant) {
        self.next_expiry = Some(self.next_expiry.map_or(deadline, |at| at.min(deadline)));
    }

    /// Fails the calls whose deadline has passed, and recomputes the next expiry. One pass over
    /// the pending entries, made only when the next expiry is reached: with the same timeout for
    /// every call, about once per timeout while calls are answered in time.
    fn expire(&mut self, now: tokio::time::Instant) {
        let mut next: Option<tokio::time::Instant> = None;
        let mut expired = Vec::new();
        for (&id, pending) in &self.pending {
            let deadline = pending.deadline();
            if deadline <= now {
                expired.push(id);
            } else {
                next = Some(next.map_or(deadline, |at| at.min(deadline)));
            }
        }
        self.next_expiry = next;
        // The caller puts its request name and timeout in the error.
        let timeout = || Error::Timeout { request: String::new(), timeout: Duration::ZERO };
        for id in expired {
            match self.pending.remove(&id) {
                Some(Pending::Call(reply, _)) => {
                    let _ = reply.send(Err(timeout()));
                }
                Some(Pending::Subscribe { topics, reply, .. }) => {
                    self.uncover(&topics);
                    if let Some(reply) = reply {
                        let _ = reply.send(Err(timeout()));
                    }
                }
                None => {}
            }
        }
    }

    /// Drops calls whose caller gave up, when the map has grown.
    fn sweep(&mut self) {
        if self.pending.len() >= self.sweep_at {
            self.pending.retain(|_, p| match p {
                Pending::Call(reply, _) => !reply.is_closed(),
                Pending::Subscribe { .. } => true,
            });
            self.sweep_at = (self.pending.len() * 2).max(64);
        }
    }

    fn add_subscriber(&mut self, topics: &[String], subscriber: Subscriber) {
        for topic in topics {
            self.topics.entry(topic.clone()).or_default().insert(subscriber.id);
        }
        self.subscribers.insert(subscriber.id, subscriber);
    }

    fn send_subscribe(
        &mut self,
        topics: Vec<String>,
        reply: Option<oneshot::Sender<Result<(), Error>>>,
        deadline: tokio::time::Instant,
        out: &mut Vec<String>,
    ) {
        let id = self.next_internal_id;
        self.track_deadline(deadline);
        self.next_internal_id = self.next_internal_id.wrapping_add(1);
        self.covered.extend(topics.iter().cloned());
        let mut frame = serde_json::json!({
            "event": "subscribe",
            "data": topics,
            "referenceId": id.to_string(),
            "userAgent": self.user_agent,
            "protocolVersion": cxwire_model::scapi::PROTOCOL_VERSION,
        });
        if let Some(frame_id) = self.shared.frame_id.load(Ordering::Acquire).checked_sub(1) {
            frame["frameId"] = frame_id.into();
        }
        self.pending.insert(id, Pending::Subscribe { topics, reply, deadline });
        out.push(frame.to_string());
    }

    fn uncover(&mut self, topics: &[String]) {
        for topic in topics {
            self.covered.remove(topic);
        }
    }

    /// A subscription was dropped: forget it, and unsubscribe the Workspace subscriptions none
    /// of whose topics is watched any more.
    fn release(&mut self, id: u64, out: Option<&mut Vec<String>>) {
        let Some(subscriber) = self.subscribers.remove(&id) else { return };
        for topic in &subscriber.topics {
            if let Some(ids) = self.topics.get_mut(topic) {
                ids.remove(&id);
                if ids.is_empty() {
                    self.topics.remove(topic);
                }
            }
        }
        let unused: Vec<String> = self
            .server_subscriptions
            .iter()
            .filter(|(_, topics)| topics.iter().all(|t| !self.topics.contains_key(t)))
            .map(|(sid, _)| sid.clone())
            .collect();
        let Some(out) = out else { return };
        for sid in unused {
            if let Some(topics) = self.server_subscriptions.remove(&sid) {
                self.uncover(&topics);
            }
            let id = self.next_internal_id;
            self.next_internal_id = self.next_internal_id.wrapping_add(1);
            let mut frame = serde_json::json!({
                "event": "unsubscribe",
                "data": sid,
                "referenceId": id.to_string(),
                "userAgent": self.user_agent,
                "protocolVersion": cxwire_model::scapi::PROTOCOL_VERSION,
            });
            if let Some(frame_id) = self.shared.frame_id.load(Ordering::Acquire).checked_sub(1) {
                frame["frameId"] = frame_id.into();
            }
            out.push(frame.to_string());
        }
    }

    fn incoming(&mut self, text: String) {
        if text.len() > self.max_frame {
            let (size, limit) = (text.len(), self.max_frame);
            // An answer to a call fails that call; anything else is dropped.
            if let Some(id) = salvage_reference_id(&text).and_then(|r| r.parse::<u64>().ok())
                && let Some(Pending::Call(reply, _)) = self.take_call(id)
            {
                tracing::warn!(size, limit, "an answer exceeds the session's frame limit");
                let _ = reply.send(Err(Error::AnswerTooLarge { request: String::new(), size, limit }));
                return;
            }
            tracing::warn!(size, limit, "dropped an oversized frame");
            return;
        }
        // The hot path: an answer to a call goes to its caller as received, decoded there.
        if let Route::Answer(reference) = Route::of(&text)
            && let Ok(id) = reference.parse::<u64>()
            && let std::collections::hash_map::Entry::Occupied(entry) = self.pending.entry(id)
            && matches!(entry.get(), Pending::Call(..))
        {
            if let Pending::Call(reply, _) = entry.remove() {
                let _ = reply.send(Ok(text));
            }
            self.release_capacity();
            return;
        }
        match WorkspaceMessage::decode(&text) {
            Err(e) => {
                // A broken answer (garbage, truncated) whose referenceId can still be read fails
                // its call as undecodable rather than leaving it to time out.
                if let Some(id) = salvage_reference_id(&text).and_then(|r| r.parse::<u64>().ok())
                    && let Some(Pending::Call(reply, _)) = self.take_call(id)
                {
                    let _ = reply.send(Ok(text));
                    return;
                }
                tracing::warn!(error = %e, "dropped an undecodable frame");
            }
            Ok(WorkspaceMessage::FrameId(f)) => {
                self.shared.frame_id.store(f.frame_id.saturating_add(1), Ordering::Release)
            }
            Ok(WorkspaceMessage::Event(frame)) => self.dispatch(frame),
            Ok(WorkspaceMessage::Answer(answer)) => {
                let id = answer.reference_id.as_deref().and_then(|r| r.parse::<u64>().ok());
                match id.and_then(|id| self.pending.remove(&id)) {
                    Some(Pending::Call(reply, _)) => {
                        let _ = reply.send(Ok(text));
                    }
                    Some(Pending::Subscribe { topics, reply, .. }) => {
                        let result = match (&answer.subscription_id, answer.failure_reason()) {
                            (_, Some(failure)) => {
                                self.uncover(&topics);
                                Err(failure_error("subscribe", failure))
                            }
                            (Some(sid), None) => {
                                self.server_subscriptions.insert(sid.clone(), topics);
                                Ok(())
                            }
                            (None, None) => {
                                // Answered without an id: the topics are subscribed, but cannot
                                // be unsubscribed individually.
                                tracing::debug!("subscribe answered without subscriptionId");
                                Ok(())
                            }
                        };
                        if let Some(reply) = reply {
                            let _ = reply.send(result);
                        }
                    }
                    None => {
                        tracing::debug!(reference_id = ?answer.reference_id, "dropped an answer to an unknown referenceId")
                    }
                }
            }
        }
    }

    /// Gives back the memory of a burst of calls once none is pending (a hash map keeps its
    /// largest capacity otherwise).
    fn release_capacity(&mut self) {
        if self.pending.is_empty() && self.pending.capacity() > 1024 {
            self.pending = PendingMap::default();
        }
    }

    /// Removes and returns the pending call `id` (not a subscription).
    fn take_call(&mut self, id: u64) -> Option<Pending> {
        if matches!(self.pending.get(&id), Some(Pending::Call(..))) { self.pending.remove(&id) } else { None }
    }

    fn dispatch(&mut self, frame: EventFrame) {
        let topic = frame.event.topic();
        let Some(ids) = self.topics.get(topic.as_ref()) else {
            tracing::trace!(%topic, "event for a topic nobody watches");
            return;
        };
        let frame = Arc::new(frame);
        for id in ids {
            if let Some(subscriber) = self.subscribers.get(id) {
                match subscriber.tx.try_send(Arc::clone(&frame)) {
                    Ok(()) => {}
                    Err(mpsc::error::TrySendError::Full(_)) => {
                        subscriber.lagged.fetch_add(1, Ordering::AcqRel);
                    }
                    Err(mpsc::error::TrySendError::Closed(_)) => {}
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_are_written_as_display_writes_them() {
        for n in [0, 7, 9, 10, 99, 100, 12_345, u64::MAX / 2, u64::MAX - 1, u64::MAX] {
            let mut out = String::from("x");
            push_decimal(&mut out, n);
            assert_eq!(out, format!("x{n}"));
        }
    }

    #[test]
    fn a_request_frame_is_encoded_exactly() {
        let frame =
            encode_request(&cxwire_model::scapi::SystemIsFrameLeading {}, 42, r#""WWE \"Client\"""#, Some(7)).unwrap();
        assert_eq!(
            frame,
            r#"{"request":"system.isFrameLeading","referenceId":"42","userAgent":"WWE \"Client\"","protocolVersion":2,"frameId":7}"#
        );
        let value: Value = serde_json::from_str(&frame).unwrap();
        assert_eq!(value["userAgent"], "WWE \"Client\"");
        let frame = encode_request(&cxwire_model::scapi::SystemIsFrameLeading {}, 0, r#""WWE Client""#, None).unwrap();
        assert_eq!(
            frame,
            r#"{"request":"system.isFrameLeading","referenceId":"0","userAgent":"WWE Client","protocolVersion":2}"#
        );
    }
}
