//! End to end over a real nats-server (started per test on a free loopback port, JetStream in a
//! temporary directory): gateway instances, simulator desktops through bridge relays, and
//! services through `GatewayClient` or plain NATS.

#![allow(clippy::unwrap_used)] // test helpers panic on what the tests do not expect

use std::time::Duration;

use async_nats::HeaderMap;
use cxwire_gateway::testing::NatsServer;
use cxwire_gateway::{
    ClientConfig, Error, ErrorCode, Gateway, GatewayClient, GatewayConfig, NatsConfig, StreamConfig, subjects,
};
use cxwire_model::scapi::types::Agent;
use cxwire_sim::workspace::DesktopConfig;
use cxwire_sim::{BridgeRelay, RelayConfig, SimConfig, Simulator};
use cxwire_ws::Topic;
use futures_util::{SinkExt, StreamExt};
use tokio::time::{Instant, timeout};

const LIMIT: Duration = Duration::from_secs(20);

fn nats() -> NatsServer {
    NatsServer::start().expect("a real nats-server (scripts/install-nats-server.sh)")
}

fn config(nats: &NatsServer, instance: &str, stream: bool) -> GatewayConfig {
    GatewayConfig {
        instance: instance.to_owned(),
        nats: Some(NatsConfig::new(nats.url())),
        stream: stream.then(|| StreamConfig { memory: true, ..StreamConfig::default() }),
        ..GatewayConfig::default()
    }
}

fn desk(employee_id: &str, username: &str) -> DesktopConfig {
    DesktopConfig {
        agent: Agent { employee_id: Some(employee_id.into()), username: Some(username.into()), ..Agent::default() },
        ..DesktopConfig::default()
    }
}

async fn sim(agents: &[&str]) -> Simulator {
    let config =
        SimConfig { agents: agents.iter().map(|a| desk(a, &format!("user-{a}"))).collect(), ..SimConfig::default() };
    Simulator::builder().config(config).start().await.unwrap()
}

fn relay(sim: &Simulator, agent: &str, gateways: &[&str]) -> BridgeRelay {
    BridgeRelay::start(&sim.ws_url(), agent, gateways.iter().map(|g| (*g).to_owned()).collect(), RelayConfig::default())
}

