//! The Workspace page server without a browser: the page and its configuration, the HTTP
//! control API, and which relay connections the simulator admits. (The browser itself is in
//! `browser.rs`.)

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use std::time::Duration;

use cxwire_sim::Simulator;
use cxwire_ws::{ConnectOptions, Error, ReconnectPolicy, connect_with};
use serde_json::{Value, json};

const WAIT: Duration = Duration::from_secs(10);

async fn sim() -> Simulator {
    Simulator::builder()
        .security("accepted-web-content-origins", "http://crm.example (agent.*)")
        .web_content("CRM", "http://127.0.0.1:9/bridge.html")
        .start()
        .await
        .unwrap()
}

fn relay(sim: &Simulator, iframe_origin: &str) -> String {
    let encoded: String = form_urlencoded::byte_serialize(iframe_origin.as_bytes()).collect();
    format!("ws://{}{}?origin={encoded}", sim.ws_addr(), cxwire_sim::RELAY_PATH)
}

async fn connect_as(url: &str, handshake_origin: &str) -> Result<cxwire_ws::Session, Error> {
    let options = ConnectOptions {
        origin: Some(handshake_origin.into()),
        reconnect: ReconnectPolicy::never(),
        ..ConnectOptions::default()
    };
    tokio::time::timeout(WAIT, connect_with(url, options)).await.expect("connected in time")
}

#[tokio::test]
async fn the_page_and_its_configuration_are_served() {
    let sim = sim().await;
    assert_eq!(sim.workspace_url(), format!("http://{}/", sim.page_addr()));
    assert!(sim.gms_base_url().starts_with(&format!("http://{}/", sim.http_addr())));
    assert!([sim.ws_addr(), sim.http_addr(), sim.page_addr()].iter().all(|a| a.ip().is_loopback() && a.port() != 0));
    let client = reqwest::Client::new();
    let page = client.get(sim.workspace_url()).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let csp = page.headers()["content-security-policy"].to_str().unwrap().to_owned();
    assert!(csp.contains(&format!("ws://{}", sim.ws_addr())), "{csp}");
    // Strict: nothing inline, no string reaches an HTML sink (Trusted Types), never framed.
    for directive in [
        "script-src 'self'",
        "style-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "require-trusted-types-for 'script'",
        "trusted-types 'none'",
    ] {
        assert!(csp.split(';').any(|d| d.trim() == directive), "{directive} missing from {csp}");
    }
    assert!(!csp.contains("unsafe"), "{csp}");
    let html = page.text().await.unwrap();
    assert!(html.contains("<script src=\"workspace.js\">"));
    assert!(html.contains("<link rel=\"stylesheet\" href=\"workspace.css\">"));
    assert!(!html.contains("<style") && !html.contains("style=") && html.matches("<script").count() == 1, "{html}");
    let css = client.get(format!("{}workspace.css", sim.workspace_url())).send().await.unwrap();
    assert_eq!(css.headers()["content-type"], "text/css; charset=utf-8");
    assert!(css.text().await.unwrap().contains(".toast"));
    let js = client.get(format!("{}workspace.js", sim.workspace_url())).send().await.unwrap();
    assert_eq!(js.headers()["content-type"], "text/javascript; charset=utf-8");
    assert!(js.text().await.unwrap().contains("postMessage(frame, target)"));
    let config: Value =
        client.get(format!("{}config.json", sim.workspace_url())).send().await.unwrap().json().await.unwrap();
    assert_eq!(config["relay"], json!(format!("ws://{}/relay", sim.ws_addr())));
    assert_eq!(config["webContent"], json!([{"name": "CRM", "url": "http://127.0.0.1:9/bridge.html"}]));
    assert!(config["agent"]["username"].is_string());
    assert_eq!(config["agents"], json!(sim.agents()));
    // A page opened for an agent the simulator does not play hears why.
    let nobody = client.get(format!("{}/interactions?agent=nobody", sim.control_url())).send().await.unwrap();
    assert_eq!(nobody.status(), 409);
    assert!(nobody.json::<Value>().await.unwrap()["error"].as_str().unwrap().contains("no agent 'nobody'"));
    let first = format!("{}/interactions?agent={}", sim.control_url(), sim.agents()[0]);
    assert_eq!(client.get(first).send().await.unwrap().status(), 200);
    let missing = client.get(format!("{}nope", sim.workspace_url())).send().await.unwrap();
    assert_eq!(missing.status(), 404);
    let wrong = client.delete(sim.workspace_url()).send().await.unwrap();
    assert_eq!(wrong.status(), 405);
}

/// Posts `body` as JSON, expects 200, and returns the answer.
async fn post_ok(client: &reqwest::Client, url: &str, body: Value) -> Value {
    let response = client.post(url).json(&body).send().await.unwrap();
    assert_eq!(response.status(), 200, "{url} {body}");
    response.json().await.unwrap()
}

