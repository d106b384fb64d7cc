//! ajaxTimeout: a server that never answers.

use std::time::{Duration, Instant};

use cxwire_http::{CallbackEvent, CallbackService, Error};
use cxwire_model::widgets::{AvailabilityOptions, CallbackConfig, ScheduleOptions};

use crate::stub::{Reply, Stub, limit};
use crate::{v1_config, v3_config};

fn options() -> ScheduleOptions {
    ScheduleOptions { phonenumber: Some("+14155550123".into()), ..Default::default() }
}

#[tokio::test]
async fn ajax_timeout_ends_a_schedule_that_gets_no_answer() {
    limit(async {
        let stub = Stub::always(Reply::hang());
        let config = CallbackConfig { ajax_timeout: Some(150), ..v1_config(&stub) };
        let service = CallbackService::new(config).unwrap();
        let mut events = service.subscribe();
        let started = Instant::now();
        let error = service.schedule(options()).await.unwrap_err();
        let elapsed = started.elapsed();
        assert!(matches!(error, Error::Timeout(d) if d == Duration::from_millis(150)), "{error:?}");
        assert!(error.is_timeout());
        assert_eq!(error.to_string(), "no answer within 150 ms (ajaxTimeout)");
        assert!(elapsed >= Duration::from_millis(150), "{elapsed:?}");
        assert!(elapsed < Duration::from_secs(3), "{elapsed:?}");
        events.recv().await.unwrap();
        assert_eq!(events.recv().await.unwrap(), CallbackEvent::ScheduleError(error));
    })
    .await;
}

#[tokio::test]
async fn ajax_timeout_ends_a_v3_availability_that_gets_no_answer() {
    limit(async {
        let stub = Stub::always(Reply::hang());
        let config = CallbackConfig { ajax_timeout: Some(100), ..v3_config(&stub) };
        let service = CallbackService::new(config).unwrap();
        let options = AvailabilityOptions { start_date: Some("2026-11-23T17:00:00.000Z".into()), ..Default::default() };
        let error = service.availability(options).await.unwrap_err();
        assert!(matches!(error, Error::Timeout(d) if d == Duration::from_millis(100)), "{error:?}");
    })
    .await;
}

/// The default is 3000 ms; the test's clock is paused, so no real time passes.
#[tokio::test(start_paused = true)]
async fn the_default_ajax_timeout_is_3000_ms() {
    let stub = Stub::always(Reply::hang());
    let service = CallbackService::new(v1_config(&stub)).unwrap();
    assert_eq!(service.gms_v1().unwrap().timeout(), Duration::from_millis(3000));
    let started = tokio::time::Instant::now();
    let error = service.schedule(options()).await.unwrap_err();
    assert!(matches!(error, Error::Timeout(d) if d == Duration::from_millis(3000)), "{error:?}");
    assert!(started.elapsed() >= Duration::from_millis(3000));
}
