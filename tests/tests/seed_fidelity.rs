//! The seed-fidelity rules (issue 10 item 6) agree between the Rust decoder and the generated
//! schemas: each wrong document is refused by both, each accepted alternative form by neither.
//! (The accepted forms are also fixtures; this file adds the documents that must fail.)

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use cxwire_model::registry;
use serde_json::{Value, json};

mod common;

fn schema(id: &str) -> jsonschema::Validator {
    // The committed schema file, as other languages read it (references among the files).
    common::file_validator(&registry::entry(id).unwrap())
}

fn accepted(id: &str, doc: &Value) {
    let entry = registry::entry(id).unwrap();
    if let Err(e) = entry.decode(&doc.to_string()) {
        panic!("{id}: the decoder refuses {doc}: {e}");
    }
    let errors: Vec<String> = schema(id).iter_errors(doc).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{id}: the schema refuses {doc}: {errors:?}");
}

fn refused(id: &str, doc: &Value, message: &str) {
    let entry = registry::entry(id).unwrap();
    match entry.decode(&doc.to_string()) {
        Ok(d) => panic!("{id}: the decoder accepts {doc}: {}", d.typed),
        Err(e) => assert!(e.to_string().contains(message), "{id}: {doc}: error {e:?} does not say {message:?}"),
    }
    assert!(!schema(id).is_valid(doc), "{id}: the schema accepts {doc}");
}

fn request(name: &str, parameters: Value) -> Value {
    json!({"request": name, "parameters": parameters, "referenceId": "1", "userAgent": "WWE Client", "protocolVersion": 2})
}

fn answer(name: &str, data: Value) -> Value {
    json!({"request": name, "referenceId": "1", "data": data, "userAgent": "WWE Server", "protocolVersion": 2})
}

#[test]
fn voice_names_of_the_sip_endpoint_calls() {
    let id = "scapi/request/sipEndpoint.muteMicrophone";
    accepted(id, &json!({"request": "voice.muteMicrophone", "referenceId": "1"}));
    accepted(id, &json!({"request": "sipEndpoint.muteMicrophone", "referenceId": "1"}));
    refused(id, &request("voice.muteMicrophone", json!([true])), "takes 0 parameter(s), got 1");
    refused(id, &json!({"request": "voice.muteSpeaker", "referenceId": "1"}), "not a request frame of this request");
    refused(id, &json!({"request": "sipendpoint.muteMicrophone", "referenceId": "1"}), "not a request frame");
    let id = "scapi/answer/sipEndpoint.isMicrophoneMute";
    accepted(id, &answer("voice.isMicrophoneMute", json!(false)));
    refused(id, &answer("voice.isMicrophoneMute", json!("yes")), "data");
    refused(id, &answer("voice.isSpeakerMute", json!(true)), "another request");
}

#[test]
fn call_result_must_be_a_number() {
    let id = "scapi/request/outbound.setCallResult";
    accepted(id, &request("outbound.setCallResult", json!(["1", 28])));
    accepted(id, &request("outbound.setCallResult", json!(["1", "28"])));
    for bad in [json!("busy"), json!(""), json!("2.5"), json!(2.5), json!(null), json!([28])] {
        refused(id, &request("outbound.setCallResult", json!(["1", bad])), "callResult");
    }
}

#[test]
fn schedule_options_take_one_spelling_of_desired_time() {
    let id = "widgets/schedule-options";
    accepted(id, &json!({"phonenumber": "1", "desiredtime": "2017-03-03T00:24:17.804Z"}));
    accepted(id, &json!({"phonenumber": "1", "desiredTime": "2017-03-03T00:24:17.804Z", "extraOption": 1}));
    refused(
        id,
        &json!({"desiredTime": "2017-03-03T00:24:17.804Z", "desiredtime": "2017-03-03T00:24:17.804Z"}),
        "both `desiredTime` and `desiredtime`",
    );
    // A null reads as absent (as for every option).
    accepted(id, &json!({"phonenumber": "1", "desiredTime": null, "desiredtime": "2017-03-03T00:24:17.804Z"}));
    accepted("widgets/availability-options", &json!({"startDate": "2017-04-03T00:24:17.804Z", "timezone": "UTC"}));
}

