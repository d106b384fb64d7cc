//! The crate's one error type.

use std::fmt;

/// Why a security option value (or an origin) could not be understood.
///
/// Every variant names the option or text at fault, so that the message alone tells an
/// administrator what to fix.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PolicyError {
    /// The value of `service-client-api.accepted-web-content-origins` is malformed.
    Origins {
        /// The offending part, as written (empty when the fault is a missing part, such as a
        /// trailing comma).
        part: String,
        /// Where the offending part starts: a 1-based column, counted in characters, in the
        /// option value.
        column: usize,
        /// What is wrong, and how to fix it.
        reason: String,
    },
    /// One origin (for instance given to [`normalize_origin`](crate::normalize_origin)) is not
    /// `scheme://host[:port]`.
    Origin {
        /// The origin, as given.
        origin: String,
        /// What is wrong.
        reason: String,
    },
    /// A numeric option (`rate-limit`, `rate-limit.<request>`, `rate-limit-quarantine-delay`) has
    /// a value that is not a whole number from 0 to 2^64 - 1.
    NotANumber {
        /// The option key, as given.
        key: String,
        /// The value, as given.
        value: String,
    },
    /// A `rate-limit.<request>` key whose `<request>` is not `namespace.method`.
    BadRequestKey {
        /// The option key, as given.
        key: String,
    },
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Origins { part, column, reason } => {
                write!(f, "invalid service-client-api.accepted-web-content-origins at column {column}")?;
                if !part.is_empty() {
                    write!(f, " (`{part}`)")?;
                }
                write!(f, ": {reason}")
            }
            Self::Origin { origin, reason } => write!(f, "invalid origin `{origin}`: {reason}"),
            Self::NotANumber { key, value } => {
                write!(f, "invalid {key}: `{value}` is not a whole number of 0 or more")
            }
            Self::BadRequestKey { key } => write!(
                f,
                "invalid option key {key}: the part after `rate-limit.` must be a request name such as `voice.dial`"
            ),
        }
    }
}

impl std::error::Error for PolicyError {}
