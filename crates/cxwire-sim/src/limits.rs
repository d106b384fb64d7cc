//! The simulator's limits on what one Service Client connection may cost, and what the peer
//! sees when it hits one (`limits` in a configuration file, [`SimBuilder::limits`](crate::SimBuilder::limits)).
//!
//! | limit | default | when hit |
//! |---|---|---|
//! | `maxFrame` | 16 MiB | a larger frame is not read: close code 1009 with a reason |
//! | `queuedFrames` / `queuedBytes` | 256 / 4 MiB | frames waiting to be written to a connection; above either, its requests are not read until it reads (backpressure: nothing is dropped) |
//! | `slowConsumerFrames` / `slowConsumerBytes` | 4,096 / 32 MiB | events keep coming to a peer that does not read: it is closed with code 1008 ("slow consumer") and its queue freed |
//! | `writeTimeoutMs` | 10,000 | a write waits this long for the peer to read: closed with code 1008 ("slow consumer") |
//! | `closeTimeoutMs` | 2,000 | the longest a close handshake may take before the socket is dropped |
//! | `subscriptions` | 64 | a further `subscribe` is answered with an `errorMessage` |
//! | `topicsPerSubscription` | 32 | a `subscribe` with more topics is answered with an `errorMessage` |
//! | `toasts` | 32 | `system.popupToast` while this many are open is answered with an `errorMessage` |
//! | `toastBytes` | 64 KiB | toast parameters larger than this (as JSON) are answered with an `errorMessage` |
//!
//! Toasts also close when their `autoCloseTimeout` passes and when the connection that opened
//! them ends. So one connection costs at most about `slowConsumerBytes` plus `maxFrame`, and
//! the desktop's toasts at most `toasts` times `toastBytes`.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Limits per Service Client connection and per desktop; see the [module](self) for what the
/// peer sees at each.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct SimLimits {
    /// Largest frame read from a connection (bytes); larger ones close it with 1009.
    pub max_frame: usize,
    /// Frames queued for a connection above which its requests are not read (backpressure).
    pub queued_frames: usize,
    /// Bytes queued for a connection above which its requests are not read (backpressure).
    pub queued_bytes: usize,
    /// Frames queued at which a connection is closed as a slow consumer (1008).
    pub slow_consumer_frames: usize,
    /// Bytes queued at which a connection is closed as a slow consumer (1008).
    pub slow_consumer_bytes: usize,
    /// How long a write may wait for the peer to read before it is closed (1008), in ms.
    pub write_timeout_ms: u64,
    /// How long a close handshake may take before the socket is dropped, in ms.
    pub close_timeout_ms: u64,
    /// Subscriptions per connection.
    pub subscriptions: usize,
    /// Topics in one `subscribe`.
    pub topics_per_subscription: usize,
    /// Toasts open at once on the desktop.
    pub toasts: usize,
    /// Largest toast parameters (bytes of JSON).
    pub toast_bytes: usize,
}

impl Default for SimLimits {
    fn default() -> Self {
        Self {
            max_frame: cxwire_ws::DEFAULT_MAX_FRAME,
            queued_frames: 256,
            queued_bytes: 4 << 20,
            slow_consumer_frames: 4096,
            slow_consumer_bytes: 32 << 20,
            write_timeout_ms: 10_000,
            close_timeout_ms: 2_000,
            subscriptions: 64,
            topics_per_subscription: 32,
            toasts: 32,
            toast_bytes: 64 * 1024,
        }
    }
}

impl SimLimits {
    pub(crate) fn write_timeout(&self) -> Duration {
        Duration::from_millis(self.write_timeout_ms.max(1))
    }

    pub(crate) fn close_timeout(&self) -> Duration {
        Duration::from_millis(self.close_timeout_ms.max(1))
    }

    /// Whether a connection with this much queued may have its requests read.
    pub(crate) fn may_read(&self, frames: usize, bytes: usize) -> bool {
        frames < self.queued_frames.max(1) && bytes < self.queued_bytes.max(1)
    }

    /// Whether a connection with this much queued is a slow consumer.
    pub(crate) fn is_slow(&self, frames: usize, bytes: usize) -> bool {
        frames > self.slow_consumer_frames.max(1) || bytes > self.slow_consumer_bytes.max(1)
    }
}
