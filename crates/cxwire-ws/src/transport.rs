//! Frame transports: anything that is a `Stream` of incoming text frames and a `Sink` of outgoing
//! ones. The WebSocket adapter, the acceptor's connections and in-memory test doubles all plug
//! into the same session.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use futures_util::{Sink, Stream};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::mpsc;
use tokio::time::{Instant, Interval};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::error::CapacityError;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::protocol::frame::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{Bytes, Error as WsError, Message};

use crate::Error;

/// A bidirectional transport of JSON text frames.
///
/// Implemented for every `Stream<Item = Result<String, Error>> + Sink<String, Error = Error>`.
pub trait FrameTransport:
    Stream<Item = Result<String, Error>> + Sink<String, Error = Error> + Send + Unpin + 'static
{
}

impl<T> FrameTransport for T where
    T: Stream<Item = Result<String, Error>> + Sink<String, Error = Error> + Send + Unpin + 'static
{
}

/// The default largest frame accepted or sent: 16 MiB (a desktop's user data can be large;
/// the seeds set no limit).
pub const DEFAULT_MAX_FRAME: usize = 16 << 20;

/// The WebSocket close code for a message larger than the receiver's limit (RFC 6455: 1009).
pub const CLOSE_MESSAGE_TOO_BIG: u16 = 1009;
/// The WebSocket close code for a policy violation (RFC 6455: 1008).
pub const CLOSE_POLICY_VIOLATION: u16 = 1008;

/// WebSocket settings shared by `connect` and the acceptor.
#[derive(Clone, Debug)]
pub struct WsSettings {
    /// Largest message read from the peer (default [`DEFAULT_MAX_FRAME`]). A larger one is not
    /// read: the connection is closed with close code 1009 ("message too big") and a reason,
    /// the stream ends with [`Error::MessageTooBig`], and what the peer still sends is drained
    /// for up to `close_timeout` so that the peer reads the close frame instead of a reset.
    pub max_frame: usize,
    /// How often to ping an otherwise idle peer (default 15 s).
    pub ping_interval: Duration,
    /// How long without any traffic (pong included) before the peer is considered gone
    /// (default 45 s). Checked at each ping tick, so a silent peer is detected between
    /// `idle_timeout` and `idle_timeout + ping_interval` after its last frame.
    pub idle_timeout: Duration,
    /// Read buffer size per connection; small buffers keep idle connections cheap (default 4 KiB).
    pub read_buffer: usize,
    /// Longest time [`connect`](crate::connect) (and each reconnection) may take for the TCP
    /// connection and the WebSocket upgrade together (default 10 s); past it the attempt fails
    /// with [`Error::HandshakeTimeout`].
    pub handshake_timeout: Duration,
    /// Longest time spent closing a connection after a limit was hit (default 2 s).
    pub close_timeout: Duration,
    /// `TCP_NODELAY` on the socket (default true, as browsers set it): each write batch leaves
    /// at once, so a lone call never waits on the network. With false the kernel holds a small
    /// write while earlier data is unacknowledged and sends it with what follows (Nagle's
    /// algorithm, tokio-tungstenite's default): fewer, larger segments when many calls are in
    /// flight (about 7% more throughput with 64 in flight on loopback), at the cost of up to one
    /// round trip, plus the peer's delayed acknowledgement, for a call that follows another
    /// still unacknowledged.
    pub nodelay: bool,
}

impl Default for WsSettings {
    fn default() -> Self {
        Self {
            max_frame: DEFAULT_MAX_FRAME,
            ping_interval: Duration::from_secs(15),
            idle_timeout: Duration::from_secs(45),
            read_buffer: 4 * 1024,
            handshake_timeout: Duration::from_secs(10),
            close_timeout: Duration::from_secs(2),
            nodelay: true,
        }
    }
}

impl WsSettings {
    pub(crate) fn config(&self) -> WebSocketConfig {
        WebSocketConfig::default()
            .read_buffer_size(self.read_buffer)
            .max_message_size(Some(self.max_frame))
            .max_frame_size(Some(self.max_frame))
    }
}

/// A WebSocket connection as a [`FrameTransport`]: text frames in and out, binary frames that
/// are UTF-8 accepted as text, pings answered, and a keepalive that pings an idle peer and ends
/// the stream with an error when nothing comes back within the idle timeout.
pub struct WsFrames<S> {
    inner: WebSocketStream<S>,
    ping: Interval,
    /// When traffic was last noted: at the first ping tick after it (a clock read per tick, not
    /// per frame), which may be up to one `ping_interval` late.
    last_seen: Instant,
    /// Whether a frame came since the last tick.
    seen: bool,
    idle_timeout: Duration,
    ping_pending: bool,
    close_timeout: Duration,
    /// Set once a limit was hit: the connection is being closed.
    closing: Option<Box<Closing>>,
}