#[test]
fn interaction_dates_are_numbers_or_strings() {
    let id = "scapi/answer/interaction.getByInteractionId";
    accepted(id, &answer("interaction.getByInteractionId", json!({"interactionId": "1", "startDate": "today"})));
    accepted(id, &answer("interaction.getByInteractionId", json!({"interactionId": "1", "endDate": 1.5})));
    refused(id, &answer("interaction.getByInteractionId", json!({"interactionId": "1", "startDate": {}})), "startDate");
    refused(id, &answer("interaction.getByInteractionId", json!({"interactionId": "1", "endDate": true})), "endDate");
}

#[test]
fn configuration_answers_are_a_map_or_sections() {
    let id = "scapi/answer/configuration.getOption";
    accepted(id, &answer("configuration.getOption", json!([{"name": "a", "value": ["x", "y"]}])));
    refused(id, &answer("configuration.getOption", json!([{"name": "a"}])), "value");
    refused(id, &answer("configuration.getOption", json!([{"value": "x"}])), "name");
    refused(id, &answer("configuration.getOption", json!("a")), "configuration.getOption");
    let id = "scapi/answer/configuration.getContextualOption";
    refused(id, &answer("configuration.getContextualOption", json!([{"name": "a", "value": 1}])), "data[0]");
}

#[test]
fn campaigns_keep_any_non_null_shape() {
    let id = "scapi/answer/outbound.getCampaigns";
    for data in [json!({"A": {}}), json!(["A"]), json!([{"name": 1}]), json!(7)] {
        accepted(id, &answer("outbound.getCampaigns", data));
    }
}

#[test]
fn menu_views_need_an_icon_or_a_label_and_toasts_an_icon() {
    let id = "scapi/request/system.updateViewInApplicationMenuBar";
    let name = "system.updateViewInApplicationMenuBar";
    accepted(id, &request(name, json!([{"name": "v", "iconUrl": "https://x/i.png"}])));
    refused(id, &request(name, json!([{"name": "v", "tooltip": "T"}])), "needs an `iconUrl` or a `label`");
    refused(id, &request(name, json!([{"name": "v", "iconUrl": null}])), "needs an `iconUrl` or a `label`");
    let id = "scapi/request/system.popupToast";
    refused(id, &request("system.popupToast", json!([{"title": "T", "message": "m"}])), "iconUrl");
    let id = "scapi/request/system.updateToast";
    refused(id, &request("system.updateToast", json!(["t1", {"title": "T"}])), "iconUrl");
    accepted(
        "scapi/request/outbound.rescheduleRecord",
        &request("outbound.rescheduleRecord", json!(["1", 2, "05/27/2021 10:55", "LATER"])),
    );
}

#[test]
fn connects_custom_events_are_integrationapi_or_ci_click_to_act() {
    let id = "connects/custom-event";
    accepted(
        id,
        &json!({"type": "CIClickToAct", "detail": {"request": "writeLog", "logMessage": "m", "logLevel": "Debug"}}),
    );
    accepted(id, &json!({"type": "integrationapi", "detail": {"request": "someFutureRequest", "x": 1}}));
    refused(id, &json!({"type": "integrationApi", "detail": {"value": "1"}}), "unknown custom event type");
    refused(id, &json!({"type": "CIClickToAct"}), "detail");
    refused(id, &json!({"type": "CIClickToAct", "detail": {"value": "1"}, "bubbles": true}), "bubbles");
    refused(id, &json!({"type": "CIClickToAct", "detail": {"request": "sendDtmf"}}), "dtmf");
    refused(id, &json!({"type": "CIClickToAct", "detail": {"entityId": "1"}}), "value");
}
