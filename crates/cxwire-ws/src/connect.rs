//! `connect(url)`: a client session over tokio-tungstenite that reconnects with exponential
//! backoff and jitter, re-establishing its subscriptions.

use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::{MaybeTlsStream, connect_async_with_config};

use crate::session::Connector;
use crate::transport::{WsFrames, WsSettings};
use crate::{Error, Session, SessionConfig};

/// How a session made by [`connect`] reconnects.
#[derive(Clone, Debug)]
pub struct ReconnectPolicy {
    /// The first delay (default 250 ms).
    pub initial_delay: Duration,
    /// The longest delay (default 30 s).
    pub max_delay: Duration,
    /// Growth factor per attempt (default 2).
    pub multiplier: f64,
    /// Random spread of each delay, as a fraction (default 0.2: ±20 %).
    pub jitter: f64,
    /// Attempts before giving up; `None` tries forever (default `None`).
    pub max_attempts: Option<u32>,
}

impl Default for ReconnectPolicy {
    fn default() -> Self {
        Self {
            initial_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(30),
            multiplier: 2.0,
            jitter: 0.2,
            max_attempts: None,
        }
    }
}

impl ReconnectPolicy {
    /// Never reconnect.
    pub fn never() -> Self {
        Self { max_attempts: Some(0), ..Self::default() }
    }

    /// The delay before the `attempt`-th reconnection (from 1), jittered by `unit` in `[0, 1)`;
    /// `None` once the attempts are exhausted.
    pub fn delay(&self, attempt: u32, unit: f64) -> Option<Duration> {
        if self.max_attempts.is_some_and(|max| attempt > max) {
            return None;
        }
        let exponent = i32::try_from(attempt.saturating_sub(1)).unwrap_or(i32::MAX);
        let base = self.initial_delay.as_secs_f64() * self.multiplier.max(1.0).powi(exponent);
        let capped = base.min(self.max_delay.as_secs_f64());
        let spread = self.jitter.clamp(0.0, 1.0);
        let factor = 1.0 + spread * (2.0 * unit.clamp(0.0, 1.0) - 1.0);
        Some(Duration::from_secs_f64((capped * factor).clamp(0.0, self.max_delay.as_secs_f64())))
    }
}

/// Options of [`connect`].
#[derive(Clone, Debug, Default)]
pub struct ConnectOptions {
    /// The session's settings.
    pub session: SessionConfig,
    /// WebSocket settings (frame limit, keepalive, buffers).
    pub websocket: WsSettings,
    /// Reconnection.
    pub reconnect: ReconnectPolicy,
    /// The `Origin` header of the handshake: the web page a service speaks for, which a
    /// Workspace (or the simulator) checks against `accepted-web-content-origins`. None sends no
    /// `Origin` (the origin then reads as `null`).
    pub origin: Option<String>,
}

type Transport = WsFrames<MaybeTlsStream<TcpStream>>;

struct WsConnector {
    url: String,
    settings: WsSettings,
    origin: Option<String>,
    policy: ReconnectPolicy,
    seed: u64,
}

