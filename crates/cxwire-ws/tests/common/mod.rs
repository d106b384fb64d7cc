//! A fake Workspace on the other end of a transport, and the repository's fixtures.

#![allow(dead_code, clippy::unwrap_used)] // shared by several test files; a failed unwrap is a failed test

use std::path::{Path, PathBuf};
use std::time::Duration;

use cxwire_model::scapi::ClientMessage;
use cxwire_ws::MemoryTransport;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::sync::mpsc;

pub(crate) fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The fixture files of a schema id, sorted.
pub(crate) fn fixtures(id: &str) -> Vec<(String, String)> {
    let dir = repo().join("tests/fixtures").join(id);
    let mut out: Vec<(String, String)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read_to_string(&p).unwrap()))
        .collect();
    out.sort();
    out
}

/// What the fake Workspace saw, and a way to push frames to the client.
pub(crate) struct Fake {
    /// Frames the client sent, as JSON values.
    pub(crate) seen: mpsc::UnboundedReceiver<Value>,
    /// Frames to send to the client.
    pub(crate) push: mpsc::UnboundedSender<String>,
}

impl Fake {
    /// The next frame the client sent (fails the test after 5 s).
    pub(crate) async fn next(&mut self) -> Value {
        tokio::time::timeout(Duration::from_secs(5), self.seen.recv())
            .await
            .expect("a frame within 5 s")
            .expect("fake alive")
    }

    pub(crate) fn send(&self, frame: impl Into<String>) {
        self.push.send(frame.into()).unwrap();
    }
}

/// Runs a fake Workspace on `transport`: every client frame is reported; `answer` returns the
/// frames to send back for it.
pub(crate) fn spawn_fake<F>(mut transport: MemoryTransport, answer: F) -> Fake
where
    F: Fn(&Value) -> Vec<String> + Send + 'static,
{
    let (seen_tx, seen) = mpsc::unbounded_channel();
    let (push, mut push_rx) = mpsc::unbounded_channel::<String>();
    tokio::spawn(async move {
        loop {
            tokio::select! {
                frame = transport.next() => {
                    let Some(Ok(text)) = frame else { break };
                    // The Workspace side decodes with the model's entry point.
                    assert!(ClientMessage::decode(&text).is_ok(), "client sent an undecodable frame: {text}");
                    let value: Value = serde_json::from_str(&text).unwrap();
                    for reply in answer(&value) {
                        if transport.send(reply).await.is_err() { return; }
                    }
                    if seen_tx.send(value).is_err() { return; }
                }
                pushed = push_rx.recv() => {
                    let Some(text) = pushed else { break };
                    if transport.send(text).await.is_err() { break; }
                }
            }
        }
    });
    Fake { seen, push }
}

/// An answer frame for `request` with the request's `referenceId`.
pub(crate) fn answer_to(request: &Value, data: Option<Value>) -> String {
    let mut frame = json!({
        "request": request["request"],
        "referenceId": request["referenceId"],
        "userAgent": "WWE Server",
        "protocolVersion": 2,
    });
    if let Some(data) = data {
        frame["data"] = data;
    }
    frame.to_string()
}

/// Answers subscribe frames with a subscription id `sub-<referenceId>`, and nothing else.
pub(crate) fn subscriptions_only(frame: &Value) -> Vec<String> {
    if frame["event"] == "subscribe" {
        let id = frame["referenceId"].as_str().unwrap();
        vec![json!({"referenceId": id, "subscriptionId": format!("sub-{id}"), "userAgent": "WWE Server", "protocolVersion": 2}).to_string()]
    } else {
        Vec::new()
    }
}
