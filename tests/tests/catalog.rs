//! The repository's copy of catalog.json (`spec/catalog.json`) against the model: every request,
//! parameter, type field, event type, outbound preview value, widgets option and Connects request
//! the catalog lists has its counterpart, a schema file and fixtures.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use cxwire_model::connects::ConnectsRequest;
use cxwire_model::registry;
use cxwire_model::scapi::types::{
    Agent, CallType, Capability, Contact, Device, Field, Interaction, InteractionState, Media, Party, Section, State,
    StateType,
};
use cxwire_model::scapi::{
    AgentEvent, AgentEventType, DOCUMENTED_NAMES, FrameState, InteractionEventFamily, InteractionEventType,
    OutboundEvent, OutboundEventType, REQUEST_NAMES, RealtimeConnectionState, SystemEvent, SystemEventType,
};
use cxwire_model::widgets::{CallbackServiceEvent, Command};
use schemars::JsonSchema;
use serde_json::Value;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

fn catalog() -> Value {
    serde_json::from_str(&fs::read_to_string(repo().join("spec/catalog.json")).unwrap()).unwrap()
}

fn properties<T: JsonSchema>() -> BTreeSet<String> {
    let schema = schemars::schema_for!(T).to_value();
    schema["properties"].as_object().map(|p| p.keys().cloned().collect()).unwrap_or_default()
}

/// The properties an entry's schema documents: at its root, in the definition its root refers
/// to, and in the schemas its root combines with `allOf`.
fn entry_properties(id: &str) -> BTreeSet<String> {
    fn collect(node: &Value, root: &Value, out: &mut BTreeSet<String>) {
        if let Some(props) = node["properties"].as_object() {
            // A property declared `false` is forbidden, not documented.
            out.extend(props.iter().filter(|(_, v)| **v != Value::Bool(false)).map(|(k, _)| k.clone()));
        }
        if let Some(name) = node["$ref"].as_str().and_then(|r| r.strip_prefix("#/$defs/")) {
            collect(&root["$defs"][name], root, out);
        }
        for item in node["allOf"].as_array().into_iter().flatten() {
            collect(item, root, out);
        }
    }
    let schema = registry::entry(id).unwrap_or_else(|| panic!("no entry {id}")).schema().to_value();
    let mut out = BTreeSet::new();
    collect(&schema, &schema, &mut out);
    out
}

