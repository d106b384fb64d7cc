//! Idle sessions, a scale curve at 1k / 10k / 50k connections: RSS added per idle session and
//! the accept rate, the cxwire acceptor vs a tokio-tungstenite server with its default
//! configuration, side by side in one run.
//!
//! Each server runs in its own process (so freed memory of one cannot hide the other's), and the
//! client connections come from a third process (at most [`CONNECTING`] handshakes at a time).
//! Both servers do each handshake in a task of its own and read every connection. The accept
//! rate is connections per second between the first and the last completed handshake.
//!
//! A point needs one file descriptor per connection in the server and in the client process,
//! and one loopback ephemeral port per connection: a point over the open-file limit (soft
//! limit; raising it needs `setrlimit`, which this workspace cannot call without `unsafe`) or
//! over the ephemeral port range is skipped and reported as such. `CXWIRE_BENCH_QUICK=1` runs
//! the 1k and 10k points (seconds each) and leaves out 50k.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use tokio::net::TcpListener;

/// The points of the curve.
const POINTS: &[usize] = &[1_000, 10_000, 50_000];
/// The points in quick mode.
const QUICK_POINTS: &[usize] = &[1_000, 10_000];
/// The point with a target (12 KiB per idle session).
const TARGET_POINT: usize = 1_000;
/// Handshakes the client process has in progress at once.
const CONNECTING: usize = 32;
/// File descriptors a process needs besides its connections.
const FD_MARGIN: u64 = 64;
/// How long a server waits for all its connections before giving up.
const ACCEPT_LIMIT: Duration = Duration::from_secs(300);
const ROLE: &str = "CXWIRE_MEMORY_ROLE";
const COUNT: &str = "CXWIRE_MEMORY_SESSIONS";

fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// The soft and hard open-file limits of this process.
fn open_file_limits() -> Option<(u64, u64)> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    let mut numbers = line.trim_start_matches("Max open files").split_whitespace();
    let soft = numbers.next()?.parse().ok()?;
    let hard = numbers.next()?.parse().ok()?;
    Some((soft, hard))
}

/// How many loopback ephemeral ports one destination can take.
fn ephemeral_ports() -> Option<u64> {
    let range = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range").ok()?;
    let mut numbers = range.split_whitespace().map(|n| n.parse::<u64>());
    let (Some(Ok(low)), Some(Ok(high))) = (numbers.next(), numbers.next()) else { return None };
    Some(high.saturating_sub(low) + 1)
}

/// Why a point cannot run on this machine, if it cannot.
fn cannot_run(sessions: usize) -> Option<String> {
    let needed = sessions as u64 + FD_MARGIN;
    if let Some((soft, hard)) = open_file_limits()
        && soft < needed
    {
        return Some(format!(
            "skipped: open-file limit {soft} (hard {hard}) < {needed} needed per process; setrlimit needs unsafe"
        ));
    }
    if let Some(ports) = ephemeral_ports()
        && ports < sessions as u64
    {
        return Some(format!("skipped: {ports} loopback ephemeral ports < {sessions} connections"));
    }
    None
}

fn main() {
    match std::env::var(ROLE).ok().as_deref() {
        Some("clients") => clients(),
        Some(server) => serve(server),
        None => compare(),
    }
}

/// What one server process measured.
struct Measured {
    kib: f64,
    accepts_per_s: f64,
}

fn run_server(server: &str, sessions: usize) -> Measured {
    let exe = std::env::current_exe().expect("current exe");
    let output = Command::new(&exe).env(ROLE, server).env(COUNT, sessions.to_string()).output().expect("run server");
    let text = String::from_utf8_lossy(&output.stdout);
    let field = |name: &str| -> f64 {
        text.lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("{server} failed: {}{}", text, String::from_utf8_lossy(&output.stderr)))
    };
    Measured { kib: field("kib_per_session="), accepts_per_s: field("accepts_per_s=") }
}

/// Runs both servers at every point and prints the comparison.
fn compare() {
    let quick = std::env::var_os("CXWIRE_BENCH_QUICK").is_some();
    for &sessions in if quick { QUICK_POINTS } else { POINTS } {
        if let Some(why) = cannot_run(sessions) {
            println!("{sessions} sessions: {why}");
            println!(
                "bench-result: {}",
                serde_json::json!({
                    "what": format!("idle acceptor sessions, {sessions}: RSS KiB each"),
                    "cxwire": why, "baseline": "-", "ratio": 0.0, "op": "report",
                })
            );
            continue;
        }
        let default = run_server("tungstenite-default", sessions);
        let cxwire = run_server("cxwire-acceptor", sessions);
        for (name, m) in [("tungstenite-default", &default), ("cxwire-acceptor", &cxwire)] {
            println!(
                "{name:<20} {:>8.1} KiB per idle session, {:>8.0} accepts/s ({sessions} sessions, RSS)",
                m.kib, m.accepts_per_s
            );
        }
        // The memory target is absolute (KiB per idle session); the ratio column shows cxwire's KiB.
        let (op, target) = if sessions == TARGET_POINT { ("<=", Some(12.0)) } else { ("report", None) };
        println!(
            "bench-result: {}",
            serde_json::json!({
                "what": format!("idle acceptor sessions, {sessions}: RSS KiB each (ratio column: cxwire KiB)"),
                "cxwire": format!("{:.1} KiB", cxwire.kib),
                "baseline": format!("{:.1} KiB (tungstenite default)", default.kib),
                "ratio": cxwire.kib, "op": op, "target": target,
            })
        );
        println!(
            "bench-result: {}",
            serde_json::json!({
                "what": format!("acceptor accept rate, {sessions} connections (cxwire/tungstenite default)"),
                "cxwire": format!("{:.0} conn/s", cxwire.accepts_per_s),
                "baseline": format!("{:.0} conn/s", default.accepts_per_s),
                "ratio": cxwire.accepts_per_s / default.accepts_per_s, "op": "report",
            })
        );
    }
}