/// Waits (bounded) until `agent` is registered on `instance`.
async fn registered_on(client: &GatewayClient, agent: &str, instance: &str) {
    let until = Instant::now() + LIMIT;
    loop {
        if let Ok(Some(p)) = client.locate(agent).await
            && p.instance == instance
        {
            return;
        }
        assert!(Instant::now() < until, "{agent} never registered on {instance}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_service_drives_a_desktop_on_another_instance_with_typed_calls_and_events() {
    let nats = nats();
    let a = Gateway::start("127.0.0.1:0", config(&nats, "a", false)).await.unwrap();
    let b = Gateway::start("127.0.0.1:0", config(&nats, "b", false)).await.unwrap();
    let sim = sim(&["emp1", "emp2"]).await;
    let _r1 = relay(&sim, "emp1", &[&b.ws_url()]);
    let _r2 = relay(&sim, "emp2", &[&b.ws_url()]);
    let client = GatewayClient::connect(&nats.url()).await.unwrap();
    registered_on(&client, "emp1", "b").await;
    registered_on(&client, "emp2", "b").await;
    assert!(a.agents().is_empty());
    assert_eq!(b.agents(), ["emp1", "emp2"]);

    // The typed namespaces, as on a Session.
    let desktop = client.desktop("emp1");
    let agent = desktop.agent().get().await.unwrap();
    assert_eq!(agent.employee_id.as_deref(), Some("emp1"));
    let states = desktop.agent().get_state_list().await.unwrap();
    assert!(!states.is_empty());

    // Events of that desktop only, typed.
    let mut events = client.events(["emp1"], [Topic::Interaction]).await.unwrap();
    let call =
        sim.agent("emp1").unwrap().inject_inbound_call("+14155550123", "5001", Default::default()).await.unwrap();
    let event = timeout(LIMIT, events.recv()).await.unwrap().unwrap().unwrap();
    assert_eq!((event.agent.as_str(), event.topic.as_str(), event.instance.as_str()), ("emp1", "interaction", "b"));
    assert!(event.seq >= 1);
    desktop.voice().answer(&call).await.unwrap();
    desktop.interaction().set_user_data(&call, [("crm".to_owned(), serde_json::json!("42"))].into()).await.unwrap();

    // The domain layer: interactions as handles, the agent's states.
    let mut interactions = desktop.interactions().await.unwrap();
    let existing = timeout(LIMIT, interactions.next()).await.unwrap().unwrap();
    assert_eq!(existing.id().as_str(), call);
    let second =
        sim.agent("emp1").unwrap().inject_inbound_call("+14155550124", "5001", Default::default()).await.unwrap();
    let mut handle = timeout(LIMIT, interactions.next()).await.unwrap().unwrap();
    assert_eq!(handle.id().as_str(), second);
    assert_eq!(handle.state(), cxwire_model::scapi::types::InteractionState::Ringing);
    handle.answer().await.unwrap();
    while handle.state() != cxwire_model::scapi::types::InteractionState::Talking {
        timeout(LIMIT, handle.next()).await.unwrap().unwrap();
    }
    let mut agent_states = desktop.agent_states().await.unwrap();
    let ready = states.iter().find(|s| s.state_type.as_ref().is_some_and(|t| t.as_str() == "NOT_READY")).unwrap();
    desktop.agent().set_state(ready.operation_name.clone().unwrap()).await.unwrap();
    let change = timeout(LIMIT, agent_states.next()).await.unwrap().unwrap();
    assert_eq!(change.state.as_str(), "NOT_READY");

    // Typed errors: no desktop, a Workspace rejection, a frame the gateway refuses.
    match client.desktop("nobody").agent().get().await {
        Err(Error::NoSuchDesktop { agent }) => assert_eq!(agent, "nobody"),
        other => panic!("{other:?}"),
    }
    match desktop.agent().set_state("no such state").await {
        Err(Error::Rejected { agent, request, .. }) => {
            assert_eq!((agent.as_str(), request.as_str()), ("emp1", "agent.setState"))
        }
        other => panic!("{other:?}"),
    }
    match desktop.forward("[1, 2]").await {
        Err(Error::Refused { code: ErrorCode::InvalidFrame, .. }) => {}
        other => panic!("{other:?}"),
    }
    match desktop.forward(r#"{"request":"subscribe","parameters":[["agent"]],"referenceId":"7"}"#).await {
        Err(Error::Refused { code: ErrorCode::InvalidFrame, .. }) => {}
        other => panic!("{other:?}"),
    }
    // Raw frames keep the caller's referenceId, whatever its form.
    let answer = desktop.forward(r#"{"request":"agent.get","referenceId":12345}"#).await.unwrap();
    let answer: serde_json::Value = serde_json::from_str(&answer).unwrap();
    assert_eq!(answer["referenceId"], 12345);
    assert_eq!(answer["data"]["employeeId"], "emp1");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_nats_services_use_the_documented_subjects_and_headers() {
    let nats = nats();
    let gateway = Gateway::start("127.0.0.1:0", config(&nats, "solo", false)).await.unwrap();
    let sim = sim(&["jane.doe@example.com"]).await;
    let _relay = relay(&sim, "jane.doe@example.com", &[&gateway.ws_url()]);
    let client = GatewayClient::connect(&nats.url()).await.unwrap();
    registered_on(&client, "jane.doe@example.com", "solo").await;

    let nc = async_nats::connect(nats.url()).await.unwrap();
    let subject = "cxwire.desktop.jane=2Edoe=40example=2Ecom.call";
    assert_eq!(gateway.subjects().call("jane.doe@example.com"), subject);
    // A plain request: the reply is the answer frame, with the caller's referenceId.
    let reply = nc.request(subject, r#"{"request":"agent.get","referenceId":"x1"}"#.into()).await.unwrap();
    let answer: serde_json::Value = serde_json::from_slice(&reply.payload).unwrap();
    assert_eq!(answer["referenceId"], "x1");
    assert_eq!(answer["data"]["employeeId"], "jane.doe@example.com");
    assert!(reply.headers.is_none_or(|h| h.get(subjects::HEADER_ERROR).is_none()));
    // A refusal is still an answer frame with errorMessage, plus the Cxwire-Error header.
    let reply = nc.request(subject, "not json".into()).await.unwrap();
    assert_eq!(reply.headers.unwrap().get(subjects::HEADER_ERROR).unwrap().as_str(), "invalid-frame");
    let answer: serde_json::Value = serde_json::from_slice(&reply.payload).unwrap();
    assert!(answer["errorMessage"].as_str().unwrap().starts_with("cxwire-gateway: "));
    // Nobody there: NATS' own "no responders".
    let err = nc.request("cxwire.desktop.nobody.call", "{}".into()).await.unwrap_err();
    assert_eq!(err.kind(), async_nats::RequestErrorKind::NoResponders);
    // Presence in the KV bucket, by token.
    let js = async_nats::jetstream::new(nc.clone());
    let kv = js.get_key_value("cxwire_desktops").await.unwrap();
    let entry = kv.get("jane=2Edoe=40example=2Ecom").await.unwrap().unwrap();
    let presence: serde_json::Value = serde_json::from_slice(&entry).unwrap();
    assert_eq!((presence["instance"].as_str(), presence["state"].as_str()), (Some("solo"), Some("online")));
}

/// A desktop played by hand over the bridge protocol: answers `agent.get`, and `subscribe` in a
/// form the session does not take (`data: null`), so the gateway's event subscription stays
/// pending until its timeout (calls and takeovers must not wait for it);
/// and answers `agent.getState` only when `answer_state` (otherwise the call stays in flight);
/// tells `seen` the name of every request it receives.
async fn hand_desktop(url: String, agent: &'static str, answer_state: bool, seen: tokio::sync::mpsc::Sender<String>) {
    let url = format!("{url}?agent={agent}");
    let (ws, _) = tokio_tungstenite::connect_async(url).await.unwrap();
    let (mut tx, mut rx) = ws.split();
    use tokio_tungstenite::tungstenite::Message;
    while let Some(Ok(message)) = rx.next().await {
        // Pings and the like are the transport's business.
        let Message::Text(text) = message else { continue };
        let frame: serde_json::Value = serde_json::from_str(&text).unwrap();
        let _ = seen.try_send(frame["request"].as_str().unwrap_or_default().to_owned());
        let data = match frame["request"].as_str().unwrap_or_default() {
            "agent.get" => serde_json::json!({"employeeId": agent}),
            "subscribe" => {
                let answer =
                    serde_json::json!({"referenceId": frame["referenceId"], "subscriptionId": "s1", "data": null});
                tx.send(Message::text(answer.to_string())).await.unwrap();
                continue;
            }
            "agent.getState" if answer_state => serde_json::json!({"type": "READY", "operationName": "Ready"}),
            _ => continue,
        };
        let answer = serde_json::json!({"referenceId": frame["referenceId"], "data": data});
        if tx.send(Message::text(answer.to_string())).await.is_err() {
            return;
        }
    }
}

/// Runs a gateway on a runtime of its own, so that the test can kill it as a crash would:
/// every task, socket and the NATS connection go at once, with no deregistration.
struct Doomed {
    kill: Option<std::sync::mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Doomed {
    fn start(config: GatewayConfig) -> (Self, String) {
        let (kill, killed) = std::sync::mpsc::channel::<()>();
        let (url_tx, url_rx) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
            let gateway = runtime.block_on(Gateway::start("127.0.0.1:0", config)).unwrap();
            url_tx.send(gateway.ws_url()).unwrap();
            let _ = killed.recv();
            std::mem::forget(gateway);
            runtime.shutdown_background();
        });
        let url = url_rx.recv().unwrap();
        (Self { kill: Some(kill), thread: Some(thread) }, url)
    }

    fn kill(&mut self) {
        drop(self.kill.take());
        if let Some(thread) = self.thread.take() {
            thread.join().unwrap();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_an_instance_dies_its_desktops_move_calls_in_flight_fail_at_once_and_later_calls_work() {
    let nats = nats();
    let a = Gateway::start("127.0.0.1:0", config(&nats, "a", false)).await.unwrap();
    let (mut b, b_url) = Doomed::start(config(&nats, "b", false));
    let sim = sim(&["emp1"]).await;
    // The balancer sends both desktops to B first, then to A.
    let _relay = relay(&sim, "emp1", &[&b_url, &a.ws_url()]);
    let (b_url2, a_url) = (b_url.clone(), a.ws_url());
    let (seen_tx, mut seen) = tokio::sync::mpsc::channel(64);
    let hand = tokio::spawn(async move {
        hand_desktop(b_url2, "hand", false, seen_tx.clone()).await; // stalls on B ...
        hand_desktop(a_url, "hand", true, seen_tx).await; // ... and answers on A
    });
    let config = ClientConfig { instance_timeout: Duration::from_secs(30), ..ClientConfig::new(nats.url()) };
    let client = GatewayClient::connect_with(config).await.unwrap();
    registered_on(&client, "emp1", "b").await;
    registered_on(&client, "hand", "b").await;
    client.desktop("emp1").agent().get().await.unwrap();

    // A call in flight on B when B dies.
    let in_flight = {
        let desktop = client.desktop("hand").with_timeout(Duration::from_secs(60));
        tokio::spawn(async move {
            let started = Instant::now();
            (desktop.call_raw("agent.getState", vec![]).await, started.elapsed())
        })
    };
    // Once the desktop holds it, crash B.
    loop {
        let request = timeout(LIMIT, seen.recv()).await.unwrap().unwrap();
        if request == "agent.getState" {
            break;
        }
    }
    b.kill();
    let (result, elapsed) = timeout(LIMIT, in_flight).await.unwrap().unwrap();
    match result {
        Err(Error::DesktopGone { agent, .. }) => assert_eq!(agent, "hand"),
        other => panic!("{other:?}"),
    }
    // Failed when the desktop reappeared on A, not after the 30 s instance timeout or the 60 s call timeout.
    assert!(elapsed < Duration::from_secs(15), "{elapsed:?}");

    registered_on(&client, "emp1", "a").await;
    registered_on(&client, "hand", "a").await;
    assert_eq!(client.desktop("emp1").agent().get().await.unwrap().employee_id.as_deref(), Some("emp1"));
    let state = client.desktop("hand").call_raw("agent.getState", vec![]).await.unwrap().unwrap();
    assert_eq!(state["operationName"], "Ready");
    assert_eq!(a.agents(), ["emp1", "hand"]);
    hand.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_newer_connection_takes_a_desktop_over_and_only_its_instance_answers() {
    let nats = nats();
    let a = Gateway::start("127.0.0.1:0", config(&nats, "a", false)).await.unwrap();
    let b = Gateway::start("127.0.0.1:0", config(&nats, "b", false)).await.unwrap();
    let sim = sim(&["emp1"]).await;
    let client = GatewayClient::connect(&nats.url()).await.unwrap();
    // The first page, on B, does not reconnect once let go (a relay would, and take it back:
    // two pages of one agent keep taking each other over).
    let (seen, _seen) = tokio::sync::mpsc::channel(64);
    let first = tokio::spawn(hand_desktop(b.ws_url(), "emp1", true, seen));
    registered_on(&client, "emp1", "b").await;
    // A second page of the same agent lands on A: A registers it and B lets its own go.
    let _second = relay(&sim, "emp1", &[&a.ws_url()]);
    registered_on(&client, "emp1", "a").await;
    // At A's announcement, not at B's next registration refresh (10 s) nor after B's pending
    // event subscription (10 s).
    let until = Instant::now() + Duration::from_secs(5);
    while !b.agents().is_empty() {
        assert!(Instant::now() < until, "B kept the desktop");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // B closed it.
    timeout(LIMIT, first).await.unwrap().unwrap();
    // Every call is accepted by A alone.
    let nc = async_nats::connect(nats.url()).await.unwrap();
    for _ in 0..20 {
        let inbox = nc.new_inbox();
        let mut replies = nc.subscribe(inbox.clone()).await.unwrap();
        let mut headers = HeaderMap::new();
        headers.insert(subjects::HEADER_ACK, "1");
        nc.publish_with_reply_and_headers(
            "cxwire.desktop.emp1.call",
            inbox,
            headers,
            r#"{"request":"agent.get"}"#.into(),
        )
        .await
        .unwrap();
        let ack = timeout(LIMIT, replies.next()).await.unwrap().unwrap();
        assert!(ack.headers.unwrap().get(subjects::HEADER_ACCEPTED).unwrap().as_str().starts_with("a "));
        let answer = timeout(LIMIT, replies.next()).await.unwrap().unwrap();
        let answer: serde_json::Value = serde_json::from_slice(&answer.payload).unwrap();
        assert_eq!(answer["data"]["employeeId"], "emp1");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_durable_consumer_stopped_and_restarted_gets_every_event_once_in_order() {
    let nats = nats();
    let gateway = Gateway::start("127.0.0.1:0", config(&nats, "a", true)).await.unwrap();
    let sim = sim(&["emp1"]).await;
    let _relay = relay(&sim, "emp1", &[&gateway.ws_url()]);
    let client = GatewayClient::connect(&nats.url()).await.unwrap();
    registered_on(&client, "emp1", "a").await;
    let desktop = client.desktop("emp1");
    let states = desktop.agent().get_state_list().await.unwrap();
    let name = |wanted: &dyn Fn(&str) -> bool| {
        states
            .iter()
            .find(|s| s.state_type.as_ref().is_some_and(|t| wanted(t.as_str())))
            .and_then(|s| s.operation_name.clone())
            .unwrap()
    };
    let (ready, not_ready) = (name(&|t| t == "READY"), name(&|t| t.starts_with("NOT_READY")));
    // The event of the change to ready closes each round.
    let is_marker = |event: &cxwire_gateway::DesktopEvent| {
        event.topic == "agent" && serde_json::to_string(&*event.frame).unwrap().contains(r#""mediaState":"READY""#)
    };
    let mut seqs = Vec::new();
    // Each round: consume through the round's marker, acknowledging every event.
    async fn round(
        durable: &mut cxwire_gateway::DurableEvents,
        seqs: &mut Vec<u64>,
        is_marker: &dyn Fn(&cxwire_gateway::DesktopEvent) -> bool,
    ) {
        loop {
            let item = timeout(LIMIT, durable.recv()).await.unwrap().unwrap().unwrap();
            let event = item.event.as_ref().unwrap().clone();
            item.double_ack().await.unwrap();
            seqs.push(event.seq);
            if is_marker(&event) {
                return;
            }
        }
    }

    // Round one: two state changes, consumed and acknowledged.
    let mut durable = client.durable_events("crm", Some("emp1"), None).await.unwrap();
    desktop.agent().set_state(not_ready.clone()).await.unwrap();
    desktop.agent().set_state(ready.clone()).await.unwrap();
    round(&mut durable, &mut seqs, &is_marker).await;
    drop(durable);

    // Stopped: more events happen meanwhile.
    desktop.agent().set_state(not_ready.clone()).await.unwrap();
    desktop.agent().set_state(ready.clone()).await.unwrap();

    // Restarted: it resumes after the last acknowledged event, through the new ones.
    let mut durable = client.durable_events("crm", Some("emp1"), None).await.unwrap();
    round(&mut durable, &mut seqs, &is_marker).await;
    assert!(seqs.len() >= 4, "{seqs:?}");
    // Exactly once, in order: 1, 2, 3, ... with no gap and no repeat.
    let expected: Vec<u64> = (1..=seqs.len() as u64).collect();
    assert_eq!(seqs, expected);
    let stats = gateway.stats();
    assert_eq!((stats.missed, stats.unacknowledged), (0, 0), "{stats:?}");
    assert!(stats.published >= seqs.len() as u64, "{stats:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_embedded_mode_needs_no_broker() {
    let gateway = Gateway::start("127.0.0.1:0", GatewayConfig { instance: "solo".into(), ..GatewayConfig::default() })
        .await
        .unwrap();
    let sim = sim(&["emp1"]).await;
    let mut presence = gateway.presence();
    let relay = relay(&sim, "emp1", &[&gateway.ws_url()]);
    let online = timeout(LIMIT, presence.recv()).await.unwrap().unwrap();
    assert_eq!((online.agent.as_str(), online.state), ("emp1", cxwire_gateway::PresenceState::Online));
    let client = gateway.client();
    let desktop = client.desktop("emp1");
    assert_eq!(desktop.agent().get().await.unwrap().employee_id.as_deref(), Some("emp1"));
    let mut events = client.events(Vec::<String>::new(), [Topic::Interaction]).await.unwrap();
    let call = sim.inject_inbound_call("+14155550123", "5001", Default::default()).await.unwrap();
    let event = timeout(LIMIT, events.recv()).await.unwrap().unwrap().unwrap();
    assert_eq!((event.agent.as_str(), event.seq > 0), ("emp1", true));
    desktop.voice().answer(&call).await.unwrap();
    assert!(matches!(client.desktop("x").agent().get().await, Err(Error::NoSuchDesktop { .. })));
    assert!(matches!(client.durable_events("d", None, None).await, Err(Error::Config { .. })));
    drop(relay);
    let offline = timeout(LIMIT, presence.recv()).await.unwrap().unwrap();
    assert_eq!(offline.state, cxwire_gateway::PresenceState::Offline);
    assert!(matches!(desktop.agent().get().await, Err(Error::NoSuchDesktop { .. })));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_of_an_origin_not_accepted_is_closed_with_1008() {
    let config = GatewayConfig {
        accepted_origins: cxwire_policy::OriginPolicy::parse("https://workspace.example.com").unwrap(),
        ..GatewayConfig::default()
    };
    let gateway = Gateway::start("127.0.0.1:0", config).await.unwrap();
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let mut request = gateway.ws_url().into_client_request().unwrap();
    request.headers_mut().insert("Origin", "https://evil.example.com".parse().unwrap());
    let (mut ws, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    let close = timeout(LIMIT, ws.next()).await.unwrap().unwrap().unwrap();
    match close {
        tokio_tungstenite::tungstenite::Message::Close(Some(frame)) => {
            assert_eq!(u16::from(frame.code), cxwire_gateway::CLOSE_ORIGIN_REFUSED);
            assert!(frame.reason.contains("origin"));
        }
        other => panic!("{other:?}"),
    }
    assert!(gateway.agents().is_empty());
}
