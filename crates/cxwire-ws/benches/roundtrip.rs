//! Round trips through a cxwire session vs a raw tokio-tungstenite client, against the same
//! loopback answering server, in one run:
//!
//! - sequential: one call at a time (latency, median);
//! - pipelined: 1 / 8 / 64 / 256 calls in flight (throughput), a scale curve.
//!
//! After criterion's report it prints one `bench-result:` line per point: the sequential
//! median latency cxwire/raw (target <= 1.10), the 64-in-flight throughput cxwire/raw (target
//! >= 0.95) and the other points as informational `report` rows.
//!
//! What runs on each side:
//! - **raw:** one loop on one connection that keeps N requests written and matches answers by
//!   id (tokio-tungstenite's `connect_async`: its socket options, Nagle's algorithm on).
//! - **cxwire (the compared rows):** N caller tasks on one session with its defaults, each
//!   making its calls one after another, as N agents' workers would.
//! - **report rows, same curve:** cxwire with the raw client's socket options
//!   ([`WsSettings::nodelay`] false, Nagle on: with many calls in flight the kernel's coalescing
//!   weighs as much as either client's code; the raw client with `TCP_NODELAY` is about 2.5x
//!   slower here), and cxwire driven from a single task through a `FuturesUnordered` (whose
//!   own cost per call, a task allocated and woken per future, is part of that row).
//!
//! The ratios come from interleaved runs after criterion's: blocks of 50 sequential calls by
//! each client in turn, every call timed (the medians compared), and rounds of the same
//! in-flight iteration by each client in turn (the order rotating every round), timed side by
//! side; the ratio of a point is the median over rounds of raw's time over cxwire's. On a shared machine the load changes within seconds, and criterion times one function
//! for seconds before the other: its per-function figures are printed too, but a ratio of two
//! of them measured apart says more about the load than about the client.
//! `CXWIRE_BENCH_QUICK=1` runs shorter.

use std::hint::black_box;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use criterion::{Criterion, SamplingMode, Throughput};
use cxwire_ws::{ConnectOptions, ReconnectPolicy, Session, WsSettings, connect_with};
use futures_util::stream::FuturesUnordered;
use futures_util::{FutureExt, SinkExt, StreamExt};
use serde::Deserialize;
use tokio::net::TcpListener;
use tokio::runtime::Runtime;
use tokio_tungstenite::tungstenite::Message;

/// The points of the in-flight curve, with the calls one measured iteration makes (about 100
/// windows each, at least 500 calls).
const CURVE: &[(usize, u64)] = &[(1, 500), (8, 1_600), (64, 6_400), (256, 25_600)];
/// The point with a target.
const TARGET_IN_FLIGHT: usize = 64;

/// The server reads the two ids an answer needs, as a Workspace would.
#[derive(Deserialize)]
struct Ids<'a> {
    #[serde(borrow)]
    request: &'a str,
    #[serde(rename = "referenceId", borrow)]
    reference_id: &'a str,
}

/// An answering server on its own thread and runtime: every request gets `data: true`.
fn start_server() -> SocketAddr {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("server runtime");
        rt.block_on(async move {
            let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
            tx.send(listener.local_addr().expect("addr")).expect("send addr");
            while let Ok((stream, _)) = listener.accept().await {
                let _ = stream.set_nodelay(true);
                tokio::spawn(async move {
                    let Ok(ws) = tokio_tungstenite::accept_async(stream).await else { return };
                    let (mut sink, mut stream) = ws.split();
                    let answer = |message: Message| -> Option<Message> {
                        let Message::Text(text) = message else { return None };
                        let ids = serde_json::from_str::<Ids<'_>>(text.as_str()).ok()?;
                        Some(Message::text(format!(
                            r#"{{"request":"{}","referenceId":"{}","data":true,"userAgent":"WWE Server","protocolVersion":2}}"#,
                            ids.request, ids.reference_id
                        )))
                    };
                    while let Some(Ok(message)) = stream.next().await {
                        if let Some(reply) = answer(message)
                            && sink.feed(reply).await.is_err()
                        {
                            return;
                        }
                        // Answer what is already there in the same batch, then flush once.
                        while let Some(Some(Ok(message))) = stream.next().now_or_never() {
                            if let Some(reply) = answer(message)
                                && sink.feed(reply).await.is_err()
                            {
                                return;
                            }
                        }
                        if sink.flush().await.is_err() {
                            return;
                        }
                    }
                });
            }
        });
    });
    rx.recv().expect("server address")
}

type RawWs = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

#[derive(Deserialize)]
struct AnswerIds<'a> {
    #[serde(rename = "referenceId", borrow)]
    reference_id: &'a str,
    data: bool,
}

