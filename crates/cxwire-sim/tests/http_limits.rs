//! The HTTP simulator's limits against hostile clients, on 127.0.0.1: stored callbacks and their
//! attached data, request bodies with and without `Content-Length`, and clients that never finish
//! their request. Each test asserts the bound it relies on and runs under a real-time limit.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeZone, Utc};
use cxwire_http::model::http::engagement_v3::CreateRequest;
use cxwire_http::model::http::gms_v1::{CallbackState, RescheduleRequest, ScheduleRequest};
use cxwire_http::{EngagementV3Client, Error, GmsV1Client};
use cxwire_sim::http::{
    DEFAULT_API_KEY, DEFAULT_MAX_STORED_CALLBACKS, DEFAULT_MAX_STORED_DATA_BYTES, DEFAULT_READ_TIMEOUT_MS,
    DEFAULT_WRITE_TIMEOUT_MS, HttpSim, HttpSimConfig, HttpSimHandle, ManualClock,
};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const UNAVAILABLE_EXCEPTION: &str = "com.genesyslab.gms.exceptions.ServiceUnavailableException";

/// 2026-11-23 is a Monday; the clock starts at 07:00 UTC, before the default office hours.
fn monday(h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, h, m, 0).unwrap()
}

fn iso(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

async fn start(config: HttpSimConfig) -> HttpSimHandle {
    HttpSim::start("127.0.0.1:0".parse().unwrap(), config, ManualClock::new(monday(7, 0))).await.unwrap()
}

fn gms(sim: &HttpSimHandle) -> GmsV1Client {
    GmsV1Client::builder(sim.gms_base_url()).timeout(Duration::from_secs(10)).build().unwrap()
}

fn asap(number: &str, data: BTreeMap<String, Value>) -> ScheduleRequest {
    ScheduleRequest { customer_number: number.into(), attached_data: data, ..Default::default() }
}

fn notes(bytes: usize) -> BTreeMap<String, Value> {
    BTreeMap::from([("notes".to_owned(), Value::String("x".repeat(bytes)))])
}

/// Runs a test body with a real-time limit.
async fn limit<F: Future>(future: F) -> F::Output {
    tokio::time::timeout(Duration::from_secs(30), future).await.expect("test took more than 30 s")
}

#[test]
fn the_limits_have_documented_defaults_and_are_read_from_json() {
    let config = HttpSimConfig::default();
    assert_eq!(config.max_stored_callbacks, DEFAULT_MAX_STORED_CALLBACKS);
    assert_eq!(DEFAULT_MAX_STORED_CALLBACKS, 10_000);
    assert_eq!(config.max_stored_data_bytes, DEFAULT_MAX_STORED_DATA_BYTES);
    assert_eq!(config.read_timeout_ms, DEFAULT_READ_TIMEOUT_MS);
    assert_eq!(config.max_body_bytes, 64 * 1024);
    let config: HttpSimConfig = serde_json::from_value(json!({
        "maxStoredCallbacks": 5, "maxStoredDataBytes": 1000, "readTimeoutMs": 250, "maxBodyBytes": 4096
    }))
    .unwrap();
    assert_eq!(
        (config.max_stored_callbacks, config.max_stored_data_bytes, config.read_timeout_ms, config.max_body_bytes),
        (5, 1000, 250, 4096)
    );
    assert_eq!(HttpSimConfig::default().write_timeout_ms, DEFAULT_WRITE_TIMEOUT_MS);
    for bad in [json!({"maxStoredCallbacks": 0}), json!({"readTimeoutMs": 0}), json!({"writeTimeoutMs": 0})] {
        let config: HttpSimConfig = serde_json::from_value(bad.clone()).unwrap();
        assert!(config.validate().is_err(), "{bad}");
    }
}

#[tokio::test]
async fn a_full_store_answers_503_and_forgets_the_oldest_completed_callbacks_first() {
    limit(async {
        let sim = start(HttpSimConfig { max_stored_callbacks: 5, ..Default::default() }).await;
        let gms = gms(&sim);
        let mut ids = Vec::new();
        for i in 0..5 {
            ids.push(gms.schedule("samples", &asap(&format!("+1415555010{i}"), BTreeMap::new())).await.unwrap().id);
        }
        // Full of active callbacks: refused, in the GMS error shape, and nothing is stored.
        let error = gms.schedule("samples", &asap("+14155550199", BTreeMap::new())).await.unwrap_err();
        let Error::ServiceUnavailable(failure) = &error else { panic!("{error:?}") };
        assert_eq!(failure.exception(), Some(UNAVAILABLE_EXCEPTION));
        assert!(failure.message().unwrap().contains("maxStoredCallbacks"), "{failure:?}");
        assert_eq!(sim.state().callbacks().len(), 5);

        // The same over v3.
        let v3 = EngagementV3Client::new(sim.engagement_base_url(), DEFAULT_API_KEY).unwrap();
        let body =
            CreateRequest { service_name: "samples".into(), phone_number: "+14155550198".into(), ..Default::default() };
        let error = v3.create(&body).await.unwrap_err();
        assert!(matches!(&error, Error::ServiceUnavailable(f) if f.v3_status.is_some()), "{error:?}");
        assert!(error.to_string().contains("maxStoredCallbacks"), "{error}");

        // Once one is cancelled (completed), a new one takes its place.
        let cancelled = ids[1].clone().unwrap();
        gms.cancel("samples", &cancelled).await.unwrap();
        let new = gms.schedule("samples", &asap("+14155550199", BTreeMap::new())).await.unwrap();
        let stored = sim.state().callbacks();
        assert_eq!(stored.len(), 5);
        assert!(sim.state().callback(&cancelled).is_none(), "the completed callback was forgotten");
        assert!(stored.iter().all(|c| c.state != CallbackState::Completed));
        assert_eq!(stored.last().unwrap().id, new.id.unwrap());
        // Every remaining id is still found (the index follows the removal).
        for callback in &stored {
            assert_eq!(gms.query_by_id(&callback.id).await.unwrap().len(), 1);
        }
    })
    .await;
}

#[tokio::test]
async fn stored_attached_data_is_bounded_on_create_and_on_reschedule() {
    limit(async {
        let sim = start(HttpSimConfig { max_stored_data_bytes: 1000, ..Default::default() }).await;
        let gms = gms(&sim);
        gms.schedule("samples", &asap("+14155550100", notes(600))).await.unwrap();
        let error = gms.schedule("samples", &asap("+14155550101", notes(600))).await.unwrap_err();
        assert!(
            matches!(&error, Error::ServiceUnavailable(f) if f.message().unwrap().contains("maxStoredDataBytes")),
            "{error:?}"
        );
        assert_eq!(sim.state().callbacks().len(), 1);

        // A reschedule that merges more data than fits is refused and changes nothing.
        let scheduled = ScheduleRequest {
            customer_number: "+14155550102".into(),
            desired_time: Some(iso(monday(9, 0))),
            ..Default::default()
        };
        let id = gms.schedule("samples", &scheduled).await.unwrap().id.unwrap();
        let more = RescheduleRequest {
            new_desired_time: iso(monday(9, 15)),
            attached_data: BTreeMap::from([("more".to_owned(), Value::String("y".repeat(600)))]),
            ..Default::default()
        };
        let error = gms.reschedule("samples", &id, &more).await.unwrap_err();
        assert!(matches!(&error, Error::ServiceUnavailable(_)), "{error:?}");
        let kept = sim.state().callback(&id).unwrap();
        assert_eq!(kept.desired_time, monday(9, 0));
        assert!(!kept.attached_data.contains_key("more"));
    })
    .await;
}

/// Reads until the server closes the connection (or resets it), at most `bound`.
async fn read_to_close(stream: &mut TcpStream, bound: Duration) -> Vec<u8> {
    let read = async {
        let mut received = Vec::new();
        let mut buf = [0_u8; 4096];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return received,
                Ok(n) => received.extend_from_slice(&buf[..n]),
            }
        }
    };
    tokio::time::timeout(bound, read).await.expect("the server kept the connection open")
}

