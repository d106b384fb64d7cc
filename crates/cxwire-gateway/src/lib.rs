#![doc = include_str!("../README.md")]

mod client;
mod config;
mod error;
mod gateway;
pub mod subjects;
pub mod testing;

pub use client::{Desktop, DesktopEvent, DurableEvent, DurableEvents, Events, GatewayClient};
pub use config::{ClientConfig, GatewayConfig, NatsAuth, NatsConfig, NatsTls, StreamConfig, default_topics};
pub use error::{Error, ErrorCode};
pub use gateway::{CLOSE_ORIGIN_REFUSED, Gateway, GatewayStats, Presence, PresenceState};
pub use subjects::Subjects;

/// The desktop side's crate, re-exported.
pub use cxwire_ws as ws;
