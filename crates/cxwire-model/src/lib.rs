#![doc = include_str!("../README.md")]

mod error;
mod macros;
mod secret;

pub mod connects;
pub mod http;
#[cfg(feature = "schema")]
pub mod registry;
pub mod scapi;
pub mod widgets;

pub use error::DecodeError;
pub use secret::SecretString;
