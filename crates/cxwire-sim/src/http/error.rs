//! The error type of the HTTP simulator's Rust API (what goes wrong over HTTP is answered with
//! the API's documented error body, never returned here).

use std::net::SocketAddr;

/// Everything the HTTP simulator's Rust API can fail with.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HttpSimError {
    /// The configuration cannot be used; the text names the offending value.
    #[error("invalid HTTP simulator configuration: {0}")]
    Config(String),

    /// The simulator serves on loopback only.
    #[error("the HTTP simulator serves on loopback only; {0} is not a loopback address")]
    NotLoopback(SocketAddr),

    /// The address cannot be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// Why.
        #[source]
        source: std::io::Error,
    },

    /// No service has this name (control API).
    #[error("unknown service {0:?}")]
    UnknownService(String),

    /// No callback has this id (control API).
    #[error("unknown callback {0:?}")]
    UnknownCallback(String),
}
