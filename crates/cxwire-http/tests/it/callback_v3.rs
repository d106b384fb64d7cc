//! CallbackService over Engagement v3.

use std::time::Duration;

use cxwire_http::{CallbackEvent, CallbackService, Error, ScheduleAnswer};
use cxwire_model::widgets::{
    ApiVersion, AvailabilityOptions, CallbackConfig, CallbackServiceEvent, Rejection, ScheduleOptions,
};
use serde_json::json;

use crate::stub::{Reply, Stub, fixture, limit};
use crate::{KEY, user_data, v3_config};

fn bob() -> ScheduleOptions {
    ScheduleOptions {
        firstname: Some("Bob".into()),
        lastname: Some("Jones".into()),
        email: Some("b.jones@mail.com".into()),
        subject: Some("product questions".into()),
        desired_time: Some("2026-11-23T17:00:00.000Z".into()),
        phonenumber: Some("+14151110000".into()),
        ..Default::default()
    }
}

#[tokio::test]
async fn schedule_creates_with_the_v3_body() {
    limit(async {
        let stub = Stub::always(Reply::fixture(200, "engagement-v3/create-response/ok.json"));
        let service = CallbackService::new(v3_config(&stub)).unwrap();
        assert_eq!(service.api_version(), ApiVersion::V3);
        let scheduled = service.schedule(bob()).await.unwrap();
        assert_eq!(scheduled.id.as_deref(), Some("0d3b27e9-7c44-4d1f-9b6a-52e8c1f0a7d3"));
        assert!(matches!(&scheduled.answer, ScheduleAnswer::V3(a) if a.status.code == Some(200)));
        let request = stub.only_request();
        assert_eq!((request.method.as_str(), request.path.as_str()), ("POST", "/engagement/v3/callbacks/create"));
        assert_eq!(request.headers.get("x-api-key").map(String::as_str), Some(KEY));
        assert_eq!(request.json(), fixture("engagement-v3/create-request/scheduled.json"));
    })
    .await;
}

#[tokio::test]
async fn the_widget_example_data_url_with_callbacks_works() {
    limit(async {
        let stub = Stub::always(Reply::fixture(200, "engagement-v3/create-response/ok.json"));
        let config = CallbackConfig { data_url: stub.url("/callbacks"), ..v3_config(&stub) };
        let service = CallbackService::new(config).unwrap();
        service.schedule(bob()).await.unwrap();
        assert_eq!(stub.only_request().path, "/callbacks/create");
    })
    .await;
}

#[tokio::test]
async fn service_name_rules() {
    limit(async {
        let stub = Stub::always(Reply::fixture(200, "engagement-v3/create-response/ok.json"));
        let no_name = CallbackConfig { service_name: None, ..v3_config(&stub) };
        let service = CallbackService::new(no_name).unwrap();
        let error = service.schedule(bob()).await.unwrap_err();
        assert!(matches!(error, Error::InvalidOption { option: "serviceName", .. }), "{error:?}");
        let options = AvailabilityOptions { start_date: Some("2026-11-23T17:00:00.000Z".into()), ..Default::default() };
        let error = service.availability(options).await.unwrap_err();
        assert!(matches!(error, Error::InvalidOption { option: "serviceName", .. }), "{error:?}");
        assert!(stub.requests().is_empty());

        // The option's serviceName wins over the configured one.
        let service = CallbackService::new(v3_config(&stub)).unwrap();
        service.schedule(ScheduleOptions { service_name: Some("other".into()), ..bob() }).await.unwrap();
        assert_eq!(stub.only_request().json()["serviceName"], "other");
    })
    .await;
}

#[tokio::test]
async fn v3_user_data_is_merged_and_keys_must_be_identifiers() {
    limit(async {
        let stub = Stub::always(Reply::fixture(200, "engagement-v3/create-response/ok.json"));
        let config =
            CallbackConfig { user_data: Some(user_data(json!({"visitID": "v1", "tier": "gold"}))), ..v3_config(&stub) };
        let service = CallbackService::new(config).unwrap();
        let options = ScheduleOptions {
            phonenumber: Some("+14151110000".into()),
            user_data: Some(user_data(json!({"tier": "platinum"}))),
            ..Default::default()
        };
        service.schedule(options).await.unwrap();
        let body = stub.only_request().json();
        assert_eq!(body["userData"], json!({"visitID": "v1", "tier": "platinum"}));
        assert_eq!(body.get("desiredTime"), None, "absent = as soon as possible");

        let options = ScheduleOptions {
            phonenumber: Some("+14151110000".into()),
            user_data: Some(user_data(json!({"first name": "Bob", "9lives": 1}))),
            ..Default::default()
        };
        let error = service.schedule(options).await.unwrap_err();
        let Error::InvalidOption { option: "userData", reason } = &error else { panic!("{error:?}") };
        assert!(reason.contains("first name") && reason.contains("9lives"), "{reason}");
        assert_eq!(stub.requests().len(), 1);
    })
    .await;
}

