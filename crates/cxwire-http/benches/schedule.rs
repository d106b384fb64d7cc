//! `CallbackService::schedule` vs raw reqwest posting the same body, against a local keep-alive
//! HTTP/1.1 server (127.0.0.1), side by side in one run.
//!
//! `cargo bench -p cxwire-http --bench schedule` prints, after criterion's report, the ratio
//! `throughput cxwire / throughput raw` = `raw time / cxwire time` (target: at least 0.9).
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
    println!("\nratio = throughput cxwire / throughput raw reqwest = raw time / cxwire time (target >= 0.9)");
    match (mean_ns("schedule", "cxwire"), mean_ns("schedule", "raw")) {
        (Some(cxwire), Some(raw)) => {
            println!(
                "schedule  cxwire {:>8.1} us ({:>6.0}/s)  raw {:>8.1} us ({:>6.0}/s)  ratio {:.2}",
                cxwire / 1e3,
                1e9 / cxwire,
                raw / 1e3,
                1e9 / raw,
                raw / cxwire
            );
            println!(
                "bench-result: {}",
                serde_json::json!({
                    "what": "CallbackService.schedule throughput (cxwire/raw reqwest)",
                    "cxwire": format!("{:.1} us", cxwire / 1e3), "baseline": format!("{:.1} us", raw / 1e3),
                    "ratio": raw / cxwire, "op": ">=", "target": 0.95,
                })
            );
        }
        _ => println!("schedule  (not measured in this run)"),
    }
}
