//! Where the seeds (003, the widgets seeds, 004) and the published library or the examples
//! disagree, both forms are accepted and re-encoded as received; where the seed makes a rule,
//! a document that breaks it is refused with an error that says why.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use cxwire_model::DecodeError;
use cxwire_model::connects::{ClickToAct, ConnectsCustomEvent, ConnectsEventType, ConnectsMessage};
use cxwire_model::scapi::types::{
    ApplicationMenuView, CallResultCode, CallbackType, Campaigns, ConfigurationOptions, Interaction, InteractionDate,
    OptionValue, ToastParameters,
};
use cxwire_model::scapi::{
    AnswerOutcome, ClientMessage, DOCUMENTED_NAMES, NameForm, OutboundSetCallResult, REQUEST_NAMES, Request,
    RequestFrame, Response, ServiceRequest, SipEndpointIsMicrophoneMute, SipEndpointMuteMicrophone, WorkspaceMessage,
    decode_answer,
};
use cxwire_model::widgets::{AvailabilityOptions, DesiredTimeKey, ScheduleOptions};
use serde_json::{Value, json};

fn request_frame(text: &str) -> RequestFrame {
    match ClientMessage::decode(text).unwrap() {
        ClientMessage::Request(frame) => frame,
        other => panic!("not a request: {other:?}"),
    }
}

fn reencoded<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap()
}

// ---- voice.* / sipEndpoint.* ----

#[test]
fn the_six_sip_endpoint_calls_have_their_documented_voice_names() {
    let expected = [
        ("voice.isMicrophoneMute", "sipEndpoint.isMicrophoneMute"),
        ("voice.muteMicrophone", "sipEndpoint.muteMicrophone"),
        ("voice.unmuteMicrophone", "sipEndpoint.unmuteMicrophone"),
        ("voice.isSpeakerMute", "sipEndpoint.isSpeakerMute"),
        ("voice.muteSpeaker", "sipEndpoint.muteSpeaker"),
        ("voice.unmuteSpeaker", "sipEndpoint.unmuteSpeaker"),
    ];
    assert_eq!(DOCUMENTED_NAMES, expected);
    for (documented, wire) in expected {
        assert!(REQUEST_NAMES.contains(&wire));
        assert!(!REQUEST_NAMES.contains(&documented), "{documented} is not a request of its own");
    }
    assert_eq!(SipEndpointMuteMicrophone::DOCUMENTED_NAME, Some("voice.muteMicrophone"));
    assert!(SipEndpointMuteMicrophone::is_named("voice.muteMicrophone"));
    assert!(SipEndpointMuteMicrophone::is_named("sipEndpoint.muteMicrophone"));
    assert!(!SipEndpointMuteMicrophone::is_named("voice.muteSpeaker"));
    assert_eq!(OutboundSetCallResult::DOCUMENTED_NAME, None);
}

#[test]
fn a_voice_named_request_decodes_and_re_encodes_with_the_name_it_was_sent_with() {
    for (documented, wire) in DOCUMENTED_NAMES {
        for (name, form) in [(*documented, NameForm::Documented), (*wire, NameForm::Wire)] {
            let text = json!({"request": name, "referenceId": "3", "userAgent": "WWE Client", "protocolVersion": 2});
            let frame = request_frame(&text.to_string());
            assert_eq!(frame.request.name(), *wire, "{name} is the request {wire}");
            assert_eq!(frame.request.documented_name(), Some(*documented));
            assert_eq!(frame.name_form, form, "{name}");
            assert_eq!(frame.wire_name(), name);
            assert_eq!(reencoded(&frame), text, "re-encoding {name} is lossless");
        }
    }
}

