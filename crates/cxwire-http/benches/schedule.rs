//! `CallbackService::schedule` vs raw reqwest posting the same body, against a local keep-alive
//! HTTP/1.1 server (127.0.0.1), side by side in one run.
//!
//! `cargo bench -p cxwire-http --bench schedule` prints, after criterion's report, the ratio
//! `throughput cxwire / throughput raw` = `raw time / cxwire time` (target: at least 0.95).
//!
//! The ratio comes from an interleaved run after criterion's: blocks of 100 requests by each
//! client in turn (the first alternating), timed side by side; each pair of blocks gives a
//! ratio, and the median of those is the result (a load spike spoils a pair, not the run). Criterion times one function for
//! seconds before the other, and on a shared machine the load changes within seconds: its
//! per-function figures are printed too. `CXWIRE_BENCH_QUICK=1` runs the interleaved part
//! shorter.
#![allow(clippy::unwrap_used, clippy::expect_used)] // bench set-up: a failure is a failed run

use std::hint::black_box;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use criterion::{Criterion, criterion_group};
use cxwire_http::CallbackService;
use cxwire_model::http::gms_v1::ScheduleRequest;
use cxwire_model::widgets::{CallbackConfig, ScheduleOptions};
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use serde_json::Value;

const ANSWER: &str = r#"{"_id":"2b3f8c0e6f7a4c1d9e5b8a7d6c4f3e21","_action":"ConfirmationDialog","_text":"Your callback has been scheduled.","_ok_title":"Ok","_dialog_id":"0"}"#;

/// A keep-alive server on its own thread that reads each body and answers the confirmation.
fn start_server() -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(async move {
                    let service = service_fn(|request: Request<Incoming>| async move {
                        let body = request.into_body().collect().await?.to_bytes();
                        black_box(body);
                        Ok::<_, hyper::Error>(
                            Response::builder()
                                .header("content-type", "application/json")
                                .body(Full::new(Bytes::from_static(ANSWER.as_bytes())))
                                .unwrap(),
                        )
                    });
                    let _ = http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
                });
            }
        });
    });
    addr
}

fn options() -> ScheduleOptions {
    ScheduleOptions {
        firstname: Some("Bob".into()),
        lastname: Some("Jones".into()),
        email: Some("b.jones@mail.com".into()),
        subject: Some("product questions".into()),
        desired_time: Some("2026-11-23T17:00:00.000Z".into()),
        phonenumber: Some("4151110000".into()),
        ..Default::default()
    }
}