/// A server process: accepts its sessions from a client process and reports its RSS growth per
/// connection and its accept rate.
fn serve(server: &str) {
    let sessions: usize = std::env::var(COUNT).ok().and_then(|n| n.parse().ok()).expect("session count");
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    rt.block_on(async {
        let exe = std::env::current_exe().expect("current exe");
        let mut acceptor = None;
        let mut listener = None;
        let addr = if server == "cxwire-acceptor" {
            let a = cxwire_ws::Acceptor::bind("127.0.0.1:0", cxwire_ws::AcceptorConfig::default()).await.expect("bind");
            let addr = a.local_addr();
            acceptor = Some(a);
            addr
        } else {
            let l = TcpListener::bind("127.0.0.1:0").await.expect("bind");
            let addr = l.local_addr().expect("addr");
            listener = Some(l);
            addr
        };
        // Warm up the runtime and allocator before the baseline.
        tokio::time::sleep(Duration::from_millis(50)).await;
        let before = rss_kib();
        let mut child = Command::new(&exe)
            .env(ROLE, "clients")
            .env(COUNT, sessions.to_string())
            .arg(format!("{addr}"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("spawn clients");
        let mut held_sessions = Vec::with_capacity(sessions);
        let mut tasks = Vec::with_capacity(sessions);
        let accepting = async {
            let mut first = None;
            if let Some(acceptor) = acceptor.as_mut() {
                while held_sessions.len() < sessions {
                    held_sessions.push(acceptor.accept().await.expect("accepted"));
                    first.get_or_insert_with(Instant::now);
                }
            } else if let Some(listener) = listener.as_ref() {
                // Each handshake in a task of its own, as the acceptor does.
                let (done_tx, mut done) = tokio::sync::mpsc::unbounded_channel();
                let mut handshakes = 0;
                while handshakes < sessions {
                    tokio::select! {
                        accepted = listener.accept() => {
                            let (stream, _) = accepted.expect("accept");
                            let done_tx = done_tx.clone();
                            tasks.push(tokio::spawn(async move {
                                let mut ws = tokio_tungstenite::accept_async(stream).await.expect("handshake");
                                let _ = done_tx.send(());
                                // A server reads every connection, as the acceptor's sessions do.
                                while let Some(Ok(_)) = ws.next().await {}
                            }));
                        }
                        Some(()) = done.recv() => {
                            handshakes += 1;
                            first.get_or_insert_with(Instant::now);
                        }
                    }
                }
            }
            first.map(|t| t.elapsed()).unwrap_or_default()
        };
        let span = tokio::time::timeout(ACCEPT_LIMIT, accepting).await.expect("all connections within the limit");
        // Wait until the clients report they are all connected, then let things settle.
        let mut ready = String::new();
        BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut ready).expect("ready line");
        tokio::time::sleep(Duration::from_millis(200)).await;
        let after = rss_kib();
        println!("kib_per_session={:.2}", (after.saturating_sub(before)) as f64 / sessions as f64);
        println!("accepts_per_s={:.1}", sessions.saturating_sub(1) as f64 / span.as_secs_f64().max(1e-9));
        if let Some(mut stdin) = child.stdin.take() {
            let _ = stdin.write_all(b"done\n");
        }
        let _ = child.kill();
        let _ = child.wait();
        for task in tasks {
            task.abort();
        }
        drop(held_sessions);
    });
}

/// The client process: opens its WebSocket connections ([`CONNECTING`] at a time) and holds
/// them until stdin closes.
fn clients() {
    let addr = std::env::args().nth(1).expect("address");
    let sessions: usize = std::env::var(COUNT).ok().and_then(|n| n.parse().ok()).expect("session count");
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    rt.block_on(async {
        let url = format!("ws://{addr}/ws");
        let held: Vec<_> = futures_util::stream::iter(0..sessions)
            .map(|_| async {
                let (ws, _) = tokio_tungstenite::connect_async(url.as_str()).await.expect("connect");
                ws.split()
            })
            .buffer_unordered(CONNECTING)
            .collect()
            .await;
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
