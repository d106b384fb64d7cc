//! `service-client-api.rate-limit*`: requests per minute, with a quarantine once a limit is hit.

use std::collections::BTreeMap;
use std::time::Duration;

use cxwire_model::scapi::{DOCUMENTED_NAMES, RateLimitNotice};

use crate::PolicyError;
use crate::names::{case_hint, is_known_request, split_request};
use crate::options::{RATE_LIMIT, RATE_LIMIT_QUARANTINE_DELAY, RATE_LIMIT_REQUEST_PREFIX, strip_prefix};

/// The quarantine delay used when `rate-limit-quarantine-delay` is absent: 30 seconds, the
/// delay of the seed's sample message.
pub const DEFAULT_QUARANTINE_DELAY_SECONDS: u64 = 30;

/// The length of a rate-limit window.
pub const WINDOW: Duration = Duration::from_secs(60);

/// The rate-limit options, as numbers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RateLimitConfig {
    /// `rate-limit`: requests per minute over all requests; 0 = unlimited.
    pub global: u64,
    /// `rate-limit.<request>`: requests per minute for that request name; 0 = unlimited. A SIP
    /// endpoint call configured under its documented name (`voice.muteMicrophone`) is stored
    /// under its wire name (`sipEndpoint.muteMicrophone`).
    pub per_request: BTreeMap<String, u64>,
    /// `rate-limit-quarantine-delay`: seconds during which further requests of a limited type
    /// are ignored; 0 = forever.
    pub quarantine_delay_seconds: u64,
}

impl Default for RateLimitConfig {
    /// No limits, and the default quarantine delay ([`DEFAULT_QUARANTINE_DELAY_SECONDS`]).
    fn default() -> Self {
        Self { global: 0, per_request: BTreeMap::new(), quarantine_delay_seconds: DEFAULT_QUARANTINE_DELAY_SECONDS }
    }
}

impl RateLimitConfig {
    /// Applies one option if it is a rate-limit option (key with or without the
    /// `service-client-api.` prefix); returns whether it was one.
    pub(crate) fn apply_option(&mut self, key: &str, value: &str) -> Result<bool, PolicyError> {
        let short = strip_prefix(key);
        let number = || parse_number(key, value);
        if short == RATE_LIMIT {
            self.global = number()?;
        } else if short == RATE_LIMIT_QUARANTINE_DELAY {
            self.quarantine_delay_seconds = number()?;
        } else if let Some(request) = short.strip_prefix(RATE_LIMIT_REQUEST_PREFIX) {
            if split_request(request).is_none() {
                return Err(PolicyError::BadRequestKey { key: key.to_owned() });
            }
            let limit = number()?;
            // The SIP endpoint calls are documented under voice (`voice.muteMicrophone`) and
            // sent as `sipEndpoint.*`: a limit set under either name is the request's limit.
            let request = DOCUMENTED_NAMES
                .iter()
                .find(|(documented, _)| *documented == request)
                .map_or(request, |(_, wire)| *wire);
            self.per_request.insert(request.to_owned(), limit);
        } else {
            return Ok(false);
        }
        Ok(true)
    }
}

fn parse_number(key: &str, value: &str) -> Result<u64, PolicyError> {
    let trimmed = value.trim();
    if trimmed.is_empty() || !trimmed.chars().all(|c| c.is_ascii_digit()) {
        return Err(PolicyError::NotANumber { key: key.to_owned(), value: value.to_owned() });
    }
    trimmed.parse().map_err(|_| PolicyError::NotANumber { key: key.to_owned(), value: value.to_owned() })
}

/// What to do with one request, as decided by [`RateLimiter::check`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RateDecision {
    /// Within the limits: handle the request.
    Allowed,
    /// The first request after a limit was reached: answer with an error whose `errorMessage` is
    /// the notice's [`message`](RateLimitNotice::message). Its type is now quarantined.
    Refused(RateLimitNotice),
    /// A request of a quarantined type: send no answer at all.
    Ignored,
}

