//! The session over an in-memory transport: every request of the catalog, errors, subscriptions,
//! frame ids, bad input.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod common;

use std::time::Duration;

use common::{Fake, answer_to, fixtures, spawn_fake, subscriptions_only};
use cxwire_model::scapi::{self as m, ClientMessage, Event, Response, ServiceRequest};
use cxwire_ws::{Error, Session, SessionConfig, SubscriptionItem, memory_pair};
use serde_json::{Value, json};

fn session_with<F>(config: SessionConfig, answer: F) -> (Session, Fake)
where
    F: Fn(&Value) -> Vec<String> + Send + 'static,
{
    let (client, workspace) = memory_pair(64);
    let fake = spawn_fake(workspace, answer);
    (Session::new(client, config), fake)
}

/// For one request type: each request fixture goes out through the typed call with the same
/// name and parameters, and the answer fixture's data comes back typed.
async fn check_request<R: ServiceRequest>() {
    let requests = fixtures(&format!("scapi/request/{}", R::NAME));
    let answers: Vec<Value> = fixtures(&format!("scapi/answer/{}", R::NAME))
        .into_iter()
        .map(|(_, text)| serde_json::from_str::<Value>(&text).unwrap())
        .filter(|a| a.get("errorMessage").is_none())
        .collect();
    assert!(!requests.is_empty() && !answers.is_empty(), "fixtures for {}", R::NAME);
    let answer = answers[0].clone();
    let data = answer.get("data").cloned();
    let (session, mut fake) = session_with(SessionConfig::default(), move |frame| vec![answer_to(frame, data.clone())]);
    for (file, text) in requests {
        let ClientMessage::Request(frame) = ClientMessage::decode(&text).unwrap() else { panic!("{file}") };
        let typed = R::from_request(frame.request).unwrap_or_else(|| panic!("{file} is a {}", R::NAME));
        let got = session.call(typed).await.unwrap_or_else(|e| panic!("{} {file}: {e}", R::NAME));

        let sent = fake.next().await;
        let expected: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(sent["request"], R::NAME, "{file}");
        assert_eq!(sent.get("parameters"), expected.get("parameters"), "{} {file}: parameters", R::NAME);
        assert_eq!(sent["userAgent"], "WWE Client");
        assert_eq!(sent["protocolVersion"], 2);

        let want =
            R::from_response(Response::decode(R::NAME, answer.get("data").map(|d| d.to_string()).as_deref()).unwrap())
                .unwrap();
        assert_eq!(got, want, "{} {file}: typed answer", R::NAME);
    }
}

macro_rules! all_requests {
    ($($name:ident),+ $(,)?) => {
        #[tokio::test]
        async fn every_request_goes_out_with_its_name_and_parameters_and_its_answer_decodes() {
            let names = [$(<m::$name as ServiceRequest>::NAME),+];
            assert_eq!(names.as_slice(), m::REQUEST_NAMES, "this list covers the catalog");
            $(check_request::<m::$name>().await;)+
        }
    };
}

all_requests!(
    AgentGet,
    AgentGetState,
    AgentGetStateList,
    AgentSetState,
    ConfigurationGetOption,
    ConfigurationGetContextualOption,
    EmailCreate,
    InteractionCompleteConference,
    InteractionCompleteTransfer,
    InteractionConsult,
    InteractionDeleteUserData,
    InteractionGetByInteractionId,
    InteractionGetInteractions,
    InteractionSelectCaseByCaseId,
    InteractionSetUserData,
    InteractionMarkdone,
    InteractionBlockMarkdone,
    InteractionUnblockMarkdone,
    InteractionSingleStepConference,
    InteractionSingleStepTransfer,
    InteractionAccept,
    InteractionReject,
    MediaGetMediaList,
    MediaGetMediaByName,
    MediaSetState,
    SystemAmIVisible,
    SystemCloseDialog,
    SystemCloseToast,
    SystemCloseViewInApplicationMenuBar,
    SystemGetAllowedServices,
    SystemIsFrameLeading,
    SystemIsFrameFollowing,
    SystemIsFrameNegotiating,
    SystemIsFrameLeadingOrNegotiating,
    SystemIsLastActiveFrame,
    SystemOpenDialog,
    SystemPopupToast,
    SystemTriggerActivity,
    SystemUpdateViewInApplicationMenuBar,
    SystemUpdateToast,
    VoiceAnswer,
    VoiceDial,
    VoiceDialEx,
    VoiceHangUp,
    VoiceHold,
    VoiceResume,
    VoicePauseCallRecording,
    VoiceResumeCallRecording,
    VoiceStartCallRecording,
    VoiceStopCallRecording,
    SipEndpointIsMicrophoneMute,
    SipEndpointMuteMicrophone,
    SipEndpointUnmuteMicrophone,
    SipEndpointIsSpeakerMute,
    SipEndpointMuteSpeaker,
    SipEndpointUnmuteSpeaker,
    OutboundGetCampaigns,
    OutboundGetPreviewRecord,
    OutboundCallPreviewRecord,
    OutboundRejectPreviewRecord,
    OutboundCancelPreviewRecord,
    OutboundStartDirectPushPreview,
    OutboundStopDirectPushPreview,
    OutboundGetListOfCallResults,
    OutboundSetCallResult,
    OutboundGetCallResult,
    OutboundSetDoNotCall,
    OutboundRemoveDoNotCall,
    OutboundRescheduleRecord,
    OutboundCancelReschedule,
    OutboundGetChainedRecords,
    OutboundGetRecordFields,
    OutboundUpdateRecordFields,
    AuthGetJwtToken,
    MessengerBroadcastMessage,
);

