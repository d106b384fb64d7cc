//! Outbound preview records: the seed's preview table, read from the repository's
//! catalog.json, checked row by row against what the model emits; and the `outbound.*`
//! requests' rules.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use std::collections::BTreeSet;
use std::path::PathBuf;

use cxwire_model::scapi::types::{CallType, CallbackType, Capability, Field, OutboundRecord, UserData};
use cxwire_model::scapi::{InteractionEvent, Response};
use cxwire_sim::outbound::{
    Completed, DateFault, NewPreviewRecord, OutboundDesk, OutboundError, PreviewMode, RecordPhase, UiEvent,
    seed_call_results,
};
use proptest::prelude::*;
use serde_json::{Value, json};

const RECORD: &str = "5";
const CALL: &str = "6";

fn repo_path(relative: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..").join(relative)
}

fn read_json(relative: &str) -> Value {
    let path = repo_path(relative);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

/// The steps that bring a fresh record of `mode` to where `ui` applies, then `ui` itself;
/// returns the events of `ui` only.
fn run(mode: PreviewMode, ui: UiEvent) -> Vec<InteractionEvent> {
    let mut desk = OutboundDesk::new();
    desk.start_direct_push_preview();
    let received = desk.receive(NewPreviewRecord::example(mode, RECORD)).unwrap();
    if ui == UiEvent::RecordReceived {
        return received;
    }
    match ui {
        UiEvent::Accepted => return desk.accept(RECORD).unwrap(),
        UiEvent::Rejected => return desk.decline(RECORD).unwrap(),
        _ => {}
    }
    if mode != PreviewMode::Pull {
        desk.accept(RECORD).unwrap();
    }
    match ui {
        UiEvent::RejectRecord => return desk.reject_record(Some(RECORD)).unwrap(),
        UiEvent::CancelRecord => return desk.cancel_record(Some(RECORD)).unwrap(),
        _ => {}
    }
    let call = desk.call(RECORD, 283, CALL, 1_000).unwrap();
    if ui == UiEvent::MakeCall {
        return call;
    }
    assert_eq!(ui, UiEvent::ReleaseAndMarkDone);
    // The seed: once the call is made, requests use the call's id.
    let Completed { events, record } = desk.release_and_mark_done(CALL, 2_000).unwrap();
    assert_eq!(record.interaction_id(), RECORD);
    assert!(desk.records().next().is_none());
    events
}

/// A capability of the catalog: its first word (the catalog notes a garbled source cell as
/// `DECLINE (garbled in source)`).
fn capability(text: &str) -> Capability {
    Capability::from_wire(text.split_whitespace().next().unwrap_or_default())
}

/// Every row of catalog.json `outbound_preview_events`, against the model.
///
/// Checked per row: the events' `eventType` and `interaction.state`, in order; the call types
/// (a row listing "A / B" has both, and no other); the capabilities (the union over the row's
/// events is the row's list, in its order, and no event carries a capability the row does not
/// list).
///
/// Which event carries which call type: every event about the record's interaction carries the
/// mode's record call type (`OUTBOUND_PREVIEW`, or `OUTBOUND_PUSH_PREVIEW` in Regular Push), and
/// every event about the call (a second interaction, added by "Make call") carries `OUTBOUND`.
/// So in "Release and mark done", Pull and Direct Push emit `REMOVED` of the record
/// (`OUTBOUND_PREVIEW`) then `RELEASED`, `MARKDONE_APPLY`, `REMOVED` of the call (`OUTBOUND`),
/// and Regular Push emits `RELEASED`, `MARKDONE_APPLY` of the call (`OUTBOUND`), `REMOVED` of
/// the record (`OUTBOUND_PUSH_PREVIEW`), `REMOVED` of the call (`OUTBOUND`). The exact
/// per-event expectations are pinned by `release_and_mark_done_per_event` below.
#[test]
fn catalog_outbound_preview_table() {
    let catalog = read_json("spec/catalog.json");
    let rows = catalog["service_client_api"]["outbound_preview_events"].as_array().expect("outbound_preview_events");
    assert_eq!(rows.len(), 19, "the seed's table has 19 rows");
    let mut covered = BTreeSet::new();
    for row in rows {
        let mode_name = row["mode"].as_str().unwrap();
        let ui_name = row["ui_event"].as_str().unwrap();
        let at = format!("{mode_name} / {ui_name}");
        let mode = PreviewMode::from_catalog_name(mode_name).unwrap_or_else(|| panic!("{at}: unknown mode"));
        let ui = UiEvent::from_catalog_name(ui_name).unwrap_or_else(|| panic!("{at}: unknown UI event"));
        assert_eq!(ui.catalog_name(mode), Some(ui_name), "{at}: the mode's spelling");
        assert!(covered.insert((mode, ui)), "{at}: duplicate row");

        let events = run(mode, ui);

        let expected: Vec<(&str, &str)> = row["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| (e["eventType"].as_str().unwrap(), e["state"].as_str().unwrap()))
            .collect();
        let emitted: Vec<(String, String)> = events
            .iter()
            .map(|e| {
                let i = e.interaction.as_deref().unwrap();
                (e.event_type.as_ref().unwrap().to_string(), i.state.as_ref().unwrap().to_string())
            })
            .collect();
        let emitted_refs: Vec<(&str, &str)> = emitted.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        assert_eq!(emitted_refs, expected, "{at}: event order and states");

        let expected_types: BTreeSet<CallType> =
            row["callType"].as_str().unwrap().split('/').map(|t| CallType::from_wire(t.trim())).collect();
        let mut emitted_types = BTreeSet::new();
        for e in &events {
            let i = e.interaction.as_deref().unwrap();
            let call_type = i.call_type.clone().unwrap();
            let on_record = i.interaction_id.as_deref() == Some(RECORD);
            let carrier = if on_record { mode.record_call_type() } else { CallType::Outbound };
            assert_eq!(call_type, carrier, "{at}: {:?} on {:?}", e.event_type, i.interaction_id);
            emitted_types.insert(call_type);
            assert_eq!(e.media.as_deref(), Some("voice"), "{at}");
            assert_eq!(i.media.as_deref(), Some("voice"), "{at}");
        }
        assert_eq!(emitted_types, expected_types, "{at}: call types");

        let expected_caps: Vec<Capability> =
            row["capabilities"].as_array().unwrap().iter().map(|c| capability(c.as_str().unwrap())).collect();
        let mut union: Vec<Capability> = Vec::new();
        for e in &events {
            let caps = e.interaction.as_deref().unwrap().capabilities.clone().unwrap();
            assert!(caps.iter().all(|c| expected_caps.contains(c)), "{at}: {:?} carries {caps:?}", e.event_type);
            for c in caps {
                if !union.contains(&c) {
                    union.push(c);
                }
            }
        }
        assert_eq!(union, expected_caps, "{at}: capabilities");
    }
    // Every UI event of every mode is in the table.
    for mode in PreviewMode::ALL {
        for ui in UiEvent::ALL {
            assert_eq!(covered.contains(&(mode, ui)), ui.catalog_name(mode).is_some(), "{mode} {ui:?}");
        }
    }
}

fn summary(events: &[InteractionEvent]) -> Vec<(String, String, String, String, Vec<String>)> {
    events
        .iter()
        .map(|e| {
            let i = e.interaction.as_deref().unwrap();
            (
                e.event_type.as_ref().unwrap().to_string(),
                i.interaction_id.clone().unwrap(),
                i.state.as_ref().unwrap().to_string(),
                i.call_type.as_ref().unwrap().to_string(),
                i.capabilities.as_ref().unwrap().iter().map(ToString::to_string).collect(),
            )
        })
        .collect()
}

fn row(e: &str, id: &str, state: &str, ct: &str, caps: &[&str]) -> (String, String, String, String, Vec<String>) {
    (e.into(), id.into(), state.into(), ct.into(), caps.iter().map(|c| (*c).to_owned()).collect())
}

/// The per-event call types and capabilities read from the seed's OCR'd table lines.
#[test]
fn release_and_mark_done_per_event() {
    let pull = summary(&run(PreviewMode::Pull, UiEvent::ReleaseAndMarkDone));
    assert_eq!(
        pull,
        [
            row("REMOVED", RECORD, "IDLE", "OUTBOUND_PREVIEW", &[]),
            row("RELEASED", CALL, "IDLE", "OUTBOUND", &["MARK_DONE"]),
            row("MARKDONE_APPLY", CALL, "IDLE", "OUTBOUND", &["MARK_DONE"]),
            row("REMOVED", CALL, "IDLE", "OUTBOUND", &[]),
        ]
    );
    let push = summary(&run(PreviewMode::Push, UiEvent::ReleaseAndMarkDone));
    assert_eq!(
        push,
        [
            row("RELEASED", CALL, "IDLE", "OUTBOUND", &["MARK_DONE"]),
            row("MARKDONE_APPLY", CALL, "IDLE", "OUTBOUND", &["MARK_DONE"]),
            row("REMOVED", RECORD, "IDLE", "OUTBOUND_PUSH_PREVIEW", &["MARK_DONE"]),
            row("REMOVED", CALL, "IDLE", "OUTBOUND", &[]),
        ]
    );
    let direct = summary(&run(PreviewMode::DirectPush, UiEvent::ReleaseAndMarkDone));
    assert_eq!(
        direct,
        [
            row("REMOVED", RECORD, "IDLE", "OUTBOUND_PREVIEW", &[]),
            row("RELEASED", CALL, "IDLE", "OUTBOUND", &["MARK_DONE"]),
            row("MARKDONE_APPLY", CALL, "IDLE", "OUTBOUND", &["MARK_DONE"]),
            row("REMOVED", CALL, "IDLE", "OUTBOUND", &[]),
        ]
    );
    let push_call = summary(&run(PreviewMode::Push, UiEvent::MakeCall));
    assert_eq!(
        push_call,
        [
            row("ADDED", CALL, "DIALING", "OUTBOUND", &["HANGUP"]),
            row("DIALING", CALL, "DIALING", "OUTBOUND", &["HANGUP"]),
            row("ESTABLISHED", CALL, "TALKING", "OUTBOUND", &["HANGUP", "HOLD"]),
        ]
    );
}

/// The events the model builds have the shape of the repository's outbound fixtures and
/// decode as typed events.
#[test]
fn events_look_like_the_fixtures() {
    let mut desk = OutboundDesk::new();
    let events = desk.receive(NewPreviewRecord::example(PreviewMode::Pull, RECORD)).unwrap();
    let added = serde_json::to_value(&events[0]).unwrap();
    let fixture = read_json("tests/fixtures/scapi/event/interaction/outbound-preview-added.json");
    let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<BTreeSet<_>>();
    assert_eq!(keys(&added), keys(&fixture["data"]));
    for key in ["interactionId", "caseId", "userData", "state", "previousState", "capabilities", "parties", "callType"]
    {
        assert!(added["interaction"].get(key).is_some(), "{key}");
    }
    assert_eq!(added["interaction"]["previousState"], "UNKNOWN");
    assert_eq!(added["interaction"]["userData"]["GSW_RECORD_HANDLE"], "283");
    assert_eq!(added["interaction"]["userData"]["GSW_PHONE"], "+33647005");
    assert_eq!(added["interaction"]["name"], "+33647005");
    assert_eq!(added["interaction"]["isMainCaseInteraction"], true);
    let decoded: InteractionEvent = serde_json::from_value(added).unwrap();
    assert_eq!(decoded, events[0]);
}

#[test]
fn records_retrieved_and_chained_records() {
    let mut desk = OutboundDesk::new();
    desk.receive(NewPreviewRecord::example(PreviewMode::Pull, RECORD)).unwrap();
    let event = desk.records_retrieved(RECORD).unwrap();
    let retrieved = read_json("tests/fixtures/scapi/event/interaction/seed-records-retrieved.json");
    let chain = read_json("tests/fixtures/scapi/answer/outbound.getChainedRecords/seed-chain.json");
    let ours = serde_json::to_value(&event).unwrap();
    assert_eq!(ours["eventType"], "RECORDS_RETRIEVED");
    // The seed prints the chain twice; its two OCR'd copies differ only by a trailing space in
    // "Hi there! ". The example record follows the getChainedRecords sample.
    assert_eq!(ours["interaction"]["chainedRecords"], chain["data"][0]["records"]);
    let keys = |v: &Value| {
        v.as_array()
            .unwrap()
            .iter()
            .map(|r| r.as_object().unwrap().keys().cloned().collect::<Vec<_>>())
            .collect::<Vec<_>>()
    };
    assert_eq!(keys(&ours["interaction"]["chainedRecords"]), keys(&retrieved["data"]["interaction"]["chainedRecords"]));
    let ud = ours["interaction"]["userData"].as_object().unwrap();
    for (key, value) in retrieved["data"]["interaction"]["userData"].as_object().unwrap() {
        if key != "Custom String with default" {
            assert_eq!(ud.get(key), Some(value), "userData {key}");
        }
    }
    assert_eq!(ours["interaction"]["state"], "PREVIEWING");
    assert_eq!(ours["interaction"]["previousState"], "UNKNOWN");
    assert_eq!(ours["interaction"]["callType"], "OUTBOUND_PREVIEW");

    let chains = desk.chained_records(RECORD).unwrap();
    let answer = Response::OutboundGetChainedRecords(chains).to_data().unwrap();
    assert_eq!(answer, chain["data"]);

    // After the call the record's interaction is removed (pull): no more RECORDS_RETRIEVED.
    desk.call(RECORD, 283, CALL, 0).unwrap();
    desk.release(CALL, 1).unwrap();
    assert!(matches!(desk.records_retrieved(RECORD), Err(OutboundError::NotFound { .. })));
    assert_eq!(desk.chained_records(CALL).unwrap()[0].records.as_ref().unwrap().len(), 2);
}

#[test]
fn call_results_list_is_the_seed_sample() {
    let fixture = read_json("tests/fixtures/scapi/answer/outbound.getListOfCallResults/seed-call-results.json");
    let desk = OutboundDesk::new();
    assert_eq!(serde_json::to_value(desk.call_results()).unwrap(), fixture["data"]);
    assert_eq!(desk.call_results(), &seed_call_results());
}

fn called_desk(mode: PreviewMode) -> OutboundDesk {
    let mut desk = OutboundDesk::new();
    desk.start_direct_push_preview();
    desk.receive(NewPreviewRecord::example(mode, RECORD)).unwrap();
    if mode != PreviewMode::Pull {
        desk.accept(RECORD).unwrap();
    }
    desk.call(RECORD, 283, CALL, 0).unwrap();
    desk
}

#[test]
fn call_result_and_do_not_call() {
    let mut desk = OutboundDesk::new();
    desk.receive(NewPreviewRecord::example(PreviewMode::Pull, RECORD)).unwrap();
    // Before the call: the record's GSW_CALL_RESULT, and no call to set a result on.
    assert_eq!(desk.call_result(RECORD), Ok(28));
    assert_eq!(
        desk.set_call_result(RECORD, 6).unwrap_err().to_string(),
        "Error: The interaction '5' has no active or completed call."
    );
    assert!(matches!(desk.set_do_not_call(RECORD), Err(OutboundError::NoCall { .. })));

    let mut desk = called_desk(PreviewMode::Push);
    desk.set_call_result(CALL, 6).unwrap();
    assert_eq!(desk.call_result(CALL), Ok(6));
    assert_eq!(desk.call_result(RECORD), Ok(6));
    let fixture = read_json("tests/fixtures/scapi/answer/outbound.getCallResult/seed-busy.json");
    assert_eq!(json!(desk.call_result(CALL).unwrap()), fixture["data"]);
    assert_eq!(
        desk.set_call_result(CALL, 99).unwrap_err().to_string(),
        "Error: Unknown call result 99; outbound.getListOfCallResults lists the valid numbers."
    );
    desk.set_do_not_call(CALL).unwrap();
    assert!(desk.record(CALL).unwrap().do_not_call());
    assert_eq!(desk.set_call_result(CALL, 7).unwrap_err(), OutboundError::DoNotCallSet { interaction_id: CALL.into() });
    assert_eq!(desk.call_result(CALL), Ok(6));
    desk.remove_do_not_call(CALL).unwrap();
    desk.set_call_result(CALL, 7).unwrap();
    // Still allowed once the call is released (a completed call).
    desk.release(CALL, 5).unwrap();
    desk.set_call_result(CALL, 33).unwrap();
    let done = desk.mark_done(CALL).unwrap();
    assert_eq!(done.record.call_result(), Some(33));
    assert!(!done.record.do_not_call());
    assert_eq!(desk.call_result(CALL).unwrap_err().to_string(), "Error: Interaction not found.");

    let mut record = NewPreviewRecord::example(PreviewMode::Pull, "9");
    record.chain[0].remove("GSW_CALL_RESULT");
    let mut desk = OutboundDesk::new();
    desk.receive(record).unwrap();
    assert_eq!(desk.call_result("9"), Err(OutboundError::NoCallResult { interaction_id: "9".into() }));
}

#[test]
fn reschedule_record() {
    let mut desk = OutboundDesk::new();
    desk.receive(NewPreviewRecord::example(PreviewMode::Pull, RECORD)).unwrap();
    // The seed's sample request, before any call.
    desk.reschedule_record(RECORD, 283, "05/27/2021 10:55", &CallbackType::Personal).unwrap();
    let r = desk.record(RECORD).unwrap().reschedule().unwrap().clone();
    assert_eq!(
        (r.record_handle, r.date.to_string(), r.callback_type),
        (283, "05/27/2021 10:55".into(), CallbackType::Personal)
    );
    // A chained record, and a leap day.
    desk.reschedule_record(RECORD, 284, "02/29/2024 23:59", &CallbackType::Campaign).unwrap();
    assert_eq!(desk.record(RECORD).unwrap().reschedule().unwrap().record_handle, 284);

    let bad_dates = [
        ("02/29/2023 10:00", DateFault::Day),
        ("13/01/2021 10:00", DateFault::Month),
        ("04/31/2021 10:00", DateFault::Day),
        ("05/27/2021 24:00", DateFault::Hour),
        ("05/27/2021 10:60", DateFault::Minute),
        ("2021-05-27 10:55", DateFault::DateFormat),
        ("05/27/2021", DateFault::DateFormat),
        ("5/27/2021 10:55", DateFault::DateFormat),
    ];
    for (date, fault) in bad_dates {
        let err = desk.reschedule_record(RECORD, 283, date, &CallbackType::Campaign).unwrap_err();
        assert_eq!(err, OutboundError::InvalidRescheduleDate { value: date.into(), fault }, "{date}");
    }
    assert_eq!(
        desk.reschedule_record(RECORD, 283, "13/01/2021 10:00", &CallbackType::Campaign).unwrap_err().to_string(),
        "Error: Invalid rescheduleDate '13/01/2021 10:00': the month must be from 01 to 12."
    );
    let err = desk.reschedule_record(RECORD, 283, "05/27/2021 10:55", &CallbackType::from_wire("GROUP")).unwrap_err();
    assert_eq!(err.to_string(), "Error: Invalid callbackType 'GROUP': expected CAMPAIGN or PERSONAL.");
    let err =
        desk.reschedule_record(RECORD, 283, "05/27/2021 10:55", &CallbackType::from_wire("personal")).unwrap_err();
    assert!(matches!(err, OutboundError::InvalidCallbackType { .. }));
    let err = desk.reschedule_record(RECORD, 1, "05/27/2021 10:55", &CallbackType::Campaign).unwrap_err();
    assert_eq!(err.to_string(), "Error: The record handle 1 is not in the chain of interaction '5'.");
    assert!(matches!(
        desk.reschedule_record("nope", 283, "05/27/2021 10:55", &CallbackType::Campaign),
        Err(OutboundError::NotFound { .. })
    ));
    // Refusals leave the earlier reschedule in place.
    assert_eq!(desk.record(RECORD).unwrap().reschedule().unwrap().record_handle, 284);

    desk.cancel_reschedule(RECORD).unwrap();
    assert!(desk.record(RECORD).unwrap().reschedule().is_none());
    assert_eq!(
        desk.cancel_reschedule(RECORD).unwrap_err().to_string(),
        "Error: The interaction '5' has no reschedule to cancel."
    );
}

fn field<'a>(fields: &'a [Field], name: &str) -> &'a Field {
    fields.iter().find(|f| f.name.as_deref() == Some(name)).unwrap()
}

