//! The simulator reads its configuration from a JSON file.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use cxwire_sim::{SimConfig, Simulator};

#[tokio::test]
async fn the_example_configuration_starts_a_simulator_that_uses_it() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/config.example.json")).unwrap();
    let config = SimConfig::from_json(&text).unwrap();
    assert_eq!(config.workspace_page.web_content.len(), 1);
    assert!(config.workspace_page.web_content[0].url.contains("/bridge.html?targetOrigin="));
    let sim = Simulator::start("127.0.0.1:0", config).await.unwrap();
    let page_config = format!("{}config.json", sim.workspace_url());
    let page_config: serde_json::Value = reqwest::get(page_config).await.unwrap().json().await.unwrap();
    assert_eq!(page_config["webContent"][0]["name"], "cxwire bridge");
    assert_eq!(page_config["agent"]["username"], "abyron");
    let session = cxwire_ws::connect(&sim.ws_url()).await.unwrap();
    assert_eq!(session.agent().get().await.unwrap().username.as_deref(), Some("abyron"));
    let states = session.agent().get_state_list().await.unwrap();
    assert_eq!(states.len(), 4);
    session.agent().set_state("NotReadyLunch").await.unwrap();
    let media = session.media().get_media_list().await.unwrap();
    assert_eq!(media.len(), 2);
    let options = session.configuration().get_option("voice.*").await.unwrap();
    assert!(options.sections().unwrap()["interaction-workspace"].contains_key("voice.auto-answer"));
}

#[test]
fn bad_configurations_name_the_fault() {
    let err = SimConfig::from_json(r#"{"desktop": {"agent": {"roles": 5}}}"#).unwrap_err();
    assert_eq!(err.path, "desktop.agent.roles", "{err}");
    assert!(err.to_string().starts_with("at desktop.agent.roles: "), "{err}");
    let err = SimConfig::from_json(r#"{"securty": {}}"#).unwrap_err();
    assert!(err.message.contains("securty"), "{err}");
    let err = SimConfig::from_json(r#"{"workspacePage": {"webContent": [{"name": "CRM"}]}}"#).unwrap_err();
    assert_eq!(err.path, "workspacePage.webContent[0]", "{err}");
    assert!(err.message.contains("url"), "{err}");
    let err: Box<dyn std::error::Error> = Box::new(SimConfig::from_json("{").unwrap_err());
    assert!(err.to_string().contains("EOF") && err.to_string().contains("line 1 column 1"), "{err}");
}
