//! RSS added per idle session: the cxwire acceptor vs a tokio-tungstenite server with its
//! default configuration, side by side in one run.
//!
//! Each server runs in its own process (so freed memory of one cannot hide the other's), and the
//! 1,000 client connections come from a third process. Prints the KiB per session of each and
//! checks cxwire against its target (< 32 KiB).

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::Duration;

use futures_util::StreamExt;
use tokio::net::TcpListener;

const SESSIONS: usize = 1_000;
const ROLE: &str = "CXWIRE_MEMORY_ROLE";

fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn main() {
    match std::env::var(ROLE).ok().as_deref() {
        Some("clients") => clients(),
        Some(server) => serve(server),
        None => compare(),
    }
}

/// Runs both servers and prints the comparison.
fn compare() {
    let exe = std::env::current_exe().expect("current exe");
    let mut results = Vec::new();
    for server in ["tungstenite-default", "cxwire-acceptor"] {
        let output = Command::new(&exe).env(ROLE, server).output().expect("run server process");
        let text = String::from_utf8_lossy(&output.stdout);
        let line = text
            .lines()
            .find(|l| l.starts_with("kib_per_session="))
            .unwrap_or_else(|| panic!("{server} failed: {}{}", text, String::from_utf8_lossy(&output.stderr)));
        let kib: f64 = line.trim_start_matches("kib_per_session=").parse().expect("number");
        println!("{server:<20} {kib:>8.1} KiB per idle session ({SESSIONS} sessions, RSS)");
        results.push(kib);
    }
    println!(
        "cxwire/default = {:.3}; cxwire target <= 12 KiB per session: {}",
        results[1] / results[0],
        if results[1] <= 12.0 { "met" } else { "NOT MET" }
    );
    // The target is absolute (KiB per idle session); the ratio column shows cxwire's KiB.
    println!(
        "bench-result: {}",
        serde_json::json!({
            "what": format!("idle acceptor session, RSS ({SESSIONS} sessions; KiB each)"),
            "cxwire": format!("{:.1} KiB", results[1]), "baseline": format!("{:.1} KiB (tungstenite default)", results[0]),
            "ratio": results[1], "op": "<=", "target": 12.0,
        })
    );
}

/// A server process: accepts SESSIONS connections from a client process and reports its RSS
/// growth per connection.
fn serve(server: &str) {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    rt.block_on(async {
        let exe = std::env::current_exe().expect("current exe");
        let mut held_raw = Vec::new();
        let mut held_sessions = Vec::new();
        let mut acceptor = None;
        let addr = if server == "cxwire-acceptor" {
            let a = cxwire_ws::Acceptor::bind("127.0.0.1:0", cxwire_ws::AcceptorConfig::default()).await.expect("bind");
            let addr = a.local_addr();
            acceptor = Some(a);
            addr
        } else {
            let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
            let addr = listener.local_addr().expect("addr");
            held_raw.push(listener);
            addr
        };
        // Warm up the runtime and allocator before the baseline.
        tokio::time::sleep(Duration::from_millis(50)).await;
        let before = rss_kib();
        let mut child = Command::new(&exe)
            .env(ROLE, "clients")
            .arg(format!("{addr}"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("spawn clients");
        let mut streams = Vec::new();
        if let Some(acceptor) = acceptor.as_mut() {
            while held_sessions.len() < SESSIONS {
                held_sessions.push(acceptor.accept().await.expect("accepted"));
            }
        } else {
            let listener = held_raw.pop().expect("listener");
            while streams.len() < SESSIONS {
                let (stream, _) = listener.accept().await.expect("accept");
                let mut ws = tokio_tungstenite::accept_async(stream).await.expect("handshake");
                // A server reads every connection, as the acceptor's sessions do.
                streams.push(tokio::spawn(async move { while let Some(Ok(_)) = ws.next().await {} }));
            }
            held_raw.push(listener);
        }
        // Wait until the clients report they are all connected, then let things settle.
        let mut ready = String::new();
        BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut ready).expect("ready line");
        tokio::time::sleep(Duration::from_millis(200)).await;
        let after = rss_kib();
        println!("kib_per_session={:.2}", (after.saturating_sub(before)) as f64 / SESSIONS as f64);
        if let Some(mut stdin) = child.stdin.take() {
            let _ = stdin.write_all(b"done\n");
        }
        drop(child.stdin.take());
        let _ = child.kill();
        let _ = child.wait();
        for task in streams {
            task.abort();
        }
        drop(held_sessions);
    });
}

/// The client process: opens SESSIONS WebSocket connections and holds them until stdin closes.
fn clients() {
    let addr = std::env::args().nth(1).expect("address");
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    rt.block_on(async {
        let mut held = Vec::with_capacity(SESSIONS);
        for _ in 0..SESSIONS {
            let (ws, _) = tokio_tungstenite::connect_async(format!("ws://{addr}/ws")).await.expect("connect");
            held.push(ws.split());
        }
        println!("ready");
        let _ = std::io::stdout().flush();
        let _ = tokio::task::spawn_blocking(|| {
            let mut line = String::new();
            let _ = std::io::stdin().read_line(&mut line);
        })
        .await;
        drop(held);
    });
}
