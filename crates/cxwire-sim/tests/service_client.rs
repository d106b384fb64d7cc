//! A cxwire-ws session drives the simulator over loopback WebSocket: agent states, a voice call
//! end to end, user data, cases, mark done, toasts, frames, messenger, security options.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use std::collections::BTreeMap;
use std::time::Duration;

use cxwire_model::scapi::types::{InteractionState, RecordingState, StateType, ToastParameters};
use cxwire_model::scapi::{Event, FrameState, InteractionEventType, SystemEventType};
use cxwire_sim::{SimConfig, Simulator};
use cxwire_ws::{ConnectOptions, Error, ReconnectPolicy, Session, Subscription, SubscriptionItem, connect_with};
use serde_json::json;

const LIMIT: Duration = Duration::from_secs(10);

async fn session(sim: &Simulator) -> Session {
    let options = ConnectOptions { reconnect: ReconnectPolicy::never(), ..ConnectOptions::default() };
    connect_with(&sim.ws_url(), options).await.unwrap()
}

async fn next_event(sub: &mut Subscription) -> std::sync::Arc<cxwire_model::scapi::EventFrame> {
    match tokio::time::timeout(LIMIT, sub.recv()).await.expect("an event in time") {
        Some(SubscriptionItem::Event(frame)) => frame,
        other => panic!("{other:?}"),
    }
}

async fn interaction_event(sub: &mut Subscription) -> (InteractionEventType, InteractionState) {
    let frame = next_event(sub).await;
    let Event::Interaction(e) = &frame.event else { panic!("{:?}", frame.event) };
    let state = e.interaction.as_ref().and_then(|i| i.state.clone()).unwrap_or(InteractionState::Unknown);
    (e.event_type.clone().unwrap(), state)
}