#[test]
fn record_fields() {
    let mut desk = OutboundDesk::new();
    desk.receive(NewPreviewRecord::example(PreviewMode::Pull, RECORD)).unwrap();
    let fields = desk.record_fields(RECORD).unwrap();
    let answer = Response::OutboundGetRecordFields(fields).to_data().unwrap();
    let mut fixture = read_json("tests/fixtures/scapi/answer/outbound.getRecordFields/complete-fields.json");
    // The fixture's record has another phone number than the example record.
    assert_eq!(fixture["data"][2]["name"], "GSW_PHONE");
    fixture["data"][2]["value"] = json!("+33647005");
    assert_eq!(answer, fixture["data"]);

    let data = |v: Value| -> UserData { serde_json::from_value(v).unwrap() };
    desk.update_record_fields(
        RECORD,
        &data(json!({"GSW_FROM": "10:15", "GSW_UNTIL": "23:45", "GSW_PHONE_TYPE": 4, "CUSTOM_OPT_IN": false})),
    )
    .unwrap();
    let fields = desk.record_fields(RECORD).unwrap();
    assert_eq!(field(&fields, "GSW_FROM").value.as_deref(), Some("10:15"));
    assert_eq!(field(&fields, "GSW_PHONE_TYPE").value.as_deref(), Some("4"));
    assert_eq!(field(&fields, "CUSTOM_OPT_IN").value.as_deref(), Some("false"));

    let refused = [
        (json!({"CUSTOM_AMOUNT": 12.5}), "Error: The field 'CUSTOM_AMOUNT' is not editable."),
        (json!({"CUSTOM_LAST_ORDER": "03/18/2021 10:00"}), "Error: The field 'CUSTOM_LAST_ORDER' is not editable."),
        (json!({"GSW_PHONE": ""}), "Error: The field 'GSW_PHONE' is mandatory and cannot be empty."),
        (json!({"GSW_PHONE": null}), "Error: The field 'GSW_PHONE' is mandatory and cannot be empty."),
        (json!({"GSW_PHONE": "  "}), "Error: The field 'GSW_PHONE' is mandatory and cannot be empty."),
        (
            json!({"GSW_PHONE": 33647005}),
            "Error: The value of the field 'GSW_PHONE' must be a string (its valueType), not a number.",
        ),
        (
            json!({"GSW_PHONE_TYPE": "4"}),
            "Error: The value of the field 'GSW_PHONE_TYPE' must be a number (its valueType), not a string.",
        ),
        (
            json!({"CUSTOM_OPT_IN": "yes"}),
            "Error: The value of the field 'CUSTOM_OPT_IN' must be a boolean (its valueType), not a string.",
        ),
        (
            json!({"GSW_FROM": "10.15"}),
            "Error: The value \"10.15\" of the field 'GSW_FROM' is not a valid time: expected a time HH:MM (expected the form HH:MM).",
        ),
        (
            json!({"GSW_UNTIL": "24:00"}),
            "Error: The value \"24:00\" of the field 'GSW_UNTIL' is not a valid time: expected a time HH:MM (the hour must be from 00 to 23).",
        ),
        (
            json!({"GSW_PHONE_TYPE": 9}),
            "Error: The value 9 of the field 'GSW_PHONE_TYPE' is not a valid enum: expected one of the option codes 0, 1, 4.",
        ),
        (json!({"NO_SUCH_FIELD": "x"}), "Error: Unknown field 'NO_SUCH_FIELD'."),
        // All or nothing: a valid update with an invalid one changes nothing.
        (
            json!({"GSW_FROM": "11:00", "GSW_UNTIL": "7pm"}),
            "Error: The value \"7pm\" of the field 'GSW_UNTIL' is not a valid time: expected a time HH:MM (expected the form HH:MM).",
        ),
    ];
    for (update, message) in refused {
        let err = desk.update_record_fields(RECORD, &data(update.clone())).unwrap_err();
        assert_eq!(err.to_string(), message, "{update}");
    }
    assert_eq!(desk.record_fields(RECORD).unwrap(), fields);

    // A non-mandatory field may be cleared.
    desk.update_record_fields(RECORD, &data(json!({"GSW_PHONE_TYPE": null}))).unwrap();
    assert_eq!(field(&desk.record_fields(RECORD).unwrap(), "GSW_PHONE_TYPE").value.as_deref(), Some(""));
    assert!(matches!(desk.record_fields("nope"), Err(OutboundError::NotFound { .. })));
}

