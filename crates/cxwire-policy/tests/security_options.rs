//! `SecurityOptions`: the three policies from one option map.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use std::collections::BTreeMap;
use std::time::Duration;

use cxwire_policy::{OriginPolicy, PolicyError, RateDecision, SecurityOptions};

#[test]
fn from_one_option_map() {
    let options: BTreeMap<String, String> = [
        (
            "service-client-api.accepted-web-content-origins",
            "http://my-web-server0, http://my-web-server2 (agent.*, voice.dial, agent.getStatelist)",
        ),
        ("service-client-api.rate-limit", "0"),
        ("service-client-api.rate-limit.voice.dial", "4"),
        ("service-client-api.rate-limit.email.create", "2"),
        ("service-client-api.rate-limit-quarantine-delay", "30"),
        ("service-client-api.user-data.write-allowed", "Key1,Key3"),
        ("service-client-api.user-data.read-allowed", "Key1,Key2,Key3"),
        ("service-client-api.rate-limt", "5"),
        ("interaction.voice.anonymous-dial", "false"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let mut security = SecurityOptions::from_options(&options).unwrap();
    assert!(security.origins.allows("http://my-web-server2", "agent.get"));
    assert_eq!(security.rate_limiter.config().per_request.len(), 2);
    assert!(security.user_data.can_read("Key2") && !security.user_data.can_write("Key2"));
    assert_eq!(
        security.warnings(),
        [
            "accepted-web-content-origins: `agent.getStatelist` (column 68) is not a request this version knows (did you mean `agent.getStateList`?); it is kept for future requests",
            "service-client-api.rate-limt: not a security option; ignored",
        ]
    );
    for _ in 0..4 {
        assert!(security.rate_limiter.check("voice.dial", Duration::ZERO).is_allowed());
    }
    assert!(matches!(security.rate_limiter.check("voice.dial", Duration::ZERO), RateDecision::Refused(_)));
    let copy = security.clone();
    assert_eq!(copy, security);
    assert!(format!("{security:?}").contains("RateLimiter"));
}

#[test]
fn defaults_when_absent() {
    let security = SecurityOptions::from_options(Vec::<(&str, &str)>::new()).unwrap();
    assert_eq!(security, SecurityOptions::default());
    assert_eq!(security.origins, OriginPolicy::deny_all());
    assert!(!security.origins.is_accepted("http://localhost"));
    assert!(security.warnings().is_empty());
    let security = SecurityOptions::from_options([("accepted-web-content-origins", "*")]).unwrap();
    assert!(security.origins.allows("http://localhost:8080", "voice.dial"));
}

#[test]
fn first_error_is_returned() {
    let error = SecurityOptions::from_options([
        ("service-client-api.user-data.write-allowed", "Key1"),
        ("service-client-api.rate-limit", "lots"),
        ("service-client-api.accepted-web-content-origins", "http://a ("),
    ])
    .unwrap_err();
    assert_eq!(error, PolicyError::NotANumber { key: "service-client-api.rate-limit".into(), value: "lots".into() });
    let error = SecurityOptions::from_options([("accepted-web-content-origins", "http://a (")]).unwrap_err();
    assert!(matches!(error, PolicyError::Origins { column: 10, .. }));
}
