//! Properties: the parsers never panic, and no fixed window lets more than a limit through.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use std::collections::BTreeMap;
use std::time::Duration;

use cxwire_policy::{OriginPolicy, RateDecision, RateLimitConfig, RateLimiter, SecurityOptions, normalize_origin};
use proptest::prelude::*;

/// Pieces that make parser paths likely: origins, delimiters, filters, junk.
fn origin_value() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("http://a".to_owned()),
        Just("HTTPS://B.example:443/".to_owned()),
        Just("*".to_owned()),
        Just("(".to_owned()),
        Just(")".to_owned()),
        Just(",".to_owned()),
        Just(" ".to_owned()),
        Just("agent.*".to_owned()),
        Just("voice.dial".to_owned()),
        Just("auth.getJwtToken".to_owned()),
        Just("é".to_owned()),
        "[a-z:/.*\\[\\]0-9]{0,6}",
    ];
    prop::collection::vec(piece, 0..16).prop_map(|pieces| pieces.concat())
}

proptest! {
    #[test]
    fn origin_parser_never_panics(value in any::<String>()) {
        let _ = OriginPolicy::parse(&value);
        let _ = normalize_origin(&value);
    }

    #[test]
    fn origin_parser_round_trips(value in origin_value(), origin in "[a-z]{1,3}://[a-z]{1,3}(:[0-9]{1,5})?", request in "[a-z]{1,5}\\.[a-zA-Z]{1,5}") {
        if let Ok(policy) = OriginPolicy::parse(&value) {
            // The canonical form parses to the same entries, with the same decisions.
            let again = OriginPolicy::parse(&policy.to_string()).unwrap();
            prop_assert_eq!(again.entries(), policy.entries());
            prop_assert_eq!(again.allows(&origin, &request), policy.allows(&origin, &request));
            prop_assert_eq!(policy.allowed_services(&origin).is_some(), policy.is_accepted(&origin));
            prop_assert!(!policy.allows(&origin, "auth.getJwtToken") || value.contains("auth.getJwtToken"));
        }
    }

    #[test]
    fn normalising_is_idempotent(origin in "[a-zA-Z]{1,5}://[a-zA-Z0-9.-]{1,8}(:[0-9]{1,6})?/?") {
        if let Ok(once) = normalize_origin(&origin) {
            prop_assert_eq!(normalize_origin(&once), Ok(once.clone()));
        }
    }

    #[test]
    fn option_parsers_never_panic(options in prop::collection::vec((any::<String>(), any::<String>()), 0..8),
                                  values in prop::collection::vec(any::<String>(), 6)) {
        let _ = SecurityOptions::from_options(options.clone());
        let keys = ["rate-limit", "rate-limit.voice.dial", "rate-limit-quarantine-delay",
                    "user-data.write-allowed", "user-data.read-allowed", "accepted-web-content-origins"];
        let _ = SecurityOptions::from_options(keys.iter().zip(&values).map(|(k, v)| (*k, v.as_str())));
        let _ = RateLimiter::from_options(options);
    }

    #[test]
    fn no_window_lets_more_than_the_limits_through(
        global in 0u64..6,
        dial in 0u64..5,
        email in 0u64..5,
        quarantine in 0u64..90,
        steps in prop::collection::vec((0usize..5, 0u64..25_000), 1..300),
    ) {
        const TYPES: [&str; 5] = ["voice.dial", "email.create", "agent.get", "custom.one", "custom.two"];
        let config = RateLimitConfig {
            global,
            per_request: [("voice.dial".to_owned(), dial), ("email.create".to_owned(), email)].into(),
            quarantine_delay_seconds: quarantine,
        };
        let mut limiter = RateLimiter::new(config.clone());
        let mut now = Duration::ZERO;
        let mut per_type: BTreeMap<(&str, u64), u64> = BTreeMap::new();
        let mut per_window: BTreeMap<u64, u64> = BTreeMap::new();
        // When each type was last refused, to check that what follows is ignored.
        let mut quarantined_until: BTreeMap<&str, Option<Duration>> = BTreeMap::new();
        for (which, delta_ms) in steps {
            now += Duration::from_millis(delta_ms);
            let request = TYPES[which];
            let window = now.as_secs() / 60;
            let decision = limiter.check(request, now);
            let shares_state = |other: &str| other == request || (request.starts_with("custom.") && other.starts_with("custom."));
            let in_quarantine = quarantined_until
                .iter()
                .any(|(t, until)| shares_state(t) && until.is_none_or(|u| now < u));
            match decision {
                RateDecision::Allowed => {
                    prop_assert!(!in_quarantine, "{request} allowed in quarantine at {now:?}");
                    *per_type.entry((request, window)).or_default() += 1;
                    *per_window.entry(window).or_default() += 1;
                }
                RateDecision::Refused(notice) => {
                    prop_assert!(!in_quarantine, "{request} refused twice in one quarantine at {now:?}");
                    prop_assert_eq!(&notice.request, request);
                    prop_assert_eq!(notice.quarantine_seconds, Some(quarantine).filter(|q| *q > 0));
                    let until = (quarantine > 0).then(|| now + Duration::from_secs(quarantine));
                    quarantined_until.insert(request, until);
                }
                RateDecision::Ignored => prop_assert!(in_quarantine, "{request} ignored outside quarantine at {now:?}"),
            }
            if let Some(limit) = config.per_request.get(request).filter(|l| **l > 0) {
                prop_assert!(per_type.get(&(request, window)).copied().unwrap_or(0) <= *limit);
            }
            if global > 0 {
                prop_assert!(per_window.get(&window).copied().unwrap_or(0) <= global);
            }
        }
    }
}
