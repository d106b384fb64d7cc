//! CallbackService over GMS v1: option mapping, userData merging, validations, rejections,
//! availability rules and events.

use cxwire_http::{CallbackEvent, CallbackService, Error, ScheduleAnswer};
use cxwire_model::widgets::{
    AvailabilityOptions, CallbackConfig, CallbackServiceEvent, NO_AVAILABILITY_QUERY, NO_DATA_TO_SCHEDULE, Rejection,
    ScheduleOptions,
};
use serde_json::json;

use crate::stub::{Reply, Stub, fixture, limit};
use crate::{user_data, v1_config};

fn bob() -> ScheduleOptions {
    ScheduleOptions {
        firstname: Some("Bob".into()),
        lastname: Some("Jones".into()),
        email: Some("b.jones@mail.com".into()),
        subject: Some("product questions".into()),
        desired_time: Some("2026-11-23T17:00:00Z".into()),
        phonenumber: Some("4151110000".into()),
        ..Default::default()
    }
}

fn confirmation() -> Reply {
    Reply::fixture(200, "gms-v1/schedule-response/confirmation-dialog.json")
}

#[tokio::test]
async fn schedule_maps_the_widget_options_to_the_v1_body() {
    limit(async {
        let stub = Stub::always(confirmation());
        let service = CallbackService::new(v1_config(&stub)).unwrap();
        let scheduled = service.schedule(bob()).await.unwrap();
        assert_eq!(scheduled.id.as_deref(), Some("2b3f8c0e6f7a4c1d9e5b8a7d6c4f3e21"));
        assert_eq!(scheduled.phone_number, "4151110000");
        assert_eq!(scheduled.desired_time.map(|t| cxwire_http::wire_time::format(&t)).as_deref(), Some("2026-11-23T17:00:00.000Z"));
        assert!(matches!(&scheduled.answer, ScheduleAnswer::V1(a) if a.text.as_deref() == Some("Your callback has been scheduled.")));
        let request = stub.only_request();
        assert_eq!((request.method.as_str(), request.path.as_str()), ("POST", "/genesys/1/service/callback/samples"));
        // subject goes out as `notes`, the time with milliseconds: exactly the fixture.
        assert_eq!(request.json(), fixture("gms-v1/schedule-request/scheduled.json"));
    })
    .await;
}

#[tokio::test]
async fn without_desired_time_the_callback_starts_now() {
    limit(async {
        let stub = Stub::always(confirmation());
        let service = CallbackService::new(v1_config(&stub)).unwrap();
        let options = ScheduleOptions {
            firstname: Some("Bob".into()),
            lastname: Some("Jones".into()),
            phonenumber: Some("4151110000".into()),
            ..Default::default()
        };
        let scheduled = service.schedule(options).await.unwrap();
        assert_eq!(scheduled.desired_time, None);
        assert_eq!(stub.only_request().json(), fixture("gms-v1/schedule-request/immediate.json"));
    })
    .await;
}

#[tokio::test]
async fn user_data_is_merged_over_the_configured_default() {
    limit(async {
        let stub = Stub::always(confirmation());
        let config = CallbackConfig {
            user_data: Some(user_data(json!({"visitID": "7f3b", "campaign": "winter", "firstname": "Configured"}))),
            ..v1_config(&stub)
        };
        let service = CallbackService::new(config).unwrap();
        let options = ScheduleOptions {
            phonenumber: Some("4151110000".into()),
            firstname: Some("Bob".into()),
            user_data: Some(user_data(
                json!({"campaign": "spring", "score": 7, "_customer_number": "999", "_desired_time": "x"}),
            )),
            ..Default::default()
        };
        service.schedule(options).await.unwrap();
        assert_eq!(
            stub.only_request().json(),
            json!({
                "_customer_number": "4151110000",
                "visitID": "7f3b",          // configured default kept
                "campaign": "spring",       // the option's userData wins over the default
                "score": 7,                 // values keep their JSON type
                "firstname": "Bob"          // a form field wins over userData
            })
        );
    })
    .await;
}

