//! Decoding never panics: mutated fixtures (bytes and JSON values) and hostile inputs get a
//! typed error or a decoded value, and every error says where it happened.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use std::fs;
use std::sync::OnceLock;

use cxwire_model::DecodeError;
use cxwire_model::connects::ConnectsMessage;
use cxwire_model::registry::{self, SchemaEntry};
use cxwire_model::scapi::{ClientMessage, WorkspaceMessage};
use proptest::prelude::*;
use serde_json::Value;

struct Fixture {
    entry: SchemaEntry,
    text: String,
}

mod common;

fn fixtures() -> &'static [Fixture] {
    static ALL: OnceLock<Vec<Fixture>> = OnceLock::new();
    ALL.get_or_init(|| {
        common::fixtures()
            .into_iter()
            .map(|(id, path)| Fixture {
                entry: registry::entry(&id).unwrap(),
                text: fs::read_to_string(&path).unwrap(),
            })
            .collect()
    })
}

/// Runs every decode entry point on `text`; checks errors are well-formed and successes
/// re-encode.
fn decode_everything(entry: &SchemaEntry, text: &str) {
    let check = |e: DecodeError| {
        let shown = e.to_string();
        assert!(!shown.is_empty());
        if let DecodeError::Json { context, path, .. } = &e {
            assert!(!context.is_empty() && !path.is_empty(), "error without context or path: {e:?}");
        }
    };
    match WorkspaceMessage::decode(text) {
        Ok(m) => drop(serde_json::to_string(&m).unwrap()),
        Err(e) => check(e),
    }
    match ClientMessage::decode(text) {
        Ok(m) => drop(serde_json::to_string(&m).unwrap()),
        Err(e) => check(e),
    }
    match ConnectsMessage::decode(text) {
        Ok(m) => drop(serde_json::to_string(&m).unwrap()),
        Err(e) => check(e),
    }
    if let Err(e) = entry.decode(text) {
        check(e);
    }
}

/// A random JSON value of a different kind, hostile strings included.
fn replacement() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(Value::from),
        Just(Value::from(u64::MAX)),
        ".{0,40}".prop_map(Value::String),
        Just(Value::String("\u{0}\u{202e}<script>\"'\\".to_owned())),
        Just(Value::Array(vec![])),
        Just(Value::Object(Default::default())),
        Just(serde_json::json!({"eventType": "STATE_CHANGED", "interaction": [1, 2]})),
    ]
}

/// Replaces the node at a pseudo-random position (by pre-order index) with `with`.
fn replace_nth(value: &mut Value, n: &mut usize, with: &Value) -> bool {
    if *n == 0 {
        *value = with.clone();
        return true;
    }
    *n -= 1;
    match value {
        Value::Array(items) => items.iter_mut().any(|v| replace_nth(v, n, with)),
        Value::Object(map) => map.values_mut().any(|v| replace_nth(v, n, with)),
        _ => false,
    }
}

