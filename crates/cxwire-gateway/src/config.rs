//! Settings: the NATS connection (credentials, TLS), the gateway's limits and the JetStream
//! stream.

use std::path::PathBuf;
use std::time::Duration;

use cxwire_policy::OriginPolicy;
use cxwire_ws::{AcceptorConfig, Topic};

use crate::Error;

/// How to authenticate to NATS. Secrets never appear in `Debug` output.
#[derive(Clone, Default)]
#[non_exhaustive]
pub enum NatsAuth {
    /// No credentials.
    #[default]
    None,
    /// User and password.
    UserPassword {
        /// The user.
        user: String,
        /// The password.
        password: String,
    },
    /// A token.
    Token(String),
    /// An NKey seed (`SU...`).
    NKey(String),
    /// A `.creds` file (JWT and NKey seed).
    CredsFile(PathBuf),
}

impl std::fmt::Debug for NatsAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::None => f.write_str("None"),
            Self::UserPassword { user, .. } => {
                f.debug_struct("UserPassword").field("user", user).field("password", &"<redacted>").finish()
            }
            Self::Token(_) => f.write_str("Token(<redacted>)"),
            Self::NKey(_) => f.write_str("NKey(<redacted>)"),
            Self::CredsFile(path) => f.debug_tuple("CredsFile").field(path).finish(),
        }
    }
}

/// TLS towards NATS (rustls). A `tls://` URL or `required` turns it on.
#[derive(Clone, Debug, Default)]
pub struct NatsTls {
    /// Refuse a server that does not offer TLS.
    pub required: bool,
    /// Root certificates (PEM) to trust besides the system's.
    pub ca_file: Option<PathBuf>,
    /// A client certificate and its key (PEM), for mutual TLS.
    pub client_cert: Option<(PathBuf, PathBuf)>,
}

/// Where NATS is and how to log in.
#[derive(Clone, Debug)]
pub struct NatsConfig {
    /// Server URL(s), comma-separated (`nats://127.0.0.1:4222`, `tls://...`).
    pub url: String,
    /// Credentials.
    pub auth: NatsAuth,
    /// TLS.
    pub tls: NatsTls,
    /// Longest wait to connect (default 10 s).
    pub connect_timeout: Duration,
}

impl NatsConfig {
    /// A server URL without credentials or TLS options.
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            auth: NatsAuth::None,
            tls: NatsTls::default(),
            connect_timeout: Duration::from_secs(10),
        }
    }

    pub(crate) async fn connect(&self, name: &str, subscription_capacity: usize) -> Result<async_nats::Client, Error> {
        let mut options = match &self.auth {
            NatsAuth::None => async_nats::ConnectOptions::new(),
            NatsAuth::UserPassword { user, password } => {
                async_nats::ConnectOptions::with_user_and_password(user.clone(), password.clone())
            }
            NatsAuth::Token(token) => async_nats::ConnectOptions::with_token(token.clone()),
            NatsAuth::NKey(seed) => async_nats::ConnectOptions::with_nkey(seed.clone()),
            NatsAuth::CredsFile(path) => async_nats::ConnectOptions::with_credentials_file(path)
                .await
                .map_err(|e| Error::Config { message: format!("NATS credentials file {}: {e}", path.display()) })?,
        };
        options = options
            .name(name)
            .connection_timeout(self.connect_timeout)
            .require_tls(self.tls.required)
            .subscription_capacity(subscription_capacity.max(1));
        if let Some(ca) = &self.tls.ca_file {
            options = options.add_root_certificates(ca.clone());
        }
        if let Some((cert, key)) = &self.tls.client_cert {
            options = options.add_client_certificate(cert.clone(), key.clone());
        }
        tokio::time::timeout(self.connect_timeout, options.connect(self.url.as_str()))
            .await
            .map_err(|_| Error::Nats {
                message: format!("no connection to {} within {:?}", self.url, self.connect_timeout),
                source: None,
            })?
            .map_err(|e| Error::nats(format!("connecting to {}", self.url), e))
    }
}

/// The JetStream stream events are also written to, so durable consumers lose nothing while
/// they restart. The gateway creates it (or updates its limits) at start.
#[derive(Clone, Debug)]
pub struct StreamConfig {
    /// Oldest event kept (default 24 h).
    pub max_age: Duration,
    /// Most bytes kept (default 1 GiB); the oldest events go first.
    pub max_bytes: i64,
    /// Most events kept (default unlimited: -1).
    pub max_messages: i64,
    /// File storage (default) or memory.
    pub memory: bool,
    /// Replicas in a cluster (default 1).
    pub replicas: usize,
    /// Window in which a re-published event (same `Nats-Msg-Id`) is dropped (default 2 min).
    pub duplicate_window: Duration,
    /// Publish acknowledgements awaited at once per gateway instance (default 4096); past it,
    /// publishing waits (the desktop's event subscription then buffers, and lags after its
    /// `subscriber_buffer`).
    pub max_pending_acks: usize,
}