#[test]
fn the_library_name_is_sent_by_default() {
    let frame = RequestFrame::new(SipEndpointMuteMicrophone {}, "1");
    assert_eq!(frame.name_form, NameForm::Wire);
    assert_eq!(reencoded(&frame)["request"], "sipEndpoint.muteMicrophone");
    let frame = RequestFrame { name_form: NameForm::Documented, ..frame };
    assert_eq!(reencoded(&frame)["request"], "voice.muteMicrophone");
    // A request without a documented name ignores the form.
    let frame = RequestFrame { name_form: NameForm::Documented, ..RequestFrame::new(Request::from(dial()), "2") };
    assert_eq!(reencoded(&frame)["request"], "voice.dial");
}

fn dial() -> cxwire_model::scapi::VoiceDial {
    cxwire_model::scapi::VoiceDial { destination: "5001".into(), user_data: None }
}

#[test]
fn a_voice_named_request_still_takes_no_parameters() {
    let err = ClientMessage::decode(r#"{"request":"voice.muteMicrophone","parameters":[true],"referenceId":"1"}"#)
        .unwrap_err();
    assert_eq!(err, DecodeError::Arity { request: "sipEndpoint.muteMicrophone".into(), min: 0, max: 0, found: 1 });
    // Only the six have a voice name: another voice.* name is not a SIP endpoint call.
    let frame = request_frame(r#"{"request":"voice.mute","referenceId":"1"}"#);
    assert!(matches!(frame.request, Request::Raw(_)));
}

#[test]
fn answers_named_with_the_voice_name_decode_as_the_request_answer() {
    let answer = r#"{"request":"voice.isMicrophoneMute","referenceId":"4","data":true,"userAgent":"WWE Server"}"#;
    let WorkspaceMessage::Answer(frame) = WorkspaceMessage::decode(answer).unwrap() else { panic!("answer") };
    assert!(matches!(frame.response().unwrap().unwrap(), Response::SipEndpointIsMicrophoneMute(true)));
    assert!(frame.decode_data::<SipEndpointIsMicrophoneMute>().unwrap());
    assert_eq!(reencoded(&frame), serde_json::from_str::<Value>(answer).unwrap(), "the answer keeps its name");
    assert!(matches!(decode_answer::<SipEndpointIsMicrophoneMute>(answer).unwrap(), AnswerOutcome::Data(true)));
    assert!(matches!(
        Response::decode("voice.isSpeakerMute", Some("false")),
        Ok(Response::SipEndpointIsSpeakerMute(false))
    ));
    // The voice name carries the same answer type: a non-boolean is refused.
    let err = Response::decode("voice.isSpeakerMute", Some(r#""no""#)).unwrap_err();
    assert!(err.to_string().contains("sipEndpoint.isSpeakerMute") && err.to_string().contains("data"), "{err}");
}

// ---- outbound.setCallResult ----

#[test]
fn call_result_is_a_number_or_a_string_holding_one_kept_as_received() {
    for (parameters, value, text) in [
        (json!(["1", 33]), 33, None),
        (json!(["1", "33"]), 33, Some("33")),
        (json!(["1", "-2"]), -2, Some("-2")),
        (json!(["1", "007"]), 7, Some("007")),
    ] {
        let text_frame = json!({"request": "outbound.setCallResult", "parameters": parameters, "referenceId": "5"});
        let frame = request_frame(&text_frame.to_string());
        let Request::OutboundSetCallResult(r) = &frame.request else { panic!("{frame:?}") };
        assert_eq!(r.call_result.value(), value);
        assert_eq!(r.call_result.as_text(), text);
        assert_eq!(reencoded(&frame), text_frame, "the form received is kept");
    }
    assert_eq!(reencoded(&CallResultCode::from(28)), json!(28), "the library's form by default");
}

#[test]
fn a_call_result_that_is_not_a_number_is_refused() {
    for bad in [json!("busy"), json!(""), json!("1.5"), json!(" 12"), json!("12a"), json!("-"), json!(1.5), json!(true)]
    {
        let text = json!({"request": "outbound.setCallResult", "parameters": ["1", bad], "referenceId": "5"});
        let err = ClientMessage::decode(&text.to_string()).unwrap_err();
        let shown = err.to_string();
        assert!(shown.contains("parameters[1]") && shown.contains("callResult"), "{bad}: {shown}");
    }
    let err = CallResultCode::from_text("busy").unwrap_err();
    assert!(err.contains("not a number"), "{err}");
    let err = CallResultCode::from_text("99999999999999999999").unwrap_err();
    assert!(err.contains("out of range"), "{err}");
}

// ---- CallbackService options ----

#[test]
fn schedule_options_accept_both_spellings_of_desired_time() {
    let camel: ScheduleOptions = serde_json::from_value(json!({"desiredTime": "2017-03-03T00:24:17.804Z"})).unwrap();
    let lower: ScheduleOptions = serde_json::from_value(json!({"desiredtime": "2017-03-03T00:24:17.804Z"})).unwrap();
    assert_eq!(camel.desired_time, lower.desired_time);
    assert_eq!(
        (camel.desired_time_key, lower.desired_time_key),
        (DesiredTimeKey::CamelCase, DesiredTimeKey::Lowercase)
    );
    assert_eq!(reencoded(&lower), json!({"desiredtime": "2017-03-03T00:24:17.804Z"}));
    assert_eq!(reencoded(&camel), json!({"desiredTime": "2017-03-03T00:24:17.804Z"}));
    let built = ScheduleOptions { desired_time: Some("2017-03-03T00:24:17.804Z".into()), ..Default::default() };
    assert_eq!(reencoded(&built), json!({"desiredTime": "2017-03-03T00:24:17.804Z"}), "examples' spelling by default");
}

#[test]
fn schedule_options_with_both_spellings_are_refused() {
    let err = serde_json::from_value::<ScheduleOptions>(
        json!({"desiredTime": "2017-03-03T00:24:17.804Z", "desiredtime": "2017-03-04T00:24:17.804Z"}),
    )
    .unwrap_err();
    assert!(err.to_string().contains("both `desiredTime` and `desiredtime`"), "{err}");
}

#[test]
fn unknown_option_keys_are_kept_and_listed() {
    let doc = json!({"phonenumber": "4151110000", "preferredAgent": "emp42", "Desired_Time": "x"});
    let options: ScheduleOptions = serde_json::from_value(doc.clone()).unwrap();
    assert_eq!(options.unknown_keys(), ["Desired_Time", "preferredAgent"]);
    assert_eq!(reencoded(&options), doc);
    assert!(!ScheduleOptions { extra: options.extra.clone(), ..Default::default() }.has_form_data());

    let doc = json!({"startDate": "2017-04-03T00:24:17.804Z", "timezone": "Europe/Paris"});
    let options: AvailabilityOptions = serde_json::from_value(doc.clone()).unwrap();
    assert_eq!(options.unknown_keys(), ["timezone"]);
    assert_eq!(reencoded(&options), doc);
    let seed: ScheduleOptions = serde_json::from_value(json!({"firstname": "Bob", "desiredTime": "t"})).unwrap();
    assert!(seed.unknown_keys().is_empty());
}

// ---- Interaction.startDate / endDate ----

#[test]
fn interaction_dates_may_be_numbers_or_strings() {
    let doc = json!({"startDate": 1763716500000_i64, "endDate": "2025-11-21T09:21:42.000Z"});
    let interaction: Interaction = serde_json::from_value(doc.clone()).unwrap();
    assert_eq!(interaction.start_date.as_ref().and_then(InteractionDate::as_millis), Some(1_763_716_500_000));
    assert_eq!(interaction.end_date, Some(InteractionDate::Text("2025-11-21T09:21:42.000Z".into())));
    assert_eq!(reencoded(&interaction), doc);
    let fractional: Interaction = serde_json::from_value(json!({"startDate": 1.5})).unwrap();
    assert_eq!(reencoded(&fractional), json!({"startDate": 1.5}));
    let null: Interaction = serde_json::from_value(json!({"startDate": null})).unwrap();
    assert_eq!((null.start_date, reencoded(&null.extra)), (None, json!({"startDate": null})));
    // Neither a number nor a string.
    let err = serde_json::from_value::<Interaction>(json!({"startDate": {"ms": 1}})).unwrap_err();
    assert!(err.to_string().contains("InteractionDate"), "{err}");
}

// ---- configuration.getOption / getContextualOption ----

#[test]
fn configuration_answers_are_a_map_or_an_array_of_sections() {
    let map = json!({"interaction-workspace": {"voice.auto-answer": "false"}});
    let list = json!([{"name": "voice.auto-answer", "value": "false"}, {"name": "voice.dial-plan-rule-set", "value": ["a", "b"]}]);
    for (data, is_list) in [(&map, false), (&list, true)] {
        let Response::ConfigurationGetOption(options) =
            Response::decode("configuration.getOption", Some(&data.to_string())).unwrap()
        else {
            panic!("getOption")
        };
        assert_eq!(options.list().is_some(), is_list);
        assert_eq!(options.sections().is_some(), !is_list);
        assert_eq!(options.option("voice.auto-answer"), Some(&OptionValue::Single("false".into())));
        assert!(!options.is_empty());
        assert_eq!(reencoded(&options), *data, "re-encoded in the form received");
    }
    let contextual = Response::decode("configuration.getContextualOption", Some(&list.to_string())).unwrap();
    assert_eq!(contextual.to_data(), Some(list));
    assert!(ConfigurationOptions::default().is_empty());
}

#[test]
fn a_section_needs_its_name_and_value() {
    for bad in [
        json!([{"name": "voice.auto-answer"}]),
        json!([{"value": "x"}]),
        json!([{"name": "a", "value": 5}]),
        json!("x"),
    ] {
        let err = Response::decode("configuration.getOption", Some(&bad.to_string())).unwrap_err();
        assert!(err.to_string().contains("configuration.getOption"), "{bad}: {err}");
    }
    let kept: ConfigurationOptions =
        serde_json::from_value(json!([{"name": "a", "value": "1", "section": "CustomSection"}])).unwrap();
    assert_eq!(reencoded(&kept), json!([{"name": "a", "value": "1", "section": "CustomSection"}]));
}

// ---- outbound.getCampaigns ----

#[test]
fn campaigns_of_an_undocumented_shape_are_kept() {
    let list: Campaigns = serde_json::from_value(json!([{"name": "A", "mode": "Preview", "state": "Loaded"}])).unwrap();
    assert_eq!(list.list().unwrap()[0].name.as_deref(), Some("A"));
    for other in [json!({"A": {"state": "Started"}}), json!(["A", "B"]), json!([{"name": 5}]), json!("A"), json!(3)] {
        let campaigns: Campaigns = serde_json::from_value(other.clone()).unwrap();
        assert_eq!(campaigns, Campaigns::Unknown(other.clone()));
        assert_eq!(reencoded(&campaigns), other);
    }
    let answer = Response::decode("outbound.getCampaigns", Some(r#"{"A":1}"#)).unwrap();
    assert_eq!(answer.to_data(), Some(json!({"A": 1})));
}

#[test]
fn campaigns_answer_null_is_refused() {
    let err = Response::decode("outbound.getCampaigns", None).unwrap_err();
    assert!(err.to_string().contains("not null"), "{err}");
    let err = Response::decode("outbound.getCampaigns", Some("null")).unwrap_err();
    assert!(err.to_string().contains("not null"), "{err}");
}

// ---- callbackType, menu views, toasts ----

#[test]
fn callback_type_keeps_unknown_values() {
    let frame = request_frame(
        r#"{"request":"outbound.rescheduleRecord","parameters":["1",257,"05/27/2021 10:55","GROUP"],"referenceId":"9"}"#,
    );
    let Request::OutboundRescheduleRecord(r) = &frame.request else { panic!("{frame:?}") };
    assert_eq!(r.callback_type, CallbackType::Other("GROUP".into()));
    assert_eq!(reencoded(&frame)["parameters"][3], "GROUP");
    assert_eq!(CallbackType::KNOWN, ["CAMPAIGN", "PERSONAL"]);
}

#[test]
fn a_menu_view_needs_an_icon_url_or_a_label() {
    for good in [json!({"name": "v", "label": "L"}), json!({"name": "v", "iconUrl": "https://x/i.png"})] {
        let view: ApplicationMenuView = serde_json::from_value(good.clone()).unwrap();
        assert_eq!(reencoded(&view), good);
    }
    for bad in [
        json!({"name": "v"}),
        json!({"name": "v", "shortLabel": "S", "tooltip": "T"}),
        json!({"name": "v", "iconUrl": null, "label": null}),
    ] {
        let err = serde_json::from_value::<ApplicationMenuView>(bad.clone()).unwrap_err();
        assert!(err.to_string().contains("needs an `iconUrl` or a `label`"), "{bad}: {err}");
    }
    let text = r#"{"request":"system.updateViewInApplicationMenuBar","parameters":[{"name":"v"}],"referenceId":"1"}"#;
    let err = ClientMessage::decode(text).unwrap_err();
    assert!(err.to_string().contains("parameters[0]") && err.to_string().contains("iconUrl"), "{err}");
}

#[test]
fn a_toast_needs_its_title_and_icon_url() {
    let toast: ToastParameters = serde_json::from_value(json!({"title": "T", "iconUrl": "https://x/i.png"})).unwrap();
    assert_eq!(toast.icon_url, "https://x/i.png");
    let err = serde_json::from_value::<ToastParameters>(json!({"title": "T", "message": "m"})).unwrap_err();
    assert!(err.to_string().contains("missing field `iconUrl`"), "{err}");
    let text = r#"{"request":"system.popupToast","parameters":[{"title":"T"}],"referenceId":"1"}"#;
    assert!(ClientMessage::decode(text).unwrap_err().to_string().contains("iconUrl"));
}

// ---- b+s Connects: CIClickToAct ----

#[test]
fn ci_click_to_act_is_accepted_as_the_event_type_and_kept() {
    let text = r#"{"type":"CIClickToAct","detail":{"value":"123456","entityLogicalName":"contact"}}"#;
    let event = ConnectsCustomEvent::decode(text).unwrap();
    assert_eq!(event.event_type, ConnectsEventType::CiClickToAct);
    assert!(matches!(&event.detail, ConnectsMessage::ClickToAct(ClickToAct { value, .. }) if value == "123456"));
    assert_eq!(reencoded(&event), serde_json::from_str::<Value>(text).unwrap());
    let text = r#"{"type":"integrationapi","detail":{"request":"sendDtmf","dtmf":"12"}}"#;
    let event = ConnectsCustomEvent::decode(text).unwrap();
    assert_eq!(event.event_type, ConnectsEventType::IntegrationApi);
    assert_eq!(reencoded(&event), serde_json::from_str::<Value>(text).unwrap());
    assert_eq!(ConnectsEventType::default().as_str(), "integrationapi");
}

#[test]
fn other_custom_event_types_and_bad_details_are_refused() {
    let err = ConnectsCustomEvent::decode(r#"{"type":"ciclicktoact","detail":{"value":"1"}}"#).unwrap_err();
    assert!(matches!(&err, DecodeError::Json { path, .. } if path == "type"), "{err}");
    assert!(err.to_string().contains("CIClickToAct"), "{err}");
    let err = ConnectsCustomEvent::decode(r#"{"type":"CIClickToAct"}"#).unwrap_err();
    assert!(err.to_string().contains("detail"), "{err}");
    let err = ConnectsCustomEvent::decode(r#"{"type":"CIClickToAct","detail":{"request":"sendDtmf"}}"#).unwrap_err();
    assert!(matches!(&err, DecodeError::Json { path, .. } if path.starts_with("detail")), "{err}");
    let err = ConnectsCustomEvent::decode(r#"{"type":"CIClickToAct","detail":{"value":"1"},"x":1}"#).unwrap_err();
    assert!(err.to_string().contains('x'), "{err}");
}
