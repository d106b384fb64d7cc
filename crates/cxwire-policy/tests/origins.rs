//! `accepted-web-content-origins`: the seed examples and every rule, table-driven.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use cxwire_model::scapi::REQUEST_NAMES;
use cxwire_policy::{Filter, OriginPolicy, PolicyError, normalize_origin};

const SEED_EXAMPLE: &str = "http://my-web-server0, http://my-web-server1 (*), http://my-web-server2 (agent.*, voice.dial), http://my-web-server3 (agent.*, interaction.*)";

fn all_but_jwt() -> Vec<String> {
    REQUEST_NAMES.iter().filter(|r| **r != "auth.getJwtToken").map(|r| (*r).to_owned()).collect()
}

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

#[test]
fn seed_example_parses_into_four_entries() {
    let policy = OriginPolicy::parse(SEED_EXAMPLE).unwrap();
    let entries: Vec<(Option<&str>, &[Filter])> = policy.entries().iter().map(|e| (e.origin(), e.filters())).collect();
    assert_eq!(
        entries,
        vec![
            (Some("http://my-web-server0"), &[][..]),
            (Some("http://my-web-server1"), &[Filter::All][..]),
            (
                Some("http://my-web-server2"),
                &[Filter::Namespace("agent".into()), Filter::Request("voice.dial".into())][..]
            ),
            (
                Some("http://my-web-server3"),
                &[Filter::Namespace("agent".into()), Filter::Namespace("interaction".into())][..]
            ),
        ]
    );
    assert!(policy.warnings().is_empty(), "{:?}", policy.warnings());
    assert_eq!(policy.to_string(), SEED_EXAMPLE);
}

#[test]
fn seed_example_allowed_services() {
    let policy = OriginPolicy::parse(SEED_EXAMPLE).unwrap();
    let server3: Vec<String> = REQUEST_NAMES
        .iter()
        .filter(|r| r.starts_with("agent.") || r.starts_with("interaction.") || **r == "system.getAllowedServices")
        .map(|r| (*r).to_owned())
        .collect();
    for (origin, expected) in [
        ("http://my-web-server0", Some(all_but_jwt())),
        ("http://my-web-server1", Some(all_but_jwt())),
        (
            "http://my-web-server2",
            Some(names(&[
                "agent.get",
                "agent.getState",
                "agent.getStateList",
                "agent.setState",
                "system.getAllowedServices",
                "voice.dial",
            ])),
        ),
        ("http://my-web-server3", Some(server3)),
        ("http://my-web-server4", None),
        ("https://my-web-server0", None),
        ("http://my-web-server0:8080", None),
        ("null", None),
        ("", None),
    ] {
        assert_eq!(policy.allowed_services(origin), expected, "{origin}");
        assert_eq!(policy.is_accepted(origin), expected.is_some(), "{origin}");
    }
}

#[test]
fn seed_example_allows() {
    let policy = OriginPolicy::parse(SEED_EXAMPLE).unwrap();
    for (origin, request, allowed) in [
        ("http://my-web-server0", "interaction.setUserData", true),
        ("http://my-web-server0", "outbound.getCampaigns", true),
        ("http://my-web-server0", "future.request", true),
        ("http://my-web-server1", "voice.dial", true),
        ("http://my-web-server2", "agent.get", true),
        ("http://my-web-server2", "agent.getStateList", true),
        ("http://my-web-server2", "agent.setState", true),
        ("http://my-web-server2", "agent.getState", true),
        ("http://my-web-server2", "voice.dial", true),
        ("http://my-web-server2", "voice.dialEx", false),
        ("http://my-web-server2", "voice.hangUp", false),
        ("http://my-web-server2", "interaction.setUserData", false),
        ("http://my-web-server2", "system.getAllowedServices", true),
        ("http://my-web-server3", "interaction.setUserData", true),
        ("http://my-web-server3", "interaction.getInteractions", true),
        ("http://my-web-server3", "agent.get", true),
        ("http://my-web-server3", "voice.dial", false),
        ("http://my-web-server3", "media.setState", false),
        ("http://my-web-server4", "agent.get", false),
        ("http://my-web-server4", "system.getAllowedServices", false),
        // Normalised: case, default port, trailing slash.
        ("HTTP://MY-WEB-SERVER2:80/", "voice.dial", true),
        // Request names are case-sensitive.
        ("http://my-web-server2", "voice.Dial", false),
        ("http://my-web-server2", "Agent.get", false),
        // Not a request name at all.
        ("http://my-web-server0", "agent", false),
        ("http://my-web-server0", "", false),
    ] {
        assert_eq!(policy.allows(origin, request), allowed, "{origin} {request}");
    }
}