impl RateDecision {
    /// Whether the request may be handled.
    pub fn is_allowed(&self) -> bool {
        matches!(self, Self::Allowed)
    }
}

/// Whether a request type is quarantined.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Quarantine {
    #[default]
    None,
    Until(Duration),
    Forever,
}

/// Per-type state: requests allowed in `window`, and the quarantine.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct TypeState {
    window: u64,
    count: u64,
    quarantine: Quarantine,
}

/// The key under which requests that are neither in the catalog nor named by a
/// `rate-limit.<request>` option share one state (no valid request name is empty).
const OTHER_REQUESTS: &str = "";

/// Enforces the rate-limit options over a stream of requests, with time given by the caller.
///
/// Semantics (seed 003, "Rate Limit"; where the seed is silent, the choice is marked *decided*):
///
/// - **Windows** are fixed minutes, not sliding: `now` is a [`Duration`] since an epoch the
///   caller chooses, and the window is `floor(now / 60 s)`; 59.999 s is the last instant of
///   window 0 and 60 s exactly is the first of window 1.
/// - **Counting**: a request is allowed while fewer than `limit` requests of its type were
///   allowed in the current window (per-request limit) and fewer than `rate-limit` requests of
///   any type were allowed in it (global limit). Both limits apply; 0 means no limit. Only
///   allowed requests count. With a limit of 4, requests 1 to 4 of a window are
///   [`Allowed`](RateDecision::Allowed) and the 5th is [`Refused`](RateDecision::Refused).
/// - **Quarantine**: the refused request puts *its own type* in quarantine, also when the
///   global limit was the one exceeded (*decided*: the seed says "further requests of the same
///   type"). While quarantined (from the refusal at `t` until `t + delay`, excluded), requests of
///   that type are [`Ignored`](RateDecision::Ignored); with a delay of 0 they are ignored
///   forever. Other types are unaffected unless they too exceed a limit.
/// - **After the quarantine** (*decided*), counting goes on in the current window: the limit is
///   per fixed minute, so if the quarantine ends within the window in which the limit was
///   reached, the next request of that type is refused again and starts a new quarantine; in a
///   later window the count has restarted from 0. No window ever lets more than `limit`
///   requests of a type (or `rate-limit` requests in all) through.
/// - **Time going backwards** (*decided*): `now` is clamped to the latest value seen, so a
///   non-monotonic clock cannot reopen a window.
/// - **Memory** is bounded: state is kept per catalog request name and per configured
///   `rate-limit.<request>` name; all other request names share one state (*decided*), so that
///   a client cannot grow the map by inventing names. The [`RateLimitNotice`] still names the
///   request that was refused.
///
/// One limiter holds the counters of one Workspace (one agent session). To start another
/// session with the same options, clone a limiter and [`reset`](Self::reset) the clone.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RateLimiter {
    config: RateLimitConfig,
    warnings: Vec<String>,
    global_window: u64,
    global_count: u64,
    types: BTreeMap<String, TypeState>,
    latest: Duration,
}

impl RateLimiter {
    /// A limiter enforcing `config`, with fresh counters.
    pub fn new(config: RateLimitConfig) -> Self {
        let warnings = config
            .per_request
            .keys()
            .filter(|r| !is_known_request(r))
            .map(|r| {
                format!(
                    "{RATE_LIMIT_REQUEST_PREFIX}{r}: `{r}` is not a request this version knows{}; the limit is kept for future requests",
                    case_hint(r)
                )
            })
            .collect();
        Self { config, warnings, ..Self::default() }
    }

    /// A limiter that allows everything.
    pub fn unlimited() -> Self {
        Self::new(RateLimitConfig::default())
    }

