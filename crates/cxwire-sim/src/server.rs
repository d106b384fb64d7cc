//! The Service Client API side of the simulator: a WebSocket server whose connections feed one
//! actor task that owns the [`Workspace`], so every answer and event happens in one order.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::ops::Deref;

use cxwire_model::scapi::types::{Interaction, JwtToken, UserData};
use cxwire_model::scapi::{
    AnswerFrame, ClientMessage, Envelope, Event, EventFrame, FrameIdFrame, RealtimeConnectionState, Request,
    RequestFrame,
};
use cxwire_policy::{RateDecision, SecurityOptions};
use cxwire_ws::{AcceptedFrames, AcceptorConfig, FrameAcceptor, PeerInfo};
use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use cxwire_model::scapi::types::Campaign;
use cxwire_model::scapi::{InteractionEvent, InteractionEventType, OutboundEvent, OutboundEventType};

use crate::limits::SimLimits;
use crate::options::OptionStore;
use crate::outbound::{NewPreviewRecord, OutboundDesk, PreviewMode};
use crate::page::{WebContent, WorkspacePageConfig};
use crate::workspace::{Answer, ConnId, DesktopConfig, Outgoing, Step, Workspace};

/// Errors of the simulator.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SimError {
    /// A listener could not be bound.
    #[error("cannot start the simulator: {0}")]
    Bind(#[from] cxwire_ws::Error),
    /// The security options are invalid.
    #[error("invalid security options: {0}")]
    Security(#[from] cxwire_policy::PolicyError),
    /// The simulator has stopped.
    #[error("the simulator has stopped")]
    Stopped,
    /// A control command was refused (e.g. an unknown toast).
    #[error("{0}")]
    Refused(String),
    /// The HTTP side could not start.
    #[error("cannot start the GMS / Engagement side: {0}")]
    Http(String),
    /// The Workspace page could not start.
    #[error("cannot start the Workspace page: {0}")]
    Page(String),
    /// A listener address is not loopback: the simulator has no authentication, so it listens
    /// on loopback only.
    #[error(
        "{listener} address {addr} is not a loopback address: the simulator has no authentication and listens on loopback only (127.0.0.1 or ::1)"
    )]
    NotLoopback {
        /// Which listener (`Service Client WebSocket`, `GMS / Engagement HTTP`, `Workspace page`).
        listener: &'static str,
        /// The address asked for.
        addr: SocketAddr,
    },
}

/// The simulator's configuration; also readable from a JSON file ([`SimConfig::from_json`]):
///
/// ```json
/// {"desktop": {"agent": {"employeeId": "emp1001", "username": "klindgren"}, "initialState": "NotReady"},
///  "security": {"accepted-web-content-origins": "*", "rate-limit.voice.dial": "4"},
///  "options": {"sections": {"interaction-workspace": {"voice.auto-answer": "false"}}},
///  "http": {"apiKey": "my-key"},
///  "workspacePage": {"webContent": [{"name": "CRM", "url": "http://127.0.0.1:8080/bridge.html"}]}}
/// ```
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct SimConfig {
    /// The agent and desktop (the only one unless `agents` is set).
    pub desktop: DesktopConfig,
    /// Several agents, each with a desktop of its own; when set, it replaces `desktop`. A
    /// connection selects its agent with the `agent` query parameter (employee id or user
    /// name: `ws://.../ws?agent=emp1002`); without it, the first agent.
    pub agents: Vec<DesktopConfig>,
    /// `service-client-api.*` options (keys with or without the prefix), e.g.
    /// `accepted-web-content-origins = *`. Without one, every origin is accepted.
    pub security: BTreeMap<String, String>,
    /// The WebSocket listener's settings (not in files).
    #[serde(skip)]
    pub websocket: AcceptorConfig,
    /// Configuration options (`configuration.getOption`); the seed's example when not set.
    pub options: Option<OptionStore>,
    /// The GMS v1 / Engagement v3 side (always on loopback, on its own port).
    pub http: crate::http::HttpSimConfig,
    /// The Workspace page for real browsers: the web content it embeds.
    pub workspace_page: WorkspacePageConfig,
    /// Limits per connection and per desktop ([`SimLimits`]).
    pub limits: SimLimits,
}

impl SimConfig {
    /// Reads a configuration file.
    ///
    /// # Errors
    /// [`ConfigError`](crate::ConfigError) when the text is not JSON or not a configuration,
    /// with the JSON path of the fault.
    pub fn from_json(text: &str) -> Result<Self, crate::ConfigError> {
        crate::ConfigError::parse(text)
    }
}

enum Input {
    Connected { conn: ConnId, peer: Peer, outbox: Outbox },
    Frame { conn: ConnId, text: String },
    Disconnected { conn: ConnId, desk: usize },
    Control { desk: usize, control: Control },
}

/// Commands of the control API.
enum Control {
    InboundCall { ani: String, dnis: String, user_data: UserData, reply: oneshot::Sender<String> },
    OpenMedia { media: String, from: String, user_data: UserData, reply: oneshot::Sender<String> },
    Realtime { state: RealtimeConnectionState, reply: oneshot::Sender<()> },
    ToastClick { toast: String, button: u32, reply: oneshot::Sender<Result<(), String>> },
    ToastDismiss { toast: String, reply: oneshot::Sender<Result<(), String>> },
    Interactions { reply: oneshot::Sender<Vec<Interaction>> },
    Connections { reply: oneshot::Sender<Vec<ConnectionInfo>> },
    Campaign { name: String, change: OutboundEventType, mode: Option<String>, reply: oneshot::Sender<()> },
    PreviewRecord { mode: PreviewMode, campaign: Option<String>, reply: oneshot::Sender<Result<String, String>> },
    Remote { id: String, action: RemoteAction, reply: oneshot::Sender<Result<(), String>> },
    Shutdown { reply: oneshot::Sender<()> },
}

/// What the far end of an interaction does ([`SimControl::remote`]).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum RemoteAction {
    /// The customer (or the other party) hangs up: `RELEASED`; a chat customer leaves: `ENDED`.
    HangUp,
    /// The far end puts the call on hold: `PARTY_CHANGED`, the party `"held": true`.
    Hold,
    /// The far end takes the call back: `PARTY_CHANGED`, the party `"held": false`.
    Retrieve,
    /// The consulted number answers: the consultation is `ESTABLISHED` (with
    /// `consultAnswer: manual` in the desktop's configuration).
    AnswerConsult,
    /// The consulted number refuses: the consultation is `RELEASED` and `REMOVED`.
    RefuseConsult,
    /// The chat customer writes: `NEW_MESSAGE` with `message: {text, from}`.
    ChatMessage(String),
}

/// A running simulator: its addresses, and (through [`Deref`] to [`SimControl`]) its control
/// API. Dropping it stops it.
///
/// ```no_run
/// # async fn run() -> Result<(), cxwire_sim::SimError> {
/// let sim = cxwire_sim::Simulator::builder()
///     .security("accepted-web-content-origins", "http://127.0.0.1:8080")
///     .web_content("CRM", "http://127.0.0.1:8080/bridge.html")
///     .start()
///     .await?;
/// println!("sessions: {}  Workspace page: {}", sim.ws_url(), sim.workspace_url());
/// sim.inject_inbound_call("+14155550123", "5001", Default::default()).await?;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct Simulator {
    ws_addr: SocketAddr,
    http: crate::http::HttpSimHandle,
    page: crate::page::PageHandle,
    control: SimControl,
    tasks: Vec<JoinHandle<()>>,
    /// The first callback service (GMS `{service}`, v3 `serviceName`).
    callback_service: String,
    /// The v3 `x-api-key` the HTTP side expects.
    api_key: cxwire_model::SecretString,
    close_timeout: std::time::Duration,
}

impl Drop for Simulator {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

impl Deref for Simulator {
    type Target = SimControl;

    fn deref(&self) -> &SimControl {
        &self.control
    }
}

/// Builds and starts a [`Simulator`]: every listener on loopback, port 0 (a free port) unless
/// set.
#[derive(Clone, Debug)]
#[must_use]
pub struct SimBuilder {
    config: SimConfig,
    ws_addr: SocketAddr,
    http_addr: SocketAddr,
    page_addr: SocketAddr,
}

impl Default for SimBuilder {
    fn default() -> Self {
        let any = SocketAddr::from(([127, 0, 0, 1], 0));
        Self { config: SimConfig::default(), ws_addr: any, http_addr: any, page_addr: any }
    }
}

impl SimBuilder {
    /// The whole configuration (replaces what earlier calls set, addresses aside).
    pub fn config(mut self, config: SimConfig) -> Self {
        self.config = config;
        self
    }

