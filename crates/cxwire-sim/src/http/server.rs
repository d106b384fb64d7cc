//! The HTTP/1.1 server (hyper 1 on tokio): accepts connections on a loopback address, reads each
//! request whole (bounded in size and time), routes it to GMS v1 or Engagement v3, and stops on
//! [`HttpSimHandle::shutdown`] or when the handle is dropped.

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming as Body};
use hyper::header::{CONTENT_LENGTH, CONTENT_TYPE, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};

use super::clock::Clock;
use super::config::HttpSimConfig;
use super::error::HttpSimError;
use super::state::HttpSimState;
use super::wire::{Incoming, Reply, decode_segment, query_pairs};
use super::{engagement_v3, gms_v1};

/// The path prefix of GMS v1.
pub const GMS_PREFIX: &str = "/genesys/1/service";
/// The path prefix of Engagement v3.
pub const ENGAGEMENT_PREFIX: &str = "/engagement/v3";

/// How long a client may take to send a request's headers, and then its body (the default of
/// `readTimeoutMs`, and the value of the other servers that share this code).
const READ_TIMEOUT: Duration = Duration::from_millis(super::config::DEFAULT_READ_TIMEOUT_MS);
/// How long a blocked write of an answer may wait for the client to read (the default of
/// `writeTimeoutMs`, and the value of the other servers that share this code).
const WRITE_TIMEOUT: Duration = Duration::from_millis(super::config::DEFAULT_WRITE_TIMEOUT_MS);
/// How long [`HttpSimHandle::shutdown`] lets open connections finish.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);
/// How much of an oversized body is read and discarded (so the client can read the 400) before
/// the connection is dropped.
const DRAIN_LIMIT: usize = 1024 * 1024;

/// Starts HTTP simulators.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), cxwire_sim::http::HttpSimError> {
/// use cxwire_sim::http::{HttpSim, HttpSimConfig, SystemClock};
///
/// let sim = HttpSim::start("127.0.0.1:0".parse().unwrap(), HttpSimConfig::default(), SystemClock).await?;
/// println!("GMS at {}, Engagement at {}", sim.gms_base_url(), sim.engagement_base_url());
/// assert!(sim.state().callbacks().is_empty());
/// sim.shutdown().await;
/// # Ok(()) }
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub struct HttpSim;

impl HttpSim {
    /// Validates `config` and serves it on `addr` (a loopback address; port 0 picks a free
    /// port), reading the time from `clock`. Needs a tokio runtime with I/O and time enabled.
    ///
    /// # Errors
    /// [`HttpSimError::Config`], [`HttpSimError::NotLoopback`], [`HttpSimError::Bind`].
    pub async fn start<C: Clock + 'static>(
        addr: SocketAddr,
        config: HttpSimConfig,
        clock: C,
    ) -> Result<HttpSimHandle, HttpSimError> {
        let state = HttpSimState::new(config, Arc::new(clock))?;
        Self::serve(addr, state).await
    }

    /// Serves an existing state on `addr` (for a caller that built the state itself, e.g. to
    /// share it with a control API before the server runs).
    ///
    /// # Errors
    /// [`HttpSimError::NotLoopback`], [`HttpSimError::Bind`].
    pub async fn serve(addr: SocketAddr, state: HttpSimState) -> Result<HttpSimHandle, HttpSimError> {
        if !addr.ip().is_loopback() {
            return Err(HttpSimError::NotLoopback(addr));
        }
        let listener = TcpListener::bind(addr).await.map_err(|source| HttpSimError::Bind { addr, source })?;
        let local_addr = listener.local_addr().map_err(|source| HttpSimError::Bind { addr, source })?;
        let (stop, stopped) = watch::channel(false);
        let handler_state = state.clone();
        let handler: Handler = Arc::new(move |request| {
            let state = handler_state.clone();
            Box::pin(async move { respond(&state, request).await })
        });
        let timeouts = ConnTimeouts {
            read: Duration::from_millis(state.config().read_timeout_ms),
            write: Duration::from_millis(state.config().write_timeout_ms),
        };
        let task = tokio::spawn(accept_loop_with(listener, handler, stopped, timeouts));
        tracing::debug!(%local_addr, "HTTP simulator listening");
        Ok(HttpSimHandle { local_addr, state, stop, task: Some(task) })
    }
}

