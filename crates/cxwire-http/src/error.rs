//! The one error type of the crate.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use cxwire_model::http::{engagement_v3, gms_v1};
use cxwire_model::widgets::{NO_AVAILABILITY_QUERY, NO_DATA_TO_SCHEDULE, Rejection};
use serde_json::Value;

use crate::callback::TimeSlot;

/// Everything that can go wrong in `cxwire-http`.
///
/// Local validations come first (`NoDataToSchedule`, `NoAvailabilityQuery`, `InvalidOption`,
/// `InvalidPhoneNumber`, `Config`); then what the server answered (`BadRequest`, `NotFound`,
/// `TooManyRequests`, `ServerException`, `ServiceUnavailable`, `Http`, `Decode`), each keeping
/// the HTTP status and the raw body; then the network (`Timeout`, `Transport`).
///
/// No variant holds the API key: `Debug` and `Display` are safe to log. Errors are `Clone` (the
/// sources are shared), so the event stream can carry them.
#[derive(Clone, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// `schedule` was called without any form data: the widget's
    /// `'No data found to schedule callback'`.
    #[error("{}", NO_DATA_TO_SCHEDULE)]
    NoDataToSchedule,

    /// `availability` was called without any query parameter: the widget's
    /// `'No query parameters passed for callback availability service'`.
    #[error("{}", NO_AVAILABILITY_QUERY)]
    NoAvailabilityQuery,

    /// An option is missing or malformed (named as the widget names it, e.g. `desiredTime`,
    /// `serviceName`, `phonenumber`, `numberOfDays`, `userData`). Nothing was sent.
    #[error("invalid option {option}: {reason}")]
    InvalidOption {
        /// The option's widget name.
        option: &'static str,
        /// What is wrong with it.
        reason: String,
    },

    /// A phone number failed validation while `countryCodes` is on. Nothing was sent.
    #[error(
        "invalid phone number ({reason}); countryCodes is on, so numbers must be valid E.164 or national numbers of the default region"
    )]
    InvalidPhoneNumber {
        /// The number as given.
        number: String,
        /// Why it was refused.
        reason: String,
    },

    /// The configuration cannot be used (bad `dataURL`, unknown `apiVersion`, missing `apikey`
    /// for v3, ...).
    #[error("invalid configuration: {0}")]
    Config(String),

    /// 400 Bad Request: for `schedule`, the widget's "selected time slot is not available"; for
    /// `availability`, "time slots are not available for the selected period"; the server also
    /// uses it for bad input such as a bad phone number (see [`HttpFailure::message`]).
    #[error("{0}")]
    BadRequest(Box<HttpFailure>),

    /// 404 Not Found (an unknown callback id).
    #[error("{0}")]
    NotFound(Box<HttpFailure>),

    /// 429 Too Many Requests: on v3 `create`, the requested slot is full and `proposed_slots`
    /// lists other slots; any `Retry-After` is in [`HttpFailure::retry_after`].
    #[error("{failure}{}", if proposed_slots.is_empty() { String::new() } else { format!(" ({} other slots proposed)", proposed_slots.len()) })]
    TooManyRequests {
        /// The answer.
        failure: Box<HttpFailure>,
        /// The slots the server proposes instead (v3; empty when none).
        proposed_slots: Vec<TimeSlot>,
    },

    /// 500 Internal Server Error: the widget's "server exception occurs".
    #[error("{0}")]
    ServerException(Box<HttpFailure>),

    /// 503 Service Unavailable (GMS: the callback queue limit is reached).
    #[error("{0}")]
    ServiceUnavailable(Box<HttpFailure>),

    /// Any other non-2xx answer.
    #[error("{0}")]
    Http(Box<HttpFailure>),

    /// A 2xx answer whose body is not what the API documents.
    #[error("undecodable answer (HTTP {status}): {source}")]
    Decode {
        /// The HTTP status.
        status: u16,
        /// The raw body.
        body: String,
        /// What did not decode.
        #[source]
        source: Arc<serde_json::Error>,
    },

    /// The answer's body is larger than the body limit (see `body_limit` on the builders;
    /// default [`DEFAULT_BODY_LIMIT`](crate::DEFAULT_BODY_LIMIT)). The client stopped reading at
    /// the limit, or before reading anything when `Content-Length` announced more, and dropped
    /// the connection. Never retried.
    #[error("{}", too_large_message(*status, *limit, *declared))]
    BodyTooLarge {
        /// The HTTP status of the answer.
        status: u16,
        /// The limit, in bytes.
        limit: usize,
        /// The `Content-Length` the server announced, when it did.
        declared: Option<u64>,
        /// The first bytes of the body (lossy UTF-8, at most
        /// [`BODY_HEAD_BYTES`](crate::BODY_HEAD_BYTES)), for the server's message: the bytes
        /// read before the limit was passed, or for an error status announced too large, the
        /// first bytes read for it.
        head: String,
    },

    /// The server redirected to another origin (scheme, host or port), and the request was not
    /// sent there, so that `x-api-key` never leaves the configured host. A redirect to the same
    /// origin is followed (at most 10 in a row).
    ///
    /// With a caller-supplied `reqwest::Client` (`http_client(..)` on the builders) that was not
    /// built with [`redirect_policy`](crate::redirect_policy), the client itself follows the
    /// redirect before cxwire-http sees the answer: then `followed` is true, the other host has
    /// received the request (with its headers), and the answer is refused all the same.
    #[error("{}", redirect_message(target, *followed))]
    RedirectRefused {
        /// The redirect target (without any user name or password).
        target: String,
        /// True when a caller-supplied client had already followed it (see above).
        followed: bool,
    },

    /// No complete answer within `ajaxTimeout` (the whole exchange: connect, send, read).
    #[error("no answer within {} ms (ajaxTimeout)", .0.as_millis())]
    Timeout(Duration),

    /// The request could not be sent or the answer could not be read (connection refused or
    /// reset, TLS, DNS, ...).
    #[error("transport failure: {0}")]
    Transport(#[source] Arc<reqwest::Error>),

    /// A [`SessionStore`](crate::SessionStore) could not load, save or clear a session.
    #[error("session store: {0}")]
    Store(#[source] Arc<std::io::Error>),

    /// An event subscriber fell behind: this many events were dropped for it (the channel is
    /// bounded).
    #[error("event subscriber lagged: {0} events skipped")]
    Lagged(u64),

    /// The service that published the events is gone.
    #[error("event stream closed")]
    EventsClosed,
}

impl Error {
    /// The HTTP answer behind this error, when the server answered.
    pub fn http(&self) -> Option<&HttpFailure> {
        match self {
            Self::BadRequest(f)
            | Self::NotFound(f)
            | Self::ServerException(f)
            | Self::ServiceUnavailable(f)
            | Self::Http(f)
            | Self::TooManyRequests { failure: f, .. } => Some(f),
            _ => None,
        }
    }

    /// The HTTP status, when the server answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Decode { status, .. } | Self::BodyTooLarge { status, .. } => Some(*status),
            other => other.http().map(|f| f.status),
        }
    }

    /// Whether this is a timeout (`ajaxTimeout`, or a timeout of a caller-supplied client).
    pub fn is_timeout(&self) -> bool {
        match self {
            Self::Timeout(_) => true,
            Self::Transport(e) => e.is_timeout(),
            _ => false,
        }
    }

    /// The documented widget rejection this error is, if it is one.
    pub fn rejection(&self) -> Option<Rejection> {
        Some(match self {
            Self::BadRequest(_) => Rejection::BadRequest,
            Self::TooManyRequests { .. } => Rejection::TooManyRequests,
            Self::ServerException(_) => Rejection::ServerException,
            Self::NoDataToSchedule => Rejection::NoDataToSchedule,
            Self::NoAvailabilityQuery => Rejection::NoAvailabilityQuery,
            _ => return None,
        })
    }

    /// What a bus subscriber of `scheduleError` / `availabilityError` would receive: the JSON the
    /// server returned when there is some, else the message as a JSON string.
    pub fn bus_data(&self) -> Value {
        match self.http() {
            Some(f) => f.json().unwrap_or_else(|| Value::String(f.body.clone())),
            None => match self {
                Self::Decode { body, .. } => serde_json::from_str(body).unwrap_or_else(|_| Value::String(body.clone())),
                other => Value::String(other.to_string()),
            },
        }
    }

    pub(crate) fn option(option: &'static str, reason: impl Into<String>) -> Self {
        Self::InvalidOption { option, reason: reason.into() }
    }

    pub(crate) fn decode(status: u16, body: Vec<u8>, source: serde_json::Error) -> Self {
        Self::Decode { status, body: into_text(body), source: Arc::new(source) }
    }

    /// A reqwest error; a redirect refused by [`redirect_policy`](crate::redirect_policy) becomes
    /// [`Error::RedirectRefused`].
    pub(crate) fn transport(error: reqwest::Error) -> Self {
        if error.is_redirect() {
            let mut source = std::error::Error::source(&error);
            while let Some(cause) = source {
                if let Some(refused) = cause.downcast_ref::<crate::transport::CrossOrigin>() {
                    return Self::RedirectRefused { target: refused.target.clone(), followed: false };
                }
                source = cause.source();
            }
        }
        Self::Transport(Arc::new(error))
    }

    pub(crate) fn store(error: std::io::Error) -> Self {
        Self::Store(Arc::new(error))
    }
}

