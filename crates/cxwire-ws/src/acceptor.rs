//! The acceptor: the server side that browser bridge pages connect to. One listener serves the
//! bridge page and script over plain HTTP and upgrades WebSocket requests into [`Session`]s, one
//! per connected agent desktop, with the peer's origin and query parameters.

use std::collections::BTreeMap;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::{TcpListener, TcpStream, ToSocketAddrs};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_tungstenite::accept_hdr_async_with_config;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};

use crate::bridge::{BRIDGE_HTML, BRIDGE_JS, WS_PATH};
use crate::transport::{WsFrames, WsSettings};
use crate::{Error, Session, SessionConfig};

/// The acceptor's default read buffer per connection: 2 KiB.
const ACCEPTOR_READ_BUFFER: usize = 2 * 1024;

/// Settings of an [`Acceptor`].
#[derive(Clone, Debug)]
pub struct AcceptorConfig {
    /// Settings of each accepted session.
    pub session: SessionConfig,
    /// WebSocket settings (frame limit, keepalive; a read buffer of 2 KiB by default, for many
    /// idle sessions).
    pub websocket: WsSettings,
    /// Longest time a client may take to send its HTTP request head (default 10 s).
    pub handshake_timeout: Duration,
    /// Accepted sessions waiting for [`Acceptor::accept`] (default 64).
    pub backlog: usize,
}

impl Default for AcceptorConfig {
    fn default() -> Self {
        Self {
            session: SessionConfig::default(),
            // An acceptor holds many mostly idle desktops: a smaller read buffer (it still reads
            // frames of any size up to the limit, in more chunks).
            websocket: WsSettings { read_buffer: ACCEPTOR_READ_BUFFER, ..WsSettings::default() },
            handshake_timeout: Duration::from_secs(10),
            backlog: 64,
        }
    }
}

/// Who connected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeerInfo {
    /// The peer's socket address.
    pub addr: SocketAddr,
    /// The `Origin` header of the WebSocket handshake: the origin of the bridge page.
    pub origin: Option<String>,
    /// The request path (`/ws`).
    pub path: String,
    /// The query parameters the bridge sent (e.g. `agent`), decoded.
    pub query: BTreeMap<String, String>,
}

/// A connected agent desktop.
#[derive(Debug)]
pub struct Accepted {
    /// The session.
    pub session: Session,
    /// Who connected.
    pub peer: PeerInfo,
}

/// The stream of an accepted connection (a TCP stream with its request head replayed).
pub struct AcceptedStream(Replay);

impl std::fmt::Debug for AcceptedStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AcceptedStream").finish_non_exhaustive()
    }
}

/// The frame transport of an accepted WebSocket connection.
pub type AcceptedFrames = WsFrames<AcceptedStream>;

/// The listening task and its queue of handshaken connections; stops listening when dropped.
#[derive(Debug)]
struct Listener {
    local_addr: SocketAddr,
    incoming: mpsc::Receiver<(AcceptedFrames, PeerInfo)>,
    task: JoinHandle<()>,
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Listener {
    async fn bind(addr: impl ToSocketAddrs, config: AcceptorConfig) -> Result<Self, Error> {
        let listener = TcpListener::bind(addr).await?;
        let local_addr = listener.local_addr()?;
        let (tx, incoming) = mpsc::channel(config.backlog.max(1));
        let task = tokio::spawn(accept_loop(listener, config, tx));
        Ok(Self { local_addr, incoming, task })
    }
}

/// Accepts WebSocket connections and yields their raw frame transports: the server side of the
/// protocol (what a Workspace, or a simulator of one, needs). Serves the bridge page too.
/// Dropping it stops listening.
#[derive(Debug)]
pub struct FrameAcceptor {
    listener: Listener,
}

impl FrameAcceptor {
    /// Binds `addr` (port 0 picks a free port) and starts accepting in the background.
    ///
    /// # Errors
    /// The address cannot be bound.
    pub async fn bind(addr: impl ToSocketAddrs, config: AcceptorConfig) -> Result<Self, Error> {
        Ok(Self { listener: Listener::bind(addr, config).await? })
    }

    /// The bound address.
    pub fn local_addr(&self) -> SocketAddr {
        self.listener.local_addr
    }