#[tokio::test]
async fn the_control_api_acts_and_refuses_with_reasons() {
    let sim = sim().await;
    let client = reqwest::Client::new();
    let action = format!("{}/action", sim.control_url());

    let rang = post_ok(
        &client,
        &action,
        json!({"action": "inboundCall", "ani": "+14155550123", "dnis": "5001", "userData": {"Segment": "Gold"}}),
    )
    .await;
    let id = rang["interactionId"].as_str().expect("an interaction id").to_owned();
    let list: Value =
        client.get(format!("{}/interactions", sim.control_url())).send().await.unwrap().json().await.unwrap();
    let call = list.as_array().unwrap().iter().find(|i| i["interactionId"] == json!(id)).expect("the call is listed");
    assert_eq!(call["userData"]["Segment"], "Gold");
    assert_eq!(call["ani"], "+14155550123");

    let done = post_ok(&client, &action, json!({"action": "realtimeConnection", "state": "DISCONNECTED"})).await;
    assert_eq!(done, json!({"interactionId": null}));

    let steps =
        json!({"steps": [{"action": "chat", "from": "visitor"}, {"afterMs": 5, "action": "email", "from": "a@b.c"}]});
    let scenario = post_ok(&client, &format!("{}/scenario", sim.control_url()), steps).await;
    assert_eq!(scenario["created"].as_array().map(Vec::len), Some(2), "{scenario}");

    // Not an action: 400 saying what is wrong.
    let bad = client.post(&action).json(&json!({"action": "inboundCall", "ani": 5})).send().await.unwrap();
    assert_eq!(bad.status(), 400);
    let body: Value = bad.json().await.unwrap();
    assert!(body["error"].as_str().unwrap().contains("expected a string"), "{body}");
    let missing = client.post(&action).json(&json!({"action": "inboundCall"})).send().await.unwrap();
    assert_eq!(missing.status(), 400);
    let body: Value = missing.json().await.unwrap();
    assert!(body["error"].as_str().unwrap().contains("missing field `ani`"), "{body}");
    let unknown = client.post(&action).json(&json!({"action": "teleport"})).send().await.unwrap();
    assert_eq!(unknown.status(), 400);
    let garbage =
        client.post(&action).header("content-type", "application/json").body("{\"action\":").send().await.unwrap();
    assert_eq!(garbage.status(), 400);
    // Refused by the simulator: 409 with its reason.
    let toast = client.post(&action).json(&json!({"action": "toastClick", "toast": "t-404", "button": 0})).send().await;
    let toast = toast.unwrap();
    assert_eq!(toast.status(), 409);
    assert!(toast.json::<Value>().await.unwrap()["error"].as_str().unwrap().contains("t-404"));
    // Not JSON: a simple cross-origin form post cannot act.
    let form = client.post(&action).header("content-type", "text/plain").body("{}").send().await.unwrap();
    assert_eq!(form.status(), 415);
    // Another page's origin: refused.
    let foreign = client
        .post(&action)
        .header("origin", "http://evil.example")
        .json(&json!({"action": "chat", "from": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(foreign.status(), 403);
    // The page's own origin: accepted.
    let own = client
        .post(&action)
        .header("origin", sim.workspace_origin())
        .json(&json!({"action": "chat", "from": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(own.status(), 200);
    // Oversized bodies are refused without reading them whole.
    let huge = format!("{{\"action\":\"chat\",\"from\":\"{}\"}}", "x".repeat(300 * 1024));
    let huge = client.post(&action).header("content-type", "application/json").body(huge).send().await.unwrap();
    assert_eq!(huge.status(), 400);
}

#[tokio::test]
async fn only_the_workspace_page_may_relay_and_the_named_origin_is_checked() {
    let sim = sim().await;
    // From the page: the iframe's origin is the one the policy sees.
    let listed = connect_as(&relay(&sim, "http://crm.example"), &sim.workspace_origin()).await.unwrap();
    listed.agent().get().await.unwrap();
    match listed.voice().hold("1").await {
        Err(Error::Rejected { message, .. }) => assert!(message.unwrap().contains("may not use 'voice.hold'")),
        other => panic!("{other:?}"),
    }
    let unlisted = connect_as(&relay(&sim, "http://other.example"), &sim.workspace_origin()).await.unwrap();
    match unlisted.agent().get().await {
        Err(Error::Rejected { message, .. }) => {
            assert!(message.unwrap().contains("'http://other.example' is not accepted"))
        }
        other => panic!("{other:?}"),
    }
    let connections = sim.connections().await.unwrap();
    let seen: Vec<(Option<&str>, bool)> = connections.iter().map(|c| (c.origin.as_deref(), c.relayed)).collect();
    assert_eq!(seen, [(Some("http://crm.example"), true), (Some("http://other.example"), true)]);

    // From any other page, or with no valid origin named: the relay is closed (1008) at once,
    // so requests never reach the simulator.
    for (url, handshake) in [
        (relay(&sim, "http://crm.example"), "http://evil.example".to_owned()),
        (relay(&sim, "http://crm.example/path"), sim.workspace_origin()),
        (format!("ws://{}/relay", sim.ws_addr()), sim.workspace_origin()),
    ] {
        if let Ok(session) = connect_as(&url, &handshake).await {
            let answer = tokio::time::timeout(WAIT, session.agent().get()).await.expect("an outcome in time");
            assert!(matches!(answer, Err(Error::Disconnected)), "{url} from {handshake}: {answer:?}");
        }
    }
    assert_eq!(sim.connections().await.unwrap().len(), 2, "refused relays are not connections");
}
