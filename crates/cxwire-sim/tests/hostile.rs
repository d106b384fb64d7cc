//! Hostile clients for the simulator: one that never reads, one that pipelines faster than it
//! reads, one that subscribes without end, oversized and malformed frames, toasts that would pile
//! up, DNS rebinding of the control API, and the user-data read filter on every path. Each test
//! asserts the bound it relies on. Loopback only; every wait is bounded.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::time::Duration;

use cxwire_model::scapi::types::ToastParameters;
use cxwire_sim::{PreviewMode, SimError, SimLimits, Simulator};
use cxwire_ws::{ConnectOptions, Error, ReconnectPolicy, Session, connect_with};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::{Instant, timeout};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

const LIMIT: Duration = Duration::from_secs(30);

type Raw = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// A raw WebSocket client (no cxwire session: it misbehaves on purpose). Its frame id
/// assignment is read first.
async fn raw(sim: &Simulator) -> Raw {
    let (mut ws, _) = tokio_tungstenite::connect_async(sim.ws_url()).await.unwrap();
    let first = next_json(&mut ws).await;
    assert!(first["frameId"].is_number(), "{first}");
    ws
}

async fn next_json(ws: &mut Raw) -> Value {
    loop {
        match timeout(LIMIT, ws.next()).await.expect("a frame in time") {
            Some(Ok(Message::Text(text))) => return serde_json::from_str(&text).unwrap(),
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
            other => panic!("expected a text frame, got {other:?}"),
        }
    }
}

fn request(name: &str, id: impl Into<Value>, parameters: Option<Value>) -> String {
    let mut frame = json!({"request": name, "referenceId": id.into(), "userAgent": "WWE Client", "protocolVersion": 2});
    if let Some(p) = parameters {
        frame["parameters"] = p;
    }
    frame.to_string()
}

/// The next text frame of a read half (the simulator's keepalive pings are skipped).
async fn next_text(rx: &mut futures_util::stream::SplitStream<Raw>) -> String {
    loop {
        match timeout(LIMIT, rx.next()).await.expect("a frame in time") {
            Some(Ok(Message::Text(text))) => return text.as_str().to_owned(),
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
            other => panic!("expected a text frame, got {other:?}"),
        }
    }
}

async fn session(sim: &Simulator) -> Session {
    let options = ConnectOptions { reconnect: ReconnectPolicy::never(), ..ConnectOptions::default() };
    connect_with(&sim.ws_url(), options).await.unwrap()
}

