//! The HTTP simulator's GMS v1 side (callbacks, availability, request-interaction) through the
//! real `cxwire-http` clients, on 127.0.0.1, with a manual clock.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use std::collections::BTreeMap;
use std::future::Future;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use cxwire_http::model::http::gms_v1::{
    AvailabilityQuery, CallbackState, ErrorBody, RequestInteractionRequest, RescheduleRequest, ScheduleRequest,
    TimeValue,
};
use cxwire_http::model::widgets::{AvailabilityOptions, CallbackConfig, RequestNumberOptions, ScheduleOptions};
use cxwire_http::{CallbackService, ClickToCallService, Error, GmsV1Client, ScheduleAnswer};
use cxwire_sim::http::{
    ClickToCallConfig, HttpSim, HttpSimConfig, HttpSimError, HttpSimHandle, ManualClock, OfficeHours, ServiceConfig,
    TimeOfDay,
};
use serde_json::{Value, json};

const SLOT_EXCEPTION: &str = "com.genesyslab.gms.exceptions.TimeSlotNotAvailableException";
const INVALID_EXCEPTION: &str = "com.genesyslab.gms.exceptions.InvalidParameterException";

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

fn gms(sim: &HttpSimHandle) -> GmsV1Client {
    GmsV1Client::builder(sim.gms_base_url()).timeout(Duration::from_secs(10)).build().unwrap()
}

fn widget_config(sim: &HttpSimHandle) -> CallbackConfig {
    CallbackConfig {
        data_url: format!("{}/callback/samples", sim.gms_base_url()),
        ajax_timeout: Some(10_000),
        ..Default::default()
    }
}

fn schedule_at(number: &str, t: Option<DateTime<Utc>>) -> ScheduleRequest {
    ScheduleRequest { customer_number: number.into(), desired_time: t.map(iso), ..Default::default() }
}

/// Runs a test body with a real-time limit.
async fn limit<F: Future>(future: F) -> F::Output {
    tokio::time::timeout(Duration::from_secs(30), future).await.expect("test took more than 30 s")
}

fn gms_body(error: &Error) -> ErrorBody {
    error.http().and_then(|f| f.gms.clone()).unwrap_or_else(|| panic!("no GMS error body in {error:?}"))
}