impl Default for StreamConfig {
    fn default() -> Self {
        Self {
            max_age: Duration::from_secs(24 * 3600),
            max_bytes: 1 << 30,
            max_messages: -1,
            memory: false,
            replicas: 1,
            duplicate_window: Duration::from_secs(120),
            max_pending_acks: 4096,
        }
    }
}

/// Settings of a gateway instance.
#[derive(Clone, Debug)]
pub struct GatewayConfig {
    /// This instance's name, unique among the instances of one prefix (default: a random one).
    /// It names the instance in registrations, presence, events and heartbeats.
    pub instance: String,
    /// NATS; `None` runs the embedded single-instance mode (no broker; services in the same
    /// process use [`Gateway::client`](crate::Gateway::client)).
    pub nats: Option<NatsConfig>,
    /// The subject prefix (one per tenant; default `cxwire`).
    pub prefix: String,
    /// The desktop side: the acceptor's settings (sessions, WebSocket limits, handshake).
    pub acceptor: AcceptorConfig,
    /// The origins whose bridge pages may connect, as the Workspace option
    /// `service-client-api.accepted-web-content-origins` (default `*`: any). A desktop whose
    /// WebSocket `Origin` is not accepted is closed with 1008 and a reason.
    pub accepted_origins: OriginPolicy,
    /// The topics published for every desktop (default: agent, interaction, media, outbound,
    /// system, markdone).
    pub topics: Vec<Topic>,
    /// Events also go to a JetStream stream (NATS mode only); `None` (default) publishes on the
    /// event subjects only.
    pub stream: Option<StreamConfig>,
    /// How long a registration outlives its gateway instance (the KV bucket's max age; default
    /// 30 s). Registrations are refreshed every third of it.
    pub registration_ttl: Duration,
    /// How often the instance publishes its heartbeat (default 1 s).
    pub heartbeat_interval: Duration,
    /// Longest wait for a new desktop's `agent.get` (default 10 s); a desktop that does not
    /// answer is closed.
    pub identify_timeout: Duration,
    /// Calls in flight per desktop (default 256); past it a call is refused with `overloaded`.
    pub max_in_flight: usize,
    /// The longest timeout a caller may ask for (default 60 s); longer ones are cut to it.
    pub max_call_timeout: Duration,
    /// Events buffered for each embedded-mode event stream (default 1024); a slower reader is
    /// told how many it missed.
    pub local_event_buffer: usize,
}

impl Default for GatewayConfig {
    fn default() -> Self {
        Self {
            instance: format!("gw-{}", nuid::next()),
            nats: None,
            prefix: "cxwire".to_owned(),
            acceptor: AcceptorConfig::default(),
            accepted_origins: OriginPolicy::any_origin(),
            topics: default_topics(),
            stream: None,
            registration_ttl: Duration::from_secs(30),
            heartbeat_interval: Duration::from_secs(1),
            identify_timeout: Duration::from_secs(10),
            max_in_flight: 256,
            max_call_timeout: Duration::from_secs(60),
            local_event_buffer: 1024,
        }
    }
}

/// The topics every desktop has: agent, interaction, media, outbound, system, markdone.
pub fn default_topics() -> Vec<Topic> {
    vec![Topic::Agent, Topic::Interaction, Topic::Media, Topic::Outbound, Topic::System, Topic::Markdone]
}

/// Settings of a [`GatewayClient`](crate::GatewayClient).
#[derive(Clone, Debug)]
pub struct ClientConfig {
    /// NATS.
    pub nats: NatsConfig,
    /// The subject prefix of the gateways (default `cxwire`).
    pub prefix: String,
    /// Default call timeout (default 10 s, as a session's).
    pub call_timeout: Duration,
    /// A gateway instance not heard from for this long is taken as lost, and the calls it had
    /// accepted fail with [`Error::DesktopGone`] (default 3 s: three heartbeats).
    pub instance_timeout: Duration,
    /// Messages buffered per subscription (each event stream, the replies, presence) before
    /// the client drops them for a slow reader (default 4096). A dropped event shows as a gap
    /// in [`DesktopEvent::seq`](crate::DesktopEvent::seq); the domain layer reads the state
    /// again.
    pub event_buffer: usize,
}

impl ClientConfig {
    /// A client of the gateways of `prefix` `cxwire` at `url`.
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            nats: NatsConfig::new(url),
            prefix: "cxwire".to_owned(),
            call_timeout: cxwire_ws::DEFAULT_CALL_TIMEOUT,
            instance_timeout: Duration::from_secs(3),
            event_buffer: 4096,
        }
    }
}
