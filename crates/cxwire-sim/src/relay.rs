//! Bridge relays: the simulator's desktops reach a bridge acceptor (a `cxwire bridge`, or the
//! gateway's desktop side) as the bridge page embedded in a real Workspace would. A relay
//! opens a WebSocket to the acceptor (`?agent=<id>`, with the page's `Origin`) and one to the
//! simulator as that agent, and passes frames both ways. When the acceptor side drops it ends
//! the simulator side too (the page's next connection is a new library instance, with its own
//! subscriptions) and reconnects, to the next acceptor URL in turn: a load balancer in front of
//! several gateway instances, played by a list.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

/// The first wait before reconnecting (doubling up to [`RelayConfig::max_backoff`]).
const FIRST_BACKOFF: Duration = Duration::from_millis(50);

/// Settings of a [`BridgeRelay`].
#[derive(Clone, Debug)]
pub struct RelayConfig {
    /// The `Origin` the relay names, as a bridge page's (default `http://127.0.0.1`).
    pub origin: String,
    /// The longest wait between reconnection attempts (default 1 s).
    pub max_backoff: Duration,
    /// The longest wait for either WebSocket to open, handshake included (default 10 s); an
    /// acceptor that does not answer counts as refused, and the next URL is tried.
    pub connect_timeout: Duration,
}

impl Default for RelayConfig {
    fn default() -> Self {
        Self {
            origin: "http://127.0.0.1".to_owned(),
            max_backoff: Duration::from_secs(1),
            connect_timeout: Duration::from_secs(10),
        }
    }
}

/// A running relay for one agent; dropping it stops it (both connections close).
#[derive(Debug)]
pub struct BridgeRelay {
    task: JoinHandle<()>,
    connections: Arc<AtomicU64>,
}

impl Drop for BridgeRelay {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl BridgeRelay {
    /// Relays `agent`'s desktop of the simulator at `sim_ws_url` to the acceptors at
    /// `acceptor_urls` (WebSocket URLs such as `ws://127.0.0.1:7800/ws`), one at a time, moving
    /// to the next when one drops or refuses.
    pub fn start(sim_ws_url: &str, agent: &str, acceptor_urls: Vec<String>, config: RelayConfig) -> Self {
        let connections = Arc::new(AtomicU64::new(0));
        let task = tokio::spawn(run(
            with_agent(sim_ws_url, agent),
            acceptor_urls.iter().map(|u| with_agent(u, agent)).collect(),
            config,
            Arc::clone(&connections),
        ));
        Self { task, connections }
    }

    /// How many acceptor connections the relay has opened so far.
    pub fn connections(&self) -> u64 {
        self.connections.load(Ordering::Relaxed)
    }
}

fn with_agent(url: &str, agent: &str) -> String {
    let separator = if url.contains('?') { '&' } else { '?' };
    let agent: String = form_urlencoded::byte_serialize(agent.as_bytes()).collect();
    format!("{url}{separator}agent={agent}")
}

async fn run(sim_url: String, acceptors: Vec<String>, config: RelayConfig, connections: Arc<AtomicU64>) {
    if acceptors.is_empty() {
        return;
    }
    let mut backoff = FIRST_BACKOFF;
    for url in acceptors.iter().cycle() {
        if relay_once(&sim_url, url, &config, &connections).await {
            backoff = FIRST_BACKOFF;
        } else {
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(config.max_backoff);
        }
    }
}

/// One acceptor connection: `true` when it was up (and then ended).
async fn relay_once(sim_url: &str, acceptor_url: &str, config: &RelayConfig, connections: &AtomicU64) -> bool {
    let Ok(mut request) = acceptor_url.into_client_request() else { return false };
    let Ok(origin) = config.origin.parse() else { return false };
    request.headers_mut().insert("Origin", origin);
    let bound = config.connect_timeout;
    let Ok(Ok((acceptor, _))) = tokio::time::timeout(bound, tokio_tungstenite::connect_async(request)).await else {
        return false;
    };
    let Ok(Ok((sim, _))) = tokio::time::timeout(bound, tokio_tungstenite::connect_async(sim_url)).await else {
        return false;
    };
    connections.fetch_add(1, Ordering::Relaxed);
    tracing::debug!(acceptor = acceptor_url, "bridge relay connected");
    let (mut to_acceptor, mut from_acceptor) = acceptor.split();
    let (mut to_sim, mut from_sim) = sim.split();
    loop {
        tokio::select! {
            message = from_acceptor.next() => match message {
                Some(Ok(m @ (Message::Text(_) | Message::Binary(_)))) => {
                    if to_sim.send(m).await.is_err() { break }
                }
                Some(Ok(Message::Close(_)) | Err(_)) | None => break,
                Some(Ok(_)) => {}
            },
            message = from_sim.next() => match message {
                Some(Ok(m @ (Message::Text(_) | Message::Binary(_)))) => {
                    if to_acceptor.send(m).await.is_err() { break }
                }
                Some(Ok(Message::Close(_)) | Err(_)) | None => break,
                Some(Ok(_)) => {}
            },
        }
    }
    let _ = to_sim.close().await;
    let _ = to_acceptor.close().await;
    true
}