    /// The agent and desktop.
    pub fn desktop(mut self, desktop: DesktopConfig) -> Self {
        self.config.desktop = desktop;
        self
    }

    /// One `service-client-api.*` security option (with or without the prefix).
    pub fn security(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.config.security.insert(key.into(), value.into());
        self
    }

    /// The configuration options `configuration.getOption` reads.
    pub fn options(mut self, options: OptionStore) -> Self {
        self.config.options = Some(options);
        self
    }

    /// The GMS v1 / Engagement v3 side.
    pub fn http(mut self, http: crate::http::HttpSimConfig) -> Self {
        self.config.http = http;
        self
    }

    /// Web content the Workspace page embeds in an iframe (in the order added).
    pub fn web_content(mut self, name: impl Into<String>, url: impl Into<String>) -> Self {
        self.config.workspace_page.web_content.push(WebContent { name: name.into(), url: url.into() });
        self
    }

    /// Limits per connection and per desktop.
    pub fn limits(mut self, limits: SimLimits) -> Self {
        self.config.limits = limits;
        self
    }

    /// The WebSocket listener's settings.
    pub fn websocket(mut self, websocket: AcceptorConfig) -> Self {
        self.config.websocket = websocket;
        self
    }

    /// The Service Client API (WebSocket) address.
    pub fn ws_addr(mut self, addr: SocketAddr) -> Self {
        self.ws_addr = addr;
        self
    }

    /// The GMS / Engagement (HTTP) address.
    pub fn http_addr(mut self, addr: SocketAddr) -> Self {
        self.http_addr = addr;
        self
    }

    /// The Workspace page and HTTP control API address.
    pub fn page_addr(mut self, addr: SocketAddr) -> Self {
        self.page_addr = addr;
        self
    }

    /// Binds the listeners and starts the simulator.
    ///
    /// # Errors
    /// An address cannot be bound or is not loopback, or the security options are invalid.
    pub async fn start(self) -> Result<Simulator, SimError> {
        Simulator::start_parts(self.ws_addr, self.http_addr, self.page_addr, self.config).await
    }
}

impl Simulator {
    /// A builder, for anything beyond [`Simulator::start`].
    pub fn builder() -> SimBuilder {
        SimBuilder::default()
    }

    /// Starts the simulator with its WebSocket side on `addr` (port 0 picks a free port), the
    /// HTTP side and the Workspace page on free loopback ports.
    ///
    /// # Errors
    /// The address cannot be bound, or the security options are invalid.
    pub async fn start(addr: impl tokio::net::ToSocketAddrs, config: SimConfig) -> Result<Self, SimError> {
        let any = SocketAddr::from(([127, 0, 0, 1], 0));
        Self::start_parts(addr, any, any, config).await
    }

    async fn start_parts(
        ws_addr: impl tokio::net::ToSocketAddrs,
        http_addr: SocketAddr,
        page_addr: SocketAddr,
        config: SimConfig,
    ) -> Result<Self, SimError> {
        for (listener, addr) in [("GMS / Engagement HTTP", http_addr), ("Workspace page", page_addr)] {
            if !addr.ip().is_loopback() {
                return Err(SimError::NotLoopback { listener, addr });
            }
        }
        let ws_addrs: Vec<SocketAddr> =
            tokio::net::lookup_host(ws_addr).await.map_err(|e| SimError::Bind(e.into()))?.collect();
        if let Some(addr) = ws_addrs.iter().find(|a| !a.ip().is_loopback()) {
            return Err(SimError::NotLoopback { listener: "Service Client WebSocket", addr: *addr });
        }
        let origins_configured = config
            .security
            .keys()
            .any(|k| k.trim_start_matches("service-client-api.") == "accepted-web-content-origins");
        if !config.security.is_empty() && !origins_configured {
            tracing::warn!(
                "security options are set without service-client-api.accepted-web-content-origins: as in Agent Workspace, no origin is accepted"
            );
        }
        let security = if config.security.is_empty() {
            SecurityOptions::from_options([("accepted-web-content-origins", "*")])?
        } else {
            SecurityOptions::from_options(config.security.iter().map(|(k, v)| (k.as_str(), v.as_str())))?
        };
        let callback_service = config.http.services.keys().next().cloned().unwrap_or_default();
        let api_key = config.http.api_key.clone();
        let http = crate::http::HttpSim::start(http_addr, config.http.clone(), crate::http::SystemClock)
            .await
            .map_err(|e| SimError::Http(e.to_string()))?;
        let page_listener = crate::page::bind(page_addr).await?;
        let mut websocket = config.websocket.clone();
        websocket.websocket.max_frame = config.limits.max_frame;
        websocket.websocket.close_timeout = config.limits.close_timeout();
        let mut acceptor = FrameAcceptor::bind(&ws_addrs[..], websocket).await?;
        let ws_addr = acceptor.local_addr();
        let (input, inputs) = mpsc::channel(1024);
        let desktops = if config.agents.is_empty() { vec![config.desktop.clone()] } else { config.agents.clone() };
        let names: Vec<Vec<String>> = desktops.iter().map(agent_names).collect();
        let control = SimControl { input: input.clone(), agents: Arc::new(names.clone()), desk: 0 };
        let page = crate::page::serve(
            page_listener,
            crate::page::PageContext {
                control: control.clone(),
                relay_url: format!("ws://{ws_addr}{RELAY_PATH}"),
                web_content: config.workspace_page.web_content.clone(),
                agent: config.desktop.agent.clone(),
            },
        )?;
        let page_origins = crate::page::origins(page.local_addr());
        let limits = config.limits.clone();
        let close_timeout = limits.close_timeout();
        let ids = Arc::new(std::sync::atomic::AtomicU64::new(1));
        let desks = desktops
            .into_iter()
            .zip(names.iter().cloned())
            .enumerate()
            .map(|(n, (desktop, own))| {
                // The other agents: a consult or transfer to one of them rings there.
                let others: Vec<String> =
                    names.iter().enumerate().filter(|(m, _)| *m != n).flat_map(|(_, v)| v.iter().cloned()).collect();
                Desk {
                    workspace: Workspace::new(desktop)
                        .with_toast_limits(limits.toasts, limits.toast_bytes)
                        .with_interaction_ids(Arc::clone(&ids))
                        .with_other_agents(others),
                    outbound: OutboundDesk::new(),
                    campaigns: BTreeMap::new(),
                    jwt: None,
                    names: own,
                }
            })
            .collect();
        let actor = Actor {
            desks,
            current: 0,
            limits: limits.clone(),
            origins_configured: origins_configured || config.security.is_empty(),
            options: config.options.unwrap_or_else(OptionStore::seed_example),
            security,
            started: Instant::now(),
            connections: BTreeMap::new(),
            next_subscription: 1,
            jwt_counter: 0,
            links: BTreeMap::new(),
            shutting_down: false,
            shut_down: Vec::new(),
        };
        let actor_task = tokio::spawn(actor.run(inputs));
        let accept_task = tokio::spawn(async move {
            let mut next_conn: ConnId = 1;
            while let Some((frames, peer)) = acceptor.accept().await {
                let (origin, relayed) = match relayed_origin(&peer, &page_origins) {
                    Ok(Some(origin)) => (Some(origin), true),
                    Ok(None) => (peer.origin.clone(), false),
                    Err(reason) => {
                        tracing::warn!(addr = %peer.addr, origin = ?peer.origin, reason, "relay refused");
                        tokio::spawn(frames.close_with(POLICY_VIOLATION, reason));
                        continue;
                    }
                };
                let conn = next_conn;
                next_conn += 1;
                let tab = peer.query.get("tab").filter(|t| !t.is_empty() && t.len() <= 128).cloned();
                let desk = match peer.query.get("agent").filter(|a| !a.is_empty()) {
                    None => 0,
                    Some(agent) => match names.iter().position(|n| n.iter().any(|n| n == agent)) {
                        Some(desk) => desk,
                        None => {
                            let reason = format!("no agent '{agent}' in this simulator");
                            tokio::spawn(async move { frames.close_with(POLICY_VIOLATION, &reason).await });
                            continue;
                        }
                    },
                };
                let agent = names.get(desk).and_then(|n| n.first()).map_or("", String::as_str);
                let span = tracing::debug_span!("connection", conn, origin = origin.as_deref().unwrap_or("-"), agent);
                let peer = Peer { origin, relayed, tab, desk };
                tokio::spawn(tracing::Instrument::instrument(
                    connection(conn, frames, peer, input.clone(), limits.clone()),
                    span,
                ));
            }
        });
        Ok(Self {
            ws_addr,
            http,
            page,
            control,
            tasks: vec![actor_task, accept_task],
            callback_service,
            api_key,
            close_timeout,
        })
    }

