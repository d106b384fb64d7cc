//! Loopback WebSocket tests: reconnection with resubscription, keepalive, the acceptor and the
//! bridge assets. Every wait is bounded.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use std::time::Duration;

use cxwire_model::connects::{ConnectsMessage, ConnectsRequest};
use cxwire_model::scapi::Event;
use cxwire_ws::{
    AcceptorConfig, ConnectOptions, ConnectionState, Error, ReconnectPolicy, SubscriptionItem, WsSettings, connect_with,
};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::time::timeout;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

const LIMIT: Duration = Duration::from_secs(10);

async fn state(states: &mut tokio::sync::broadcast::Receiver<ConnectionState>) -> ConnectionState {
    timeout(LIMIT, states.recv()).await.expect("a state change in time").unwrap()
}

/// A Workspace over WebSocket that answers `subscribe`, reports every frame with its connection
/// number, and closes a connection abruptly when told.
async fn workspace_server() -> (String, mpsc::UnboundedReceiver<(usize, Value)>, mpsc::UnboundedSender<(usize, String)>)
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("ws://{}/", listener.local_addr().unwrap());
    let (seen_tx, seen) = mpsc::unbounded_channel();
    let (cmd_tx, mut cmd_rx) = mpsc::unbounded_channel::<(usize, String)>();
    tokio::spawn(async move {
        let mut connection = 0;
        while let Ok((stream, _)) = listener.accept().await {
            let mut ws = tokio_tungstenite::accept_async(stream).await.unwrap();
            loop {
                tokio::select! {
                    message = ws.next() => {
                        let Some(Ok(Message::Text(text))) = message else { break };
                        let frame: Value = serde_json::from_str(&text).unwrap();
                        if frame["event"] == "subscribe" {
                            let id = frame["referenceId"].clone();
                            let answer = json!({"referenceId": id, "subscriptionId": format!("s{connection}"), "userAgent": "WWE Server", "protocolVersion": 2});
                            ws.send(Message::text(answer.to_string())).await.unwrap();
                        }
                        let _ = seen_tx.send((connection, frame));
                    }
                    command = cmd_rx.recv() => match command {
                        Some((_, command)) if command == "drop" => break,
                        Some((_, text)) => ws.send(Message::text(text)).await.unwrap(),
                        None => return,
                    },
                }
            }
            // Vanish without a close frame.
            drop(ws);
            connection += 1;
        }
    });
    (url, seen, cmd_tx)
}