#[test]
fn get_jwt_token_only_when_named() {
    for (value, origin, allowed) in [
        ("https://genesyspureengage.github.io (*, auth.getJwtToken)", "https://genesyspureengage.github.io", true),
        ("https://genesyspureengage.github.io (auth.getJwtToken)", "https://genesyspureengage.github.io", true),
        ("https://genesyspureengage.github.io (*)", "https://genesyspureengage.github.io", false),
        ("https://genesyspureengage.github.io (auth.*)", "https://genesyspureengage.github.io", false),
        ("https://genesyspureengage.github.io", "https://genesyspureengage.github.io", false),
        ("*", "https://genesyspureengage.github.io", false),
        ("* (*)", "https://genesyspureengage.github.io", false),
        ("* (auth.getJwtToken)", "https://anyone.example", true),
        ("http://a (auth.getJwtToken), http://b", "http://b", false),
    ] {
        let policy = OriginPolicy::parse(value).unwrap();
        assert_eq!(policy.allows(origin, "auth.getJwtToken"), allowed, "{value}");
        let listed = policy.allowed_services(origin).unwrap().iter().any(|r| r == "auth.getJwtToken");
        assert_eq!(listed, allowed, "{value}");
    }
    let seed = OriginPolicy::parse("https://genesyspureengage.github.io (*, auth.getJwtToken)").unwrap();
    assert_eq!(seed.allowed_services("https://genesyspureengage.github.io").unwrap().len(), REQUEST_NAMES.len());
}

#[test]
fn sip_endpoint_is_covered_by_voice() {
    for (filters, request, allowed) in [
        ("voice.*", "sipEndpoint.muteMicrophone", true),
        ("voice.*", "sipEndpoint.isSpeakerMute", true),
        ("voice.muteMicrophone", "sipEndpoint.muteMicrophone", true),
        ("voice.muteMicrophone", "sipEndpoint.muteSpeaker", false),
        ("sipEndpoint.*", "sipEndpoint.unmuteSpeaker", true),
        ("sipEndpoint.*", "voice.dial", false),
        ("sipEndpoint.muteSpeaker", "sipEndpoint.muteSpeaker", true),
        ("agent.*", "sipEndpoint.muteMicrophone", false),
    ] {
        let policy = OriginPolicy::parse(&format!("http://a ({filters})")).unwrap();
        assert_eq!(policy.allows("http://a", request), allowed, "{filters} {request}");
        assert!(policy.warnings().is_empty(), "{filters}: {:?}", policy.warnings());
    }
}

#[test]
fn any_origin_and_lists() {
    for (value, origin, request, allowed) in [
        ("*", "http://anything:1234", "agent.get", true),
        ("*", "null", "agent.get", true),
        ("*", "not an origin", "voice.dial", true),
        ("* (agent.*)", "http://x", "agent.get", true),
        ("* (agent.*)", "http://x", "voice.dial", false),
        // Grants of every matching entry add up.
        ("* (agent.*), http://x (voice.dial)", "http://x", "voice.dial", true),
        ("* (agent.*), http://x (voice.dial)", "http://x", "agent.get", true),
        ("* (agent.*), http://x (voice.dial)", "http://y", "voice.dial", false),
        ("http://x (agent.*), http://x (voice.dial)", "http://x", "voice.dial", true),
        // No space before the parenthesis, extra spaces everywhere.
        ("http://x(agent.get)", "http://x", "agent.get", true),
        ("  http://x  (  agent.get  ,  voice.*  )  ,  http://y  ", "http://x", "voice.hangUp", true),
        ("  http://x  (  agent.get  ,  voice.*  )  ,  http://y  ", "http://y", "media.setState", true),
        // Origins in the option are normalised too.
        ("HTTPS://X.Example:443/", "https://x.example", "agent.get", true),
        ("https://x.example:8443", "https://x.example", "agent.get", false),
        ("https://x.example:8443", "https://x.example:8443", "agent.get", true),
        // Future requests: accepted by `*`, `ns.*` and by name.
        ("http://x (future.*)", "http://x", "future.thing", true),
        ("http://x (future.thing)", "http://x", "future.thing", true),
        ("http://x (future.thing)", "http://x", "future.other", false),
    ] {
        let policy = OriginPolicy::parse(value).unwrap();
        assert_eq!(policy.allows(origin, request), allowed, "{value} | {origin} {request}");
    }
}

