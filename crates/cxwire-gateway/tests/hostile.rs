//! The gateway's limits and hostile peers, over a real nats-server: each limit hit gives its
//! documented signal, and nothing takes the gateway down.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use std::time::Duration;

use cxwire_gateway::testing::NatsServer;
use cxwire_gateway::{
    ClientConfig, Error, ErrorCode, Gateway, GatewayClient, GatewayConfig, NatsAuth, NatsConfig, subjects,
};
use cxwire_sim::{BridgeRelay, RelayConfig, Simulator};
use futures_util::{SinkExt, StreamExt};
use tokio::time::{Instant, timeout};
use tokio_tungstenite::tungstenite::Message;

const LIMIT: Duration = Duration::from_secs(20);

fn nats() -> NatsServer {
    NatsServer::start().expect("a real nats-server (scripts/install-nats-server.sh)")
}

fn config(nats: &NatsServer) -> GatewayConfig {
    GatewayConfig { instance: "g".into(), nats: Some(NatsConfig::new(nats.url())), ..GatewayConfig::default() }
}

async fn registered(client: &GatewayClient, agent: &str) {
    let until = Instant::now() + LIMIT;
    while !matches!(client.locate(agent).await, Ok(Some(_))) {
        assert!(Instant::now() < until, "{agent} never registered");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A desktop over the bridge protocol that answers `agent.get` and `subscribe` and never
/// anything else; it tells `seen` each request it leaves unanswered.
async fn stalling_desktop(url: String, agent: &'static str, seen: tokio::sync::mpsc::UnboundedSender<String>) {
    let (ws, _) = tokio_tungstenite::connect_async(format!("{url}?agent={agent}")).await.unwrap();
    let (mut tx, mut rx) = ws.split();
    while let Some(Ok(message)) = rx.next().await {
        // Pings and the like are the transport's business.
        let Message::Text(text) = message else { continue };
        let frame: serde_json::Value = serde_json::from_str(&text).unwrap();
        let answer = match frame["request"].as_str() {
            Some("agent.get") => {
                serde_json::json!({"referenceId": frame["referenceId"], "data": {"employeeId": agent}})
            }
            Some("subscribe") => serde_json::json!({"referenceId": frame["referenceId"], "subscriptionId": "s"}),
            other => {
                let _ = seen.send(other.unwrap_or_default().to_owned());
                continue;
            }
        };
        if tx.send(Message::text(answer.to_string())).await.is_err() {
            return;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_desktop_that_does_not_answer_gets_timeout_and_past_max_in_flight_overloaded() {
    let nats = nats();
    let gateway = Gateway::start("127.0.0.1:0", GatewayConfig { max_in_flight: 2, ..config(&nats) }).await.unwrap();
    let (seen_tx, mut seen) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(stalling_desktop(gateway.ws_url(), "slow", seen_tx));
    let client = GatewayClient::connect(&nats.url()).await.unwrap();
    registered(&client, "slow").await;
    let desktop = client.desktop("slow");

    // The gateway's own timeout reply, typed as a timeout, on time.
    let started = Instant::now();
    match desktop.clone().with_timeout(Duration::from_millis(300)).call_raw("agent.getState", vec![]).await {
        Err(Error::Timeout { agent, request, timeout }) => {
            assert_eq!(
                (agent.as_str(), request.as_str(), timeout),
                ("slow", "agent.getState", Duration::from_millis(300))
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(started.elapsed() < Duration::from_secs(3), "{:?}", started.elapsed());

    // Two calls hang; the third is refused at once.
    let long = desktop.clone().with_timeout(Duration::from_secs(30));
    let hanging: Vec<_> = (0..2)
        .map(|_| {
            let d = long.clone();
            tokio::spawn(async move { d.call_raw("agent.getState", vec![]).await })
        })
        .collect();
    // Once the desktop holds both (after the one that timed out), the next is refused at once.
    for _ in 0..3 {
        timeout(LIMIT, seen.recv()).await.unwrap().unwrap();
    }
    let until = Instant::now() + LIMIT;
    while gateway.stats().in_flight != 2 {
        assert!(Instant::now() < until, "{:?}", gateway.stats());
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let started = Instant::now();
    match desktop.clone().with_timeout(Duration::from_secs(30)).call_raw("agent.getState", vec![]).await {
        Err(Error::Refused { code: ErrorCode::Overloaded, .. }) => {}
        other => panic!("{other:?}"),
    }
    assert!(started.elapsed() < Duration::from_secs(5));
    for call in hanging {
        call.abort();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_over_nats_max_payload_is_refused_as_too_large_and_the_desktop_stays() {
    let nats = nats();
    let gateway = Gateway::start("127.0.0.1:0", config(&nats)).await.unwrap();
    let sim = Simulator::start("127.0.0.1:0", cxwire_sim::SimConfig::default()).await.unwrap();
    let agent = sim.agents()[0].clone();
    let _relay = BridgeRelay::start(&sim.ws_url(), &agent, vec![gateway.ws_url()], RelayConfig::default());
    let client = GatewayClient::connect(&nats.url()).await.unwrap();
    registered(&client, &agent).await;
    // 1.5 MiB of user data: a desktop frame well under the WebSocket limit, over NATS' 1 MiB.
    let big = "x".repeat(1536 * 1024);
    sim.inject_inbound_call("+14155550123", "5001", [("blob".to_owned(), big.into())].into()).await.unwrap();
    let desktop = client.desktop(agent.clone());
    match desktop.call_raw("interaction.getInteractions", vec![]).await {
        Err(Error::Refused { code: ErrorCode::TooLarge, message, .. }) => {
            assert!(message.contains("max_payload"), "{message}")
        }
        other => panic!("{other:?}"),
    }
    // The desktop is still there.
    assert!(desktop.call_raw("agent.get", vec![]).await.unwrap().is_some());
    // A request over max_payload is refused before it leaves (NATS would drop the connection).
    let huge = serde_json::json!(big_string(2 << 20));
    let result = desktop.call_raw("agent.setState", vec![huge]).await;
    assert!(matches!(result, Err(Error::Refused { code: ErrorCode::TooLarge, .. })), "{result:?}");
    assert!(desktop.call_raw("agent.get", vec![]).await.unwrap().is_some());
}

fn big_string(n: usize) -> String {
    "y".repeat(n)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_on_the_event_subjects_is_an_error_item_and_the_stream_goes_on() {
    let nats = nats();
    let _gateway = Gateway::start("127.0.0.1:0", config(&nats)).await.unwrap();
    let client = GatewayClient::connect(&nats.url()).await.unwrap();
    let mut events = client.events(["a1"], Vec::<cxwire_ws::Topic>::new()).await.unwrap();
    let nc = async_nats::connect(nats.url()).await.unwrap();
    for garbage in ["not json", "[1,2]", r#"{"referenceId":"1","data":{}}"#, "\u{0}\u{1}"] {
        nc.publish("cxwire.events.a1.agent", garbage.into()).await.unwrap();
    }
    let mut headers = async_nats::HeaderMap::new();
    headers.insert(subjects::HEADER_SEQ, "7");
    nc.publish_with_headers(
        "cxwire.events.a1.agent",
        headers,
        r#"{"event":"agent","data":{"eventType":"STATE_CHANGED","mediaState":"READY"}}"#.into(),
    )
    .await
    .unwrap();
    for _ in 0..4 {
        let item = timeout(LIMIT, events.recv()).await.unwrap().unwrap();
        assert!(matches!(item, Err(Error::UndecodableEvent { .. })), "{item:?}");
    }
    let event = timeout(LIMIT, events.recv()).await.unwrap().unwrap().unwrap();
    assert_eq!((event.agent.as_str(), event.topic.as_str(), event.seq), ("a1", "agent", 7));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_desktop_that_never_says_who_it_is_is_closed_after_the_identify_timeout() {
    let nats = nats();
    let gateway =
        Gateway::start("127.0.0.1:0", GatewayConfig { identify_timeout: Duration::from_millis(300), ..config(&nats) })
            .await
            .unwrap();
    let (mut ws, _) = tokio_tungstenite::connect_async(gateway.ws_url()).await.unwrap();
    // It reads the agent.get and never answers; the gateway lets it go.
    let until = Instant::now() + LIMIT;
    loop {
        match timeout(LIMIT, ws.next()).await.unwrap() {
            Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
            Some(Ok(_)) => assert!(Instant::now() < until),
        }
    }
    assert!(gateway.agents().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credentials_work_and_never_show_in_debug_output_or_errors() {
    let nats = NatsServer::start_with(&["--auth", "s3cret-token-value"]).expect("a real nats-server");
    let with = |token: &str| NatsConfig { auth: NatsAuth::Token(token.into()), ..NatsConfig::new(nats.url()) };
    let config = GatewayConfig { nats: Some(with("s3cret-token-value")), ..GatewayConfig::default() };
    assert!(!format!("{config:?}").contains("s3cret"), "{config:?}");
    let gateway = Gateway::start("127.0.0.1:0", config).await.unwrap();
    let client =
        GatewayClient::connect_with(ClientConfig { nats: with("s3cret-token-value"), ..ClientConfig::new(nats.url()) })
            .await
            .unwrap();
    assert!(client.locate("nobody").await.unwrap().is_none());
    let wrong = GatewayClient::connect_with(ClientConfig {
        nats: NatsConfig { connect_timeout: Duration::from_secs(3), ..with("wrong-token-value") },
        ..ClientConfig::new(nats.url())
    })
    .await
    .unwrap_err();
    let shown = format!("{wrong} {wrong:?}");
    assert!(!shown.contains("wrong-token-value") && !shown.contains("s3cret"), "{shown}");
    let user = NatsAuth::UserPassword { user: "u".into(), password: "pa55word".into() };
    assert!(!format!("{user:?}").contains("pa55word"));
    assert!(!format!("{:?}", NatsAuth::NKey("SUSEED".into())).contains("SUSEED"));
    drop(gateway);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_nats_server_loses_the_registrations_and_the_desktops_stay() {
    let mut nats = nats();
    let config = GatewayConfig { registration_ttl: Duration::from_secs(3), ..config(&nats) };
    let gateway = Gateway::start("127.0.0.1:0", config).await.unwrap();
    let sim = Simulator::start("127.0.0.1:0", cxwire_sim::SimConfig::default()).await.unwrap();
    let agent = sim.agents()[0].clone();
    let relay = BridgeRelay::start(&sim.ws_url(), &agent, vec![gateway.ws_url()], RelayConfig::default());
    let client = GatewayClient::connect(&nats.url()).await.unwrap();
    registered(&client, &agent).await;
    // The registrations bucket is in memory: a restart empties it.
    nats.restart().unwrap();
    registered(&client, &agent).await;
    let desktop = client.desktop(agent.clone());
    let until = Instant::now() + LIMIT;
    while desktop.call_raw("agent.get", vec![]).await.is_err() {
        assert!(Instant::now() < until, "never answered again");
    }
    // The same connection all along: the gateway did not let the desktop go.
    assert_eq!(relay.connections(), 1);
    assert_eq!(gateway.agents(), [agent]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_relay_moves_past_an_acceptor_that_never_answers_its_upgrade() {
    let nats = nats();
    let gateway = Gateway::start("127.0.0.1:0", config(&nats)).await.unwrap();
    // Takes connections and never says a word.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let silent_url = format!("ws://{}/ws", silent.local_addr().unwrap());
    let hold = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = silent.accept().await {
            held.push(socket);
        }
    });
    let sim = Simulator::start("127.0.0.1:0", cxwire_sim::SimConfig::default()).await.unwrap();
    let agent = sim.agents()[0].clone();
    let config = RelayConfig { connect_timeout: Duration::from_millis(300), ..RelayConfig::default() };
    let relay = BridgeRelay::start(&sim.ws_url(), &agent, vec![silent_url, gateway.ws_url()], config);
    let client = GatewayClient::connect(&nats.url()).await.unwrap();
    registered(&client, &agent).await;
    assert_eq!(relay.connections(), 1);
    hold.abort();
}