#[tokio::test]
async fn namespace_methods_send_the_documented_frames() {
    let (session, mut fake) = session_with(SessionConfig::default(), |frame| {
        let data = match frame["request"].as_str() {
            Some("agent.getState") => Some(json!({"type": "READY", "displayName": "Ready", "operationName": "Ready"})),
            Some("sipEndpoint.isMicrophoneMute") => Some(json!(true)),
            _ => None,
        };
        vec![answer_to(frame, data)]
    });
    let state = session.agent().get_state().await.unwrap();
    assert_eq!(state.operation_name.as_deref(), Some("Ready"));
    assert_eq!(fake.next().await["request"], "agent.getState");

    let data = [("MyKEY1".to_owned(), json!("MyValue1"))].into();
    session.interaction().set_user_data("1", data).await.unwrap();
    let sent = fake.next().await;
    assert_eq!(sent["request"], "interaction.setUserData");
    assert_eq!(sent["parameters"], json!(["1", {"MyKEY1": "MyValue1"}]));

    assert!(session.voice().is_microphone_mute().await.unwrap());
    assert_eq!(fake.next().await["request"], "sipEndpoint.isMicrophoneMute");

    session.voice().dial("5001", None).await.unwrap();
    assert_eq!(fake.next().await["parameters"], json!(["5001"]));

    session
        .outbound()
        .reschedule_record("1", 257, "03/17/2026 15:30", cxwire_model::scapi::types::CallbackType::Personal)
        .await
        .unwrap();
    assert_eq!(fake.next().await["parameters"], json!(["1", 257, "03/17/2026 15:30", "PERSONAL"]));

    session.messenger().broadcast_message("my-channel", json!({"foo": 1})).await.unwrap();
    assert_eq!(fake.next().await["parameters"], json!(["my-channel", {"foo": 1}]));

    assert_eq!(session.call_raw("future.request", vec![json!(1)]).await.unwrap(), None);
    let sent = fake.next().await;
    assert_eq!((sent["request"].clone(), sent["parameters"].clone()), (json!("future.request"), json!([1])));
}

