//! The gateway instance: accepts bridge-page desktops, learns each one's agent, registers it,
//! serves its calls and publishes its events.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_nats::HeaderMap;
use async_nats::jetstream::{self, kv};
use bytes::Bytes;
use cxwire_ws::{AcceptedFrames, ConnectionState, FrameAcceptor, PeerInfo, Session, SubscriptionItem};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::sync::{Notify, Semaphore, broadcast, mpsc, oneshot};
use tokio::task::JoinSet;
use tracing::Instrument as _;

use crate::subjects::{self, Subjects, token};
use crate::{Error, ErrorCode, GatewayClient, GatewayConfig};

/// The WebSocket close code for a desktop whose page origin is not accepted.
pub const CLOSE_ORIGIN_REFUSED: u16 = 1008;

/// Whether a desktop came or went.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PresenceState {
    /// Connected and registered.
    Online,
    /// Gone (its connection closed; a desktop taken over by another connection has no
    /// `offline`: the new connection's `online` replaces it).
    Offline,
}

/// A presence message (`<prefix>.presence.<agent>`), and the value of a registration in the
/// KV bucket (always `online` there).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Presence {
    /// The agent id (`employeeId`, or `username` when there is none).
    pub agent: String,
    /// Online or offline.
    pub state: PresenceState,
    /// The gateway instance holding the desktop.
    pub instance: String,
    /// The desktop connection (unique over instances and time).
    pub connection: String,
    /// The origin of the bridge page, as its WebSocket handshake named it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
    /// The KV revision of the registration this message announces (NATS mode); a newer
    /// registration of the same agent has a larger one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision: Option<u64>,
}

/// An event as the gateway published it.
#[derive(Clone, Debug)]
pub(crate) struct Published {
    pub(crate) agent: String,
    pub(crate) topic: String,
    pub(crate) instance: String,
    pub(crate) connection: String,
    pub(crate) seq: u64,
    pub(crate) frame: Arc<cxwire_model::scapi::EventFrame>,
}

/// A desktop held by this instance.
#[derive(Clone)]
pub(crate) struct LocalDesktop {
    pub(crate) session: Session,
    pub(crate) connection: String,
    in_flight: Arc<Semaphore>,
    taken: Arc<Notify>,
    revision: Arc<AtomicU64>,
}

/// A reply the gateway makes itself.
#[derive(Debug)]
pub(crate) struct Refusal {
    pub(crate) code: ErrorCode,
    pub(crate) message: String,
}

impl LocalDesktop {
    /// Forwards one request frame; the gateway's refusals are typed.
    pub(crate) async fn forward(&self, frame: &[u8], timeout: Duration) -> Result<String, Refusal> {
        let refuse = |code, message: String| Refusal { code, message };
        let Ok(_permit) = self.in_flight.try_acquire() else {
            return Err(refuse(ErrorCode::Overloaded, "too many calls in flight for this desktop".to_owned()));
        };
        self.session.forward(frame, Some(timeout)).await.map_err(|e| match e {
            cxwire_ws::Error::InvalidFrame { reason } => refuse(ErrorCode::InvalidFrame, reason),
            cxwire_ws::Error::Timeout { .. } => refuse(ErrorCode::Timeout, format!("no answer within {timeout:?}")),
            e @ (cxwire_ws::Error::FrameTooLarge { .. } | cxwire_ws::Error::AnswerTooLarge { .. }) => {
                refuse(ErrorCode::TooLarge, e.to_string())
            }
            cxwire_ws::Error::Disconnected => {
                refuse(ErrorCode::DesktopGone, "the desktop disconnected during the call".to_owned())
            }
            other => refuse(ErrorCode::DesktopGone, other.to_string()),
        })
    }
}

struct NatsSide {
    client: async_nats::Client,
    js: jetstream::Context,
    kv: kv::Store,
    /// Publish acknowledgements to await, when events also go to JetStream.
    stream: Option<(jetstream::Context, mpsc::Sender<jetstream::context::PublishAckFuture>)>,
}

