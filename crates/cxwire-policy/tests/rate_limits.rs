//! `rate-limit*`: the seed example, windows, quarantine, the global limit, option parsing.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use std::time::Duration;

use cxwire_model::scapi::RateLimitNotice;
use cxwire_policy::{PolicyError, RateDecision, RateLimitConfig, RateLimiter};

/// What a step expects: allowed, refused with a quarantine of `Some(seconds)` or forever, ignored.
#[derive(Clone, Copy, Debug)]
enum Want {
    A,
    R(Option<u64>),
    I,
}
use Want::{A, I, R};

/// Runs `(milliseconds, request, expected)` steps against `limiter`.
fn run(limiter: &mut RateLimiter, steps: &[(u64, &str, Want)]) {
    for (i, (ms, request, want)) in steps.iter().enumerate() {
        let got = limiter.check(request, Duration::from_millis(*ms));
        let expected = match want {
            A => RateDecision::Allowed,
            R(q) => RateDecision::Refused(RateLimitNotice { request: (*request).to_owned(), quarantine_seconds: *q }),
            I => RateDecision::Ignored,
        };
        assert_eq!(got, expected, "step {i}: {request} at {ms} ms");
    }
}

fn seed_limiter(quarantine: &str) -> RateLimiter {
    RateLimiter::from_options([
        ("service-client-api.rate-limit", "0"),
        ("service-client-api.rate-limit.voice.dial", "4"),
        ("service-client-api.rate-limit.email.create", "2"),
        ("service-client-api.rate-limit-quarantine-delay", quarantine),
    ])
    .unwrap()
}

#[test]
fn seed_example_parses() {
    let limiter = seed_limiter("30");
    let config = limiter.config();
    assert_eq!(config.global, 0);
    assert_eq!(config.quarantine_delay_seconds, 30);
    assert_eq!(
        config.per_request.iter().map(|(k, v)| (k.as_str(), *v)).collect::<Vec<_>>(),
        vec![("email.create", 2), ("voice.dial", 4)]
    );
    assert_eq!(limiter.limit_for("voice.dial"), Some(4));
    assert_eq!(limiter.limit_for("agent.get"), None);
    assert!(limiter.warnings().is_empty());
}

#[test]
fn seed_example_with_quarantine_of_30_seconds() {
    let mut limiter = seed_limiter("30");
    run(
        &mut limiter,
        &[
            (0, "voice.dial", A),
            (1_000, "voice.dial", A),
            (2_000, "voice.dial", A),
            (3_000, "voice.dial", A),
            // No global limit: other requests are never limited.
            (3_500, "agent.get", A),
            // The 5th dial of the minute is refused and starts 30 s of quarantine (until 34 s).
            (4_000, "voice.dial", R(Some(30))),
            (5_000, "voice.dial", I),
            // email.create has its own limit and its own quarantine (from 12 s until 42 s).
            (10_000, "email.create", A),
            (11_000, "email.create", A),
            (12_000, "email.create", R(Some(30))),
            (13_000, "email.create", I),
            (13_500, "agent.get", A),
            (33_999, "voice.dial", I),
            // The dial quarantine is over at 34 s, but window 0 already had its 4 dials: refused
            // again, quarantined again until 64 s.
            (34_000, "voice.dial", R(Some(30))),
            (40_000, "voice.dial", I),
            // email.create's quarantine is over at 42 s; still window 0, so refused again (until 72 s).
            (41_999, "email.create", I),
            (42_000, "email.create", R(Some(30))),
            // Window 1 starts at 60 s, but the dial quarantine lasts until 64 s.
            (60_000, "voice.dial", I),
            (63_999, "voice.dial", I),
            (64_000, "voice.dial", A),
            (65_000, "voice.dial", A),
            (66_000, "voice.dial", A),
            (67_000, "voice.dial", A),
            (68_000, "voice.dial", R(Some(30))),
            // email.create: quarantined until 72 s, then window 1 has room.
            (71_999, "email.create", I),
            (72_000, "email.create", A),
            (72_001, "email.create", A),
            (72_002, "email.create", R(Some(30))),
            (180_000, "email.create", A),
        ],
    );
}