#[tokio::test]
async fn workspace_errors_map_to_typed_errors() {
    let (session, _fake) = session_with(SessionConfig::default(), |frame| {
        let id = frame["referenceId"].clone();
        let request = frame["request"].clone();
        let reply = match request.as_str() {
            Some("voice.dial") => json!({"referenceId": id, "request": request, "errorMessage":
                "The rate limit for the request 'voice.dial' has been reached.\nFurther requests of the same type will be ignored for 30 seconds."}),
            Some("configuration.getContextualOption") => {
                json!({"referenceId": id, "request": request, "errorMessage": "Error: Interaction not found."})
            }
            Some("agent.getStateList") => json!({"referenceId": id, "request": request, "data": {"not": "a list"}}),
            _ => json!({"referenceId": id, "request": request, "errorMessage": null}),
        };
        vec![reply.to_string()]
    });
    match session.voice().dial("5001", None).await {
        Err(Error::RateLimited { request, limited, quarantine }) => {
            assert_eq!((request.as_str(), limited.as_str(), quarantine), ("voice.dial", "voice.dial", Some(30)));
        }
        other => panic!("{other:?}"),
    }
    match session.configuration().get_contextual_option("interaction.case-data.frame-color", "9").await {
        Err(Error::Rejected { request, message }) => {
            assert_eq!(request, "configuration.getContextualOption");
            assert_eq!(message.as_deref(), Some("Error: Interaction not found."));
        }
        other => panic!("{other:?}"),
    }
    match session.agent().get_state_list().await {
        Err(Error::Undecodable { request, raw, source }) => {
            assert_eq!(request, "agent.getStateList");
            assert!(raw.contains("a list"), "{raw}");
            assert!(source.to_string().contains("data"), "{source}");
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(session.agent().get().await, Err(Error::Rejected { message: None, .. })));
}

#[tokio::test(start_paused = true)]
async fn calls_time_out_by_session_default_and_per_call() {
    let (session, _fake) = session_with(SessionConfig::default(), |_| Vec::new());
    let started = tokio::time::Instant::now();
    match session.agent().get_state().await {
        Err(Error::Timeout { request, timeout }) => {
            assert_eq!((request.as_str(), timeout), ("agent.getState", Duration::from_secs(10)));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(started.elapsed(), Duration::from_secs(10));
    let started = tokio::time::Instant::now();
    let quick = session.agent().with_timeout(Duration::from_millis(500)).get_state().await;
    assert!(matches!(quick, Err(Error::Timeout { timeout, .. }) if timeout == Duration::from_millis(500)));
    assert_eq!(started.elapsed(), Duration::from_millis(500));
}

#[tokio::test(start_paused = true)]
async fn a_short_timeout_fires_on_time_behind_a_longer_pending_call() {
    let (session, _fake) = session_with(SessionConfig::default(), |_| Vec::new());
    let long = tokio::spawn({
        let session = session.clone();
        async move { session.agent().get_state().await }
    });
    // Let the long call reach the driver first.
    tokio::task::yield_now().await;
    let started = tokio::time::Instant::now();
    let short = session.agent().with_timeout(Duration::from_millis(300)).get().await;
    assert!(matches!(short, Err(Error::Timeout { timeout, .. }) if timeout == Duration::from_millis(300)), "{short:?}");
    assert_eq!(started.elapsed(), Duration::from_millis(300));
    assert!(matches!(long.await.unwrap(), Err(Error::Timeout { timeout, .. }) if timeout == Duration::from_secs(10)));
}

#[tokio::test]
async fn calls_in_flight_fail_when_the_connection_ends() {
    let (client, workspace) = memory_pair(8);
    let session = Session::new(client, SessionConfig::default());
    let mut states = session.connection_states();
    assert_eq!(session.connection_state(), cxwire_ws::ConnectionState::Connected);
    let call = tokio::spawn({
        let session = session.clone();
        async move { session.agent().get_state().await }
    });
    // Let the request reach the other side, then vanish.
    let mut workspace = workspace;
    let _ = futures_util::StreamExt::next(&mut workspace).await;
    drop(workspace);
    let result = tokio::time::timeout(Duration::from_secs(5), call).await.unwrap().unwrap();
    assert!(matches!(result, Err(Error::Disconnected)), "{result:?}");
    let mut seen = Vec::new();
    while let Ok(Ok(state)) = tokio::time::timeout(Duration::from_secs(5), states.recv()).await {
        let gave_up = state == cxwire_ws::ConnectionState::GaveUp;
        seen.push(state);
        if gave_up {
            break;
        }
    }
    // A transport given once cannot reconnect: disconnected, then gave up.
    assert!(
        matches!(
            seen.as_slice(),
            [cxwire_ws::ConnectionState::Disconnected { .. }, cxwire_ws::ConnectionState::GaveUp]
        ),
        "{seen:?}"
    );
    assert!(matches!(session.agent().get().await, Err(Error::Disconnected)));
    assert_eq!(session.connection_state(), cxwire_ws::ConnectionState::GaveUp);
}

#[tokio::test]
async fn subscribers_share_one_workspace_subscription_and_unsubscribe_on_drop() {
    let (session, mut fake) = session_with(SessionConfig::default(), subscriptions_only);
    let mut first = session.subscribe([cxwire_ws::Topic::Agent, cxwire_ws::Topic::Interaction]).await.unwrap();
    let sent = fake.next().await;
    assert_eq!(sent["event"], "subscribe");
    assert_eq!(sent["data"], json!(["agent", "interaction"]));
    let subscription_id = format!("sub-{}", sent["referenceId"].as_str().unwrap());

    // Already covered: no second subscribe frame.
    let mut second = session.subscribe([cxwire_ws::Topic::Agent]).await.unwrap();
    let mut messenger = session.subscribe([cxwire_ws::Topic::messenger("my-channel")]).await.unwrap();
    let sent = fake.next().await;
    assert_eq!((sent["event"].clone(), sent["data"].clone()), (json!("subscribe"), json!(["messenger:my-channel"])));

    fake.send(r#"{"event":"agent","data":{"eventType":"STATE_CHANGED","mediaState":"READY"},"userAgent":"WWE Server","protocolVersion":2}"#);
    fake.send(r#"{"event":"messenger:my-channel","data":{"foo":"A foo text.","bar":1234}}"#);
    for sub in [&mut first, &mut second] {
        let Some(SubscriptionItem::Event(frame)) = sub.recv().await else { panic!("event") };
        assert!(matches!(frame.event, Event::Agent(_)));
    }
    let Some(SubscriptionItem::Event(frame)) = messenger.recv().await else { panic!("event") };
    assert!(matches!(&frame.event, Event::Messenger { channel, .. } if channel == "my-channel"));

    drop(first);
    // `agent` is still watched by `second`: nothing is sent. Dropping it frees the subscription.
    drop(second);
    let sent = fake.next().await;
    assert_eq!((sent["event"].clone(), sent["data"].clone()), (json!("unsubscribe"), json!(subscription_id)));
}

#[tokio::test]
async fn a_slow_subscriber_is_told_how_many_events_it_missed() {
    let config = SessionConfig { subscriber_buffer: 2, ..SessionConfig::default() };
    let (session, mut fake) = session_with(config, subscriptions_only);
    let mut slow = session.subscribe([cxwire_ws::Topic::System]).await.unwrap();
    let _ = fake.next().await;
    let mut marker = session.subscribe([cxwire_ws::Topic::Outbound]).await.unwrap();
    let _ = fake.next().await;
    for i in 0..5 {
        fake.send(format!(r#"{{"event":"system","data":{{"eventType":"CUSTOM_TOAST_BUTTON_CLICK","customToastId":"t{i}","buttonIndex":0}}}}"#));
    }
    // Frames are dispatched in order: once the marker arrives, all five were dispatched.
    fake.send(r#"{"event":"outbound","data":{"eventType":"CampaignLoaded","campaign":"Offer of the Month"}}"#);
    assert!(matches!(marker.recv().await, Some(SubscriptionItem::Event(_))));
    let mut items = Vec::new();
    for _ in 0..3 {
        let item = tokio::time::timeout(Duration::from_secs(5), slow.recv()).await.unwrap().unwrap();
        items.push(match item {
            SubscriptionItem::Event(frame) => match &frame.event {
                Event::System(e) => e.custom_toast_id.clone().unwrap(),
                other => panic!("{other:?}"),
            },
            SubscriptionItem::Lagged(n) => format!("lagged {n}"),
        });
    }
    // The lag is reported first, then the two events that fitted in the buffer.
    assert_eq!(items, ["lagged 3", "t0", "t1"]);
}

#[tokio::test]
async fn frame_ids_are_sent_once_assigned() {
    // The fake assigns frame id 7 right before answering the first request.
    let (session, mut fake) = session_with(SessionConfig::default(), |frame| {
        let mut out = Vec::new();
        if frame.get("frameId").is_none() {
            out.push(r#"{"frameId":7,"userAgent":"WWE Server","protocolVersion":2}"#.to_owned());
        }
        out.push(answer_to(frame, Some(json!(true))));
        out
    });
    assert_eq!(session.frame_id(), None);
    assert!(session.system().am_i_visible().await.unwrap());
    assert!(fake.next().await.get("frameId").is_none());
    assert_eq!(session.frame_id(), Some(7));
    assert!(session.system().am_i_visible().await.unwrap());
    assert_eq!(fake.next().await["frameId"], 7);
}

#[tokio::test]
async fn bad_frames_are_dropped_and_the_session_stays_up() {
    let (session, mut fake) = session_with(SessionConfig::default(), |frame| vec![answer_to(frame, Some(json!(true)))]);
    for junk in [
        "not json",
        "[1,2]",
        "42",
        "{}",
        r#"{"referenceId":"999999","data":1}"#,
        r#"{"event":"agent","data":{"eventType":"STATE_CHANGED"}}"#,
    ] {
        fake.send(junk);
    }
    fake.send("x".repeat(2 << 20));
    assert!(session.system().is_frame_leading().await.unwrap());
    let _ = fake.next().await;
}

#[tokio::test]
async fn oversized_requests_are_refused_before_sending() {
    let config = SessionConfig { max_frame: 256, ..SessionConfig::default() };
    let (session, _fake) = session_with(config, |frame| vec![answer_to(frame, None)]);
    let big = [("k".to_owned(), json!("v".repeat(1000)))].into();
    match session.interaction().set_user_data("1", big).await {
        Err(Error::FrameTooLarge { limit: 256, size }) => assert!(size > 1000),
        other => panic!("{other:?}"),
    }
    session.voice().hold("1").await.unwrap();
}