pub(crate) struct Shared {
    pub(crate) config: GatewayConfig,
    pub(crate) subjects: Subjects,
    nats: Option<NatsSide>,
    pub(crate) desktops: Mutex<BTreeMap<String, LocalDesktop>>,
    pub(crate) events: broadcast::Sender<Arc<Published>>,
    pub(crate) presence: broadcast::Sender<Presence>,
    next_connection: AtomicU64,
    /// Events published (or, in embedded mode, offered to local streams).
    pub(crate) published: AtomicU64,
    /// Events the gateway's subscriptions to its desktops missed (they lagged).
    pub(crate) missed: AtomicU64,
    /// JetStream publications that were not acknowledged (shared with the task awaiting them).
    pub(crate) unacknowledged: Arc<AtomicU64>,
}

impl Shared {
    pub(crate) fn desktop(&self, agent: &str) -> Option<LocalDesktop> {
        self.desktops.lock().ok()?.get(agent).cloned()
    }
}

/// Counters of a gateway instance.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct GatewayStats {
    /// Desktops held now.
    pub desktops: usize,
    /// Calls being forwarded to them now.
    pub in_flight: usize,
    /// Events published since the start.
    pub published: u64,
    /// Events lost before publication (the gateway's subscription to a desktop lagged; the
    /// `Cxwire-Seq` of the next event shows the gap).
    pub missed: u64,
    /// Events JetStream did not acknowledge (they are on the event subjects, maybe not in the
    /// stream).
    pub unacknowledged: u64,
}

/// A gateway instance. Dropping it stops it at once, as a crash would: registrations stay in
/// the KV bucket until they expire or another instance takes the desktops over. Use
/// [`Gateway::shutdown`] to leave cleanly.
pub struct Gateway {
    shared: Arc<Shared>,
    local_addr: SocketAddr,
    tasks: JoinSet<()>,
}

impl std::fmt::Debug for Gateway {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gateway")
            .field("instance", &self.shared.config.instance)
            .field("local_addr", &self.local_addr)
            .field("nats", &self.shared.nats.is_some())
            .finish_non_exhaustive()
    }
}

impl Gateway {
    /// Binds the desktop side on `addr` and, when `config.nats` is set, connects to NATS,
    /// creates (or updates) the KV bucket of registrations and, when `config.stream` is set, the
    /// event stream; then accepts desktops in the background.
    ///
    /// # Errors
    /// [`Error::Config`] for an invalid prefix or instance name, [`Error::Desktop`] when the
    /// address cannot be bound, [`Error::Nats`] when NATS, the bucket or the stream fail.
    pub async fn start(addr: impl tokio::net::ToSocketAddrs, config: GatewayConfig) -> Result<Self, Error> {
        let subjects = Subjects::new(&config.prefix)?;
        if config.instance.is_empty() {
            return Err(Error::Config { message: "the instance name is empty".to_owned() });
        }
        if config.registration_ttl < Duration::from_secs(3) {
            return Err(Error::Config { message: "the registration TTL must be at least 3 s".to_owned() });
        }
        let unacknowledged = Arc::new(AtomicU64::new(0));
        let nats = match &config.nats {
            None => None,
            Some(nats) => Some(connect_nats(nats, &config, &subjects, Arc::clone(&unacknowledged)).await?),
        };
        let acceptor = FrameAcceptor::bind(addr, config.acceptor.clone()).await?;
        let local_addr = acceptor.local_addr();
        let (events, _) = broadcast::channel(config.local_event_buffer.max(1));
        let (presence, _) = broadcast::channel(1024);
        let shared = Arc::new(Shared {
            config,
            subjects,
            nats,
            desktops: Mutex::new(BTreeMap::new()),
            events,
            presence,
            next_connection: AtomicU64::new(1),
            published: AtomicU64::new(0),
            missed: AtomicU64::new(0),
            unacknowledged,
        });
        let mut tasks = JoinSet::new();
        if let Some(nats) = &shared.nats {
            tasks.spawn(heartbeat(Arc::clone(&shared), nats.client.clone()));
            let takeovers = nats
                .client
                .subscribe(shared.subjects.presence(None))
                .await
                .map_err(|e| Error::nats("subscribing to presence", e))?;
            tasks.spawn(watch_takeovers(Arc::clone(&shared), takeovers));
        }
        tasks.spawn(accept_loop(Arc::clone(&shared), acceptor));
        tracing::info!(instance = %shared.config.instance, %local_addr, nats = shared.nats.is_some(), "gateway started");
        Ok(Self { shared, local_addr, tasks })
    }