#[test]
fn blank_value_accepts_nobody() {
    for value in ["", "   ", "\t\n"] {
        let policy = OriginPolicy::parse(value).unwrap();
        assert_eq!(policy, OriginPolicy::deny_all());
        assert!(!policy.is_accepted("http://x"));
        assert_eq!(policy.allowed_services("http://x"), None);
    }
    assert_eq!(OriginPolicy::parse("*").unwrap(), OriginPolicy::any_origin());
    assert_eq!("*".parse::<OriginPolicy>().unwrap(), OriginPolicy::any_origin());
}

#[test]
fn warnings_for_unknown_names() {
    for (value, expected) in [
        (
            "http://x (agent.getStatelist)",
            vec![
                "accepted-web-content-origins: `agent.getStatelist` (column 11) is not a request this version knows (did you mean `agent.getStateList`?); it is kept for future requests",
            ],
        ),
        (
            "http://x (sipendpoint.*)",
            vec![
                "accepted-web-content-origins: `sipendpoint.*` (column 11) names a namespace this version does not know (did you mean `sipEndpoint.*`?); it is kept for future requests",
            ],
        ),
        (
            "http://x (custom.thing, auth.*)",
            vec![
                "accepted-web-content-origins: `custom.thing` (column 11) is not a request this version knows; it is kept for future requests",
                "accepted-web-content-origins: `auth.*` (column 25) does not grant `auth.getJwtToken`, which must be named in full",
            ],
        ),
        (
            "http://x, HTTP://X/",
            vec![
                "accepted-web-content-origins: `http://x` (column 11) is listed more than once; the grants of its entries add up",
            ],
        ),
        ("http://x (voice.muteSpeaker, agent.*, *)", vec![]),
    ] {
        let policy = OriginPolicy::parse(value).unwrap();
        assert_eq!(policy.warnings(), expected.as_slice(), "{value}");
    }
}