#[test]
fn refusal_message_is_the_documented_text() {
    let mut limiter = seed_limiter("30");
    for _ in 0..4 {
        assert!(limiter.check("voice.dial", Duration::ZERO).is_allowed());
    }
    let RateDecision::Refused(notice) = limiter.check("voice.dial", Duration::ZERO) else { panic!("not refused") };
    assert_eq!(
        notice.message(),
        "The rate limit for the request 'voice.dial' has been reached.\nFurther requests of the same type will be ignored for 30 seconds."
    );
}

#[test]
fn seed_example_with_quarantine_forever() {
    let mut limiter = seed_limiter("0");
    run(
        &mut limiter,
        &[
            (0, "email.create", A),
            (1, "email.create", A),
            (2, "email.create", R(None)),
            (3, "email.create", I),
            (60_000, "email.create", I),
            (86_400_000, "email.create", I),
            (86_400_001, "voice.dial", A),
            (86_400_002, "agent.get", A),
        ],
    );
    let mut limiter = seed_limiter("0");
    for _ in 0..2 {
        limiter.check("email.create", Duration::ZERO);
    }
    let RateDecision::Refused(notice) = limiter.check("email.create", Duration::ZERO) else { panic!("not refused") };
    assert_eq!(notice.quarantine_seconds, None);
    assert_eq!(RateLimitNotice::parse(&notice.message()), Some(notice));
}

#[test]
fn windows_are_fixed_minutes() {
    let config = |limit| RateLimitConfig {
        per_request: [("voice.dial".to_owned(), limit)].into(),
        quarantine_delay_seconds: 30,
        ..RateLimitConfig::default()
    };
    // Two at the very end of window 0, two at the very start of window 1: a sliding window would
    // refuse the 3rd; fixed windows allow all four.
    run(
        &mut RateLimiter::new(config(2)),
        &[
            (59_000, "voice.dial", A),
            (59_999, "voice.dial", A),
            (60_000, "voice.dial", A),
            (60_001, "voice.dial", A),
            (60_002, "voice.dial", R(Some(30))),
        ],
    );
    // 60 s exactly belongs to window 1; 119.999 s to window 1; 120 s to window 2.
    run(
        &mut RateLimiter::new(config(1)),
        &[
            (0, "voice.dial", A),
            (59_999, "voice.dial", R(Some(30))),
            // The quarantine (until 89.999 s) outlives the window.
            (60_000, "voice.dial", I),
            (89_998, "voice.dial", I),
            (89_999, "voice.dial", A),
            (119_999, "voice.dial", R(Some(30))),
            (150_000, "voice.dial", A),
        ],
    );
    // A quarantine ending exactly on a window boundary.
    run(
        &mut RateLimiter::new(config(1)),
        &[
            (0, "voice.dial", A),
            (30_000, "voice.dial", R(Some(30))),
            (59_999, "voice.dial", I),
            (60_000, "voice.dial", A),
        ],
    );
}

#[test]
fn global_limit_quarantines_the_type_of_the_refused_request() {
    let mut limiter = RateLimiter::from_options([("rate-limit", "3"), ("rate-limit-quarantine-delay", "10")]).unwrap();
    run(
        &mut limiter,
        &[
            (0, "agent.get", A),
            (1_000, "voice.dial", A),
            (2_000, "email.create", A),
            // 3 requests of any type this minute: the 4th is refused and quarantines its type only.
            (3_000, "voice.dial", R(Some(10))),
            (4_000, "voice.dial", I),
            // Another type arriving while the global limit is reached is refused once too.
            (5_000, "agent.get", R(Some(10))),
            (6_000, "agent.get", I),
            (6_500, "voice.dial", I),
            // Quarantines over (13 s, 15 s), still window 0 with 3 requests: refused again.
            (13_000, "voice.dial", R(Some(10))),
            // New window, every quarantine over: 3 requests in all again.
            (60_000, "agent.get", A),
            (60_001, "media.getMediaList", A),
            (60_002, "voice.dial", A),
            (60_003, "media.getMediaList", R(Some(10))),
        ],
    );
}

