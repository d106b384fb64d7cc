//! Configuration options: the seed's wildcard examples, its `IW_OverrideOptions` example, the
//! repository's configuration fixtures and the configuration-file form of the store.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use std::path::PathBuf;

use cxwire_model::scapi::Response;
use cxwire_model::scapi::types::{OptionQuery, OptionValue, UserData};
use cxwire_sim::options::{
    DEFAULT_SECTION, INTERACTION_NOT_FOUND, OVERRIDE_OPTION_KEY, OptionError, OptionPattern, OptionStore, PatternFault,
};
use proptest::prelude::*;
use serde_json::{Value, json};

fn read_json(relative: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..").join(relative);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

fn text(s: &str) -> OptionValue {
    OptionValue::Single(s.to_owned())
}

fn many(patterns: &[&str]) -> OptionQuery {
    OptionQuery::Many(patterns.iter().map(|p| (*p).to_owned()).collect())
}

/// A store with the options the seed's getOption examples name.
fn store() -> OptionStore {
    let mut s = OptionStore::new();
    let iw = DEFAULT_SECTION;
    s.set(iw, "voice.auto-answer", text("false"));
    s.set(iw, "voice.auto-answer.timer", text("5"));
    s.set(iw, "voice.dial-plan-rule-set", OptionValue::List(vec!["internal".into(), "national".into()]));
    s.set(iw, "voice.hold-active-call-on-make-call", text("true"));
    s.set(iw, "voicemail.enabled", text("true"));
    s.set(iw, "privilege.email.can-mark-done", text("true"));
    s.set(iw, "privilege.voice.can-answer-call", text("true"));
    s.set(iw, "sipendpoint.uri", text("http://localhost:8000"));
    s.set(iw, "interaction.case-data.header-foreground-color", text("#FFFFFF"));
    s.set(iw, "interaction.case-data.frame-color", text("#FFBA00"));
    s.set("CustomSection", "option.custom.customer.code", text("ACME-42"));
    s.set("CustomAPI", "test.one", text("1"));
    s.set("CustomAPI", "test.two", text("2"));
    s.set("CustomAPI", "other", text("3"));
    s.set("sipendpoint", "policy.endpoint.x", text("in another section"));
    s
}

fn names(answer: &cxwire_model::scapi::types::ConfigurationSections, section: &str) -> Vec<String> {
    answer.get(section).map(|o| o.keys().cloned().collect()).unwrap_or_default()
}

#[test]
fn seed_get_option_forms() {
    let s = store();
    // A single option.
    let a = s.get_option(&"voice.auto-answer".into()).unwrap();
    assert_eq!(serde_json::to_value(&a).unwrap(), json!({"interaction-workspace": {"voice.auto-answer": "false"}}));
    // A single option in a specific section.
    let a = s.get_option(&"CustomSection/option.custom.customer.code".into()).unwrap();
    assert_eq!(serde_json::to_value(&a).unwrap(), json!({"CustomSection": {"option.custom.customer.code": "ACME-42"}}));
    // Multiple options.
    let a = s.get_option(&many(&["voice.auto-answer", "privilege.email.can-mark-done"])).unwrap();
    assert_eq!(names(&a, DEFAULT_SECTION), ["privilege.email.can-mark-done", "voice.auto-answer"]);
    // Multiple options in different sections (the seed's `privilege.*` and a custom section):
    // grouped by section.
    let a = s.get_option(&many(&["privilege.*", "CustomSection/option.custom.customer.code"])).unwrap();
    assert_eq!(
        serde_json::to_value(&a).unwrap(),
        json!({
            "interaction-workspace": {
                "privilege.email.can-mark-done": "true",
                "privilege.voice.can-answer-call": "true"
            },
            "CustomSection": {"option.custom.customer.code": "ACME-42"}
        })
    );
    // A subset in a named section (the getContextualOption example's form).
    let a = s.get_option(&"interaction-workspace/interaction.case-data.*".into()).unwrap();
    assert_eq!(
        names(&a, DEFAULT_SECTION),
        ["interaction.case-data.frame-color", "interaction.case-data.header-foreground-color"]
    );
}

#[test]
fn seed_wildcards_allowed() {
    let s = store();
    let a = s.get_option(&"voice.*".into()).unwrap();
    assert_eq!(
        names(&a, DEFAULT_SECTION),
        [
            "voice.auto-answer",
            "voice.auto-answer.timer",
            "voice.dial-plan-rule-set",
            "voice.hold-active-call-on-make-call"
        ]
    );
    assert_eq!(a.len(), 1, "voicemail.* and other sections are not matched");
    let a = s.get_option(&"voice.auto*".into()).unwrap();
    assert_eq!(names(&a, DEFAULT_SECTION), ["voice.auto-answer", "voice.auto-answer.timer"]);
    let a = s.get_option(&"sipendpoint.*".into()).unwrap();
    assert_eq!(
        serde_json::to_value(&a).unwrap(),
        json!({"interaction-workspace": {"sipendpoint.uri": "http://localhost:8000"}})
    );
    let a = s.get_option(&"CustomAPI/test.*".into()).unwrap();
    assert_eq!(serde_json::to_value(&a).unwrap(), json!({"CustomAPI": {"test.one": "1", "test.two": "2"}}));
    // List values come back as arrays.
    let a = s.get_option(&"voice.dial*".into()).unwrap();
    assert_eq!(
        serde_json::to_value(&a).unwrap()["interaction-workspace"]["voice.dial-plan-rule-set"],
        json!(["internal", "national"])
    );
}

#[test]
fn the_vendor_samples_query_with_a_whole_section_is_answered() {
    let s = store();
    let a = s.get_option(&many(&["voice.*", "CustomAPI/*"])).unwrap();
    let a = serde_json::to_value(&a).unwrap();
    assert_eq!(a["CustomAPI"], json!({"other": "3", "test.one": "1", "test.two": "2"}), "{a}");
    assert!(a["interaction-workspace"]["voice.auto-answer"].is_string(), "{a}");
}

#[test]
fn seed_wildcards_refused() {
    let s = store();
    for pattern in
        ["*.mark-done", "* mark-done", "* auto", "*", "voice.*.x", "voice.**", "Custom*/test.*", "CustomAPI/*x", ""]
    {
        let err = s.get_option(&pattern.into()).unwrap_err();
        assert!(matches!(&err, OptionError::InvalidPattern { pattern: p, .. } if p == pattern), "{pattern}");
        assert!(err.to_string().starts_with(&format!("Error: Invalid option name '{pattern}': ")), "{err}");
        // The contextual form refuses the same patterns, even for an unknown interaction.
        let ctx = s.get_contextual_option(&pattern.into(), None).unwrap_err();
        assert_eq!(ctx, err);
    }
    // One bad pattern refuses the whole query.
    let err = s.get_option(&many(&["voice.auto-answer", "*.mark-done"])).unwrap_err();
    assert_eq!(
        err.to_string(),
        "Error: Invalid option name '*.mark-done': the wildcard '*' is allowed only at the end of an option name, \
         after at least one character (for example 'voice.*', 'voice.auto*' or 'CustomAPI/test.*')."
    );
    assert_eq!(
        OptionPattern::parse("Custom*/test.*").unwrap_err().to_string(),
        "Error: Invalid option name 'Custom*/test.*': a section name cannot contain the wildcard '*'; name the section in full."
    );
    assert!(matches!(
        OptionPattern::parse("/voice.*"),
        Err(OptionError::InvalidPattern { reason: PatternFault::EmptySection, .. })
    ));
}

#[test]
fn unknown_options_and_sections_are_absent() {
    let s = store();
    assert!(s.get_option(&"no.such.option".into()).unwrap().is_empty());
    assert!(s.get_option(&"NoSection/x".into()).unwrap().is_empty());
    assert!(s.get_option(&"zzz.*".into()).unwrap().is_empty());
    assert!(s.get_option(&many(&[])).unwrap().is_empty());
    // Names are case-sensitive.
    assert!(s.get_option(&"Voice.auto-answer".into()).unwrap().is_empty());
    let a = s.get_option(&many(&["voice.auto-answer", "nope"])).unwrap();
    assert_eq!(names(&a, DEFAULT_SECTION), ["voice.auto-answer"]);
}

fn overriding_user_data() -> UserData {
    [("IW_OverrideOptions".to_owned(), json!("CaseDataColor"))].into()
}

#[test]
fn seed_iw_override_options_example() {
    let s = OptionStore::seed_example();
    let ud = overriding_user_data();
    let query: OptionQuery = "interaction.case-data.frame-color".into();

    // getOption: the application's value.
    let answer = Response::ConfigurationGetOption(s.get_option(&query).unwrap().into()).to_data().unwrap();
    let fixture = read_json("tests/fixtures/scapi/answer/configuration.getOption/seed-frame-color.json");
    assert_eq!(answer, fixture["data"]);
    assert_eq!(answer, json!({"interaction-workspace": {"interaction.case-data.frame-color": "#FFBA00"}}));

    // getContextualOption: the transaction's value.
    let answer = Response::ConfigurationGetContextualOption(s.get_contextual_option(&query, Some(&ud)).unwrap().into())
        .to_data()
        .unwrap();
    let fixture = read_json("tests/fixtures/scapi/answer/configuration.getContextualOption/seed-frame-color.json");
    assert_eq!(answer, fixture["data"]);
    assert_eq!(answer, json!({"interaction-workspace": {"interaction.case-data.frame-color": "#FF008000"}}));

    // Wildcards see the overridden value too.
    let a = s.get_contextual_option(&"interaction-workspace/interaction.case-data.*".into(), Some(&ud)).unwrap();
    assert_eq!(a[DEFAULT_SECTION]["interaction.case-data.frame-color"], text("#FF008000"));

    // Unknown interaction: the seed's errorMessage.
    let err = s.get_contextual_option(&query, None).unwrap_err();
    let fixture =
        read_json("tests/fixtures/scapi/answer/configuration.getContextualOption/seed-interaction-not-found.json");
    assert_eq!(err.to_string(), fixture["errorMessage"].as_str().unwrap());
    assert_eq!(err.to_string(), INTERACTION_NOT_FOUND);

    // Without the user-data key, or naming another transaction: no override.
    for ud in [UserData::new(), [("IW_OverrideOptions".to_owned(), json!("Other"))].into()] {
        let a = s.get_contextual_option(&query, Some(&ud)).unwrap();
        assert_eq!(a[DEFAULT_SECTION]["interaction.case-data.frame-color"], text("#FFBA00"));
    }
    // Without the override-option-key option: no override.
    let mut no_key = s.clone();
    no_key.remove(DEFAULT_SECTION, OVERRIDE_OPTION_KEY);
    let a = no_key.get_contextual_option(&query, Some(&ud)).unwrap();
    assert_eq!(a[DEFAULT_SECTION]["interaction.case-data.frame-color"], text("#FFBA00"));
    // The key option names the user-data key, not a fixed one.
    let mut other_key = s.clone();
    other_key.set(DEFAULT_SECTION, OVERRIDE_OPTION_KEY, text("MyOverrides"));
    let a = other_key.get_contextual_option(&query, Some(&ud)).unwrap();
    assert_eq!(a[DEFAULT_SECTION]["interaction.case-data.frame-color"], text("#FFBA00"));
    let mine: UserData = [("MyOverrides".to_owned(), json!("Something, CaseDataColor"))].into();
    let a = other_key.get_contextual_option(&query, Some(&mine)).unwrap();
    assert_eq!(a[DEFAULT_SECTION]["interaction.case-data.frame-color"], text("#FF008000"));
    // getOption never applies overrides.
    assert_eq!(s.get_option(&query).unwrap()[DEFAULT_SECTION]["interaction.case-data.frame-color"], text("#FFBA00"));
}

#[test]
fn sections_and_arrays_fixture() {
    let mut s = store();
    s.set(DEFAULT_SECTION, "voice.dial-plan-rule-set", OptionValue::List(vec!["internal".into(), "national".into()]));
    let query = many(&[
        "privilege.email.can-mark-done",
        "voice.auto-answer",
        "interaction.case-data.header-foreground-color",
        "voice.dial-plan-rule-set",
        "CustomSection/option.custom.customer.code",
    ]);
    let answer = Response::ConfigurationGetOption(s.get_option(&query).unwrap().into()).to_data().unwrap();
    let fixture = read_json("tests/fixtures/scapi/answer/configuration.getOption/sections-and-arrays.json");
    assert_eq!(answer, fixture["data"]);
}

#[test]
fn store_from_a_config_file() {
    let file = json!({
        "sections": {
            "interaction-workspace": {
                "interaction.case-data.frame-color": "#FFBA00",
                "interaction.override-option-key": "IW_OverrideOptions",
                "voice.auto-answer": false,
                "voice.auto-answer.timer": 5,
                "voice.dial-plan-rule-set": ["internal", "national"]
            }
        },
        "transactions": {
            "CaseDataColor": {
                "interaction-workspace": {"interaction.case-data.frame-color": "#FF008000"}
            }
        }
    });
    let s: OptionStore = serde_json::from_value(file).unwrap();
    assert_eq!(s.get(DEFAULT_SECTION, "voice.auto-answer"), Some(&text("false")));
    assert_eq!(s.get(DEFAULT_SECTION, "voice.auto-answer.timer"), Some(&text("5")));
    let a =
        s.get_contextual_option(&"interaction.case-data.frame-color".into(), Some(&overriding_user_data())).unwrap();
    assert_eq!(a[DEFAULT_SECTION]["interaction.case-data.frame-color"], text("#FF008000"));

    // Round trip, and the seed example's serialized form.
    let back: OptionStore = serde_json::from_value(serde_json::to_value(&s).unwrap()).unwrap();
    assert_eq!(back, s);
    let seed = serde_json::to_value(OptionStore::seed_example()).unwrap();
    assert_eq!(
        seed,
        json!({
            "sections": {"interaction-workspace": {
                "interaction.case-data.frame-color": "#FFBA00",
                "interaction.override-option-key": "IW_OverrideOptions"
            }},
            "transactions": {"CaseDataColor": {"interaction-workspace": {"interaction.case-data.frame-color": "#FF008000"}}}
        })
    );
    assert_eq!(serde_json::from_value::<OptionStore>(seed).unwrap(), OptionStore::seed_example());
    // Both parts are optional; an empty object is an empty store.
    assert_eq!(serde_json::from_value::<OptionStore>(json!({})).unwrap(), OptionStore::new());

    // Bad files say where.
    let err = serde_json::from_value::<OptionStore>(json!({"sections": {"S": {"o": {"nested": 1}}}})).unwrap_err();
    assert!(err.to_string().contains("sections.S.o"), "{err}");
    let err = serde_json::from_value::<OptionStore>(json!({"sections": {"S": {"o": null}}})).unwrap_err();
    assert!(err.to_string().contains("sections.S.o"), "{err}");
    let err = serde_json::from_value::<OptionStore>(json!({"transactions": {"T": {"S": {"o": [1, {}]}}}})).unwrap_err();
    assert!(err.to_string().contains("transactions.T.S.o"), "{err}");
    let err = serde_json::from_value::<OptionStore>(json!({"section": {}})).unwrap_err();
    assert!(err.to_string().contains("unknown field"), "{err}");
}

proptest! {
    /// Any accepted pattern has at most one `*`, at the very end, after at least one character
    /// of option name, or is `Section/*` (a whole section); no pattern panics.
    #[test]
    fn accepted_patterns_obey_the_rule(pattern in "[a-zA-Z./* -]{0,12}") {
        match OptionPattern::parse(&pattern) {
            Ok(p) => {
                let option = pattern.split_once('/').map_or(pattern.as_str(), |(_, o)| o);
                prop_assert!(!p.name.contains('*'));
                prop_assert!(!p.section.contains('*'));
                prop_assert!(!p.name.is_empty() || (option == "*" && pattern.contains('/')));
                prop_assert_eq!(p.wildcard, option.ends_with('*'));
            }
            Err(OptionError::InvalidPattern { pattern: p, .. }) => prop_assert_eq!(p, pattern),
            Err(other) => prop_assert!(false, "unexpected {other:?}"),
        }
    }
}
