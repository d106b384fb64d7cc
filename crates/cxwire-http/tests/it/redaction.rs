//! The API key never appears in Debug or Display output.

use std::time::Duration;

use cxwire_http::{CallbackService, ClickToCallService, EngagementV3Client, Error};
use cxwire_model::widgets::{CallbackConfig, ScheduleOptions};

use crate::stub::{Reply, Stub, limit};
use crate::{KEY, v3_config};

fn assert_hidden(what: &str, text: &str) {
    assert!(!text.contains(KEY), "{what} shows the key: {text}");
    assert!(!text.contains("SECRET"), "{what} shows part of the key: {text}");
}

fn options() -> ScheduleOptions {
    ScheduleOptions { phonenumber: Some("+14155550123".into()), ..Default::default() }
}

#[tokio::test]
async fn config_clients_services_and_errors_hide_the_key() {
    limit(async {
        let stub = Stub::always(Reply::fixture(400, "engagement-v3/error-response/bad-request.json"));
        let config = CallbackConfig { ajax_timeout: Some(200), ..v3_config(&stub) };
        assert_hidden("config", &format!("{config:?}"));

        let client = EngagementV3Client::new(stub.url("/engagement/v3"), KEY).unwrap();
        assert_hidden("client", &format!("{client:?}"));
        assert_hidden("client builder", &format!("{:?}", EngagementV3Client::builder("http://h/", KEY)));

        let callback = CallbackService::new(config.clone()).unwrap();
        assert_hidden("CallbackService", &format!("{callback:?}"));
        assert_hidden("CallbackService builder", &format!("{:?}", CallbackService::builder(config.clone())));
        let click = ClickToCallService::new(config.clone()).unwrap();
        assert_hidden("ClickToCallService", &format!("{click:?}"));
        assert_hidden("ClickToCallService builder", &format!("{:?}", ClickToCallService::builder(config.clone())));

        let mut events = callback.subscribe();
        let http_error = callback.schedule(options()).await.unwrap_err();
        assert!(matches!(http_error, Error::BadRequest(_)));
        assert_hidden("HTTP error", &format!("{http_error:?} {http_error}"));
        events.recv().await.unwrap();
        let event = events.recv().await.unwrap();
        assert_hidden("event", &format!("{event:?} {:?}", event.to_bus_message()));
        assert_hidden("events", &format!("{events:?}"));

        // Transport failure: nothing listens on a port we just released.
        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = closed.local_addr().unwrap().port();
        drop(closed);
        let config = CallbackConfig { data_url: format!("http://127.0.0.1:{port}/engagement/v3"), ..config };
        let error = CallbackService::new(config.clone()).unwrap().schedule(options()).await.unwrap_err();
        assert!(matches!(error, Error::Transport(_)), "{error:?}");
        assert_hidden("transport error", &format!("{error:?} {error}"));
    })
    .await;
}

#[tokio::test]
async fn timeouts_hide_the_key() {
    limit(async {
        let stub = Stub::always(Reply::hang());
        let client = EngagementV3Client::builder(stub.url("/engagement/v3"), KEY)
            .timeout(Duration::from_millis(50))
            .build()
            .unwrap();
        let error = client.retrieve("x").await.unwrap_err();
        assert!(matches!(error, Error::Timeout(_)));
        assert_hidden("timeout", &format!("{error:?} {error}"));
        // ...though the key did go out.
        assert_eq!(stub.only_request().headers.get("x-api-key").map(String::as_str), Some(KEY));
    })
    .await;
}

#[tokio::test]
async fn refused_redirects_and_oversized_answers_hide_the_key() {
    limit(async {
        let elsewhere = Stub::always(Reply::fixture(200, "engagement-v3/retrieve-response/queued.json"));
        let target = elsewhere.url("");
        let stub = Stub::start(move |r| Reply::empty(307).header("location", &format!("{target}{}", r.path)));
        for client in [
            reqwest::Client::builder().redirect(cxwire_http::redirect_policy()).build().unwrap(),
            reqwest::Client::new(),
        ] {
            let v3 = EngagementV3Client::builder(stub.url("/engagement/v3"), KEY).http_client(client).build().unwrap();
            let error = v3.retrieve("x").await.unwrap_err();
            assert!(matches!(error, Error::RedirectRefused { .. }), "{error:?}");
            assert_hidden("redirect error", &format!("{error:?} {error}"));
        }

        let big = Stub::always(Reply::json(500, format!(r#"{{"status": {{"message": "{}"}}}}"#, "x".repeat(4096))));
        let v3 = EngagementV3Client::builder(big.url("/engagement/v3"), KEY).body_limit(1024).build().unwrap();
        let error = v3.retrieve("x").await.unwrap_err();
        assert!(matches!(error, Error::BodyTooLarge { status: 500, .. }), "{error:?}");
        assert_hidden("body error", &format!("{error:?} {error}"));
    })
    .await;
}