    /// The next connection; `None` if the listener failed.
    pub async fn accept(&mut self) -> Option<(AcceptedFrames, PeerInfo)> {
        self.listener.incoming.recv().await
    }
}

/// Accepts bridge connections and yields one session per connected desktop. Dropping it stops
/// listening (accepted sessions live on).
#[derive(Debug)]
pub struct Acceptor {
    listener: Listener,
    session: SessionConfig,
}

impl Acceptor {
    /// Binds `addr` (port 0 picks a free port) and starts accepting in the background.
    ///
    /// # Errors
    /// The address cannot be bound.
    pub async fn bind(addr: impl ToSocketAddrs, config: AcceptorConfig) -> Result<Self, Error> {
        let session = config.session.clone();
        Ok(Self { listener: Listener::bind(addr, config).await?, session })
    }

    /// The bound address.
    pub fn local_addr(&self) -> SocketAddr {
        self.listener.local_addr
    }

    /// The URL of the bridge page, to configure as web content in the Workspace (append
    /// `?targetOrigin=<Workspace origin>` and any parameters such as `agent=<id>`).
    pub fn bridge_url(&self) -> String {
        format!("http://{}/bridge.html", self.listener.local_addr)
    }

    /// The WebSocket URL bridge pages connect to.
    pub fn ws_url(&self) -> String {
        format!("ws://{}{WS_PATH}", self.listener.local_addr)
    }