    /// This instance's name.
    pub fn instance(&self) -> &str {
        &self.shared.config.instance
    }

    /// The subjects this instance uses.
    pub fn subjects(&self) -> &Subjects {
        &self.shared.subjects
    }

    /// The address bridge pages connect to.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The URL of the bridge page to configure as Workspace web content.
    pub fn bridge_url(&self) -> String {
        format!("http://{}/bridge.html", self.local_addr)
    }

    /// The WebSocket URL of the desktop side.
    pub fn ws_url(&self) -> String {
        format!("ws://{}{}", self.local_addr, cxwire_ws::bridge::WS_PATH)
    }

    /// The agents whose desktops this instance holds now.
    pub fn agents(&self) -> Vec<String> {
        self.shared.desktops.lock().map(|d| d.keys().cloned().collect()).unwrap_or_default()
    }

    /// Counters.
    pub fn stats(&self) -> GatewayStats {
        let max = self.shared.config.max_in_flight.max(1);
        let (desktops, in_flight) = self
            .shared
            .desktops
            .lock()
            .map(|d| (d.len(), d.values().map(|desk| max - desk.in_flight.available_permits()).sum()))
            .unwrap_or_default();
        GatewayStats {
            desktops,
            in_flight,
            published: self.shared.published.load(Ordering::Relaxed),
            missed: self.shared.missed.load(Ordering::Relaxed),
            unacknowledged: self.shared.unacknowledged.load(Ordering::Relaxed),
        }
    }

    /// Presence changes of this instance's desktops from now on.
    pub fn presence(&self) -> broadcast::Receiver<Presence> {
        self.shared.presence.subscribe()
    }

    /// A client that reaches the desktops of this instance in-process (no broker): the client
    /// of the embedded mode, with the same API as [`GatewayClient::connect`]'s.
    pub fn client(&self) -> GatewayClient {
        GatewayClient::local(Arc::clone(&self.shared))
    }

    /// Leaves cleanly: stops accepting, deregisters every desktop (`offline` presence, KV entry
    /// deleted) and closes their connections, whose bridge pages then reconnect elsewhere.
    pub async fn shutdown(mut self) {
        self.tasks.abort_all();
        let desktops: Vec<(String, LocalDesktop)> =
            self.shared.desktops.lock().map(|mut d| std::mem::take(&mut *d).into_iter().collect()).unwrap_or_default();
        for (agent, desk) in desktops {
            deregister(&self.shared, &agent, &desk).await;
            desk.session.close().await;
        }
        if let Some(nats) = &self.shared.nats {
            let _ = nats.client.flush().await;
        }
    }
}

async fn connect_nats(
    nats: &crate::NatsConfig,
    config: &GatewayConfig,
    subjects: &Subjects,
    unacknowledged: Arc<AtomicU64>,
) -> Result<NatsSide, Error> {
    // async-nats' default subscription buffer (its channels allocate as they fill).
    let client = nats.connect(&format!("cxwire-gateway {}", config.instance), 64 * 1024).await?;
    let js = jetstream::new(client.clone());
    let kv = ensure_bucket(&js, subjects, config.registration_ttl).await?;
    let stream = match &config.stream {
        None => None,
        Some(limits) => {
            let stream_config = jetstream::stream::Config {
                name: subjects.stream(),
                description: Some("cxwire-gateway: the events of every desktop".to_owned()),
                subjects: vec![format!("{}.events.>", subjects.prefix())],
                max_age: limits.max_age,
                max_bytes: limits.max_bytes,
                max_messages: limits.max_messages,
                storage: if limits.memory {
                    jetstream::stream::StorageType::Memory
                } else {
                    jetstream::stream::StorageType::File
                },
                num_replicas: limits.replicas,
                duplicate_window: limits.duplicate_window,
                discard: jetstream::stream::DiscardPolicy::Old,
                ..Default::default()
            };
            js.create_or_update_stream(stream_config)
                .await
                .map_err(|e| Error::nats(format!("creating the stream {}", subjects.stream()), e))?;
            let (acks, pending) = mpsc::channel(limits.max_pending_acks.max(1));
            tokio::spawn(await_acks(pending, unacknowledged));
            Some((js.clone(), acks))
        }
    };
    Ok(NatsSide { client, js, kv, stream })
}