/// A running HTTP simulator. Dropping it stops the server (open connections finish their
/// current exchange); [`shutdown`](Self::shutdown) also waits for that.
#[derive(Debug)]
pub struct HttpSimHandle {
    local_addr: SocketAddr,
    state: HttpSimState,
    stop: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl HttpSimHandle {
    /// The bound address.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// `http://{addr}`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.local_addr)
    }

    /// The GMS service root, `http://{addr}/genesys/1/service` (what `GmsV1Client` takes;
    /// callbacks of service `s` are at `{root}/callback/s`).
    pub fn gms_base_url(&self) -> String {
        format!("{}{GMS_PREFIX}", self.base_url())
    }

    /// The Engagement v3 base, `http://{addr}/engagement/v3`.
    pub fn engagement_base_url(&self) -> String {
        format!("{}{ENGAGEMENT_PREFIX}", self.base_url())
    }

    /// The shared state (callbacks, access numbers, configuration, clock), for a control API.
    pub fn state(&self) -> &HttpSimState {
        &self.state
    }

    /// Stops accepting, lets open connections finish their current exchange (at most a few
    /// seconds), and returns once the server is gone.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for HttpSimHandle {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

/// What answers each request of a connection.
pub(crate) type Handler =
    Arc<dyn Fn(Request<Body>) -> Pin<Box<dyn Future<Output = Response<Full<Bytes>>> + Send>> + Send + Sync>;

/// Serves HTTP/1.1 connections of `listener` with `handler` until `stopped` changes (or its
/// sender is dropped), then lets open connections finish for a few seconds.
pub(crate) async fn accept_loop(listener: TcpListener, handler: Handler, stopped: watch::Receiver<bool>) {
    accept_loop_with(listener, handler, stopped, ConnTimeouts::default()).await;
}

/// How long a client may be slow on one connection.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ConnTimeouts {
    /// To send each request's headers (from the connection's start or the previous answer).
    pub(crate) read: Duration,
    /// For a blocked write of an answer to make progress (a client that does not read).
    pub(crate) write: Duration,
}

impl Default for ConnTimeouts {
    fn default() -> Self {
        Self { read: READ_TIMEOUT, write: WRITE_TIMEOUT }
    }
}