#[tokio::test]
async fn schedule_query_reschedule_cancel() {
    limit(async {
        let (sim, _clock) = start(HttpSimConfig::default()).await;
        let gms = gms(&sim);
        let mut body = schedule_at("4151110000", Some(monday(9, 0)));
        body.attached_data.insert("firstname".into(), json!("Bob"));
        body.attached_data.insert("visits".into(), json!(3));
        let answer = gms.schedule("samples", &body).await.unwrap();
        let id = answer.id.clone().unwrap();
        assert_eq!(id.len(), 32);
        assert_eq!(answer.action.as_deref(), Some("ConfirmationDialog"));
        assert_eq!(answer.text.as_deref(), Some("Your callback has been scheduled."));
        assert_eq!((answer.ok_title.as_deref(), answer.dialog_id.as_deref()), (Some("Ok"), Some("0")));

        let records = gms.query_by_id(&id).await.unwrap();
        assert_eq!(records.len(), 1);
        let record = &records[0];
        assert_eq!(record.id.as_deref(), Some(id.as_str()));
        assert_eq!(record.desired_time.as_deref(), Some("2026-11-23T09:00:00.000Z"));
        assert_eq!(record.service_name.as_deref(), Some("samples"));
        assert_eq!(record.callback_state, Some(CallbackState::Scheduled));
        assert_eq!(record.expiration_time.as_deref(), Some("2026-11-23T10:00:00.000Z"));
        assert_eq!(record.customer_number.as_deref(), Some("4151110000"));
        assert_eq!(record.callback_reason.as_deref(), Some("SCHEDULED"));
        assert_eq!(record.extra.get("firstname"), Some(&json!("Bob")));

        // Query by properties: AND of every pair, values compared as text.
        let by = |pairs: &[(&str, &str)]| {
            pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<BTreeMap<_, _>>()
        };
        assert_eq!(gms.query("samples", &by(&[("firstname", "Bob"), ("visits", "3")])).await.unwrap().len(), 1);
        assert_eq!(gms.query("samples", &by(&[("firstname", "Bob"), ("visits", "4")])).await.unwrap().len(), 0);
        assert_eq!(gms.query("samples", &by(&[("_callback_state", "SCHEDULED")])).await.unwrap().len(), 1);
        assert_eq!(gms.query("samples", &by(&[])).await.unwrap().len(), 1);

        // Reschedule: the answer is the updated record; the old slot is freed.
        let reschedule = RescheduleRequest { new_desired_time: iso(monday(9, 30)), ..Default::default() };
        let updated = gms.reschedule("samples", &id, &reschedule).await.unwrap();
        assert_eq!(updated["_desired_time"], "2026-11-23T09:30:00.000Z");
        assert_eq!(updated["_callback_state"], "SCHEDULED");
        assert_eq!(updated["firstname"], "Bob");
        let query =
            AvailabilityQuery { start: Some(iso(monday(9, 0))), end: Some(iso(monday(9, 30))), ..Default::default() };
        let slots = gms.availability("samples", &query).await.unwrap();
        assert_eq!(
            slots,
            BTreeMap::from([
                ("2026-11-23T09:00:00.000Z".to_owned(), 2),
                ("2026-11-23T09:15:00.000Z".to_owned(), 2),
                ("2026-11-23T09:30:00.000Z".to_owned(), 1),
            ])
        );

        // Cancel: 200 with an empty body; the record stays, COMPLETED / CANCELLED; its slot is free.
        gms.cancel("samples", &id).await.unwrap();
        let record = &gms.query_by_id(&id).await.unwrap()[0];
        assert_eq!(record.callback_state, Some(CallbackState::Completed));
        assert_eq!(record.callback_reason.as_deref(), Some("CANCELLED"));
        assert_eq!(gms.availability("samples", &query).await.unwrap()["2026-11-23T09:30:00.000Z"], 2);

        // Cancelling again, or rescheduling a completed callback, is a bad request.
        let again = gms.cancel("samples", &id).await.unwrap_err();
        assert!(matches!(again, Error::BadRequest(_)), "{again:?}");
        let moved = gms.reschedule("samples", &id, &reschedule).await.unwrap_err();
        assert!(matches!(moved, Error::BadRequest(_)), "{moved:?}");

        // Unknown ids: 404 with the GMS body; an empty array for a query by id.
        let unknown = gms.cancel("samples", "0000").await.unwrap_err();
        assert!(matches!(unknown, Error::NotFound(_)), "{unknown:?}");
        let body = gms_body(&unknown);
        assert_eq!(body.exception.as_deref(), Some("com.genesyslab.gms.exceptions.NotFoundException"));
        assert_eq!(body.message.as_deref(), Some("Callback 0000 not found"));
        let unknown = gms.reschedule("samples", "0000", &reschedule).await.unwrap_err();
        assert!(matches!(unknown, Error::NotFound(_)), "{unknown:?}");
        // A callback of another service is not found there either.
        assert!(matches!(gms.cancel("other", &id).await.unwrap_err(), Error::BadRequest(_)));
        assert!(gms.query_by_id("0000").await.unwrap().is_empty());
        sim.shutdown().await;
    })
    .await;
}