/// Opens the KV bucket of registrations, creating its stream first if needed. The stream is
/// made by hand, with the KV conventions (`KV_<bucket>`, `$KV.<bucket>.>`, one value per key,
/// rollups, direct gets): async-nats' `create_key_value` reads account fields that servers
/// before 2.10 (Debian's 2.9) do not send.
async fn ensure_bucket(js: &jetstream::Context, subjects: &Subjects, ttl: Duration) -> Result<kv::Store, Error> {
    let bucket = subjects.bucket();
    let stream = jetstream::stream::Config {
        name: format!("KV_{bucket}"),
        description: Some("cxwire-gateway: agent -> gateway instance and desktop connection".to_owned()),
        subjects: vec![format!("$KV.{bucket}.>")],
        max_messages_per_subject: 1,
        max_age: ttl,
        storage: jetstream::stream::StorageType::Memory,
        allow_rollup: true,
        deny_delete: true,
        allow_direct: true,
        discard: jetstream::stream::DiscardPolicy::New,
        duplicate_window: ttl.min(Duration::from_secs(120)),
        num_replicas: 1,
        ..Default::default()
    };
    js.get_or_create_stream(stream).await.map_err(|e| Error::nats(format!("creating the KV bucket {bucket}"), e))?;
    js.get_key_value(bucket.as_str()).await.map_err(|e| Error::nats(format!("opening the KV bucket {bucket}"), e))
}

/// Awaits JetStream's acknowledgements in publication order (one task per instance).
async fn await_acks(mut pending: mpsc::Receiver<jetstream::context::PublishAckFuture>, unacknowledged: Arc<AtomicU64>) {
    while let Some(ack) = pending.recv().await {
        if let Err(e) = ack.await {
            unacknowledged.fetch_add(1, Ordering::Relaxed);
            tracing::warn!(error = %e, "an event was not acknowledged by JetStream");
        }
    }
}

async fn accept_loop(shared: Arc<Shared>, mut acceptor: FrameAcceptor) {
    let mut desktops = JoinSet::new();
    loop {
        tokio::select! {
            accepted = acceptor.accept() => {
                let Some((frames, peer)) = accepted else {
                    tracing::error!("the desktop listener failed");
                    return;
                };
                let origin = peer.origin.clone().unwrap_or_default();
                if !shared.config.accepted_origins.is_accepted(&origin) {
                    tracing::warn!(addr = %peer.addr, origin = %origin, "desktop refused: origin not accepted");
                    desktops.spawn(async move {
                        let _ = frames.close_with(CLOSE_ORIGIN_REFUSED, "origin not accepted by the gateway").await;
                    });
                    continue;
                }
                let n = shared.next_connection.fetch_add(1, Ordering::Relaxed);
                let connection = format!("{}-{n}", shared.config.instance);
                let span = tracing::info_span!("desktop", %connection, agent = tracing::field::Empty);
                desktops.spawn(serve_desktop(Arc::clone(&shared), frames, peer, connection).instrument(span));
            }
            Some(_) = desktops.join_next(), if !desktops.is_empty() => {}
        }
    }
}

/// Why a desktop's service ended.
enum Ended {
    /// Its connection closed.
    Closed,
    /// Another connection registered the same agent.
    TakenOver,
}