#[test]
fn seed_record_fields_sample_is_checked_too() {
    // The seed's getRecordFields sample: `GWS_FROM` (sic) with `type` instead of `fieldType`,
    // not editable; an editable var-char; an enum with valueType number.
    let fixture = read_json("tests/fixtures/scapi/answer/outbound.getRecordFields/seed-fields.json");
    let fields: Vec<Field> = serde_json::from_value(fixture["data"].clone()).unwrap();
    let mut record = NewPreviewRecord::example(PreviewMode::Pull, RECORD);
    record.fields = fields;
    let mut desk = OutboundDesk::new();
    desk.receive(record).unwrap();
    let answer = Response::OutboundGetRecordFields(desk.record_fields(RECORD).unwrap()).to_data().unwrap();
    assert_eq!(answer, fixture["data"]);
    let data = |v: Value| -> UserData { serde_json::from_value(v).unwrap() };
    // The parts of the seed's updateRecordFields sample that these fields allow.
    desk.update_record_fields(RECORD, &data(json!({"GSW_PHONE_TYPE": 9, "GSW_CUSTOM_STRING": "Custom message"})))
        .unwrap();
    assert!(matches!(
        desk.update_record_fields(RECORD, &data(json!({"GWS_FROM": "10:15"}))),
        Err(OutboundError::FieldNotEditable { .. })
    ));
    assert!(matches!(
        desk.update_record_fields(RECORD, &data(json!({"GSW_PHONE_TYPE": 13}))),
        Err(OutboundError::FieldFormat { .. })
    ));
}

