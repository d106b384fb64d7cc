//! The gateway's errors, and the codes of the replies it makes itself.

use std::time::Duration;

/// An error of the gateway or of its client.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// No gateway instance holds a desktop of this agent (NATS answered "no responders", or the
    /// embedded gateway has none).
    #[error("no desktop of agent `{agent}` is connected to a gateway")]
    NoSuchDesktop {
        /// The agent id.
        agent: String,
    },
    /// The desktop went away while the call was in flight: its connection closed, another
    /// gateway instance took it over, or its gateway instance was lost. The request may or may
    /// not have reached the Workspace.
    #[error("the desktop of agent `{agent}` went away during `{request}`: {reason}")]
    DesktopGone {
        /// The agent id.
        agent: String,
        /// The request name.
        request: String,
        /// What happened.
        reason: String,
    },
    /// No answer within the timeout.
    #[error("request `{request}` to agent `{agent}` timed out after {timeout:?}")]
    Timeout {
        /// The agent id.
        agent: String,
        /// The request name.
        request: String,
        /// The timeout.
        timeout: Duration,
    },
    /// The Workspace answered with `errorMessage`.
    #[error("request `{request}` rejected by the Workspace of agent `{agent}`: {}", message.as_deref().unwrap_or("(no message)"))]
    Rejected {
        /// The agent id.
        agent: String,
        /// The request name.
        request: String,
        /// The `errorMessage`.
        message: Option<String>,
    },
    /// The Workspace answered that requests of this type are rate limited.
    #[error("request `{request}` to agent `{agent}` is rate limited ({limited})")]
    RateLimited {
        /// The agent id.
        agent: String,
        /// The request name.
        request: String,
        /// The limited request type.
        limited: String,
        /// For how many seconds, when known.
        quarantine: Option<u64>,
    },
    /// The gateway refused the call itself: see [`ErrorCode`].
    #[error("the gateway refused `{request}` to agent `{agent}` ({code}): {message}")]
    Refused {
        /// The agent id.
        agent: String,
        /// The request name.
        request: String,
        /// Why, as a code.
        code: ErrorCode,
        /// The gateway's message.
        message: String,
    },
    /// The answer could not be decoded as the request's answer.
    #[error("undecodable answer to `{request}` from agent `{agent}`: {source}")]
    Undecodable {
        /// The agent id.
        agent: String,
        /// The request name.
        request: String,
        /// The decoding error.
        #[source]
        source: Box<cxwire_model::DecodeError>,
        /// The frame as received.
        raw: String,
    },
    /// An event on a gateway subject could not be decoded.
    #[error("undecodable event on `{subject}`: {message}")]
    UndecodableEvent {
        /// The subject.
        subject: String,
        /// Why.
        message: String,
    },
    /// An embedded-mode event stream was too slow: this many events were dropped for it.
    #[error("this event stream missed {missed} events (it read too slowly)")]
    Lagged {
        /// How many.
        missed: u64,
    },
    /// NATS: connecting, subscribing, publishing, JetStream or the KV bucket.
    #[error("NATS: {message}")]
    Nats {
        /// What failed.
        message: String,
        /// The underlying error.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
    /// The desktop side (the acceptor).
    #[error("desktop side: {0}")]
    Desktop(#[source] Box<cxwire_ws::Error>),
    /// A setting is invalid.
    #[error("invalid gateway setting: {message}")]
    Config {
        /// What is wrong.
        message: String,
    },
}

impl From<cxwire_ws::Error> for Error {
    fn from(e: cxwire_ws::Error) -> Self {
        Self::Desktop(Box::new(e))
    }
}

impl Error {
    pub(crate) fn nats(message: impl Into<String>, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        let message = format!("{}: {source}", message.into());
        Self::Nats { message, source: Some(Box::new(source)) }
    }
}

/// Why a gateway made a reply itself instead of the desktop (the `Cxwire-Error` header).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorCode {
    /// `desktop-gone`: the desktop went away during the call (see [`Error::DesktopGone`]).
    DesktopGone,
    /// `timeout`: the desktop did not answer within the call's timeout.
    Timeout,
    /// `invalid-frame`: the request is not a Service Client request frame the gateway can
    /// forward (not a JSON object with a string `request`, or `subscribe`/`unsubscribe`:
    /// events come on the event subjects).
    InvalidFrame,
    /// `too-large`: the request or its answer is over the frame limit.
    TooLarge,
    /// `overloaded`: the desktop already has `max_in_flight` calls in flight.
    Overloaded,
    /// A code this client does not know (from a newer gateway); the error's message names it.
    /// Never sent by a gateway.
    Other,
}

impl ErrorCode {
    /// The header value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::DesktopGone => "desktop-gone",
            Self::Timeout => "timeout",
            Self::InvalidFrame => "invalid-frame",
            Self::TooLarge => "too-large",
            Self::Overloaded => "overloaded",
            Self::Other => "other",
        }
    }

    /// The code of a header value (`None` for one this version does not know).
    pub fn parse(value: &str) -> Option<Self> {
        [Self::DesktopGone, Self::Timeout, Self::InvalidFrame, Self::TooLarge, Self::Overloaded]
            .into_iter()
            .find(|code| code.as_str() == value)
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::ErrorCode;

    #[test]
    fn codes_read_back_and_unknown_ones_are_none() {
        for code in [
            ErrorCode::DesktopGone,
            ErrorCode::Timeout,
            ErrorCode::InvalidFrame,
            ErrorCode::TooLarge,
            ErrorCode::Overloaded,
        ] {
            assert_eq!(ErrorCode::parse(code.as_str()), Some(code));
        }
        assert_eq!(ErrorCode::parse("rate-limited"), None);
        assert_eq!(ErrorCode::parse("other"), None, "Other is the client's, never on the wire");
        assert_eq!(ErrorCode::parse(""), None);
    }
}
