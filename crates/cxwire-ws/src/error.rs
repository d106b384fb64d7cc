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
    /// The WebSocket could not be opened or failed.
    #[error("WebSocket: {0}")]
    WebSocket(String),
    /// An I/O error (binding, accepting).
    #[error("I/O: {0}")]
    Io(#[from] std::io::Error),
    /// A URL or address could not be used.
    #[error("invalid URL `{url}`: {reason}")]
    InvalidUrl {
        /// The URL.
        url: String,
        /// Why.
        reason: String,
    },
}

impl From<tokio_tungstenite::tungstenite::Error> for Error {
    fn from(e: tokio_tungstenite::tungstenite::Error) -> Self {
        Self::WebSocket(e.to_string())
    }
}