async fn serve_desktop(shared: Arc<Shared>, frames: AcceptedFrames, peer: PeerInfo, connection: String) {
    let session = Session::new(frames, shared.config.acceptor.session.clone());
    let agent = match tokio::time::timeout(shared.config.identify_timeout, session.agent().get()).await {
        Ok(Ok(info)) => match info.employee_id.clone().or_else(|| info.username.clone()) {
            Some(agent) if !agent.is_empty() => agent,
            _ => {
                tracing::warn!("desktop closed: agent.get named neither employeeId nor username");
                session.close().await;
                return;
            }
        },
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "desktop closed: agent.get failed");
            session.close().await;
            return;
        }
        Err(_) => {
            tracing::warn!("desktop closed: no answer to agent.get within the identify timeout");
            session.close().await;
            return;
        }
    };
    tracing::Span::current().record("agent", agent.as_str());
    let desk = LocalDesktop {
        session: session.clone(),
        connection: connection.clone(),
        in_flight: Arc::new(Semaphore::new(shared.config.max_in_flight.max(1))),
        taken: Arc::new(Notify::new()),
        revision: Arc::new(AtomicU64::new(0)),
    };
    let replaced = shared.desktops.lock().ok().and_then(|mut d| d.insert(agent.clone(), desk.clone()));
    if let Some(old) = replaced {
        tracing::info!(old = %old.connection, "a new connection of the same agent replaces the old one");
        old.taken.notify_one();
    }
    let mut presence = Presence {
        agent: agent.clone(),
        state: PresenceState::Online,
        instance: shared.config.instance.clone(),
        connection: connection.clone(),
        origin: peer.origin.clone(),
        revision: None,
    };
    let ended = match &shared.nats {
        Some(nats) => serve_on_nats(&shared, nats, &agent, &desk, &mut presence).await,
        None => {
            let _ = shared.presence.send(presence.clone());
            serve_locally(&shared, &agent, &desk).await
        }
    };
    let ours = shared
        .desktops
        .lock()
        .map(|mut d| {
            let ours = d.get(&agent).is_some_and(|current| current.connection == desk.connection);
            if ours {
                d.remove(&agent);
            }
            ours
        })
        .unwrap_or(false);
    match ended {
        Ended::Closed if ours => deregister(&shared, &agent, &desk).await,
        Ended::Closed => {}
        Ended::TakenOver => tracing::info!("desktop taken over by another connection"),
    }
    session.close().await;
}

/// Publishes `offline` and deletes the registration, when it is still this connection's.
async fn deregister(shared: &Shared, agent: &str, desk: &LocalDesktop) {
    let offline = Presence {
        agent: agent.to_owned(),
        state: PresenceState::Offline,
        instance: shared.config.instance.clone(),
        connection: desk.connection.clone(),
        origin: None,
        revision: None,
    };
    if let Some(nats) = &shared.nats {
        let revision = desk.revision.load(Ordering::Acquire);
        if nats.kv.delete_expect_revision(token(agent), Some(revision)).await.is_err() {
            // Another connection registered since: it is not ours to announce.
            return;
        }
        publish_presence(shared, nats, &offline).await;
    }
    let _ = shared.presence.send(offline);
}

async fn publish_presence(shared: &Shared, nats: &NatsSide, presence: &Presence) {
    let Ok(body) = serde_json::to_vec(presence) else { return };
    let mut headers = HeaderMap::new();
    headers.insert(subjects::HEADER_AGENT, presence.agent.as_str());
    if let Err(e) =
        nats.client.publish_with_headers(shared.subjects.presence(Some(&presence.agent)), headers, body.into()).await
    {
        tracing::warn!(error = %e, "presence not published");
    }
}

async fn serve_locally(shared: &Shared, agent: &str, desk: &LocalDesktop) -> Ended {
    let mut events = EventFeed::start(&desk.session, shared.config.topics.clone());
    let mut states = desk.session.connection_states();
    let mut seq = 0_u64;
    loop {
        tokio::select! {
            item = events.next() => match item {
                SubscriptionItem::Event(frame) => {
                    seq += 1;
                    shared.published.fetch_add(1, Ordering::Relaxed);
                    let _ = shared.events.send(Arc::new(Published {
                        agent: agent.to_owned(),
                        topic: frame.event.topic().into_owned(),
                        instance: shared.config.instance.clone(),
                        connection: desk.connection.clone(),
                        seq,
                        frame,
                    }));
                }
                SubscriptionItem::Lagged(n) => lagged(shared, &mut seq, n),
            },
            () = desk.taken.notified() => return Ended::TakenOver,
            state = states.recv() => if ended(state) { return Ended::Closed },
        }
    }
}

