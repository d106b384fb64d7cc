//! One event fanned out to 1 / 100 / 10,000 subscribers, a scale curve: the time from the event
//! frame entering the transport until every subscriber has received it (median over rounds).
//!
//! - cxwire: one session over an in-memory transport ([`cxwire_ws::memory_pair`]); every
//!   subscriber is a [`Subscription`] of that session to the `agent` topic, read by a task of
//!   its own. The event frame goes into the Workspace side of the transport.
//! - baseline: the same hops without the session: the frame text goes into a bounded tokio
//!   channel, one dispatcher task decodes it once (with the model's
//!   [`WorkspaceMessage::decode`], as the session does) and sends it as an `Arc` into a plain
//!   `tokio::sync::broadcast` channel; every subscriber is a receiver read by a task of its own.
//!
//! Both run on one current-thread runtime each, so the figures are scheduling and dispatch
//! costs, not parallelism. The rows are informational (`report`): the ratio is cxwire/baseline
//! delivery time. `CXWIRE_BENCH_QUICK=1` runs fewer rounds.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use cxwire_ws::model::scapi::{Event, EventFrame, WorkspaceMessage};
use cxwire_ws::{Session, SessionConfig, Subscription, SubscriptionItem, Topic, memory_pair};
use futures_util::{SinkExt, StreamExt};
use tokio::sync::{Notify, broadcast, mpsc};

/// `(subscribers, rounds, quick rounds)`.
const POINTS: &[(usize, usize, usize)] = &[(1, 400, 100), (100, 200, 50), (10_000, 40, 10)];
/// How long one round may take before the bench fails.
const ROUND_LIMIT: Duration = Duration::from_secs(30);
const EVENT: &str = r#"{"event":"agent","data":{"eventType":"STATE_CHANGED","mediaState":"READY"},"userAgent":"WWE Server","protocolVersion":2}"#;

/// Counts the subscribers still to receive the round's event, and wakes the bench at zero.
struct Round {
    remaining: AtomicUsize,
    done: Notify,
}

impl Round {
    fn new() -> Arc<Self> {
        Arc::new(Self { remaining: AtomicUsize::new(0), done: Notify::new() })
    }
    fn received(&self, frame: &EventFrame) {
        assert!(matches!(frame.event, Event::Agent(_)), "an agent event: {frame:?}");
        if self.remaining.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.done.notify_one();
        }
    }
    /// Sends one event with `send` and waits until every subscriber has it.
    async fn run(&self, subscribers: usize, send: impl std::future::Future<Output = ()>) -> Duration {
        self.remaining.store(subscribers, Ordering::Release);
        let started = Instant::now();
        let waited = async {
            send.await;
            self.done.notified().await;
        };
        tokio::time::timeout(ROUND_LIMIT, waited).await.expect("every subscriber got the event in time");
        started.elapsed()
    }
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort_unstable();
    times.get(times.len() / 2).copied().unwrap_or_default()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime")
}

/// The Workspace side of the transport: answers `subscribe`, forwards pushed frames.
fn spawn_workspace(mut transport: cxwire_ws::MemoryTransport) -> mpsc::Sender<String> {
    let (push, mut pushed) = mpsc::channel::<String>(16);
    tokio::spawn(async move {
        loop {
            tokio::select! {
                frame = transport.next() => {
                    let Some(Ok(text)) = frame else { break };
                    let value: serde_json::Value = serde_json::from_str(&text).expect("client frame");
                    if value["event"] == "subscribe" {
                        let id = value["referenceId"].as_str().expect("referenceId");
                        let answer = serde_json::json!({
                            "referenceId": id, "subscriptionId": format!("sub-{id}"),
                            "userAgent": "WWE Server", "protocolVersion": 2,
                        });
                        if transport.send(answer.to_string()).await.is_err() { break; }
                    }
                }
                text = pushed.recv() => {
                    let Some(text) = text else { break };
                    if transport.send(text).await.is_err() { break; }
                }
            }
        }
    });
    push
}

fn cxwire_point(subscribers: usize, rounds: usize) -> Duration {
    runtime().block_on(async {
        let (client, workspace) = memory_pair(64);
        let push = spawn_workspace(workspace);
        let session = Session::new(client, SessionConfig::default());
        let round = Round::new();
        let mut readers = Vec::with_capacity(subscribers);
        for _ in 0..subscribers {
            let subscription: Subscription = session.subscribe([Topic::Agent]).await.expect("subscribe");
            let round = Arc::clone(&round);
            readers.push(tokio::spawn(async move {
                let mut subscription = subscription;
                while let Some(item) = subscription.recv().await {
                    match item {
                        SubscriptionItem::Event(frame) => round.received(&frame),
                        SubscriptionItem::Lagged(n) => panic!("a subscriber lagged by {n}"),
                    }
                }
            }));
        }
        let mut times = Vec::with_capacity(rounds);
        for _ in 0..rounds {
            times.push(round.run(subscribers, async { push.send(EVENT.to_owned()).await.expect("push") }).await);
        }
        session.close().await;
        for reader in readers {
            reader.abort();
        }
        median(times)
    })
}

fn baseline_point(subscribers: usize, rounds: usize) -> Duration {
    runtime().block_on(async {
        let (input, mut frames) = mpsc::channel::<String>(64);
        let (events, _) = broadcast::channel::<Arc<EventFrame>>(16);
        let dispatch = events.clone();
        let dispatcher = tokio::spawn(async move {
            while let Some(text) = frames.recv().await {
                let Ok(WorkspaceMessage::Event(frame)) = WorkspaceMessage::decode(&text) else { panic!("an event") };
                let _ = dispatch.send(Arc::new(frame));
            }
        });
        let round = Round::new();
        let mut readers = Vec::with_capacity(subscribers);
        for _ in 0..subscribers {
            let mut receiver = events.subscribe();
            let round = Arc::clone(&round);
            readers.push(tokio::spawn(async move {
                loop {
                    match receiver.recv().await {
                        Ok(frame) => round.received(&frame),
                        Err(broadcast::error::RecvError::Lagged(n)) => panic!("a receiver lagged by {n}"),
                        Err(broadcast::error::RecvError::Closed) => break,
                    }
                }
            }));
        }
        let mut times = Vec::with_capacity(rounds);
        for _ in 0..rounds {
            times.push(round.run(subscribers, async { input.send(EVENT.to_owned()).await.expect("input") }).await);
        }
        dispatcher.abort();
        for reader in readers {
            reader.abort();
        }
        median(times)
    })
}

fn main() {
    let quick = std::env::var_os("CXWIRE_BENCH_QUICK").is_some();
    for &(subscribers, rounds, quick_rounds) in POINTS {
        let rounds = if quick { quick_rounds } else { rounds };
        let baseline = baseline_point(subscribers, rounds);
        let cxwire = cxwire_point(subscribers, rounds);
        println!(
            "one event to {subscribers} subscribers ({rounds} rounds, median): cxwire {cxwire:.2?}, broadcast {baseline:.2?}"
        );
        println!(
            "bench-result: {}",
            serde_json::json!({
                "what": format!("one event fanned out to {subscribers} subscriptions of one session, delivery time (cxwire/tokio broadcast)"),
                "cxwire": format!("{:.1} us", cxwire.as_secs_f64() * 1e6),
                "baseline": format!("{:.1} us (broadcast)", baseline.as_secs_f64() * 1e6),
                "ratio": cxwire.as_secs_f64() / baseline.as_secs_f64().max(1e-9), "op": "report",
            })
        );
    }
}