#[test]
fn global_and_per_request_limits_both_apply() {
    let mut limiter = RateLimiter::from_options([
        ("rate-limit", "3"),
        ("rate-limit.voice.dial", "1"),
        ("rate-limit-quarantine-delay", "5"),
    ])
    .unwrap();
    run(
        &mut limiter,
        &[
            (0, "voice.dial", A),
            // Per-request limit of voice.dial reached.
            (1_000, "voice.dial", R(Some(5))),
            (2_000, "agent.get", A),
            (3_000, "agent.get", A),
            // Global limit reached (voice.dial + 2 × agent.get).
            (4_000, "agent.get", R(Some(5))),
            (5_000, "interaction.getInteractions", R(Some(5))),
            (6_000, "voice.dial", R(Some(5))),
            // New window: one dial, then refused (until 65.001 s), ignored, refused again.
            (60_000, "voice.dial", A),
            (60_001, "voice.dial", R(Some(5))),
            (61_001, "voice.dial", I),
            (65_001, "voice.dial", R(Some(5))),
        ],
    );
}

#[test]
fn unknown_request_names_share_one_quarantine() {
    let mut limiter = RateLimiter::from_options([("rate-limit", "1"), ("rate-limit-quarantine-delay", "10")]).unwrap();
    run(
        &mut limiter,
        &[
            (0, "custom.one", A),
            (1, "custom.two", R(Some(10))),
            // Same shared state as custom.two.
            (2, "custom.three", I),
            // Known names keep their own state.
            (3, "agent.get", R(Some(10))),
        ],
    );
    // A name configured by `rate-limit.<request>` has its own state even if the catalog does not
    // know it.
    let mut limiter = RateLimiter::from_options([("rate-limit.custom.one", "1")]).unwrap();
    assert_eq!(
        limiter.warnings(),
        [
            "rate-limit.custom.one: `custom.one` is not a request this version knows; the limit is kept for future requests"
        ]
    );
    run(&mut limiter, &[(0, "custom.one", A), (1, "custom.one", R(Some(30))), (2, "custom.two", A)]);
}

#[test]
fn time_going_backwards_does_not_reopen_a_window() {
    let mut limiter = RateLimiter::from_options([("rate-limit.voice.dial", "1")]).unwrap();
    run(
        &mut limiter,
        &[
            (120_000, "voice.dial", A),
            // Earlier than the latest time seen: treated as 120 s.
            (0, "voice.dial", R(Some(30))),
            (1_000, "voice.dial", I),
        ],
    );
}

#[test]
fn unlimited_and_reset() {
    let mut limiter = RateLimiter::unlimited();
    for i in 0..1_000 {
        assert!(limiter.check("voice.dial", Duration::from_millis(i)).is_allowed());
    }
    let mut limiter =
        RateLimiter::from_options([("rate-limit.voice.dial", "1"), ("rate-limit-quarantine-delay", "0")]).unwrap();
    run(&mut limiter, &[(0, "voice.dial", A), (1, "voice.dial", R(None)), (2, "voice.dial", I)]);
    let configured = limiter.config().clone();
    limiter.reset();
    assert_eq!(limiter.config(), &configured);
    run(&mut limiter, &[(0, "voice.dial", A), (1, "voice.dial", R(None))]);
    // A per-request limit of 0 means no limit for that request.
    let mut limiter = RateLimiter::from_options([("rate-limit.voice.dial", "0")]).unwrap();
    assert_eq!(limiter.limit_for("voice.dial"), None);
    assert!((0..100).all(|i| limiter.check("voice.dial", Duration::from_secs(i)).is_allowed()));
}

#[test]
fn quarantine_that_would_overflow_is_forever() {
    let mut limiter = RateLimiter::from_options([
        ("rate-limit.voice.dial", "1"),
        ("rate-limit-quarantine-delay", "18446744073709551615"),
    ])
    .unwrap();
    let end = Duration::MAX;
    assert!(limiter.check("voice.dial", Duration::from_secs(1)).is_allowed());
    assert!(matches!(limiter.check("voice.dial", Duration::from_secs(2)), RateDecision::Refused(_)));
    assert_eq!(limiter.check("voice.dial", end), RateDecision::Ignored);
}

