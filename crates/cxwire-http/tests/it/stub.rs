//! A small local HTTP/1.1 stub server on 127.0.0.1 for the tests: it records every request and
//! answers with what a handler returns. It runs on its own thread and runtime, so tests may pause
//! their own clock.

use std::collections::BTreeMap;
use std::future::Future;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::{oneshot, watch};

/// A request the stub received.
#[derive(Clone, Debug)]
pub(crate) struct Recorded {
    pub(crate) method: String,
    pub(crate) path: String,
    pub(crate) query: BTreeMap<String, String>,
    pub(crate) headers: BTreeMap<String, String>,
    pub(crate) body: String,
}

impl Recorded {
    /// The body as JSON (Null when empty or not JSON).
    pub(crate) fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }
}

/// What the stub answers.
#[derive(Clone, Debug)]
pub(crate) struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
    behaviour: Behaviour,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Behaviour {
    Answer,
    /// Never answer (until the stub stops).
    Hang,
    /// Close the connection without answering.
    Abort,
}

impl Reply {
    pub(crate) fn json(status: u16, body: impl Into<String>) -> Self {
        Self {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.into(),
            behaviour: Behaviour::Answer,
        }
    }

    /// A fixture of `tests/fixtures/` as the body.
    pub(crate) fn fixture(status: u16, rel: &str) -> Self {
        Self::json(status, fixture_text(rel))
    }

    pub(crate) fn empty(status: u16) -> Self {
        Self { status, headers: vec![], body: String::new(), behaviour: Behaviour::Answer }
    }

    pub(crate) fn text(status: u16, body: &str) -> Self {
        Self {
            status,
            headers: vec![("content-type".into(), "text/plain".into())],
            body: body.into(),
            behaviour: Behaviour::Answer,
        }
    }

    pub(crate) fn hang() -> Self {
        Self { behaviour: Behaviour::Hang, ..Self::empty(200) }
    }

    pub(crate) fn abort() -> Self {
        Self { behaviour: Behaviour::Abort, ..Self::empty(200) }
    }

    pub(crate) fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }
}

pub(crate) fn fixture_text(rel: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures").join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

pub(crate) fn fixture(rel: &str) -> Value {
    serde_json::from_str(&fixture_text(rel)).unwrap()
}

type Handler = Arc<dyn Fn(&Recorded) -> Reply + Send + Sync>;

/// A misbehaving peer: after reading each request (head and `Content-Length` body), the stub
/// writes raw bytes instead of an HTTP answer.
#[derive(Clone, Debug)]
pub(crate) enum Raw {
    /// Accepts and reads, never writes a byte.
    Silent,
    /// Writes these bytes, then closes the connection.
    Close(Vec<u8>),
    /// Writes these bytes, then keeps the connection open without writing more.
    Stall(Vec<u8>),
    /// Writes `head` (status line and headers), then streams `total` body bytes (generated, never
    /// allocated whole), in chunked encoding when `chunked`, until done or the peer hangs up.
    Flood { head: Vec<u8>, total: u64, chunked: bool },
    /// Writes `head` (with `transfer-encoding: chunked`), then a one-byte chunk every `every`,
    /// forever.
    Dribble { head: Vec<u8>, every: Duration },
}

/// What a stub does with a connection.
#[derive(Clone)]
enum Mode {
    Http(Handler),
    Raw(Raw),
}

/// A running stub; stops when dropped.
pub(crate) struct Stub {
    pub(crate) addr: SocketAddr,
    log: Arc<Mutex<Vec<Recorded>>>,
    written: Arc<AtomicU64>,
    ended: watch::Receiver<bool>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Stub {
    pub(crate) fn start(handler: impl Fn(&Recorded) -> Reply + Send + Sync + 'static) -> Self {
        Self::launch(Mode::Http(Arc::new(handler)))
    }

    /// A stub that misbehaves as `raw` on every connection (see [`Raw`]).
    pub(crate) fn raw(raw: Raw) -> Self {
        Self::launch(Mode::Raw(raw))
    }

    fn launch(mode: Mode) -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let log = Arc::new(Mutex::new(Vec::new()));
        let written = Arc::new(AtomicU64::new(0));
        let (end, ended) = watch::channel(false);
        let counters = Counters { written: written.clone(), ended: Arc::new(end) };
        let (stop, stopped) = oneshot::channel();
        let thread_log = log.clone();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            rt.block_on(serve(listener, mode, thread_log, counters, stopped));
        });
        Self { addr, log, written, ended, stop: Some(stop), thread: Some(thread) }
    }

    /// Resolves once a [`Raw::Flood`] stub has stopped writing (done, or the peer hung up).
    pub(crate) async fn flood_ended(&self) {
        let mut ended = self.ended.clone();
        let _ = ended.wait_for(|&ended| ended).await;
    }

    /// The body bytes a [`Raw::Flood`] stub has written so far (accepted by the socket).
    pub(crate) fn written(&self) -> u64 {
        self.written.load(Ordering::SeqCst)
    }

    /// Answers every request with the replies in order (the last one repeats).
    pub(crate) fn sequence(replies: Vec<Reply>) -> Self {
        let count = AtomicUsize::new(0);
        Self::start(move |_| {
            let i = count.fetch_add(1, Ordering::SeqCst);
            replies[i.min(replies.len() - 1)].clone()
        })
    }

    /// Answers every request the same.
    pub(crate) fn always(reply: Reply) -> Self {
        Self::start(move |_| reply.clone())
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    pub(crate) fn requests(&self) -> Vec<Recorded> {
        self.log.lock().unwrap().clone()
    }

    pub(crate) fn only_request(&self) -> Recorded {
        let mut requests = self.requests();
        assert_eq!(requests.len(), 1, "expected one request, got {requests:#?}");
        requests.remove(0)
    }
}