async fn serve_on_nats(
    shared: &Arc<Shared>,
    nats: &NatsSide,
    agent: &str,
    desk: &LocalDesktop,
    presence: &mut Presence,
) -> Ended {
    let key = token(agent);
    // Calls are served before the desktop is announced: whoever sees the registration can call.
    let queue = format!("{}.gateway", shared.subjects.prefix());
    let mut calls = match nats.client.queue_subscribe(shared.subjects.call(agent), queue).await {
        Ok(calls) => calls,
        Err(e) => {
            tracing::warn!(error = %e, "desktop closed: its call subject cannot be subscribed");
            return Ended::Closed;
        }
    };
    if let Err(e) = nats.client.flush().await {
        tracing::warn!(error = %e, "the call subscription was not confirmed by the server");
    }
    register(shared, nats, &key, desk, presence).await;
    let mut events = EventFeed::start(&desk.session, shared.config.topics.clone());
    let mut states = desk.session.connection_states();
    let refresh_every = shared.config.registration_ttl / 3;
    let mut refresh = tokio::time::interval_at(tokio::time::Instant::now() + refresh_every, refresh_every);
    let mut seq = 0_u64;
    let ended = loop {
        tokio::select! {
            call = calls.next() => match call {
                Some(message) => {
                    tokio::spawn(serve_call(nats.client.clone(), Arc::clone(shared), desk.clone(), message));
                }
                None => break Ended::Closed,
            },
            item = events.next() => match item {
                SubscriptionItem::Event(frame) => {
                    seq += 1;
                    publish_event(shared, nats, agent, desk, seq, frame).await;
                }
                SubscriptionItem::Lagged(n) => lagged(shared, &mut seq, n),
            },
            () = desk.taken.notified() => break Ended::TakenOver,
            state = states.recv() => if ended(state) { break Ended::Closed },
            _ = refresh.tick() => {
                if refresh_registration(shared, nats, &key, desk, presence).await == Refresh::TakenOver {
                    break Ended::TakenOver;
                }
            }
        }
    };
    let _ = calls.unsubscribe().await;
    ended
}

/// Writes the desktop's registration (a new revision) and announces it.
async fn register(shared: &Shared, nats: &NatsSide, key: &str, desk: &LocalDesktop, presence: &mut Presence) {
    let value = Bytes::from(serde_json::to_vec(&*presence).unwrap_or_default());
    match nats.kv.put(key, value).await {
        Ok(revision) => {
            desk.revision.store(revision, Ordering::Release);
            presence.revision = Some(revision);
        }
        Err(e) => tracing::warn!(error = %e, "registration not written; calls are served all the same"),
    }
    publish_presence(shared, nats, presence).await;
    let _ = shared.presence.send(presence.clone());
}

#[derive(Debug, PartialEq, Eq)]
enum Refresh {
    Kept,
    TakenOver,
}

/// Keeps the registration alive. Another connection's registration means a takeover; a missing
/// one (it expired, or a restarted server lost the bucket) is written again, the bucket first
/// when it is gone, so that the desktop stays.
async fn refresh_registration(
    shared: &Shared,
    nats: &NatsSide,
    key: &str,
    desk: &LocalDesktop,
    presence: &mut Presence,
) -> Refresh {
    let value = Bytes::from(serde_json::to_vec(&*presence).unwrap_or_default());
    let revision = desk.revision.load(Ordering::Acquire);
    match nats.kv.update(key, value, revision).await {
        Ok(next) => {
            desk.revision.store(next, Ordering::Release);
            return Refresh::Kept;
        }
        Err(e) if e.kind() == kv::UpdateErrorKind::WrongLastRevision => match nats.kv.entry(key).await {
            Ok(Some(entry)) if entry.operation == kv::Operation::Put => {
                let theirs = serde_json::from_slice::<Presence>(&entry.value).ok();
                if theirs.is_none_or(|p| p.connection != desk.connection) {
                    return Refresh::TakenOver;
                }
            }
            Ok(_) => tracing::info!("the registration was gone: writing it again"),
            Err(e) => {
                tracing::warn!(error = %e, "registration not refreshed");
                return Refresh::Kept;
            }
        },
        Err(e) => {
            tracing::warn!(error = %e, "registration not refreshed: making sure the bucket exists");
            if let Err(e) = ensure_bucket(&nats.js, &shared.subjects, shared.config.registration_ttl).await {
                tracing::warn!(error = %e, "the registrations bucket cannot be created");
                return Refresh::Kept;
            }
        }
    }
    register(shared, nats, key, desk, presence).await;
    Refresh::Kept
}