    /// Stops the simulator gracefully: no new connection is accepted, every Service Client
    /// connection is closed with close code 1001 ("going away") and a reason, and this returns
    /// once they are closed (or after the limits' close timeout). Dropping a `Simulator` stops it
    /// too, but abruptly: its peers see the connection reset.
    pub async fn shutdown(mut self) {
        if let Some(accept) = self.tasks.pop() {
            accept.abort();
        }
        let wait = self.control.control(|reply| Control::Shutdown { reply });
        // Each connection's close is bounded by the close timeout; they close in parallel.
        let _ = tokio::time::timeout(self.close_timeout + std::time::Duration::from_secs(1), wait).await;
    }

    /// The `dataURL` of a CallbackService over GMS v1 on this simulator: the callback URL of
    /// its first callback service (`.../genesys/1/service/callback/samples` by default).
    pub fn callback_url(&self) -> String {
        let service = percent_encoding::utf8_percent_encode(&self.callback_service, percent_encoding::NON_ALPHANUMERIC);
        format!("{}/callback/{service}", self.gms_base_url())
    }

    /// The `dataURL` of a CallbackService over Engagement v3 on this simulator (its Engagement
    /// base URL; the service goes in `serviceName`, see [`Simulator::engagement_callback_config`]).
    pub fn engagement_callback_url(&self) -> String {
        self.engagement_base_url()
    }

    /// A CallbackService configuration (`_genesys.widgets.callback`) for this simulator over
    /// GMS v1, ready for `cxwire_http::CallbackService::builder`.
    pub fn callback_config(&self) -> cxwire_model::widgets::CallbackConfig {
        cxwire_model::widgets::CallbackConfig { data_url: self.callback_url(), ..Default::default() }
    }

    /// A CallbackService configuration for this simulator over Engagement v3: its base URL,
    /// first service and API key.
    pub fn engagement_callback_config(&self) -> cxwire_model::widgets::CallbackConfig {
        cxwire_model::widgets::CallbackConfig {
            data_url: self.engagement_callback_url(),
            api_version: Some(cxwire_model::widgets::ApiVersion::V3),
            service_name: Some(self.callback_service.clone()),
            apikey: Some(self.api_key.clone()),
            ..Default::default()
        }
    }

    /// The WebSocket address.
    pub fn ws_addr(&self) -> SocketAddr {
        self.ws_addr
    }

    /// The GMS / Engagement (HTTP) address.
    pub fn http_addr(&self) -> SocketAddr {
        self.http.local_addr()
    }

    /// The Workspace page and HTTP control API address.
    pub fn page_addr(&self) -> SocketAddr {
        self.page.local_addr()
    }

    /// The WebSocket URL a session connects to.
    pub fn ws_url(&self) -> String {
        format!("ws://{}/ws", self.ws_addr)
    }

    /// The GMS service base URL (`.../genesys/1/service`): callback and request-interaction.
    pub fn gms_base_url(&self) -> String {
        self.http.gms_base_url()
    }

    /// The Engagement API v3 base URL (`.../engagement/v3`).
    pub fn engagement_base_url(&self) -> String {
        self.http.engagement_base_url()
    }

    /// The HTTP side's state: callbacks, access numbers, capacity.
    pub fn http_state(&self) -> crate::http::HttpSimState {
        self.http.state().clone()
    }

    /// The Workspace page for a real browser: it embeds the configured web content in iframes
    /// and relays their `postMessage` traffic to the simulator (see [`crate::page`]). Add
    /// `?content=<url>` (repeatable) to embed more.
    pub fn workspace_url(&self) -> String {
        format!("http://{}/", self.page.local_addr())
    }

    /// The origin of the Workspace page (what bridge pages take as `targetOrigin`).
    pub fn workspace_origin(&self) -> String {
        format!("http://{}", self.page.local_addr())
    }

    /// The HTTP control API's base URL (`POST {base}/action`, ...; see [`crate::page`]).
    pub fn control_url(&self) -> String {
        format!("http://{}/control", self.page.local_addr())
    }

    /// A cloneable handle on the control API, for other tasks.
    pub fn control(&self) -> SimControl {
        self.control.clone()
    }
}

/// The WebSocket path of the Workspace page's relay connections.
pub const RELAY_PATH: &str = "/relay";
/// The close code of a simulator that shuts down: going away.
const GOING_AWAY: u16 = 1001;
/// The close code of a refused relay or a slow consumer: policy violation.
const POLICY_VIOLATION: u16 = cxwire_ws::CLOSE_POLICY_VIOLATION;

/// The origin a relay connection speaks for: `Ok(None)` for a direct connection, whose origin is
/// its handshake's. A relay (path [`RELAY_PATH`]) must come from the Workspace page itself (its
/// handshake `Origin` is the page's) and name the iframe's origin, as the browser reported it
/// on the `postMessage` event, in its `origin` query parameter.
fn relayed_origin(peer: &PeerInfo, page_origins: &[String]) -> Result<Option<String>, &'static str> {
    if peer.path != RELAY_PATH {
        return Ok(None);
    }
    if !peer.origin.as_ref().is_some_and(|o| page_origins.iter().any(|p| p == o)) {
        return Err("relay connections are accepted only from the simulator's Workspace page");
    }
    match peer.query.get("origin") {
        Some(origin) if crate::page::is_origin(origin) => Ok(Some(origin.clone())),
        _ => Err("the relay connection names no valid iframe origin"),
    }
}

/// The simulator's control API: ring calls, push records, click toasts, list connections. A
/// cheap handle to clone into other tasks; [`Simulator`] derefs to it.
#[derive(Clone, Debug)]
pub struct SimControl {
    input: mpsc::Sender<Input>,
    /// The names of each agent (employee id, user name), by desk.
    agents: Arc<Vec<Vec<String>>>,
    /// The desk this handle acts on.
    desk: usize,
}

/// A connection to the Service Client API, as the simulator sees it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ConnectionInfo {
    /// The frame id the simulator assigned.
    pub frame_id: u64,
    /// The origin the security options are checked against: the WebSocket handshake's, or for
    /// a relayed iframe, the browser-reported origin of its `postMessage` events.
    pub origin: Option<String>,
    /// Whether the connection is an iframe relayed by the Workspace page.
    pub relayed: bool,
    /// The topics it subscribed to.
    pub topics: Vec<String>,
    /// The agent whose desktop it is a frame of (employee id or user name).
    pub agent: String,
    /// Frames waiting to be written to it (bounded by [`SimLimits`]).
    pub queued_frames: usize,
    /// Bytes waiting to be written to it (bounded by [`SimLimits`]).
    pub queued_bytes: usize,
}

impl SimControl {
    /// The same control API, acting on agent `name`'s desktop (employee id or user name);
    /// without it, a handle acts on the first agent's.
    ///
    /// # Errors
    /// [`SimError::Refused`] when the simulator plays no such agent.
    pub fn agent(&self, name: &str) -> Result<SimControl, SimError> {
        let desk = self
            .agents
            .iter()
            .position(|names| names.iter().any(|n| n == name))
            .ok_or_else(|| SimError::Refused(format!("no agent '{name}' in this simulator")))?;
        Ok(SimControl { input: self.input.clone(), agents: Arc::clone(&self.agents), desk })
    }

    /// The agents the simulator plays, by employee id (or user name), in order.
    pub fn agents(&self) -> Vec<String> {
        self.agents.iter().filter_map(|names| names.first().cloned()).collect()
    }

