//! The simulator as the vendor's library and sample page expect it: security on every path,
//! the sample's option query, JWT reuse, outbound preview records through their invitations,
//! `data: null`, messenger broadcasts to the others only, and the seed's toast and dialog ids.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use std::time::Duration;

use cxwire_model::scapi::types::{DialogOptions, InteractionState, ToastParameters};
use cxwire_model::scapi::{Event, InteractionEventType, OutboundEventType};
use cxwire_sim::{PreviewMode, Simulator};
use cxwire_ws::{ConnectOptions, Error, ReconnectPolicy, Session, Subscription, SubscriptionItem, connect_with};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::time::timeout;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

const LIMIT: Duration = Duration::from_secs(10);
/// How long a test listens to be sure that nothing arrives.
const QUIET: Duration = Duration::from_millis(400);

async fn session(sim: &Simulator, origin: Option<&str>) -> Session {
    let options = ConnectOptions {
        reconnect: ReconnectPolicy::never(),
        origin: origin.map(str::to_owned),
        ..ConnectOptions::default()
    };
    connect_with(&sim.ws_url(), options).await.unwrap()
}

async fn next_interaction_event(sub: &mut Subscription) -> (InteractionEventType, InteractionState, String) {
    match timeout(LIMIT, sub.recv()).await.expect("an event in time") {
        Some(SubscriptionItem::Event(frame)) => {
            let Event::Interaction(e) = &frame.event else { panic!("{:?}", frame.event) };
            let i = e.interaction.as_ref().unwrap();
            (e.event_type.clone().unwrap(), i.state.clone().unwrap(), i.interaction_id.clone().unwrap())
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn an_origin_that_is_not_accepted_gets_nothing_on_any_path() {
    let sim = Simulator::builder()
        .security("accepted-web-content-origins", "http://good.example (agent.*, system.*)")
        .start()
        .await
        .unwrap();
    // A raw page of another origin: no frame id, its subscribe refused, no events.
    let mut request = sim.ws_url().into_client_request().unwrap();
    request.headers_mut().insert("Origin", "http://evil.example".parse().unwrap());
    let (mut evil, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    evil.send(Message::text(json!({"event": "subscribe", "data": ["interaction"], "referenceId": "s"}).to_string()))
        .await
        .unwrap();
    let Some(Ok(Message::Text(text))) = timeout(LIMIT, evil.next()).await.unwrap() else { panic!("an answer") };
    let answer: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(answer["referenceId"], "s", "the first frame is the refusal, not a frame id: {answer}");
    assert!(answer["errorMessage"].as_str().unwrap().contains("is not accepted"), "{answer}");
    assert!(answer.get("subscriptionId").is_none(), "{answer}");
    let user_data = [("CustomerName".to_owned(), json!("Ada"))].into();
    sim.inject_inbound_call("+14155550123", "5001", user_data).await.unwrap();
    sim.realtime_connection(cxwire_model::scapi::RealtimeConnectionState::Disconnected).await.unwrap();
    assert!(timeout(QUIET, evil.next()).await.is_err(), "a refused origin received a frame");
    // It is not a frame of the Workspace either.
    let good = session(&sim, Some("http://good.example")).await;
    assert!(good.system().is_frame_leading().await.unwrap(), "the refused page took the lead");
    let connections = sim.connections().await.unwrap();
    assert_eq!(connections.iter().filter(|c| c.topics.is_empty()).count(), 2);

    // An accepted origin subscribes only to the topics of namespaces it may use.
    match good.subscribe([cxwire_ws::Topic::Interaction]).await {
        Err(Error::Rejected { message: Some(m), .. }) => {
            assert!(m.contains("may not subscribe to 'interaction'"), "{m}")
        }
        other => panic!("{other:?}"),
    }
    good.subscribe([cxwire_ws::Topic::Agent, cxwire_ws::Topic::System]).await.unwrap();
}

#[tokio::test]
async fn the_vendor_samples_option_query_is_answered() {
    let mut store = cxwire_sim::options::OptionStore::new();
    let single = |v: &str| cxwire_model::scapi::types::OptionValue::Single(v.to_owned());
    store.set("interaction-workspace", "voice.auto-answer", single("false"));
    store.set("interaction-workspace", "email.signature", single("x"));
    store.set("MySection", "one", single("1"));
    store.set("MySection", "two", single("2"));
    let sim = Simulator::builder().options(store).start().await.unwrap();
    let s = session(&sim, None).await;
    let options = s.configuration().get_option(vec!["voice.*".to_owned(), "MySection/*".to_owned()]).await.unwrap();
    let options = serde_json::to_value(options).unwrap();
    assert_eq!(
        options,
        json!({"interaction-workspace": {"voice.auto-answer": "false"}, "MySection": {"one": "1", "two": "2"}})
    );
    // A leading asterisk is still refused.
    assert!(matches!(s.configuration().get_option(vec!["*.mark-done".to_owned()]).await, Err(Error::Rejected { .. })));
}

#[tokio::test]
async fn a_still_valid_jwt_is_returned_again() {
    // `auth.getJwtToken` must be named explicitly in the accepted origins.
    let sim =
        Simulator::builder().security("accepted-web-content-origins", "* (auth.getJwtToken)").start().await.unwrap();
    let s = session(&sim, None).await;
    let first = s.auth().get_jwt_token().await.unwrap();
    let second = s.auth().get_jwt_token().await.unwrap();
    assert_eq!(first.jwt_token.expose(), second.jwt_token.expose());
    assert_eq!(first.expiration, second.expiration);
    let expires = chrono::DateTime::parse_from_rfc3339(&first.expiration).unwrap();
    assert!(expires > chrono::Utc::now() + chrono::TimeDelta::minutes(30), "{expires}");
}

#[tokio::test]
async fn preview_records_reach_preview_and_their_chained_records_are_retrieved() {
    let sim = Simulator::builder().start().await.unwrap();
    let s = session(&sim, None).await;
    let mut events = s.subscribe([cxwire_ws::Topic::Interaction]).await.unwrap();

    // Pull: getPreviewRecord, then RECORDS_RETRIEVED.
    sim.campaign("Pull", OutboundEventType::CampaignStarted, Some("Preview")).await.unwrap();
    let pulled = sim.preview_record(PreviewMode::Pull, Some("Pull")).await.unwrap();
    s.outbound().get_preview_record("Pull").await.unwrap();
    assert_eq!(next_interaction_event(&mut events).await.0, InteractionEventType::Added);
    assert_eq!(next_interaction_event(&mut events).await.0, InteractionEventType::Previewing);
    let (event, state, id) = next_interaction_event(&mut events).await;
    assert_eq!((event, state, id), (InteractionEventType::RecordsRetrieved, InteractionState::Previewing, pulled));

    // Regular push: INVITED with ACCEPT/DECLINE; accepted with interaction.accept.
    let pushed = sim.preview_record(PreviewMode::Push, None).await.unwrap();
    assert_eq!(next_interaction_event(&mut events).await.0, InteractionEventType::Added);
    assert_eq!(
        next_interaction_event(&mut events).await,
        (InteractionEventType::Invited, InteractionState::Invited, pushed.clone())
    );
    s.interaction().accept(pushed.clone()).await.unwrap();
    assert_eq!(
        next_interaction_event(&mut events).await,
        (InteractionEventType::Previewing, InteractionState::Previewing, pushed.clone())
    );
    assert_eq!(next_interaction_event(&mut events).await.0, InteractionEventType::RecordsRetrieved);
    // Another, declined with interaction.reject.
    let declined = sim.preview_record(PreviewMode::Push, None).await.unwrap();
    assert_eq!(next_interaction_event(&mut events).await.0, InteractionEventType::Added);
    assert_eq!(next_interaction_event(&mut events).await.0, InteractionEventType::Invited);
    s.interaction().reject(declined.clone()).await.unwrap();
    assert_eq!(
        next_interaction_event(&mut events).await,
        (InteractionEventType::Removed, InteractionState::Rejected, declined)
    );

    // Direct push: straight to preview.
    s.outbound().start_direct_push_preview().await.unwrap();
    let direct = sim.preview_record(PreviewMode::DirectPush, None).await.unwrap();
    let kinds: Vec<InteractionEventType> = [
        next_interaction_event(&mut events).await,
        next_interaction_event(&mut events).await,
        next_interaction_event(&mut events).await,
        next_interaction_event(&mut events).await,
    ]
    .into_iter()
    .map(|(e, _, id)| {
        assert_eq!(id, direct);
        e
    })
    .collect();
    assert_eq!(
        kinds,
        [
            InteractionEventType::Added,
            InteractionEventType::Invited,
            InteractionEventType::Previewing,
            InteractionEventType::RecordsRetrieved
        ]
    );
}

#[tokio::test]
async fn an_unknown_interaction_is_data_null_and_a_broadcast_goes_to_the_others() {
    let sim = Simulator::builder().start().await.unwrap();
    let (mut raw, _) = tokio_tungstenite::connect_async(sim.ws_url()).await.unwrap();
    let _frame_id = timeout(LIMIT, raw.next()).await.unwrap();
    let request = json!({"request": "interaction.getByInteractionId", "parameters": ["nope"], "referenceId": "1"});
    raw.send(Message::text(request.to_string())).await.unwrap();
    let Some(Ok(Message::Text(text))) = timeout(LIMIT, raw.next()).await.unwrap() else { panic!("answer") };
    let answer: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(answer.get("data"), Some(&Value::Null), "{answer}");

    let sender = session(&sim, None).await;
    let other = session(&sim, None).await;
    let mut sent = sender.subscribe([cxwire_ws::Topic::messenger("crm")]).await.unwrap();
    let mut received = other.subscribe([cxwire_ws::Topic::messenger("crm")]).await.unwrap();
    sender.messenger().broadcast_message("crm", json!({"hello": 1})).await.unwrap();
    let Some(SubscriptionItem::Event(frame)) = timeout(LIMIT, received.recv()).await.unwrap() else { panic!("event") };
    assert!(matches!(&frame.event, Event::Messenger { channel, .. } if channel == "crm"), "{frame:?}");
    assert!(timeout(QUIET, sent.recv()).await.is_err(), "the broadcast came back to its sender");
}

#[tokio::test]
async fn toasts_and_dialogs_are_numbered_as_the_vendor_sample_expects() {
    let sim = Simulator::builder().start().await.unwrap();
    let s = session(&sim, None).await;
    let toast = ToastParameters { title: "t".into(), ..ToastParameters::default() };
    assert_eq!(s.system().popup_toast(toast).await.unwrap(), "wweCustomToast0");
    let dialog = s.system().open_dialog("https://example.com/d", DialogOptions::default()).await.unwrap();
    assert_eq!(dialog.as_deref(), Some("wweCustomDialog1"));
}

async fn in_tab(sim: &Simulator, tab: &str) -> Session {
    let options = ConnectOptions { reconnect: ReconnectPolicy::never(), ..ConnectOptions::default() };
    connect_with(&format!("{}?tab={tab}", sim.ws_url()), options).await.unwrap()
}

#[tokio::test]
async fn leadership_and_activity_belong_to_the_browser_tab() {
    let sim = Simulator::builder().start().await.unwrap();
    // Two web contents of the first tab, one of a second tab.
    let a1 = in_tab(&sim, "A").await;
    let a2 = in_tab(&sim, "A").await;
    let b = in_tab(&sim, "B").await;
    assert!(a1.system().is_frame_leading().await.unwrap());
    assert!(a2.system().is_frame_leading().await.unwrap(), "a second frame of the leading tab leads too");
    assert!(b.system().is_frame_following().await.unwrap());
    // Activity in one frame makes its whole tab the last active one.
    a2.system().trigger_activity().await.unwrap();
    assert!(a1.system().is_last_active_frame().await.unwrap());
    assert!(!b.system().is_last_active_frame().await.unwrap());
    b.system().trigger_activity().await.unwrap();
    assert!(!a1.system().is_last_active_frame().await.unwrap() && b.system().is_last_active_frame().await.unwrap());
    // One frame of the leading tab leaves: its tab still leads, no election.
    let mut b_events = b.subscribe([cxwire_ws::Topic::System]).await.unwrap();
    a1.close().await;
    assert!(a2.system().is_frame_leading().await.unwrap());
    assert!(timeout(QUIET, b_events.recv()).await.is_err(), "an election ran while the tab was still there");
    // The last frame of the leading tab leaves: the other tab leads.
    a2.close().await;
    let mut states = Vec::new();
    while states.len() < 2 {
        let Some(SubscriptionItem::Event(frame)) = timeout(LIMIT, b_events.recv()).await.unwrap() else { panic!() };
        if let Event::System(e) = &frame.event
            && let Some(state) = &e.frame_state
        {
            states.push(state.clone());
        }
    }
    assert_eq!(states, [cxwire_model::scapi::FrameState::Negotiating, cxwire_model::scapi::FrameState::Leading]);
    assert!(b.system().is_frame_leading().await.unwrap());
}

#[tokio::test]
async fn test_support_records_events_offers_callback_urls_and_shuts_down_with_close_frames() {
    use cxwire_sim::testing::{EventRecorder, WaitError};
    let sim = Simulator::builder().start().await.unwrap();
    let s = session(&sim, None).await;
    let mut events = EventRecorder::start(&s, [cxwire_ws::Topic::Interaction]).await.unwrap();
    let call = sim.inject_inbound_call("+14155550123", "5001", Default::default()).await.unwrap();
    let is = |t: InteractionEventType| move |e: &Event| matches!(e, Event::Interaction(i) if i.event_type.as_ref() == Some(&t));
    // Waiting for RINGING records ADDED on the way; waiting for RINGING again times out: it
    // happened once, and the next wait starts after it.
    events.wait_for(is(InteractionEventType::Ringing), LIMIT).await.unwrap();
    assert_eq!(events.events().len(), 2);
    match events.wait_for(is(InteractionEventType::Ringing), QUIET).await {
        Err(WaitError::Timeout { seen: 2, .. }) => {}
        other => panic!("{other:?}"),
    }
    s.voice().answer(call).await.unwrap();
    let established = events.wait_for(is(InteractionEventType::Established), LIMIT).await.unwrap();
    assert!(matches!(&established.event, Event::Interaction(_)));

    // Callback URLs and configurations that a CallbackService takes as they are.
    assert_eq!(sim.callback_url(), format!("{}/callback/samples", sim.gms_base_url()));
    let v1 = cxwire_http::CallbackService::builder(sim.callback_config()).build().unwrap();
    let v3 = cxwire_http::CallbackService::builder(sim.engagement_callback_config()).build().unwrap();
    let start = (chrono::Utc::now() + chrono::TimeDelta::days(1)).format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string();
    for service in [v1, v3] {
        let query = cxwire_model::widgets::AvailabilityOptions {
            start_date: Some(start.clone()),
            number_of_days: Some("7".into()),
            ..Default::default()
        };
        let slots = service.availability(query).await.unwrap();
        assert!(!slots.slots.is_empty());
    }

    // Shutdown: every connection gets a close frame (1001), not a reset.
    let (mut raw, _) = tokio_tungstenite::connect_async(sim.ws_url()).await.unwrap();
    let _frame_id = timeout(LIMIT, raw.next()).await.unwrap();
    let mut states = s.connection_states();
    timeout(LIMIT, sim.shutdown()).await.expect("shutdown returns");
    let close = loop {
        match timeout(LIMIT, raw.next()).await.unwrap() {
            Some(Ok(Message::Close(frame))) => break frame.expect("a close frame with a code"),
            Some(Ok(_)) => continue,
            other => panic!("expected a close frame, got {other:?}"),
        }
    };
    assert_eq!(u16::from(close.code), 1001);
    assert!(close.reason.contains("shutting down"), "{}", close.reason);
    match timeout(LIMIT, states.recv()).await.unwrap().unwrap() {
        cxwire_ws::ConnectionState::Disconnected { reason } => assert!(reason.contains("closed"), "{reason}"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_dismissed_toast_is_closed_in_the_simulator_too() {
    let sim = Simulator::builder().start().await.unwrap();
    let s = session(&sim, None).await;
    let toast = ToastParameters { title: "t".into(), buttons: Some(vec!["OK".into()]), ..ToastParameters::default() };
    let id = s.system().popup_toast(toast).await.unwrap();
    sim.dismiss_toast(&id).await.unwrap();
    assert!(!s.system().close_toast(id.clone()).await.unwrap(), "the dismissed toast is gone");
    assert!(matches!(sim.click_toast_button(&id, 0).await, Err(cxwire_sim::SimError::Refused(_))));
    assert!(matches!(sim.dismiss_toast(&id).await, Err(cxwire_sim::SimError::Refused(_))));
}