/// [`accept_loop`] with these timeouts; a client that passes one is disconnected.
pub(crate) async fn accept_loop_with(
    listener: TcpListener,
    handler: Handler,
    mut stopped: watch::Receiver<bool>,
    timeouts: ConnTimeouts,
) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            // A send or the sender's drop both end the loop.
            _ = stopped.changed() => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    connections.spawn(serve_connection(stream, handler.clone(), stopped.clone(), timeouts));
                }
                Err(error) => {
                    // E.g. too many open files: back off briefly instead of spinning.
                    tracing::warn!(%error, "HTTP simulator: accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    drop(listener);
    let drained = tokio::time::timeout(SHUTDOWN_GRACE, async { while connections.join_next().await.is_some() {} });
    if drained.await.is_err() {
        connections.abort_all();
    }
}

async fn serve_connection(
    stream: TcpStream,
    handler: Handler,
    mut stopped: watch::Receiver<bool>,
    timeouts: ConnTimeouts,
) {
    let service = service_fn(move |request: Request<Body>| {
        let answer = handler(request);
        async move { Ok::<_, Infallible>(answer.await) }
    });
    let mut builder = http1::Builder::new();
    builder.timer(TokioTimer::new()).header_read_timeout(timeouts.read);
    let stream = WriteDeadline { inner: stream, timeout: timeouts.write, blocked: None };
    let connection = builder.serve_connection(TokioIo::new(stream), service);
    tokio::pin!(connection);
    tokio::select! {
        _ = connection.as_mut() => {}
        _ = stopped.changed() => {
            connection.as_mut().graceful_shutdown();
            let _ = connection.await;
        }
    }
}

/// A stream whose writes fail once they have been blocked for `timeout` in a row: a client that
/// stops reading its answers is disconnected instead of holding its task and buffers forever.
struct WriteDeadline {
    inner: TcpStream,
    timeout: Duration,
    /// Started when a write or flush first returns `Pending`; cleared by any progress.
    blocked: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl WriteDeadline {
    /// After the inner stream returned `Pending`: `Ready(error)` once the deadline has passed.
    fn poll_deadline<T>(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<T>> {
        let timeout = self.timeout;
        let blocked = self.blocked.get_or_insert_with(|| Box::pin(tokio::time::sleep(timeout)));
        match blocked.as_mut().poll(cx) {
            Poll::Ready(()) => {
                Poll::Ready(Err(io::Error::new(io::ErrorKind::TimedOut, "the client did not read its answer in time")))
            }
            Poll::Pending => Poll::Pending,
        }
    }

    fn progress<T>(&mut self, cx: &mut Context<'_>, poll: Poll<io::Result<T>>) -> Poll<io::Result<T>> {
        match poll {
            Poll::Pending => self.poll_deadline(cx),
            ready => {
                self.blocked = None;
                ready
            }
        }
    }
}

impl AsyncRead for WriteDeadline {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for WriteDeadline {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let poll = Pin::new(&mut this.inner).poll_write(cx, buf);
        this.progress(cx, poll)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let poll = Pin::new(&mut this.inner).poll_write_vectored(cx, bufs);
        this.progress(cx, poll)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let poll = Pin::new(&mut this.inner).poll_flush(cx);
        this.progress(cx, poll)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let poll = Pin::new(&mut this.inner).poll_shutdown(cx);
        this.progress(cx, poll)
    }
}

/// Which API a path belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Api {
    GmsV1,
    EngagementV3,
    /// Neither prefix: 404 in the GMS shape.
    Unknown,
}

fn split_path(path: &str) -> (Api, Vec<String>) {
    let segments: Vec<String> = path.split('/').filter(|s| !s.is_empty()).map(decode_segment).collect();
    match segments.as_slice() {
        [a, b, c, ..] if a == "genesys" && b == "1" && c == "service" => (Api::GmsV1, segments[3..].to_vec()),
        [a, b, ..] if a == "engagement" && b == "v3" => (Api::EngagementV3, segments[2..].to_vec()),
        _ => (Api::Unknown, Vec::new()),
    }
}

async fn respond(state: &HttpSimState, request: Request<Body>) -> Response<Full<Bytes>> {
    let (parts, body) = request.into_parts();
    let reply = if parts.method == Method::OPTIONS {
        Reply::empty(StatusCode::NO_CONTENT)
            .header("access-control-allow-methods", "GET, POST, PUT, DELETE, OPTIONS")
            .header("access-control-allow-headers", "content-type, x-api-key")
            .header("access-control-max-age", "600")
    } else {
        let (api, segments) = split_path(parts.uri.path());
        if api == Api::Unknown {
            gms_v1::error(StatusCode::NOT_FOUND, gms_v1::NOT_FOUND, "No such resource")
        } else if api == Api::EngagementV3 && !engagement_v3::authorized(state, &parts.headers) {
            engagement_v3::unauthorized(state)
        } else {
            let config = state.config();
            let read_timeout = Duration::from_millis(config.read_timeout_ms);
            match read_body_within(body, &parts.headers, config.max_body_bytes, read_timeout).await {
                Err(refused) => {
                    let status = refused.status();
                    let message = refused.to_string();
                    match api {
                        Api::EngagementV3 => engagement_v3::error(state, status, &message),
                        _ => gms_v1::error(status, gms_v1::INVALID_PARAMETER, message),
                    }
                }
                Ok(body) => {
                    let incoming = Incoming {
                        method: parts.method,
                        segments,
                        query: query_pairs(parts.uri.query()),
                        headers: parts.headers,
                        body,
                    };
                    match api {
                        Api::EngagementV3 => engagement_v3::handle(state, &incoming),
                        _ => gms_v1::handle(state, &incoming),
                    }
                }
            }
        }
    };
    into_response(reply)
}

/// Reads the whole body, at most `limit` bytes, within [`READ_TIMEOUT`]. An oversized body is
/// read on (and discarded) up to [`DRAIN_LIMIT`] more bytes so that the client gets the answer.
pub(crate) async fn read_body(body: Body, headers: &hyper::HeaderMap, limit: usize) -> Result<Vec<u8>, String> {
    read_body_within(body, headers, limit, READ_TIMEOUT).await.map_err(|refused| refused.to_string())
}

/// Why a request body was not taken.
#[derive(Debug)]
pub(crate) enum BodyRefused {
    /// Over the limit (413).
    TooLarge(usize),
    /// Not received within the read timeout (408).
    TooSlow,
    /// The connection failed mid-body (400).
    Unreadable(String),
}

impl BodyRefused {
    /// The HTTP status that answers it.
    pub(crate) fn status(&self) -> StatusCode {
        match self {
            Self::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::TooSlow => StatusCode::REQUEST_TIMEOUT,
            Self::Unreadable(_) => StatusCode::BAD_REQUEST,
        }
    }
}

impl std::fmt::Display for BodyRefused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::TooLarge(limit) => write!(f, "The request body exceeds {limit} bytes"),
            Self::TooSlow => f.write_str("The request body was not received in time"),
            Self::Unreadable(error) => write!(f, "The request body cannot be read: {error}"),
        }
    }
}

