//! Hostile peers: servers on 127.0.0.1 that never answer, answer garbage, truncate, stall or
//! dribble mid-body, redirect to another host, send a 1 GB body, or send JSON that is invalid or
//! nested too deeply. Each test asserts the bound it relies on (time, bytes) and runs under a
//! real-time limit.

use std::time::{Duration, Instant};

use cxwire_http::{
    BODY_HEAD_BYTES, CallbackEvent, CallbackService, DEFAULT_BODY_LIMIT, EngagementV3Client, Error, GmsV1Client,
    redirect_policy,
};
use cxwire_model::http::engagement_v3::CreateRequest;
use cxwire_model::http::gms_v1::ScheduleRequest;
use cxwire_model::widgets::{AvailabilityOptions, CallbackConfig};

use crate::KEY;
use crate::stub::{Raw, Reply, Stub, fixture, limit};

/// The most a flooding server may get into the sockets before the client hangs up: the limit
/// plus what the kernel buffers on both sides of a loopback connection (a few MB), far below
/// the 1 GB it tries to send.
const FLOOD_BOUND: u64 = 64 * 1024 * 1024;
const GIB: u64 = 1024 * 1024 * 1024;

fn gms(stub: &Stub, timeout: Duration) -> GmsV1Client {
    GmsV1Client::builder(stub.url("/genesys/1/service")).timeout(timeout).build().unwrap()
}

fn v3(stub: &Stub) -> EngagementV3Client {
    EngagementV3Client::new(stub.url("/engagement/v3"), KEY).unwrap()
}

fn head(status: &str, headers: &str) -> Vec<u8> {
    format!("HTTP/1.1 {status}\r\ncontent-type: application/json\r\n{headers}\r\n").into_bytes()
}

// (a) never answers after accept

#[tokio::test]
async fn a_server_that_never_answers_times_out_on_time() {
    limit(async {
        let stub = Stub::raw(Raw::Silent);
        let started = Instant::now();
        let error = gms(&stub, Duration::from_millis(300)).query_by_id("x").await.unwrap_err();
        let elapsed = started.elapsed();
        assert!(matches!(error, Error::Timeout(d) if d == Duration::from_millis(300)), "{error:?}");
        assert!(elapsed >= Duration::from_millis(300) && elapsed < Duration::from_secs(3), "{elapsed:?}");
    })
    .await;
}

// (b) garbage

#[tokio::test]
async fn garbage_instead_of_http_is_a_transport_error_not_a_timeout() {
    limit(async {
        let stub = Stub::raw(Raw::Close(b"SSH-2.0-OpenSSH_9.6\r\n\x00\x01\x02 not http\r\n\r\n".to_vec()));
        let started = Instant::now();
        let error = gms(&stub, Duration::from_secs(10)).query_by_id("x").await.unwrap_err();
        assert!(matches!(error, Error::Transport(_)), "{error:?}");
        assert!(!error.is_timeout());
        assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
    })
    .await;
}

// (c) truncated body