fn bench(c: &mut Criterion) {
    let addr = start_server();
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let client = reqwest::Client::new();
    let url = format!("http://{addr}/genesys/1/service/callback/samples");
    let config = CallbackConfig { data_url: url.clone(), ..Default::default() };
    let service = CallbackService::builder(config).http_client(client.clone()).build().unwrap();
    let options = options();

    // The raw side posts the body cxwire sends for these options (the integration test
    // `schedule_maps_the_widget_options_to_the_v1_body` proves they are equal) and decodes the answer.
    let body: ScheduleRequest =
        serde_json::from_str(include_str!("../../../tests/fixtures/gms-v1/schedule-request/scheduled.json")).unwrap();
    let raw = || async {
        let response = client.post(&url).json(&body).send().await.unwrap();
        assert!(response.status().is_success());
        let bytes = response.bytes().await.unwrap();
        serde_json::from_slice::<Value>(&bytes).unwrap()
    };
    let scheduled = rt.block_on(service.schedule(options.clone())).unwrap();
    assert_eq!(scheduled.id.as_deref(), Some("2b3f8c0e6f7a4c1d9e5b8a7d6c4f3e21"));
    assert_eq!(rt.block_on(raw())["_id"], "2b3f8c0e6f7a4c1d9e5b8a7d6c4f3e21");

    let mut group = c.benchmark_group("schedule");
    group.throughput(criterion::Throughput::Elements(1));
    group.bench_function("cxwire", |b| b.iter(|| black_box(rt.block_on(service.schedule(options.clone())).unwrap())));
    group.bench_function("raw", |b| b.iter(|| black_box(rt.block_on(raw()))));
    group.finish();

    if !interleaved_wanted() {
        return;
    }
    let budget = std::time::Duration::from_secs(if std::env::var_os("CXWIRE_BENCH_QUICK").is_some() { 2 } else { 6 });
    // Each block pair (cxwire and raw, 100 requests each, back to back) gives one ratio; a load
    // spike on this shared machine spoils a pair, not the result: the medians are reported.
    let (mut cx_blocks, mut raw_blocks, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    let started = std::time::Instant::now();
    let mut blocks = 0u32;
    while blocks < 10 || started.elapsed() < budget {
        let mut pair = [0f64; 2];
        for side in [blocks % 2, 1 - blocks % 2] {
            let t = std::time::Instant::now();
            for _ in 0..100 {
                if side == 0 {
                    black_box(rt.block_on(service.schedule(options.clone())).unwrap());
                } else {
                    black_box(rt.block_on(raw()));
                }
            }
            pair[side as usize] = t.elapsed().as_nanos() as f64 / 100.0;
        }
        cx_blocks.push(pair[0]);
        raw_blocks.push(pair[1]);
        ratios.push(pair[1] / pair[0]);
        blocks += 1;
    }
    let _ = INTERLEAVED.set((median(cx_blocks), median(raw_blocks), median(ratios)));
}

/// The median of some values.
fn median(mut values: Vec<f64>) -> f64 {
    values.sort_unstable_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(f64::NAN)
}

/// The interleaved run's medians: nanoseconds per request of a block `(cxwire, raw)`, and the
/// ratio raw/cxwire of a pair of blocks.
static INTERLEAVED: std::sync::OnceLock<(f64, f64, f64)> = std::sync::OnceLock::new();

/// Whether criterion measures in this run (not `--list`, `--test` or `--profile-time`) with a
/// filter that selects this group.
fn interleaved_wanted() -> bool {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| matches!(a.as_str(), "--list" | "--test" | "--profile-time")) {
        return false;
    }
    // Criterion's filter is its one positional argument; options with a value are skipped.
    let mut positional = args.iter().enumerate().filter(|(i, a)| {
        !a.starts_with('-') && (*i == 0 || !args[i - 1].starts_with("--") || args[i - 1] == "--bench")
    });
    positional.all(|(_, filter)| "schedule/cxwire schedule/raw".contains(filter.as_str()))
}

criterion_group!(benches, bench);

fn criterion_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"))
        .join("criterion")
}

fn mean_ns(group: &str, function: &str) -> Option<f64> {
    let path = criterion_dir().join(group).join(function).join("new/estimates.json");
    let v: Value = serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()?;
    v["mean"]["point_estimate"].as_f64()
}

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    println!("\nratio = throughput cxwire / throughput raw reqwest = raw time / cxwire time (target >= 0.95)");
    if let (Some(cxwire), Some(raw)) = (mean_ns("schedule", "cxwire"), mean_ns("schedule", "raw")) {
        println!(
            "schedule, criterion (each measured apart): cxwire {:.1} us, raw {:.1} us, ratio {:.3}",
            cxwire / 1e3,
            raw / 1e3,
            raw / cxwire
        );
    }
    match INTERLEAVED.get() {
        Some(&(cxwire, raw, ratio)) => {
            println!(
                "schedule, interleaved (medians of blocks): cxwire {:>8.1} us ({:>6.0}/s)  raw {:>8.1} us ({:>6.0}/s)  ratio of pairs {:.3}",
                cxwire / 1e3,
                1e9 / cxwire,
                raw / 1e3,
                1e9 / raw,
                ratio
            );
            println!(
                "bench-result: {}",
                serde_json::json!({
                    "what": "CallbackService.schedule throughput (cxwire/raw reqwest)",
                    "cxwire": format!("{:.1} us", cxwire / 1e3), "baseline": format!("{:.1} us", raw / 1e3),
                    "ratio": ratio, "op": ">=", "target": 0.95,
                })
            );
        }
        _ => println!("schedule  (not measured in this run)"),
    }
}
