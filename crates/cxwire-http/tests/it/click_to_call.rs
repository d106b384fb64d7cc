//! ClickToCallService: requestNumber over v1 and v3, restore and expiry, the file store.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::{SubsecRound, TimeDelta, Utc};
use cxwire_http::{ClickToCallAnswer, ClickToCallService, Error, JsonFileStore, SessionStore};
use cxwire_model::widgets::{CallbackConfig, RequestNumberOptions};
use serde_json::json;

use crate::stub::{Reply, Stub, fixture, limit};
use crate::{KEY, user_data, v1_config, v3_config};

fn bob(number: &str) -> RequestNumberOptions {
    RequestNumberOptions {
        phonenumber: Some(number.into()),
        user_data: Some(user_data(json!({"firstname": "Bob", "lastname": "Jones"}))),
    }
}

fn temp_file(name: &str) -> PathBuf {
    static COUNT: AtomicUsize = AtomicUsize::new(0);
    let n = COUNT.fetch_add(1, Ordering::SeqCst);
    std::env::temp_dir().join(format!("cxwire-http-{}-{n}-{name}", std::process::id()))
}

#[tokio::test]
async fn request_number_over_v1() {
    limit(async {
        let stub = Stub::always(Reply::fixture(200, "gms-v1/request-interaction-response/basic.json"));
        let service = ClickToCallService::new(v1_config(&stub)).unwrap();
        assert_eq!(service.restore(), None, "nothing saved yet: the empty object");
        let before = Utc::now().trunc_subsecs(3);
        let session = service.request_number(bob("4151110000")).await.unwrap();
        assert_eq!(session.access_number, "+18005550100");
        assert_eq!(session.access_code.as_deref(), Some("4821"));
        assert_eq!(session.id.as_deref(), Some("5c7e9a1b3d2f4e6a8b0c1d2e3f4a5b6c"));
        // "_expiration_time": "30" reads as 30 seconds from the answer.
        let expires = session.expires_at.unwrap();
        assert!(expires >= before + TimeDelta::seconds(30) && expires <= Utc::now() + TimeDelta::seconds(30));
        assert!(matches!(session.answer, ClickToCallAnswer::V1(_)));
        let request = stub.only_request();
        assert_eq!(
            (request.method.as_str(), request.path.as_str()),
            ("POST", "/genesys/1/service/request-interaction")
        );
        assert_eq!(request.json(), fixture("gms-v1/request-interaction-request/basic.json"));
        assert_eq!(service.restore(), Some(session));
    })
    .await;
}

#[tokio::test]
async fn request_number_over_v3_merges_user_data() {
    limit(async {
        let stub = Stub::always(Reply::fixture(200, "engagement-v3/call-in-response/ok.json"));
        let config = CallbackConfig { service_name: Some("Support".into()), ..v3_config(&stub) };
        let config = CallbackConfig { user_data: Some(user_data(json!({"lastname": "Default"}))), ..config };
        let service = ClickToCallService::new(config).unwrap();
        let session = service.request_number(bob("+14151110000")).await.unwrap();
        assert_eq!(session.access_number, "+18005550100");
        assert_eq!(session.access_code.as_deref(), Some("4821"));
        assert_eq!(
            session.expires_at.map(|t| cxwire_http::wire_time::format(&t)).as_deref(),
            Some("2026-11-21T08:00:00.000Z")
        );
        let request = stub.only_request();
        assert_eq!(
            (request.method.as_str(), request.path.as_str()),
            ("POST", "/engagement/v3/call-in/requests/create")
        );
        assert_eq!(request.headers.get("x-api-key").map(String::as_str), Some(KEY));
        assert_eq!(request.json(), fixture("engagement-v3/call-in-request/basic.json"));
        // Before the expiry the session is restored; after it, it is forgotten.
        let expiry = session.expires_at.unwrap();
        assert_eq!(service.restore_at(expiry - TimeDelta::seconds(1)), Some(session.clone()));
        assert_eq!(service.restore_at(expiry), None);
        assert_eq!(service.restore_at(expiry - TimeDelta::seconds(1)), None, "an expired session is removed");

        let error = service.request_number(RequestNumberOptions::default()).await.unwrap_err();
        assert!(matches!(error, Error::InvalidOption { option: "phonenumber", .. }), "{error:?}");
        let no_group = CallbackConfig { service_name: None, ..v3_config(&stub) };
        assert!(matches!(ClickToCallService::new(no_group), Err(Error::Config(_))));
    })
    .await;
}