impl Drop for Stub {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

async fn serve(
    listener: std::net::TcpListener,
    mode: Mode,
    log: Arc<Mutex<Vec<Recorded>>>,
    counters: Counters,
    mut stopped: oneshot::Receiver<()>,
) {
    let listener = tokio::net::TcpListener::from_std(listener).unwrap();
    loop {
        let stream = tokio::select! {
            _ = &mut stopped => return,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(_) => continue,
            },
        };
        let handler = match &mode {
            Mode::Http(handler) => handler.clone(),
            Mode::Raw(raw) => {
                tokio::spawn(misbehave(stream, raw.clone(), log.clone(), counters.clone()));
                continue;
            }
        };
        let log = log.clone();
        tokio::spawn(async move {
            let service = service_fn(move |request: Request<Incoming>| {
                let handler = handler.clone();
                let log = log.clone();
                async move {
                    let recorded = record(request).await;
                    log.lock().unwrap().push(recorded.clone());
                    let reply = handler(&recorded);
                    match reply.behaviour {
                        Behaviour::Hang => std::future::pending::<()>().await,
                        Behaviour::Abort => return Err("abort"),
                        Behaviour::Answer => {}
                    }
                    let mut response = Response::builder().status(reply.status);
                    for (name, value) in &reply.headers {
                        response = response.header(name, value);
                    }
                    Ok::<_, &str>(response.body(Full::new(Bytes::from(reply.body))).unwrap())
                }
            });
            let _ = http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
        });
    }
}

async fn record(request: Request<Incoming>) -> Recorded {
    let (parts, body) = request.into_parts();
    let body = body.collect().await.map(|b| b.to_bytes()).unwrap_or_default();
    let query =
        parts.uri.query().map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect()).unwrap_or_default();
    Recorded {
        method: parts.method.to_string(),
        path: parts.uri.path().to_owned(),
        query,
        headers: parts
            .headers
            .iter()
            .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
            .collect(),
        body: String::from_utf8_lossy(&body).into_owned(),
    }
}

