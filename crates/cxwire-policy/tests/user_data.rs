//! `user-data.write-allowed` / `user-data.read-allowed`: the seed example and the edge cases.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use cxwire_model::scapi::types::{Interaction, UserData};
use cxwire_policy::UserDataPolicy;
use serde_json::json;

fn seed_policy() -> UserDataPolicy {
    UserDataPolicy::from_options([
        ("service-client-api.user-data.write-allowed", "Key1,Key3"),
        ("service-client-api.user-data.read-allowed", "Key1,Key2,Key3"),
    ])
    .unwrap()
}

fn data(value: serde_json::Value) -> UserData {
    serde_json::from_value(value).unwrap()
}

#[test]
fn seed_example_writes() {
    let policy = seed_policy();
    for (keys, expected) in [
        (vec!["Key1"], Ok(())),
        (vec!["Key1", "Key3"], Ok(())),
        (vec!["Key3"], Ok(())),
        (vec!["Key2"], Err(vec!["Key2"])),
        (vec!["Key1", "Key2", "Key4", "Key2"], Err(vec!["Key2", "Key4"])),
        (vec!["key1"], Err(vec!["key1"])),
        (vec![], Ok(())),
    ] {
        let expected = expected.map_err(|d: Vec<&str>| d.into_iter().map(str::to_owned).collect::<Vec<_>>());
        assert_eq!(policy.check_write(&keys), expected, "{keys:?}");
    }
    // setUserData checks every key of keyValues, deleteUserData its one key.
    let key_values = data(json!({"Key1": "a", "Key2": {"nested": true}}));
    assert_eq!(policy.check_write(key_values.keys()), Err(vec!["Key2".to_owned()]));
    assert_eq!(policy.check_write(["Key3"]), Ok(()));
    assert!(policy.can_write("Key1") && !policy.can_write("Key2"));
}

#[test]
fn seed_example_reads() {
    let policy = seed_policy();
    let mut user_data = data(json!({"Key1": 1, "Key2": "two", "Key3": [3], "Key4": null, "key1": "case"}));
    policy.filter_read(&mut user_data);
    assert_eq!(user_data, data(json!({"Key1": 1, "Key2": "two", "Key3": [3]})));

    let mut interaction = Interaction {
        interaction_id: Some("1".into()),
        user_data: Some(data(json!({"Key2": "x", "Secret": "y"}))),
        ..Interaction::default()
    };
    policy.filter_interaction(&mut interaction);
    assert_eq!(interaction.user_data, Some(data(json!({"Key2": "x"}))));
    assert_eq!(interaction.interaction_id.as_deref(), Some("1"));

    let mut without = Interaction::default();
    policy.filter_interaction(&mut without);
    assert_eq!(without, Interaction::default());
}

#[test]
fn absent_or_empty_options_do_not_restrict() {
    for options in
        [vec![], vec![("user-data.write-allowed", ""), ("user-data.read-allowed", " , ")], vec![("unrelated", "Key1")]]
    {
        let policy = UserDataPolicy::from_options(options.clone()).unwrap();
        assert_eq!(policy, UserDataPolicy::unrestricted(), "{options:?}");
        assert_eq!(policy.check_write(["anything"]), Ok(()));
        let mut user_data = data(json!({"anything": 1}));
        policy.filter_read(&mut user_data);
        assert_eq!(user_data.len(), 1);
    }
}

#[test]
fn options_are_trimmed_and_prefix_is_optional() {
    let policy =
        UserDataPolicy::from_options([("user-data.write-allowed", " Key1 , Key 3 ,"), ("user-data.read-allowed", "A")])
            .unwrap();
    assert_eq!(policy.write_allowed().unwrap().iter().collect::<Vec<_>>(), ["Key 3", "Key1"]);
    assert_eq!(policy.read_allowed().unwrap().iter().collect::<Vec<_>>(), ["A"]);
    // Last value wins.
    let policy = UserDataPolicy::from_options([
        ("user-data.read-allowed", "A"),
        ("service-client-api.user-data.read-allowed", "B"),
    ])
    .unwrap();
    assert!(policy.can_read("B") && !policy.can_read("A"));
}

#[test]
fn deny_all_in_code() {
    let policy = UserDataPolicy::unrestricted().with_write_allowed(Vec::<String>::new()).with_read_allowed(["Only"]);
    assert_eq!(policy.check_write(["Key1"]), Err(vec!["Key1".to_owned()]));
    let mut user_data = data(json!({"Only": 1, "Other": 2}));
    policy.filter_read(&mut user_data);
    assert_eq!(user_data, data(json!({"Only": 1})));
}