    /// The far end of an interaction acts: hangs up, holds or retrieves the call, answers or
    /// refuses a consultation, or writes a chat message (see [`RemoteAction`]).
    ///
    /// # Errors
    /// The action does not fit the interaction (unknown, wrong media or state); the simulator
    /// has stopped.
    pub async fn remote(&self, interaction_id: &str, action: RemoteAction) -> Result<(), SimError> {
        self.control(|reply| Control::Remote { id: interaction_id.into(), action, reply })
            .await?
            .map_err(SimError::Refused)
    }

    async fn control<T>(&self, make: impl FnOnce(oneshot::Sender<T>) -> Control) -> Result<T, SimError> {
        let (reply, answer) = oneshot::channel();
        let input = Input::Control { desk: self.desk, control: make(reply) };
        self.input.send(input).await.map_err(|_| SimError::Stopped)?;
        answer.await.map_err(|_| SimError::Stopped)
    }

    /// An inbound voice call rings; returns its interaction id.
    ///
    /// # Errors
    /// The simulator has stopped.
    pub async fn inject_inbound_call(&self, ani: &str, dnis: &str, user_data: UserData) -> Result<String, SimError> {
        self.control(|reply| Control::InboundCall { ani: ani.into(), dnis: dnis.into(), user_data, reply }).await
    }

    /// An inbound chat or email invitation arrives; returns its interaction id.
    ///
    /// # Errors
    /// The simulator has stopped.
    pub async fn inject_open_media(&self, media: &str, from: &str, user_data: UserData) -> Result<String, SimError> {
        self.control(|reply| Control::OpenMedia { media: media.into(), from: from.into(), user_data, reply }).await
    }

    /// The real-time connection state changes (a `REALTIME_CONNECTION` system event).
    ///
    /// # Errors
    /// The simulator has stopped.
    pub async fn realtime_connection(&self, state: RealtimeConnectionState) -> Result<(), SimError> {
        self.control(|reply| Control::Realtime { state, reply }).await
    }

    /// The agent clicks button `button` of toast `toast` (a `CUSTOM_TOAST_BUTTON_CLICK` event).
    ///
    /// # Errors
    /// No such toast or button; the simulator has stopped.
    pub async fn click_toast_button(&self, toast: &str, button: u32) -> Result<(), SimError> {
        self.control(|reply| Control::ToastClick { toast: toast.into(), button, reply })
            .await?
            .map_err(SimError::Refused)
    }

    /// The agent dismisses toast `toast` (its dismiss button): it closes, with no event (the
    /// seed documents none); `system.closeToast` then answers `false` for it.
    ///
    /// # Errors
    /// No such toast; the simulator has stopped.
    pub async fn dismiss_toast(&self, toast: &str) -> Result<(), SimError> {
        self.control(|reply| Control::ToastDismiss { toast: toast.into(), reply }).await?.map_err(SimError::Refused)
    }

    /// A campaign is loaded, started (with its dialing mode), stopped or unloaded (an
    /// `outbound` event; `outbound.getCampaigns` lists the loaded ones).
    ///
    /// # Errors
    /// The simulator has stopped.
    pub async fn campaign(&self, name: &str, change: OutboundEventType, mode: Option<&str>) -> Result<(), SimError> {
        self.control(|reply| Control::Campaign { name: name.into(), change, mode: mode.map(str::to_owned), reply })
            .await
    }

    /// A preview record arrives: with `campaign`, a Pull Preview record is queued for
    /// `outbound.getPreviewRecord`; otherwise a record of `mode` is pushed to the agent now.
    /// Returns the record's interaction id. The record is the seed's example (a chain of two
    /// records, the fixture's fields).
    ///
    /// # Errors
    /// The record is refused (e.g. direct push preview is not started); the simulator has stopped.
    pub async fn preview_record(&self, mode: PreviewMode, campaign: Option<&str>) -> Result<String, SimError> {
        self.control(|reply| Control::PreviewRecord { mode, campaign: campaign.map(str::to_owned), reply })
            .await?
            .map_err(SimError::Refused)
    }

    /// The interactions on the desktop.
    ///
    /// # Errors
    /// The simulator has stopped.
    pub async fn interactions(&self) -> Result<Vec<Interaction>, SimError> {
        self.control(|reply| Control::Interactions { reply }).await
    }

    /// The Service Client API connections, in frame id order.
    ///
    /// # Errors
    /// The simulator has stopped.
    pub async fn connections(&self) -> Result<Vec<ConnectionInfo>, SimError> {
        self.control(|reply| Control::Connections { reply }).await
    }
}

/// Who a connection speaks for.
struct Peer {
    /// The origin the security options are checked against.
    origin: Option<String>,
    /// Whether it is an iframe relayed by the Workspace page.
    relayed: bool,
    /// The browser tab it is in (`tab` query parameter): frames of one tab share leadership.
    tab: Option<String>,
    /// The agent's desk it is a frame of (`agent` query parameter: employee id or user name).
    desk: usize,
}

/// What is queued for one connection, shared by the actor (which adds) and the connection's
/// task (which writes and subtracts).
#[derive(Debug, Default)]
struct Queued {
    frames: AtomicUsize,
    bytes: AtomicUsize,
}

/// The actor's side of a connection's outgoing queue.
struct Outbox {
    tx: mpsc::UnboundedSender<String>,
    queued: Arc<Queued>,
    /// Tells the connection's task to close with a reason (policy violation).
    close: Option<oneshot::Sender<(u16, String)>>,
}

/// One WebSocket connection: frames in go to the actor, frames from the actor go out.
///
/// Backpressure: while more than the limits' `queuedFrames` / `queuedBytes` wait to be written,
/// the peer's requests are not read (its own writes then wait), so that no answer is ever
/// dropped. A peer that does not read at all is closed with 1008 once a write has waited
/// `writeTimeoutMs`, or once the actor finds its queue over the slow-consumer limits.
async fn connection(
    conn: ConnId,
    mut frames: AcceptedFrames,
    peer: Peer,
    input: mpsc::Sender<Input>,
    limits: SimLimits,
) {
    let desk = peer.desk;
    let (tx, mut rx) = mpsc::unbounded_channel::<String>();
    let queued = Arc::new(Queued::default());
    let (close, mut closing) = oneshot::channel::<(u16, String)>();
    let outbox = Outbox { tx, queued: Arc::clone(&queued), close: Some(close) };
    if input.send(Input::Connected { conn, peer, outbox }).await.is_err() {
        return;
    }
    let write_timeout = limits.write_timeout();
    let reason: Option<(u16, String)> = loop {
        let may_read = limits.may_read(queued.frames.load(Ordering::Acquire), queued.bytes.load(Ordering::Acquire));
        tokio::select! {
            biased;
            reason = &mut closing => break reason.ok(),
            out = rx.recv() => {
                let Some(text) = out else { break None };
                let written = tokio::time::timeout(write_timeout, async {
                    let (mut count, mut bytes) = (1, text.len());
                    frames.feed(text).await?;
                    while count < WRITE_BATCH && let Ok(more) = rx.try_recv() {
                        count += 1;
                        bytes += more.len();
                        frames.feed(more).await?;
                    }
                    frames.flush().await?;
                    Ok::<_, cxwire_ws::Error>((count, bytes))
                })
                .await;
                match written {
                    Ok(Ok((count, bytes))) => {
                        queued.frames.fetch_sub(count, Ordering::AcqRel);
                        queued.bytes.fetch_sub(bytes, Ordering::AcqRel);
                    }
                    Ok(Err(e)) => {
                        tracing::debug!(conn, error = %e, "connection failed");
                        break None;
                    }
                    Err(_) => {
                        let reason = format!("slow consumer: a write waited {write_timeout:?} for the peer to read");
                        break Some((POLICY_VIOLATION, reason));
                    }
                }
            }
            frame = frames.next(), if may_read => match frame {
                Some(Ok(text)) => {
                    if input.send(Input::Frame { conn, text }).await.is_err() {
                        break None;
                    }
                }
                Some(Err(e)) => {
                    tracing::debug!(conn, error = %e, "connection failed");
                    break None;
                }
                None => break None,
            },
        }
    };
    if let Some((code, reason)) = reason {
        tracing::info!(conn, code, %reason, "closing a connection");
        drop(rx);
        let _ = tokio::time::timeout(limits.close_timeout(), frames.close_with(code, &reason)).await;
    }
    let _ = input.send(Input::Disconnected { conn, desk }).await;
}

/// Most frames written in one flush.
const WRITE_BATCH: usize = 64;