#[tokio::test]
async fn a_body_over_the_limit_gets_413_with_or_without_content_length() {
    limit(async {
        let sim = start(HttpSimConfig { max_body_bytes: 1024, ..Default::default() }).await;
        let url = format!("{}/callback/samples", sim.gms_base_url());
        let answer = reqwest::Client::new()
            .post(&url)
            .json(&json!({"_customer_number": "+14155550100", "notes": "x".repeat(4096)}))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status().as_u16(), 413);
        let body: Value = answer.json().await.unwrap();
        assert!(body["message"].as_str().unwrap().contains("exceeds 1024 bytes"), "{body}");

        // Chunked, without Content-Length, streaming forever: answered 413, and the server
        // stops reading (1 MiB past the limit at most, plus the socket buffers).
        let stream = TcpStream::connect(sim.local_addr()).await.unwrap();
        let (mut reader, mut writer) = stream.into_split();
        let written = Arc::new(AtomicU64::new(0));
        let counter = written.clone();
        let flood = tokio::spawn(async move {
            let head = "POST /genesys/1/service/callback/samples HTTP/1.1\r\nhost: sim\r\n\
                        content-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n";
            writer.write_all(head.as_bytes()).await?;
            let chunk = format!("4000\r\n{}\r\n", " ".repeat(0x4000));
            loop {
                writer.write_all(chunk.as_bytes()).await?;
                counter.fetch_add(0x4000, Ordering::SeqCst);
            }
            #[allow(unreachable_code)]
            Ok::<(), std::io::Error>(())
        });
        let started = Instant::now();
        let mut received = Vec::new();
        let read = async {
            let mut buf = [0_u8; 4096];
            loop {
                match reader.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => received.extend_from_slice(&buf[..n]),
                }
            }
        };
        tokio::time::timeout(Duration::from_secs(10), read).await.expect("the server kept the connection open");
        let text = String::from_utf8_lossy(&received);
        assert!(text.starts_with("HTTP/1.1 413"), "{text}");
        assert!(text.contains("exceeds 1024 bytes"), "{text}");
        let ended = tokio::time::timeout(Duration::from_secs(10), flood).await.expect("still writing").unwrap();
        assert!(ended.is_err(), "the server hung up on the writer");
        assert!(started.elapsed() < Duration::from_secs(10));
        let total = written.load(Ordering::SeqCst);
        assert!(total < 32 * 1024 * 1024, "the client got {total} bytes in");
        assert!(sim.state().callbacks().is_empty());
    })
    .await;
}