/// A non-2xx HTTP answer: the status, the raw body, and the documented error shapes parsed when
/// present.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct HttpFailure {
    /// The HTTP status code.
    pub status: u16,
    /// The raw body (lossy UTF-8).
    pub body: String,
    /// A GMS v1 `{exception, message}` body (with `availability` on a failed reschedule).
    pub gms: Option<gms_v1::ErrorBody>,
    /// The `status` of an Engagement v3 `{status, data?}` body.
    pub v3_status: Option<engagement_v3::Status>,
    /// The `Retry-After` header (delta-seconds or HTTP-date), as a delay from now.
    pub retry_after: Option<Duration>,
}

impl HttpFailure {
    /// The server's message: GMS `message`, else v3 `status.message`.
    pub fn message(&self) -> Option<&str> {
        self.gms
            .as_ref()
            .and_then(|g| g.message.as_deref())
            .or_else(|| self.v3_status.as_ref().and_then(|s| s.message.as_deref()))
    }

    /// The GMS Java exception class, when present.
    pub fn exception(&self) -> Option<&str> {
        self.gms.as_ref().and_then(|g| g.exception.as_deref())
    }

    /// The body as JSON, when it is JSON.
    pub fn json(&self) -> Option<Value> {
        serde_json::from_str(&self.body).ok()
    }