/// What a misbehaving stub reports: body bytes written, and the end of a flood.
#[derive(Clone)]
struct Counters {
    written: Arc<AtomicU64>,
    ended: Arc<watch::Sender<bool>>,
}

/// Serves one connection as `raw`.
async fn misbehave(mut stream: tokio::net::TcpStream, raw: Raw, log: Arc<Mutex<Vec<Recorded>>>, counters: Counters) {
    let Some(recorded) = read_request(&mut stream).await else { return };
    log.lock().unwrap().push(recorded);
    match raw {
        Raw::Silent => {
            let mut sink = [0_u8; 1024];
            while matches!(stream.read(&mut sink).await, Ok(n) if n > 0) {}
            std::future::pending::<()>().await;
        }
        Raw::Close(bytes) => {
            let _ = stream.write_all(&bytes).await;
            let _ = stream.shutdown().await;
        }
        Raw::Stall(bytes) => {
            let _ = stream.write_all(&bytes).await;
            std::future::pending::<()>().await;
        }
        Raw::Dribble { head, every } => {
            if stream.write_all(&head).await.is_err() {
                return;
            }
            loop {
                tokio::time::sleep(every).await;
                if stream.write_all(b"1\r\n \r\n").await.is_err() {
                    return;
                }
                counters.written.fetch_add(1, Ordering::SeqCst);
            }
        }
        Raw::Flood { head, total, chunked } => {
            flood(&mut stream, &head, total, chunked, &counters.written).await;
            counters.ended.send_replace(true);
        }
    }
}

/// Writes `head` and `total` body bytes; returns at the end or when a write fails.
async fn flood(stream: &mut tokio::net::TcpStream, head: &[u8], total: u64, chunked: bool, written: &AtomicU64) {
    if stream.write_all(head).await.is_err() {
        return;
    }
    let block = vec![b' '; 64 * 1024];
    let mut sent = 0_u64;
    while sent < total {
        let n = block.len().min(usize::try_from(total - sent).unwrap());
        let ok = if chunked {
            let size = format!("{n:x}\r\n");
            stream.write_all(size.as_bytes()).await.is_ok()
                && stream.write_all(&block[..n]).await.is_ok()
                && stream.write_all(b"\r\n").await.is_ok()
        } else {
            stream.write_all(&block[..n]).await.is_ok()
        };
        if !ok {
            return;
        }
        sent += n as u64;
        written.fetch_add(n as u64, Ordering::SeqCst);
    }
    if chunked {
        let _ = stream.write_all(b"0\r\n\r\n").await;
    }
}

/// Reads a request head (at most 64 KiB) and its `Content-Length` body.
async fn read_request(stream: &mut tokio::net::TcpStream) -> Option<Recorded> {
    let mut data = Vec::new();
    let mut buf = [0_u8; 4096];
    let end = loop {
        if let Some(i) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        if data.len() > 64 * 1024 {
            return None;
        }
        let n = stream.read(&mut buf).await.ok().filter(|&n| n > 0)?;
        data.extend_from_slice(&buf[..n]);
    };
    let head = String::from_utf8_lossy(&data[..end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut start = lines.next()?.split(' ');
    let (method, target) = (start.next()?.to_owned(), start.next()?.to_owned());
    let headers: BTreeMap<String, String> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let length: usize = headers.get("content-length").and_then(|v| v.parse().ok()).unwrap_or(0);
    while data.len() < end + length {
        let n = stream.read(&mut buf).await.ok().filter(|&n| n > 0)?;
        data.extend_from_slice(&buf[..n]);
    }
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    Some(Recorded {
        method,
        path: path.to_owned(),
        query: form_urlencoded::parse(query.as_bytes()).into_owned().collect(),
        headers,
        body: String::from_utf8_lossy(&data[end..]).into_owned(),
    })
}

/// Runs a test body with a real-time limit.
pub(crate) async fn limit<F: Future>(future: F) -> F::Output {
    tokio::time::timeout(Duration::from_secs(20), future).await.expect("test took more than 20 s")
}
