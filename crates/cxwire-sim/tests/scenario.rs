//! Scenario files drive the simulator with delays (paused time: the delays are the scenario's,
//! not a race cover).

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use std::time::Duration;

use cxwire_model::scapi::Event;
use cxwire_sim::scenario::Scenario;
use cxwire_sim::{SimConfig, Simulator};
use cxwire_ws::{ConnectOptions, ReconnectPolicy, SubscriptionItem};

#[tokio::test]
async fn the_shipped_scenario_parses_and_runs_in_order() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/busy-morning.json")).unwrap();
    let mut scenario = Scenario::from_json(&text).unwrap();
    assert_eq!(scenario.steps.len(), 8);
    let total: u64 = scenario.steps.iter().map(|s| s.after_ms).sum();
    assert_eq!(total, 5_700);
    // Run it without its delays here: the order and the effects are what is checked.
    for step in &mut scenario.steps {
        step.after_ms = 0;
    }
    let sim = Simulator::start("127.0.0.1:0", SimConfig::default()).await.unwrap();
    let options = ConnectOptions { reconnect: ReconnectPolicy::never(), ..ConnectOptions::default() };
    let session = cxwire_ws::connect_with(&sim.ws_url(), options).await.unwrap();
    let mut events = session
        .subscribe([cxwire_ws::Topic::Interaction, cxwire_ws::Topic::Outbound, cxwire_ws::Topic::System])
        .await
        .unwrap();
    let created = sim.run_scenario(&scenario).await.unwrap();
    assert_eq!(created.len(), 4, "a call, a chat, an email and a queued record");

    let mut seen = Vec::new();
    while seen.len() < 9 {
        let Some(SubscriptionItem::Event(frame)) =
            tokio::time::timeout(Duration::from_secs(5), events.recv()).await.unwrap()
        else {
            panic!()
        };
        seen.push(match &frame.event {
            Event::Outbound(o) => o.event_type.clone().unwrap().to_string(),
            Event::Interaction(i) => i.event_type.clone().unwrap().to_string(),
            Event::System(s) => s.state.clone().map(|s| s.to_string()).unwrap_or_default(),
            other => format!("{other:?}"),
        });
    }
    assert_eq!(
        seen,
        [
            "CampaignLoaded",
            "CampaignStarted",
            "ADDED",
            "RINGING",
            "ADDED",
            "INVITED",
            "ADDED",
            "INVITED",
            "DISCONNECTED"
        ]
    );
    assert_eq!(session.outbound().get_campaigns().await.unwrap().list().unwrap()[0].state.as_deref(), Some("Started"));
    session.outbound().get_preview_record("Offer of the Month").await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn steps_wait_their_delays() {
    let sim = Simulator::start("127.0.0.1:0", SimConfig::default()).await.unwrap();
    let scenario = Scenario::from_json(
        r#"{"steps":[{"afterMs":1500,"action":"inboundCall","ani":"+1"},{"afterMs":2500,"action":"chat","from":"x"}]}"#,
    )
    .unwrap();
    let started = tokio::time::Instant::now();
    let created = sim.run_scenario(&scenario).await.unwrap();
    assert_eq!(created.len(), 2);
    assert_eq!(started.elapsed(), Duration::from_millis(4000));
}

#[test]
fn bad_scenarios_are_refused_with_their_path() {
    let err = Scenario::from_json(r#"{"steps":[{"afterMs":1,"action":"inboundCall"}]}"#).unwrap_err();
    assert_eq!(err.path, "steps[0]", "{err}");
    assert!(err.message.contains("ani") && err.to_string().starts_with("at steps[0]: "), "{err}");
    let err = Scenario::from_json(r#"{"steps":[{"action":"teleport"}]}"#).unwrap_err();
    assert!(err.path.starts_with("steps[0]") && err.message.contains("teleport"), "{err}");
    let err =
        Scenario::from_json(r#"{"steps":[{"action":"campaign","campaign":"c","change":"CampaignStarted"}],"extra":1}"#)
            .unwrap_err();
    assert!(err.to_string().contains("extra"), "{err}");
    // Not JSON at all: the message gives the line and column, and the error is a std error.
    let err = Scenario::from_json(r#"{"steps": [}"#).unwrap_err();
    assert!(err.message.contains("line 1 column 12"), "{err}");
    let _: &dyn std::error::Error = &err;
}
