//! The HTTP bodies of the GMS callback API v1, click to call (request-interaction) and the
//! Engagement callback API v3 (WIRE.md sections 2-4).
//!
//! Times are ISO 8601 strings here (the model does no date arithmetic); `cxwire-http` turns them
//! into date-time types on its public API.

pub mod engagement_v3;
pub mod gms_v1;