fn request_frame(id: u64) -> String {
    format!(
        r#"{{"request":"system.isFrameLeading","referenceId":"{id}","userAgent":"WWE Client","protocolVersion":2}}"#
    )
}

/// Reads the next answer and returns its id.
async fn raw_read(ws: &mut RawWs) -> u64 {
    let Some(Ok(Message::Text(text))) = ws.next().await else { panic!("raw client lost its connection") };
    let answer: AnswerIds<'_> = serde_json::from_str(text.as_str()).expect("answer");
    assert!(answer.data);
    answer.reference_id.parse().expect("numeric id")
}

async fn raw_sequential(ws: &mut RawWs, id: &mut u64) {
    *id += 1;
    ws.send(Message::text(request_frame(*id))).await.expect("send");
    assert_eq!(raw_read(ws).await, *id);
}

async fn raw_pipelined(ws: &mut RawWs, id: &mut u64, in_flight: usize, calls: u64) {
    let first = *id + 1;
    let last = *id + calls;
    let mut sent = 0u64;
    let mut outstanding = std::collections::BTreeSet::new();
    while sent < calls.min(in_flight as u64) {
        *id += 1;
        sent += 1;
        outstanding.insert(*id);
        ws.feed(Message::text(request_frame(*id))).await.expect("feed");
    }
    ws.flush().await.expect("flush");
    let mut received = 0u64;
    while received < calls {
        let got = raw_read(ws).await;
        assert!(outstanding.remove(&got) && (first..=last).contains(&got), "unexpected id {got}");
        received += 1;
        if sent < calls {
            *id += 1;
            sent += 1;
            outstanding.insert(*id);
            ws.feed(Message::text(request_frame(*id))).await.expect("feed");
            ws.flush().await.expect("flush");
        }
    }
}

/// `in_flight` caller tasks on the session's runtime, each making `calls / in_flight` calls one
/// after another.
async fn cxwire_callers(session: &Session, in_flight: usize, calls: u64) {
    let each = calls / in_flight as u64;
    let mut callers = tokio::task::JoinSet::new();
    for _ in 0..in_flight {
        let session = session.clone();
        callers.spawn(async move {
            for _ in 0..each {
                match session.system().is_frame_leading().await {
                    Ok(true) => {}
                    other => panic!("call failed: {other:?}"),
                }
            }
        });
    }
    while let Some(done) = callers.join_next().await {
        done.expect("a caller task");
    }
}

/// One task keeping `in_flight_max` calls in a `FuturesUnordered`.
async fn cxwire_one_task(session: &Session, in_flight_max: usize, calls: u64) {
    let mut in_flight = FuturesUnordered::new();
    let mut started = 0u64;
    let mut done = 0u64;
    while done < calls {
        while started < calls && in_flight.len() < in_flight_max {
            in_flight.push(async { session.system().is_frame_leading().await });
            started += 1;
        }
        match in_flight.next().await {
            Some(Ok(true)) => done += 1,
            other => panic!("call failed: {other:?}"),
        }
    }
}

fn client_runtime() -> Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("client runtime")
}

/// One in-flight point compared interleaved: nanoseconds per iteration of each client.
/// The clients of [`CLIENTS`] order: raw, then cxwire with its defaults from caller tasks, with
/// the raw client's socket options (Nagle on) from caller tasks, and with its defaults from one
/// task (`FuturesUnordered`). `times` are the medians over rounds of each client's iteration;
/// `ratios` the medians over rounds of raw's time over each cxwire client's (a load spike on
/// this shared machine spoils a round, not the result).
struct Point {
    in_flight: usize,
    calls: u64,
    times: [f64; CLIENTS],
    ratios: [f64; CLIENTS - 1],
}

/// The clients compared at each in-flight point.
const CLIENTS: usize = 4;

/// What the interleaved runs measured.
#[derive(Default)]
struct Interleaved {
    /// The median latency of one call at a time, in nanoseconds: `(raw, cxwire)`.
    sequential: Option<(f64, f64)>,
    points: Vec<Point>,
}

/// The median of some durations, in nanoseconds.
fn median(mut samples: Vec<std::time::Duration>) -> f64 {
    samples.sort_unstable();
    samples.get(samples.len() / 2).map_or(f64::NAN, |d| d.as_nanos() as f64)
}

