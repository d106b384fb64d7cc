//! Every fixture under `tests/fixtures/<schema-id>/` decodes with its registry entry, re-encodes
//! to the same JSON value, validates against the entry's bundled schema (the files of `schemas/`
//! are checked by `contract.rs`), and matches its insta snapshot of the typed form. Every
//! snapshot belongs to a fixture. (`tests/fixtures/invalid/` is the negative corpus: `contract.rs`.)

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use cxwire_model::registry;
use serde_json::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

mod common;

/// `(schema id, fixture path)` for every fixture.
fn fixtures() -> Vec<(String, PathBuf)> {
    common::fixtures()
}

fn snapshot_name(id: &str, path: &Path) -> String {
    format!("{}__{}", id.replace('/', "__"), path.file_stem().unwrap().to_string_lossy())
}

#[test]
fn every_fixture_decodes_round_trips_validates_and_matches_its_snapshot() {
    let mut failures = Vec::new();
    for (id, path) in fixtures() {
        let Some(entry) = registry::entry(&id) else {
            failures.push(format!("{}: no registry entry for schema id `{id}`", path.display()));
            continue;
        };
        let text = fs::read_to_string(&path).unwrap();
        let original: Value = serde_json::from_str(&text).unwrap();

        let decoded = match entry.decode(&text) {
            Ok(d) => d,
            Err(e) => {
                failures.push(format!("{}: does not decode: {e}", path.display()));
                continue;
            }
        };
        if decoded.json != original {
            failures.push(format!(
                "{}: round trip is lossy\n  original: {original}\n  re-encoded: {}",
                path.display(),
                decoded.json
            ));
        }

        // The bundled schema (the split files in schemas/ are checked by contract.rs).
        let validator = jsonschema::validator_for(&entry.schema().to_value()).unwrap();
        for error in validator.iter_errors(&original) {
            failures.push(format!(
                "{}: schema {}: at {}: {error}",
                path.display(),
                entry.file_name(),
                error.instance_path()
            ));
        }

        insta::with_settings!({
            snapshot_path => root().join("snapshots"),
            prepend_module_to_snapshot => false,
            description => format!("tests/fixtures/{id}/{}", path.file_name().unwrap().to_string_lossy()),
            omit_expression => true,
        }, {
            insta::assert_snapshot!(snapshot_name(&id, &path), decoded.typed);
        });
    }
    assert!(failures.is_empty(), "{} fixture failure(s):\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn every_snapshot_belongs_to_a_fixture() {
    let expected: BTreeSet<String> =
        fixtures().iter().map(|(id, p)| format!("{}.snap", snapshot_name(id, p))).collect();
    let dir = root().join("snapshots");
    let mut stray = Vec::new();
    for entry in fs::read_dir(&dir).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if !expected.contains(&name) {
            stray.push(name);
        }
    }
    assert!(
        stray.is_empty(),
        "unreferenced or pending snapshots in tests/snapshots (delete or review them): {stray:?}"
    );
}

#[test]
fn every_registry_entry_has_a_fixture_and_a_schema_file() {
    let ids: BTreeSet<String> = fixtures().into_iter().map(|(id, _)| id).collect();
    let schemas = root().parent().unwrap().join("schemas");
    for entry in registry::entries() {
        // A union's fixtures are its kinds' (contract.rs checks them against the union too).
        assert!(entry.kind == registry::Kind::Union || ids.contains(&entry.id), "no fixture for {}", entry.id);
        assert!(schemas.join(entry.file_name()).is_file(), "no schema file for {}", entry.id);
    }
}

#[test]
fn fixtures_of_one_kind_are_refused_by_other_kinds() {
    // A decoder that accepts everything would make the round-trip test meaningless.
    let pairs = [
        ("scapi/request/agent.setState", "scapi/request/agent.getState"),
        ("scapi/answer/agent.getState", "scapi/answer/agent.getStateList"),
        ("scapi/event/agent", "scapi/event/interaction"),
        ("connects/sendDtmf", "connects/createSession"),
        ("scapi/subscribe", "scapi/unsubscribe"),
    ];
    for (fixture_id, other_id) in pairs {
        let dir = root().join("fixtures").join(fixture_id);
        let other = registry::entry(other_id).unwrap();
        for file in fs::read_dir(dir).unwrap() {
            let path = file.unwrap().path();
            let text = fs::read_to_string(&path).unwrap();
            assert!(other.decode(&text).is_err(), "{} was accepted as {other_id}", path.display());
        }
    }
}
