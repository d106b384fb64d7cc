//! Retries: off by default; opt-in, only refusals (429/503) for creating calls, and transport
//! failures too for idempotent ones.

use std::time::{Duration, Instant};

use cxwire_http::{CallbackService, EngagementV3Client, Error, GmsV1Client, RetryPolicy};
use cxwire_model::http::engagement_v3::CreateRequest;
use cxwire_model::http::gms_v1::{AvailabilityQuery, ScheduleRequest};
use cxwire_model::widgets::ScheduleOptions;

use crate::stub::{Reply, Stub, limit};
use crate::{KEY, v1_config};

fn fast() -> RetryPolicy {
    RetryPolicy::new(2).with_initial_backoff(Duration::from_millis(1))
}

fn options() -> ScheduleOptions {
    ScheduleOptions { phonenumber: Some("4151110000".into()), ..Default::default() }
}

fn queue_limit() -> Reply {
    Reply::fixture(503, "gms-v1/error/queue-limit.json")
}

fn confirmation() -> Reply {
    Reply::fixture(200, "gms-v1/schedule-response/confirmation-dialog.json")
}

#[tokio::test]
async fn off_by_default() {
    limit(async {
        let stub = Stub::sequence(vec![queue_limit(), confirmation()]);
        let service = CallbackService::new(v1_config(&stub)).unwrap();
        let error = service.schedule(options()).await.unwrap_err();
        assert!(matches!(error, Error::ServiceUnavailable(_)), "{error:?}");
        assert_eq!(stub.requests().len(), 1);
    })
    .await;
}

#[tokio::test]
async fn a_refused_schedule_is_sent_again() {
    limit(async {
        let stub = Stub::sequence(vec![queue_limit(), Reply::json(429, "{}"), confirmation()]);
        let service = CallbackService::builder(v1_config(&stub)).retry(fast()).build().unwrap();
        let scheduled = service.schedule(options()).await.unwrap();
        assert!(scheduled.id.is_some());
        let requests = stub.requests();
        assert_eq!(requests.len(), 3);
        assert!(requests.iter().all(|r| r.body == requests[0].body), "the same body each time");
    })
    .await;
}

#[tokio::test]
async fn retries_stop_at_the_maximum() {
    limit(async {
        let stub = Stub::always(queue_limit());
        let service = CallbackService::builder(v1_config(&stub)).retry(fast()).build().unwrap();
        assert!(matches!(service.schedule(options()).await, Err(Error::ServiceUnavailable(_))));
        assert_eq!(stub.requests().len(), 3, "1 attempt + 2 retries");
    })
    .await;
}

#[tokio::test]
async fn a_creating_post_is_never_sent_again_after_a_transport_failure() {
    limit(async {
        // The server reads each request (it may have booked it) and drops the connection.
        let stub = Stub::always(Reply::abort());
        let gms = GmsV1Client::builder(stub.url("/genesys/1/service")).retry(fast()).build().unwrap();
        let body = ScheduleRequest { customer_number: "4151110000".into(), ..Default::default() };
        let error = gms.schedule("samples", &body).await.unwrap_err();
        assert!(matches!(error, Error::Transport(_)), "{error:?}");
        assert_eq!(stub.requests().len(), 1);
        let error = gms.request_interaction(&Default::default()).await.unwrap_err();
        assert!(matches!(error, Error::Transport(_)), "{error:?}");
        assert_eq!(stub.requests().len(), 2);
        let v3 = EngagementV3Client::builder(stub.url("/engagement/v3"), KEY).retry(fast()).build().unwrap();
        let create =
            CreateRequest { service_name: "s".into(), phone_number: "+14155550123".into(), ..Default::default() };
        assert!(matches!(v3.create(&create).await, Err(Error::Transport(_))));
        assert_eq!(stub.requests().len(), 3);
        // An idempotent call on the same server is tried 1 + 2 times.
        assert!(matches!(v3.retrieve("x").await, Err(Error::Transport(_))));
        assert_eq!(stub.requests().len(), 6);
    })
    .await;
}

#[tokio::test]
async fn a_schedule_is_never_sent_again_after_a_timeout() {
    limit(async {
        let stub = Stub::always(Reply::hang());
        let gms = GmsV1Client::builder(stub.url("/genesys/1/service"))
            .retry(fast())
            .timeout(Duration::from_millis(100))
            .build()
            .unwrap();
        let body = ScheduleRequest { customer_number: "4151110000".into(), ..Default::default() };
        assert!(matches!(gms.schedule("samples", &body).await, Err(Error::Timeout(_))));
        assert!(stub.requests().len() <= 1);
    })
    .await;
}

#[tokio::test]
async fn an_idempotent_read_is_sent_again_after_a_transport_failure() {
    limit(async {
        let stub =
            Stub::sequence(vec![Reply::abort(), Reply::abort(), Reply::fixture(200, "gms-v1/availability/slots.json")]);
        let gms = GmsV1Client::builder(stub.url("/genesys/1/service")).retry(fast()).build().unwrap();
        let slots = gms.availability("samples", &AvailabilityQuery::default()).await.unwrap();
        assert_eq!(slots.len(), 4);
        assert_eq!(stub.requests().len(), 3);
    })
    .await;
}

#[tokio::test]
async fn a_full_v3_slot_is_an_answer_not_a_throttle() {
    limit(async {
        let stub = Stub::always(Reply::fixture(429, "engagement-v3/proposed-slots-response/slot-full.json"));
        let v3 = EngagementV3Client::builder(stub.url("/engagement/v3"), KEY).retry(fast()).build().unwrap();
        let body =
            CreateRequest { service_name: "s".into(), phone_number: "+14155550123".into(), ..Default::default() };
        assert!(matches!(v3.create(&body).await, Err(Error::TooManyRequests { .. })));
        assert_eq!(stub.requests().len(), 1);
    })
    .await;
}

#[tokio::test]
async fn retry_after_is_honoured() {
    limit(async {
        let stub = Stub::sequence(vec![
            Reply::json(429, r#"{"status":{"code":429,"message":"Too many requests"}}"#).header("Retry-After", "1"),
            Reply::fixture(200, "engagement-v3/create-response/ok.json"),
        ]);
        let v3 = EngagementV3Client::builder(stub.url("/engagement/v3"), KEY).retry(fast()).build().unwrap();
        let body =
            CreateRequest { service_name: "s".into(), phone_number: "+14155550123".into(), ..Default::default() };
        let started = Instant::now();
        v3.create(&body).await.unwrap();
        assert!(started.elapsed() >= Duration::from_secs(1), "waited {:?}", started.elapsed());
        assert_eq!(stub.requests().len(), 2);
    })
    .await;
}

#[tokio::test]
async fn a_retry_after_beyond_the_limit_is_returned_at_once() {
    limit(async {
        let stub = Stub::sequence(vec![queue_limit().header("Retry-After", "3600"), confirmation()]);
        let service = CallbackService::builder(v1_config(&stub)).retry(fast()).build().unwrap();
        let error = service.schedule(options()).await.unwrap_err();
        assert_eq!(error.http().unwrap().retry_after, Some(Duration::from_secs(3600)));
        assert_eq!(stub.requests().len(), 1);
    })
    .await;
}