/// A connection being closed because the peer sent a message over the limit.
struct Closing {
    /// The close frame, until it is handed to the WebSocket layer.
    frame: Option<CloseFrame>,
    flushed: bool,
    deadline: Pin<Box<tokio::time::Sleep>>,
    /// The error the stream ends with, until it is returned.
    error: Option<Error>,
}

impl<S: AsyncRead + AsyncWrite + Unpin> WsFrames<S> {
    pub(crate) fn new(inner: WebSocketStream<S>, settings: &WsSettings) -> Self {
        let mut ping = tokio::time::interval_at(Instant::now() + settings.ping_interval, settings.ping_interval);
        ping.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        Self {
            inner,
            ping,
            last_seen: Instant::now(),
            seen: false,
            idle_timeout: settings.idle_timeout,
            ping_pending: false,
            close_timeout: settings.close_timeout,
            closing: None,
        }
    }

    /// The underlying stream.
    #[cfg(test)]
    pub(crate) fn get_ref(&self) -> &S {
        self.inner.get_ref()
    }

    /// Closes the connection with a close frame of `code` (e.g. 1008, policy violation) and
    /// `reason` (cut to the 123 bytes a close frame can carry), and flushes it.
    ///
    /// # Errors
    /// The connection failed before the close handshake ended.
    pub async fn close_with(mut self, code: u16, reason: &str) -> Result<(), Error> {
        self.inner.close(Some(close_frame(code, reason))).await.map_err(Error::from)
    }

    /// Starts closing after the peer sent a message of `size` bytes over the limit.
    fn too_big(&mut self, size: usize, limit: usize) {
        let reason = format!("message of {size} bytes exceeds the limit of {limit} bytes");
        tracing::warn!(size, limit, "closing a connection whose peer sent an oversized message");
        self.closing = Some(Box::new(Closing {
            frame: Some(close_frame(CLOSE_MESSAGE_TOO_BIG, &reason)),
            flushed: false,
            deadline: Box::pin(tokio::time::sleep(self.close_timeout)),
            error: Some(Error::MessageTooBig { size, limit }),
        }));
    }

