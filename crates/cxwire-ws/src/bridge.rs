//! The bridge page and its script, shipped inside the crate and served by the acceptor.
//!
//! Embedded as web content in the Agent Workspace (`bridge.html`, with e.g.
//! `?targetOrigin=https://workspace.example.com&agent=1234`), the page opens a WebSocket to
//! the acceptor (`/ws` on its own host, with its query) and relays frames both ways with
//! `postMessage` to the Workspace window (the opener, or the parent frame), ignoring messages
//! from any other window or origin; it reconnects when the socket drops, and dispatches b+s
//! Connects requests sent with [`Session::send_connects`](crate::Session::send_connects) as
//! `integrationapi` custom events on `window.top`.

/// `bridge.html`.
pub const BRIDGE_HTML: &str = include_str!("../bridge/bridge.html");
/// `bridge.js`.
pub const BRIDGE_JS: &str = include_str!("../bridge/bridge.js");
/// The key that marks a b+s Connects frame for the bridge: `{"cxwire": "connects", "detail": ...}`.
pub const CONNECTS_FRAME_KEY: &str = "cxwire";
/// The path of the WebSocket endpoint.
pub const WS_PATH: &str = "/ws";