/// Reads the whole body, at most `limit` bytes, within `timeout`, whether or not it has a
/// `Content-Length`. An oversized body is read on (and discarded) up to [`DRAIN_LIMIT`] more
/// bytes, so that the client can read the answer, and no further: hyper then closes the
/// connection after the answer.
pub(crate) async fn read_body_within(
    mut body: Body,
    headers: &hyper::HeaderMap,
    limit: usize,
    timeout: Duration,
) -> Result<Vec<u8>, BodyRefused> {
    let declared = headers.get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    let declared_too_big = declared.is_some_and(|n| n > limit as u64);
    let read = async {
        let mut out = Vec::new();
        let mut seen = 0_usize;
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(|e| BodyRefused::Unreadable(e.to_string()))?;
            let Ok(data) = frame.into_data() else { continue };
            seen = seen.saturating_add(data.len());
            if seen > limit.saturating_add(DRAIN_LIMIT) {
                break;
            }
            if seen <= limit && !declared_too_big {
                out.extend_from_slice(&data);
            }
        }
        if seen > limit || declared_too_big { Err(BodyRefused::TooLarge(limit)) } else { Ok(out) }
    };
    match tokio::time::timeout(timeout, read).await {
        Ok(result) => result,
        Err(_) => Err(BodyRefused::TooSlow),
    }
}

fn into_response(reply: Reply) -> Response<Full<Bytes>> {
    let has_body = reply.body.is_some();
    let mut response = Response::new(Full::new(Bytes::from(reply.body.unwrap_or_default())));
    *response.status_mut() = reply.status;
    let headers = response.headers_mut();
    if has_body {
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    }
    headers.insert("access-control-allow-origin", HeaderValue::from_static("*"));
    for (name, value) in reply.headers {
        headers.insert(name, value);
    }
    response
}