#[tokio::test]
async fn reconnects_with_backoff_resubscribes_and_fails_calls_in_flight() {
    let (url, mut seen, commands) = workspace_server().await;
    let reconnect = ReconnectPolicy {
        initial_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(100),
        max_attempts: Some(20),
        ..ReconnectPolicy::default()
    };
    let session = connect_with(&url, ConnectOptions { reconnect, ..ConnectOptions::default() }).await.unwrap();
    let mut states = session.connection_states();
    let mut events = session.subscribe([cxwire_ws::Topic::Agent, cxwire_ws::Topic::messenger("ops")]).await.unwrap();
    let (connection, frame) = timeout(LIMIT, seen.recv()).await.unwrap().unwrap();
    assert_eq!((connection, frame["event"].as_str()), (0, Some("subscribe")));

    let call = tokio::spawn({
        let session = session.clone();
        async move { session.agent().get_state().await }
    });
    let (_, frame) = timeout(LIMIT, seen.recv()).await.unwrap().unwrap();
    assert_eq!(frame["request"], "agent.getState");
    commands.send((0, "drop".to_owned())).unwrap();

    let result = timeout(LIMIT, call).await.unwrap().unwrap();
    assert!(matches!(result, Err(Error::Disconnected)), "{result:?}");
    assert!(matches!(state(&mut states).await, ConnectionState::Disconnected { .. }));
    assert_eq!(state(&mut states).await, ConnectionState::Reconnected);

    // The new connection re-establishes both topics in one subscribe.
    let (connection, frame) = timeout(LIMIT, seen.recv()).await.unwrap().unwrap();
    assert_eq!(connection, 1);
    assert_eq!(frame["event"], "subscribe");
    assert_eq!(frame["data"], json!(["agent", "messenger:ops"]));

    commands
        .send((1, r#"{"event":"agent","data":{"eventType":"STATE_CHANGED","mediaState":"READY"}}"#.to_owned()))
        .unwrap();
    let item = timeout(LIMIT, events.recv()).await.unwrap().unwrap();
    assert!(matches!(item, SubscriptionItem::Event(ref f) if matches!(f.event, Event::Agent(_))), "{item:?}");
}

/// A session to `url` that pings every 100 ms and gives a peer up after 300 ms of silence, with
/// no reconnection.
async fn fast_keepalive_session(url: &str) -> cxwire_ws::Session {
    let websocket = WsSettings {
        ping_interval: Duration::from_millis(100),
        idle_timeout: Duration::from_millis(300),
        ..WsSettings::default()
    };
    let options = ConnectOptions { websocket, reconnect: ReconnectPolicy::never(), ..ConnectOptions::default() };
    connect_with(url, options).await.unwrap()
}

/// The next state change is the disconnection a silent peer causes.
async fn expect_no_traffic(states: &mut tokio::sync::broadcast::Receiver<ConnectionState>) {
    match state(states).await {
        ConnectionState::Disconnected { reason } => assert!(reason.contains("no traffic"), "{reason}"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_peer_that_goes_silent_is_detected_by_keepalive() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("ws://{}/", listener.local_addr().unwrap());
    let (hold_tx, mut hold_rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        let ws = tokio_tungstenite::accept_async(stream).await.unwrap();
        // Keep the socket open but never read: pings go unanswered.
        let _ = hold_tx.send(());
        tokio::time::sleep(Duration::from_secs(30)).await;
        drop(ws);
    });
    let session = fast_keepalive_session(&url).await;
    let mut states = session.connection_states();
    timeout(LIMIT, hold_rx.recv()).await.unwrap();
    let started = tokio::time::Instant::now();
    expect_no_traffic(&mut states).await;
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(state(&mut states).await, ConnectionState::GaveUp);
}

/// A peer whose frames keep coming is not idle, even though it never answers a ping (it never
/// reads): every frame counts as traffic. Once it stops, it is detected as silent.
#[tokio::test]
async fn a_peer_that_keeps_sending_is_not_taken_for_idle() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("ws://{}/", listener.local_addr().unwrap());
    let (done_tx, mut done_rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        let mut ws = tokio_tungstenite::accept_async(stream).await.unwrap();
        // 1.2 s of frames, one every 50 ms, four idle timeouts long; never a read.
        for _ in 0..24 {
            ws.send(Message::text(r#"{"event":"system","data":{}}"#)).await.unwrap();
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let _ = done_tx.send(());
        tokio::time::sleep(Duration::from_secs(30)).await;
        drop(ws);
    });
    let session = fast_keepalive_session(&url).await;
    let mut states = session.connection_states();
    timeout(LIMIT, done_rx.recv()).await.unwrap();
    assert!(states.try_recv().is_err(), "no state change while frames came");
    assert_eq!(session.connection_state(), ConnectionState::Connected);
    let stopped = tokio::time::Instant::now();
    expect_no_traffic(&mut states).await;
    assert!(stopped.elapsed() < Duration::from_secs(5));
}

async fn http_get(addr: std::net::SocketAddr, path: &str) -> String {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(format!("GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n").as_bytes()).await.unwrap();
    let mut response = String::new();
    timeout(LIMIT, stream.read_to_string(&mut response)).await.unwrap().unwrap();
    response
}

#[tokio::test]
async fn the_acceptor_serves_the_bridge_and_yields_sessions_with_origin_and_query() {
    let websocket = WsSettings { max_frame: 64 * 1024, ..WsSettings::default() };
    let mut acceptor =
        cxwire_ws::Acceptor::bind("127.0.0.1:0", AcceptorConfig { websocket, ..AcceptorConfig::default() })
            .await
            .unwrap();
    let addr = acceptor.local_addr();
    assert_eq!(acceptor.bridge_url(), format!("http://{addr}/bridge.html"));

    let page = http_get(addr, "/bridge.html").await;
    assert!(page.starts_with("HTTP/1.1 200 OK") && page.contains(r#"<script src="bridge.js">"#), "{page}");
    let script = http_get(addr, "/bridge.js").await;
    assert!(script.contains("integrationapi") && script.contains("postMessage"), "{script}");
    assert!(http_get(addr, "/nope").await.starts_with("HTTP/1.1 404"));

    // The test plays the bridge page and the Workspace behind it.
    let mut request = format!("{}?agent=42&name=J%20Doe", acceptor.ws_url()).into_client_request().unwrap();
    request.headers_mut().insert("Origin", "http://workspace.example".parse().unwrap());
    let (mut bridge, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    let accepted = timeout(LIMIT, acceptor.accept()).await.unwrap().unwrap();
    assert_eq!(accepted.peer.origin.as_deref(), Some("http://workspace.example"));
    assert_eq!(accepted.peer.path, "/ws");
    assert_eq!(accepted.peer.query.get("agent").map(String::as_str), Some("42"));
    assert_eq!(accepted.peer.query.get("name").map(String::as_str), Some("J Doe"));

    let session = accepted.session;
    let call = tokio::spawn({
        let session = session.clone();
        async move { session.agent().get().await }
    });
    let Some(Ok(Message::Text(text))) = timeout(LIMIT, bridge.next()).await.unwrap() else { panic!("request frame") };
    let frame: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(frame["request"], "agent.get");
    let answer = json!({"request": "agent.get", "referenceId": frame["referenceId"], "data": {"employeeId": "emp1", "username": "jdoe"}});
    bridge.send(Message::text(answer.to_string())).await.unwrap();
    let agent = timeout(LIMIT, call).await.unwrap().unwrap().unwrap();
    assert_eq!(agent.employee_id.as_deref(), Some("emp1"));

    let dtmf = ConnectsMessage::Request(ConnectsRequest::SendDtmf { dtmf: "1234".into() });
    session.send_connects(&dtmf).await.unwrap();
    let Some(Ok(Message::Text(text))) = timeout(LIMIT, bridge.next()).await.unwrap() else { panic!("connects frame") };
    let frame: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(frame, json!({"cxwire": "connects", "detail": {"request": "sendDtmf", "dtmf": "1234"}}));

    // An oversized frame is refused: the connection is closed with 1009 and a reason (not
    // reset), and the session ends with the typed error.
    let mut states = session.connection_states();
    bridge.send(Message::text("x".repeat(128 * 1024))).await.unwrap();
    match state(&mut states).await {
        ConnectionState::Disconnected { reason } => assert!(reason.contains("over the limit of 65536"), "{reason}"),
        other => panic!("{other:?}"),
    }
    let close = loop {
        match timeout(LIMIT, bridge.next()).await.unwrap() {
            Some(Ok(Message::Close(frame))) => break frame.expect("a close frame with a code"),
            Some(Ok(_)) => continue,
            other => panic!("expected a close frame, got {other:?}"),
        }
    };
    assert_eq!(u16::from(close.code), cxwire_ws::CLOSE_MESSAGE_TOO_BIG);
    assert!(close.reason.contains("exceeds the limit of 65536 bytes"), "{}", close.reason);
}

#[tokio::test]
async fn a_refused_connection_keeps_the_websocket_error_as_its_source() {
    // A port nobody listens on: bind one, then free it.
    let port = TcpListener::bind("127.0.0.1:0").await.unwrap().local_addr().unwrap().port();
    let options = ConnectOptions { reconnect: ReconnectPolicy::never(), ..ConnectOptions::default() };
    let error = timeout(LIMIT, connect_with(&format!("ws://127.0.0.1:{port}/ws"), options)).await.unwrap().unwrap_err();
    let Error::WebSocket { message, source } = &error else { panic!("{error:?}") };
    let source = source.as_deref().expect("the underlying error is kept");
    assert_eq!(message, &source.to_string());
    assert!(std::error::Error::source(&error).is_some(), "reachable through std::error::Error::source");
    // Down the chain is the I/O error of the refused connection.
    let mut chain: Option<&(dyn std::error::Error + 'static)> = Some(source);
    let mut refused = false;
    while let Some(e) = chain {
        refused |=
            e.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::ConnectionRefused);
        chain = e.source();
    }
    assert!(refused, "{error:?}");
}
