//! Several agents in one simulator: each connection selects its agent's desktop, calls are
//! routed to an agent, consultations and transfers between two simulated agents work end to
//! end, and the remote party acts through the control API.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use std::time::Duration;

use cxwire_model::scapi::types::{Agent, InteractionState, TargetQuery, TargetType};
use cxwire_model::scapi::{Event, InteractionEventType};
use cxwire_sim::workspace::{ConsultAnswer, DesktopConfig};
use cxwire_sim::{RemoteAction, SimConfig, SimError, Simulator};
use cxwire_ws::{ConnectOptions, ReconnectPolicy, Session, Subscription, SubscriptionItem, connect_with};
use futures_util::StreamExt;
use serde_json::json;
use tokio::time::timeout;
use tokio_tungstenite::tungstenite::Message;

const LIMIT: Duration = Duration::from_secs(10);
const QUIET: Duration = Duration::from_millis(300);

fn desktop(employee_id: &str, username: &str) -> DesktopConfig {
    DesktopConfig {
        agent: Agent { employee_id: Some(employee_id.into()), username: Some(username.into()), ..Agent::default() },
        ..DesktopConfig::default()
    }
}

async fn two_agents() -> Simulator {
    let config = SimConfig { agents: vec![desktop("emp1", "alice"), desktop("emp2", "bob")], ..SimConfig::default() };
    Simulator::builder().config(config).start().await.unwrap()
}

async fn desktop_of(sim: &Simulator, agent: &str) -> Session {
    let options = ConnectOptions { reconnect: ReconnectPolicy::never(), ..ConnectOptions::default() };
    connect_with(&format!("{}?agent={agent}", sim.ws_url()), options).await.unwrap()
}

/// The next interaction event: type, state, id, and the whole event.
async fn next(
    sub: &mut Subscription,
) -> (InteractionEventType, InteractionState, String, cxwire_model::scapi::InteractionEvent) {
    match timeout(LIMIT, sub.recv()).await.expect("an event in time") {
        Some(SubscriptionItem::Event(frame)) => {
            let Event::Interaction(e) = &frame.event else { panic!("{:?}", frame.event) };
            let i = e.interaction.as_ref().unwrap();
            (e.event_type.clone().unwrap(), i.state.clone().unwrap(), i.interaction_id.clone().unwrap(), e.clone())
        }
        other => panic!("{other:?}"),
    }
}

async fn quiet(sub: &mut Subscription) {
    if let Ok(item) = timeout(QUIET, sub.recv()).await {
        panic!("expected nothing, got {item:?}");
    }
}

#[tokio::test]
async fn each_connection_selects_its_agent_and_calls_are_routed_to_one() {
    let sim = two_agents().await;
    let a = desktop_of(&sim, "emp1").await;
    let b = desktop_of(&sim, "bob").await;
    assert_eq!(a.agent().get().await.unwrap().username.as_deref(), Some("alice"));
    assert_eq!(b.agent().get().await.unwrap().employee_id.as_deref(), Some("emp2"));
    // Agent states are per desktop.
    a.agent().set_state("Ready").await.unwrap();
    assert_eq!(b.agent().get_state().await.unwrap().operation_name.as_deref(), Some("NotReady"));
    // A call for bob rings only at bob's.
    let mut a_events = a.subscribe([cxwire_ws::Topic::Interaction]).await.unwrap();
    let mut b_events = b.subscribe([cxwire_ws::Topic::Interaction]).await.unwrap();
    let call =
        sim.agent("emp2").unwrap().inject_inbound_call("+14155550123", "5001", Default::default()).await.unwrap();
    assert_eq!(next(&mut b_events).await.2, call);
    quiet(&mut a_events).await;
    assert!(a.interaction().get_interactions().await.unwrap().is_empty());
    assert_eq!(sim.agents(), ["emp1", "emp2"]);
    assert!(matches!(sim.agent("nobody"), Err(SimError::Refused(_))));
    let connections = sim.connections().await.unwrap();
    let agents: Vec<&str> = connections.iter().map(|c| c.agent.as_str()).collect();
    assert_eq!(agents, ["emp1", "emp2"]);
}

#[tokio::test]
async fn an_unknown_agent_is_refused_with_1008() {
    let sim = two_agents().await;
    let (mut ws, _) = tokio_tungstenite::connect_async(format!("{}?agent=nobody", sim.ws_url())).await.unwrap();
    let close = loop {
        match timeout(LIMIT, ws.next()).await.unwrap() {
            Some(Ok(Message::Close(frame))) => break frame.unwrap(),
            Some(Ok(_)) => continue,
            other => panic!("{other:?}"),
        }
    };
    assert_eq!(u16::from(close.code), cxwire_ws::CLOSE_POLICY_VIOLATION);
    assert!(close.reason.contains("no agent 'nobody'"), "{}", close.reason);
}

