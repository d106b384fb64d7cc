//! The one error type of the crate.

use std::time::Duration;

/// Why a call, a subscription or a connection failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// No answer within the call's timeout (10 s by default, like the vendor library).
    #[error("request `{request}` timed out after {timeout:?}")]
    Timeout {
        /// The request name.
        request: String,
        /// The timeout that elapsed.
        timeout: Duration,
    },
    /// The Workspace answered with an `errorMessage`.
    #[error("request `{request}` rejected by the Workspace: {}", message.as_deref().unwrap_or("(no message)"))]
    Rejected {
        /// The request name.
        request: String,
        /// The `errorMessage` (`None` when it was `null`).
        message: Option<String>,
    },
    /// The request type is rate limited by the Workspace's security options.
    #[error("request `{request}` is rate limited; requests of type `{limited}` are ignored for {}", quarantine.map_or("ever".to_owned(), |s| format!("{s} s")))]
    RateLimited {
        /// The request that was refused.
        request: String,
        /// The request type the Workspace quarantined (named in its message).
        limited: String,
        /// How long the Workspace ignores that type; `None` means forever.
        quarantine: Option<u64>,
    },
    /// The connection ended (or was not up) before the answer arrived.
    #[error("disconnected from the Workspace")]
    Disconnected,
    /// The answer arrived but its `data` does not have the documented shape.
    #[error("undecodable answer to `{request}`: {source}")]
    Undecodable {
        /// The request name.
        request: String,
        /// What was wrong, with its JSON path.
        source: cxwire_model::DecodeError,
        /// The answer frame as received, re-encoded.
        raw: String,
    },
    /// A frame to send is larger than the session's frame size limit.
    #[error("frame of {size} bytes exceeds the limit of {limit} bytes")]
    FrameTooLarge {
        /// The frame size.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// The peer sent a message larger than [`WsSettings::max_frame`](crate::WsSettings): the
    /// connection was closed with close code 1009 and this reason.
    #[error("the peer sent a message of {size} bytes, over the limit of {limit} bytes (closed with 1009)")]
    MessageTooBig {
        /// The message size the peer announced.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// An answer arrived larger than [`SessionConfig::max_frame`](crate::SessionConfig): it
    /// was dropped unread, and the call fails with this error (the connection stays up).
    #[error("the answer to `{request}` is {size} bytes, over the session's limit of {limit} bytes")]
    AnswerTooLarge {
        /// The request name.
        request: String,
        /// The answer frame's size.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// The TCP connection and WebSocket upgrade took longer than
    /// [`WsSettings::handshake_timeout`](crate::WsSettings).
    #[error("no WebSocket handshake with `{url}` within {timeout:?}")]
    HandshakeTimeout {
        /// The URL.
        url: String,
        /// The timeout that elapsed.
        timeout: Duration,
    },
    /// The WebSocket could not be opened or failed; `source` is the underlying error when there
    /// is one (e.g. the WebSocket library's, or the encoder's).
    #[error("WebSocket: {message}")]
    WebSocket {
        /// What went wrong.
        message: String,
        /// The underlying error, if any.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
    },
    /// An I/O error (binding, accepting).
    #[error("I/O: {0}")]
    Io(#[from] std::io::Error),
    /// A request frame handed to [`Session::forward`](crate::Session::forward) cannot be sent:
    /// not a JSON object naming its `request`, or a request the session keeps to itself.
    #[error("cannot forward this request frame: {reason}")]
    InvalidFrame {
        /// Why.
        reason: String,
    },
    /// A URL or address could not be used.
    #[error("invalid URL `{url}`: {reason}")]
    InvalidUrl {
        /// The URL.
        url: String,
        /// Why.
        reason: String,
    },
}

impl Error {
    /// [`Error::WebSocket`] without an underlying error.
    pub(crate) fn websocket(message: impl Into<String>) -> Self {
        Self::WebSocket { message: message.into(), source: None }
    }

    /// [`Error::WebSocket`] that keeps `source` (its text is the message).
    pub(crate) fn websocket_source(source: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::WebSocket { message: source.to_string(), source: Some(Box::new(source)) }
    }
}

impl From<tokio_tungstenite::tungstenite::Error> for Error {
    fn from(e: tokio_tungstenite::tungstenite::Error) -> Self {
        Self::websocket_source(e)
    }
}
