//! Every Engagement v3 operation against the stub, with the fixtures as bodies and answers.

use std::time::Duration;

use cxwire_http::{EngagementV3Client, Error};
use cxwire_model::http::engagement_v3::{AvailabilityQuery, CallInRequest, CreateRequest};
use cxwire_model::http::gms_v1::CallbackState;

use crate::KEY;
use crate::stub::{Reply, Stub, fixture, limit};

fn client(stub: &Stub) -> EngagementV3Client {
    EngagementV3Client::new(stub.url("/engagement/v3"), KEY).unwrap()
}

#[tokio::test]
async fn create_posts_the_body_with_the_key() {
    limit(async {
        let stub = Stub::always(Reply::fixture(200, "engagement-v3/create-response/ok.json"));
        for name in ["scheduled", "asap-with-options"] {
            let text = format!("engagement-v3/create-request/{name}.json");
            let body: CreateRequest = serde_json::from_value(fixture(&text)).unwrap();
            let answer = client(&stub).create(&body).await.unwrap();
            assert_eq!(answer.status.code, Some(200));
            assert_eq!(answer.data.unwrap().id.as_deref(), Some("0d3b27e9-7c44-4d1f-9b6a-52e8c1f0a7d3"));
            let request = stub.requests().pop().unwrap();
            assert_eq!((request.method.as_str(), request.path.as_str()), ("POST", "/engagement/v3/callbacks/create"));
            assert_eq!(request.json(), fixture(&text));
        }
    })
    .await;
}

#[tokio::test]
async fn cancel_and_retrieve_post_the_id() {
    limit(async {
        let stub = Stub::start(|r| match r.path.as_str() {
            "/engagement/v3/callbacks/cancel" => Reply::fixture(200, "engagement-v3/cancel-response/ok.json"),
            _ => Reply::fixture(200, "engagement-v3/retrieve-response/queued.json"),
        });
        let c = client(&stub);
        let id = "0d3b27e9-7c44-4d1f-9b6a-52e8c1f0a7d3";
        let cancelled = c.cancel(id).await.unwrap();
        assert_eq!(cancelled.data.unwrap().id.as_deref(), Some(id));
        let retrieved = c.retrieve(id).await.unwrap().data.unwrap();
        assert_eq!(retrieved.callback_state, Some(CallbackState::Queued));
        assert_eq!((retrieved.position_in_queue, retrieved.estimated_wait_time), (Some(2), Some(180)));
        let requests = stub.requests();
        assert_eq!(requests[0].path, "/engagement/v3/callbacks/cancel");
        assert_eq!(requests[0].json(), fixture("engagement-v3/cancel-request/basic.json"));
        assert_eq!(requests[1].path, "/engagement/v3/callbacks/retrieve");
        assert_eq!(requests[1].json(), fixture("engagement-v3/retrieve-request/basic.json"));
    })
    .await;
}

#[tokio::test]
async fn retrieve_a_completed_callback() {
    limit(async {
        let stub = Stub::always(Reply::fixture(200, "engagement-v3/retrieve-response/completed-with-reason.json"));
        let data = client(&stub).retrieve("x").await.unwrap().data.unwrap();
        assert_eq!(data.callback_state, Some(CallbackState::Completed));
        assert_eq!(data.callback_reason.as_deref(), Some("CUSTOMER_CANCELLED"));
    })
    .await;
}

#[tokio::test]
async fn availability_sends_the_query() {
    limit(async {
        let stub = Stub::always(Reply::fixture(200, "engagement-v3/availability-response/ok.json"));
        let query = AvailabilityQuery {
            start: Some("2026-11-23T17:00:00.000Z".into()),
            end: None,
            number_of_days: Some(5),
            max_time_slots: Some(20),
            timezone: Some("America/Los_Angeles".into()),
        };
        let data = client(&stub).availability("my service", &query).await.unwrap().data.unwrap();
        assert_eq!(data.slots.unwrap().len(), 2);
        assert_eq!(data.duration_min, Some(15));
        let request = stub.only_request();
        assert_eq!(
            (request.method.as_str(), request.path.as_str()),
            ("GET", "/engagement/v3/callbacks/availability/my%20service")
        );
        assert_eq!(request.query.get("start").map(String::as_str), Some("2026-11-23T17:00:00.000Z"));
        assert_eq!(request.query.get("numberOfDays").map(String::as_str), Some("5"));
        assert_eq!(request.query.get("maxTimeSlots").map(String::as_str), Some("20"));
        assert_eq!(request.query.get("timezone").map(String::as_str), Some("America/Los_Angeles"));
        assert!(!request.query.contains_key("end"));
    })
    .await;
}

