//! The domain layer of cxwire-ws against the simulator: typed topics, interactions as handles
//! with their own state, updates and actions, ending when marked done, and a lag repaired by a
//! resynchronisation instead of an end.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use std::time::Duration;

use cxwire_model::scapi::InteractionEventType;
use cxwire_model::scapi::types::InteractionState;
use cxwire_sim::Simulator;
use cxwire_ws::{
    ConnectOptions, InteractionHandle, InteractionUpdate, ReconnectPolicy, Session, SessionConfig, Topic, connect_with,
};
use serde_json::json;
use tokio::time::timeout;

const LIMIT: Duration = Duration::from_secs(10);

async fn session(sim: &Simulator, config: SessionConfig) -> Session {
    let options = ConnectOptions { reconnect: ReconnectPolicy::never(), session: config, ..ConnectOptions::default() };
    connect_with(&sim.ws_url(), options).await.unwrap()
}

async fn update(handle: &mut InteractionHandle) -> Option<InteractionUpdate> {
    timeout(LIMIT, handle.next()).await.expect("an update in time")
}

#[test]
fn topics_are_typed_and_a_misspelt_one_is_refused() {
    assert_eq!("interaction".parse::<Topic>().unwrap(), Topic::Interaction);
    assert_eq!("messenger:crm".parse::<Topic>().unwrap(), Topic::messenger("crm"));
    assert_eq!(Topic::messenger("crm").wire_name(), "messenger:crm");
    let err = "interactions".parse::<Topic>().unwrap_err();
    assert!(err.to_string().contains("unknown topic `interactions`"), "{err}");
    assert!("messenger:".parse::<Topic>().is_err());
    assert_eq!(Topic::Other("future".into()).wire_name(), "future");
}

#[tokio::test]
async fn a_call_is_a_handle_from_ringing_to_marked_done() {
    let sim = Simulator::builder().start().await.unwrap();
    let s = session(&sim, SessionConfig::default()).await;
    // One interaction already on the desktop is handed out first.
    let chat = sim.inject_open_media("chat", "web visitor", Default::default()).await.unwrap();
    let mut interactions = s.interactions().await.unwrap();
    let existing = timeout(LIMIT, interactions.next()).await.unwrap().unwrap();
    assert_eq!(existing.id().as_str(), chat);
    assert_eq!(existing.state(), InteractionState::Invited);

    let user_data = [("Segment".to_owned(), json!("Gold"))].into();
    let id = sim.inject_inbound_call("+14155550123", "5001", user_data).await.unwrap();
    let mut call = timeout(LIMIT, interactions.next()).await.unwrap().unwrap();
    assert_eq!(call.id().as_str(), id);
    assert_eq!(call.media().as_deref(), Some("voice"));
    assert_eq!(update(&mut call).await, Some(InteractionUpdate::Event(InteractionEventType::Added)));
    assert_eq!(update(&mut call).await, Some(InteractionUpdate::Event(InteractionEventType::Ringing)));
    assert_eq!(call.state(), InteractionState::Ringing);
    assert_eq!(call.snapshot().user_data.as_ref().unwrap()["Segment"], "Gold");

    call.answer().await.unwrap();
    assert_eq!(update(&mut call).await, Some(InteractionUpdate::Event(InteractionEventType::Established)));
    assert_eq!(call.state(), InteractionState::Talking);
    call.set_user_data([("Ticket".to_owned(), json!("T-1"))].into()).await.unwrap();
    assert_eq!(update(&mut call).await, Some(InteractionUpdate::Event(InteractionEventType::AttachedDataChanged)));
    assert_eq!(call.snapshot().user_data.as_ref().unwrap()["Ticket"], "T-1");
    call.hang_up().await.unwrap();
    assert_eq!(update(&mut call).await, Some(InteractionUpdate::Event(InteractionEventType::Released)));
    call.mark_done().await.unwrap();
    // Marked done: the last update is REMOVED, then the updates end.
    let mut last = None;
    while let Some(u) = update(&mut call).await {
        last = Some(u);
    }
    assert_eq!(last, Some(InteractionUpdate::Event(InteractionEventType::Removed)));
    // The typed id passes where the namespaces take an id.
    assert!(s.interaction().get_by_interaction_id(call.id()).await.unwrap().is_none());
}

#[tokio::test]
async fn a_lag_is_repaired_by_a_resynchronisation_not_an_end() {
    let sim = Simulator::builder().start().await.unwrap();
    // A tiny subscriber buffer: the tracker lags as soon as events come in a burst.
    let s = session(&sim, SessionConfig { subscriber_buffer: 2, ..SessionConfig::default() }).await;
    let mut interactions = s.interactions().await.unwrap();
    let id = sim.inject_inbound_call("+14155550123", "5001", Default::default()).await.unwrap();
    let mut call = timeout(LIMIT, interactions.next()).await.unwrap().unwrap();
    assert_eq!(call.id().as_str(), id);
    // A burst of attached-data changes from another desktop frame.
    let other = session(&sim, SessionConfig::default()).await;
    other.voice().answer(id.clone()).await.unwrap();
    let burst = (0..50).map(|n| {
        let other = other.clone();
        let id = id.clone();
        async move { other.interaction().set_user_data(id, [(format!("k{n}"), json!(n))].into()).await }
    });
    for result in futures_util::future::join_all(burst).await {
        result.unwrap();
    }
    // The handle keeps going (its updates do not end) and converges on the Workspace's state.
    let mut resynced = false;
    while let Ok(next) = timeout(Duration::from_millis(500), call.next()).await {
        match next {
            Some(InteractionUpdate::Resynced) => resynced = true,
            Some(_) => {}
            None => panic!("the updates ended on a lag"),
        }
    }
    assert!(resynced, "a burst into a buffer of 2 must lag at least once");
    assert_eq!(call.snapshot().user_data.as_ref().map(|u| u.len()), Some(50));
    assert_eq!(call.state(), InteractionState::Talking);
}

#[tokio::test]
async fn agent_state_changes_carry_their_state_without_option() {
    use cxwire_model::scapi::types::StateType;
    let sim = Simulator::builder().start().await.unwrap();
    let s = session(&sim, SessionConfig::default()).await;
    let mut states = s.agent_states().await.unwrap();
    s.agent().set_state("Ready").await.unwrap();
    let change = timeout(LIMIT, states.next()).await.unwrap().unwrap();
    assert_eq!(change.state, StateType::Ready);
    s.agent().set_state("NotReadyBreak").await.unwrap();
    let change = timeout(LIMIT, states.next()).await.unwrap().unwrap();
    assert_eq!(change.state, StateType::NotReadyActionCode);
    assert!(matches!(&change.raw.event, cxwire_model::scapi::Event::Agent(_)));
}

#[tokio::test]
async fn a_handle_outlives_the_interactions_stream() {
    let sim = Simulator::builder().start().await.unwrap();
    let s = session(&sim, SessionConfig::default()).await;
    let mut interactions = s.interactions().await.unwrap();
    sim.inject_inbound_call("+14155550123", "5001", Default::default()).await.unwrap();
    let mut call = timeout(LIMIT, interactions.next()).await.unwrap().unwrap();
    drop(interactions);
    assert_eq!(update(&mut call).await, Some(InteractionUpdate::Event(InteractionEventType::Added)));
    assert_eq!(update(&mut call).await, Some(InteractionUpdate::Event(InteractionEventType::Ringing)));
    call.answer().await.unwrap();
    assert_eq!(update(&mut call).await, Some(InteractionUpdate::Event(InteractionEventType::Established)));
}