    /// Sends the close frame, drains what the peer still sends (so that closing the socket
    /// does not reset it before the peer reads the close frame), then ends the stream with the
    /// error. Bounded by the close timeout.
    fn poll_closing(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<String, Error>>> {
        let Some(closing) = self.closing.as_mut() else { return Poll::Ready(None) };
        if closing.error.is_none() {
            return Poll::Ready(None);
        }
        let expired = closing.deadline.as_mut().poll(cx).is_ready();
        let mut done = expired;
        if !done && let Some(frame) = closing.frame.take() {
            match Pin::new(&mut self.inner).poll_ready(cx) {
                Poll::Ready(Ok(())) => {
                    if Pin::new(&mut self.inner).start_send(Message::Close(Some(frame))).is_err() {
                        done = true;
                    }
                }
                Poll::Ready(Err(_)) => done = true,
                Poll::Pending => {
                    closing.frame = Some(frame);
                    return Poll::Pending;
                }
            }
        }
        if !done && !closing.flushed {
            match Pin::new(&mut self.inner).poll_flush(cx) {
                Poll::Ready(Ok(())) => closing.flushed = true,
                Poll::Ready(Err(_)) => done = true,
                Poll::Pending => return Poll::Pending,
            }
        }
        let mut buf = [0u8; 8192];
        while !done {
            let mut read = ReadBuf::new(&mut buf);
            match Pin::new(self.inner.get_mut()).poll_read(cx, &mut read) {
                Poll::Ready(Ok(())) if !read.filled().is_empty() => {}
                Poll::Ready(_) => done = true,
                Poll::Pending => return Poll::Pending,
            }
        }
        Poll::Ready(closing.error.take().map(Err))
    }

    fn poll_keepalive(&mut self, cx: &mut Context<'_>) -> Result<(), Error> {
        while let Poll::Ready(tick) = self.ping.poll_tick(cx) {
            if std::mem::take(&mut self.seen) {
                self.last_seen = tick;
            }
            if self.last_seen.elapsed() >= self.idle_timeout {
                return Err(Error::websocket(format!("no traffic from the peer for {:?}", self.idle_timeout)));
            }
            self.ping_pending = true;
        }
        if self.ping_pending {
            match Pin::new(&mut self.inner).poll_ready(cx) {
                Poll::Ready(Ok(())) => {
                    self.ping_pending = false;
                    Pin::new(&mut self.inner).start_send(Message::Ping(Bytes::new()))?;
                    // Flushing may stay pending; the session flushes after every write batch.
                    let _ = Pin::new(&mut self.inner).poll_flush(cx);
                }
                Poll::Ready(Err(e)) => return Err(e.into()),
                Poll::Pending => {}
            }
        }
        Ok(())
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> Stream for WsFrames<S> {
    type Item = Result<String, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if this.closing.is_some() {
            return this.poll_closing(cx);
        }
        loop {
            // The keepalive is polled only before the stream waits: a peer whose frames keep
            // coming is not idle, and its frames cost no timer poll each.
            let message = match Pin::new(&mut this.inner).poll_next(cx) {
                Poll::Ready(Some(message)) => message,
                Poll::Ready(None) => return Poll::Ready(None),
                Poll::Pending => {
                    if let Err(e) = this.poll_keepalive(cx) {
                        return Poll::Ready(Some(Err(e)));
                    }
                    return Poll::Pending;
                }
            };
            if let Err(WsError::Capacity(CapacityError::MessageTooLong { size, max_size })) = message {
                this.too_big(size, max_size);
                return this.poll_closing(cx);
            }
            this.seen = true;
            match message {
                Ok(Message::Text(text)) => return Poll::Ready(Some(Ok(text.as_str().to_owned()))),
                Ok(Message::Binary(bytes)) => match String::from_utf8(bytes.to_vec()) {
                    Ok(text) => return Poll::Ready(Some(Ok(text))),
                    Err(_) => tracing::warn!(len = bytes.len(), "dropped a binary frame that is not UTF-8"),
                },
                Ok(Message::Close(_)) => return Poll::Ready(None),
                Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_)) => {}
                Err(e) => return Poll::Ready(Some(Err(e.into()))),
            }
        }
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> Sink<String> for WsFrames<S> {
    type Error = Error;

    fn poll_ready(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        Pin::new(&mut self.inner).poll_ready(cx).map_err(Error::from)
    }

    fn start_send(mut self: Pin<&mut Self>, item: String) -> Result<(), Error> {
        Pin::new(&mut self.inner).start_send(Message::text(item)).map_err(Error::from)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        Pin::new(&mut self.inner).poll_flush(cx).map_err(Error::from)
    }

    fn poll_close(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        Pin::new(&mut self.inner).poll_close(cx).map_err(Error::from)
    }
}

/// A close frame of `code` with `reason` cut to the 123 bytes a close frame can carry.
fn close_frame(code: u16, reason: &str) -> CloseFrame {
    let mut end = reason.len().min(123);
    while !reason.is_char_boundary(end) {
        end -= 1;
    }
    CloseFrame { code: CloseCode::from(code), reason: reason[..end].to_owned().into() }
}

type Reserve = Pin<Box<dyn Future<Output = Result<mpsc::OwnedPermit<String>, mpsc::error::SendError<()>>> + Send>>;

/// One end of an in-memory transport made by [`memory_pair`].
pub struct MemoryTransport {
    tx: Option<mpsc::Sender<String>>,
    rx: mpsc::Receiver<String>,
    pending: Option<String>,
    reserve: Option<Reserve>,
}

/// Two connected in-memory transports (bounded, `capacity` frames each way): for tests and for
/// embedding a session next to a simulator in one process. Dropping one end ends the other's
/// stream.
pub fn memory_pair(capacity: usize) -> (MemoryTransport, MemoryTransport) {
    let (a_tx, b_rx) = mpsc::channel(capacity.max(1));
    let (b_tx, a_rx) = mpsc::channel(capacity.max(1));
    (
        MemoryTransport { tx: Some(a_tx), rx: a_rx, pending: None, reserve: None },
        MemoryTransport { tx: Some(b_tx), rx: b_rx, pending: None, reserve: None },
    )
}

impl Stream for MemoryTransport {
    type Item = Result<String, Error>;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.rx.poll_recv(cx).map(|o| o.map(Ok))
    }
}

impl Sink<String> for MemoryTransport {
    type Error = Error;

    fn poll_ready(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        // One frame may wait here; poll_flush moves it into the channel.
        if self.pending.is_some() {
            ready!(self.as_mut().poll_flush(cx))?;
        }
        Poll::Ready(Ok(()))
    }

    fn start_send(mut self: Pin<&mut Self>, item: String) -> Result<(), Error> {
        self.pending = Some(item);
        Ok(())
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        let this = &mut *self;
        if this.pending.is_none() {
            return Poll::Ready(Ok(()));
        }
        let Some(tx) = &this.tx else { return Poll::Ready(Err(Error::Disconnected)) };
        let reserve = this.reserve.get_or_insert_with(|| Box::pin(tx.clone().reserve_owned()));
        let permit = ready!(reserve.as_mut().poll(cx));
        this.reserve = None;
        match (permit, this.pending.take()) {
            (Ok(permit), Some(item)) => {
                permit.send(item);
                Poll::Ready(Ok(()))
            }
            (Ok(_), None) => Poll::Ready(Ok(())),
            (Err(_), _) => Poll::Ready(Err(Error::Disconnected)),
        }
    }

    fn poll_close(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        ready!(self.as_mut().poll_flush(cx))?;
        self.tx = None;
        Poll::Ready(Ok(()))
    }
}