#[tokio::test]
async fn a_consultation_then_a_transfer_from_agent_a_to_agent_b() {
    let sim = two_agents().await;
    let a = desktop_of(&sim, "emp1").await;
    let b = desktop_of(&sim, "emp2").await;
    let mut a_events = a.subscribe([cxwire_ws::Topic::Interaction]).await.unwrap();
    let mut b_events = b.subscribe([cxwire_ws::Topic::Interaction]).await.unwrap();
    let user_data = [("Segment".to_owned(), json!("Gold"))].into();
    let call = sim.inject_inbound_call("+14155550123", "5001", user_data).await.unwrap();
    assert_eq!(next(&mut a_events).await.0, InteractionEventType::Added);
    assert_eq!(next(&mut a_events).await.0, InteractionEventType::Ringing);
    a.voice().answer(call.clone()).await.unwrap();
    assert_eq!(next(&mut a_events).await.0, InteractionEventType::Established);

    // A consults B: the call is held, the consultation dials, and rings at B.
    a.interaction().consult(call.clone(), TargetQuery::to(TargetType::Agent, "emp2"), None, None).await.unwrap();
    assert_eq!(next(&mut a_events).await.0, InteractionEventType::Held);
    let (added, _, consult, _) = next(&mut a_events).await;
    assert_eq!(added, InteractionEventType::Added);
    assert_eq!(next(&mut a_events).await.0, InteractionEventType::Dialing);
    quiet(&mut a_events).await; // not established before B answers
    let (added, state, at_b, event) = next(&mut b_events).await;
    assert_eq!((added, state), (InteractionEventType::Added, InteractionState::Ringing));
    let ringing = event.interaction.unwrap();
    assert_eq!(ringing.is_consultation, Some(true));
    assert_eq!(ringing.user_data.unwrap()["Segment"], "Gold", "the consultation carries the call's user data");
    assert_eq!(next(&mut b_events).await.0, InteractionEventType::Ringing);

    // B answers: both ends are established.
    b.voice().answer(at_b.clone()).await.unwrap();
    assert_eq!(next(&mut b_events).await.0, InteractionEventType::Established);
    let (established, state, id, _) = next(&mut a_events).await;
    assert_eq!(
        (established, state, id),
        (InteractionEventType::Established, InteractionState::Talking, consult.clone())
    );

    // A completes the transfer: A's calls end, B keeps the customer.
    a.interaction().complete_transfer(consult.clone()).await.unwrap();
    let mut a_types = Vec::new();
    for _ in 0..3 {
        let (t, _, id, _) = next(&mut a_events).await;
        a_types.push((t, id));
    }
    assert_eq!(
        a_types,
        [
            (InteractionEventType::Released, call.clone()),
            (InteractionEventType::Released, consult.clone()),
            (InteractionEventType::Removed, consult.clone())
        ]
    );
    let (changed, state, id, event) = next(&mut b_events).await;
    assert_eq!((changed, state, id), (InteractionEventType::PartyChanged, InteractionState::Talking, at_b.clone()));
    let transferred = event.interaction.unwrap();
    assert_eq!(transferred.is_consultation, Some(false));
    assert_eq!(transferred.parties.unwrap()[0].name.as_deref(), Some("+14155550123"));
    // B hangs up later: A hears nothing of it (the link ended with the transfer).
    b.voice().hang_up(at_b).await.unwrap();
    assert_eq!(next(&mut b_events).await.0, InteractionEventType::Released);
    quiet(&mut a_events).await;
}

#[tokio::test]
async fn a_single_step_transfer_rings_at_the_other_agent_and_a_hang_up_ends_both_ends_of_a_consultation() {
    let sim = two_agents().await;
    let a = desktop_of(&sim, "emp1").await;
    let b = desktop_of(&sim, "emp2").await;
    let mut b_events = b.subscribe([cxwire_ws::Topic::Interaction]).await.unwrap();
    let user_data = [("Case".to_owned(), json!("42"))].into();
    let call = sim.inject_inbound_call("+14155550199", "5001", user_data).await.unwrap();
    a.voice().answer(call.clone()).await.unwrap();
    a.interaction().single_step_transfer(call, TargetQuery::to(TargetType::Agent, "bob"), None, None).await.unwrap();
    let (added, state, at_b, event) = next(&mut b_events).await;
    assert_eq!((added, state), (InteractionEventType::Added, InteractionState::Ringing));
    let ringing = event.interaction.unwrap();
    assert_eq!(ringing.ani.as_deref(), Some("+14155550199"));
    assert_eq!(ringing.user_data.unwrap()["Case"], "42");
    assert_eq!(next(&mut b_events).await.0, InteractionEventType::Ringing);
    b.voice().answer(at_b.clone()).await.unwrap();
    assert_eq!(next(&mut b_events).await.0, InteractionEventType::Established);

    // B consults A, then A (the consulted end) hangs up: B's consultation is released.
    let mut a_events = a.subscribe([cxwire_ws::Topic::Interaction]).await.unwrap();
    b.interaction().consult(at_b, TargetQuery::to(TargetType::Agent, "emp1"), None, None).await.unwrap();
    let mut consult = String::new();
    while consult.is_empty() {
        let (t, _, id, _) = next(&mut b_events).await;
        if t == InteractionEventType::Dialing {
            consult = id;
        }
    }
    let (_, _, at_a, _) = next(&mut a_events).await;
    assert_eq!(next(&mut a_events).await.0, InteractionEventType::Ringing);
    a.voice().hang_up(at_a).await.unwrap();
    let (released, state, id, _) = next(&mut b_events).await;
    assert_eq!((released, state, id), (InteractionEventType::Released, InteractionState::Idle, consult));
}