#[tokio::test]
async fn call_in_request() {
    limit(async {
        let stub = Stub::always(Reply::fixture(200, "engagement-v3/call-in-response/ok.json"));
        let body: CallInRequest = serde_json::from_value(fixture("engagement-v3/call-in-request/basic.json")).unwrap();
        let data = client(&stub).call_in(&body).await.unwrap().data.unwrap();
        assert_eq!((data.to_phone_number.as_deref(), data.access_code), (Some("+18005550100"), Some(4821)));
        let request = stub.only_request();
        assert_eq!(
            (request.method.as_str(), request.path.as_str()),
            ("POST", "/engagement/v3/call-in/requests/create")
        );
        assert_eq!(request.json(), fixture("engagement-v3/call-in-request/basic.json"));
    })
    .await;
}

#[tokio::test]
async fn the_key_is_sent_on_every_call() {
    limit(async {
        let stub = Stub::start(|r| match r.path.as_str() {
            "/engagement/v3/callbacks/create" => Reply::fixture(200, "engagement-v3/create-response/ok.json"),
            "/engagement/v3/callbacks/cancel" => Reply::fixture(200, "engagement-v3/cancel-response/ok.json"),
            "/engagement/v3/callbacks/retrieve" => Reply::fixture(200, "engagement-v3/retrieve-response/queued.json"),
            "/engagement/v3/call-in/requests/create" => Reply::fixture(200, "engagement-v3/call-in-response/ok.json"),
            _ => Reply::fixture(200, "engagement-v3/availability-response/ok.json"),
        });
        let c = client(&stub);
        let create =
            CreateRequest { service_name: "s".into(), phone_number: "+14155550123".into(), ..Default::default() };
        c.create(&create).await.unwrap();
        c.cancel("a").await.unwrap();
        c.retrieve("a").await.unwrap();
        c.availability("s", &AvailabilityQuery::default()).await.unwrap();
        let call_in =
            CallInRequest { group_name: "g".into(), from_phone_number: "+14155550123".into(), user_data: None };
        c.call_in(&call_in).await.unwrap();
        let requests = stub.requests();
        assert_eq!(requests.len(), 5);
        for request in requests {
            assert_eq!(request.headers.get("x-api-key").map(String::as_str), Some(KEY), "{}", request.path);
        }
    })
    .await;
}

#[tokio::test]
async fn a_full_slot_proposes_others_with_retry_after() {
    limit(async {
        let stub = Stub::always(
            Reply::fixture(429, "engagement-v3/proposed-slots-response/slot-full.json").header("retry-after", "7"),
        );
        let body =
            CreateRequest { service_name: "s".into(), phone_number: "+14155550123".into(), ..Default::default() };
        let error = client(&stub).create(&body).await.unwrap_err();
        let Error::TooManyRequests { failure, proposed_slots } = &error else { panic!("{error:?}") };
        assert_eq!(failure.status, 429);
        assert_eq!(failure.retry_after, Some(Duration::from_secs(7)));
        let status = failure.v3_status.as_ref().unwrap();
        assert_eq!((status.code, status.message.as_deref()), (Some(429), Some("Requested time slot is full")));
        assert_eq!(proposed_slots.len(), 2);
        assert_eq!(cxwire_http::wire_time::format(&proposed_slots[1].start), "2026-11-23T17:30:00.000Z");
        assert_eq!(proposed_slots[1].capacity, 8);
        assert_eq!(proposed_slots[1].total, Some(10));
        assert_eq!(proposed_slots[1].local_time.unwrap().offset().local_minus_utc(), -8 * 3600);
        assert!(error.to_string().contains("2 other slots proposed"), "{error}");
    })
    .await;
}

#[tokio::test]
async fn status_bodies_are_parsed() {
    limit(async {
        let stub = Stub::start(|r| match r.path.as_str() {
            "/engagement/v3/callbacks/create" => Reply::fixture(400, "engagement-v3/error-response/bad-request.json"),
            "/engagement/v3/callbacks/retrieve" => Reply::fixture(404, "engagement-v3/error-response/not-found.json"),
            _ => Reply::json(500, r#"{"status":{"code":500,"message":"Internal error","corrId":"c"}}"#),
        });
        let c = client(&stub);
        let create = CreateRequest { service_name: "s".into(), phone_number: "1".into(), ..Default::default() };
        let error = c.create(&create).await.unwrap_err();
        assert!(matches!(&error, Error::BadRequest(f) if f.message() == Some("Invalid phoneNumber")), "{error:?}");
        assert_eq!(
            error.http().unwrap().v3_status.as_ref().unwrap().corr_id.as_deref(),
            Some("c2d3e4f5-7a8b-4c9d-9ebe-6a7b8c9daeb5")
        );
        let error = c.retrieve("x").await.unwrap_err();
        assert!(matches!(&error, Error::NotFound(f) if f.message() == Some("Callback not found")), "{error:?}");
        let error = c.cancel("x").await.unwrap_err();
        assert!(matches!(&error, Error::ServerException(f) if f.message() == Some("Internal error")), "{error:?}");
    })
    .await;
}