/// `"A | B | C* (note)"` or `"A B C"` -> words, without notes and markers.
fn words(text: &str) -> Vec<String> {
    let text = text.split('(').next().unwrap_or("");
    text.split(|c: char| c == '|' || c == ',' || c.is_whitespace())
        .map(|w| w.trim().trim_end_matches('*'))
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

#[test]
fn every_request_is_modelled_in_catalog_order_with_its_parameters() {
    let catalog = catalog();
    let methods = catalog["service_client_api"]["methods"].as_array().unwrap();
    assert_eq!(methods.len(), 75, "the catalog lists 75 requests");
    let names: Vec<&str> = methods.iter().map(|m| m["request"].as_str().unwrap()).collect();
    assert_eq!(names, REQUEST_NAMES, "request names and order");

    for (method, info) in methods.iter().zip(registry::requests()) {
        let params = method["params"].as_array().unwrap();
        let documented: Vec<&str> = params.iter().map(|p| p["name"].as_str().unwrap()).collect();
        assert_eq!(info.parameters, documented.as_slice(), "parameters of {}", info.name);
        let required = params.iter().filter(|p| !p["optional"].as_bool().unwrap_or(false)).count();
        assert_eq!(info.required, required, "required parameters of {}", info.name);
    }
}

#[test]
fn requests_documented_under_another_name_accept_it() {
    // The catalog gives each request its documented namespace and method; where
    // `namespace.method` differs from the wire name (the SIP endpoint calls, documented under
    // voice), the model accepts the documented name too, and only there.
    let catalog = catalog();
    let mut documented = Vec::new();
    for (method, info) in catalog["service_client_api"]["methods"].as_array().unwrap().iter().zip(registry::requests())
    {
        let name = format!("{}.{}", method["namespace"].as_str().unwrap(), method["method"].as_str().unwrap());
        if name == info.name {
            assert_eq!(info.documented_name, None, "{}", info.name);
        } else {
            assert_eq!(info.documented_name, Some(name.as_str()), "{}", info.name);
            documented.push((name, info.name));
        }
    }
    assert_eq!(documented.len(), 6, "the six SIP endpoint calls: {documented:?}");
    let model: Vec<(String, &str)> = DOCUMENTED_NAMES.iter().map(|(d, w)| ((*d).to_owned(), *w)).collect();
    assert_eq!(documented, model);
}

#[test]
fn every_request_has_schemas_and_fixtures() {
    for name in REQUEST_NAMES {
        for kind in ["request", "answer"] {
            let id = format!("scapi/{kind}/{name}");
            assert!(registry::entry(&id).is_some(), "no registry entry {id}");
            assert!(repo().join("schemas").join(format!("{id}.json")).is_file(), "no schema file for {id}");
            let dir = repo().join("tests/fixtures").join(&id);
            let count = fs::read_dir(&dir).map(|d| d.count()).unwrap_or(0);
            assert!(count > 0, "no fixture in {}", dir.display());
        }
    }
}

#[test]
fn every_documented_type_field_is_a_model_field() {
    let catalog = catalog();
    let types = catalog["service_client_api"]["types"].as_object().unwrap();
    let models: [(&str, BTreeSet<String>); 9] = [
        ("agent.Agent", properties::<Agent>()),
        ("media.State", properties::<State>()),
        ("media.Media", properties::<Media>()),
        ("media.Device", properties::<Device>()),
        ("configuration.Section", properties::<Section>()),
        ("interaction.Party", properties::<Party>()),
        ("interaction.Contact", properties::<Contact>()),
        ("interaction.Interaction", properties::<Interaction>()),
        ("outbound.Field", properties::<Field>()),
    ];
    for (name, props) in &models {
        let fields = types[*name].as_object().unwrap_or_else(|| panic!("catalog type {name}"));
        for field in fields.keys() {
            let field = field.trim_end_matches('?');
            assert!(props.contains(field), "{name}.{field} is not a field of the model");
        }
    }
    for value in words(types["media.State"]["type"].as_str().unwrap()) {
        assert!(StateType::from_wire(&value).is_known(), "state type {value}");
    }
    let states = types["InteractionState"].as_str().unwrap();
    for value in words(states).into_iter().chain(["PREVIEWING".to_owned()]) {
        assert!(InteractionState::from_wire(&value).is_known(), "interaction state {value}");
    }
    for value in words(types["interaction.Interaction"]["callType"].as_str().unwrap()) {
        assert!(CallType::from_wire(&value).is_known(), "call type {value}");
    }
    // The samples' spellings from the note: 'Internal' and 'OUTBOUND_PREVIEW'.
    assert!(CallType::from_wire("Internal").is_known() && CallType::from_wire("OUTBOUND_PREVIEW").is_known());
}

#[test]
fn every_documented_event_is_modelled() {
    let catalog = catalog();
    let events = &catalog["service_client_api"]["events"];

    assert!(AgentEventType::from_wire(events["agent"]["eventType"].as_str().unwrap()).is_known());
    let agent_props = properties::<AgentEvent>();
    for field in events["agent"]["fields"].as_object().unwrap().keys() {
        assert!(agent_props.contains(field.trim_end_matches('?')), "agent event field {field}");
    }

    let system_props = properties::<SystemEvent>();
    for (event_type, fields) in events["system"]["eventTypes"].as_object().unwrap() {
        assert!(SystemEventType::from_wire(event_type).is_known(), "system event {event_type}");
        for (field, doc) in fields.as_object().unwrap() {
            assert!(system_props.contains(field), "system event field {field}");
            if field == "state" {
                for value in words(doc.as_str().unwrap()) {
                    assert!(RealtimeConnectionState::from_wire(&value).is_known(), "realtime state {value}");
                }
            }
        }
    }
    let frame_states = events["system"]["also"].as_str().unwrap();
    let inside = frame_states.split(':').nth(1).unwrap().trim_end_matches(|c| c != '}');
    for value in words(inside.trim_end_matches('}').split("without").next().unwrap()) {
        assert!(FrameState::from_wire(value.trim_end_matches('}')).is_known(), "frame state {value}");
    }

    let families = [
        ("common", InteractionEventFamily::Common),
        ("voice", InteractionEventFamily::Voice),
        ("openmedia", InteractionEventFamily::OpenMedia),
        ("chat", InteractionEventFamily::Chat),
        ("outbound_email", InteractionEventFamily::OutboundEmail),
        ("outbound_preview", InteractionEventFamily::OutboundPreview),
        ("case", InteractionEventFamily::Case),
    ];
    for (key, family) in families {
        for name in words(events["interaction"][key].as_str().unwrap()) {
            let t = InteractionEventType::from_wire(&name);
            assert_eq!(t.family(), Some(family), "interaction event {name} in family {key}");
        }
    }

    let outbound_props = properties::<OutboundEvent>();
    for (event_type, fields) in events["outbound"]["eventTypes"].as_object().unwrap() {
        assert!(OutboundEventType::from_wire(event_type).is_known(), "outbound event {event_type}");
        for field in fields.as_object().unwrap().keys() {
            assert!(outbound_props.contains(field), "outbound event field {field}");
        }
    }
    for topic in ["agent", "interaction", "system", "outbound", "media", "markdone"] {
        assert!(events.get(topic).is_some(), "catalog topic {topic}");
        assert!(cxwire_model::scapi::TOPICS.contains(&topic), "model topic {topic}");
    }
}

#[test]
fn the_outbound_preview_table_uses_only_modelled_values() {
    let catalog = catalog();
    let rows = catalog["service_client_api"]["outbound_preview_events"].as_array().unwrap();
    assert_eq!(rows.len(), 19);
    for row in rows {
        for event in row["events"].as_array().unwrap() {
            let t = InteractionEventType::from_wire(event["eventType"].as_str().unwrap());
            assert!(t.is_known(), "{t}");
            assert!(InteractionState::from_wire(event["state"].as_str().unwrap()).is_known());
        }
        for call_type in row["callType"].as_str().unwrap().split('/') {
            assert!(CallType::from_wire(call_type.trim()).is_known(), "call type {call_type}");
        }
        for capability in row["capabilities"].as_array().unwrap() {
            let name = words(capability.as_str().unwrap()).remove(0);
            assert!(Capability::from_wire(&name).is_known(), "capability {name}");
        }
    }
}

#[test]
fn every_widgets_command_option_and_event_is_modelled() {
    let catalog = catalog();
    for item in catalog["widgets"].as_array().unwrap() {
        if let Some(command) = item["command"].as_str() {
            assert!(Command::from_wire(command).is_known(), "command {command}");
            let id = match command {
                "CallbackService.schedule" => "widgets/schedule-options",
                "CallbackService.availability" => "widgets/availability-options",
                "ClickToCallService.requestNumber" => "widgets/request-number-options",
                _ => continue,
            };
            let props = entry_properties(id);
            for option in item["options"].as_object().unwrap().keys() {
                assert!(props.contains(option), "{command} option {option}");
            }
        } else if item["config"].as_str() == Some("_genesys.widgets.callback") {
            let props = entry_properties("widgets/callback-config");
            for option in item["options"].as_object().unwrap().keys() {
                assert!(props.contains(option), "callback config option {option}");
            }
        } else if let Some(events) = item["events"].as_str() {
            let names = events.replace("CallbackService.", "");
            for name in words(&names) {
                let full = format!("CallbackService.{name}");
                assert!(CallbackServiceEvent::from_wire(&full).is_known(), "event {full}");
            }
        }
    }
}

#[test]
fn every_connects_request_is_modelled() {
    let catalog = catalog();
    let requests = catalog["bs_connects_integration_api"].as_array().unwrap();
    let mut names = Vec::new();
    for request in requests {
        let params: Vec<&String> = request["params"].as_object().unwrap().keys().collect();
        let id = match request["request"].as_str() {
            Some(name) => {
                names.push(name);
                format!("connects/{name}")
            }
            None => "connects/click-to-act".to_owned(),
        };
        let props = entry_properties(&id);
        for p in params {
            assert!(props.contains(p), "{id} parameter {p}");
        }
    }
    assert_eq!(names, ConnectsRequest::NAMES);
}