#[test]
fn invalid_transitions_are_typed() {
    let cases: &[(PreviewMode, &str)] = &[(PreviewMode::Pull, "pull"), (PreviewMode::Push, "push")];
    for (mode, _) in cases {
        let mut desk = OutboundDesk::new();
        desk.receive(NewPreviewRecord::example(*mode, RECORD)).unwrap();
        if *mode == PreviewMode::Push {
            // An invitation cannot be called, rejected or canceled before it is accepted.
            assert!(matches!(
                desk.call(RECORD, 283, CALL, 0),
                Err(OutboundError::InvalidTransition { phase: RecordPhase::Invited, .. })
            ));
            assert!(desk.reject_record(Some(RECORD)).is_err());
            assert!(desk.cancel_record(Some(RECORD)).is_err());
            desk.accept(RECORD).unwrap();
            assert!(desk.accept(RECORD).is_err());
            assert!(desk.decline(RECORD).is_err());
        } else {
            let err = desk.accept(RECORD).unwrap_err();
            assert_eq!(
                err.to_string(),
                "Error: Cannot accept the Pull Preview record '5': it is in preview and has not been called."
            );
            assert!(desk.decline(RECORD).is_err());
        }
        assert!(desk.mark_done(RECORD).is_err());
        assert!(desk.release(RECORD, 0).is_err());
        desk.call(RECORD, 283, CALL, 0).unwrap();
        assert!(matches!(desk.call(RECORD, 283, "7", 0), Err(OutboundError::InvalidTransition { .. })));
        assert!(desk.reject_record(Some(CALL)).is_err());
        assert!(desk.cancel_record(Some(RECORD)).is_err());
        assert!(desk.mark_done(CALL).is_err());
        desk.release(CALL, 1).unwrap();
        assert!(desk.release(CALL, 2).is_err());
        desk.mark_done(CALL).unwrap();
        assert!(matches!(desk.mark_done(CALL), Err(OutboundError::NotFound { .. })));
    }

    // A declined invitation is gone.
    let mut desk = OutboundDesk::new();
    desk.receive(NewPreviewRecord::example(PreviewMode::Push, RECORD)).unwrap();
    desk.decline(RECORD).unwrap();
    assert_eq!(desk.call(RECORD, 283, CALL, 0).unwrap_err().to_string(), "Error: Interaction not found.");

    // A canceled record cannot be called; it is marked done instead.
    let mut desk = OutboundDesk::new();
    desk.receive(NewPreviewRecord::example(PreviewMode::Pull, RECORD)).unwrap();
    desk.cancel_record(None).unwrap();
    let err = desk.call(RECORD, 283, CALL, 0).unwrap_err();
    assert_eq!(
        err.to_string(),
        "Error: Cannot call the Pull Preview record '5': it was canceled and waits to be marked done."
    );
    let done = desk.mark_done(RECORD).unwrap();
    assert_eq!(done.events.len(), 2);
    assert_eq!(done.record.phase(), RecordPhase::Canceled);
}

