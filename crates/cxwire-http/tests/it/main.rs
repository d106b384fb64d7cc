//! Integration tests of cxwire-http against a local stub server (127.0.0.1 only).
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod callback_v1;
mod callback_v3;
mod click_to_call;
mod engagement_v3;
mod gms_v1;
mod hostile;
mod redaction;
mod retry;
mod stub;
mod timeout;

use cxwire_model::SecretString;
use cxwire_model::widgets::{ApiVersion, CallbackConfig};
use serde_json::{Map, Value};

/// The v3 API key of the tests.
pub(crate) const KEY: &str = "n3eNkgSECRET0key";

/// A v1 configuration for the service `samples` of `stub`.
pub(crate) fn v1_config(stub: &stub::Stub) -> CallbackConfig {
    CallbackConfig { data_url: stub.url("/genesys/1/service/callback/samples"), ..Default::default() }
}

/// A v3 configuration for `stub`, service `service`.
pub(crate) fn v3_config(stub: &stub::Stub) -> CallbackConfig {
    CallbackConfig {
        apikey: Some(SecretString::new(KEY)),
        data_url: stub.url("/engagement/v3"),
        api_version: Some(ApiVersion::V3),
        service_name: Some("service".into()),
        ..Default::default()
    }
}

/// A JSON object from a `json!` value.
pub(crate) fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        other => panic!("not an object: {other}"),
    }
}

/// The same as `object`, as the model's `UserData`.
pub(crate) fn user_data(value: Value) -> cxwire_model::scapi::types::UserData {
    object(value).into_iter().collect()
}