#[tokio::test]
async fn asap_callbacks_are_queued_without_taking_a_slot() {
    limit(async {
        let (sim, clock) = start(HttpSimConfig::default()).await;
        clock.set(monday(9, 5));
        let gms = gms(&sim);
        let answer = gms.schedule("samples", &schedule_at("+14151110000", None)).await.unwrap();
        assert_eq!(answer.text.as_deref(), Some("Your callback has been submitted; you will be called back shortly."));
        let record = &gms.query_by_id(answer.id.as_deref().unwrap()).await.unwrap()[0];
        assert_eq!(record.callback_state, Some(CallbackState::Queued));
        assert_eq!(record.desired_time.as_deref(), Some("2026-11-23T09:05:00.000Z"));
        // Outside office hours too (asapRequiresOpen is off by default).
        clock.set(monday(20, 0));
        gms.schedule("samples", &schedule_at("+14151110000", None)).await.unwrap();
        let stored = sim.state().callbacks();
        assert_eq!(stored.len(), 2);
        assert!(stored.iter().all(|c| c.slot.is_none() && c.state == CallbackState::Queued));

        // With asapRequiresOpen, a closed service refuses it like a closed slot.
        let mut config = HttpSimConfig::default();
        config.services.insert("strict".into(), ServiceConfig { asap_requires_open: true, ..Default::default() });
        let (strict, clock) = start(config).await;
        let gms = self::gms(&strict);
        let closed = gms.schedule("strict", &schedule_at("+14151110000", None)).await.unwrap_err();
        assert_eq!(gms_body(&closed).exception.as_deref(), Some(SLOT_EXCEPTION));
        clock.set(monday(8, 0));
        gms.schedule("strict", &schedule_at("+14151110000", None)).await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn a_full_or_closed_slot_answers_400() {
    limit(async {
        let (sim, _clock) = start(HttpSimConfig::default()).await;
        let gms = gms(&sim);
        // Capacity 2: two bookings anywhere in the 09:00 slot fill it.
        gms.schedule("samples", &schedule_at("4151110000", Some(monday(9, 0)))).await.unwrap();
        gms.schedule("samples", &schedule_at("4151110001", Some(monday(9, 14)))).await.unwrap();
        let full = gms.schedule("samples", &schedule_at("4151110002", Some(monday(9, 7)))).await.unwrap_err();
        assert!(matches!(full, Error::BadRequest(_)), "{full:?}");
        let body = gms_body(&full);
        assert_eq!(body.exception.as_deref(), Some(SLOT_EXCEPTION));
        assert_eq!(body.message.as_deref(), Some("Requested time slot is not available"));
        assert_eq!(body.availability, None);
        // The next slot is free.
        gms.schedule("samples", &schedule_at("4151110002", Some(monday(9, 15)))).await.unwrap();

        // Closed: before opening, after closing, on a Saturday.
        for closed in [monday(7, 30), monday(18, 0), Utc.with_ymd_and_hms(2026, 11, 28, 10, 0, 0).unwrap()] {
            let error = gms.schedule("samples", &schedule_at("4151110000", Some(closed))).await.unwrap_err();
            assert_eq!(gms_body(&error).exception.as_deref(), Some(SLOT_EXCEPTION), "{closed}");
        }
        // In the past: bad input.
        let past = gms.schedule("samples", &schedule_at("4151110000", Some(monday(6, 0)))).await.unwrap_err();
        assert_eq!(gms_body(&past).exception.as_deref(), Some(INVALID_EXCEPTION));
        assert_eq!(sim.state().callbacks().len(), 3);
    })
    .await;
}

#[tokio::test]
async fn reschedule_into_a_full_slot_lists_the_availability() {
    limit(async {
        let (sim, _clock) = start(HttpSimConfig::default()).await;
        let gms = gms(&sim);
        let first = gms.schedule("samples", &schedule_at("4151110000", Some(monday(10, 0)))).await.unwrap();
        gms.schedule("samples", &schedule_at("4151110001", Some(monday(10, 0)))).await.unwrap();
        gms.schedule("samples", &schedule_at("4151110002", Some(monday(10, 15)))).await.unwrap();
        let moving = gms.schedule("samples", &schedule_at("4151110003", Some(monday(9, 0)))).await.unwrap();

        let to_ten = RescheduleRequest {
            new_desired_time: iso(monday(10, 0)),
            callback_state: Some(CallbackState::Scheduled),
            ..Default::default()
        };
        let error = gms.reschedule("samples", moving.id.as_deref().unwrap(), &to_ten).await.unwrap_err();
        assert!(matches!(error, Error::BadRequest(_)), "{error:?}");
        let body = gms_body(&error);
        assert_eq!(body.exception.as_deref(), Some(SLOT_EXCEPTION));
        // The next free slots (three, the default `proposedSlots`), with their free capacity.
        assert_eq!(
            body.availability,
            Some(BTreeMap::from([
                ("2026-11-23T10:15:00.000Z".to_owned(), 1),
                ("2026-11-23T10:30:00.000Z".to_owned(), 2),
                ("2026-11-23T10:45:00.000Z".to_owned(), 2),
            ]))
        );
        // The callback kept its time.
        let record = &gms.query_by_id(moving.id.as_deref().unwrap()).await.unwrap()[0];
        assert_eq!(record.desired_time.as_deref(), Some("2026-11-23T09:00:00.000Z"));

        // Moving within its own (full) slot is fine: it does not count against itself.
        let within = RescheduleRequest { new_desired_time: iso(monday(10, 5)), ..Default::default() };
        gms.reschedule("samples", first.id.as_deref().unwrap(), &within).await.unwrap();
        // Only SCHEDULED may be set by a reschedule.
        let queued = RescheduleRequest { callback_state: Some(CallbackState::Queued), ..within };
        let error = gms.reschedule("samples", first.id.as_deref().unwrap(), &queued).await.unwrap_err();
        assert_eq!(gms_body(&error).exception.as_deref(), Some(INVALID_EXCEPTION));
    })
    .await;
}

#[tokio::test]
async fn availability_follows_office_hours_capacity_and_the_clock() {
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
                slot_minutes: 30,
                capacity: 5,
                ..Default::default()
            },
        );
        let (sim, clock) = start(config).await;
        let gms = gms(&sim);
        let day = AvailabilityQuery { start: Some(iso(monday(0, 0))), number_of_days: Some(1), ..Default::default() };
        let slots = gms.availability("samples", &day).await.unwrap();
        assert_eq!(slots.len(), 40);
        assert_eq!(slots.keys().next().map(String::as_str), Some("2026-11-23T08:00:00.000Z"));
        assert_eq!(slots.keys().last().map(String::as_str), Some("2026-11-23T17:45:00.000Z"));
        assert!(slots.values().all(|&free| free == 2));

        let five = AvailabilityQuery { max_time_slots: Some(5), ..day.clone() };
        assert_eq!(gms.availability("samples", &five).await.unwrap().len(), 5);

        // A full slot is listed with 0.
        gms.schedule("samples", &schedule_at("4151110000", Some(monday(8, 0)))).await.unwrap();
        gms.schedule("samples", &schedule_at("4151110001", Some(monday(8, 0)))).await.unwrap();
        assert_eq!(gms.availability("samples", &five).await.unwrap()["2026-11-23T08:00:00.000Z"], 0);

        // The weekend has no slots: an empty object.
        let saturday = AvailabilityQuery {
            start: Some("2026-11-28T00:00:00.000Z".into()),
            number_of_days: Some(2),
            ..Default::default()
        };
        assert!(gms.availability("samples", &saturday).await.unwrap().is_empty());

        // Past slots are not listed.
        clock.set(monday(12, 10));
        let slots = gms.availability("samples", &day).await.unwrap();
        assert_eq!(slots.keys().next().map(String::as_str), Some("2026-11-23T12:15:00.000Z"));
        assert_eq!(slots.len(), 23);

        // A service in its own offset: 09:00-17:00 at -08:00 is 17:00-01:00 UTC.
        let west = gms.availability("west", &day).await.unwrap();
        assert_eq!(west.len(), 14);
        assert_eq!(west.keys().next().map(String::as_str), Some("2026-11-23T17:00:00.000Z"));
        assert_eq!(west["2026-11-23T17:00:00.000Z"], 5);
        // Without a start: from now; without end or number of days: one day.
        let one = AvailabilityQuery { max_time_slots: Some(1), ..Default::default() };
        let from_now = gms.availability("west", &one).await.unwrap();
        assert_eq!(from_now.keys().next().map(String::as_str), Some("2026-11-23T17:00:00.000Z"));

        // Through the widget facade (`endDate` absent and `numberOfDays` absent: end = start).
        let callbacks = CallbackService::new(widget_config(&sim)).unwrap();
        let options = AvailabilityOptions { start_date: Some(iso(monday(13, 0))), ..Default::default() };
        let found = callbacks.availability(options).await.unwrap();
        assert_eq!(found.slots.len(), 1);
        assert_eq!((found.slots[0].start, found.slots[0].capacity), (monday(13, 0), 2));
    })
    .await;
}