#[test]
fn direct_push_preview_needs_start() {
    let mut desk = OutboundDesk::new();
    assert!(!desk.direct_push_preview_started());
    let err = desk.receive(NewPreviewRecord::example(PreviewMode::DirectPush, RECORD)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "Error: Direct push preview is not started; call outbound.startDirectPushPreview first."
    );
    desk.start_direct_push_preview();
    desk.receive(NewPreviewRecord::example(PreviewMode::DirectPush, RECORD)).unwrap();
    desk.stop_direct_push_preview();
    assert!(desk.receive(NewPreviewRecord::example(PreviewMode::DirectPush, "8")).is_err());
    // Records already received stay.
    assert!(desk.accept(RECORD).is_ok());
}

#[test]
fn interactions_follow_the_events() {
    let mut desk = called_desk(PreviewMode::Push);
    let ids: Vec<_> = desk.interactions().into_iter().map(|i| i.interaction_id.unwrap()).collect();
    assert_eq!(ids, [RECORD, CALL]);
    let call = desk.interaction(CALL).unwrap();
    assert_eq!(call.state.unwrap().as_str(), "TALKING");
    assert_eq!(call.previous_state.unwrap().as_str(), "DIALING");
    assert_eq!(call.start_date.as_ref().and_then(|d| d.as_millis()), Some(0));
    desk.release(RECORD, 42).unwrap();
    let call = desk.interaction(CALL).unwrap();
    assert_eq!(call.end_date.as_ref().and_then(|d| d.as_millis()), Some(42));
    assert_eq!(call.capabilities.unwrap(), [Capability::MarkDone]);
    // Push keeps the record's interaction until mark done; pull removes it at release.
    assert!(desk.interaction(RECORD).is_some());
    let mut pull = called_desk(PreviewMode::Pull);
    pull.release(CALL, 1).unwrap();
    assert!(pull.interaction(RECORD).is_none());
    assert!(pull.record(RECORD).is_some());
    assert_eq!(pull.interactions().len(), 1);
}

