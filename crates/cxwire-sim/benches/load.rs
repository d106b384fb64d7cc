//! Load, a scale curve: 10 / 200 / 2,000 concurrent sessions on one simulator, each issuing
//! requests for a bounded time. Every answer is checked (a mismatched answer would not decode as
//! the request's type); lost answers show up as timeouts or errors. Prints throughput and latency
//! percentiles per point; answers lost or mismatched must be 0 at every point.
//!
//! `cargo bench -p cxwire-sim --bench load` (`CXWIRE_LOAD_SECONDS` per point, default 5).

use std::time::{Duration, Instant};

use cxwire_sim::{SimConfig, Simulator};
use cxwire_ws::{ConnectOptions, ReconnectPolicy};

/// The points of the curve (sessions).
const POINTS: &[usize] = &[10, 200, 2_000];

fn main() {
    let seconds: u64 = std::env::var("CXWIRE_LOAD_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(5);
    let mut failed = Vec::new();
    for &sessions in POINTS {
        let (lost, wrong) = point(sessions, seconds);
        if (lost, wrong) != (0, 0) {
            failed.push(format!("{sessions} sessions: {lost} lost, {wrong} mismatched"));
        }
    }
    assert!(failed.is_empty(), "every request must get its own answer: {}", failed.join("; "));
}

/// Runs one point on a fresh simulator; returns the answers lost and mismatched.
fn point(sessions_wanted: usize, seconds: u64) -> (u64, u64) {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    rt.block_on(async move {
        let sim = Simulator::start("127.0.0.1:0", SimConfig::default()).await.expect("simulator");
        let mut sessions = Vec::with_capacity(sessions_wanted);
        for _ in 0..sessions_wanted {
            let options = ConnectOptions { reconnect: ReconnectPolicy::never(), ..ConnectOptions::default() };
            sessions.push(cxwire_ws::connect_with(&sim.ws_url(), options).await.expect("connect"));
        }
        let deadline = Instant::now() + Duration::from_secs(seconds);
        let started = Instant::now();
        let mut tasks = Vec::with_capacity(sessions_wanted);
        for session in sessions {
            tasks.push(tokio::spawn(async move {
                let mut latencies = Vec::new();
                let (mut lost, mut wrong) = (0u64, 0u64);
                let mut n = 0u64;
                while Instant::now() < deadline {
                    let t = Instant::now();
                    // Alternate requests with different answer types: a mismatched answer fails to decode.
                    let ok = match n % 3 {
                        0 => session.agent().get_state().await.map(|s| s.operation_name.is_some()),
                        1 => session.system().is_frame_leading().await.map(|_| true),
                        _ => session.agent().get().await.map(|a| a.username.is_some()),
                    };
                    match ok {
                        Ok(true) => latencies.push(t.elapsed()),
                        Ok(false) | Err(cxwire_ws::Error::Undecodable { .. }) => wrong += 1,
                        Err(_) => lost += 1,
                    }
                    n += 1;
                }
                (latencies, lost, wrong)
            }));
        }
        let mut latencies = Vec::new();
        let (mut lost, mut wrong) = (0, 0);
        for task in tasks {
            let (l, lo, w) = task.await.expect("session task");
            latencies.extend(l);
            lost += lo;
            wrong += w;
        }
        let elapsed = started.elapsed();
        latencies.sort_unstable();
        let pct = |p: f64| {
            let i = ((latencies.len() as f64 * p) as usize).min(latencies.len().saturating_sub(1));
            latencies.get(i).copied().unwrap_or_default()
        };
        println!(
            "{sessions_wanted} sessions for {elapsed:.1?}: {} answers, {lost} lost, {wrong} mismatched",
            latencies.len()
        );
        println!("throughput {:.0} requests/s", latencies.len() as f64 / elapsed.as_secs_f64());
        println!(
            "latency p50 {:.2?}  p99 {:.2?}  max {:.2?}",
            pct(0.50),
            pct(0.99),
            latencies.last().copied().unwrap_or_default()
        );
        println!(
            "bench-result: {}",
            serde_json::json!({
                "what": format!("simulator, {sessions_wanted} sessions: requests/s (answers lost must be 0)"),
                "cxwire": format!("{:.0}/s, p99 {:.2?}", latencies.len() as f64 / elapsed.as_secs_f64(), pct(0.99)),
                "baseline": "-", "ratio": (lost + wrong) as f64, "op": "<=", "target": 0.0,
            })
        );
        (lost, wrong)
    })
}
