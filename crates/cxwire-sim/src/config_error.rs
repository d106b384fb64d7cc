//! The typed error of configuration and scenario files.

/// A configuration ([`SimConfig::from_json`](crate::SimConfig::from_json)) or scenario
/// ([`Scenario::from_json`](crate::scenario::Scenario::from_json)) file that is not JSON or not
/// of the documented shape: where, and why.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("at {path}: {message}")]
pub struct ConfigError {
    /// The JSON path of the fault, e.g. `desktop.agent.roles` or `steps[0]` (`.` for the
    /// document itself; `?` where the text stopped being JSON inside an object: the message
    /// then gives the line and column).
    pub path: String,
    /// What is wrong there.
    pub message: String,
}

impl ConfigError {
    /// Reads `text` as a `T`, naming the path of the first fault.
    pub(crate) fn parse<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, Self> {
        let mut de = serde_json::Deserializer::from_str(text);
        serde_path_to_error::deserialize(&mut de)
            .map_err(|e| Self { path: e.path().to_string(), message: e.inner().to_string() })
    }
}
