//! `service-client-api.user-data.*-allowed`: which attached-data keys may be read and written.

use std::collections::BTreeSet;

use cxwire_model::scapi::types::{Interaction, UserData};

use crate::PolicyError;
use crate::options::{USER_DATA_READ_ALLOWED, USER_DATA_WRITE_ALLOWED, strip_prefix};

/// The attached-data (user data) access rules.
///
/// - `user-data.write-allowed` lists the keys `interaction.setUserData` (every key of its
///   `keyValues`) and `interaction.deleteUserData` (its key) may write;
/// - `user-data.read-allowed` lists the keys visible in the `userData` of interactions returned
///   by requests and carried by events.
///
/// An absent option means no restriction. Values are comma-separated; each key is trimmed and
/// empty items are skipped. Keys are compared exactly (case-sensitive), as JSON keys are.
///
/// *Decided*: a value with no key at all (empty, blanks, only commas) means no restriction, like
/// an absent option, because the Genesys configuration layer treats an empty option value as
/// unset. To deny every key, build the policy in code with an empty set
/// ([`UserDataPolicy::with_write_allowed`] / [`UserDataPolicy::with_read_allowed`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UserDataPolicy {
    write_allowed: Option<BTreeSet<String>>,
    read_allowed: Option<BTreeSet<String>>,
}

/// Splits a comma list of keys; `None` when it has no key.
fn parse_keys(value: &str) -> Option<BTreeSet<String>> {
    let keys: BTreeSet<String> = value.split(',').map(str::trim).filter(|k| !k.is_empty()).map(str::to_owned).collect();
    (!keys.is_empty()).then_some(keys)
}

impl UserDataPolicy {
    /// A policy without restriction: every key may be read and written.
    pub fn unrestricted() -> Self {
        Self::default()
    }

    /// The same policy, with writes restricted to `keys` (an empty list denies every write).
    pub fn with_write_allowed<I, S>(mut self, keys: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.write_allowed = Some(keys.into_iter().map(Into::into).collect());
        self
    }

    /// The same policy, with reads restricted to `keys` (an empty list hides every key).
    pub fn with_read_allowed<I, S>(mut self, keys: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.read_allowed = Some(keys.into_iter().map(Into::into).collect());
        self
    }

    /// Reads `user-data.write-allowed` and `user-data.read-allowed` from key/value pairs, each
    /// with or without the `service-client-api.` prefix. Other keys are ignored, so the whole
    /// option map may be passed; when a key appears twice, the last value wins.
    ///
    /// # Errors
    ///
    /// None today: every value is a valid key list. The `Result` keeps the signature of the other
    /// policies' `from_options`.
    pub fn from_options<K, V>(options: impl IntoIterator<Item = (K, V)>) -> Result<Self, PolicyError>
    where
        K: AsRef<str>,
        V: AsRef<str>,
    {
        let mut policy = Self::default();
        for (key, value) in options {
            policy.apply_option(key.as_ref(), value.as_ref());
        }
        Ok(policy)
    }

    /// Applies one option if it is a user-data option; returns whether it was one.
    pub(crate) fn apply_option(&mut self, key: &str, value: &str) -> bool {
        match strip_prefix(key) {
            USER_DATA_WRITE_ALLOWED => self.write_allowed = parse_keys(value),
            USER_DATA_READ_ALLOWED => self.read_allowed = parse_keys(value),
            _ => return false,
        }
        true
    }

    /// The keys that may be written; `None` = no restriction.
    pub fn write_allowed(&self) -> Option<&BTreeSet<String>> {
        self.write_allowed.as_ref()
    }

    /// The keys that may be read; `None` = no restriction.
    pub fn read_allowed(&self) -> Option<&BTreeSet<String>> {
        self.read_allowed.as_ref()
    }

    /// Whether `key` may be written.
    pub fn can_write(&self, key: &str) -> bool {
        self.write_allowed.as_ref().is_none_or(|keys| keys.contains(key))
    }

