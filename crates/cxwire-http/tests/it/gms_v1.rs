//! Every GMS v1 operation against the stub, with the fixtures as bodies and answers.

use std::collections::BTreeMap;

use cxwire_http::{Error, GmsV1Client};
use cxwire_model::http::gms_v1::{
    AvailabilityQuery, CallbackState, RequestInteractionRequest, RescheduleRequest, ScheduleRequest, TimeValue,
};
use serde_json::json;

use crate::stub::{Reply, Stub, fixture, limit};

fn client(stub: &Stub) -> GmsV1Client {
    GmsV1Client::new(stub.url("/genesys/1/service")).unwrap()
}

#[tokio::test]
async fn schedule_posts_the_body_and_reads_the_confirmation() {
    limit(async {
        let stub = Stub::always(Reply::fixture(200, "gms-v1/schedule-response/confirmation-dialog.json"));
        let body: ScheduleRequest = serde_json::from_value(fixture("gms-v1/schedule-request/scheduled.json")).unwrap();
        let answer = client(&stub).schedule("samples", &body).await.unwrap();
        assert_eq!(answer.id.as_deref(), Some("2b3f8c0e6f7a4c1d9e5b8a7d6c4f3e21"));
        assert_eq!(answer.action.as_deref(), Some("ConfirmationDialog"));
        let request = stub.only_request();
        assert_eq!((request.method.as_str(), request.path.as_str()), ("POST", "/genesys/1/service/callback/samples"));
        assert_eq!(request.headers.get("content-type").map(String::as_str), Some("application/json"));
        assert_eq!(request.json(), fixture("gms-v1/schedule-request/scheduled.json"));
    })
    .await;
}

#[tokio::test]
async fn schedule_with_redirect_to_request_interaction() {
    limit(async {
        let stub = Stub::always(Reply::fixture(200, "gms-v1/schedule-response/confirmation-dialog.json"));
        let text = "gms-v1/schedule-request/redirect-request-interaction.json";
        let body: ScheduleRequest = serde_json::from_value(fixture(text)).unwrap();
        client(&stub).schedule("samples", &body).await.unwrap();
        assert_eq!(stub.only_request().json(), fixture(text));
    })
    .await;
}

#[tokio::test]
async fn cancel_deletes_and_accepts_an_empty_answer() {
    limit(async {
        let stub = Stub::always(Reply::empty(200));
        client(&stub).cancel("samples", "2b3f8c0e").await.unwrap();
        let request = stub.only_request();
        assert_eq!(
            (request.method.as_str(), request.path.as_str()),
            ("DELETE", "/genesys/1/service/callback/samples/2b3f8c0e")
        );
        assert_eq!(request.body, "");
    })
    .await;
}

#[tokio::test]
async fn cancel_of_an_unknown_id_is_not_found() {
    limit(async {
        let stub = Stub::always(Reply::fixture(404, "gms-v1/error/not-found.json"));
        let error = client(&stub).cancel("samples", "nope").await.unwrap_err();
        let Error::NotFound(failure) = &error else { panic!("{error:?}") };
        assert_eq!(failure.status, 404);
        assert_eq!(failure.exception(), Some("com.genesyslab.gms.exceptions.NotFoundException"));
        assert_eq!(failure.body, crate::stub::fixture_text("gms-v1/error/not-found.json"));
    })
    .await;
}

#[tokio::test]
async fn reschedule_puts_the_new_time_and_state() {
    limit(async {
        let stub = Stub::always(Reply::empty(200));
        let body = RescheduleRequest {
            new_desired_time: "2026-11-24T15:30:00.000Z".into(),
            callback_state: Some(CallbackState::Scheduled),
            ..Default::default()
        };
        let answer = client(&stub).reschedule("samples", "2b3f", &body).await.unwrap();
        assert_eq!(answer, serde_json::Value::Null);
        let request = stub.only_request();
        assert_eq!(
            (request.method.as_str(), request.path.as_str()),
            ("PUT", "/genesys/1/service/callback/samples/2b3f")
        );
        assert_eq!(request.json(), fixture("gms-v1/reschedule-request/new-time-and-state.json"));
    })
    .await;
}

#[tokio::test]
async fn a_refused_reschedule_lists_free_slots() {
    limit(async {
        let stub = Stub::always(Reply::fixture(400, "gms-v1/error/reschedule-slot-unavailable.json"));
        let body = RescheduleRequest { new_desired_time: "2026-11-24T15:30:00.000Z".into(), ..Default::default() };
        let error = client(&stub).reschedule("samples", "2b3f", &body).await.unwrap_err();
        let Error::BadRequest(failure) = &error else { panic!("{error:?}") };
        let availability = failure.gms.as_ref().and_then(|g| g.availability.as_ref()).unwrap();
        assert_eq!(availability.get("2026-11-24T16:00:00.000Z"), Some(&4));
        assert_eq!(failure.message(), Some("Requested time slot is not available"));
        assert!(error.to_string().contains("HTTP 400 Bad Request: Requested time slot is not available"), "{error}");
    })
    .await;
}