struct Connection {
    outbox: Outbox,
    origin: Option<String>,
    relayed: bool,
    /// Whether its origin is accepted (`accepted-web-content-origins`).
    accepted: bool,
    /// The agent's desk it is a frame of.
    desk: usize,
    /// Subscription id -> topics.
    subscriptions: BTreeMap<String, Vec<String>>,
}

impl Connection {
    fn watches(&self, topic: &str) -> bool {
        self.subscriptions.values().any(|topics| topics.iter().any(|t| t == topic))
    }
}

/// One simulated agent's desktop: its Workspace, outbound records and campaigns, JWT.
struct Desk {
    workspace: Workspace,
    outbound: OutboundDesk,
    campaigns: BTreeMap<String, Campaign>,
    /// The token `auth.getJwtToken` returns while it is valid, and when it expires.
    jwt: Option<(JwtToken, Instant)>,
    /// The names a connection or a transfer target may use for this agent: its employee id
    /// and user name.
    names: Vec<String>,
}

struct Actor {
    /// The agents' desktops; the first is the default.
    desks: Vec<Desk>,
    /// The desk the input being handled is about.
    current: usize,
    options: OptionStore,
    security: SecurityOptions,
    limits: SimLimits,
    /// Whether `accepted-web-content-origins` is set (or no security option at all).
    origins_configured: bool,
    started: Instant,
    connections: BTreeMap<ConnId, Connection>,
    next_subscription: u64,
    jwt_counter: u64,
    /// Calls that span two desks (a consult or transfer to another simulated agent): each end
    /// `(desk, interaction id)` to the other.
    links: BTreeMap<(usize, String), (usize, String)>,
    /// Set by [`Simulator::shutdown`]: every connection is being closed.
    shutting_down: bool,
    /// Who waits for the last connection to close.
    shut_down: Vec<oneshot::Sender<()>>,
}

/// The names an agent is known by: employee id and user name.
fn agent_names(desktop: &DesktopConfig) -> Vec<String> {
    [desktop.agent.employee_id.clone(), desktop.agent.username.clone()].into_iter().flatten().collect()
}

/// How long a simulated JWT is valid.
const JWT_LIFETIME: std::time::Duration = std::time::Duration::from_secs(3600);
/// A token this close to expiring is renewed.
const JWT_RENEW_MARGIN: std::time::Duration = std::time::Duration::from_secs(60);

impl Actor {
    async fn run(mut self, mut inputs: mpsc::Receiver<Input>) {
        while let Some(input) = inputs.recv().await {
            let mut step = Step::default();
            self.desks[self.current].workspace.set_clock(self.started.elapsed());
            match input {
                Input::Connected { conn, peer: Peer { origin, relayed, tab, desk }, mut outbox } => {
                    self.current = desk;
                    if self.shutting_down {
                        if let Some(close) = outbox.close.take() {
                            let _ = close.send((GOING_AWAY, "the simulator is shutting down".to_owned()));
                        }
                        continue;
                    }
                    // A page of an origin that is not accepted gets nothing: no frame id, no
                    // place among the frames, no events (its requests are refused).
                    let accepted = self.security.origins.is_accepted(origin.as_deref().unwrap_or("null"));
                    self.connections.insert(
                        conn,
                        Connection { outbox, origin, relayed, accepted, desk, subscriptions: BTreeMap::new() },
                    );
                    if accepted {
                        let assign = FrameIdFrame { frame_id: conn, envelope: Envelope::server() };
                        self.send(conn, serde_json::to_string(&assign).unwrap_or_default());
                        self.desks[self.current].workspace.frame_connected(conn, tab.as_deref(), &mut step);
                    }
                }
                Input::Disconnected { conn, desk } => {
                    self.current = desk;
                    let was_frame = self.connections.remove(&conn).is_none_or(|c| c.accepted);
                    if self.shutting_down && self.connections.is_empty() {
                        for waiter in self.shut_down.drain(..) {
                            let _ = waiter.send(());
                        }
                    }
                    if was_frame {
                        self.desks[self.current].workspace.frame_disconnected(conn, &mut step);
                    }
                }
                Input::Frame { conn, text } => {
                    // A connection already dropped (a slow consumer) has no desk any more.
                    let Some(desk) = self.connections.get(&conn).map(|c| c.desk) else { continue };
                    self.current = desk;
                    self.frame(conn, &text, &mut step);
                }
                Input::Control { desk, control } => {
                    self.current = desk;
                    self.control(control, &mut step);
                }
            }
            let elsewhere = self.cross_desk(&mut step);
            self.publish(step);
            for (desk, step) in elsewhere {
                self.current = desk;
                self.publish(step);
            }
        }
    }

    /// What a step of the current desk does at other agents' desks: a consultation or a
    /// transfer to another agent rings there; answering or releasing one end of a call between
    /// two desks answers or releases the other; a consultation completed as a transfer leaves
    /// the consulted agent with the customer. Returns the other desks' steps, to publish there.
    fn cross_desk(&mut self, step: &mut Step) -> Vec<(usize, Step)> {
        let here = self.current;
        let mut elsewhere: Vec<(usize, Step)> = Vec::new();
        let desk_of = |desks: &[Desk], name: &str| desks.iter().position(|d| d.names.iter().any(|n| n == name));
        for outgoing in std::mem::take(&mut step.outgoing) {
            let mut there = Step::default();
            match outgoing {
                Outgoing::Consult { consult_id, destination, from, user_data } => {
                    let Some(desk) = desk_of(&self.desks, &destination) else { continue };
                    let id = self.desks[desk].workspace.ring_consult(&from, user_data, &mut there);
                    self.links.insert((here, consult_id.clone()), (desk, id.clone()));
                    self.links.insert((desk, id), (here, consult_id));
                    elsewhere.push((desk, there));
                }
                Outgoing::Transfer { destination, ani, user_data } => {
                    let Some(desk) = desk_of(&self.desks, &destination) else { continue };
                    let dnis = self.desks[desk].workspace.agent_name();
                    self.desks[desk].workspace.inject_inbound_call(&ani, &dnis, user_data, &mut there);
                    elsewhere.push((desk, there));
                }
                Outgoing::TransferCompleted { consult_id, parties } => {
                    let Some((desk, id)) = self.links.remove(&(here, consult_id)) else { continue };
                    self.links.remove(&(desk, id.clone()));
                    self.desks[desk].workspace.transfer_completed(&id, parties, &mut there);
                    elsewhere.push((desk, there));
                }
            }
        }
        // Mirror answers and releases to the other end of linked calls.
        let mirrored: Vec<(InteractionEventType, String)> = step
            .events
            .iter()
            .filter_map(|e| match e {
                Event::Interaction(e) => Some((e.event_type.clone()?, e.interaction.as_ref()?.interaction_id.clone()?)),
                _ => None,
            })
            .filter(|(t, _)| matches!(t, InteractionEventType::Established | InteractionEventType::Released))
            .collect();
        for (event_type, id) in mirrored {
            let Some((desk, other)) = self.links.get(&(here, id.clone())).cloned() else { continue };
            let mut there = Step::default();
            let workspace = &mut self.desks[desk].workspace;
            if event_type == InteractionEventType::Established {
                // Only a dialing end is answered (a resumed call is already established).
                let _ = workspace.consult_answered(&other, &mut there);
            } else {
                let _ = workspace.remote_hang_up(&other, &mut there);
                self.links.remove(&(here, id));
                self.links.remove(&(desk, other));
            }
            elsewhere.push((desk, there));
        }
        elsewhere
    }