fn bench(c: &mut Criterion) -> Interleaved {
    let addr = start_server();
    let url = format!("ws://{addr}/");

    let raw_rt = client_runtime();
    let mut raw: RawWs = raw_rt.block_on(async {
        let (ws, _) = tokio_tungstenite::connect_async(url.as_str()).await.expect("raw connect");
        ws
    });
    let mut raw_id = 0u64;

    let cx_rt = client_runtime();
    let session = cx_rt.block_on(async {
        let options = ConnectOptions { reconnect: ReconnectPolicy::never(), ..ConnectOptions::default() };
        connect_with(&url, options).await.expect("cxwire connect")
    });
    // The raw client's socket options: Nagle's algorithm on.
    let same_options = cx_rt.block_on(async {
        let websocket = WsSettings { nodelay: false, ..WsSettings::default() };
        let options = ConnectOptions { websocket, reconnect: ReconnectPolicy::never(), ..ConnectOptions::default() };
        connect_with(&url, options).await.expect("cxwire connect")
    });

    let mut group = c.benchmark_group("sequential");
    group.throughput(Throughput::Elements(1));
    group.bench_function("raw", |b| b.iter(|| raw_rt.block_on(raw_sequential(&mut raw, &mut raw_id))));
    group.bench_function("cxwire", |b| {
        b.iter(|| cx_rt.block_on(async { black_box(session.system().is_frame_leading().await.expect("call")) }))
    });
    group.finish();

    for &(in_flight, calls) in CURVE {
        let mut group = c.benchmark_group(format!("pipelined{in_flight}"));
        group.throughput(Throughput::Elements(calls));
        group.sample_size(20);
        // An iteration is many calls: the same number of iterations per sample keeps the run short.
        group.sampling_mode(SamplingMode::Flat);
        group.bench_function("raw", |b| {
            b.iter(|| raw_rt.block_on(raw_pipelined(&mut raw, &mut raw_id, in_flight, calls)))
        });
        group.bench_function("cxwire", |b| b.iter(|| cx_rt.block_on(cxwire_callers(&session, in_flight, calls))));
        group.finish();
    }

    // The interleaved comparisons the filter selects.
    let mut interleaved = Interleaved::default();
    let Some(filter) = run_filter() else { return interleaved };
    let budget = std::time::Duration::from_secs(if std::env::var_os("CXWIRE_BENCH_QUICK").is_some() { 2 } else { 6 });
    if filter.is_empty() || "sequential/raw sequential/cxwire".contains(filter.as_str()) {
        // Blocks of 50 calls by each client in turn, every call timed (at least 20 blocks each).
        let (mut raw_samples, mut cx_samples) = (Vec::new(), Vec::new());
        let started = std::time::Instant::now();
        let mut block = 0u32;
        while block < 40 || started.elapsed() < budget {
            for _ in 0..50 {
                let t = std::time::Instant::now();
                if block.is_multiple_of(2) {
                    raw_rt.block_on(raw_sequential(&mut raw, &mut raw_id));
                    raw_samples.push(t.elapsed());
                } else {
                    black_box(cx_rt.block_on(session.system().is_frame_leading()).expect("call"));
                    cx_samples.push(t.elapsed());
                }
            }
            block += 1;
        }
        interleaved.sequential = Some((median(raw_samples), median(cx_samples)));
    }
    for &(in_flight, calls) in CURVE {
        let group = format!("pipelined{in_flight}");
        if !filter.is_empty() && !format!("{group}/raw {group}/cxwire").contains(filter.as_str()) {
            continue;
        }
        // Warm each up once, then take turns until the budget is spent (at least 12 rounds);
        // the client that starts a round rotates.
        let mut rounds_times: Vec<[f64; CLIENTS]> = Vec::new();
        let mut run = |which: usize| {
            let t = std::time::Instant::now();
            match which {
                0 => raw_rt.block_on(raw_pipelined(&mut raw, &mut raw_id, in_flight, calls)),
                1 => cx_rt.block_on(cxwire_callers(&session, in_flight, calls)),
                2 => cx_rt.block_on(cxwire_callers(&same_options, in_flight, calls)),
                _ => cx_rt.block_on(cxwire_one_task(&session, in_flight, calls)),
            }
            t.elapsed()
        };
        for which in 0..CLIENTS {
            run(which);
        }
        let started = std::time::Instant::now();
        let mut rounds = 0u32;
        while rounds < 12 || started.elapsed() < budget {
            let mut times = [0f64; CLIENTS];
            for k in 0..CLIENTS {
                let which = (rounds as usize + k) % CLIENTS;
                times[which] = run(which).as_nanos() as f64;
            }
            rounds_times.push(times);
            rounds += 1;
        }
        let median_of = |value: &dyn Fn(&[f64; CLIENTS]) -> f64| {
            let mut values: Vec<f64> = rounds_times.iter().map(value).collect();
            values.sort_unstable_by(f64::total_cmp);
            values[values.len() / 2]
        };
        interleaved.points.push(Point {
            in_flight,
            calls,
            times: std::array::from_fn(|c| median_of(&|t| t[c])),
            ratios: std::array::from_fn(|c| median_of(&|t| t[0] / t[c + 1])),
        });
    }
    interleaved
}