/// The events of a desktop, subscribed in the background: calls and takeovers are served
/// while a slow desktop answers its `subscribe`.
struct EventFeed {
    subscribing: Option<oneshot::Receiver<Result<cxwire_ws::Subscription, cxwire_ws::Error>>>,
    events: Option<cxwire_ws::Subscription>,
}

impl EventFeed {
    fn start(session: &Session, topics: Vec<cxwire_ws::Topic>) -> Self {
        let (tx, rx) = oneshot::channel();
        let session = session.clone();
        tokio::spawn(async move {
            let _ = tx.send(session.subscribe(topics).await);
        });
        Self { subscribing: Some(rx), events: None }
    }

    /// The next event; pending for ever when there are none to come. Cancel safe.
    async fn next(&mut self) -> SubscriptionItem {
        loop {
            if let Some(subscribing) = &mut self.subscribing {
                let result = subscribing.await;
                self.subscribing = None;
                match result {
                    Ok(Ok(events)) => self.events = Some(events),
                    Ok(Err(e)) => tracing::warn!(error = %e, "the desktop's events cannot be subscribed"),
                    Err(_) => {}
                }
                continue;
            }
            match &mut self.events {
                Some(events) => match events.recv().await {
                    Some(item) => return item,
                    None => self.events = None,
                },
                None => return std::future::pending().await,
            }
        }
    }
}

fn ended(state: Result<ConnectionState, broadcast::error::RecvError>) -> bool {
    match state {
        Ok(ConnectionState::Disconnected { .. } | ConnectionState::GaveUp) => true,
        Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => false,
        Err(broadcast::error::RecvError::Closed) => true,
    }
}

fn lagged(shared: &Shared, seq: &mut u64, n: u64) {
    tracing::warn!(missed = n, "the gateway's subscription to the desktop lagged: events lost");
    shared.missed.fetch_add(n, Ordering::Relaxed);
    *seq += n;
}

async fn publish_event(
    shared: &Shared,
    nats: &NatsSide,
    agent: &str,
    desk: &LocalDesktop,
    seq: u64,
    frame: Arc<cxwire_model::scapi::EventFrame>,
) {
    let topic = frame.event.topic();
    let subject = shared.subjects.events(Some(agent), Some(&topic));
    let Ok(body) = serde_json::to_vec(&*frame) else { return };
    let mut headers = HeaderMap::new();
    headers.insert(subjects::HEADER_AGENT, agent);
    headers.insert(subjects::HEADER_INSTANCE, shared.config.instance.as_str());
    headers.insert(subjects::HEADER_CONNECTION, desk.connection.as_str());
    headers.insert(subjects::HEADER_SEQ, seq.to_string().as_str());
    headers.insert(subjects::HEADER_MSG_ID, format!("{}-{seq}", desk.connection).as_str());
    shared.published.fetch_add(1, Ordering::Relaxed);
    match &nats.stream {
        Some((js, acks)) => match js.publish_with_headers(subject, headers, body.into()).await {
            Ok(ack) => {
                if acks.send(ack).await.is_err() {
                    shared.unacknowledged.fetch_add(1, Ordering::Relaxed);
                }
            }
            Err(e) => {
                shared.unacknowledged.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(error = %e, "event not published");
            }
        },
        None => {
            if let Err(e) = nats.client.publish_with_headers(subject, headers, body.into()).await {
                tracing::warn!(error = %e, "event not published");
            }
        }
    }
}