    fn control(&mut self, control: Control, step: &mut Step) {
        match control {
            Control::InboundCall { ani, dnis, user_data, reply } => {
                let _ =
                    reply.send(self.desks[self.current].workspace.inject_inbound_call(&ani, &dnis, user_data, step));
            }
            Control::OpenMedia { media, from, user_data, reply } => {
                let _ =
                    reply.send(self.desks[self.current].workspace.inject_open_media(&media, &from, user_data, step));
            }
            Control::Shutdown { reply } => {
                self.shutting_down = true;
                for c in self.connections.values_mut() {
                    if let Some(close) = c.outbox.close.take() {
                        let _ = close.send((GOING_AWAY, "the simulator is shutting down".to_owned()));
                    }
                }
                if self.connections.is_empty() {
                    let _ = reply.send(());
                } else {
                    self.shut_down.push(reply);
                }
            }
            Control::Remote { id, action, reply } => {
                let workspace = &mut self.desks[self.current].workspace;
                let result = match action {
                    RemoteAction::HangUp => workspace.remote_hang_up(&id, step),
                    RemoteAction::Hold => workspace.remote_hold(&id, true, step),
                    RemoteAction::Retrieve => workspace.remote_hold(&id, false, step),
                    RemoteAction::AnswerConsult => workspace.consult_answered(&id, step),
                    RemoteAction::RefuseConsult => workspace.consult_refused(&id, step),
                    RemoteAction::ChatMessage(text) => workspace.chat_message(&id, &text, step),
                };
                let _ = reply.send(result.map(|_| ()));
            }
            Control::Realtime { state, reply } => {
                self.desks[self.current].workspace.realtime_connection(state, step);
                let _ = reply.send(());
            }
            Control::ToastDismiss { toast, reply } => {
                let _ = reply.send(self.desks[self.current].workspace.dismiss_toast(&toast));
            }
            Control::ToastClick { toast, button, reply } => {
                let _ = reply.send(self.desks[self.current].workspace.click_toast_button(&toast, button, step));
            }
            Control::Connections { reply } => {
                let list = self
                    .connections
                    .iter()
                    .map(|(conn, c)| ConnectionInfo {
                        frame_id: *conn,
                        origin: c.origin.clone(),
                        relayed: c.relayed,
                        topics: c.subscriptions.values().flatten().cloned().collect(),
                        agent: self.desks.get(c.desk).and_then(|d| d.names.first().cloned()).unwrap_or_default(),
                        queued_frames: c.outbox.queued.frames.load(Ordering::Acquire),
                        queued_bytes: c.outbox.queued.bytes.load(Ordering::Acquire),
                    })
                    .collect();
                let _ = reply.send(list);
            }
            Control::Interactions { reply } => {
                let mut all: Vec<Interaction> =
                    self.desks[self.current].workspace.interactions().into_iter().cloned().collect();
                all.extend(self.desks[self.current].outbound.interactions());
                // The control API is reachable from a browser: it shows what web content may read.
                for interaction in &mut all {
                    self.security.user_data.filter_interaction(interaction);
                }
                let _ = reply.send(all);
            }
            Control::Campaign { name, change, mode, reply } => {
                match change {
                    OutboundEventType::CampaignUnloaded => {
                        self.desks[self.current].campaigns.remove(&name);
                    }
                    _ => {
                        let state = match change {
                            OutboundEventType::CampaignStarted => "Started",
                            OutboundEventType::CampaignStopped => "Stopped",
                            _ => "Loaded",
                        };
                        let entry = self.desks[self.current]
                            .campaigns
                            .entry(name.clone())
                            .or_insert_with(|| Campaign { name: Some(name.clone()), ..Campaign::default() });
                        entry.state = Some(state.to_owned());
                        if mode.is_some() {
                            entry.mode = mode.clone();
                        }
                    }
                }
                step.events.push(Event::Outbound(OutboundEvent {
                    event_type: Some(change),
                    campaign: Some(name),
                    mode,
                    ..OutboundEvent::default()
                }));
                let _ = reply.send(());
            }
            Control::PreviewRecord { mode, campaign, reply } => {
                let id = self.desks[self.current].workspace.allocate_interaction_id();
                let mut record = NewPreviewRecord::example(mode, &id);
                let result = match campaign {
                    Some(campaign) => {
                        if let Some(first) = record.chain.first_mut() {
                            first.insert(crate::outbound::CAMPAIGN_KEY.to_owned(), Value::from(campaign));
                        }
                        self.desks[self.current].outbound.queue_pull_record(record);
                        Ok(id)
                    }
                    None => {
                        let received = self.desks[self.current].outbound.receive(record).and_then(|mut events| {
                            // A direct push record goes straight to preview: the Workspace
                            // accepts it itself (its invitation offers no ACCEPT).
                            if mode == PreviewMode::DirectPush {
                                events.extend(self.desks[self.current].outbound.accept(&id)?);
                            }
                            Ok(events)
                        });
                        received
                            .map(|events| {
                                self.push_record_events(step, events);
                                id
                            })
                            .map_err(|e| e.to_string())
                    }
                };
                let _ = reply.send(result);
            }
        }
    }

    /// Queues a frame for a connection. A connection whose queue is over the slow-consumer
    /// limits is closed (1008) and forgotten, rather than buffered without end.
    fn send(&mut self, conn: ConnId, text: String) {
        let Some(c) = self.connections.get_mut(&conn) else { return };
        let queued = &c.outbox.queued;
        let frames = queued.frames.fetch_add(1, Ordering::AcqRel) + 1;
        let bytes = queued.bytes.fetch_add(text.len(), Ordering::AcqRel) + text.len();
        if self.limits.is_slow(frames, bytes) {
            let reason = format!("slow consumer: {frames} frames ({bytes} bytes) queued and not read");
            if let Some(close) = c.outbox.close.take() {
                let _ = close.send((POLICY_VIOLATION, reason));
            }
            self.connections.remove(&conn);
            return;
        }
        let _ = c.outbox.tx.send(text);
    }

    fn answer(&mut self, conn: ConnId, request: Option<&str>, reference_id: Option<String>, answer: Answer) {
        let frame = match answer {
            Ok(mut data) => {
                // Every answer passes the user-data read filter: no request can bypass it.
                if let Some(data) = data.as_mut() {
                    self.security.user_data.filter_json(data);
                }
                AnswerFrame::success(request.unwrap_or_default(), reference_id, data)
            }
            Err(message) => AnswerFrame::failure(request, reference_id, message),
        };
        if let Ok(text) = serde_json::to_string(&frame) {
            self.send(conn, text);
        }
    }

    fn frame(&mut self, conn: ConnId, text: &str, step: &mut Step) {
        let message = match ClientMessage::decode(text) {
            Ok(message) => message,
            Err(e) => {
                tracing::debug!(conn, error = %e, "undecodable frame");
                let (reference_id, request) = ClientMessage::salvage_ids(text);
                if reference_id.is_some() {
                    self.answer(conn, request.as_deref(), reference_id, Err(format!("Error: {e}")));
                } else if let Some(frame) = refusal_with_raw_reference(text, &e.to_string()) {
                    // A referenceId that is not a string (or a frame cut short after it): the
                    // answer echoes it as sent, so the peer can still match it.
                    self.send(conn, frame);
                }
                return;
            }
        };
        match message {
            ClientMessage::Subscribe(f) => {
                let topics: Vec<String> = f
                    .topics
                    .as_slice()
                    .iter()
                    .cloned()
                    .collect::<std::collections::BTreeSet<_>>()
                    .into_iter()
                    .collect();
                let held = self.connections.get(&conn).map_or(0, |c| c.subscriptions.len());
                let origin =
                    self.connections.get(&conn).and_then(|c| c.origin.clone()).unwrap_or_else(|| "null".to_owned());
                let refusal = if let Some(message) = self.topic_refusal(&origin, &topics) {
                    Some(message)
                } else if topics.len() > self.limits.topics_per_subscription {
                    Some(format!(
                        "Error: a subscription may name at most {} topics; this one names {}.",
                        self.limits.topics_per_subscription,
                        topics.len()
                    ))
                } else if held >= self.limits.subscriptions {
                    Some(format!(
                        "Error: a connection may hold at most {} subscriptions; unsubscribe first.",
                        self.limits.subscriptions
                    ))
                } else {
                    None
                };
                if let Some(message) = refusal {
                    let answer = serde_json::json!({
                        "referenceId": f.reference_id, "errorMessage": message,
                        "userAgent": cxwire_model::scapi::SERVER_USER_AGENT, "protocolVersion": cxwire_model::scapi::PROTOCOL_VERSION,
                    });
                    return self.send(conn, answer.to_string());
                }
                let id = format!("sub-{}", self.next_subscription);
                self.next_subscription += 1;
                if let Some(c) = self.connections.get_mut(&conn) {
                    c.subscriptions.insert(id.clone(), topics);
                }
                let answer = serde_json::json!({
                    "referenceId": f.reference_id, "subscriptionId": id,
                    "userAgent": cxwire_model::scapi::SERVER_USER_AGENT, "protocolVersion": cxwire_model::scapi::PROTOCOL_VERSION,
                });
                self.send(conn, answer.to_string());
            }
            ClientMessage::Unsubscribe(f) => {
                if let Some(c) = self.connections.get_mut(&conn) {
                    c.subscriptions.remove(&f.subscription_id);
                }
            }
            ClientMessage::Request(f) => self.request(conn, f, step),
        }
    }