#[tokio::test]
async fn expired_numbers_are_forgotten() {
    limit(async {
        let stub = Stub::always(Reply::json(
            200,
            r#"{"_access_number":"+18005550100","_access_code":"1","_expiration_time":"0"}"#,
        ));
        let service = ClickToCallService::new(v1_config(&stub)).unwrap();
        let session = service.request_number(RequestNumberOptions::default()).await.unwrap();
        assert!(session.expires_at.unwrap() <= Utc::now());
        assert_eq!(service.restore(), None);
        // Without a phone number, v1 leaves `_customer_number` out.
        assert_eq!(stub.only_request().json(), json!({}));
    })
    .await;
}

#[tokio::test]
async fn a_failed_request_keeps_the_previous_session() {
    limit(async {
        let stub = Stub::sequence(vec![
            Reply::fixture(200, "gms-v1/request-interaction-response/basic.json"),
            Reply::json(500, r#"{"exception":"x","message":"down"}"#),
            Reply::json(200, r#"{"_id":"no number"}"#),
        ]);
        let service = ClickToCallService::new(v1_config(&stub)).unwrap();
        let first = service.request_number(bob("4151110000")).await.unwrap();
        assert!(matches!(service.request_number(bob("4151110000")).await, Err(Error::ServerException(_))));
        let error = service.request_number(bob("4151110000")).await.unwrap_err();
        assert!(matches!(&error, Error::Decode { body, .. } if body.contains("no number")), "{error:?}");
        assert_eq!(service.restore(), Some(first));
        service.forget().unwrap();
        assert_eq!(service.restore(), None);
    })
    .await;
}

#[tokio::test]
async fn the_json_file_store_survives_a_restart() {
    limit(async {
        let path = temp_file("session.json");
        let stub = Stub::always(Reply::fixture(200, "gms-v1/request-interaction-response/basic.json"));
        let service = ClickToCallService::builder(v1_config(&stub)).store(JsonFileStore::new(&path)).build().unwrap();
        let session = service.request_number(bob("4151110000")).await.unwrap();
        drop(service);
        let saved: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(saved["accessNumber"], "+18005550100");
        assert_eq!(saved["answer"]["v1"]["_access_code"], "4821");

        let restarted = ClickToCallService::builder(v1_config(&stub)).store(JsonFileStore::new(&path)).build().unwrap();
        assert_eq!(restarted.restore(), Some(session.clone()));
        // Expired: forgotten, and the file removed.
        assert_eq!(restarted.restore_at(session.expires_at.unwrap() + TimeDelta::seconds(1)), None);
        assert!(!path.exists());
        assert_eq!(restarted.restore(), None);
    })
    .await;
}

#[test]
fn a_corrupt_file_restores_nothing() {
    let path = temp_file("corrupt.json");
    std::fs::write(&path, "{not json").unwrap();
    let store = JsonFileStore::new(&path);
    assert!(matches!(store.load(), Err(Error::Store(_))));
    let config = CallbackConfig { data_url: "http://127.0.0.1:9/genesys/1/service".into(), ..Default::default() };
    let service = ClickToCallService::builder(config).store(store.clone()).build().unwrap();
    assert_eq!(service.restore(), None, "restore is never rejected");
    store.clear().unwrap();
    store.clear().unwrap();
    assert_eq!(store.load().unwrap(), None);
}

#[tokio::test]
#[cfg(feature = "phonenumber")]
async fn country_codes_apply_to_click_to_call() {
    limit(async {
        let stub = Stub::always(Reply::fixture(200, "gms-v1/request-interaction-response/basic.json"));
        let config = CallbackConfig { country_codes: Some(true), ..v1_config(&stub) };
        let service = ClickToCallService::builder(config).default_region("US").build().unwrap();
        let error = service.request_number(bob("12")).await.unwrap_err();
        assert!(matches!(error, Error::InvalidPhoneNumber { .. }), "{error:?}");
        let session = service.request_number(bob("415.555.0123")).await.unwrap();
        assert_eq!(session.phone_number.as_deref(), Some("+14155550123"));
        assert_eq!(stub.only_request().json()["_customer_number"], "+14155550123");
    })
    .await;
}