#[test]
fn bad_values_name_the_part_and_column() {
    for (value, expected) in [
        (
            "http://a (agent.*",
            "invalid service-client-api.accepted-web-content-origins at column 10 (`(agent.*`): unbalanced `(`: the filter list is not closed with `)`",
        ),
        (
            "http://a agent.*)",
            "invalid service-client-api.accepted-web-content-origins at column 17 (`)`): unbalanced `)`: no `(` before it",
        ),
        (
            "http://a (agent.* (voice.dial))",
            "invalid service-client-api.accepted-web-content-origins at column 19 (`(`): unexpected `(` inside a filter list",
        ),
        (
            "http://a, , http://b",
            "invalid service-client-api.accepted-web-content-origins at column 11: empty origin: two commas in a row, or a comma at the start or the end of the value",
        ),
        (
            "http://a,",
            "invalid service-client-api.accepted-web-content-origins at column 10: empty origin: two commas in a row, or a comma at the start or the end of the value",
        ),
        (
            ", http://a",
            "invalid service-client-api.accepted-web-content-origins at column 1: empty origin: two commas in a row, or a comma at the start or the end of the value",
        ),
        (
            "(agent.*)",
            "invalid service-client-api.accepted-web-content-origins at column 1 (`(`): a filter list must follow an origin",
        ),
        (
            "http://a ()",
            "invalid service-client-api.accepted-web-content-origins at column 10 (`()`): empty filter list: omit the parentheses to allow every request",
        ),
        (
            "http://a (agent.*,)",
            "invalid service-client-api.accepted-web-content-origins at column 19: empty filter: two commas in a row, or a comma next to a parenthesis",
        ),
        (
            "http://a (agent.*, voice)",
            "invalid service-client-api.accepted-web-content-origins at column 20 (`voice`): a filter is `*`, `namespace.*` or `namespace.method` (e.g. `agent.*`, `voice.dial`)",
        ),
        (
            "http://a (voice.auto*)",
            "invalid service-client-api.accepted-web-content-origins at column 11 (`voice.auto*`): a filter is `*`, `namespace.*` or `namespace.method` (e.g. `agent.*`, `voice.dial`)",
        ),
        (
            "http://a (*) http://b",
            "invalid service-client-api.accepted-web-content-origins at column 14 (`http://b`): unexpected text after `)`: origins are separated by commas",
        ),
        (
            "http://a, my-web-server",
            "invalid service-client-api.accepted-web-content-origins at column 11 (`my-web-server`): `://` is missing: an origin is `scheme://host[:port]`, e.g. `https://my-web-server:8443`",
        ),
        (
            "http://a http://b",
            "invalid service-client-api.accepted-web-content-origins at column 1 (`http://a http://b`): an origin contains no spaces (is a comma missing between two origins?)",
        ),
        (
            "http://my-web-server/path/page.html",
            "invalid service-client-api.accepted-web-content-origins at column 1 (`http://my-web-server/path/page.html`): an origin has no path, query or fragment: an origin is `scheme://host[:port]`, e.g. `https://my-web-server:8443`",
        ),
        (
            "http://*.example.com",
            "invalid service-client-api.accepted-web-content-origins at column 1 (`http://*.example.com`): wildcards are not allowed in an origin; `*` alone accepts any origin",
        ),
        (
            "http://a:99999",
            "invalid service-client-api.accepted-web-content-origins at column 1 (`http://a:99999`): the port `99999` is not a number from 1 to 65535",
        ),
        (
            "é, http://a:x",
            "invalid service-client-api.accepted-web-content-origins at column 1 (`é`): `://` is missing: an origin is `scheme://host[:port]`, e.g. `https://my-web-server:8443`",
        ),
        (
            "http://é.a (x), http://a:x",
            "invalid service-client-api.accepted-web-content-origins at column 1 (`http://é.a`): the host `é.a` is not ASCII: write it in its punycode (`xn--`) form",
        ),
        (
            "http://ok (*), http://a:x",
            "invalid service-client-api.accepted-web-content-origins at column 16 (`http://a:x`): the port `x` is not a number from 1 to 65535",
        ),
    ] {
        let error = OriginPolicy::parse(value).unwrap_err();
        assert!(matches!(error, PolicyError::Origins { .. }), "{value}");
        assert_eq!(error.to_string(), expected, "{value}");
    }
}

#[test]
fn columns_count_characters() {
    let error = OriginPolicy::parse("http://ä.x (agent.*), http://b (nope)").unwrap_err();
    assert_eq!(
        error,
        PolicyError::Origins {
            part: "http://ä.x".into(),
            column: 1,
            reason: "the host `ä.x` is not ASCII: write it in its punycode (`xn--`) form".into(),
        }
    );
    let error = OriginPolicy::parse("http://a (ä.*, nope)").unwrap_err();
    assert_eq!(
        error,
        PolicyError::Origins {
            part: "ä.*".into(),
            column: 11,
            reason: "a filter is `*`, `namespace.*` or `namespace.method` (e.g. `agent.*`, `voice.dial`)".into(),
        }
    );
    let error = OriginPolicy::parse("* (agent.*), http://ä").unwrap_err();
    assert!(matches!(error, PolicyError::Origins { column: 14, .. }), "{error:?}");
}

#[test]
fn normalize_origin_errors_read_well() {
    assert_eq!(
        normalize_origin("http://host/path").unwrap_err().to_string(),
        "invalid origin `http://host/path`: an origin has no path, query or fragment: an origin is `scheme://host[:port]`, e.g. `https://my-web-server:8443`"
    );
}
