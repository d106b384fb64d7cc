//! The opt-in retry policy.

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::error::Error;

/// When a request may be sent again. **Off by default**: a callback must not be booked twice.
///
/// With retries on ([`RetryPolicy::new`]), the rule is:
///
/// - **429 Too Many Requests and 503 Service Unavailable** are retried for every operation,
///   including `schedule`/`create` and the click-to-call POSTs, because the server says it did
///   not process the request. The one exception is a v3 429 that proposes other slots: that is
///   "this slot is full", an answer, not a throttle, so it is never retried.
/// - **Transport failures and timeouts** are retried only for idempotent operations: GMS
///   availability, query by id, query by properties, cancel (`DELETE`) and reschedule (`PUT`);
///   v3 availability, retrieve and cancel. A POST that creates something (GMS schedule and
///   request-interaction, v3 create and call-in) is never retried after a transport failure or a
///   timeout, since the server may have booked it before the connection failed.
/// - Nothing else is retried (400, 404, 500, undecodable answers, local validation).
///
/// The delay is the server's `Retry-After` (delta-seconds or HTTP-date) when present; when it
/// is longer than [`RetryPolicy::with_max_retry_after`] the error is returned at once (with
/// `retry_after` set) rather than waiting. Otherwise the delay is exponential: the initial
/// backoff doubled at each retry, capped at the maximum backoff. There is no jitter. Each
/// attempt has its own `ajaxTimeout`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    max_retries: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self::disabled()
    }
}

/// Whether an operation may be repeated after a transport failure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Idempotency {
    /// Safe to repeat (reads, DELETE, PUT, v3 cancel).
    Idempotent,
    /// Creates something: repeat only when the server refused it (429/503).
    Creates,
}

impl RetryPolicy {
    /// No retries (the default).
    pub const fn disabled() -> Self {
        Self {
            max_retries: 0,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(5),
            max_retry_after: Duration::from_secs(30),
        }
    }

    /// Up to `max_retries` retries (after the first attempt), 200 ms initial backoff doubling up
    /// to 5 s, and `Retry-After` honoured up to 30 s.
    pub const fn new(max_retries: u32) -> Self {
        let mut p = Self::disabled();
        p.max_retries = max_retries;
        p
    }

    /// Sets the first backoff delay (doubled at each retry).
    #[must_use]
    pub const fn with_initial_backoff(mut self, delay: Duration) -> Self {
        self.initial_backoff = delay;
        self
    }

    /// Caps the backoff delay.
    #[must_use]
    pub const fn with_max_backoff(mut self, delay: Duration) -> Self {
        self.max_backoff = delay;
        self
    }

    /// The longest `Retry-After` that is waited for; a longer one ends the retries.
    #[must_use]
    pub const fn with_max_retry_after(mut self, delay: Duration) -> Self {
        self.max_retry_after = delay;
        self
    }

    /// The most retries after the first attempt (0: disabled).
    pub const fn max_retries(&self) -> u32 {
        self.max_retries
    }

    /// Whether any retry can happen.
    pub const fn is_enabled(&self) -> bool {
        self.max_retries > 0
    }

    /// The backoff before retry number `retry` (0-based), without `Retry-After`.
    pub fn backoff(&self, retry: u32) -> Duration {
        let factor = 1u32.checked_shl(retry.min(31)).unwrap_or(u32::MAX);
        self.initial_backoff.saturating_mul(factor).min(self.max_backoff)
    }

    /// How long to wait before retry number `retry` (0-based) after `error`, or `None` to give up.
    pub(crate) fn delay(&self, retry: u32, idempotency: Idempotency, error: &Error) -> Option<Duration> {
        if retry >= self.max_retries {
            return None;
        }
        let refused = match error {
            Error::TooManyRequests { proposed_slots, failure } => {
                proposed_slots.is_empty().then_some(failure.retry_after)
            }
            Error::ServiceUnavailable(failure) => Some(failure.retry_after),
            Error::Timeout(_) => None,
            Error::Transport(e) if !e.is_builder() => None,
            _ => return None,
        };
        match refused {
            Some(Some(after)) if after > self.max_retry_after => None,
            Some(Some(after)) => Some(after),
            Some(None) => Some(self.backoff(retry)),
            None => match (error, idempotency) {
                (Error::Timeout(_) | Error::Transport(_), Idempotency::Idempotent) => Some(self.backoff(retry)),
                _ => None,
            },
        }
    }
}

