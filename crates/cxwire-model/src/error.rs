//! The decode error: what was wrong, in which message, and where.

use std::fmt;

/// A message could not be decoded.
///
/// Every variant names the message it was decoding (a request name, an event topic, an HTTP body)
/// and, for shape errors, the JSON path of the offending value, so that logs point at the fault.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecodeError {
    /// The text is not JSON, or a value has the wrong type or shape.
    Json {
        /// What was being decoded, e.g. ``request `agent.setState` ``.
        context: String,
        /// The JSON path of the offending value (`.` for the root), e.g. `.data.interaction.userData`.
        path: String,
        /// The parser's message.
        message: String,
    },
    /// The frame is a JSON object but has none of the keys that say what it is.
    Unclassifiable {
        /// What was expected.
        reason: &'static str,
    },
    /// A request carried too few or too many positional parameters.
    Arity {
        /// The request's wire name.
        request: String,
        /// Fewest parameters the request accepts.
        min: usize,
        /// Most parameters the request accepts.
        max: usize,
        /// Parameters received.
        found: usize,
    },
}

impl DecodeError {
    /// Builds a [`DecodeError::Json`] from a path-tracking serde error.
    pub(crate) fn json(context: impl Into<String>, err: serde_path_to_error::Error<serde_json::Error>) -> Self {
        let path = err.path().to_string();
        let inner = err.into_inner();
        Self::Json {
            context: context.into(),
            path: if path.is_empty() { ".".to_owned() } else { path },
            message: inner.to_string(),
        }
    }

    /// Places the JSON path of a part decoded on its own (e.g. `data`) inside its frame.
    pub(crate) fn within(mut self, prefix: &str) -> Self {
        if let Self::Json { path, .. } = &mut self {
            *path = if path == "." {
                prefix.to_owned()
            } else if path.starts_with('[') {
                format!("{prefix}{path}")
            } else {
                format!("{prefix}.{path}")
            };
        }
        self
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Json { context, path, message } => write!(f, "{context}: at {path}: {message}"),
            Self::Unclassifiable { reason } => write!(f, "unclassifiable frame: {reason}"),
            Self::Arity { request, min, max, found } if min == max => {
                write!(f, "request `{request}` takes {min} parameter(s), got {found}")
            }
            Self::Arity { request, min, max, found } => {
                write!(f, "request `{request}` takes {min} to {max} parameters, got {found}")
            }
        }
    }
}

impl std::error::Error for DecodeError {}

/// Decodes `T` from JSON text; on failure, decodes again with path tracking so that the error
/// names the JSON path (the happy path pays nothing for it).
pub(crate) fn from_str_at<'de, T: serde::Deserialize<'de>>(
    context: impl FnOnce() -> String,
    text: &'de str,
) -> Result<T, DecodeError> {
    match serde_json::from_str(text) {
        Ok(value) => Ok(value),
        Err(plain) => Err(locate::<T>(context(), text, plain)),
    }
}

#[cold]
fn locate<'de, T: serde::Deserialize<'de>>(context: String, text: &'de str, plain: serde_json::Error) -> DecodeError {
    let mut de = serde_json::Deserializer::from_str(text);
    match serde_path_to_error::deserialize::<_, T>(&mut de) {
        Err(e) => DecodeError::json(context, e),
        // Only the trailing-characters check can fail after a successful value.
        Ok(_) => DecodeError::Json { context, path: ".".to_owned(), message: plain.to_string() },
    }
}