    /// Whether `key` may be read.
    pub fn can_read(&self, key: &str) -> bool {
        self.read_allowed.as_ref().is_none_or(|keys| keys.contains(key))
    }

    /// Checks a write: every key of `interaction.setUserData`'s `keyValues`, or the key of
    /// `interaction.deleteUserData`. The write is all or nothing.
    ///
    /// # Errors
    ///
    /// The keys that may not be written, in the order given, each once.
    pub fn check_write<I, S>(&self, keys: I) -> Result<(), Vec<String>>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut denied: Vec<String> = Vec::new();
        for key in keys {
            let key = key.as_ref();
            if !self.can_write(key) && !denied.iter().any(|d| d == key) {
                denied.push(key.to_owned());
            }
        }
        if denied.is_empty() { Ok(()) } else { Err(denied) }
    }

    /// Removes the keys that may not be read.
    pub fn filter_read(&self, data: &mut UserData) {
        if let Some(keys) = &self.read_allowed {
            data.retain(|key, _| keys.contains(key));
        }
    }

    /// Removes the keys that may not be read from the interaction's `userData`, if it has one.
    pub fn filter_interaction(&self, interaction: &mut Interaction) {
        if let Some(data) = interaction.user_data.as_mut() {
            self.filter_read(data);
        }
    }

    /// Removes the keys that may not be read from every `userData` object anywhere in a JSON
    /// payload (an answer's `data`, an event frame): the one filter every path that returns
    /// user data goes through, whatever the request or event, so that none can bypass it. The
    /// values of the kept keys are attached data and are not searched further.
    pub fn filter_json(&self, value: &mut serde_json::Value) {
        let Some(keys) = &self.read_allowed else { return };
        // Iterative, so hostile nesting cannot exhaust the stack.
        let mut stack = vec![value];
        while let Some(value) = stack.pop() {
            match value {
                serde_json::Value::Object(map) => {
                    for (key, child) in map.iter_mut() {
                        match child {
                            serde_json::Value::Object(data) if key == "userData" => {
                                data.retain(|k, _| keys.contains(k));
                            }
                            _ => stack.push(child),
                        }
                    }
                }
                serde_json::Value::Array(items) => stack.extend(items.iter_mut()),
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_payloads_are_filtered_wherever_user_data_is() {
        let policy = UserDataPolicy::unrestricted().with_read_allowed(["Public"]);
        let mut value = serde_json::json!({
            "event": "interaction",
            "data": {"interaction": {"userData": {"Public": 1, "Secret": 2}}},
            "list": [{"userData": {"Secret": {"userData": {"Secret": 3}}, "Public": {"userData": {"Secret": 4}}}}],
        });
        policy.filter_json(&mut value);
        assert_eq!(
            value,
            serde_json::json!({
                "event": "interaction",
                "data": {"interaction": {"userData": {"Public": 1}}},
                // Kept values are attached data: not searched further.
                "list": [{"userData": {"Public": {"userData": {"Secret": 4}}}}],
            })
        );
        let mut untouched = serde_json::json!({"userData": {"Secret": 1}});
        UserDataPolicy::unrestricted().filter_json(&mut untouched);
        assert_eq!(untouched, serde_json::json!({"userData": {"Secret": 1}}));
    }

    #[test]
    fn key_lists() {
        for (value, expected) in [
            ("Key1,Key3", Some(vec!["Key1", "Key3"])),
            (" Key1 , Key3 ,", Some(vec!["Key1", "Key3"])),
            ("a key,b", Some(vec!["a key", "b"])),
            ("", None),
            (" , ,", None),
        ] {
            let expected = expected.map(|v| v.into_iter().map(str::to_owned).collect::<BTreeSet<_>>());
            assert_eq!(parse_keys(value), expected, "{value:?}");
        }
    }
}