/// The filter criterion runs with (`Some("")` for none); `None` when it only profiles or lists.
fn run_filter() -> Option<String> {
    /// Criterion's options that take a value.
    const WITH_VALUE: &[&str] = &[
        "--warm-up-time",
        "--measurement-time",
        "--sample-size",
        "--nresamples",
        "--noise-threshold",
        "--confidence-level",
        "--significance-level",
        "--save-baseline",
        "--baseline",
        "--baseline-lenient",
        "--load-baseline",
        "--output-format",
        "--plotting-backend",
        "--color",
        "-c",
        "-s",
        "-b",
        "--format",
    ];
    let mut args = std::env::args().skip(1);
    let mut filter = String::new();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--profile-time" | "--list" | "--test" => return None,
            a if WITH_VALUE.contains(&a) => {
                args.next();
            }
            a if a.starts_with('-') => {}
            a => filter = a.to_owned(),
        }
    }
    Some(filter)
}

fn criterion_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"))
        .join("criterion")
}

fn estimate(group: &str, function: &str, stat: &str) -> Option<f64> {
    let path = criterion_dir().join(group).join(function).join("new/estimates.json");
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()?;
    v[stat]["point_estimate"].as_f64()
}

fn main() {
    let mut criterion = Criterion::default().configure_from_args();
    let interleaved = bench(&mut criterion);
    criterion.final_summary();
    println!();
    if let (Some(raw), Some(cx)) = (estimate("sequential", "raw", "median"), estimate("sequential", "cxwire", "median"))
    {
        println!(
            "sequential median latency, criterion (each measured apart): raw {:.1} us, cxwire {:.1} us, cxwire/raw {:.3}",
            raw / 1e3,
            cx / 1e3,
            cx / raw
        );
    }
    if let Some((raw, cx)) = interleaved.sequential {
        println!(
            "sequential median latency, interleaved: raw {:.1} us, cxwire {:.1} us, cxwire/raw {:.3} (target <= 1.10)",
            raw / 1e3,
            cx / 1e3,
            cx / raw
        );
        println!(
            "bench-result: {}",
            serde_json::json!({
                "what": "one call at a time, median latency (cxwire/raw tokio-tungstenite)",
                "cxwire": format!("{:.1} us", cx / 1e3), "baseline": format!("{:.1} us", raw / 1e3),
                "ratio": cx / raw, "op": "<=", "target": 1.10,
            })
        );
    }
    for &Point { in_flight, calls, times: [raw, default, same_options, one_task], ratios } in &interleaved.points {
        let group = format!("pipelined{in_flight}");
        let per_s = |ns: f64| calls as f64 / (ns / 1e9);
        if let (Some(raw), Some(cx)) = (estimate(&group, "raw", "mean"), estimate(&group, "cxwire", "mean")) {
            println!(
                "pipelined ({in_flight} in flight), criterion (each measured apart): raw {:.0}/s, cxwire {:.0}/s, cxwire/raw {:.3}",
                per_s(raw),
                per_s(cx),
                raw / cx
            );
        }
        println!(
            "pipelined ({in_flight} in flight) throughput, interleaved (medians of rounds): raw {:.0}/s; cxwire {:.0}/s ({:.3}); with Nagle on {:.0}/s ({:.3}); from one task {:.0}/s ({:.3})",
            per_s(raw),
            per_s(default),
            ratios[0],
            per_s(same_options),
            ratios[1],
            per_s(one_task),
            ratios[2]
        );
        let (op, target) = if in_flight == TARGET_IN_FLIGHT { (">=", Some(0.95)) } else { ("report", None) };
        let rows = [
            (
                format!(
                    "{in_flight} calls in flight ({in_flight} caller tasks), throughput (cxwire/raw tokio-tungstenite)"
                ),
                default,
                ratios[0],
                op,
                target,
            ),
            (
                format!("{in_flight} calls in flight, the raw client's socket options (Nagle on), report"),
                same_options,
                ratios[1],
                "report",
                None,
            ),
            (
                format!("{in_flight} calls in flight from one task (FuturesUnordered), report"),
                one_task,
                ratios[2],
                "report",
                None,
            ),
        ];
        for (what, cx, ratio, op, target) in rows {
            println!(
                "bench-result: {}",
                serde_json::json!({
                    "what": what,
                    "cxwire": format!("{:.0}/s", per_s(cx)), "baseline": format!("{:.0}/s", per_s(raw)),
                    "ratio": ratio, "op": op, "target": target,
                })
            );
        }
    }
}