#[test]
fn user_data_is_the_record_as_text() {
    let mut new = NewPreviewRecord::example(PreviewMode::Pull, RECORD);
    let mut extra = OutboundRecord::new();
    extra.insert("GSW_RECORD_HANDLE".into(), json!(1));
    extra.insert("Flag".into(), json!(true));
    extra.insert("Nothing".into(), Value::Null);
    new.chain = vec![extra];
    let mut desk = OutboundDesk::new();
    let events = desk.receive(new).unwrap();
    let ud = events[0].interaction.as_deref().unwrap().user_data.clone().unwrap();
    assert_eq!(serde_json::to_value(ud).unwrap(), json!({"GSW_RECORD_HANDLE": "1", "Flag": "true", "Nothing": ""}));
}

proptest! {
    #[test]
    fn date_parsing_never_panics(text in "\\PC{0,20}") {
        let _ = cxwire_sim::outbound::DateTime::parse(&text);
        let _ = cxwire_sim::outbound::TimeOfDay::parse(&text);
    }

    #[test]
    fn real_dates_round_trip(year in 1u16..=9999, month in 1u8..=12, day in 1u8..=31, hour in 0u8..=23, minute in 0u8..=59) {
        let text = format!("{month:02}/{day:02}/{year:04} {hour:02}:{minute:02}");
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        let last = match month { 2 if leap => 29, 2 => 28, 4 | 6 | 9 | 11 => 30, _ => 31 };
        match cxwire_sim::outbound::DateTime::parse(&text) {
            Ok(date) => {
                prop_assert!(day <= last);
                prop_assert_eq!(date.to_string(), text);
            }
            Err(fault) => {
                prop_assert!(day > last);
                prop_assert_eq!(fault, DateFault::Day);
            }
        }
    }
}