    fn request(&mut self, conn: ConnId, frame: RequestFrame, step: &mut Step) {
        // Security options and rate limits apply to the request whichever of its names it used
        // (`voice.muteMicrophone` is `sipEndpoint.muteMicrophone`); answers repeat the name sent.
        let name = frame.request.name().to_owned();
        let sent_name = frame.wire_name().to_owned();
        let origin = self.connections.get(&conn).and_then(|c| c.origin.clone()).unwrap_or_else(|| "null".to_owned());
        if !self.security.origins.is_accepted(&origin) {
            let message = if self.origins_configured {
                format!("Error: the origin '{origin}' is not accepted.")
            } else {
                format!(
                    "Error: the origin '{origin}' is not accepted: security options are set without service-client-api.accepted-web-content-origins, so no origin is."
                )
            };
            return self.answer(conn, Some(&sent_name), frame.reference_id, Err(message));
        }
        if !is_request_name(&name) {
            let message =
                format!("Error: '{name}' is not a request name (expected namespace.method, e.g. agent.getState).");
            return self.answer(conn, Some(&sent_name), frame.reference_id, Err(message));
        }
        if !self.security.origins.allows(&origin, &name) {
            let message = format!("Error: the origin '{origin}' may not use '{name}'.");
            return self.answer(conn, Some(&sent_name), frame.reference_id, Err(message));
        }
        let now = self.started.elapsed();
        match self.security.rate_limiter.check(&name, now) {
            RateDecision::Allowed => {}
            RateDecision::Refused(notice) => {
                return self.answer(conn, Some(&sent_name), frame.reference_id, Err(notice.message()));
            }
            RateDecision::Ignored => return,
        }
        let answer = self.dispatch(conn, &origin, &frame.request, step);
        self.answer(conn, Some(&sent_name), frame.reference_id, answer);
    }

    fn dispatch(&mut self, conn: ConnId, origin: &str, request: &Request, step: &mut Step) -> Answer {
        // Writes of user data are checked against user-data.write-allowed first.
        let written: Option<Vec<&str>> = match request {
            Request::InteractionSetUserData(r) => Some(r.key_values.keys().map(String::as_str).collect()),
            Request::InteractionDeleteUserData(r) => Some(vec![r.key.as_str()]),
            _ => None,
        };
        if let Some(keys) = written
            && let Err(denied) = self.security.user_data.check_write(keys)
        {
            return Err(format!("Error: writing the key(s) {} is not allowed.", denied.join(", ")));
        }
        if let Some(answer) = self.outbound_request(request, step) {
            return answer;
        }
        if let Some(answer) = self.desks[self.current].workspace.handle(conn, request, step) {
            return answer;
        }
        match request {
            Request::SystemGetAllowedServices(_) => match self.security.origins.allowed_services(origin) {
                Some(list) => Ok(Some(Value::from(list))),
                None => Err(format!("Error: the origin '{origin}' is not accepted.")),
            },
            // The seed: a still-valid token is returned; a new one only once it has expired.
            Request::AuthGetJwtToken(_) => {
                let now = Instant::now();
                let token = match &self.desks[self.current].jwt {
                    Some((token, expires)) if *expires > now + JWT_RENEW_MARGIN => token.clone(),
                    _ => {
                        self.jwt_counter += 1;
                        let expiration = chrono::Utc::now() + JWT_LIFETIME;
                        let token = JwtToken {
                            jwt_token: format!(
                                "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJzaW0tYWdlbnQiLCJuIjo{}.c2lt",
                                self.jwt_counter
                            )
                            .into(),
                            expiration: expiration.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
                        };
                        self.desks[self.current].jwt = Some((token.clone(), now + JWT_LIFETIME));
                        token
                    }
                };
                Ok(Some(serde_json::to_value(token).unwrap_or(Value::Null)))
            }
            Request::MessengerBroadcastMessage(r) => {
                let event = Event::Messenger { channel: r.channel.clone(), message: Some(r.message.clone()) };
                step.to_others.push((conn, event));
                Ok(None)
            }
            Request::Raw(r) => Err(format!("Error: unknown request '{}'.", r.name)),
            other => Err(format!("Error: '{}' is not simulated yet.", other.name())),
        }
    }

    /// The requests the outbound desk and the option store answer, and the interaction requests
    /// about outbound records and their calls.
    fn outbound_request(&mut self, request: &Request, step: &mut Step) -> Option<Answer> {
        use cxwire_model::scapi::Request as R;
        let ok = |v: Option<Value>| -> Answer { Ok(v) };
        let err = |e: crate::outbound::OutboundError| -> Answer { Err(e.to_string()) };
        let now_ms = i64::try_from(self.started.elapsed().as_millis()).unwrap_or(i64::MAX);
        let known = |desk: &OutboundDesk, id: &str| desk.interaction(id).is_some() || desk.record(id).is_some();
        Some(match request {
            R::ConfigurationGetOption(r) => {
                self.options.get_option(&r.options).map(|o| Some(json(&o))).map_err(|e| e.to_string())
            }
            R::ConfigurationGetContextualOption(r) => {
                let user_data = self.desks[self.current]
                    .workspace
                    .interaction(&r.interaction_id)
                    .cloned()
                    .or_else(|| self.desks[self.current].outbound.interaction(&r.interaction_id))
                    .map(|i| i.user_data.unwrap_or_default());
                self.options
                    .get_contextual_option(&r.options, user_data.as_ref())
                    .map(|o| Some(json(&o)))
                    .map_err(|e| e.to_string())
            }
            R::OutboundGetCampaigns(_) => {
                ok(Some(json(&self.desks[self.current].campaigns.values().cloned().collect::<Vec<_>>())))
            }
            R::OutboundGetPreviewRecord(r) => {
                match self.desks[self.current].outbound.get_preview_record(&r.campaign_name) {
                    Ok(events) => {
                        self.push_record_events(step, events);
                        ok(None)
                    }
                    Err(e) => err(e),
                }
            }
            // A pushed record's invitation (INVITED, capabilities ACCEPT and DECLINE).
            R::InteractionAccept(r) if self.desks[self.current].outbound.record(&r.interaction_id).is_some() => {
                match self.desks[self.current].outbound.accept(&r.interaction_id) {
                    Ok(events) => {
                        self.push_record_events(step, events);
                        ok(None)
                    }
                    Err(e) => err(e),
                }
            }
            R::InteractionReject(r) if self.desks[self.current].outbound.record(&r.interaction_id).is_some() => {
                self.outbound_events(|d| d.decline(&r.interaction_id), step)
            }
            R::OutboundCallPreviewRecord(r) => {
                let call = self.desks[self.current].workspace.allocate_interaction_id();
                match self.desks[self.current].outbound.call(&r.interaction_id, r.record_handle, &call, now_ms) {
                    Ok(events) => {
                        push_interaction_events(step, events);
                        ok(None)
                    }
                    Err(e) => err(e),
                }
            }
            R::OutboundRejectPreviewRecord(r) => {
                self.outbound_events(|d| d.reject_record(r.interaction_id.as_deref()), step)
            }
            R::OutboundCancelPreviewRecord(r) => {
                self.outbound_events(|d| d.cancel_record(r.interaction_id.as_deref()), step)
            }
            R::OutboundStartDirectPushPreview(_) => {
                self.desks[self.current].outbound.start_direct_push_preview();
                ok(None)
            }
            R::OutboundStopDirectPushPreview(_) => {
                self.desks[self.current].outbound.stop_direct_push_preview();
                ok(None)
            }
            R::OutboundGetListOfCallResults(_) => ok(Some(json(self.desks[self.current].outbound.call_results()))),
            R::OutboundSetCallResult(r) => self.desks[self.current]
                .outbound
                .set_call_result(&r.interaction_id, r.call_result.value())
                .map(|()| None)
                .map_err(|e| e.to_string()),
            R::OutboundGetCallResult(r) => self.desks[self.current]
                .outbound
                .call_result(&r.interaction_id)
                .map(|n| Some(Value::from(n)))
                .map_err(|e| e.to_string()),
            R::OutboundSetDoNotCall(r) => self.desks[self.current]
                .outbound
                .set_do_not_call(&r.interaction_id)
                .map(|()| None)
                .map_err(|e| e.to_string()),
            R::OutboundRemoveDoNotCall(r) => self.desks[self.current]
                .outbound
                .remove_do_not_call(&r.interaction_id)
                .map(|()| None)
                .map_err(|e| e.to_string()),
            R::OutboundRescheduleRecord(r) => self.desks[self.current]
                .outbound
                .reschedule_record(&r.interaction_id, r.record_handle, &r.reschedule_date, &r.callback_type)
                .map(|()| None)
                .map_err(|e| e.to_string()),
            R::OutboundCancelReschedule(r) => self.desks[self.current]
                .outbound
                .cancel_reschedule(&r.interaction_id)
                .map(|()| None)
                .map_err(|e| e.to_string()),
            R::OutboundGetChainedRecords(r) => self.desks[self.current]
                .outbound
                .chained_records(&r.interaction_id)
                .map(|c| Some(json(&c)))
                .map_err(|e| e.to_string()),
            R::OutboundGetRecordFields(r) => self.desks[self.current]
                .outbound
                .record_fields(&r.interaction_id)
                .map(|f| Some(json(&f)))
                .map_err(|e| e.to_string()),
            R::OutboundUpdateRecordFields(r) => self.desks[self.current]
                .outbound
                .update_record_fields(&r.interaction_id, &r.record_data)
                .map(|()| None)
                .map_err(|e| e.to_string()),
            // Interaction requests about outbound records and their calls.
            R::InteractionMarkdone(r) if known(&self.desks[self.current].outbound, &r.interaction_id) => {
                match self.desks[self.current].outbound.mark_done(&r.interaction_id) {
                    Ok(done) => {
                        push_interaction_events(step, done.events);
                        ok(None)
                    }
                    Err(e) => err(e),
                }
            }
            R::VoiceHangUp(r) if known(&self.desks[self.current].outbound, &r.interaction_id) => {
                match self.desks[self.current].outbound.release(&r.interaction_id, now_ms) {
                    Ok(events) => {
                        push_interaction_events(step, events);
                        ok(None)
                    }
                    Err(e) => err(e),
                }
            }
            R::InteractionGetByInteractionId(r) if known(&self.desks[self.current].outbound, &r.interaction_id) => {
                ok(Some(
                    self.desks[self.current].outbound.interaction(&r.interaction_id).map_or(Value::Null, |i| json(&i)),
                ))
            }
            R::InteractionGetInteractions(_) => {
                let mut all: Vec<Interaction> =
                    self.desks[self.current].workspace.interactions().into_iter().cloned().collect();
                all.extend(self.desks[self.current].outbound.interactions());
                ok(Some(json(&all)))
            }
            _ => return None,
        })
    }