#[tokio::test]
async fn local_validations_send_nothing() {
    limit(async {
        let stub = Stub::always(confirmation());
        let service = CallbackService::new(v1_config(&stub)).unwrap();

        let error = service.schedule(ScheduleOptions::default()).await.unwrap_err();
        assert!(matches!(error, Error::NoDataToSchedule));
        assert_eq!(error.to_string(), NO_DATA_TO_SCHEDULE);
        assert_eq!(error.to_string(), "No data found to schedule callback");
        assert_eq!(error.rejection(), Some(Rejection::NoDataToSchedule));
        let empty_user_data = ScheduleOptions { user_data: Some(user_data(json!({}))), ..Default::default() };
        assert!(matches!(service.schedule(empty_user_data).await, Err(Error::NoDataToSchedule)));

        let error = service.availability(AvailabilityOptions::default()).await.unwrap_err();
        assert!(matches!(error, Error::NoAvailabilityQuery));
        assert_eq!(error.to_string(), NO_AVAILABILITY_QUERY);
        assert_eq!(error.to_string(), "No query parameters passed for callback availability service");
        assert_eq!(error.rejection(), Some(Rejection::NoAvailabilityQuery));

        let no_phone = ScheduleOptions { firstname: Some("Bob".into()), ..Default::default() };
        let error = service.schedule(no_phone).await.unwrap_err();
        assert!(matches!(error, Error::InvalidOption { option: "phonenumber", .. }), "{error:?}");

        let bad_time = ScheduleOptions { desired_time: Some("next tuesday".into()), ..bob() };
        let error = service.schedule(bad_time).await.unwrap_err();
        assert!(matches!(error, Error::InvalidOption { option: "desiredTime", .. }), "{error:?}");

        let bad_days = AvailabilityOptions { number_of_days: Some("five".into()), ..Default::default() };
        let error = service.availability(bad_days).await.unwrap_err();
        assert!(matches!(error, Error::InvalidOption { option: "numberOfDays", .. }), "{error:?}");

        let bad_start = AvailabilityOptions { start_date: Some("2017-04-03".into()), ..Default::default() };
        let error = service.availability(bad_start).await.unwrap_err();
        assert!(matches!(error, Error::InvalidOption { option: "startDate", .. }), "{error:?}");

        assert!(stub.requests().is_empty());
        // Local validations are returned, not published.
        let mut events = service.subscribe();
        assert_eq!(events.try_recv().unwrap(), Some(CallbackEvent::Ready));
        assert_eq!(events.try_recv().unwrap(), None);
    })
    .await;
}