#[tokio::test]
async fn the_callback_service_facade_schedules_and_is_refused_when_full() {
    limit(async {
        let (sim, _clock) = start(HttpSimConfig::default()).await;
        let callbacks = CallbackService::new(widget_config(&sim)).unwrap();
        let options = ScheduleOptions {
            firstname: Some("Bob".into()),
            subject: Some("product questions".into()),
            desired_time: Some(iso(monday(11, 0))),
            phonenumber: Some("4151110000".into()),
            ..Default::default()
        };
        let scheduled = callbacks.schedule(options.clone()).await.unwrap();
        assert!(matches!(scheduled.answer, ScheduleAnswer::V1(_)));
        let stored = sim.state().callback(scheduled.id.as_deref().unwrap()).unwrap();
        assert_eq!(stored.attached_data.get("notes"), Some(&json!("product questions")));
        assert_eq!(stored.slot, Some(monday(11, 0)));
        callbacks.schedule(options.clone()).await.unwrap();
        let error = callbacks.schedule(options).await.unwrap_err();
        assert!(matches!(error, Error::BadRequest(_)), "{error:?}");
        assert_eq!(error.http().unwrap().message(), Some("Requested time slot is not available"));
    })
    .await;
}

#[tokio::test]
async fn form_bodies_are_accepted() {
    limit(async {
        let (sim, _clock) = start(HttpSimConfig::default()).await;
        let http = reqwest::Client::new();
        let url = format!("{}/callback/samples", sim.gms_base_url());
        let answer = http
            .post(&url)
            .header("content-type", "application/x-www-form-urlencoded")
            .body("_customer_number=%2B14151110000&_desired_time=2026-11-23T09%3A00%3A00.000Z&firstname=Bob+Jones")
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status().as_u16(), 200);
        let answer: Value = answer.json().await.unwrap();
        let id = answer["_id"].as_str().unwrap().to_owned();
        let stored = sim.state().callback(&id).unwrap();
        assert_eq!(stored.customer_number, "+14151110000");
        assert_eq!(stored.attached_data.get("firstname"), Some(&json!("Bob Jones")));

        // An empty _desired_time in a form is "as soon as possible".
        let answer = http
            .post(&url)
            .header("content-type", "application/x-www-form-urlencoded")
            .body("_customer_number=4151110000&_desired_time=")
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status().as_u16(), 200);

        let answer = http
            .put(format!("{url}/{id}"))
            .header("content-type", "application/x-www-form-urlencoded; charset=UTF-8")
            .body("_new_desired_time=2026-11-23T09:45:00.000Z&_callback_state=SCHEDULED")
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status().as_u16(), 200);
        assert_eq!(sim.state().callback(&id).unwrap().desired_time, monday(9, 45));
    })
    .await;
}