    /// The reason phrase of the status (e.g. `Bad Request`), when standard.
    pub fn reason(&self) -> Option<&'static str> {
        reqwest::StatusCode::from_u16(self.status).ok().and_then(|s| s.canonical_reason())
    }
}

impl fmt::Display for HttpFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HTTP {}", self.status)?;
        if let Some(reason) = self.reason() {
            write!(f, " {reason}")?;
        }
        if let Some(message) = self.message() {
            write!(f, ": {message}")?;
        }
        if let Some(exception) = self.exception() {
            write!(f, " ({exception})")?;
        }
        Ok(())
    }
}

impl PartialEq for Error {
    /// Errors compare by kind, status and text (the sources themselves are not comparable).
    fn eq(&self, other: &Self) -> bool {
        std::mem::discriminant(self) == std::mem::discriminant(other)
            && self.status() == other.status()
            && self.to_string() == other.to_string()
    }
}

/// A 2xx answer whose content does not make sense: a decode error carrying the answer.
pub(crate) fn bad_answer<T: serde::Serialize>(answer: &T, why: impl fmt::Display) -> Error {
    let body = serde_json::to_vec(answer).unwrap_or_default();
    Error::decode(200, body, <serde_json::Error as serde::de::Error>::custom(why))
}

/// Bytes as text without a copy when they are UTF-8 (lossy otherwise).
pub(crate) fn into_text(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

fn too_large_message(status: u16, limit: usize, declared: Option<u64>) -> String {
    match declared {
        Some(declared) => {
            format!("answer body of {declared} bytes (HTTP {status}) is over the limit of {limit} bytes")
        }
        None => format!("answer body (HTTP {status}) is over the limit of {limit} bytes"),
    }
}

fn redirect_message(target: &str, followed: bool) -> String {
    if followed {
        format!(
            "the HTTP client followed a redirect to another origin ({target}); the answer is refused \
             (build the reqwest::Client with cxwire_http::redirect_policy())"
        )
    } else {
        format!("refused a redirect to another origin: {target}")
    }
}