/// Serves one call from NATS: an acceptance first when asked, then the answer, or the
/// gateway's own reply with `Cxwire-Error`.
async fn serve_call(client: async_nats::Client, shared: Arc<Shared>, desk: LocalDesktop, message: async_nats::Message) {
    let Some(reply) = message.reply.clone() else { return };
    let header = |name: &str| message.headers.as_ref().and_then(|h| h.get(name)).map(|v| v.as_str().to_owned());
    let timeout = header(subjects::HEADER_TIMEOUT_MS)
        .and_then(|ms| ms.parse::<u64>().ok())
        .map_or(shared.config.acceptor.session.call_timeout, Duration::from_millis)
        .min(shared.config.max_call_timeout);
    if header(subjects::HEADER_ACK).as_deref() == Some("1") {
        let mut headers = HeaderMap::new();
        let accepted = format!("{} {}", shared.config.instance, desk.connection);
        headers.insert(subjects::HEADER_ACCEPTED, accepted.as_str());
        let _ = client.publish_with_headers(reply.clone(), headers, Bytes::new()).await;
    }
    let outcome = desk.forward(&message.payload, timeout).await;
    let max_payload = client.server_info().max_payload;
    let outcome = match outcome {
        Ok(answer) if answer.len() > max_payload => Err(Refusal {
            code: ErrorCode::TooLarge,
            message: format!("the answer is {} bytes, over NATS' max_payload of {max_payload}", answer.len()),
        }),
        other => other,
    };
    let sent = match outcome {
        Ok(answer) => client.publish(reply, answer.into()).await,
        Err(refusal) => {
            let mut headers = HeaderMap::new();
            headers.insert(subjects::HEADER_ERROR, refusal.code.as_str());
            client.publish_with_headers(reply, headers, refusal_frame(&message.payload, &refusal.message).into()).await
        }
    };
    if let Err(e) = sent {
        tracing::warn!(error = %e, "reply not sent");
    }
}

/// The answer frame of a refusal: the caller's `request` and `referenceId`, and
/// `errorMessage: "cxwire-gateway: <message>"`.
pub(crate) fn refusal_frame(request: &[u8], message: &str) -> Vec<u8> {
    let mut answer = serde_json::Map::new();
    if let Ok(Value::Object(request)) = serde_json::from_slice::<Value>(request) {
        for key in ["request", "referenceId"] {
            if let Some(value) = request.get(key) {
                answer.insert(key.to_owned(), value.clone());
            }
        }
    }
    answer.insert("errorMessage".to_owned(), Value::String(format!("cxwire-gateway: {message}")));
    serde_json::to_vec(&answer).unwrap_or_default()
}

/// The instance's heartbeat: `{"instance", "desktops"}` every `heartbeat_interval`.
async fn heartbeat(shared: Arc<Shared>, client: async_nats::Client) {
    let mut every = tokio::time::interval(shared.config.heartbeat_interval);
    let subject = shared.subjects.heartbeat(Some(&shared.config.instance));
    loop {
        every.tick().await;
        let desktops = shared.desktops.lock().map(|d| d.len()).unwrap_or_default();
        let body = serde_json::json!({ "instance": shared.config.instance, "desktops": desktops }).to_string();
        if let Err(e) = client.publish(subject.clone(), body.into()).await {
            tracing::debug!(error = %e, "heartbeat not published");
        }
    }
}

/// Releases a desktop when a newer registration of its agent, from another connection,
/// announces itself.
async fn watch_takeovers(shared: Arc<Shared>, mut presence: async_nats::Subscriber) {
    while let Some(message) = presence.next().await {
        let Ok(p) = serde_json::from_slice::<Presence>(&message.payload) else { continue };
        if p.state != PresenceState::Online {
            continue;
        }
        let Some(desk) = shared.desktop(&p.agent) else { continue };
        let newer = p.revision.is_some_and(|r| r > desk.revision.load(Ordering::Acquire));
        if desk.connection != p.connection && newer {
            tracing::info!(agent = %p.agent, by = %p.connection, "taken over by another gateway connection");
            desk.taken.notify_one();
        }
    }
}