#[tokio::test]
async fn an_inbound_call_end_to_end() {
    let sim = Simulator::start("127.0.0.1:0", SimConfig::default()).await.unwrap();
    let s = session(&sim).await;
    let mut agent = s.subscribe([cxwire_ws::Topic::Agent]).await.unwrap();
    let mut calls = s.subscribe([cxwire_ws::Topic::Interaction]).await.unwrap();

    s.agent().set_state("Ready").await.unwrap();
    let frame = next_event(&mut agent).await;
    let Event::Agent(e) = &frame.event else { panic!() };
    assert_eq!(e.media_state, Some(StateType::Ready));
    assert_eq!(s.agent().get_state().await.unwrap().state_type, Some(StateType::Ready));
    assert!(matches!(s.agent().set_state("NoSuchState").await, Err(Error::Rejected { .. })));

    let id = sim.inject_inbound_call("+14155550123", "5001", BTreeMap::new()).await.unwrap();
    assert_eq!(interaction_event(&mut calls).await, (InteractionEventType::Added, InteractionState::Ringing));
    assert_eq!(interaction_event(&mut calls).await, (InteractionEventType::Ringing, InteractionState::Ringing));

    s.voice().answer(id.clone()).await.unwrap();
    assert_eq!(interaction_event(&mut calls).await, (InteractionEventType::Established, InteractionState::Talking));
    s.interaction().set_user_data(id.clone(), [("Reason".to_owned(), json!("billing"))].into()).await.unwrap();
    assert_eq!(interaction_event(&mut calls).await.0, InteractionEventType::AttachedDataChanged);
    let call = s.interaction().get_by_interaction_id(id.clone()).await.unwrap().unwrap();
    assert_eq!(call.user_data.unwrap()["Reason"], "billing");

    s.voice().start_call_recording(id.clone()).await.unwrap();
    let _ = interaction_event(&mut calls).await;
    assert!(matches!(s.voice().resume_call_recording(id.clone()).await, Err(Error::Rejected { .. })));
    s.voice().pause_call_recording(id.clone()).await.unwrap();
    let _ = interaction_event(&mut calls).await;
    let call = s.interaction().get_by_interaction_id(id.clone()).await.unwrap().unwrap();
    assert_eq!(call.recording_state, Some(RecordingState::Paused));

    s.voice().hold(id.clone()).await.unwrap();
    assert_eq!(interaction_event(&mut calls).await, (InteractionEventType::Held, InteractionState::Held));
    // Mark done is refused while the call is live, and while blocked.
    assert!(matches!(s.interaction().markdone(id.clone()).await, Err(Error::Rejected { .. })));
    s.voice().hang_up(id.clone()).await.unwrap();
    assert_eq!(interaction_event(&mut calls).await, (InteractionEventType::Released, InteractionState::Idle));
    s.interaction().block_markdone(id.clone(), "Fill in the disposition").await.unwrap();
    match s.interaction().markdone(id.clone()).await {
        Err(Error::Rejected { message, .. }) => assert_eq!(message.as_deref(), Some("Fill in the disposition")),
        other => panic!("{other:?}"),
    }
    s.interaction().unblock_markdone(id.clone()).await.unwrap();
    // User data only on live interactions.
    assert!(matches!(s.interaction().set_user_data(id.clone(), BTreeMap::new()).await, Err(Error::Rejected { .. })));
    s.interaction().markdone(id.clone()).await.unwrap();
    assert_eq!(interaction_event(&mut calls).await.0, InteractionEventType::Removed);
    assert!(s.interaction().get_by_interaction_id(id.clone()).await.unwrap().is_none());
    match s.voice().answer(id).await {
        Err(Error::Rejected { message, .. }) => assert_eq!(message.as_deref(), Some("Error: Interaction not found.")),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn consult_then_transfer_and_cases() {
    let sim = Simulator::start("127.0.0.1:0", SimConfig::default()).await.unwrap();
    let s = session(&sim).await;
    let mut calls = s.subscribe([cxwire_ws::Topic::Interaction]).await.unwrap();
    let id = sim.inject_inbound_call("+14155550123", "5001", BTreeMap::new()).await.unwrap();
    s.voice().answer(id.clone()).await.unwrap();
    for _ in 0..3 {
        let _ = interaction_event(&mut calls).await;
    }
    let target = cxwire_model::scapi::types::TargetQuery::to(cxwire_model::scapi::types::TargetType::Agent, "emp2002");
    s.interaction().consult(id.clone(), target, None, None).await.unwrap();
    assert_eq!(interaction_event(&mut calls).await, (InteractionEventType::Held, InteractionState::Held));
    assert_eq!(interaction_event(&mut calls).await.0, InteractionEventType::Added);
    let interactions = s.interaction().get_interactions().await.unwrap();
    let consult = interactions.iter().find(|i| i.is_consultation == Some(true)).unwrap();
    assert_eq!(consult.parent_interaction_id.as_deref(), Some(id.as_str()));
    let consult_id = consult.interaction_id.clone().unwrap();
    s.interaction().complete_transfer(consult_id.clone()).await.unwrap();
    let parent = s.interaction().get_by_interaction_id(id.clone()).await.unwrap().unwrap();
    assert_eq!(parent.state, Some(InteractionState::Idle));
    assert!(s.interaction().get_by_interaction_id(consult_id).await.unwrap().is_none());

    let case = parent.case_id.unwrap();
    s.interaction().select_case_by_case_id(case.clone()).await.unwrap();
    let mut saw_selected = false;
    for _ in 0..20 {
        let frame = next_event(&mut calls).await;
        if let Event::Interaction(e) = &frame.event
            && e.event_type == Some(InteractionEventType::CaseSelected)
        {
            assert_eq!(e.selected_case_id.as_deref(), Some(case.as_str()));
            saw_selected = true;
            break;
        }
    }
    assert!(saw_selected);
}

#[tokio::test]
async fn toasts_dialogs_views_and_button_clicks() {
    let sim = Simulator::start("127.0.0.1:0", SimConfig::default()).await.unwrap();
    let s = session(&sim).await;
    let mut system = s.subscribe([cxwire_ws::Topic::System]).await.unwrap();
    let toast = ToastParameters {
        title: "Callback".into(),
        icon_url: "https://crm.example/icons/callback.png".into(),
        buttons: Some(vec!["Accept".into(), "Later".into()]),
        ..Default::default()
    };
    let id = s.system().popup_toast(toast.clone()).await.unwrap();
    assert!(s.system().update_toast(id.clone(), toast).await.unwrap());
    sim.click_toast_button(&id, 1).await.unwrap();
    loop {
        let frame = next_event(&mut system).await;
        if let Event::System(e) = &frame.event
            && e.event_type == Some(SystemEventType::CustomToastButtonClick)
        {
            assert_eq!((e.custom_toast_id.as_deref(), e.button_index), (Some(id.as_str()), Some(1)));
            break;
        }
    }
    assert!(sim.click_toast_button(&id, 2).await.is_err());
    assert!(s.system().close_toast(id.clone()).await.unwrap());
    assert!(!s.system().close_toast(id).await.unwrap());

    let dialog = s.system().open_dialog("https://crm.example/popup", Default::default()).await.unwrap().unwrap();
    assert!(s.system().close_dialog(dialog).await.unwrap());
    assert_eq!(s.system().open_dialog("", Default::default()).await.unwrap(), None);
    let view = cxwire_model::scapi::types::ApplicationMenuView {
        name: "crm".into(),
        label: Some("CRM".into()),
        ..Default::default()
    };
    assert_eq!(s.system().update_view_in_application_menu_bar(view).await.unwrap(), "crm");
    let no_label = cxwire_model::scapi::types::ApplicationMenuView { name: "x".into(), ..Default::default() };
    assert!(s.system().update_view_in_application_menu_bar(no_label).await.is_err());
}

#[tokio::test]
async fn frames_elect_a_leader_and_messenger_reaches_other_frames() {
    let sim = Simulator::start("127.0.0.1:0", SimConfig::default()).await.unwrap();
    let first = session(&sim).await;
    assert!(first.system().is_frame_leading().await.unwrap());
    let second = session(&sim).await;
    let mut second_system = second.subscribe([cxwire_ws::Topic::System]).await.unwrap();
    assert!(second.system().is_frame_following().await.unwrap());
    // The frame loaded last is the last active one; activity in another frame moves it.
    assert!(second.system().is_last_active_frame().await.unwrap());
    assert!(!first.system().is_last_active_frame().await.unwrap());
    first.system().trigger_activity().await.unwrap();
    assert!(first.system().is_last_active_frame().await.unwrap());
    assert!(!second.system().is_last_active_frame().await.unwrap());

    let mut inbox = second.subscribe([cxwire_ws::Topic::messenger("ops")]).await.unwrap();
    first.messenger().broadcast_message("ops", json!({"foo": "A foo text.", "bar": 1234})).await.unwrap();
    let frame = next_event(&mut inbox).await;
    assert!(
        matches!(&frame.event, Event::Messenger { channel, message: Some(m) } if channel == "ops" && m["bar"] == 1234)
    );

    // The leader leaves: an election, and the second frame leads.
    first.close().await;
    drop(first);
    let mut states = Vec::new();
    while states.len() < 2 {
        let frame = next_event(&mut second_system).await;
        if let Event::System(e) = &frame.event
            && let Some(state) = &e.frame_state
        {
            states.push(state.clone());
        }
    }
    assert_eq!(states, [FrameState::Negotiating, FrameState::Leading]);
    assert!(second.system().is_frame_leading().await.unwrap());
}

#[tokio::test]
async fn security_options_are_enforced() {
    let mut config = SimConfig::default();
    // Connections from the test carry no Origin header: the origin reads as "null".
    config.security.insert("accepted-web-content-origins".into(), "http://crm.example (agent.*)".into());
    config.security.insert("rate-limit.agent.getState".into(), "2".into());
    config.security.insert("rate-limit-quarantine-delay".into(), "30".into());
    config.security.insert("user-data.write-allowed".into(), "Key1".into());
    let sim = Simulator::start("127.0.0.1:0", config).await.unwrap();
    let s = session(&sim).await;
    match s.agent().get().await {
        Err(Error::Rejected { message, .. }) => assert!(message.unwrap().contains("'null' is not accepted")),
        other => panic!("{other:?}"),
    }
    // With the listed origin on the handshake, the origin's filters decide.
    let options = ConnectOptions { origin: Some("http://crm.example".into()), ..ConnectOptions::default() };
    let s = connect_with(&sim.ws_url(), options).await.unwrap();
    s.agent().get().await.unwrap();
    match s.voice().hold("1").await {
        Err(Error::Rejected { message, .. }) => {
            assert!(message.unwrap().contains("'http://crm.example' may not use 'voice.hold'"))
        }
        other => panic!("{other:?}"),
    }

    let mut config = SimConfig::default();
    config.security.insert("accepted-web-content-origins".into(), "*".into());
    config.security.insert("rate-limit.agent.getState".into(), "2".into());
    config.security.insert("rate-limit-quarantine-delay".into(), "30".into());
    config.security.insert("user-data.write-allowed".into(), "Key1".into());
    config.security.insert("user-data.read-allowed".into(), "Key1".into());
    let sim = Simulator::start("127.0.0.1:0", config).await.unwrap();
    let s = session(&sim).await;
    s.agent().get_state().await.unwrap();
    s.agent().get_state().await.unwrap();
    match s.agent().get_state().await {
        Err(Error::RateLimited { limited, quarantine, .. }) => {
            assert_eq!((limited.as_str(), quarantine), ("agent.getState", Some(30)))
        }
        other => panic!("{other:?}"),
    }
    // Further requests of that type are ignored: no answer, so the call times out.
    let ignored = s.agent().with_timeout(Duration::from_millis(300)).get_state().await;
    assert!(matches!(ignored, Err(Error::Timeout { .. })), "{ignored:?}");
    // The JWT is not granted by '*'.
    assert!(matches!(s.auth().get_jwt_token().await, Err(Error::Rejected { .. })));

    let id = sim
        .inject_inbound_call(
            "+14155550123",
            "5001",
            [("Key1".to_owned(), json!("a")), ("Secret".to_owned(), json!("b"))].into(),
        )
        .await
        .unwrap();
    s.voice().answer(id.clone()).await.unwrap();
    assert!(matches!(
        s.interaction().set_user_data(id.clone(), [("Key2".to_owned(), json!(1))].into()).await,
        Err(Error::Rejected { .. })
    ));
    s.interaction().set_user_data(id.clone(), [("Key1".to_owned(), json!("b"))].into()).await.unwrap();
    let call = s.interaction().get_by_interaction_id(id).await.unwrap().unwrap();
    let keys: Vec<String> = call.user_data.unwrap().into_keys().collect();
    assert_eq!(keys, ["Key1"], "read-allowed filters the answer");
}

#[tokio::test]
async fn bad_frames_get_an_error_answer_and_the_connection_stays_up() {
    let sim = Simulator::start("127.0.0.1:0", SimConfig::default()).await.unwrap();
    let s = session(&sim).await;
    match s.call_raw("agent.setState", vec![json!(5)]).await {
        Err(Error::Rejected { message, .. }) => {
            assert!(message.unwrap().contains("stateOperationName"), "wrong type named")
        }
        other => panic!("{other:?}"),
    }
    match s.call_raw("agent.setState", vec![]).await {
        Err(Error::Rejected { message, .. }) => assert!(message.unwrap().contains("takes 1 parameter")),
        other => panic!("{other:?}"),
    }
    match s.call_raw("future.request", vec![]).await {
        Err(Error::Rejected { message, .. }) => assert!(message.unwrap().contains("unknown request")),
        other => panic!("{other:?}"),
    }
    assert!(s.system().am_i_visible().await.unwrap());
    assert_eq!(s.agent().get().await.unwrap().username.as_deref(), Some("klindgren"));
    assert!(s.frame_id().is_some(), "the simulator assigns a frame id");
}

#[tokio::test]
async fn a_pull_preview_record_is_called_given_a_result_rescheduled_and_marked_done() {
    use cxwire_model::scapi::OutboundEventType;
    use cxwire_model::scapi::types::CallbackType;
    let sim = Simulator::start("127.0.0.1:0", SimConfig::default()).await.unwrap();
    let s = session(&sim).await;
    let mut outbound = s.subscribe([cxwire_ws::Topic::Outbound]).await.unwrap();
    let mut calls = s.subscribe([cxwire_ws::Topic::Interaction]).await.unwrap();

    sim.campaign("Offer of the Month", OutboundEventType::CampaignLoaded, None).await.unwrap();
    sim.campaign("Offer of the Month", OutboundEventType::CampaignStarted, Some("Preview")).await.unwrap();
    for expected in [OutboundEventType::CampaignLoaded, OutboundEventType::CampaignStarted] {
        let frame = next_event(&mut outbound).await;
        let Event::Outbound(e) = &frame.event else { panic!() };
        assert_eq!((e.event_type.clone(), e.campaign.as_deref()), (Some(expected), Some("Offer of the Month")));
    }
    let campaigns = s.outbound().get_campaigns().await.unwrap();
    assert_eq!(campaigns.list().unwrap()[0].state.as_deref(), Some("Started"));

    let record = sim.preview_record(cxwire_sim::PreviewMode::Pull, Some("Offer of the Month")).await.unwrap();
    assert!(matches!(s.outbound().get_preview_record("No Such Campaign").await, Err(Error::Rejected { .. })));
    s.outbound().get_preview_record("Offer of the Month").await.unwrap();
    assert_eq!(interaction_event(&mut calls).await, (InteractionEventType::Added, InteractionState::Previewing));
    assert_eq!(interaction_event(&mut calls).await, (InteractionEventType::Previewing, InteractionState::Previewing));
    assert_eq!(
        interaction_event(&mut calls).await,
        (InteractionEventType::RecordsRetrieved, InteractionState::Previewing)
    );

    let fields = s.outbound().get_record_fields(record.clone()).await.unwrap();
    assert!(!fields.is_empty());
    let chained = s.outbound().get_chained_records(record.clone()).await.unwrap();
    assert!(!chained.is_empty());

    s.outbound().call_preview_record(record.clone(), 283).await.unwrap();
    assert_eq!(interaction_event(&mut calls).await, (InteractionEventType::Added, InteractionState::Dialing));
    assert_eq!(interaction_event(&mut calls).await, (InteractionEventType::Dialing, InteractionState::Dialing));

    let results = s.outbound().get_list_of_call_results().await.unwrap();
    let answered = results.get("ANSWER").or_else(|| results.get("OK")).copied().unwrap();
    s.outbound().set_call_result(record.clone(), answered).await.unwrap();
    assert_eq!(s.outbound().get_call_result(record.clone()).await.unwrap(), answered);
    assert!(matches!(
        s.outbound().reschedule_record(record.clone(), 283, "13/45/2026 99:00", CallbackType::Personal).await,
        Err(Error::Rejected { .. })
    ));
    s.outbound().reschedule_record(record.clone(), 283, "11/24/2026 15:30", CallbackType::Personal).await.unwrap();
    s.outbound().set_do_not_call(record.clone()).await.unwrap();
    assert!(matches!(s.outbound().set_call_result(record.clone(), answered).await, Err(Error::Rejected { .. })));

    s.interaction().markdone(record.clone()).await.unwrap_err();
    let all = s.interaction().get_interactions().await.unwrap();
    let call = all
        .iter()
        .find(|i| i.interaction_id.as_deref() != Some(record.as_str()))
        .unwrap()
        .interaction_id
        .clone()
        .unwrap();
    s.voice().hang_up(call).await.unwrap();
    s.interaction().markdone(record.clone()).await.unwrap();
    let mut types = Vec::new();
    while types.last() != Some(&InteractionEventType::Removed)
        || types.iter().filter(|t| **t == InteractionEventType::Removed).count() < 2
    {
        types.push(interaction_event(&mut calls).await.0);
    }
    assert!(types.contains(&InteractionEventType::MarkdoneApply), "{types:?}");
}

#[tokio::test]
async fn configuration_options_and_the_seed_override_example() {
    let sim = Simulator::start("127.0.0.1:0", SimConfig::default()).await.unwrap();
    let s = session(&sim).await;
    let plain = s.configuration().get_option("interaction.case-data.frame-color").await.unwrap();
    assert_eq!(
        plain.sections().unwrap()["interaction-workspace"]["interaction.case-data.frame-color"],
        cxwire_model::scapi::types::OptionValue::Single("#FFBA00".into())
    );
    let id = sim
        .inject_inbound_call("+1", "5001", [("IW_OverrideOptions".to_owned(), json!("CaseDataColor"))].into())
        .await
        .unwrap();
    let contextual = s.configuration().get_contextual_option("interaction.case-data.frame-color", id).await.unwrap();
    assert_eq!(
        contextual.sections().unwrap()["interaction-workspace"]["interaction.case-data.frame-color"],
        cxwire_model::scapi::types::OptionValue::Single("#FF008000".into())
    );
    match s.configuration().get_contextual_option("interaction.case-data.frame-color", "999").await {
        Err(Error::Rejected { message, .. }) => assert_eq!(message.as_deref(), Some("Error: Interaction not found.")),
        other => panic!("{other:?}"),
    }
    assert!(matches!(s.configuration().get_option("*.mark-done").await, Err(Error::Rejected { .. })));
}

/// A bare WebSocket client: sends request frames as written and returns the answer frames as
/// received, so that the name an answer repeats can be checked.
struct RawClient {
    ws: tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>,
    next: u32,
}

impl RawClient {
    async fn connect(sim: &Simulator) -> Self {
        let (ws, _) =
            tokio::time::timeout(LIMIT, tokio_tungstenite::connect_async(sim.ws_url())).await.unwrap().unwrap();
        Self { ws, next: 0 }
    }

    /// Sends `{"request": name}` and returns its answer (frames without that `referenceId`,
    /// such as the frame id assignment, are skipped).
    async fn call(&mut self, name: &str) -> serde_json::Value {
        use futures_util::{SinkExt, StreamExt};
        use tokio_tungstenite::tungstenite::Message;
        self.next += 1;
        let id = self.next.to_string();
        let frame = json!({"request": name, "referenceId": id, "userAgent": "WWE Client", "protocolVersion": 2});
        tokio::time::timeout(LIMIT, self.ws.send(Message::text(frame.to_string()))).await.unwrap().unwrap();
        loop {
            let message = tokio::time::timeout(LIMIT, self.ws.next()).await.expect("an answer in time");
            let Some(Ok(Message::Text(text))) = message else { panic!("{message:?}") };
            let answer: serde_json::Value = serde_json::from_str(&text).unwrap();
            if answer["referenceId"] == id.as_str() {
                return answer;
            }
        }
    }
}

#[tokio::test]
async fn the_sip_endpoint_calls_answer_under_both_names() {
    let sim = Simulator::start("127.0.0.1:0", SimConfig::default()).await.unwrap();
    let mut raw = RawClient::connect(&sim).await;
    let s = session(&sim).await;
    for (device, mute, unmute, is_mute) in [
        ("Microphone", "muteMicrophone", "unmuteMicrophone", "isMicrophoneMute"),
        ("Speaker", "muteSpeaker", "unmuteSpeaker", "isSpeakerMute"),
    ] {
        // Muted under the documented name, read under both.
        let answer = raw.call(&format!("voice.{mute}")).await;
        assert_eq!(answer["request"], format!("voice.{mute}"), "the answer repeats the name sent: {answer}");
        assert!(answer.get("errorMessage").is_none(), "{answer}");
        for name in [format!("voice.{is_mute}"), format!("sipEndpoint.{is_mute}")] {
            let answer = raw.call(&name).await;
            assert_eq!((&answer["request"], &answer["data"]), (&json!(name), &json!(true)), "{device}: {answer}");
        }
        // Unmuted under the library's name, read under the documented one (and by a typed session).
        let answer = raw.call(&format!("sipEndpoint.{unmute}")).await;
        assert_eq!(answer["request"], format!("sipEndpoint.{unmute}"));
        assert_eq!(raw.call(&format!("voice.{is_mute}")).await["data"], json!(false), "{device}");
        raw.call(&format!("voice.{mute}")).await;
        let typed = match device {
            "Microphone" => s.voice().is_microphone_mute().await.unwrap(),
            _ => s.voice().is_speaker_mute().await.unwrap(),
        };
        assert!(typed, "{device} muted under the documented name is muted for the library");
        assert_eq!(s.call_raw(&format!("voice.{is_mute}"), vec![]).await.unwrap(), Some(json!(true)));
        raw.call(&format!("voice.{unmute}")).await;
    }
    // The documented name takes no parameters either.
    let answer = {
        use futures_util::{SinkExt, StreamExt};
        use tokio_tungstenite::tungstenite::Message;
        let frame = json!({"request": "voice.muteMicrophone", "parameters": [true], "referenceId": "x"});
        raw.ws.send(Message::text(frame.to_string())).await.unwrap();
        loop {
            let Some(Ok(Message::Text(text))) = tokio::time::timeout(LIMIT, raw.ws.next()).await.unwrap() else {
                panic!("no answer")
            };
            let answer: serde_json::Value = serde_json::from_str(&text).unwrap();
            if answer["referenceId"] == "x" {
                break answer;
            }
        }
    };
    assert!(answer["errorMessage"].as_str().is_some_and(|m| m.contains("sipEndpoint.muteMicrophone")), "{answer}");
}

#[tokio::test]
async fn rate_limits_and_origins_apply_to_both_names_of_a_request() {
    let mut config = SimConfig::default();
    // The raw client sends no Origin header: its origin reads as "null", which `*` accepts.
    config.security.insert("accepted-web-content-origins".into(), "* (sipEndpoint.muteMicrophone)".into());
    config.security.insert("rate-limit.sipEndpoint.muteMicrophone".into(), "2".into());
    config.security.insert("rate-limit-quarantine-delay".into(), "30".into());
    let sim = Simulator::start("127.0.0.1:0", config).await.unwrap();
    let mut raw = RawClient::connect(&sim).await;
    // The filter names the request by its wire name: it grants the documented name too, and
    // nothing else.
    let refused = raw.call("voice.muteSpeaker").await;
    assert_eq!(refused["request"], "voice.muteSpeaker");
    assert!(
        refused["errorMessage"].as_str().is_some_and(|m| m.contains("may not use 'sipEndpoint.muteSpeaker'")),
        "{refused}"
    );
    let answer = raw.call("voice.muteMicrophone").await;
    assert!(answer.get("errorMessage").is_none(), "{answer}");
    assert!(raw.call("sipEndpoint.muteMicrophone").await.get("errorMessage").is_none());
    // The third call is the same request under its other name: refused, not counted apart.
    let refused = raw.call("voice.muteMicrophone").await;
    assert_eq!(refused["request"], "voice.muteMicrophone");
    let message = refused["errorMessage"].as_str().unwrap_or_default();
    assert!(message.contains("'sipEndpoint.muteMicrophone' has been reached"), "{refused}");
}