#[tokio::test]
async fn a_full_slot_rejects_with_proposed_slots() {
    limit(async {
        let stub = Stub::always(
            Reply::fixture(429, "engagement-v3/proposed-slots-response/slot-full.json").header("Retry-After", "120"),
        );
        let service = CallbackService::new(v3_config(&stub)).unwrap();
        let mut events = service.subscribe();
        let error = service.schedule(bob()).await.unwrap_err();
        assert_eq!(error.rejection(), Some(Rejection::TooManyRequests));
        let Error::TooManyRequests { failure, proposed_slots } = &error else { panic!("{error:?}") };
        assert_eq!(failure.retry_after, Some(Duration::from_secs(120)));
        assert_eq!(proposed_slots.iter().map(|s| s.capacity).collect::<Vec<_>>(), [3, 8]);
        events.recv().await.unwrap();
        let event = events.recv().await.unwrap();
        assert_eq!(event.name(), CallbackServiceEvent::ScheduleError);
        assert_eq!(event.to_bus_message().data, Some(fixture("engagement-v3/proposed-slots-response/slot-full.json")));
    })
    .await;
}

#[tokio::test]
async fn bad_request_and_server_exception() {
    limit(async {
        let stub = Stub::always(Reply::fixture(400, "engagement-v3/error-response/bad-request.json"));
        let error = CallbackService::new(v3_config(&stub)).unwrap().schedule(bob()).await.unwrap_err();
        assert_eq!(error.rejection(), Some(Rejection::BadRequest));
        assert_eq!(error.http().unwrap().message(), Some("Invalid phoneNumber"));

        let stub = Stub::always(Reply::json(500, r#"{"status":{"code":500,"message":"Server error","corrId":"z"}}"#));
        let error = CallbackService::new(v3_config(&stub)).unwrap().schedule(bob()).await.unwrap_err();
        assert_eq!(error.rejection(), Some(Rejection::ServerException));
        assert_eq!(error.http().unwrap().v3_status.as_ref().unwrap().corr_id.as_deref(), Some("z"));
    })
    .await;
}

#[tokio::test]
async fn availability_over_v3() {
    limit(async {
        let stub = Stub::always(Reply::fixture(200, "engagement-v3/availability-response/ok.json"));
        let service = CallbackService::new(v3_config(&stub)).unwrap();
        let mut events = service.subscribe();
        let options = AvailabilityOptions {
            start_date: Some("2026-11-23T17:00:00.000Z".into()),
            number_of_days: Some("5".into()),
            max_time_slots: Some(20),
            ..Default::default()
        };
        let slots = service.availability(options).await.unwrap();
        assert_eq!(slots.duration_minutes, Some(15));
        assert_eq!(slots.timezone.as_deref(), Some("America/Los_Angeles"));
        assert_eq!(slots.slots.len(), 2);
        assert_eq!(slots.slots[0].capacity, 5);
        assert_eq!(slots.slots[0].total, Some(10));
        assert_eq!(cxwire_http::wire_time::format(&slots.slots[0].start), "2026-11-23T17:00:00.000Z");
        assert_eq!(slots.slots[0].local_time.unwrap().to_rfc3339(), "2026-11-23T09:00:00-08:00");
        let request = stub.only_request();
        assert_eq!(request.path, "/engagement/v3/callbacks/availability/service");
        assert_eq!(request.headers.get("x-api-key").map(String::as_str), Some(KEY));
        assert_eq!(request.query.get("numberOfDays").map(String::as_str), Some("5"));
        assert_eq!(request.query.get("maxTimeSlots").map(String::as_str), Some("20"));
        assert_eq!(request.query.get("end"), None);
        events.recv().await.unwrap();
        let event = events.recv().await.unwrap();
        assert_eq!(event, CallbackEvent::AvailableSlots(slots));
        assert_eq!(event.to_bus_message().data, Some(fixture("engagement-v3/availability-response/ok.json")));
    })
    .await;
}

#[tokio::test]
async fn v3_needs_an_api_key() {
    let config = CallbackConfig {
        data_url: "http://127.0.0.1:9/engagement/v3".into(),
        api_version: Some(ApiVersion::V3),
        service_name: Some("service".into()),
        ..Default::default()
    };
    assert!(matches!(CallbackService::new(config.clone()), Err(Error::Config(_))));
    let config = CallbackConfig { apikey: Some("".into()), ..config };
    assert!(matches!(CallbackService::new(config), Err(Error::Config(_))));
}