/// Parses a `Retry-After` value: delta-seconds, or an HTTP-date (a past date is no delay).
pub(crate) fn parse_retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let date = DateTime::parse_from_rfc2822(value).ok()?.with_timezone(&Utc);
    Some((date - now).to_std().unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::HttpFailure;

    fn failure(status: u16, retry_after: Option<Duration>) -> Box<HttpFailure> {
        Box::new(HttpFailure { status, body: String::new(), gms: None, v3_status: None, retry_after })
    }

    #[test]
    fn disabled_by_default() {
        let p = RetryPolicy::default();
        assert!(!p.is_enabled());
        let e = Error::ServiceUnavailable(failure(503, None));
        assert_eq!(p.delay(0, Idempotency::Idempotent, &e), None);
    }

    #[test]
    fn backoff_doubles_and_caps() {
        let p = RetryPolicy::new(10)
            .with_initial_backoff(Duration::from_millis(100))
            .with_max_backoff(Duration::from_secs(1));
        assert_eq!(p.backoff(0), Duration::from_millis(100));
        assert_eq!(p.backoff(1), Duration::from_millis(200));
        assert_eq!(p.backoff(3), Duration::from_millis(800));
        assert_eq!(p.backoff(4), Duration::from_secs(1));
        assert_eq!(p.backoff(40), Duration::from_secs(1));
    }

    #[test]
    fn refusals_are_retried_for_every_operation() {
        let p = RetryPolicy::new(2);
        let e = Error::ServiceUnavailable(failure(503, Some(Duration::from_secs(3))));
        assert_eq!(p.delay(0, Idempotency::Creates, &e), Some(Duration::from_secs(3)));
        let e = Error::TooManyRequests { failure: failure(429, None), proposed_slots: vec![] };
        assert_eq!(p.delay(1, Idempotency::Creates, &e), Some(p.backoff(1)));
        assert_eq!(p.delay(2, Idempotency::Creates, &e), None, "max retries reached");
        let too_long = Error::ServiceUnavailable(failure(503, Some(Duration::from_secs(31))));
        assert_eq!(p.delay(0, Idempotency::Idempotent, &too_long), None);
    }

    #[test]
    fn a_full_slot_with_proposals_is_an_answer() {
        let p = RetryPolicy::new(2);
        let slot = crate::callback::TimeSlot { start: Utc::now(), capacity: 1, total: None, local_time: None };
        let e = Error::TooManyRequests { failure: failure(429, None), proposed_slots: vec![slot] };
        assert_eq!(p.delay(0, Idempotency::Creates, &e), None);
    }

    #[test]
    fn timeouts_are_retried_only_when_idempotent() {
        let p = RetryPolicy::new(2);
        let e = Error::Timeout(Duration::from_secs(3));
        assert_eq!(p.delay(0, Idempotency::Idempotent, &e), Some(p.backoff(0)));
        assert_eq!(p.delay(0, Idempotency::Creates, &e), None);
        for e in [Error::BadRequest(failure(400, None)), Error::ServerException(failure(500, None))] {
            assert_eq!(p.delay(0, Idempotency::Idempotent, &e), None);
        }
    }

    #[test]
    fn retry_after_forms() {
        let now = DateTime::parse_from_rfc3339("2015-10-21T07:28:00Z").unwrap().with_timezone(&Utc);
        assert_eq!(parse_retry_after("120", now), Some(Duration::from_secs(120)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now), Some(Duration::from_secs(30)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:27:00 GMT", now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("soon", now), None);
    }
}
