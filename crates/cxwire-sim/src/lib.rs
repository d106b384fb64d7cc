#![doc = include_str!("../README.md")]

pub mod options;
pub mod outbound;
mod server;
pub mod workspace;

pub use outbound::PreviewMode;
pub use server::{SimConfig, SimError, Simulator};