    /// The next connected desktop; `None` if the listener failed.
    pub async fn accept(&mut self) -> Option<Accepted> {
        let (frames, peer) = self.listener.incoming.recv().await?;
        tracing::info!(addr = %peer.addr, origin = ?peer.origin, "bridge connected");
        let session = Session::new(frames, self.session.clone());
        if let Some(origin) = &peer.origin {
            session.span().record("url", origin.as_str());
        }
        if let Some(agent) = peer.query.get("agent") {
            session.span().record("agent", agent.as_str());
        }
        Some(Accepted { session, peer })
    }
}

async fn accept_loop(listener: TcpListener, config: AcceptorConfig, tx: mpsc::Sender<(AcceptedFrames, PeerInfo)>) {
    loop {
        let (stream, addr) = match listener.accept().await {
            Ok(pair) => pair,
            Err(e) => {
                // Out of file descriptors and the like: report and keep serving.
                tracing::warn!(error = %e, "accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let config = config.clone();
        let tx = tx.clone();
        tokio::spawn(async move {
            match tokio::time::timeout(config.handshake_timeout, handle(stream, addr, &config)).await {
                Ok(Ok(Some(accepted))) => {
                    if tx.send(accepted).await.is_err() {
                        tracing::debug!("acceptor dropped; closing the new session");
                    }
                }
                Ok(Ok(None)) => {}
                Ok(Err(e)) => tracing::debug!(%addr, error = %e, "connection refused"),
                Err(_) => tracing::debug!(%addr, "handshake timed out"),
            }
        });
    }
}

const MAX_HEAD: usize = 8 * 1024;

async fn handle(
    mut stream: TcpStream,
    addr: SocketAddr,
    config: &AcceptorConfig,
) -> Result<Option<(AcceptedFrames, PeerInfo)>, Error> {
    stream.set_nodelay(config.websocket.nodelay)?;
    let head = read_head(&mut stream).await?;
    let text = String::from_utf8_lossy(&head).into_owned();
    let mut lines = text.split("\r\n");
    let request_line = lines.next().unwrap_or_default();
    let mut parts = request_line.split(' ');
    let method = parts.next().unwrap_or_default();
    let target = parts.next().unwrap_or("/");
    let upgrade = lines.any(|line| {
        line.split_once(':').is_some_and(|(name, value)| {
            name.trim().eq_ignore_ascii_case("upgrade") && value.trim().eq_ignore_ascii_case("websocket")
        })
    });
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    if upgrade {
        let mut origin = None;
        // The signature is tungstenite's callback type; its error type is not ours to shrink.
        #[allow(clippy::result_large_err)]
        let callback = |request: &Request, response: Response| -> Result<Response, ErrorResponse> {
            origin = request.headers().get("origin").and_then(|v| v.to_str().ok()).map(str::to_owned);
            Ok(response)
        };
        let replay = AcceptedStream(Replay { head, pos: 0, inner: stream });
        let ws = accept_hdr_async_with_config(replay, callback, Some(config.websocket.config())).await?;
        let peer = PeerInfo { addr, origin, path: path.to_owned(), query: parse_query(query) };
        return Ok(Some((WsFrames::new(ws, &config.websocket), peer)));
    }
    let (status, content_type, body) = match (method, path) {
        ("GET" | "HEAD", "/" | "/bridge.html") => ("200 OK", "text/html; charset=utf-8", BRIDGE_HTML),
        ("GET" | "HEAD", "/bridge.js") => ("200 OK", "text/javascript; charset=utf-8", BRIDGE_JS),
        ("GET" | "HEAD", _) => ("404 Not Found", "text/plain; charset=utf-8", "not found\n"),
        _ => ("405 Method Not Allowed", "text/plain; charset=utf-8", "method not allowed\n"),
    };
    let mut response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nCache-Control: no-cache\r\nConnection: close\r\n\r\n",
        body.len()
    );
    if method != "HEAD" {
        response.push_str(body);
    }
    stream.write_all(response.as_bytes()).await?;
    stream.shutdown().await?;
    Ok(None)
}

async fn read_head(stream: &mut TcpStream) -> Result<Vec<u8>, Error> {
    let mut head = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    loop {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Err(Error::Io(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "connection closed in the request head",
            )));
        }
        head.extend_from_slice(&chunk[..n]);
        if head.windows(4).any(|w| w == b"\r\n\r\n") {
            return Ok(head);
        }
        if head.len() > MAX_HEAD {
            return Err(Error::Io(io::Error::new(io::ErrorKind::InvalidData, "request head too large")));
        }
    }
}

/// Decodes `a=1&b=x%20y` (`+` is a space); the last of a repeated name wins.
pub(crate) fn parse_query(query: &str) -> BTreeMap<String, String> {
    form_urlencoded::parse(query.as_bytes()).into_owned().collect()
}

/// The TCP stream with the request head, already read, replayed first.
struct Replay {
    head: Vec<u8>,
    pos: usize,
    inner: TcpStream,
}

impl AsyncRead for AcceptedStream {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl AsyncWrite for AcceptedStream {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }
}

impl AsyncRead for Replay {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        if this.pos < this.head.len() {
            let n = (this.head.len() - this.pos).min(buf.remaining());
            buf.put_slice(&this.head[this.pos..this.pos + n]);
            this.pos += n;
            if this.pos == this.head.len() {
                // Keep idle connections small.
                this.head = Vec::new();
                this.pos = 0;
            }
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut this.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for Replay {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_parameters_are_decoded() {
        let q = parse_query("agent=12%2034&targetOrigin=https%3A%2F%2Fw.example&flag&x=a+b&bad=%zz%4");
        assert_eq!(q["agent"], "12 34");
        assert_eq!(q["targetOrigin"], "https://w.example");
        assert_eq!(q["flag"], "");
        assert_eq!(q["x"], "a b");
        assert_eq!(q["bad"], "%zz%4");
    }

    /// `WsSettings::nodelay` reaches the accepted socket, either way.
    #[tokio::test]
    async fn the_nodelay_setting_is_applied_to_accepted_sockets() {
        for nodelay in [true, false] {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let url = format!("ws://{}/ws", listener.local_addr().unwrap());
            let client = tokio::spawn(async move { tokio_tungstenite::connect_async(url).await.map(|(ws, _)| ws) });
            let (stream, addr) = listener.accept().await.unwrap();
            let config = AcceptorConfig {
                websocket: WsSettings { nodelay, ..AcceptorConfig::default().websocket },
                ..AcceptorConfig::default()
            };
            let accepted = tokio::time::timeout(std::time::Duration::from_secs(10), handle(stream, addr, &config))
                .await
                .expect("handshaken in time")
                .unwrap();
            let Some((frames, _)) = accepted else { panic!("a WebSocket connection") };
            assert_eq!(frames.get_ref().0.inner.nodelay().unwrap(), nodelay);
            let _ = tokio::time::timeout(std::time::Duration::from_secs(10), client).await.expect("the client ends");
        }
    }
}
