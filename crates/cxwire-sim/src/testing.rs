//! Helpers for tests that drive a desktop: an [`EventRecorder`] that keeps a session's events
//! and waits for the one a test expects.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use std::time::Duration;
//! use cxwire_sim::testing::EventRecorder;
//! use cxwire_ws::model::scapi::{Event, InteractionEventType};
//!
//! let sim = cxwire_sim::Simulator::builder().start().await?;
//! let session = cxwire_ws::connect(&sim.ws_url()).await?;
//! let mut events = EventRecorder::start(&session, [cxwire_ws::Topic::Interaction]).await?;
//! sim.inject_inbound_call("+14155550123", "5001", Default::default()).await?;
//! let ringing = events
//!     .wait_for(|e| matches!(e, Event::Interaction(i) if i.event_type == Some(InteractionEventType::Ringing)), Duration::from_secs(5))
//!     .await?;
//! # let _ = ringing; Ok(()) }
//! ```

use std::sync::Arc;
use std::time::Duration;

use cxwire_model::scapi::{Event, EventFrame};
use cxwire_ws::{Session, Subscription, SubscriptionItem};

/// Records every event of a subscription, in order, and waits for the ones a test expects.
#[derive(Debug)]
pub struct EventRecorder {
    subscription: Subscription,
    events: Vec<Arc<EventFrame>>,
    /// Events before this index were matched by an earlier `wait_for`.
    cursor: usize,
    lagged: u64,
}

/// Why [`EventRecorder::wait_for`] returned no event.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WaitError {
    /// No matching event arrived in time.
    #[error("no matching event within {waited:?} ({seen} events recorded, {lagged} missed)")]
    Timeout {
        /// How long it waited.
        waited: Duration,
        /// Events recorded so far.
        seen: usize,
        /// Events the session dropped because the recorder fell behind.
        lagged: u64,
    },
    /// The session ended.
    #[error("the session ended before a matching event ({seen} events recorded)")]
    Ended {
        /// Events recorded so far.
        seen: usize,
    },
}

impl EventRecorder {
    /// Subscribes `session` to `topics` and starts recording.
    ///
    /// # Errors
    /// The `subscribe` failed.
    pub async fn start<I>(session: &Session, topics: I) -> Result<Self, cxwire_ws::Error>
    where
        I: IntoIterator,
        I::Item: Into<cxwire_ws::Topic>,
    {
        let subscription = session.subscribe(topics).await?;
        Ok(Self { subscription, events: Vec::new(), cursor: 0, lagged: 0 })
    }

    /// The first event after the last one an earlier `wait_for` returned that matches
    /// `predicate`: one already recorded, or the next to arrive within `timeout`.
    ///
    /// # Errors
    /// [`WaitError::Timeout`], [`WaitError::Ended`].
    pub async fn wait_for(
        &mut self,
        mut predicate: impl FnMut(&Event) -> bool,
        timeout: Duration,
    ) -> Result<Arc<EventFrame>, WaitError> {
        if let Some(found) = self.events[self.cursor..].iter().position(|f| predicate(&f.event)) {
            self.cursor += found + 1;
            return Ok(Arc::clone(&self.events[self.cursor - 1]));
        }
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let item = match tokio::time::timeout_at(deadline, self.subscription.recv()).await {
                Err(_) => {
                    return Err(WaitError::Timeout { waited: timeout, seen: self.events.len(), lagged: self.lagged });
                }
                Ok(None) => return Err(WaitError::Ended { seen: self.events.len() }),
                Ok(Some(item)) => item,
            };
            match item {
                SubscriptionItem::Lagged(n) => self.lagged += n,
                SubscriptionItem::Event(frame) => {
                    self.events.push(Arc::clone(&frame));
                    if predicate(&frame.event) {
                        self.cursor = self.events.len();
                        return Ok(frame);
                    }
                }
            }
        }
    }

    /// Every event recorded so far, in order.
    pub fn events(&self) -> &[Arc<EventFrame>] {
        &self.events
    }

    /// How many events the session dropped because the recorder fell behind.
    pub fn lagged(&self) -> u64 {
        self.lagged
    }
}