    /// Reads the rate-limit options from key/value pairs: `rate-limit`, `rate-limit.<request>`
    /// and `rate-limit-quarantine-delay`, each with or without the `service-client-api.` prefix.
    /// Other keys are ignored, so the whole option map may be passed. When a key appears twice
    /// (also once with and once without the prefix), the last value wins. Values may have
    /// surrounding whitespace.
    ///
    /// # Errors
    ///
    /// [`PolicyError::NotANumber`] when a value is not a whole number of 0 or more (negative,
    /// decimal, empty, too large); [`PolicyError::BadRequestKey`] when the `<request>` of
    /// `rate-limit.<request>` is not `namespace.method`.
    pub fn from_options<K, V>(options: impl IntoIterator<Item = (K, V)>) -> Result<Self, PolicyError>
    where
        K: AsRef<str>,
        V: AsRef<str>,
    {
        let mut config = RateLimitConfig::default();
        for (key, value) in options {
            config.apply_option(key.as_ref(), value.as_ref())?;
        }
        Ok(Self::new(config))
    }

    /// The configuration enforced.
    pub fn config(&self) -> &RateLimitConfig {
        &self.config
    }

    /// Non-fatal remarks: `rate-limit.<request>` options naming requests the catalog does not
    /// know.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// Forgets every counter and quarantine (a new Workspace session), keeping the configuration.
    pub fn reset(&mut self) {
        *self = Self {
            config: std::mem::take(&mut self.config),
            warnings: std::mem::take(&mut self.warnings),
            ..Self::default()
        };
    }

    /// The limit that applies to `request` alone, if any.
    pub fn limit_for(&self, request: &str) -> Option<u64> {
        self.config.per_request.get(request).copied().filter(|l| *l > 0)
    }

    /// Decides what to do with one request of type `request` (its wire name) arriving at `now`
    /// (time since the caller's epoch), and counts it if it is allowed.
    pub fn check(&mut self, request: &str, now: Duration) -> RateDecision {
        let per_request = self.limit_for(request);
        let global = Some(self.config.global).filter(|g| *g > 0);
        if per_request.is_none() && global.is_none() {
            return RateDecision::Allowed;
        }
        let now = now.max(self.latest);
        self.latest = now;
        let window = now.as_secs() / WINDOW.as_secs();
        if self.global_window != window {
            self.global_window = window;
            self.global_count = 0;
        }
        let key = if is_known_request(request) || self.config.per_request.contains_key(request) {
            request
        } else {
            OTHER_REQUESTS
        };
        let state = self.types.entry(key.to_owned()).or_default();
        if state.window != window {
            state.window = window;
            state.count = 0;
        }
        match state.quarantine {
            Quarantine::Forever => return RateDecision::Ignored,
            Quarantine::Until(end) if now < end => return RateDecision::Ignored,
            Quarantine::Until(_) => state.quarantine = Quarantine::None,
            Quarantine::None => {}
        }
        let over = per_request.is_some_and(|l| state.count >= l) || global.is_some_and(|g| self.global_count >= g);
        if over {
            let delay = self.config.quarantine_delay_seconds;
            state.quarantine = match delay {
                0 => Quarantine::Forever,
                d => now.checked_add(Duration::from_secs(d)).map_or(Quarantine::Forever, Quarantine::Until),
            };
            return RateDecision::Refused(RateLimitNotice {
                request: request.to_owned(),
                quarantine_seconds: Some(delay).filter(|d| *d > 0),
            });
        }
        state.count += 1;
        self.global_count += 1;
        RateDecision::Allowed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        for (value, expected) in [("0", Some(0)), (" 50 ", Some(50)), ("007", Some(7))] {
            assert_eq!(parse_number("rate-limit", value).ok(), expected, "{value}");
        }
        for value in ["", " ", "-1", "+1", "1.5", "ten", "1e3", "18446744073709551616"] {
            assert_eq!(
                parse_number("rate-limit", value),
                Err(PolicyError::NotANumber { key: "rate-limit".into(), value: value.into() }),
                "{value}"
            );
        }
    }

    #[test]
    fn unknown_names_share_one_state() {
        let mut limiter = RateLimiter::new(RateLimitConfig { global: 1, ..RateLimitConfig::default() });
        for i in 0..1000 {
            let _ = limiter.check(&format!("custom.request{i}"), Duration::from_secs(i));
        }
        assert_eq!(limiter.types.len(), 1);
    }
}
