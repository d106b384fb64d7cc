#![doc = include_str!("../README.md")]

mod error;
mod names;
mod options;
mod origin;
mod rate;
mod user_data;

pub use error::PolicyError;
pub use options::{
    ACCEPTED_WEB_CONTENT_ORIGINS, OPTION_PREFIX, RATE_LIMIT, RATE_LIMIT_QUARANTINE_DELAY, RATE_LIMIT_REQUEST_PREFIX,
    SecurityOptions, USER_DATA_READ_ALLOWED, USER_DATA_WRITE_ALLOWED,
};
pub use origin::{ALWAYS_ALLOWED_REQUEST, EXPLICIT_ONLY_REQUESTS, Filter, OriginEntry, OriginPolicy, normalize_origin};
pub use rate::{DEFAULT_QUARANTINE_DELAY_SECONDS, RateDecision, RateLimitConfig, RateLimiter, WINDOW};
pub use user_data::UserDataPolicy;