#[tokio::test]
async fn the_remote_party_hangs_up_holds_answers_refuses_and_chats() {
    let config = SimConfig {
        desktop: DesktopConfig { consult_answer: ConsultAnswer::Manual, ..DesktopConfig::default() },
        ..SimConfig::default()
    };
    let sim = Simulator::builder().config(config).start().await.unwrap();
    let s = desktop_of(&sim, "").await;
    let mut events = s.subscribe([cxwire_ws::Topic::Interaction]).await.unwrap();
    let call = sim.inject_inbound_call("+14155550123", "5001", Default::default()).await.unwrap();
    s.voice().answer(call.clone()).await.unwrap();
    for _ in 0..3 {
        next(&mut events).await;
    }
    // The far end holds and retrieves.
    sim.remote(&call, RemoteAction::Hold).await.unwrap();
    let (t, _, _, e) = next(&mut events).await;
    assert_eq!(t, InteractionEventType::PartyChanged);
    assert_eq!(e.interaction.unwrap().parties.unwrap()[0].extra["held"], true);
    sim.remote(&call, RemoteAction::Retrieve).await.unwrap();
    let (_, _, _, e) = next(&mut events).await;
    assert_eq!(e.interaction.unwrap().parties.unwrap()[0].extra["held"], false);
    // A consultation to a number waits for the control API: refused, then answered.
    s.interaction().consult(call.clone(), TargetQuery::phone_number("5002"), None, None).await.unwrap();
    let mut consult = String::new();
    while consult.is_empty() {
        let (t, _, id, _) = next(&mut events).await;
        if t == InteractionEventType::Dialing {
            consult = id;
        }
    }
    quiet(&mut events).await;
    sim.remote(&consult, RemoteAction::RefuseConsult).await.unwrap();
    assert_eq!(next(&mut events).await.0, InteractionEventType::Released);
    assert_eq!(next(&mut events).await.0, InteractionEventType::Removed);
    s.interaction().consult(call.clone(), TargetQuery::phone_number("5003"), None, None).await.unwrap();
    let mut consult = String::new();
    while consult.is_empty() {
        let (t, _, id, _) = next(&mut events).await;
        if t == InteractionEventType::Dialing {
            consult = id;
        }
    }
    sim.remote(&consult, RemoteAction::AnswerConsult).await.unwrap();
    assert_eq!(next(&mut events).await.0, InteractionEventType::Established);
    // The customer hangs up.
    sim.remote(&call, RemoteAction::HangUp).await.unwrap();
    let (t, state, id, _) = next(&mut events).await;
    assert_eq!((t, state, id), (InteractionEventType::Released, InteractionState::Idle, call.clone()));
    assert!(matches!(sim.remote(&call, RemoteAction::HangUp).await, Err(SimError::Refused(_))));
    // A chat customer writes, then leaves.
    let chat = sim.inject_open_media("chat", "web visitor", Default::default()).await.unwrap();
    next(&mut events).await;
    next(&mut events).await;
    s.interaction().accept(chat.clone()).await.unwrap();
    next(&mut events).await;
    sim.remote(&chat, RemoteAction::ChatMessage("Hello?".into())).await.unwrap();
    let (t, _, _, e) = next(&mut events).await;
    assert_eq!(t, InteractionEventType::NewMessage);
    assert_eq!(e.extra["message"], json!({"text": "Hello?", "from": "web visitor"}));
    sim.remote(&chat, RemoteAction::HangUp).await.unwrap();
    assert_eq!(next(&mut events).await.0, InteractionEventType::Ended);
    // The same through the HTTP control API, as another language's tests send it.
    let body =
        json!({"action": "remote", "interactionId": chat, "remote": {"chatMessage": "again"}, "agent": "emp1001"});
    let response =
        reqwest::Client::new().post(format!("{}/action", sim.control_url())).json(&body).send().await.unwrap();
    assert_eq!(response.status(), 200, "{:?}", response.text().await);
    let (t, _, _, e) = next(&mut events).await;
    assert_eq!((t, e.extra["message"]["text"].as_str()), (InteractionEventType::NewMessage, Some("again")));
    let unknown = json!({"action": "remote", "interactionId": chat, "remote": "hangUp", "agent": "nobody"});
    let response =
        reqwest::Client::new().post(format!("{}/action", sim.control_url())).json(&unknown).send().await.unwrap();
    assert_eq!(response.status(), 409);
}