#[tokio::test]
async fn query_by_id() {
    limit(async {
        let stub = Stub::always(Reply::fixture(200, "gms-v1/records/two-records.json"));
        let records = client(&stub).query_by_id("2b3f8c0e6f7a4c1d9e5b8a7d6c4f3e21").await.unwrap();
        assert_eq!(records.len(), 2);
        assert_eq!(records[0].callback_state, Some(CallbackState::Scheduled));
        assert_eq!(records[1].extra.get("firstname"), Some(&json!("Alice")));
        let request = stub.only_request();
        assert_eq!((request.method.as_str(), request.path.as_str()), ("GET", "/genesys/1/service/callback"));
        assert_eq!(request.query.get("_id").map(String::as_str), Some("2b3f8c0e6f7a4c1d9e5b8a7d6c4f3e21"));
    })
    .await;
}

#[tokio::test]
async fn query_by_properties() {
    limit(async {
        let stub = Stub::always(Reply::fixture(200, "gms-v1/records/empty.json"));
        let properties = BTreeMap::from([
            ("firstname".to_owned(), "Bob Jones".to_owned()),
            ("_callback_state".to_owned(), "SCHEDULED".to_owned()),
        ]);
        let records = client(&stub).query("samples", &properties).await.unwrap();
        assert!(records.is_empty());
        let request = stub.only_request();
        assert_eq!(request.path, "/genesys/1/service/callback/samples");
        let expected: BTreeMap<String, String> =
            [("operand", "AND"), ("firstname", "Bob Jones"), ("_callback_state", "SCHEDULED")]
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect();
        assert_eq!(request.query, expected);
    })
    .await;
}

#[tokio::test]
async fn availability_sends_the_four_parameters() {
    limit(async {
        let stub = Stub::always(Reply::fixture(200, "gms-v1/availability/slots.json"));
        let query = AvailabilityQuery {
            start: Some("2026-11-23T17:00:00.000Z".into()),
            end: Some("2026-11-24T17:00:00.000Z".into()),
            number_of_days: Some(1),
            max_time_slots: Some(20),
        };
        let slots = client(&stub).availability("samples", &query).await.unwrap();
        assert_eq!(slots.len(), 4);
        assert_eq!(slots.get("2026-11-23T17:45:00.000Z"), Some(&12));
        let request = stub.only_request();
        assert_eq!(
            (request.method.as_str(), request.path.as_str()),
            ("GET", "/genesys/1/service/callback/samples/availability")
        );
        assert_eq!(request.query.get("start").map(String::as_str), Some("2026-11-23T17:00:00.000Z"));
        assert_eq!(request.query.get("end").map(String::as_str), Some("2026-11-24T17:00:00.000Z"));
        assert_eq!(request.query.get("number-of-days").map(String::as_str), Some("1"));
        assert_eq!(request.query.get("max-time-slots").map(String::as_str), Some("20"));
    })
    .await;
}

#[tokio::test]
async fn request_interaction() {
    limit(async {
        let stub = Stub::always(Reply::fixture(200, "gms-v1/request-interaction-response/basic.json"));
        let body: RequestInteractionRequest =
            serde_json::from_value(fixture("gms-v1/request-interaction-request/basic.json")).unwrap();
        let answer = client(&stub).request_interaction(&body).await.unwrap();
        assert_eq!(answer.access_number.as_deref(), Some("+18005550100"));
        assert_eq!(answer.access_code.as_deref(), Some("4821"));
        assert_eq!(answer.expiration_time, Some(TimeValue::Text("30".into())));
        let request = stub.only_request();
        assert_eq!(
            (request.method.as_str(), request.path.as_str()),
            ("POST", "/genesys/1/service/request-interaction")
        );
        assert_eq!(request.json(), fixture("gms-v1/request-interaction-request/basic.json"));
    })
    .await;
}

#[tokio::test]
async fn every_error_keeps_status_and_raw_body() {
    limit(async {
        let cases = [
            (Reply::fixture(400, "gms-v1/error/bad-number.json"), 400),
            (Reply::fixture(503, "gms-v1/error/queue-limit.json"), 503),
            (Reply::text(500, "java.lang.NullPointerException at ..."), 500),
            (Reply::text(418, "teapot"), 418),
        ];
        for (reply, status) in cases {
            let stub = Stub::always(reply);
            let schedule = ScheduleRequest { customer_number: "4151110000".into(), ..Default::default() };
            let error = client(&stub).schedule("samples", &schedule).await.unwrap_err();
            assert_eq!(error.status(), Some(status));
            let failure = error.http().unwrap();
            assert!(!failure.body.is_empty());
            match status {
                400 => {
                    assert!(matches!(error, Error::BadRequest(_)));
                    assert_eq!(failure.message(), Some("Invalid phone number: 41511"));
                }
                503 => {
                    assert!(matches!(error, Error::ServiceUnavailable(_)));
                    assert_eq!(failure.exception(), Some("com.genesyslab.gms.exceptions.ServiceUnavailableException"));
                }
                500 => {
                    assert!(matches!(error, Error::ServerException(_)));
                    assert_eq!(failure.gms, None, "not JSON: nothing parsed");
                    assert_eq!(failure.body, "java.lang.NullPointerException at ...");
                }
                _ => assert!(matches!(error, Error::Http(_))),
            }
        }
    })
    .await;
}

#[tokio::test]
async fn an_undecodable_success_keeps_the_body() {
    limit(async {
        let stub = Stub::always(Reply::text(200, "<html>proxy page</html>"));
        let error = client(&stub).query_by_id("x").await.unwrap_err();
        let Error::Decode { status, body, .. } = &error else { panic!("{error:?}") };
        assert_eq!((*status, body.as_str()), (200, "<html>proxy page</html>"));
    })
    .await;
}
