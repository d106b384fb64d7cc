#![doc = include_str!("../README.md")]

mod config_error;
pub mod http;
pub mod limits;
pub mod options;
pub mod outbound;
pub mod page;
pub mod relay;
pub mod scenario;
mod server;
pub mod testing;
pub mod workspace;

pub use config_error::ConfigError;
pub use limits::SimLimits;
pub use outbound::PreviewMode;
pub use relay::{BridgeRelay, RelayConfig};
pub use server::{ConnectionInfo, RELAY_PATH, RemoteAction, SimBuilder, SimConfig, SimControl, SimError, Simulator};
