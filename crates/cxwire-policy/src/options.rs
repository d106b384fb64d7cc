//! Option keys, and [`SecurityOptions`], the three policies configured from one option map.

use crate::{OriginPolicy, PolicyError, RateLimitConfig, RateLimiter, UserDataPolicy};

/// The prefix of every Service Client API option key; every `from_options` accepts keys with or
/// without it.
pub const OPTION_PREFIX: &str = "service-client-api.";
/// `accepted-web-content-origins`: see [`OriginPolicy`].
pub const ACCEPTED_WEB_CONTENT_ORIGINS: &str = "accepted-web-content-origins";
/// `rate-limit`: see [`RateLimiter`].
pub const RATE_LIMIT: &str = "rate-limit";
/// The prefix of `rate-limit.<request>`: see [`RateLimiter`].
pub const RATE_LIMIT_REQUEST_PREFIX: &str = "rate-limit.";
/// `rate-limit-quarantine-delay`: see [`RateLimiter`].
pub const RATE_LIMIT_QUARANTINE_DELAY: &str = "rate-limit-quarantine-delay";
/// `user-data.write-allowed`: see [`UserDataPolicy`].
pub const USER_DATA_WRITE_ALLOWED: &str = "user-data.write-allowed";
/// `user-data.read-allowed`: see [`UserDataPolicy`].
pub const USER_DATA_READ_ALLOWED: &str = "user-data.read-allowed";

/// The key without the `service-client-api.` prefix.
pub(crate) fn strip_prefix(key: &str) -> &str {
    key.strip_prefix(OPTION_PREFIX).unwrap_or(key)
}

/// Every security option of the Service Client API, parsed: origins, rate limits, attached-data
/// access.
///
/// [`Default`] is what a Workspace without any of these options does: no origin accepted, no rate
/// limit, no attached-data restriction.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SecurityOptions {
    /// `accepted-web-content-origins`.
    pub origins: OriginPolicy,
    /// `rate-limit`, `rate-limit.<request>`, `rate-limit-quarantine-delay`.
    pub rate_limiter: RateLimiter,
    /// `user-data.write-allowed`, `user-data.read-allowed`.
    pub user_data: UserDataPolicy,
    ignored_keys: Vec<String>,
}

impl SecurityOptions {
    /// Reads every security option from key/value pairs, keys with or without the
    /// `service-client-api.` prefix. When a key appears twice, the last value wins.
    ///
    /// Keys that are not security options are ignored; those that start with
    /// `service-client-api.` are reported by [`warnings`](Self::warnings), in case of a typo.
    ///
    /// # Errors
    ///
    /// The first [`PolicyError`] met, from [`OriginPolicy::parse`] or
    /// [`RateLimiter::from_options`].
    pub fn from_options<K, V>(options: impl IntoIterator<Item = (K, V)>) -> Result<Self, PolicyError>
    where
        K: AsRef<str>,
        V: AsRef<str>,
    {
        let mut origins = None;
        let mut rate = RateLimitConfig::default();
        let mut user_data = UserDataPolicy::default();
        let mut ignored_keys = Vec::new();
        for (key, value) in options {
            let (key, value) = (key.as_ref(), value.as_ref());
            if strip_prefix(key) == ACCEPTED_WEB_CONTENT_ORIGINS {
                origins = Some(OriginPolicy::parse(value)?);
            } else if !rate.apply_option(key, value)?
                && !user_data.apply_option(key, value)
                && key.starts_with(OPTION_PREFIX)
            {
                ignored_keys.push(key.to_owned());
            }
        }
        Ok(Self { origins: origins.unwrap_or_default(), rate_limiter: RateLimiter::new(rate), user_data, ignored_keys })
    }

    /// Non-fatal remarks from every policy, then the `service-client-api.*` keys that were
    /// ignored.
    pub fn warnings(&self) -> Vec<String> {
        self.origins
            .warnings()
            .iter()
            .chain(self.rate_limiter.warnings())
            .cloned()
            .chain(self.ignored_keys.iter().map(|k| format!("{k}: not a security option; ignored")))
            .collect()
    }
}