#[tokio::test]
async fn clients_that_never_finish_their_request_are_cut_off() {
    limit(async {
        let timeout = Duration::from_millis(300);
        let sim = start(HttpSimConfig { read_timeout_ms: 300, ..Default::default() }).await;

        // Nothing at all after connecting.
        let started = Instant::now();
        let mut silent = TcpStream::connect(sim.local_addr()).await.unwrap();
        read_to_close(&mut silent, Duration::from_secs(5)).await;
        assert!(started.elapsed() >= timeout, "{:?}", started.elapsed());

        // Headers that never end (slowloris).
        let started = Instant::now();
        let mut slow = TcpStream::connect(sim.local_addr()).await.unwrap();
        slow.write_all(b"POST /genesys/1/service/callback/samples HTTP/1.1\r\nhost: sim\r\nx-a: 1\r\n").await.unwrap();
        let received = read_to_close(&mut slow, Duration::from_secs(5)).await;
        assert!(started.elapsed() >= timeout, "{:?}", started.elapsed());
        assert!(received.is_empty() || received.starts_with(b"HTTP/1.1 408"), "{received:?}");

        // A body that stops midway: 408 in the GMS shape.
        let started = Instant::now();
        let mut stalled = TcpStream::connect(sim.local_addr()).await.unwrap();
        stalled
            .write_all(
                b"POST /genesys/1/service/callback/samples HTTP/1.1\r\nhost: sim\r\n\
                  content-type: application/json\r\ncontent-length: 100\r\n\r\n{\"_customer",
            )
            .await
            .unwrap();
        let received = read_to_close(&mut stalled, Duration::from_secs(5)).await;
        let text = String::from_utf8_lossy(&received);
        assert!(text.starts_with("HTTP/1.1 408"), "{text}");
        assert!(text.contains("not received in time"), "{text}");
        assert!(started.elapsed() >= timeout, "{:?}", started.elapsed());

        // An idle keep-alive connection after a complete exchange.
        let mut idle = TcpStream::connect(sim.local_addr()).await.unwrap();
        idle.write_all(b"GET /genesys/1/service/callback?_id=x HTTP/1.1\r\nhost: sim\r\n\r\n").await.unwrap();
        let received = read_to_close(&mut idle, Duration::from_secs(5)).await;
        assert!(received.starts_with(b"HTTP/1.1 200"), "{}", String::from_utf8_lossy(&received));
    })
    .await;
}

#[tokio::test]
async fn a_client_that_does_not_read_its_answers_is_disconnected() {
    limit(async {
        let sim = start(HttpSimConfig { write_timeout_ms: 300, ..Default::default() }).await;
        let url = format!("{}/callback/samples/availability?number-of-days=31", sim.gms_base_url());
        let one = reqwest::get(&url).await.unwrap();
        assert_eq!(one.status().as_u16(), 200, "a client that reads gets its answer");
        assert!(one.bytes().await.unwrap().len() > 10_000, "answers of tens of kB");
        let stream = TcpStream::connect(sim.local_addr()).await.unwrap();
        let (mut reader, mut writer) = stream.into_split();
        // 2,000 pipelined availability requests of a month (tens of kB each): far more answer
        // bytes than the socket buffers of both sides hold.
        let request =
            "GET /genesys/1/service/callback/samples/availability?number-of-days=31 HTTP/1.1\r\nhost: sim\r\n\r\n";
        let requests = 2000;
        let writer = tokio::spawn(async move {
            for _ in 0..requests {
                if writer.write_all(request.as_bytes()).await.is_err() {
                    return;
                }
            }
            // Keep the write half open: the client is slow, not gone.
            std::future::pending::<()>().await;
        });
        // The client does not read for a while: the scenario under test, not a wait for a race.
        tokio::time::sleep(Duration::from_millis(1500)).await;
        let started = Instant::now();
        let mut received = Vec::new();
        let read = async {
            let mut buf = [0_u8; 64 * 1024];
            loop {
                match reader.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => received.extend_from_slice(&buf[..n]),
                }
            }
        };
        tokio::time::timeout(Duration::from_secs(5), read).await.expect("the server kept the connection open");
        writer.abort();
        // What was read before the close (a reset may discard it) is answers to these requests.
        assert!(
            received.is_empty() || received.starts_with(b"HTTP/1.1 200"),
            "{}",
            String::from_utf8_lossy(&received[..received.len().min(40)])
        );
        let answers = received.windows(12).filter(|w| w == b"HTTP/1.1 200").count();
        assert!(answers < requests, "the server gave up before answering all {requests}: {answers}");
        assert!(started.elapsed() < Duration::from_secs(5));
    })
    .await;
}
