//! Hostile peers for the client: servers that never answer the upgrade, answer garbage or
//! truncated frames, flood events, send a 100 MB frame, or hang a reconnection. Each test
//! asserts the bound it relies on (time, queue length, close code). Loopback only; every wait is
//! bounded.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use std::time::Duration;

use cxwire_ws::{
    ConnectOptions, ConnectionState, Error, ReconnectPolicy, SessionConfig, SubscriptionItem, WsSettings, connect_with,
};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::{Instant, timeout};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;

const LIMIT: Duration = Duration::from_secs(20);

fn no_reconnect() -> ConnectOptions {
    ConnectOptions { reconnect: ReconnectPolicy::never(), ..ConnectOptions::default() }
}

async fn listener() -> (TcpListener, String) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("ws://{}/ws", listener.local_addr().unwrap());
    (listener, url)
}

/// Accepts one WebSocket connection.
async fn accept_ws(listener: &TcpListener) -> WebSocketStream<TcpStream> {
    let (stream, _) = listener.accept().await.unwrap();
    tokio_tungstenite::accept_async(stream).await.unwrap()
}

/// The next request frame from the client (subscribe frames are answered on the way).
async fn next_request(ws: &mut WebSocketStream<TcpStream>) -> Value {
    loop {
        let Some(Ok(Message::Text(text))) = timeout(LIMIT, ws.next()).await.unwrap() else { panic!("a frame") };
        let frame: Value = serde_json::from_str(&text).unwrap();
        if frame["event"] == "subscribe" {
            let answer = json!({"referenceId": frame["referenceId"], "subscriptionId": "s1"});
            ws.send(Message::text(answer.to_string())).await.unwrap();
            continue;
        }
        return frame;
    }
}

#[tokio::test]
async fn connect_gives_up_on_a_server_that_never_answers_the_upgrade() {
    let (listener, url) = listener().await;
    // Accept TCP connections and hold them without a word.
    let held = tokio::spawn(async move {
        let mut streams = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            streams.push(stream);
        }
    });
    let handshake_timeout = Duration::from_millis(300);
    let options =
        ConnectOptions { websocket: WsSettings { handshake_timeout, ..WsSettings::default() }, ..no_reconnect() };
    let started = Instant::now();
    let result = timeout(LIMIT, connect_with(&url, options)).await.expect("connect returns");
    match result {
        Err(Error::HandshakeTimeout { timeout, url: u }) => {
            assert_eq!(timeout, handshake_timeout);
            assert_eq!(u, url);
        }
        other => panic!("expected a handshake timeout, got {other:?}"),
    }
    assert!(started.elapsed() < Duration::from_secs(3), "took {:?}", started.elapsed());
    held.abort();
}

#[tokio::test]
async fn calls_fail_at_once_while_a_reconnection_hangs_in_its_handshake() {
    let (listener, url) = listener().await;
    let server = tokio::spawn(async move {
        // The first connection is a good one, then it vanishes; later ones never upgrade.
        drop(accept_ws(&listener).await);
        let mut held = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            held.push(stream);
        }
    });
    let options = ConnectOptions {
        websocket: WsSettings { handshake_timeout: Duration::from_secs(30), ..WsSettings::default() },
        reconnect: ReconnectPolicy { initial_delay: Duration::from_millis(5), ..ReconnectPolicy::default() },
        ..ConnectOptions::default()
    };
    let session = connect_with(&url, options).await.unwrap();
    let mut states = session.connection_states();
    // Wait for the disconnection; the reconnection then hangs in its handshake for 30 s.
    let state = timeout(LIMIT, states.recv()).await.unwrap().unwrap();
    assert!(matches!(state, ConnectionState::Disconnected { .. }), "{state:?}");
    // Let the reconnection start (its backoff is 5 ms), then call.
    tokio::time::sleep(Duration::from_millis(50)).await;
    let started = Instant::now();
    let result = timeout(Duration::from_secs(5), session.agent().get()).await.expect("the call returns");
    assert!(matches!(result, Err(Error::Disconnected)), "{result:?}");
    assert!(started.elapsed() < Duration::from_secs(2), "took {:?}", started.elapsed());
    server.abort();
}