#[tokio::test]
async fn a_truncated_body_is_a_transport_error_never_a_partial_answer() {
    limit(async {
        let mut bytes = head("200 OK", "content-length: 1000\r\n");
        bytes.extend_from_slice(br#"[{"_id": "abc", "_callback_state": "#);
        let stub = Stub::raw(Raw::Close(bytes));
        let started = Instant::now();
        let error = gms(&stub, Duration::from_secs(10)).query_by_id("abc").await.unwrap_err();
        assert!(matches!(error, Error::Transport(_)), "{error:?}");
        assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
    })
    .await;
}

// (d) headers, then a stall or a dribble mid-body: the timeout covers the whole body

#[tokio::test]
async fn a_body_that_stalls_midway_times_out_on_time() {
    limit(async {
        let mut bytes = head("200 OK", "content-length: 1000\r\n");
        bytes.extend_from_slice(b"[   ");
        let stub = Stub::raw(Raw::Stall(bytes));
        let started = Instant::now();
        let error = gms(&stub, Duration::from_millis(300)).query_by_id("x").await.unwrap_err();
        let elapsed = started.elapsed();
        assert!(matches!(error, Error::Timeout(_)), "{error:?}");
        assert!(elapsed >= Duration::from_millis(300) && elapsed < Duration::from_secs(3), "{elapsed:?}");
    })
    .await;
}

#[tokio::test]
async fn a_body_dribbled_forever_times_out_on_time() {
    limit(async {
        // One byte every 10 ms, forever: each read makes progress, only a deadline on the whole
        // body ends it.
        let stub = Stub::raw(Raw::Dribble {
            head: head("200 OK", "transfer-encoding: chunked\r\n"),
            every: Duration::from_millis(10),
        });
        let started = Instant::now();
        let error = gms(&stub, Duration::from_millis(400)).query_by_id("x").await.unwrap_err();
        let elapsed = started.elapsed();
        assert!(matches!(error, Error::Timeout(_)), "{error:?}");
        assert!(elapsed >= Duration::from_millis(400) && elapsed < Duration::from_secs(3), "{elapsed:?}");
        assert!(stub.written() > 0, "the body did start");
    })
    .await;
}

// (e) redirects

/// A stub that redirects every request with `status` to the same path on `target`.
fn redirecting(status: u16, target: &Stub) -> Stub {
    let base = target.url("");
    Stub::start(move |r| Reply::empty(status).header("location", &format!("{base}{}", r.path)))
}

#[tokio::test]
async fn redirects_to_another_host_are_refused_and_the_key_stays_home() {
    limit(async {
        for status in [301, 302, 303, 307, 308] {
            let elsewhere = Stub::always(Reply::fixture(200, "engagement-v3/retrieve-response/queued.json"));
            let stub = redirecting(status, &elsewhere);
            let error = v3(&stub).retrieve("abc").await.unwrap_err();
            let target = elsewhere.url("/engagement/v3/callbacks/retrieve");
            assert!(
                matches!(&error, Error::RedirectRefused { target: t, followed: false } if *t == target),
                "{status}: {error:?}"
            );
            assert_eq!(error.to_string(), format!("refused a redirect to another origin: {target}"));
            assert!(elsewhere.requests().is_empty(), "{status}: the other host got {:?}", elsewhere.requests());
            assert_eq!(stub.requests().len(), 1);
        }
        // The same for GMS v1 (and a POST that creates something).
        let elsewhere = Stub::always(Reply::fixture(200, "gms-v1/schedule-response/confirmation-dialog.json"));
        let stub = redirecting(307, &elsewhere);
        let body = ScheduleRequest { customer_number: "+14155550123".into(), ..Default::default() };
        let error = gms(&stub, Duration::from_secs(5)).schedule("samples", &body).await.unwrap_err();
        assert!(matches!(error, Error::RedirectRefused { .. }), "{error:?}");
        assert!(elsewhere.requests().is_empty());
    })
    .await;
}

#[tokio::test]
async fn redirects_to_the_same_origin_are_followed_with_the_key() {
    limit(async {
        for status in [302, 307] {
            let stub = Stub::start(move |r| match r.path.as_str() {
                "/engagement/v3/callbacks/create" => {
                    Reply::empty(status).header("location", "/moved/engagement/v3/callbacks/create")
                }
                _ => Reply::fixture(200, "engagement-v3/create-response/ok.json"),
            });
            let body: CreateRequest =
                serde_json::from_value(fixture("engagement-v3/create-request/scheduled.json")).unwrap();
            let answer = v3(&stub).create(&body).await.unwrap();
            assert!(answer.data.is_some(), "{answer:?}");
            let requests = stub.requests();
            assert_eq!(requests.len(), 2, "{requests:#?}");
            assert_eq!(requests[1].path, "/moved/engagement/v3/callbacks/create");
            assert_eq!(requests[1].headers.get("x-api-key").map(String::as_str), Some(KEY));
            if status == 307 {
                // 307 keeps the method and the body; 302 turns a POST into a GET.
                assert_eq!(requests[1].method, "POST");
                assert_eq!(requests[1].json(), fixture("engagement-v3/create-request/scheduled.json"));
            }
        }
    })
    .await;
}

#[tokio::test]
async fn redirect_loops_on_the_same_host_end() {
    limit(async {
        let stub = Stub::start(|r| Reply::empty(302).header("location", &format!("{}x", r.path)));
        let error = v3(&stub).retrieve("abc").await.unwrap_err();
        assert!(matches!(error, Error::Transport(_)), "{error:?}");
        assert_eq!(stub.requests().len(), 11, "the first request and 10 redirects");
    })
    .await;
}

#[tokio::test]
async fn a_caller_supplied_client_is_covered_by_redirect_policy_or_caught_after_the_fact() {
    limit(async {
        // Built with `redirect_policy`: refused before the other host is reached.
        let elsewhere = Stub::always(Reply::fixture(200, "engagement-v3/retrieve-response/queued.json"));
        let stub = redirecting(307, &elsewhere);
        let client = reqwest::Client::builder().redirect(redirect_policy()).build().unwrap();
        let v3 = EngagementV3Client::builder(stub.url("/engagement/v3"), KEY).http_client(client).build().unwrap();
        let error = v3.retrieve("abc").await.unwrap_err();
        assert!(matches!(error, Error::RedirectRefused { followed: false, .. }), "{error:?}");
        assert!(elsewhere.requests().is_empty());

        // A plain reqwest client follows the redirect itself (and, as reqwest strips only the
        // standard credentials, sends the key along): the answer is refused all the same, and
        // the error says the redirect was followed.
        let elsewhere = Stub::always(Reply::fixture(200, "engagement-v3/retrieve-response/queued.json"));
        let stub = redirecting(307, &elsewhere);
        let v3 = EngagementV3Client::builder(stub.url("/engagement/v3"), KEY)
            .http_client(reqwest::Client::new())
            .build()
            .unwrap();
        let error = v3.retrieve("abc").await.unwrap_err();
        assert!(matches!(error, Error::RedirectRefused { followed: true, .. }), "{error:?}");
        assert!(error.to_string().contains("redirect_policy"), "{error}");
        assert_eq!(elsewhere.only_request().headers.get("x-api-key").map(String::as_str), Some(KEY));
    })
    .await;
}

// (f) a 1 GB body

#[tokio::test]
async fn a_1_gb_body_announced_by_content_length_is_refused_before_reading() {
    limit(async {
        let stub = Stub::raw(Raw::Flood {
            head: head("200 OK", &format!("content-length: {GIB}\r\n")),
            total: GIB,
            chunked: false,
        });
        let started = Instant::now();
        let error = gms(&stub, Duration::from_secs(10)).query_by_id("x").await.unwrap_err();
        let elapsed = started.elapsed();
        match &error {
            Error::BodyTooLarge { status: 200, limit, declared: Some(declared), head } => {
                assert_eq!(*limit, DEFAULT_BODY_LIMIT);
                assert_eq!(*declared, GIB);
                assert!(head.is_empty(), "a 2xx body announced too large is not read");
            }
            other => panic!("expected BodyTooLarge, got {other}"),
        }
        assert_eq!(error.status(), Some(200));
        assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");
        settle(&stub).await;
        assert!(stub.written() < FLOOD_BOUND, "the server wrote {} bytes", stub.written());
    })
    .await;
}

#[tokio::test]
async fn a_1_gb_chunked_body_is_cut_at_the_limit() {
    limit(async {
        let stub =
            Stub::raw(Raw::Flood { head: head("200 OK", "transfer-encoding: chunked\r\n"), total: GIB, chunked: true });
        let started = Instant::now();
        let error = gms(&stub, Duration::from_secs(10)).query_by_id("x").await.unwrap_err();
        let elapsed = started.elapsed();
        match &error {
            Error::BodyTooLarge { status: 200, limit, declared: None, head } => {
                assert_eq!(*limit, DEFAULT_BODY_LIMIT);
                assert_eq!(head.len(), BODY_HEAD_BYTES);
            }
            other => panic!("expected BodyTooLarge, got {other}"),
        }
        assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");
        settle(&stub).await;
        assert!(stub.written() >= DEFAULT_BODY_LIMIT as u64, "the client read up to the limit");
        assert!(stub.written() < FLOOD_BOUND, "the server wrote {} bytes", stub.written());
    })
    .await;
}

#[tokio::test]
async fn a_1_gb_error_body_keeps_its_first_bytes_for_the_message() {
    limit(async {
        let mut first = br#"{"exception": "java.lang.OutOfMemoryError", "message": "#.to_vec();
        let head_bytes = {
            let mut h = head("500 Internal Server Error", &format!("content-length: {GIB}\r\n"));
            h.append(&mut first);
            h
        };
        let stub = Stub::raw(Raw::Flood { head: head_bytes, total: GIB, chunked: false });
        let error = gms(&stub, Duration::from_secs(10)).query_by_id("x").await.unwrap_err();
        match &error {
            Error::BodyTooLarge { status: 500, declared: Some(_), head, .. } => {
                assert!(head.starts_with(r#"{"exception": "java.lang.OutOfMemoryError""#), "{head:.80}");
                assert_eq!(head.len(), BODY_HEAD_BYTES);
            }
            other => panic!("expected BodyTooLarge, got {other}"),
        }
        assert_eq!(error.status(), Some(500));
        settle(&stub).await;
        assert!(stub.written() < FLOOD_BOUND, "the server wrote {} bytes", stub.written());
    })
    .await;
}

#[tokio::test]
async fn the_body_limit_is_configurable_and_exact() {
    limit(async {
        let limit = 300;
        let padded = |n: usize| format!("[{}]", " ".repeat(n - 2));
        let stub = Stub::sequence(vec![Reply::json(200, padded(limit)), Reply::json(200, padded(limit + 1))]);
        let client = GmsV1Client::builder(stub.url("/genesys/1/service")).body_limit(limit).build().unwrap();
        assert_eq!(client.body_limit(), limit);
        assert!(client.query_by_id("x").await.unwrap().is_empty(), "exactly the limit is read");
        let error = client.query_by_id("x").await.unwrap_err();
        assert!(
            matches!(error, Error::BodyTooLarge { limit: 300, declared: Some(301), .. }),
            "one byte more is refused: {error:?}"
        );
        assert!(matches!(GmsV1Client::builder(stub.url("/")).body_limit(0).build(), Err(Error::Config(_))));

        // The services take it too, and publish the error.
        let stub = Stub::always(Reply::json(200, padded(2000)));
        let config = CallbackConfig { data_url: stub.url("/genesys/1/service/callback/samples"), ..Default::default() };
        let service = CallbackService::builder(config).body_limit(1000).build().unwrap();
        let mut events = service.subscribe();
        let options = AvailabilityOptions { start_date: Some("2026-11-23T17:00:00.000Z".into()), ..Default::default() };
        let error = service.availability(options).await.unwrap_err();
        assert!(matches!(error, Error::BodyTooLarge { limit: 1000, .. }), "{error:?}");
        events.recv().await.unwrap();
        assert_eq!(events.recv().await.unwrap(), CallbackEvent::AvailabilityError(error));
    })
    .await;
}

// (g) invalid JSON in a 200

#[tokio::test]
async fn invalid_json_in_a_200_is_a_decode_error_keeping_the_body() {
    limit(async {
        let stub = Stub::always(Reply::json(200, "[{\"_id\": \"abc\",, }"));
        let error = gms(&stub, Duration::from_secs(5)).query_by_id("abc").await.unwrap_err();
        match &error {
            Error::Decode { status: 200, body, .. } => assert_eq!(body, "[{\"_id\": \"abc\",, }"),
            other => panic!("expected Decode, got {other:?}"),
        }
    })
    .await;
}

// (h) deep nesting under the limit

#[tokio::test]
async fn deeply_nested_json_is_a_decode_error_not_a_stack_overflow() {
    limit(async {
        let depth = 200_000;
        // A record whose attached data (kept as JSON values) nests 200,000 arrays deep.
        let nested = format!(r#"[{{"_id": "x", "deep": {}{}}}]"#, "[".repeat(depth), "]".repeat(depth));
        assert!(nested.len() < DEFAULT_BODY_LIMIT);
        let stub = Stub::sequence(vec![Reply::json(200, nested.clone()), Reply::json(500, nested.clone())]);
        let client = gms(&stub, Duration::from_secs(5));
        let error = client.query_by_id("x").await.unwrap_err();
        assert!(
            matches!(&error, Error::Decode { status: 200, .. } if error.to_string().contains("recursion limit")),
            "{error}"
        );
        // As an error body: the status wins, the raw body is kept, and reading it as JSON for the
        // bus gives the text.
        let error = client.query_by_id("x").await.unwrap_err();
        assert!(matches!(&error, Error::ServerException(f) if f.body.len() == nested.len()), "{error}");
        assert!(error.http().unwrap().json().is_none());
        assert!(error.bus_data().is_string());
    })
    .await;
}

/// Waits until a flooding stub stops writing because the client hung up (at most 5 s).
async fn settle(stub: &Stub) {
    tokio::time::timeout(Duration::from_secs(5), stub.flood_ended())
        .await
        .unwrap_or_else(|_| panic!("the server is still writing after {} bytes", stub.written()));
}