impl WsConnector {
    /// A cheap xorshift for jitter: no need for cryptographic randomness.
    fn unit(&mut self) -> f64 {
        self.seed ^= self.seed << 13;
        self.seed ^= self.seed >> 7;
        self.seed ^= self.seed << 17;
        (self.seed >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Opens a connection: the TCP connection and the WebSocket upgrade, within the handshake
/// timeout.
async fn open(url: &str, settings: &WsSettings, origin: Option<&str>) -> Result<Transport, Error> {
    let timeout = settings.handshake_timeout;
    tokio::time::timeout(timeout, handshake(url, settings, origin))
        .await
        .unwrap_or_else(|_| Err(Error::HandshakeTimeout { url: url.to_owned(), timeout }))
}

async fn handshake(url: &str, settings: &WsSettings, origin: Option<&str>) -> Result<Transport, Error> {
    let mut request = url.into_client_request()?;
    if let Some(origin) = origin {
        let value = HeaderValue::from_str(origin)
            .map_err(|_| Error::InvalidUrl { url: url.to_owned(), reason: format!("invalid Origin `{origin}`") })?;
        request.headers_mut().insert("origin", value);
    }
    let (stream, _response) = connect_async_with_config(request, Some(settings.config()), settings.nodelay).await?;
    Ok(WsFrames::new(stream, settings))
}

impl Connector<Transport> for WsConnector {
    fn connect(&mut self) -> Pin<Box<dyn Future<Output = Result<Transport, Error>> + Send + '_>> {
        Box::pin(open(&self.url, &self.settings, self.origin.as_deref()))
    }

    fn backoff(&mut self, attempt: u32) -> Option<Duration> {
        let unit = self.unit();
        self.policy.delay(attempt, unit)
    }
}

/// Connects to a Service Client endpoint (`ws://` or, with the `tls` feature, `wss://`) with
/// the default options.
///
/// ```rust,no_run
/// # async fn run() -> Result<(), cxwire_ws::Error> {
/// // `cxwire sim` listens here; a bridge acceptor or any Service Client endpoint will do.
/// let session = cxwire_ws::connect("ws://127.0.0.1:9300/ws").await?;
/// let agent = session.agent().get().await?;
/// println!("signed in as {:?}", agent.username);
/// session.agent().set_state("Ready").await?;
/// # Ok(())
/// # }
/// ```
///
/// # Errors
/// The first connection fails ([`Error::WebSocket`], [`Error::InvalidUrl`]) or takes longer than
/// the handshake timeout ([`Error::HandshakeTimeout`], 10 s by default).
pub async fn connect(url: &str) -> Result<Session, Error> {
    connect_with(url, ConnectOptions::default()).await
}

/// Connects with options. The first connection must succeed; later disconnections are
/// retried in the background according to `options.reconnect`.
///
/// ```rust,no_run
/// use std::time::Duration;
/// use cxwire_ws::{ConnectOptions, ReconnectPolicy, WsSettings};
///
/// # async fn run() -> Result<(), cxwire_ws::Error> {
/// let options = ConnectOptions {
///     reconnect: ReconnectPolicy::never(),
///     websocket: WsSettings { handshake_timeout: Duration::from_secs(3), ..WsSettings::default() },
///     ..ConnectOptions::default()
/// };
/// let session = cxwire_ws::connect_with("ws://127.0.0.1:9300/ws", options).await?;
/// # drop(session);
/// # Ok(())
/// # }
/// ```
///
/// # Errors
/// The first connection fails.
pub async fn connect_with(url: &str, options: ConnectOptions) -> Result<Session, Error> {
    if !(url.starts_with("ws://") || url.starts_with("wss://")) {
        return Err(Error::InvalidUrl { url: url.to_owned(), reason: "expected ws:// or wss://".to_owned() });
    }
    let first = open(url, &options.websocket, options.origin.as_deref()).await?;
    let seed = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0x9E37_79B9, |d| d.as_nanos() as u64) | 1;
    let connector = WsConnector {
        url: url.to_owned(),
        settings: options.websocket,
        origin: options.origin,
        policy: options.reconnect,
        seed,
    };
    let session = Session::with_connector(first, connector, options.session);
    // Without the query string, which may carry a token.
    session.span().record("url", url.split(['?', '#']).next().unwrap_or(url));
    Ok(session)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_is_capped_jittered_and_gives_up() {
        let policy = ReconnectPolicy { max_attempts: Some(10), ..ReconnectPolicy::default() };
        assert_eq!(policy.delay(1, 0.5), Some(Duration::from_millis(250)));
        assert_eq!(policy.delay(2, 0.5), Some(Duration::from_millis(500)));
        assert_eq!(policy.delay(3, 0.5), Some(Duration::from_secs(1)));
        assert_eq!(policy.delay(10, 0.5), Some(Duration::from_secs(30)));
        assert_eq!(policy.delay(11, 0.5), None);
        let low = policy.delay(2, 0.0).unwrap();
        let high = policy.delay(2, 0.999).unwrap();
        assert!(low < Duration::from_millis(500) && high > Duration::from_millis(500), "{low:?} {high:?}");
        assert!(policy.delay(10, 0.999).unwrap() <= Duration::from_secs(30));
        assert_eq!(ReconnectPolicy::never().delay(1, 0.5), None);
    }

    /// `WsSettings::nodelay` reaches the client's socket, either way.
    #[tokio::test]
    async fn the_nodelay_setting_is_applied_to_the_socket() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("ws://{}/", listener.local_addr().unwrap());
        tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((stream, _)) = listener.accept().await {
                held.push(tokio_tungstenite::accept_async(stream).await.unwrap());
            }
        });
        for nodelay in [true, false] {
            let settings = WsSettings { nodelay, ..WsSettings::default() };
            let transport = tokio::time::timeout(Duration::from_secs(10), open(&url, &settings, None))
                .await
                .expect("connected in time")
                .unwrap();
            let MaybeTlsStream::Plain(stream) = transport.get_ref() else { panic!("a plain TCP stream") };
            assert_eq!(stream.nodelay().unwrap(), nodelay);
        }
    }
}