#[tokio::test]
async fn a_truncated_or_garbled_answer_is_undecodable_not_a_timeout() {
    let (listener, url) = listener().await;
    let server = tokio::spawn(async move {
        let mut ws = accept_ws(&listener).await;
        // Truncated inside `data`.
        let frame = next_request(&mut ws).await;
        let text =
            format!(r#"{{"request":"agent.get","referenceId":{},"data":{{"employeeId":"e"#, frame["referenceId"]);
        ws.send(Message::text(text)).await.unwrap();
        // Garbage after the id.
        let frame = next_request(&mut ws).await;
        let text = format!(r#"{{"referenceId":{}, "data": <html>oops</html>"#, frame["referenceId"]);
        ws.send(Message::text(text)).await.unwrap();
        // A good answer: the session is still up.
        let frame = next_request(&mut ws).await;
        let answer = json!({"request": "system.isFrameLeading", "referenceId": frame["referenceId"], "data": true});
        ws.send(Message::text(answer.to_string())).await.unwrap();
        let _ = ws.next().await;
    });
    let session = connect_with(&url, no_reconnect()).await.unwrap();
    for _ in 0..2 {
        let started = Instant::now();
        match timeout(LIMIT, session.agent().get()).await.unwrap() {
            Err(Error::Undecodable { request, raw, .. }) => {
                assert_eq!(request, "agent.get");
                assert!(raw.contains(r#""referenceId""#), "{raw}");
            }
            other => panic!("expected undecodable, got {other:?}"),
        }
        assert!(started.elapsed() < Duration::from_secs(5), "answered as a timeout: {:?}", started.elapsed());
    }
    assert!(timeout(LIMIT, session.system().is_frame_leading()).await.unwrap().unwrap());
    server.abort();
}

#[tokio::test]
async fn an_event_flood_costs_a_slow_subscriber_its_buffer_and_a_lag_count_nothing_more() {
    const EVENTS: u64 = 20_000;
    let buffer = 64;
    let (listener, url) = listener().await;
    let (sent_tx, sent_rx) = tokio::sync::oneshot::channel();
    let server = tokio::spawn(async move {
        let mut ws = accept_ws(&listener).await;
        let frame = next_request(&mut ws).await;
        let answer = json!({"request": "system.isFrameLeading", "referenceId": frame["referenceId"], "data": true});
        for n in 0..EVENTS {
            let event =
                json!({"event": "agent", "data": {"eventType": "STATE_CHANGED", "mediaState": "READY", "n": n}});
            ws.feed(Message::text(event.to_string())).await.unwrap();
        }
        // After the flood, an answer: the flood did not block the session's reading.
        ws.send(Message::text(answer.to_string())).await.unwrap();
        let _ = sent_tx.send(());
        let _ = ws.next().await;
    });
    let config = SessionConfig { subscriber_buffer: buffer, ..SessionConfig::default() };
    let session = connect_with(&url, ConnectOptions { session: config, ..no_reconnect() }).await.unwrap();
    let mut slow = session.subscribe([cxwire_ws::Topic::Agent]).await.unwrap();
    // The subscriber reads nothing while the flood passes; the call after it is answered.
    assert!(timeout(LIMIT, session.system().is_frame_leading()).await.unwrap().unwrap());
    timeout(LIMIT, sent_rx).await.unwrap().unwrap();
    let (mut events, mut lagged) = (0u64, 0u64);
    while events + lagged < EVENTS {
        match timeout(LIMIT, slow.recv()).await.unwrap().unwrap() {
            SubscriptionItem::Event(_) => events += 1,
            SubscriptionItem::Lagged(n) => lagged += n,
        }
    }
    // Every event is either delivered or counted; at most the buffer is held.
    assert_eq!(events + lagged, EVENTS);
    assert!(events <= buffer as u64, "{events} events were buffered for a subscriber of {buffer}");
    assert!(lagged >= EVENTS - buffer as u64);
    server.abort();
}

/// Reads the close frame a client sent (masked), skipping anything else; returns its code and
/// reason.
async fn read_close_frame(stream: &mut TcpStream) -> (u16, String) {
    let mut data = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        // A masked client frame: FIN+opcode, MASK+len (< 126 for a close), mask key, payload.
        if data.len() >= 6 && data[0] & 0x0F == 0x8 {
            let len = usize::from(data[1] & 0x7F);
            if data.len() >= 6 + len {
                let key = [data[2], data[3], data[4], data[5]];
                let payload: Vec<u8> = data[6..6 + len].iter().enumerate().map(|(i, b)| b ^ key[i % 4]).collect();
                let code = u16::from_be_bytes([payload[0], payload[1]]);
                return (code, String::from_utf8_lossy(&payload[2..]).into_owned());
            }
        }
        let n = timeout(LIMIT, stream.read(&mut chunk)).await.unwrap().unwrap();
        assert!(n > 0, "the client closed without a close frame");
        data.extend_from_slice(&chunk[..n]);
    }
}

#[tokio::test]
async fn a_100_mb_frame_is_refused_with_1009_without_reading_it() {
    const ANNOUNCED: u64 = 100 << 20;
    let (listener, url) = listener().await;
    let server = tokio::spawn(async move {
        let ws = accept_ws(&listener).await;
        let mut stream = ws.into_inner();
        // An unmasked text frame announcing 100 MB, then its bytes, streamed (never allocated).
        let mut header = vec![0x81, 127];
        header.extend_from_slice(&ANNOUNCED.to_be_bytes());
        stream.write_all(&header).await.unwrap();
        let chunk = vec![b'x'; 64 * 1024];
        let mut written = 0u64;
        while written < ANNOUNCED {
            match timeout(Duration::from_secs(5), stream.write_all(&chunk)).await {
                Ok(Ok(())) => written += chunk.len() as u64,
                _ => break,
            }
        }
        read_close_frame(&mut stream).await
    });
    let limit = 1 << 20;
    let options =
        ConnectOptions { websocket: WsSettings { max_frame: limit, ..WsSettings::default() }, ..no_reconnect() };
    let session = connect_with(&url, options).await.unwrap();
    let mut states = session.connection_states();
    match timeout(LIMIT, states.recv()).await.unwrap().unwrap() {
        ConnectionState::Disconnected { reason } => {
            assert!(reason.contains("over the limit of 1048576 bytes"), "{reason}");
            assert!(reason.contains(&ANNOUNCED.to_string()), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    let (code, reason) = timeout(LIMIT, server).await.unwrap().unwrap();
    assert_eq!(code, cxwire_ws::CLOSE_MESSAGE_TOO_BIG);
    assert!(reason.contains("exceeds the limit"), "{reason}");
}

#[tokio::test]
async fn an_answer_over_the_session_limit_fails_its_call_and_the_session_stays_up() {
    let (listener, url) = listener().await;
    let limit = 64 * 1024;
    let server = tokio::spawn(async move {
        let mut ws = accept_ws(&listener).await;
        // An event over the limit (dropped), then an answer over the limit, then good ones.
        let frame = next_request(&mut ws).await;
        let big = "v".repeat(100 * 1024);
        let event =
            json!({"event": "agent", "data": {"eventType": "STATE_CHANGED", "mediaState": "READY", "big": big}});
        ws.send(Message::text(event.to_string())).await.unwrap();
        let answer = json!({"request": "agent.get", "referenceId": frame["referenceId"], "data": {"employeeId": big}});
        ws.send(Message::text(answer.to_string())).await.unwrap();
        let event = json!({"event": "agent", "data": {"eventType": "STATE_CHANGED", "mediaState": "NOT_READY"}});
        ws.send(Message::text(event.to_string())).await.unwrap();
        let frame = next_request(&mut ws).await;
        let answer = json!({"request": "agent.get", "referenceId": frame["referenceId"], "data": {"employeeId": "e1"}});
        ws.send(Message::text(answer.to_string())).await.unwrap();
        let _ = ws.next().await;
    });
    let config = SessionConfig { max_frame: limit, ..SessionConfig::default() };
    let session = connect_with(&url, ConnectOptions { session: config, ..no_reconnect() }).await.unwrap();
    let mut events = session.subscribe([cxwire_ws::Topic::Agent]).await.unwrap();
    match timeout(LIMIT, session.agent().get()).await.unwrap() {
        Err(Error::AnswerTooLarge { request, size, limit: l }) => {
            assert_eq!((request.as_str(), l), ("agent.get", limit));
            assert!(size > 100 * 1024);
        }
        other => panic!("expected AnswerTooLarge, got {other:?}"),
    }
    // The oversized event was dropped; the next one arrives; the session still answers.
    let Some(SubscriptionItem::Event(frame)) = timeout(LIMIT, events.recv()).await.unwrap() else { panic!("event") };
    let cxwire_ws::model::scapi::Event::Agent(agent) = &frame.event else { panic!("{frame:?}") };
    assert_eq!(agent.media_state.as_ref().map(|s| s.as_str()), Some("NOT_READY"));
    let agent = timeout(LIMIT, session.agent().get()).await.unwrap().unwrap();
    assert_eq!(agent.employee_id.as_deref(), Some("e1"));
    assert_eq!(session.connection_state(), ConnectionState::Connected);
    server.abort();
}

#[tokio::test]
async fn a_server_that_stops_reading_does_not_deadlock_a_pipelining_client() {
    // The server reads the next request only once its answer to the last one is written, the
    // way a server with backpressure does; the client pipelines 1,000 requests of 32 KiB and
    // the answers are as large. Both sides' socket buffers fill: the client must keep reading
    // while its writes wait, or the two wait for each other forever.
    const CALLS: usize = 1_000;
    let pad = "x".repeat(32 * 1024);
    let (listener, url) = listener().await;
    let server = tokio::spawn({
        let pad = pad.clone();
        async move {
            let mut ws = accept_ws(&listener).await;
            for _ in 0..CALLS {
                let frame = next_request(&mut ws).await;
                let answer = json!({"request": frame["request"], "referenceId": frame["referenceId"], "pad": pad});
                ws.send(Message::text(answer.to_string())).await.unwrap();
            }
            let _ = ws.next().await;
        }
    });
    let session = connect_with(&url, no_reconnect()).await.unwrap();
    let calls = (0..CALLS).map(|n| {
        let session = session.clone();
        let data = [("pad".to_owned(), Value::from(pad.as_str()))].into();
        async move { session.interaction().set_user_data(n.to_string(), data).await }
    });
    let results = timeout(LIMIT, futures_util::future::join_all(calls)).await.expect("no deadlock");
    assert!(results.iter().all(Result::is_ok), "{:?}", results.iter().find(|r| r.is_err()));
    server.abort();
}

#[tokio::test]
async fn the_acceptor_drops_a_client_that_never_finishes_its_handshake_and_keeps_accepting() {
    let config = cxwire_ws::AcceptorConfig { handshake_timeout: Duration::from_millis(200), ..Default::default() };
    let mut acceptor = cxwire_ws::Acceptor::bind("127.0.0.1:0", config).await.unwrap();
    let addr = acceptor.local_addr();
    // Half a request head, then nothing.
    let mut stalled = TcpStream::connect(addr).await.unwrap();
    stalled.write_all(b"GET /ws HTTP/1.1\r\nHost: x\r\n").await.unwrap();
    let mut rest = Vec::new();
    let started = Instant::now();
    let n = timeout(LIMIT, stalled.read_to_end(&mut rest)).await.expect("the acceptor hangs up").unwrap_or(0);
    assert_eq!(n, 0, "no answer to a request head that never ends");
    assert!(started.elapsed() < Duration::from_secs(3), "took {:?}", started.elapsed());
    // A proper bridge still gets in.
    let (_bridge, _) = tokio_tungstenite::connect_async(acceptor.ws_url()).await.unwrap();
    assert!(timeout(LIMIT, acceptor.accept()).await.unwrap().is_some());
}

/// Makes `calls` calls of 64 KiB (more than the socket buffers hold) with a 300 ms timeout
/// through an acceptor session whose bridge never reads, and asserts that each returns a timeout
/// within a bounded time.
async fn calls_to_a_bridge_that_never_reads_time_out(config: cxwire_ws::AcceptorConfig, calls: usize) {
    let mut acceptor = cxwire_ws::Acceptor::bind("127.0.0.1:0", config).await.unwrap();
    // The bridge connects and then neither reads nor answers.
    let (bridge, _) = tokio_tungstenite::connect_async(acceptor.ws_url()).await.unwrap();
    let session = timeout(LIMIT, acceptor.accept()).await.unwrap().unwrap().session;
    let data: cxwire_ws::model::scapi::types::UserData =
        [("pad".to_owned(), Value::from("p".repeat(64 * 1024)))].into();
    let call_timeout = Duration::from_millis(300);
    let calls = (0..calls).map(|n| {
        let session = session.clone();
        let data = data.clone();
        async move { session.interaction().with_timeout(call_timeout).set_user_data(n.to_string(), data).await }
    });
    let started = Instant::now();
    let results = timeout(LIMIT, futures_util::future::join_all(calls)).await.expect("every call returns");
    assert!(results.iter().all(|r| matches!(r, Err(Error::Timeout { .. }))), "{:?}", results.first());
    assert!(started.elapsed() < Duration::from_secs(5), "took {:?}", started.elapsed());
    drop(bridge);
}

#[tokio::test]
async fn a_bridge_that_never_reads_costs_calls_their_timeout_not_a_hang() {
    calls_to_a_bridge_that_never_reads_time_out(cxwire_ws::AcceptorConfig::default(), 200).await;
}

#[tokio::test]
async fn callers_waiting_for_room_in_a_full_command_queue_time_out_too() {
    // A queue of 2 commands: most callers wait for room in the queue, and each still returns at
    // its own deadline.
    let session = cxwire_ws::SessionConfig { command_buffer: 2, ..cxwire_ws::SessionConfig::default() };
    calls_to_a_bridge_that_never_reads_time_out(cxwire_ws::AcceptorConfig { session, ..Default::default() }, 100).await;
}