/// Removes or renames a key at a pseudo-random object.
fn drop_nth_key(value: &mut Value, n: &mut usize) -> bool {
    match value {
        Value::Object(map) => {
            if *n < map.len() {
                let key = map.keys().nth(*n).cloned().unwrap();
                map.remove(&key);
                return true;
            }
            *n -= map.len();
            map.values_mut().any(|v| drop_nth_key(v, n))
        }
        Value::Array(items) => items.iter_mut().any(|v| drop_nth_key(v, n)),
        _ => false,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn byte_mutations_never_panic(index in any::<prop::sample::Index>(), at in any::<prop::sample::Index>(), insert in ".{0,3}", cut in any::<bool>()) {
        let fixture = &fixtures()[index.index(fixtures().len())];
        let text = &fixture.text;
        let mut pos = at.index(text.len() + 1);
        while !text.is_char_boundary(pos) {
            pos -= 1;
        }
        let mutated = if cut { text[..pos].to_owned() } else { format!("{}{insert}{}", &text[..pos], &text[pos..]) };
        decode_everything(&fixture.entry, &mutated);
    }

    #[test]
    fn value_mutations_never_panic(index in any::<prop::sample::Index>(), node in 0usize..400, with in replacement(), drop_key in any::<bool>()) {
        let fixture = &fixtures()[index.index(fixtures().len())];
        let mut value: Value = serde_json::from_str(&fixture.text).unwrap();
        let mut n = node;
        if drop_key {
            drop_nth_key(&mut value, &mut n);
        } else {
            replace_nth(&mut value, &mut n, &with);
        }
        decode_everything(&fixture.entry, &value.to_string());
    }
}

#[test]
fn hostile_inputs_get_typed_errors() {
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let deep_object = format!(r#"{{"event":"interaction","data":{}{}}}"#, r#"{"a":"#.repeat(5_000), "}".repeat(5_000));
    let cases: Vec<String> = vec![
        String::new(),
        "null".into(),
        "42".into(),
        "\"text\"".into(),
        "[]".into(),
        "{".into(),
        deep,
        deep_object,
        r#"{"event":"agent","data":{"eventType":"STATE_CHANGED","mediaState":"\ud800"}}"#.into(),
        r#"{"request":"agent.setState","parameters":{"0":"Ready"},"referenceId":"1"}"#.into(),
        r#"{"request":42,"referenceId":"1"}"#.into(),
        r#"{"referenceId":1,"data":true}"#.into(),
        r#"{"frameId":-1}"#.into(),
        r#"{"frameId":1e400}"#.into(),
        r#"{"event":"system","data":{"eventType":"CUSTOM_TOAST_BUTTON_CLICK","customToastId":"t","buttonIndex":-1}}"#
            .into(),
        r#"{"event":"subscribe","data":{"topics":"agent"},"referenceId":"0"}"#.into(),
        r#"{"request":"agent.get"} trailing"#.into(),
    ];
    for text in &cases {
        let w = WorkspaceMessage::decode(text);
        let c = ClientMessage::decode(text);
        assert!(w.is_err() || c.is_err(), "one side must refuse {}", &text[..text.len().min(80)]);
        for err in [w.err(), c.err()].into_iter().flatten() {
            assert!(!err.to_string().is_empty());
        }
    }
}

#[test]
fn errors_name_the_message_and_the_path() {
    let err = ClientMessage::decode(
        r#"{"request":"interaction.consult","parameters":["1",{"type":"AGENT"}],"referenceId":"3"}"#,
    )
    .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("interaction.consult") && text.contains("targetQuery") && text.contains("parameters[1]"),
        "{text}"
    );

    let err = WorkspaceMessage::decode(
        r#"{"event":"interaction","data":{"eventType":"ADDED","interaction":{"parties":[{"name":5}]}}}"#,
    )
    .unwrap_err();
    let text = err.to_string();
    assert!(text.contains("event `interaction`") && text.contains("data.interaction.parties[0].name"), "{text}");

    let answer = r#"{"request":"agent.getStateList","referenceId":"4","data":[{"type":"READY"},{"type":7}]}"#;
    let WorkspaceMessage::Answer(frame) = WorkspaceMessage::decode(answer).unwrap() else { panic!("answer") };
    let err = frame.response().unwrap().unwrap_err();
    let text = err.to_string();
    assert!(text.contains("agent.getStateList") && text.contains("data[1].type"), "{text}");
}

#[test]
fn absent_fields_are_not_emitted() {
    use cxwire_model::scapi::types::{Interaction, ToastParameters};
    assert_eq!(serde_json::to_string(&Interaction::default()).unwrap(), "{}");
    let toast = ToastParameters { title: "Hi".into(), icon_url: "https://x/i.png".into(), ..Default::default() };
    assert_eq!(serde_json::to_string(&toast).unwrap(), r#"{"title":"Hi","iconUrl":"https://x/i.png"}"#);
}