#[tokio::test]
async fn the_queue_limit_answers_503() {
    limit(async {
        let mut config = HttpSimConfig::default();
        config.services.get_mut("samples").unwrap().queue_limit = Some(2);
        let (sim, _clock) = start(config).await;
        let gms = gms(&sim);
        let first = gms.schedule("samples", &schedule_at("4151110000", None)).await.unwrap();
        gms.schedule("samples", &schedule_at("4151110001", Some(monday(9, 0)))).await.unwrap();
        let error = gms.schedule("samples", &schedule_at("4151110002", None)).await.unwrap_err();
        assert!(matches!(error, Error::ServiceUnavailable(_)), "{error:?}");
        let body = gms_body(&error);
        assert_eq!(body.exception.as_deref(), Some("com.genesyslab.gms.exceptions.ServiceUnavailableException"));
        assert_eq!(body.message.as_deref(), Some("Callback queue limit reached"));
        // A cancelled callback no longer counts.
        gms.cancel("samples", first.id.as_deref().unwrap()).await.unwrap();
        gms.schedule("samples", &schedule_at("4151110002", None)).await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn request_interaction_reserves_access_numbers_until_they_expire() {
    limit(async {
        let config = HttpSimConfig {
            click_to_call: ClickToCallConfig {
                access_numbers: vec!["+18005550100".into()],
                expiry_seconds: 30,
                ..Default::default()
            },
            ..Default::default()
        };
        let (sim, clock) = start(config).await;
        let gms = gms(&sim);
        let mut body = RequestInteractionRequest { customer_number: Some("4151110000".into()), ..Default::default() };
        body.attached_data.insert("firstname".into(), json!("Bob"));
        let first = gms.request_interaction(&body).await.unwrap();
        assert_eq!(first.access_number.as_deref(), Some("+18005550100"));
        let code = first.access_code.clone().unwrap();
        assert_eq!(code.len(), 4);
        assert!(code.chars().all(|c| c.is_ascii_digit()));
        // `_expiration_time`: the seconds the number stays valid, as GMS's sample.
        assert_eq!(first.expiration_time, Some(TimeValue::Text("30".into())));
        assert_eq!(first.id.as_deref().map(str::len), Some(32));
        let grant = &sim.state().access_grants()[0];
        assert_eq!(grant.expires_at, monday(7, 0) + TimeDelta::seconds(30));
        assert_eq!(grant.attached_data.get("firstname"), Some(&json!("Bob")));

        // The only number is reserved: 503 with Retry-After.
        let busy = gms.request_interaction(&RequestInteractionRequest::default()).await.unwrap_err();
        assert!(matches!(busy, Error::ServiceUnavailable(_)), "{busy:?}");
        assert_eq!(busy.http().unwrap().retry_after, Some(Duration::from_secs(30)));
        clock.advance(TimeDelta::seconds(29));
        assert!(gms.request_interaction(&RequestInteractionRequest::default()).await.is_err());

        // Expired: the number is free again, with another code.
        clock.advance(TimeDelta::seconds(1));
        let second = gms.request_interaction(&RequestInteractionRequest::default()).await.unwrap();
        assert_eq!(second.access_number.as_deref(), Some("+18005550100"));
        assert_ne!(second.id, first.id);

        // A callback service can redirect to request-interaction.
        clock.advance(TimeDelta::seconds(30));
        let redirect = ScheduleRequest {
            customer_number: "4151110000".into(),
            redirect: Some("request-interaction".into()),
            ..Default::default()
        };
        let answer = gms.schedule("samples", &redirect).await.unwrap();
        assert_eq!(answer.extra.get("_access_number"), Some(&json!("+18005550100")));
        assert_eq!(sim.state().access_grants().last().unwrap().group.as_deref(), Some("samples"));
        assert!(sim.state().callbacks().is_empty());

        // A bad number is refused.
        let bad = RequestInteractionRequest { customer_number: Some("41511".into()), ..Default::default() };
        let error = gms.request_interaction(&bad).await.unwrap_err();
        assert_eq!(gms_body(&error).message.as_deref(), Some("Invalid phone number: 41511"));
    })
    .await;
}

#[tokio::test]
async fn click_to_call_service_over_v1() {
    limit(async {
        let (sim, clock) = start(HttpSimConfig::default()).await;
        let config = CallbackConfig {
            data_url: format!("{}/request-interaction", sim.gms_base_url()),
            ajax_timeout: Some(10_000),
            ..Default::default()
        };
        let service = ClickToCallService::new(config).unwrap();
        let options = RequestNumberOptions { phonenumber: Some("4151110000".into()), ..Default::default() };
        let session = service.request_number(options.clone()).await.unwrap();
        assert_eq!(session.access_number, "+18005550100");
        assert_eq!(session.access_code.as_deref().map(str::len), Some(4));
        assert!(session.expires_at.is_some());
        // Three numbers by default: each request gets the next free one.
        assert_eq!(service.request_number(options.clone()).await.unwrap().access_number, "+18005550101");
        assert_eq!(service.request_number(options.clone()).await.unwrap().access_number, "+18005550102");
        assert!(matches!(service.request_number(options.clone()).await, Err(Error::ServiceUnavailable(_))));
        clock.advance(TimeDelta::seconds(300));
        assert_eq!(service.request_number(options).await.unwrap().access_number, "+18005550100");
    })
    .await;
}

#[tokio::test]
async fn bad_input_gets_the_gms_error_body_and_the_server_stays_up() {
    limit(async {
        let config = HttpSimConfig { max_body_bytes: 1024, ..Default::default() };
        let (sim, _clock) = start(config).await;
        let http = reqwest::Client::new();
        let base = sim.gms_base_url();
        let service = format!("{base}/callback/samples");

        let cases: Vec<(&str, reqwest::RequestBuilder, u16, &str)> = vec![
            (
                "malformed JSON",
                http.post(&service).header("content-type", "application/json").body("{\"_customer_number\": "),
                400,
                "Malformed JSON body",
            ),
            (
                "not an object",
                http.post(&service).header("content-type", "application/json").body("[1, 2]"),
                400,
                "must be a JSON object",
            ),
            ("empty body", http.post(&service).header("content-type", "application/json"), 400, "empty"),
            ("wrong type", http.post(&service).json(&json!({"_customer_number": 4151110000_u64})), 400, "invalid type"),
            ("missing number", http.post(&service).json(&json!({"firstname": "Bob"})), 400, "_customer_number"),
            (
                "bad number",
                http.post(&service).json(&json!({"_customer_number": "41511"})),
                400,
                "Invalid phone number: 41511",
            ),
            (
                "bad time",
                http.post(&service).json(&json!({"_customer_number": "4151110000", "_desired_time": "tomorrow"})),
                400,
                "Invalid _desired_time",
            ),
            (
                "unknown service",
                http.post(format!("{base}/callback/nope")).json(&json!({"_customer_number": "4151110000"})),
                400,
                "Unknown callback service: nope",
            ),
            (
                "unknown redirect",
                http.post(&service).json(&json!({"_customer_number": "4151110000", "_redirect": "elsewhere"})),
                400,
                "Unknown _redirect",
            ),
            (
                "oversized body",
                http.post(&service).json(&json!({"_customer_number": "4151110000", "notes": "x".repeat(4096)})),
                413,
                "exceeds 1024 bytes",
            ),
            (
                "huge body",
                http.post(&service).header("content-type", "application/json").body(vec![b' '; 300_000]),
                413,
                "exceeds 1024 bytes",
            ),
            (
                "bad reschedule time",
                http.put(format!("{service}/abc")).json(&json!({"_new_desired_time": "soon"})),
                400,
                "Invalid _new_desired_time",
            ),
            ("reschedule without time", http.put(format!("{service}/abc")).json(&json!({})), 400, "_new_desired_time"),
            ("query without _id", http.get(format!("{base}/callback")), 400, "_id"),
            ("bad operand", http.get(format!("{service}?operand=XOR")), 400, "Invalid operand"),
            (
                "bad number of days",
                http.get(format!("{service}/availability?number-of-days=two")),
                400,
                "number-of-days",
            ),
            ("zero days", http.get(format!("{service}/availability?number-of-days=0")), 400, "at least 1"),
            ("zero slots", http.get(format!("{service}/availability?max-time-slots=0")), 400, "max-time-slots"),
            ("bad start", http.get(format!("{service}/availability?start=monday")), 400, "Invalid start"),
            (
                "end before start",
                http.get(format!("{service}/availability?start=2026-11-24T00:00:00Z&end=2026-11-23T00:00:00Z")),
                400,
                "before the start",
            ),
            (
                "unknown availability service",
                http.get(format!("{base}/callback/nope/availability")),
                400,
                "Unknown callback service",
            ),
            ("wrong method", http.patch(&service), 405, "PATCH"),
            ("unknown path", http.get(format!("{base}/nothing/here")), 404, "No such resource"),
            ("outside both APIs", http.get(sim.base_url()), 404, "No such resource"),
        ];
        for (name, request, status, text) in cases {
            let answer = request.send().await.unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(answer.status().as_u16(), status, "{name}");
            let body: ErrorBody = answer.json().await.unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(body.exception.is_some(), "{name}: {body:?}");
            let message = body.message.unwrap_or_default();
            assert!(message.contains(text), "{name}: {message}");
        }
        // Still serving, nothing was booked.
        assert!(sim.state().callbacks().is_empty());
        gms(&sim).schedule("samples", &schedule_at("4151110000", None)).await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn start_checks_the_address_and_the_configuration_and_shutdown_stops() {
    limit(async {
        let clock = ManualClock::new(monday(7, 0));
        let outside = HttpSim::start("0.0.0.0:0".parse().unwrap(), HttpSimConfig::default(), clock.clone()).await;
        assert!(matches!(outside, Err(HttpSimError::NotLoopback(_))), "{outside:?}");
        let mut config = HttpSimConfig::default();
        config.services.get_mut("samples").unwrap().slot_minutes = 0;
        let invalid = HttpSim::start("127.0.0.1:0".parse().unwrap(), config, clock.clone()).await;
        assert!(matches!(invalid, Err(HttpSimError::Config(_))), "{invalid:?}");

        let sim = HttpSim::start("[::1]:0".parse().unwrap(), HttpSimConfig::default(), clock.clone()).await;
        // IPv6 loopback may be missing in some sandboxes; when present it works like IPv4.
        if let Ok(sim) = sim {
            assert!(sim.gms_base_url().starts_with("http://[::1]:"));
            sim.shutdown().await;
        }

        let sim = HttpSim::start("127.0.0.1:0".parse().unwrap(), HttpSimConfig::default(), clock).await.unwrap();
        let addr = sim.local_addr();
        assert_eq!(sim.engagement_base_url(), format!("http://{addr}/engagement/v3"));
        assert_eq!(sim.gms_base_url(), format!("http://{addr}/genesys/1/service"));
        gms(&sim).availability("samples", &AvailabilityQuery::default()).await.unwrap();
        sim.shutdown().await;
        // Once shut down, nothing listens there any more.
        let refused = tokio::net::TcpStream::connect(addr).await;
        assert!(refused.is_err(), "still listening on {addr}");
    })
    .await;
}

/// Same keys (recursively) and the same JSON types as a real body of `tests/fixtures/`.
fn assert_fixture_shape(actual: &Value, fixture: &str) {
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
        config.click_to_call.access_numbers.truncate(1);
        let (sim, _clock) = start(config).await;
        let http = reqwest::Client::new();
        let service = format!("{}/callback/samples", sim.gms_base_url());
        let json_of = |r: reqwest::Response| async move { r.json::<Value>().await.unwrap() };

        let body = json!({
            "_customer_number": "4151110000", "_desired_time": "2026-11-23T17:00:00.000Z",
            "firstname": "Bob", "lastname": "Jones", "email": "b.jones@mail.com", "notes": "product questions"
        });
        let answer = json_of(http.post(&service).json(&body).send().await.unwrap()).await;
        assert_fixture_shape(&answer, "gms-v1/schedule-response/confirmation-dialog.json");
        let id = answer["_id"].as_str().unwrap().to_owned();
        let records =
            json_of(http.get(format!("{}/callback?_id={id}", sim.gms_base_url())).send().await.unwrap()).await;
        assert_fixture_shape(&records, "gms-v1/records/two-records.json");
        let slots =
            json_of(http.get(format!("{service}/availability?start=2026-11-23T17:00:00Z")).send().await.unwrap());
        assert_fixture_shape(&slots.await, "gms-v1/availability/slots.json");

        let full = http.post(&service).json(&body).send().await.unwrap();
        assert_eq!(full.status().as_u16(), 400);
        assert_fixture_shape(&json_of(full).await, "gms-v1/error/bad-number.json");
        let other = json!({"_customer_number": "4151110000", "_desired_time": "2026-11-23T16:00:00.000Z"});
        let other = json_of(http.post(&service).json(&other).send().await.unwrap()).await;
        let moved = json!({"_new_desired_time": "2026-11-23T17:00:00.000Z"});
        let refused = http.put(format!("{service}/{}", other["_id"].as_str().unwrap())).json(&moved).send().await;
        assert_fixture_shape(&json_of(refused.unwrap()).await, "gms-v1/error/reschedule-slot-unavailable.json");
        let missing = http.delete(format!("{service}/2b3f8c0e6f7a4c1d9e5b8a7d6c4f3e21")).send().await.unwrap();
        assert_eq!(missing.status().as_u16(), 404);
        assert_fixture_shape(&json_of(missing).await, "gms-v1/error/not-found.json");

        let request = json!({"_customer_number": "4151110000", "firstname": "Bob", "lastname": "Jones"});
        let url = format!("{}/request-interaction", sim.gms_base_url());
        let answer = json_of(http.post(&url).json(&request).send().await.unwrap()).await;
        assert_fixture_shape(&answer, "gms-v1/request-interaction-response/basic.json");
        let busy = http.post(&url).json(&request).send().await.unwrap();
        assert_eq!(busy.status().as_u16(), 503);
        assert_fixture_shape(&json_of(busy).await, "gms-v1/error/queue-limit.json");
    })
    .await;
}

#[tokio::test]
async fn garbage_on_the_socket_does_not_take_the_server_down() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    limit(async {
        let (sim, _clock) = start(HttpSimConfig::default()).await;
        for garbage in
            [&b"GARBAGE\r\n\r\n"[..], b"\x00\x01\x02\xff\r\n\r\n", b"POST / HTTP/1.1\r\nContent-Length: x\r\n\r\n"]
        {
            let mut stream = tokio::net::TcpStream::connect(sim.local_addr()).await.unwrap();
            stream.write_all(garbage).await.unwrap();
            let mut answer = Vec::new();
            // hyper answers 400 (or just closes); either way the connection ends.
            let _ = stream.read_to_end(&mut answer).await;
            let text = String::from_utf8_lossy(&answer);
            assert!(text.is_empty() || text.starts_with("HTTP/1.1 400"), "{text}");
        }
        gms(&sim).schedule("samples", &schedule_at("4151110000", None)).await.unwrap();
    })
    .await;
}