#[test]
fn options_with_or_without_prefix_last_wins() {
    for options in [
        vec![("rate-limit", "5"), ("rate-limit.voice.dial", "2"), ("rate-limit-quarantine-delay", "60")],
        vec![
            ("service-client-api.rate-limit", "5"),
            ("service-client-api.rate-limit.voice.dial", "2"),
            ("service-client-api.rate-limit-quarantine-delay", "60"),
        ],
        vec![
            ("rate-limit", "1"),
            ("service-client-api.rate-limit", " 5 "),
            ("rate-limit.voice.dial", "9"),
            ("service-client-api.rate-limit.voice.dial", "2"),
            ("rate-limit-quarantine-delay", "60"),
            ("service-client-api.accepted-web-content-origins", "((("),
            ("something.else", "x"),
        ],
    ] {
        let limiter = RateLimiter::from_options(options.clone()).unwrap();
        assert_eq!(
            limiter.config(),
            &RateLimitConfig {
                global: 5,
                per_request: [("voice.dial".to_owned(), 2)].into(),
                quarantine_delay_seconds: 60
            },
            "{options:?}"
        );
    }
    assert_eq!(RateLimiter::from_options(Vec::<(&str, &str)>::new()).unwrap().config(), &RateLimitConfig::default());
    assert_eq!(RateLimitConfig::default().quarantine_delay_seconds, cxwire_policy::DEFAULT_QUARANTINE_DELAY_SECONDS);
}

#[test]
fn bad_option_values_are_errors() {
    for ((key, value), expected) in [
        (
            ("service-client-api.rate-limit", "fifty"),
            "invalid service-client-api.rate-limit: `fifty` is not a whole number of 0 or more",
        ),
        (("rate-limit", "-1"), "invalid rate-limit: `-1` is not a whole number of 0 or more"),
        (("rate-limit", ""), "invalid rate-limit: `` is not a whole number of 0 or more"),
        (("rate-limit.voice.dial", "4.5"), "invalid rate-limit.voice.dial: `4.5` is not a whole number of 0 or more"),
        (
            ("rate-limit-quarantine-delay", "30s"),
            "invalid rate-limit-quarantine-delay: `30s` is not a whole number of 0 or more",
        ),
        (
            ("rate-limit.voice", "4"),
            "invalid option key rate-limit.voice: the part after `rate-limit.` must be a request name such as `voice.dial`",
        ),
        (
            ("service-client-api.rate-limit.", "4"),
            "invalid option key service-client-api.rate-limit.: the part after `rate-limit.` must be a request name such as `voice.dial`",
        ),
    ] {
        let error = RateLimiter::from_options([(key, value)]).unwrap_err();
        assert!(matches!(error, PolicyError::NotANumber { .. } | PolicyError::BadRequestKey { .. }));
        assert_eq!(error.to_string(), expected, "{key}={value}");
    }
}

#[test]
fn a_sip_endpoint_limit_may_name_the_request_as_documented_under_voice() {
    // Seed 003 documents the call as voice.muteMicrophone; the library sends sipEndpoint.*.
    let mut limiter = RateLimiter::from_options([("rate-limit.voice.muteMicrophone", "2")]).unwrap();
    assert_eq!(limiter.limit_for("sipEndpoint.muteMicrophone"), Some(2));
    assert!(limiter.warnings().is_empty(), "{:?}", limiter.warnings());
    run(
        &mut limiter,
        &[
            (0, "sipEndpoint.muteMicrophone", A),
            (1, "sipEndpoint.muteMicrophone", A),
            (2, "sipEndpoint.muteMicrophone", R(Some(30))),
        ],
    );
    // Both names are one key: the last value wins, as for a key given twice.
    let limiter =
        RateLimiter::from_options([("rate-limit.sipEndpoint.muteSpeaker", "5"), ("rate-limit.voice.muteSpeaker", "3")])
            .unwrap();
    assert_eq!(limiter.limit_for("sipEndpoint.muteSpeaker"), Some(3));
    // Other voice requests keep their own names.
    let limiter = RateLimiter::from_options([("rate-limit.voice.dial", "4")]).unwrap();
    assert_eq!((limiter.limit_for("voice.dial"), limiter.limit_for("sipEndpoint.dial")), (Some(4), None));
}
