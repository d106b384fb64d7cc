//! The HTTP simulator's Engagement v3 side (callbacks, availability, call-in, `x-api-key`)
//! through the real `cxwire-http` clients, on 127.0.0.1, with a manual clock.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use std::future::Future;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use cxwire_http::model::SecretString;
use cxwire_http::model::http::engagement_v3::{AvailabilityQuery, CallInRequest, CreateRequest, ErrorResponse};
use cxwire_http::model::http::gms_v1::CallbackState;
use cxwire_http::model::widgets::{
    ApiVersion, AvailabilityOptions, CallbackConfig, RequestNumberOptions, ScheduleOptions,
};
use cxwire_http::{CallbackService, ClickToCallService, EngagementV3Client, Error, GmsV1Client};
use cxwire_sim::http::{
    ClickToCallConfig, DEFAULT_API_KEY, HttpSim, HttpSimConfig, HttpSimHandle, ManualClock, OfficeHours, ServiceConfig,
    TimeOfDay,
};
use serde_json::json;

/// 2026-11-23 is a Monday; the clock starts at 07:00 UTC, before the default office hours.
fn monday(h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, h, m, 0).unwrap()
}

fn iso(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

async fn start(config: HttpSimConfig) -> (HttpSimHandle, ManualClock) {
    let clock = ManualClock::new(monday(7, 0));
    let sim = HttpSim::start("127.0.0.1:0".parse().unwrap(), config, clock.clone()).await.unwrap();
    (sim, clock)
}

fn v3(sim: &HttpSimHandle) -> EngagementV3Client {
    v3_with_key(sim, DEFAULT_API_KEY)
}

fn v3_with_key(sim: &HttpSimHandle, key: &str) -> EngagementV3Client {
    EngagementV3Client::builder(sim.engagement_base_url(), key).timeout(Duration::from_secs(10)).build().unwrap()
}

fn widget_config(sim: &HttpSimHandle) -> CallbackConfig {
    CallbackConfig {
        apikey: Some(SecretString::new(DEFAULT_API_KEY)),
        data_url: sim.engagement_base_url(),
        api_version: Some(ApiVersion::V3),
        service_name: Some("samples".into()),
        ajax_timeout: Some(10_000),
        ..Default::default()
    }
}

fn create_at(number: &str, t: Option<DateTime<Utc>>) -> CreateRequest {
    CreateRequest {
        service_name: "samples".into(),
        phone_number: number.into(),
        desired_time: t.map(iso),
        ..Default::default()
    }
}

/// Runs a test body with a real-time limit.
async fn limit<F: Future>(future: F) -> F::Output {
    tokio::time::timeout(Duration::from_secs(30), future).await.expect("test took more than 30 s")
}

fn v3_message(error: &Error) -> (u16, String) {
    let failure = error.http().unwrap_or_else(|| panic!("no HTTP answer in {error:?}"));
    let status = failure.v3_status.clone().unwrap_or_else(|| panic!("no v3 status in {error:?}"));
    assert!(status.corr_id.as_deref().is_some_and(|c| !c.is_empty()), "{error:?}");
    assert_eq!(status.code, Some(failure.status));
    (failure.status, status.message.unwrap_or_default())
}

#[tokio::test]
async fn create_retrieve_cancel() {
    limit(async {
        let (sim, _clock) = start(HttpSimConfig::default()).await;
        let client = v3(&sim);
        let mut body = create_at("+14151110000", Some(monday(9, 0)));
        body.user_data = Some([("firstname".to_owned(), json!("Bob"))].into_iter().collect());
        body.language = Some("en".into());
        body.priority = Some(5);
        let created = client.create(&body).await.unwrap();
        assert_eq!(created.status.code, Some(200));
        assert_eq!(created.status.message.as_deref(), Some("OK"));
        let corr = created.status.corr_id.clone().unwrap();
        assert_eq!(corr.len(), 36);
        let id = created.data.unwrap().id.unwrap();
        assert_eq!(id.len(), 36);
        let stored = sim.state().callback(&id).unwrap();
        assert_eq!((stored.language.as_deref(), stored.priority), (Some("en"), Some(5)));
        assert_eq!(stored.attached_data.get("firstname"), Some(&json!("Bob")));

        let retrieved = client.retrieve(&id).await.unwrap();
        assert_ne!(retrieved.status.corr_id.as_deref(), Some(corr.as_str()));
        let data = retrieved.data.unwrap();
        assert_eq!(data.id.as_deref(), Some(id.as_str()));
        assert_eq!(data.desired_time.as_deref(), Some("2026-11-23T09:00:00.000Z"));
        assert_eq!(data.callback_state, Some(CallbackState::Scheduled));
        assert_eq!(data.callback_reason, None);
        assert_eq!(data.phone_number.as_deref(), Some("+14151110000"));
        assert_eq!(data.position_in_queue, Some(0));
        // A scheduled callback waits until its time: two hours.
        assert_eq!(data.estimated_wait_time, Some(7200));

        let cancelled = client.cancel(&id).await.unwrap();
        assert_eq!(cancelled.data.unwrap().id.as_deref(), Some(id.as_str()));
        let data = client.retrieve(&id).await.unwrap().data.unwrap();
        assert_eq!(data.callback_state, Some(CallbackState::Completed));
        assert_eq!(data.callback_reason.as_deref(), Some("CUSTOMER_CANCELLED"));

        let again = client.cancel(&id).await.unwrap_err();
        assert!(matches!(again, Error::BadRequest(_)), "{again:?}");
        let unknown = client.retrieve("0d3b27e9-7c44-4d1f-9b6a-52e8c1f0a7d3").await.unwrap_err();
        assert!(matches!(unknown, Error::NotFound(_)), "{unknown:?}");
        assert_eq!(v3_message(&unknown), (404, "Callback not found".into()));
        let unknown = client.cancel("nope").await.unwrap_err();
        assert_eq!(v3_message(&unknown), (404, "Callback not found".into()));

        // One store for both APIs: the v3 callback is a v1 record too.
        let gms = GmsV1Client::new(sim.gms_base_url()).unwrap();
        let records = gms.query_by_id(&id).await.unwrap();
        assert_eq!(records[0].callback_reason.as_deref(), Some("CUSTOMER_CANCELLED"));
        assert_eq!(records[0].extra.get("firstname"), Some(&json!("Bob")));
    })
    .await;
}

#[tokio::test]
async fn asap_callbacks_report_their_place_in_the_queue() {
    limit(async {
        let (sim, _clock) = start(HttpSimConfig::default()).await;
        let client = v3(&sim);
        let mut ids = Vec::new();
        for n in 0..3 {
            let created = client.create(&create_at(&format!("+1415111000{n}"), None)).await.unwrap();
            ids.push(created.data.unwrap().id.unwrap());
        }
        for (i, id) in ids.iter().enumerate() {
            let data = client.retrieve(id).await.unwrap().data.unwrap();
            assert_eq!(data.callback_state, Some(CallbackState::Queued));
            assert_eq!(data.desired_time.as_deref(), Some("2026-11-23T07:00:00.000Z"));
            let position = i64::try_from(i).unwrap() + 1;
            assert_eq!((data.position_in_queue, data.estimated_wait_time), (Some(position), Some(position * 90)));
        }
        client.cancel(&ids[0]).await.unwrap();
        let data = client.retrieve(&ids[2]).await.unwrap().data.unwrap();
        assert_eq!((data.position_in_queue, data.estimated_wait_time), (Some(2), Some(180)));

        // The control API can move a callback along.
        sim.state().set_callback_state(&ids[1], CallbackState::Routing, None).unwrap();
        let data = client.retrieve(&ids[1]).await.unwrap().data.unwrap();
        assert_eq!(data.callback_state, Some(CallbackState::Routing));
        assert_eq!(client.retrieve(&ids[2]).await.unwrap().data.unwrap().position_in_queue, Some(1));
        sim.state().set_callback_state(&ids[1], CallbackState::Completed, Some("SUCCESS".into())).unwrap();
        let data = client.retrieve(&ids[1]).await.unwrap().data.unwrap();
        assert_eq!(data.callback_reason.as_deref(), Some("SUCCESS"));
    })
    .await;
}

#[tokio::test]
async fn a_full_slot_answers_429_with_proposed_slots() {
    limit(async {
        let (sim, _clock) = start(HttpSimConfig::default()).await;
        let client = v3(&sim);
        client.create(&create_at("+14151110000", Some(monday(9, 0)))).await.unwrap();
        client.create(&create_at("+14151110001", Some(monday(9, 0)))).await.unwrap();
        client.create(&create_at("+14151110002", Some(monday(9, 30)))).await.unwrap();
        client.create(&create_at("+14151110003", Some(monday(9, 30)))).await.unwrap();

        let full = client.create(&create_at("+14151110004", Some(monday(9, 0)))).await.unwrap_err();
        let Error::TooManyRequests { proposed_slots, .. } = &full else { panic!("{full:?}") };
        assert_eq!(v3_message(&full), (429, "Requested time slot is full".into()));
        let starts: Vec<_> = proposed_slots.iter().map(|s| s.start).collect();
        assert_eq!(starts, vec![monday(9, 15), monday(9, 45), monday(10, 0)]);
        assert!(proposed_slots.iter().all(|s| s.capacity == 2 && s.total == Some(2)));
        assert_eq!(proposed_slots[0].local_time.map(|t| t.to_rfc3339()), Some("2026-11-23T09:15:00+00:00".into()));
        // The raw body is the documented shape.
        let body: serde_json::Value = serde_json::from_str(&full.http().unwrap().body).unwrap();
        assert_eq!(body["data"]["slots"][0]["utcTime"], "2026-11-23T09:15:00.000Z");
        assert_eq!(body["data"]["slots"][0]["localTime"], "2026-11-23T09:15:00.000+00:00");

        // A closed slot (Saturday) proposes the next opening: Monday 08:00.
        let saturday = Utc.with_ymd_and_hms(2026, 11, 28, 10, 0, 0).unwrap();
        let closed = client.create(&create_at("+14151110004", Some(saturday))).await.unwrap_err();
        let Error::TooManyRequests { proposed_slots, .. } = &closed else { panic!("{closed:?}") };
        assert_eq!(v3_message(&closed), (429, "Requested time slot is outside office hours".into()));
        assert_eq!(proposed_slots[0].start, Utc.with_ymd_and_hms(2026, 11, 30, 8, 0, 0).unwrap());

        // Through the widget facade.
        let callbacks = CallbackService::new(widget_config(&sim)).unwrap();
        let options = ScheduleOptions {
            phonenumber: Some("+14151110005".into()),
            desired_time: Some(iso(monday(9, 30))),
            firstname: Some("Bob".into()),
            ..Default::default()
        };
        let error = callbacks.schedule(options.clone()).await.unwrap_err();
        assert!(
            matches!(&error, Error::TooManyRequests { proposed_slots, .. } if proposed_slots.len() == 3),
            "{error:?}"
        );
        let scheduled = callbacks.schedule(ScheduleOptions { desired_time: Some(iso(monday(9, 15))), ..options }).await;
        let id = scheduled.unwrap().id.unwrap();
        assert_eq!(sim.state().callback(&id).unwrap().attached_data.get("firstname"), Some(&json!("Bob")));
    })
    .await;
}

#[tokio::test]
async fn availability_in_the_service_time_zone() {
    limit(async {
        let mut config = HttpSimConfig::default();
        config.services.insert(
            "west".into(),
            ServiceConfig {
                utc_offset: "-08:00".parse().unwrap(),
                timezone: Some("America/Los_Angeles".into()),
                office_hours: vec![OfficeHours {
                    open: TimeOfDay::hm(9, 0),
                    close: TimeOfDay::hm(17, 0),
                    ..Default::default()
                }],
                capacity: 10,
                ..Default::default()
            },
        );
        let (sim, clock) = start(config).await;
        let client = v3(&sim);
        let query = AvailabilityQuery {
            start: Some(iso(monday(0, 0))),
            number_of_days: Some(1),
            max_time_slots: Some(2),
            ..Default::default()
        };
        let answer = client.availability("west", &query).await.unwrap();
        assert_eq!(answer.status.code, Some(200));
        let data = answer.data.unwrap();
        assert_eq!((data.duration_min, data.timezone.as_deref()), (Some(15), Some("America/Los_Angeles")));
        let slots = data.slots.unwrap();
        assert_eq!(slots.len(), 2);
        assert_eq!(slots[0].utc_time.as_deref(), Some("2026-11-23T17:00:00.000Z"));
        assert_eq!(slots[0].local_time.as_deref(), Some("2026-11-23T09:00:00.000-08:00"));
        assert_eq!((slots[0].capacity, slots[0].total), (Some(10), Some(10)));

        // localTime in a requested fixed offset; a zone the simulator cannot resolve is refused.
        let paris = AvailabilityQuery { timezone: Some("+01:00".into()), ..query.clone() };
        let data = client.availability("west", &paris).await.unwrap().data.unwrap();
        assert_eq!(data.timezone.as_deref(), Some("+01:00"));
        assert_eq!(data.slots.unwrap()[0].local_time.as_deref(), Some("2026-11-23T18:00:00.000+01:00"));
        let named = AvailabilityQuery { timezone: Some("Europe/Paris".into()), ..query.clone() };
        let error = client.availability("west", &named).await.unwrap_err();
        assert!(v3_message(&error).1.starts_with("Unsupported timezone Europe/Paris"), "{error:?}");

        // The default service: UTC, capacity going down as callbacks are booked.
        client.create(&create_at("+14151110000", Some(monday(8, 0)))).await.unwrap();
        let data = client.availability("samples", &query).await.unwrap().data.unwrap();
        assert_eq!(data.timezone.as_deref(), Some("UTC"));
        let slots = data.slots.unwrap();
        assert_eq!(slots[0].local_time.as_deref(), Some("2026-11-23T08:00:00.000+00:00"));
        assert_eq!((slots[0].capacity, slots[1].capacity), (Some(1), Some(2)));

        // The facade, with the end inclusive; past slots are gone once the clock moves.
        clock.set(monday(8, 20));
        let callbacks = CallbackService::new(widget_config(&sim)).unwrap();
        let options = AvailabilityOptions {
            start_date: Some(iso(monday(8, 0))),
            end_date: Some(iso(monday(9, 0))),
            ..Default::default()
        };
        let found = callbacks.availability(options).await.unwrap();
        let starts: Vec<_> = found.slots.iter().map(|s| s.start).collect();
        assert_eq!(starts, vec![monday(8, 30), monday(8, 45), monday(9, 0)]);
        assert_eq!(found.duration_minutes, Some(15));

        // Unknown service.
        let error = client.availability("nope", &query).await.unwrap_err();
        assert_eq!(v3_message(&error), (400, "Unknown serviceName: nope".into()));
    })
    .await;
}

#[tokio::test]
async fn a_wrong_or_missing_api_key_is_401() {
    limit(async {
        let (sim, _clock) = start(HttpSimConfig::default()).await;
        let wrong = v3_with_key(&sim, "not-the-key");
        for error in [
            wrong.create(&create_at("+14151110000", None)).await.unwrap_err(),
            wrong.retrieve("x").await.unwrap_err(),
            wrong.cancel("x").await.unwrap_err(),
            wrong.availability("samples", &AvailabilityQuery::default()).await.unwrap_err(),
            wrong
                .call_in(&CallInRequest {
                    group_name: "samples".into(),
                    from_phone_number: "+14151110000".into(),
                    user_data: None,
                })
                .await
                .unwrap_err(),
        ] {
            assert!(matches!(error, Error::Http(_)), "{error:?}");
            assert_eq!(v3_message(&error), (401, "Unauthorized: missing or invalid x-api-key".into()));
        }
        // A key of the right length but wrong content, and a missing key.
        let almost = v3_with_key(&sim, &DEFAULT_API_KEY.replace('k', "K"));
        assert_eq!(almost.retrieve("x").await.unwrap_err().status(), Some(401));
        let http = reqwest::Client::new();
        let answer =
            http.post(format!("{}/callbacks/create", sim.engagement_base_url())).json(&json!({})).send().await.unwrap();
        assert_eq!(answer.status().as_u16(), 401);
        let body: ErrorResponse = answer.json().await.unwrap();
        assert_eq!(body.status.code, Some(401));
        assert!(body.data.is_none());
        // Checked before anything else, unknown paths included.
        let answer = http.get(format!("{}/nothing", sim.engagement_base_url())).send().await.unwrap();
        assert_eq!(answer.status().as_u16(), 401);
        assert!(sim.state().callbacks().is_empty());
    })
    .await;
}

#[tokio::test]
async fn call_in_access_numbers_expire_on_the_manual_clock() {
    limit(async {
        let config = HttpSimConfig {
            click_to_call: ClickToCallConfig {
                access_numbers: vec!["+18005550100".into()],
                expiry_seconds: 60,
                code_digits: 6,
            },
            ..Default::default()
        };
        let (sim, clock) = start(config).await;
        let client = v3(&sim);
        let request = CallInRequest {
            group_name: "samples".into(),
            from_phone_number: "+14151110000".into(),
            user_data: Some([("firstname".to_owned(), json!("Bob"))].into_iter().collect()),
        };
        let answer = client.call_in(&request).await.unwrap();
        let data = answer.data.unwrap();
        assert_eq!(data.to_phone_number.as_deref(), Some("+18005550100"));
        assert!((100_000..1_000_000).contains(&data.access_code.unwrap()));
        assert_eq!(data.expiration_time, Some((monday(7, 0) + TimeDelta::seconds(60)).timestamp()));
        assert_eq!(data.from_phone_number.as_deref(), Some("+14151110000"));
        assert_eq!(data.group_name.as_deref(), Some("samples"));
        assert_eq!(data.id.as_deref().map(str::len), Some(36));

        let busy = client.call_in(&request).await.unwrap_err();
        assert!(matches!(busy, Error::ServiceUnavailable(_)), "{busy:?}");
        assert_eq!(v3_message(&busy), (503, "No access number is available".into()));

        // Through ClickToCallService once the number has expired.
        clock.advance(TimeDelta::seconds(60));
        let service = ClickToCallService::new(widget_config(&sim)).unwrap();
        let options = RequestNumberOptions { phonenumber: Some("+14151110000".into()), ..Default::default() };
        let session = service.request_number(options.clone()).await.unwrap();
        assert_eq!(session.access_number, "+18005550100");
        let expires = monday(7, 2);
        assert_eq!(session.expires_at, Some(expires));
        assert_eq!(service.restore_at(expires - TimeDelta::seconds(1)), Some(session));
        assert!(matches!(service.request_number(options.clone()).await, Err(Error::ServiceUnavailable(_))));
        clock.set(expires);
        assert_eq!(service.restore_at(expires), None);
        service.request_number(options).await.unwrap();
        assert_eq!(sim.state().access_grants().len(), 3);
    })
    .await;
}

#[tokio::test]
async fn bad_input_gets_the_v3_error_body_and_the_server_stays_up() {
    limit(async {
        let config = HttpSimConfig { max_body_bytes: 1024, ..Default::default() };
        let (sim, _clock) = start(config).await;
        let http = reqwest::Client::new();
        let base = sim.engagement_base_url();
        let create = format!("{base}/callbacks/create");
        let key = |r: reqwest::RequestBuilder| r.header("x-api-key", DEFAULT_API_KEY);
        let ok = json!({"serviceName": "samples", "phoneNumber": "+14151110000"});
        let with = |k: &str, v: serde_json::Value| {
            let mut body = ok.clone();
            body[k] = v;
            body
        };
        let cases: Vec<(&str, reqwest::RequestBuilder, u16, &str)> = vec![
            (
                "malformed JSON",
                key(http.post(&create)).header("content-type", "application/json").body("{"),
                400,
                "Malformed JSON body",
            ),
            (
                "missing serviceName",
                key(http.post(&create)).json(&json!({"phoneNumber": "+14151110000"})),
                400,
                "serviceName",
            ),
            ("wrong type", key(http.post(&create)).json(&with("priority", json!("high"))), 400, "invalid type"),
            (
                "unknown service",
                key(http.post(&create)).json(&with("serviceName", json!("nope"))),
                400,
                "Unknown serviceName: nope",
            ),
            (
                "bad phone",
                key(http.post(&create)).json(&with("phoneNumber", json!("41511"))),
                400,
                "Invalid phoneNumber",
            ),
            (
                "bad userData key",
                key(http.post(&create)).json(&with("userData", json!({"first name": "Bob"}))),
                400,
                "first name",
            ),
            (
                "bad desiredTime",
                key(http.post(&create)).json(&with("desiredTime", json!("tomorrow"))),
                400,
                "Invalid desiredTime",
            ),
            (
                "past desiredTime",
                key(http.post(&create)).json(&with("desiredTime", json!("2026-11-23T06:00:00.000Z"))),
                400,
                "in the past",
            ),
            (
                "oversized",
                key(http.post(&create)).json(&with("userData", json!({"notes": "x".repeat(4096)}))),
                413,
                "exceeds 1024 bytes",
            ),
            ("cancel without id", key(http.post(format!("{base}/callbacks/cancel"))).json(&json!({})), 400, "id"),
            (
                "retrieve with empty id",
                key(http.post(format!("{base}/callbacks/retrieve"))).json(&json!({"id": " "})),
                400,
                "Missing id",
            ),
            (
                "bad numberOfDays",
                key(http.get(format!("{base}/callbacks/availability/samples?numberOfDays=-1"))),
                400,
                "numberOfDays",
            ),
            (
                "zero maxTimeSlots",
                key(http.get(format!("{base}/callbacks/availability/samples?maxTimeSlots=0"))),
                400,
                "maxTimeSlots",
            ),
            (
                "unknown group",
                key(http.post(format!("{base}/call-in/requests/create")))
                    .json(&json!({"groupName": "nope", "fromPhoneNumber": "+14151110000"})),
                400,
                "Unknown groupName",
            ),
            (
                "bad fromPhoneNumber",
                key(http.post(format!("{base}/call-in/requests/create")))
                    .json(&json!({"groupName": "samples", "fromPhoneNumber": "x"})),
                400,
                "Invalid fromPhoneNumber",
            ),
            ("wrong method", key(http.get(&create)), 405, "Method not allowed"),
            ("unknown path", key(http.post(format!("{base}/callbacks/explode"))), 404, "No such resource"),
        ];
        for (name, request, status, text) in cases {
            let answer = request.send().await.unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(answer.status().as_u16(), status, "{name}");
            let body: ErrorResponse = answer.json().await.unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(body.status.code, Some(status), "{name}");
            assert!(body.status.corr_id.is_some(), "{name}");
            let message = body.status.message.unwrap_or_default();
            assert!(message.contains(text), "{name}: {message}");
        }
        assert!(sim.state().callbacks().is_empty());
        assert!(sim.state().access_grants().is_empty());
        v3(&sim).create(&create_at("+14151110000", None)).await.unwrap();
    })
    .await;
}

/// Same keys (recursively) and the same JSON types as a real body of `tests/fixtures/`.
fn assert_fixture_shape(actual: &serde_json::Value, fixture: &str) {
    use serde_json::Value;
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures").join(fixture);
    let expected: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    fn shape(a: &Value, b: &Value, at: &str) {
        match (a, b) {
            // Objects keyed by time (availability) are maps: only their values are compared.
            (Value::Object(a), Value::Object(b)) if [a, b].iter().all(|m| m.keys().all(|k| k.starts_with("20"))) => {
                for (k, v) in a {
                    shape(v, b.values().next().unwrap_or(v), &format!("{at}.{k}"));
                }
            }
            (Value::Object(a), Value::Object(b)) => {
                let (ka, kb): (Vec<_>, Vec<_>) = (a.keys().collect(), b.keys().collect());
                assert_eq!(ka, kb, "keys at {at}");
                for (k, v) in a {
                    shape(v, &b[k], &format!("{at}.{k}"));
                }
            }
            (Value::Array(a), Value::Array(b)) => {
                if let (Some(a), Some(b)) = (a.first(), b.first()) {
                    shape(a, b, &format!("{at}[0]"));
                }
            }
            (a, b) => assert_eq!(std::mem::discriminant(a), std::mem::discriminant(b), "type at {at}: {a} vs {b}"),
        }
    }
    shape(actual, &expected, fixture);
}

#[tokio::test]
async fn answers_have_the_shape_of_the_real_bodies() {
    limit(async {
        let mut config = HttpSimConfig::default();
        config.services.get_mut("samples").unwrap().capacity = 1;
        let (sim, _clock) = start(config).await;
        let http = reqwest::Client::new();
        let base = sim.engagement_base_url();
        let post = |path: &str, body: serde_json::Value| {
            http.post(format!("{base}{path}")).header("x-api-key", DEFAULT_API_KEY).json(&body).send()
        };
        let json_of = |r: reqwest::Response| async move { r.json::<serde_json::Value>().await.unwrap() };

        let scheduled = serde_json::from_str::<serde_json::Value>(
            &std::fs::read_to_string(
                std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("../../tests/fixtures/engagement-v3/create-request/scheduled.json"),
            )
            .unwrap(),
        )
        .unwrap();
        let mut body = scheduled.clone();
        body["serviceName"] = json!("samples");
        let created = json_of(post("/callbacks/create", body.clone()).await.unwrap()).await;
        assert_fixture_shape(&created, "engagement-v3/create-response/ok.json");
        let full = post("/callbacks/create", body).await.unwrap();
        assert_eq!(full.status().as_u16(), 429);
        assert_fixture_shape(&json_of(full).await, "engagement-v3/proposed-slots-response/slot-full.json");

        let queued = json_of(
            post("/callbacks/create", json!({"serviceName": "samples", "phoneNumber": "+14151110000"})).await.unwrap(),
        )
        .await;
        let id = json!({"id": queued["data"]["id"]});
        let retrieved = json_of(post("/callbacks/retrieve", id.clone()).await.unwrap()).await;
        assert_fixture_shape(&retrieved, "engagement-v3/retrieve-response/queued.json");
        assert_fixture_shape(
            &json_of(post("/callbacks/cancel", id.clone()).await.unwrap()).await,
            "engagement-v3/cancel-response/ok.json",
        );
        let retrieved = json_of(post("/callbacks/retrieve", id).await.unwrap()).await;
        assert_fixture_shape(&retrieved, "engagement-v3/retrieve-response/completed-with-reason.json");
        let missing = post("/callbacks/retrieve", json!({"id": "nope"})).await.unwrap();
        assert_fixture_shape(&json_of(missing).await, "engagement-v3/error-response/not-found.json");
        let bad = post("/callbacks/create", json!({"serviceName": "samples", "phoneNumber": "1"})).await.unwrap();
        assert_fixture_shape(&json_of(bad).await, "engagement-v3/error-response/bad-request.json");

        let slots = http
            .get(format!("{base}/callbacks/availability/samples?start=2026-11-23T17:00:00.000Z&maxTimeSlots=2"))
            .header("x-api-key", DEFAULT_API_KEY)
            .send()
            .await
            .unwrap();
        assert_fixture_shape(&json_of(slots).await, "engagement-v3/availability-response/ok.json");
        let call_in =
            json!({"groupName": "samples", "fromPhoneNumber": "+14151110000", "userData": {"firstname": "Bob"}});
        let answer = json_of(post("/call-in/requests/create", call_in).await.unwrap()).await;
        assert_fixture_shape(&answer, "engagement-v3/call-in-response/ok.json");
    })
    .await;
}