/// Waits (bounded) until the simulator lists `count` connections.
async fn wait_connections(sim: &Simulator, count: usize) {
    let started = Instant::now();
    while sim.connections().await.unwrap().len() != count {
        assert!(started.elapsed() < LIMIT, "still {} connections", sim.connections().await.unwrap().len());
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn a_client_that_pipelines_faster_than_it_reads_gets_every_answer_in_order() {
    const REQUESTS: usize = 50_000;
    let limits = SimLimits { queued_frames: 64, ..SimLimits::default() };
    let sim = Simulator::builder().limits(limits).start().await.unwrap();
    let (mut tx, mut rx) = raw(&sim).await.split();
    let writer = tokio::spawn(async move {
        for n in 0..REQUESTS {
            tx.feed(Message::text(request("system.isFrameLeading", n.to_string(), None))).await.unwrap();
        }
        tx.flush().await.unwrap();
        tx
    });
    // The reader is slower than the writer: it pauses after every 5,000 answers.
    let mut next = 0usize;
    while next < REQUESTS {
        let answer: Value = serde_json::from_str(&next_text(&mut rx).await).unwrap();
        assert_eq!(answer["referenceId"], next.to_string(), "answers lost or out of order");
        assert_eq!(answer["data"], true, "{answer}");
        next += 1;
        if next.is_multiple_of(5_000) {
            tokio::time::sleep(Duration::from_millis(100)).await;
            // While it does not read, its queue stays near the backpressure mark: the mark plus
            // the requests read before their answers were queued (at most the actor's input
            // channel, 1,024).
            let queued = sim.connections().await.unwrap()[0].queued_frames;
            assert!(queued <= 64 + 1024, "{queued} frames queued");
        }
    }
    let _tx = timeout(LIMIT, writer).await.unwrap().unwrap();
    let connections = sim.connections().await.unwrap();
    assert_eq!(connections.len(), 1, "the connection was kept");
    assert_eq!(connections[0].queued_frames, 0, "everything was written");
}

#[tokio::test]
async fn a_client_that_never_reads_is_closed_and_forgotten_within_the_write_timeout() {
    let limits = SimLimits { queued_frames: 32, write_timeout_ms: 300, close_timeout_ms: 200, ..SimLimits::default() };
    let sim = Simulator::builder().limits(limits).start().await.unwrap();
    let mut ws = raw(&sim).await;
    let watcher = session(&sim).await;
    wait_connections(&sim, 2).await;
    // Requests with 1 MB answers until its socket buffers are full; it reads nothing.
    let big = [("pad".to_owned(), json!("p".repeat(1_000_000)))].into();
    let call = sim.inject_inbound_call("+14155550123", "5001", big).await.unwrap();
    let started = Instant::now();
    for n in 0..200 {
        let text = request("interaction.getByInteractionId", n.to_string(), Some(json!([call])));
        if timeout(Duration::from_millis(200), ws.send(Message::text(text))).await.is_err() {
            break; // The simulator stopped reading it: backpressure.
        }
    }
    wait_connections(&sim, 1).await;
    assert!(started.elapsed() < Duration::from_secs(20), "took {:?}", started.elapsed());
    // The other desktop is unaffected, and the closed one ends when it finally reads.
    assert!(watcher.system().is_frame_leading().await.is_ok());
    let ended = timeout(LIMIT, async {
        while let Some(Ok(message)) = ws.next().await {
            if let Message::Close(Some(frame)) = message {
                return Some(frame);
            }
        }
        None
    })
    .await
    .expect("the closed connection ends");
    if let Some(frame) = ended {
        assert_eq!(u16::from(frame.code), cxwire_ws::CLOSE_POLICY_VIOLATION);
        assert!(frame.reason.contains("slow consumer"), "{}", frame.reason);
    }
}

#[tokio::test]
async fn a_subscriber_that_never_reads_an_event_flood_is_closed_with_1008() {
    let limits = SimLimits { slow_consumer_frames: 200, write_timeout_ms: 60_000, ..SimLimits::default() };
    let sim = Simulator::builder().limits(limits).start().await.unwrap();
    let mut ws = raw(&sim).await;
    ws.send(Message::text(json!({"event": "subscribe", "data": ["system"], "referenceId": "s"}).to_string()))
        .await
        .unwrap();
    assert!(next_json(&mut ws).await["subscriptionId"].is_string());
    // Flood it with system events (real-time connection changes), and read nothing. Its queue
    // never holds more than the limit.
    let started = Instant::now();
    let mut most = 0;
    loop {
        let connections = sim.connections().await.unwrap();
        let Some(c) = connections.first() else { break };
        most = most.max(c.queued_frames);
        assert!(c.queued_frames <= 200, "{} frames queued", c.queued_frames);
        assert!(started.elapsed() < LIMIT, "never closed");
        sim.realtime_connection(cxwire_model::scapi::RealtimeConnectionState::Disconnected).await.unwrap();
    }
    assert!(most > 100, "the queue never filled ({most}): the test did not test the limit");
    // It was closed by the queue limit, not the (60 s) write timeout.
    assert!(started.elapsed() < Duration::from_secs(20), "took {:?}", started.elapsed());
    let close = timeout(LIMIT, async {
        while let Some(Ok(message)) = ws.next().await {
            if let Message::Close(frame) = message {
                return frame;
            }
        }
        None
    })
    .await
    .unwrap();
    let frame = close.expect("a close frame: the peer's buffers had room");
    assert_eq!(u16::from(frame.code), cxwire_ws::CLOSE_POLICY_VIOLATION);
    assert!(frame.reason.contains("slow consumer"), "{}", frame.reason);
}

#[tokio::test]
async fn subscriptions_past_the_limit_are_refused_with_an_error_message() {
    const SUBSCRIBES: usize = 100_000;
    let sim = Simulator::builder().start().await.unwrap();
    let limit = SimLimits::default().subscriptions;
    let (mut tx, mut rx) = raw(&sim).await.split();
    let writer = tokio::spawn(async move {
        for n in 0..SUBSCRIBES {
            let frame = json!({"event": "subscribe", "data": ["agent"], "referenceId": n.to_string()});
            tx.feed(Message::text(frame.to_string())).await.unwrap();
        }
        // Too many topics in one.
        let topics: Vec<String> = (0..100).map(|n| format!("messenger:c{n}")).collect();
        tx.feed(Message::text(json!({"event": "subscribe", "data": topics, "referenceId": "many"}).to_string()))
            .await
            .unwrap();
        tx.flush().await.unwrap();
        tx
    });
    let (mut accepted, mut refused) = (0, 0);
    for _ in 0..=SUBSCRIBES {
        let answer: Value = serde_json::from_str(&next_text(&mut rx).await).unwrap();
        if answer["subscriptionId"].is_string() {
            accepted += 1;
        } else {
            let message = answer["errorMessage"].as_str().unwrap();
            assert!(message.contains("at most"), "{message}");
            refused += 1;
        }
    }
    assert_eq!((accepted, refused), (limit, SUBSCRIBES + 1 - limit));
    let _tx = writer.await.unwrap();
    let connections = sim.connections().await.unwrap();
    assert_eq!(connections[0].topics.len(), limit, "the simulator holds no more than the limit");
}

#[tokio::test]
async fn oversized_frames_get_1009_and_malformed_ones_an_answer_without_losing_the_connection() {
    let limits = SimLimits { max_frame: 64 * 1024, ..SimLimits::default() };
    let sim = Simulator::builder().limits(limits).start().await.unwrap();
    let mut ws = raw(&sim).await;
    // A numeric referenceId is answered, echoed as sent.
    ws.send(Message::text(request("agent.get", 7, None))).await.unwrap();
    let answer = next_json(&mut ws).await;
    assert_eq!(answer["referenceId"], 7);
    assert!(answer["errorMessage"].as_str().unwrap().contains("referenceId must be a string"), "{answer}");
    // Malformed request names are named as such, not as a security refusal.
    for name in ["agent", "a.b.c", "", ".get", "agent."] {
        ws.send(Message::text(request(name, "n", None))).await.unwrap();
        let answer = next_json(&mut ws).await;
        let message = answer["errorMessage"].as_str().unwrap();
        assert!(message.contains("is not a request name") || message.contains("unknown request"), "{name}: {message}");
        assert!(!message.contains("origin"), "{name}: {message}");
    }
    // A well-formed unknown request.
    ws.send(Message::text(request("agent.fly", "u", None))).await.unwrap();
    assert!(next_json(&mut ws).await["errorMessage"].as_str().unwrap().contains("unknown request 'agent.fly'"));
    // Garbage, truncated and binary frames: no answer is possible without an id, and the
    // connection stays; a truncated frame with its id first is answered.
    for junk in ["", "nonsense", "[1,2]", "{\"request\":", "\u{0}\u{1}"] {
        ws.send(Message::text(junk)).await.unwrap();
    }
    ws.send(Message::text(r#"{"referenceId":"t","request":"agent.get","parameters":["#)).await.unwrap();
    let answer = next_json(&mut ws).await;
    assert_eq!(answer["referenceId"], "t");
    assert!(answer["errorMessage"].is_string(), "{answer}");
    ws.send(Message::Binary(vec![0xff, 0xfe].into())).await.unwrap();
    ws.send(Message::text(request("system.isFrameLeading", "ok", None))).await.unwrap();
    let answer = next_json(&mut ws).await;
    assert_eq!((answer["referenceId"].as_str(), answer["data"].as_bool()), (Some("ok"), Some(true)));
    // Over the limit: close code 1009 with a reason, not a reset.
    ws.send(Message::text("x".repeat(100 * 1024))).await.unwrap();
    let close = timeout(LIMIT, async {
        loop {
            match ws.next().await {
                Some(Ok(Message::Close(frame))) => return frame,
                Some(Ok(_)) => continue,
                other => panic!("expected a close frame, got {other:?}"),
            }
        }
    })
    .await
    .unwrap()
    .expect("a close frame with a code");
    assert_eq!(u16::from(close.code), cxwire_ws::CLOSE_MESSAGE_TOO_BIG);
    assert!(close.reason.contains("exceeds the limit of 65536 bytes"), "{}", close.reason);
}

#[tokio::test]
async fn a_megabyte_of_user_data_reaches_a_default_session_in_events_and_answers() {
    let sim = Simulator::builder().start().await.unwrap();
    let s = session(&sim).await;
    let mut events = s.subscribe([cxwire_ws::Topic::Interaction]).await.unwrap();
    let id = sim.inject_inbound_call("+14155550123", "5001", Default::default()).await.unwrap();
    for n in 0..9 {
        let data = [(format!("k{n}"), json!("v".repeat(120_000)))].into();
        s.interaction().set_user_data(id.clone(), data).await.unwrap();
    }
    let call = s.interaction().get_by_interaction_id(id.clone()).await.unwrap().unwrap();
    assert_eq!(call.user_data.unwrap().len(), 9);
    // The last event carries the whole interaction (over 1 MB) and arrives.
    let mut last = None;
    while let Ok(Some(cxwire_ws::SubscriptionItem::Event(frame))) = timeout(Duration::from_secs(2), events.recv()).await
    {
        last = Some(frame);
    }
    let frame = last.expect("events");
    assert!(serde_json::to_string(&*frame).unwrap().len() > 1_000_000);
    assert_eq!(s.connection_state(), cxwire_ws::ConnectionState::Connected);
}

#[tokio::test]
async fn toasts_close_by_themselves_with_their_owner_and_are_capped() {
    let limits = SimLimits { toasts: 3, toast_bytes: 2048, ..SimLimits::default() };
    let sim = Simulator::builder().limits(limits).start().await.unwrap();
    let a = session(&sim).await;
    let toast = |auto_close: Option<u64>| ToastParameters {
        title: "Hello".into(),
        buttons: Some(vec!["OK".into()]),
        auto_close_timeout: auto_close,
        ..ToastParameters::default()
    };
    // Auto close.
    let short = a.system().popup_toast(toast(Some(1))).await.unwrap();
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert!(!a.system().close_toast(short.clone()).await.unwrap(), "the toast closed by itself");
    assert!(matches!(sim.click_toast_button(&short, 0).await, Err(SimError::Refused(_))));
    // The cap.
    let mut ids = Vec::new();
    for _ in 0..3 {
        ids.push(a.system().popup_toast(toast(None)).await.unwrap());
    }
    match a.system().popup_toast(toast(None)).await {
        Err(Error::Rejected { message: Some(m), .. }) => assert!(m.contains("3 toasts are open"), "{m}"),
        other => panic!("{other:?}"),
    }
    // The size limit.
    let big = ToastParameters { title: "t".repeat(4096), ..ToastParameters::default() };
    assert!(a.system().close_toast(ids.pop().unwrap()).await.unwrap());
    match a.system().popup_toast(big).await {
        Err(Error::Rejected { message: Some(m), .. }) => assert!(m.contains("at most 2048"), "{m}"),
        other => panic!("{other:?}"),
    }
    // The owner leaves: its toasts go.
    a.close().await;
    drop(a);
    wait_connections(&sim, 0).await;
    let b = session(&sim).await;
    for id in ids {
        assert!(!b.system().close_toast(id).await.unwrap());
    }
}

/// The user data a web content may read, and what it may not.
const PUBLIC: &str = "Public";

fn assert_filtered(what: &str, text: &str) {
    let value: Value = serde_json::from_str(text).unwrap();
    let mut stack = vec![&value];
    let mut seen = 0;
    while let Some(v) = stack.pop() {
        match v {
            Value::Object(map) => {
                for (key, child) in map {
                    if key == "userData" {
                        let keys: BTreeSet<&str> = child.as_object().unwrap().keys().map(String::as_str).collect();
                        assert!(keys.iter().all(|k| *k == PUBLIC), "{what} leaks {keys:?}");
                        seen += 1;
                    } else {
                        stack.push(child);
                    }
                }
            }
            Value::Array(items) => stack.extend(items),
            _ => {}
        }
    }
    assert!(seen > 0, "{what} carries no userData to check: {text}");
}

#[tokio::test]
async fn the_user_data_read_filter_applies_to_every_request_and_event_that_returns_interactions() {
    let sim = Simulator::builder()
        .security("accepted-web-content-origins", "*")
        .security("user-data.read-allowed", PUBLIC)
        .start()
        .await
        .unwrap();
    let mut ws = raw(&sim).await;
    ws.send(Message::text(json!({"event": "subscribe", "data": ["interaction"], "referenceId": "s"}).to_string()))
        .await
        .unwrap();
    assert!(next_json(&mut ws).await["subscriptionId"].is_string());
    let secret = [("Secret".to_owned(), json!("s")), (PUBLIC.to_owned(), json!("p"))].into();
    let call = sim.inject_inbound_call("+14155550123", "5001", secret).await.unwrap();
    sim.campaign("Sales", cxwire_model::scapi::OutboundEventType::CampaignStarted, Some("PreviewPush")).await.unwrap();
    let record = sim.preview_record(PreviewMode::Push, None).await.unwrap();

    // Every request the catalog says returns interactions, each against a voice call and an
    // outbound record (whose user data carries GSW_* keys).
    let catalog: Value =
        serde_json::from_str(include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../spec/catalog.json"))).unwrap();
    let returning: Vec<&str> = catalog["service_client_api"]["methods"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["returns"].as_str().is_some_and(|r| r.contains("interaction.Interaction")))
        .map(|m| m["request"].as_str().unwrap())
        .collect();
    assert_eq!(returning.len(), 2, "{returning:?}");
    let mut n = 0;
    for name in returning {
        let cases: Vec<Option<Value>> = match name {
            "interaction.getByInteractionId" => vec![Some(json!([call])), Some(json!([record]))],
            "interaction.getInteractions" => vec![None],
            other => panic!("no case for `{other}`: add one"),
        };
        for parameters in cases {
            n += 1;
            let id = n.to_string();
            ws.send(Message::text(request(name, id.as_str(), parameters.clone()))).await.unwrap();
            let answer = loop {
                let frame = next_json(&mut ws).await;
                if frame["referenceId"].as_str() == Some(id.as_str()) {
                    break frame;
                }
                assert_filtered("an event", &frame.to_string());
            };
            assert!(answer.get("errorMessage").is_none(), "{answer}");
            assert_filtered(&format!("{name}({parameters:?})"), &answer.to_string());
        }
    }
    // Events: attached data changes, as set by another desktop.
    let other = session(&sim).await;
    other.voice().answer(call.clone()).await.unwrap();
    other.interaction().set_user_data(call.clone(), [("Secret2".to_owned(), json!(1))].into()).await.unwrap();
    let mut checked = 0;
    while let Ok(Some(Ok(Message::Text(text)))) = timeout(Duration::from_millis(500), ws.next()).await {
        assert_filtered("an interaction event", &text);
        checked += 1;
    }
    assert!(checked >= 2, "{checked} events");
    // The HTTP control API: what a browser page can read.
    let (status, body) = http_get(sim.page_addr(), "/control/interactions", &sim.page_addr().to_string()).await;
    assert_eq!(status, 200, "{body}");
    assert_filtered("GET /control/interactions", &body);
}

/// A GET with the given `Host` header; returns the status and body.
async fn http_get(addr: SocketAddr, path: &str, host: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let head = format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut response = String::new();
    timeout(LIMIT, stream.read_to_string(&mut response)).await.unwrap().unwrap();
    let status = response.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let body = response.split_once("\r\n\r\n").map(|(_, b)| b.to_owned()).unwrap_or_default();
    (status, body)
}

#[tokio::test]
async fn the_control_api_answers_only_its_own_host_and_every_listener_is_loopback() {
    let sim = Simulator::builder().start().await.unwrap();
    let port = sim.page_addr().port();
    for host in [format!("127.0.0.1:{port}"), format!("localhost:{port}")] {
        assert_eq!(http_get(sim.page_addr(), "/control/interactions", &host).await.0, 200, "{host}");
    }
    for host in [format!("rebind.example:{port}"), "127.0.0.1".to_owned(), String::new()] {
        let (status, body) = http_get(sim.page_addr(), "/control/interactions", &host).await;
        assert_eq!(status, 421, "{host}: {body}");
        assert!(body.contains("Host header"), "{body}");
    }
    let any = SocketAddr::from(([0, 0, 0, 0], 0));
    for builder in
        [Simulator::builder().ws_addr(any), Simulator::builder().http_addr(any), Simulator::builder().page_addr(any)]
    {
        match builder.start().await {
            Err(e @ SimError::NotLoopback { .. }) => assert!(e.to_string().contains("loopback only"), "{e}"),
            other => panic!("{other:?}"),
        }
    }
}

#[tokio::test]
async fn security_options_without_accepted_origins_say_why_every_origin_is_refused() {
    let sim = Simulator::builder().security("rate-limit.voice.dial", "4").start().await.unwrap();
    let s = session(&sim).await;
    match s.agent().get().await {
        Err(Error::Rejected { message: Some(m), .. }) => {
            assert!(m.contains("accepted-web-content-origins"), "{m}");
        }
        other => panic!("{other:?}"),
    }
}

mod random_frames {
    //! Property test: random and mutated frames sent to a running simulator never take its
    //! connection down, and a request after each is still answered.

    use super::*;
    use proptest::prelude::*;

    fn frames() -> impl Strategy<Value = String> {
        let seeds = vec![
            request("agent.setState", "1", Some(json!(["Ready"]))),
            request("interaction.setUserData", "2", Some(json!(["1", {"k": "v"}]))),
            json!({"event": "subscribe", "data": ["agent"], "referenceId": "3"}).to_string(),
            json!({"event": "unsubscribe", "data": "sub-1", "referenceId": "4"}).to_string(),
        ];
        prop_oneof![
            any::<String>(),
            "[ -~]{0,64}",
            (proptest::sample::select(seeds), any::<usize>(), any::<u8>()).prop_map(|(seed, at, byte)| {
                let mut bytes = seed.into_bytes();
                let at = at % bytes.len();
                bytes[at] = byte;
                String::from_utf8_lossy(&bytes).into_owned()
            }),
            (
                proptest::sample::select(vec!["agent.get", "voice.dial", "x", "", "sipEndpoint.muteMicrophone"]),
                any::<Vec<u8>>()
            )
                .prop_map(|(name, junk)| request(name, "r", Some(json!([String::from_utf8_lossy(&junk)])))),
        ]
    }

    #[test]
    fn random_frames_never_take_the_connection_down() {
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        let (sim, ws) = runtime.block_on(async {
            let sim = Simulator::builder().start().await.unwrap();
            let ws = raw(&sim).await;
            (sim, ws)
        });
        let ws = std::sync::Mutex::new(ws);
        let n = std::sync::atomic::AtomicU64::new(0);
        proptest!(ProptestConfig { cases: 128, failure_persistence: None, ..ProptestConfig::default() }, |(frame in frames())| {
            let probe = format!("probe-{}", n.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
            let mut ws = ws.lock().unwrap();
            runtime.block_on(async {
                ws.send(Message::text(frame)).await.unwrap();
                ws.send(Message::text(request("system.isFrameLeading", probe.as_str(), None))).await.unwrap();
                loop {
                    let answer = next_json(&mut ws).await;
                    if answer["referenceId"] == probe.as_str() {
                        assert!(answer["data"].is_boolean(), "{answer}");
                        break;
                    }
                }
            });
        });
        drop(sim);
    }
}

#[tokio::test]
async fn a_subscriber_that_lets_large_events_pile_up_is_closed_by_the_byte_limit() {
    // Few frames, many bytes: the byte limit, not the frame limit, closes it.
    let limits = SimLimits {
        slow_consumer_frames: 100_000,
        slow_consumer_bytes: 256 * 1024,
        write_timeout_ms: 60_000,
        ..SimLimits::default()
    };
    let sim = Simulator::builder().limits(limits).start().await.unwrap();
    let mut ws = raw(&sim).await;
    let subscribe = json!({"event": "subscribe", "data": ["interaction"], "referenceId": "s"});
    ws.send(Message::text(subscribe.to_string())).await.unwrap();
    assert!(next_json(&mut ws).await["subscriptionId"].is_string());
    let big: cxwire_model::scapi::types::UserData = [("pad".to_owned(), json!("p".repeat(20_000)))].into();
    let started = Instant::now();
    let mut most_frames = 0;
    loop {
        let connections = sim.connections().await.unwrap();
        let Some(c) = connections.first() else { break };
        most_frames = most_frames.max(c.queued_frames);
        assert!(c.queued_bytes <= 256 * 1024 + 64 * 1024, "{} bytes queued", c.queued_bytes);
        assert!(started.elapsed() < LIMIT, "never closed");
        sim.inject_inbound_call("+14155550123", "5001", big.clone()).await.unwrap();
    }
    assert!(most_frames < 1_000, "closed by bytes after {most_frames} frames, far below the frame limit");
}