#[tokio::test]
async fn every_documented_schedule_rejection() {
    limit(async {
        let cases = [
            (400, Reply::fixture(400, "gms-v1/error/reschedule-slot-unavailable.json"), Some(Rejection::BadRequest)),
            (
                429,
                Reply::json(429, r#"{"exception":"TooManyRequests","message":"slow down"}"#),
                Some(Rejection::TooManyRequests),
            ),
            (
                500,
                Reply::json(500, r#"{"exception":"java.lang.RuntimeException","message":"boom"}"#),
                Some(Rejection::ServerException),
            ),
            (503, Reply::fixture(503, "gms-v1/error/queue-limit.json"), None),
        ];
        for (status, reply, rejection) in cases {
            let stub = Stub::always(reply);
            let service = CallbackService::new(v1_config(&stub)).unwrap();
            let mut events = service.subscribe();
            let error = service.schedule(bob()).await.unwrap_err();
            assert_eq!(error.status(), Some(status));
            assert_eq!(error.rejection(), rejection, "{error:?}");
            assert!(error.http().unwrap().gms.is_some());
            assert_eq!(events.recv().await.unwrap(), CallbackEvent::Ready);
            let event = events.recv().await.unwrap();
            assert_eq!(event.name(), CallbackServiceEvent::ScheduleError);
            // The bus data is the JSON the server returned.
            assert_eq!(event.to_bus_message().data, error.http().unwrap().json());
        }
    })
    .await;
}

#[tokio::test]
async fn scheduled_event_carries_the_answer() {
    limit(async {
        let stub = Stub::always(confirmation());
        let service = CallbackService::new(v1_config(&stub)).unwrap();
        let mut events = service.subscribe();
        let scheduled = service.schedule(bob()).await.unwrap();
        assert_eq!(events.recv().await.unwrap().name(), CallbackServiceEvent::Ready);
        let event = events.recv().await.unwrap();
        assert_eq!(event, CallbackEvent::Scheduled(scheduled));
        assert_eq!(event.name().as_str(), "CallbackService.scheduled");
        assert_eq!(event.to_bus_message().data, Some(fixture("gms-v1/schedule-response/confirmation-dialog.json")));
    })
    .await;
}

#[tokio::test]
async fn availability_end_defaults_to_start() {
    limit(async {
        let stub = Stub::always(Reply::fixture(200, "gms-v1/availability/slots.json"));
        let service = CallbackService::new(v1_config(&stub)).unwrap();

        let only_start =
            AvailabilityOptions { start_date: Some("2017-04-03T00:24:17.804Z".into()), ..Default::default() };
        service.availability(only_start).await.unwrap();
        let with_days = AvailabilityOptions {
            start_date: Some("2017-04-03T00:24:17.804Z".into()),
            number_of_days: Some("5".into()),
            max_time_slots: Some(20),
            ..Default::default()
        };
        service.availability(with_days).await.unwrap();
        let with_end = AvailabilityOptions {
            start_date: Some("2017-04-03T00:24:17.804Z".into()),
            end_date: Some("2017-04-05T02:00:00+02:00".into()),
            ..Default::default()
        };
        service.availability(with_end).await.unwrap();
        let only_max = AvailabilityOptions { max_time_slots: Some(3), ..Default::default() };
        service.availability(only_max).await.unwrap();

        let requests = stub.requests();
        let q = |i: usize, k: &str| requests[i].query.get(k).cloned();
        assert_eq!(requests[0].path, "/genesys/1/service/callback/samples/availability");
        assert_eq!(q(0, "start").as_deref(), Some("2017-04-03T00:24:17.804Z"));
        assert_eq!(
            q(0, "end").as_deref(),
            Some("2017-04-03T00:24:17.804Z"),
            "neither endDate nor numberOfDays: end = start"
        );
        assert_eq!(q(1, "end"), None);
        assert_eq!(q(1, "number-of-days").as_deref(), Some("5"));
        assert_eq!(q(1, "max-time-slots").as_deref(), Some("20"));
        assert_eq!(q(2, "end").as_deref(), Some("2017-04-05T00:00:00.000Z"), "re-formatted as UTC");
        assert_eq!(requests[3].query.len(), 1, "{:?}", requests[3].query);
    })
    .await;
}

#[tokio::test]
async fn availability_resolves_to_typed_slots_and_publishes_them() {
    limit(async {
        let stub = Stub::always(Reply::fixture(200, "gms-v1/availability/slots.json"));
        let service = CallbackService::new(v1_config(&stub)).unwrap();
        let mut events = service.subscribe();
        let options = AvailabilityOptions { start_date: Some("2026-11-23T17:00:00.000Z".into()), ..Default::default() };
        let slots = service.availability(options).await.unwrap();
        let got: Vec<(String, u32)> =
            slots.slots.iter().map(|s| (cxwire_http::wire_time::format(&s.start), s.capacity)).collect();
        assert_eq!(
            got,
            [
                ("2026-11-23T17:00:00.000Z".to_owned(), 5),
                ("2026-11-23T17:15:00.000Z".to_owned(), 3),
                ("2026-11-23T17:30:00.000Z".to_owned(), 0),
                ("2026-11-23T17:45:00.000Z".to_owned(), 12)
            ]
        );
        events.recv().await.unwrap();
        let event = events.recv().await.unwrap();
        assert_eq!(event, CallbackEvent::AvailableSlots(slots));
        assert_eq!(event.to_bus_message().data, Some(fixture("gms-v1/availability/slots.json")));
    })
    .await;
}

#[tokio::test]
async fn availability_rejections_publish_availability_error() {
    limit(async {
        for (status, body) in [(400, r#"{"exception":"x","message":"No time slots available"}"#), (500, "oops")] {
            let stub = Stub::always(Reply::json(status, body));
            let service = CallbackService::new(v1_config(&stub)).unwrap();
            let mut events = service.subscribe();
            let options =
                AvailabilityOptions { start_date: Some("2026-11-23T17:00:00.000Z".into()), ..Default::default() };
            let error = service.availability(options).await.unwrap_err();
            match status {
                400 => assert!(matches!(error, Error::BadRequest(_))),
                _ => assert!(matches!(error, Error::ServerException(_))),
            }
            events.recv().await.unwrap();
            let event = events.recv().await.unwrap();
            assert_eq!(event, CallbackEvent::AvailabilityError(error.clone()));
            let expected = error.http().unwrap().json().unwrap_or_else(|| json!(body));
            assert_eq!(event.to_bus_message().data, Some(expected));
        }
    })
    .await;
}

#[tokio::test]
async fn an_empty_availability_is_no_slots() {
    limit(async {
        let stub = Stub::always(Reply::fixture(200, "gms-v1/availability/empty.json"));
        let service = CallbackService::new(v1_config(&stub)).unwrap();
        let options = AvailabilityOptions { start_date: Some("2026-11-23T17:00:00.000Z".into()), ..Default::default() };
        assert!(service.availability(options).await.unwrap().slots.is_empty());
    })
    .await;
}

#[tokio::test]
#[cfg(feature = "phonenumber")]
async fn country_codes_validate_and_normalise() {
    limit(async {
        let stub = Stub::always(confirmation());
        let config = CallbackConfig { country_codes: Some(true), ..v1_config(&stub) };
        let service = CallbackService::builder(config.clone()).default_region("US").build().unwrap();
        let options = ScheduleOptions { phonenumber: Some("(415) 555-0123".into()), ..Default::default() };
        let scheduled = service.schedule(options).await.unwrap();
        assert_eq!(scheduled.phone_number, "+14155550123");
        assert_eq!(stub.only_request().json()["_customer_number"], "+14155550123");

        // 415-111-0000 (the seeds' sample) has no valid exchange: refused, nothing sent.
        let options = ScheduleOptions { phonenumber: Some("4151110000".into()), ..Default::default() };
        let error = service.schedule(options).await.unwrap_err();
        assert!(matches!(&error, Error::InvalidPhoneNumber { number, .. } if number == "4151110000"), "{error:?}");
        assert!(error.to_string().contains("invalid phone number"), "{error}");
        assert_eq!(stub.requests().len(), 1);

        // Without a default region a number needs its country code.
        let service = CallbackService::new(config).unwrap();
        let options = ScheduleOptions { phonenumber: Some("4155550123".into()), ..Default::default() };
        let error = service.schedule(options).await.unwrap_err();
        assert!(
            matches!(&error, Error::InvalidPhoneNumber { reason, .. } if reason.contains("country code")),
            "{error:?}"
        );
        let options = ScheduleOptions { phonenumber: Some("+44 20 7946 0958".into()), ..Default::default() };
        assert_eq!(service.schedule(options).await.unwrap().phone_number, "+442079460958");
    })
    .await;
}

#[tokio::test]
async fn configuration_errors() {
    let ok = CallbackConfig {
        data_url: "http://127.0.0.1:9/genesys/1/service/callback/samples".into(),
        ..Default::default()
    };
    assert!(CallbackService::new(ok.clone()).is_ok());
    let bad = [
        CallbackConfig { data_url: "not a url".into(), ..ok.clone() },
        CallbackConfig { data_url: "ftp://host/x".into(), ..ok.clone() },
        CallbackConfig { data_url: "http://127.0.0.1:9/genesys/1/service".into(), ..ok.clone() },
        CallbackConfig { api_version: Some("v2".into()), ..ok.clone() },
        CallbackConfig { ajax_timeout: Some(0), ..ok.clone() },
    ];
    for config in bad {
        let error = CallbackService::new(config.clone()).unwrap_err();
        assert!(matches!(error, Error::Config(_)), "{config:?}: {error:?}");
    }
    // A dataURL without the service is fine with serviceName.
    let with_name = CallbackConfig {
        data_url: "http://127.0.0.1:9/genesys/1/service".into(),
        service_name: Some("samples".into()),
        ..Default::default()
    };
    let service = CallbackService::new(with_name).unwrap();
    assert_eq!(service.gms_service(), Some("samples"));
    #[cfg(feature = "phonenumber")]
    assert!(matches!(CallbackService::builder(ok.clone()).default_region("Atlantis").build(), Err(Error::Config(_))));
    assert!(matches!(CallbackService::builder(ok).event_capacity(0).build(), Err(Error::Config(_))));
}

#[tokio::test]
async fn the_low_level_client_is_reachable_for_cancel() {
    limit(async {
        let stub = Stub::always(Reply::empty(200));
        let service = CallbackService::new(v1_config(&stub)).unwrap();
        let gms = service.gms_v1().unwrap();
        gms.cancel(service.gms_service().unwrap(), "abc").await.unwrap();
        assert_eq!(stub.only_request().path, "/genesys/1/service/callback/samples/abc");
        assert!(service.engagement_v3().is_none());
    })
    .await;
}

#[tokio::test]
async fn a_slow_subscriber_is_told_it_lagged() {
    limit(async {
        let stub = Stub::always(confirmation());
        let service = CallbackService::builder(v1_config(&stub)).event_capacity(2).build().unwrap();
        let mut events = service.subscribe();
        for _ in 0..4 {
            service.schedule(bob()).await.unwrap();
        }
        assert_eq!(events.recv().await.unwrap(), CallbackEvent::Ready);
        assert!(matches!(events.recv().await, Err(Error::Lagged(2))));
        assert_eq!(events.recv().await.unwrap().name(), CallbackServiceEvent::Scheduled);
        assert_eq!(events.recv().await.unwrap().name(), CallbackServiceEvent::Scheduled);
        drop(service);
        assert!(matches!(events.recv().await, Err(Error::EventsClosed)));
    })
    .await;
}