    /// Publishes a record's events; when the record reaches preview, `RECORDS_RETRIEVED`
    /// follows with its chained records (as the seed's sample shows, on a previewing record).
    fn push_record_events(&self, step: &mut Step, events: Vec<InteractionEvent>) {
        let previewing: Vec<String> = events
            .iter()
            .filter(|e| e.event_type == Some(cxwire_model::scapi::InteractionEventType::Previewing))
            .filter_map(|e| e.interaction.as_ref().and_then(|i| i.interaction_id.clone()))
            .collect();
        push_interaction_events(step, events);
        for id in previewing {
            if let Ok(retrieved) = self.desks[self.current].outbound.records_retrieved(&id) {
                step.events.push(Event::Interaction(retrieved));
            }
        }
    }

    fn outbound_events(
        &mut self,
        f: impl FnOnce(&mut OutboundDesk) -> Result<Vec<InteractionEvent>, crate::outbound::OutboundError>,
        step: &mut Step,
    ) -> Answer {
        match f(&mut self.desks[self.current].outbound) {
            Ok(events) => {
                push_interaction_events(step, events);
                Ok(None)
            }
            Err(e) => Err(e.to_string()),
        }
    }

    fn publish(&mut self, step: Step) {
        for event in step.events {
            let topic = event.topic().into_owned();
            let Some(text) = self.event_text(event) else { continue };
            let desk = self.current;
            let targets: Vec<ConnId> = self
                .connections
                .iter()
                .filter(|(_, c)| c.desk == desk && c.watches(&topic))
                .map(|(id, _)| *id)
                .collect();
            for conn in targets {
                self.send(conn, text.clone());
            }
        }
        for (sender, event) in step.to_others {
            let topic = event.topic().into_owned();
            let Some(text) = self.event_text(event) else { continue };
            let targets: Vec<ConnId> = self
                .connections
                .iter()
                .filter(|(id, c)| **id != sender && c.desk == self.current && c.watches(&topic))
                .map(|(id, _)| *id)
                .collect();
            for conn in targets {
                self.send(conn, text.clone());
            }
        }
        for (conn, event) in step.frame_events {
            let watches = self.connections.get(&conn).is_some_and(|c| c.watches("system"));
            if watches && let Some(text) = self.event_text(event) {
                self.send(conn, text);
            }
        }
    }
}

impl Actor {
    /// Why `origin` may not subscribe to `topics`, if it may not: an origin that is not
    /// accepted subscribes to nothing, and an accepted one only to the topics of namespaces
    /// it may send some request of (`agent` needs an `agent.*` request, `interaction` and
    /// `markdone` an `interaction.*` one, `messenger:<channel>` a `messenger.*` one, ...).
    /// Topics the simulator does not know publish nothing and are allowed to accepted origins.
    fn topic_refusal(&self, origin: &str, topics: &[String]) -> Option<String> {
        let Some(allowed) = self.security.origins.allowed_services(origin) else {
            return Some(format!("Error: the origin '{origin}' is not accepted."));
        };
        for topic in topics {
            let namespace = match topic.as_str() {
                "agent" => "agent.",
                "interaction" | "markdone" => "interaction.",
                "media" => "media.",
                "outbound" => "outbound.",
                "system" => "system.",
                t if t.starts_with("messenger:") => "messenger.",
                _ => continue,
            };
            if !allowed.iter().any(|r| r.starts_with(namespace)) {
                return Some(format!(
                    "Error: the origin '{origin}' may not subscribe to '{topic}': it may use no {namespace}* request."
                ));
            }
        }
        None
    }

    /// An event frame as sent, through the user-data read filter (the same function as answers).
    fn event_text(&self, event: Event) -> Option<String> {
        let frame = EventFrame { event, envelope: Envelope::server() };
        if self.security.user_data.read_allowed().is_none() {
            return serde_json::to_string(&frame).ok();
        }
        let mut value = serde_json::to_value(&frame).ok()?;
        self.security.user_data.filter_json(&mut value);
        serde_json::to_string(&value).ok()
    }
}

/// `namespace.method`: two non-empty parts of letters and digits.
fn is_request_name(name: &str) -> bool {
    let part = |p: &str| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    name.split_once('.').is_some_and(|(ns, method)| part(ns) && part(method))
}

/// An answer refusing an undecodable frame whose `referenceId` is not a string (a number), or
/// that was cut short after its `referenceId`: the id is echoed as sent.
fn refusal_with_raw_reference(text: &str, error: &str) -> Option<String> {
    let (reference, request) = match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(map)) => {
            let reference = map.get("referenceId").filter(|v| v.is_number() || v.is_string()).cloned();
            (reference, map.get("request").and_then(Value::as_str).map(str::to_owned))
        }
        Ok(_) => (None, None),
        Err(_) => (cxwire_model::scapi::salvage_reference_id(text).map(Value::String), None),
    };
    let message = if reference.as_ref().is_some_and(Value::is_number) {
        "Error: referenceId must be a string.".to_owned()
    } else {
        format!("Error: {error}")
    };
    let mut answer = serde_json::json!({
        "referenceId": reference?, "errorMessage": message,
        "userAgent": cxwire_model::scapi::SERVER_USER_AGENT, "protocolVersion": cxwire_model::scapi::PROTOCOL_VERSION,
    });
    if let Some(request) = request {
        answer["request"] = Value::String(request);
    }
    Some(answer.to_string())
}

fn push_interaction_events(step: &mut Step, events: Vec<InteractionEvent>) {
    step.events.extend(events.into_iter().map(Event::Interaction));
}

fn json<T: serde::Serialize + ?Sized>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}
