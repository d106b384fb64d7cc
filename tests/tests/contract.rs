//! The contract for other languages: a document is accepted by the schemas in `schemas/` exactly
//! when the Rust decoder accepts it.
//!
//! - The schema files resolve their references to each other offline (every file registered by
//!   its `$id`), and agree with the bundled schema of each registry entry.
//! - Every positive fixture is accepted by its kind's schema file and decoder, and by the unions
//!   that contain its kind.
//! - Every document of the negative corpus (`tests/fixtures/invalid/`) is rejected by both, with
//!   the error its `.expect.json` names.
//! - Mutations of every fixture (a key removed, a value nulled or of another type, an element
//!   added or removed, a discriminator changed) get the same verdict from both.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use cxwire_model::registry::{self, Kind, SchemaEntry};
use cxwire_model::scapi::{AgentEventType, InteractionEventType, OutboundEventType, SystemEventType};
use serde_json::{Value, json};

mod common;
use common::schema_files;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// A validator of the schema file of `entry`, resolving references among the files only (no
/// network, no file system: an unknown reference fails the build).
fn file_validator(entry: &SchemaEntry) -> jsonschema::Validator {
    common::file_validator(entry)
}

struct Kinds {
    entries: Vec<SchemaEntry>,
    validators: Vec<jsonschema::Validator>,
}

impl Kinds {
    fn get() -> &'static Kinds {
        static KINDS: OnceLock<Kinds> = OnceLock::new();
        KINDS.get_or_init(|| {
            let entries = registry::entries();
            let validators = entries.iter().map(file_validator).collect();
            Kinds { entries, validators }
        })
    }

    fn index(&self, id: &str) -> usize {
        self.entries.iter().position(|e| e.id == id).unwrap_or_else(|| panic!("no entry {id}"))
    }

    /// The schema's and the decoder's verdicts on `doc` as the kind `id`: `Ok` or the errors.
    fn verdicts(&self, id: &str, doc: &Value) -> (Result<(), String>, Result<(), String>) {
        let i = self.index(id);
        let schema = if self.validators[i].is_valid(doc) {
            Ok(())
        } else {
            let errors: Vec<String> =
                self.validators[i].iter_errors(doc).map(|e| format!("at {}: {e}", e.instance_path())).collect();
            Err(errors.join("; "))
        };
        let decoder = self.entries[i].decode(&doc.to_string()).map(drop).map_err(|e| e.to_string());
        (schema, decoder)
    }
}

/// `(schema id, path)` of every positive fixture.
fn fixtures() -> Vec<(String, PathBuf)> {
    common::fixtures()
}

/// The union kinds that contain `id` (directly or through another union).
fn unions_of(id: &str) -> Vec<String> {
    let kinds = Kinds::get();
    let mut out = Vec::new();
    let mut frontier = vec![id.to_owned()];
    while let Some(current) = frontier.pop() {
        for e in kinds.entries.iter().filter(|e| e.kind == Kind::Union) {
            if e.members().contains(&current) && !out.contains(&e.id) {
                out.push(e.id.clone());
                frontier.push(e.id.clone());
            }
        }
    }
    out
}

#[test]
fn every_schema_file_has_an_id_and_resolves_offline() {
    let files = schema_files();
    assert!(files.len() > 250, "{} schema files", files.len());
    for (id, value) in files {
        assert!(id.starts_with(registry::SCHEMA_BASE_URI) && id.ends_with(".json"), "{id}");
        assert_eq!(value["$schema"], "https://json-schema.org/draft/2020-12/schema", "{id}");
    }
    // Building a validator resolves every reference it reaches: each union reaches the kinds it
    // names, and they reach every type file.
    let kinds = Kinds::get();
    assert_eq!(kinds.validators.len(), kinds.entries.len());
    let text = serde_json::to_string(files).unwrap();
    assert!(!text.contains("cxwire:entry/"), "an entry reference was not made a file reference");
    assert!(!text.contains("\"#/$defs/"), "a definition was not moved to its type file");
}

#[test]
fn every_type_is_defined_once() {
    // Object schemas by their property names, with the files that spell them out.
    fn objects(node: &Value, file: &str, out: &mut BTreeMap<Vec<String>, Vec<String>>) {
        match node {
            Value::Object(map) => {
                if let Some(Value::Object(props)) = map.get("properties")
                    && props.len() >= 3
                {
                    out.entry(props.keys().cloned().collect()).or_default().push(file.to_owned());
                }
                for (key, value) in map {
                    if !["const", "enum", "default", "examples"].contains(&key.as_str()) {
                        objects(value, file, out);
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|v| objects(v, file, out)),
            _ => {}
        }
    }
    let files = schema_files();
    let mut by_fields = BTreeMap::new();
    for (id, value) in files {
        assert!(value.get("$defs").is_none(), "{id} has its own $defs");
        objects(value, id, &mut by_fields);
    }
    let mut checked = 0;
    for (id, value) in files.iter().filter(|(id, _)| id.contains("/types/")) {
        let Some(Value::Object(props)) = value.get("properties") else { continue };
        if props.len() < 3 {
            continue;
        }
        let fields: Vec<String> = props.keys().cloned().collect();
        let spelled = &by_fields[&fields];
        assert_eq!(spelled, &vec![id.clone()], "the type of {id} is spelled out in {spelled:?}");
        checked += 1;
    }
    assert!(checked > 20, "{checked} object types checked");
    for name in ["Interaction", "State", "Party", "Field", "Media", "TargetQuery", "Agent"] {
        assert!(
            files.contains_key(&registry::schema_uri(&format!("scapi/types/{name}.json"))),
            "scapi/types/{name}.json"
        );
    }
}

#[test]
fn every_fixture_is_accepted_by_its_schema_file_its_decoder_and_its_unions() {
    let kinds = Kinds::get();
    let mut failures = Vec::new();
    let mut checked = 0;
    for (id, path) in fixtures() {
        let doc: Value = serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
        for kind in std::iter::once(id.clone()).chain(unions_of(&id)) {
            let (schema, decoder) = kinds.verdicts(&kind, &doc);
            checked += 1;
            if let Err(e) = schema {
                failures.push(format!("{} as {kind}: schema: {e}", path.display()));
            }
            if let Err(e) = decoder {
                failures.push(format!("{} as {kind}: decoder: {e}", path.display()));
            }
        }
    }
    assert!(checked > 800, "{checked} verdicts");
    assert!(failures.is_empty(), "{} failure(s):\n{}", failures.len(), failures.join("\n"));
}

// ---------------------------------------------------------------------------------------------
// Mutations.

/// Every known discriminator value a mutation may swap in.
fn discriminators(key: &str) -> Vec<Value> {
    let list: Vec<&str> = match key {
        "eventType" => AgentEventType::KNOWN
            .iter()
            .chain(InteractionEventType::KNOWN)
            .chain(SystemEventType::KNOWN)
            .chain(OutboundEventType::KNOWN)
            .copied()
            .collect(),
        "event" => vec!["agent", "interaction", "system", "outbound", "media", "subscribe", "future", ""],
        "request" => vec!["agent.setState", "agent.getState", "future.request"],
        _ => Vec::new(),
    };
    list.into_iter().map(Value::from).collect()
}

/// Deterministic mutations of `doc`: `(what, mutated)`.
fn mutations(doc: &Value) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    let replacements =
        [json!(null), json!(7), json!(-1), json!(4_294_967_296_u64), json!("x"), json!(true), json!([]), json!({})];
    let mut paths = Vec::new();
    collect_paths(doc, String::new(), &mut paths);
    for pointer in &paths {
        let target = doc.pointer(pointer).unwrap();
        if !pointer.is_empty() {
            let (parent, last) = pointer.rsplit_once('/').unwrap();
            let mut removed = doc.clone();
            match removed.pointer_mut(parent).unwrap() {
                Value::Object(map) => {
                    map.remove(&last.replace("~1", "/").replace("~0", "~"));
                }
                Value::Array(items) => {
                    items.remove(last.parse::<usize>().unwrap());
                }
                _ => unreachable!(),
            }
            out.push((format!("remove {pointer}"), removed));
            for r in replacements.iter().chain(discriminators(last).iter()) {
                if r != target {
                    let mut replaced = doc.clone();
                    *replaced.pointer_mut(pointer).unwrap() = r.clone();
                    out.push((format!("{pointer} = {r}"), replaced));
                }
            }
        }
        match target {
            Value::Object(map) => {
                // serde's derived structs also read a positional array of their fields.
                let mut positional = doc.clone();
                *positional.pointer_mut(pointer).unwrap() = Value::Array(map.values().cloned().collect());
                out.push((format!("{pointer} as a positional array"), positional));
                let mut added = doc.clone();
                added.pointer_mut(pointer).unwrap().as_object_mut().unwrap().insert("zzExtra".into(), json!(1));
                out.push((format!("{pointer}/zzExtra = 1"), added));
            }
            Value::Array(items) => {
                let mut pushed = doc.clone();
                let extra = items.last().cloned().unwrap_or(json!("x"));
                pushed.pointer_mut(pointer).unwrap().as_array_mut().unwrap().push(extra);
                out.push((format!("push onto {pointer}"), pushed));
            }
            _ => {}
        }
    }
    // The top-level keys of the other frame kinds.
    for (key, value) in [
        ("data", json!(1)),
        ("errorMessage", json!("e")),
        ("parameters", json!([])),
        ("parameters", json!(null)),
        ("referenceId", json!("9")),
        ("frameId", json!(3)),
        ("event", json!("agent")),
        ("request", json!("agent.getState")),
        ("subscriptionId", json!("s")),
    ] {
        if let Value::Object(map) = doc
            && !map.contains_key(key)
        {
            let mut added = doc.clone();
            added.as_object_mut().unwrap().insert(key.into(), value.clone());
            out.push((format!("add /{key} = {value}"), added));
        }
    }
    out
}

fn collect_paths(value: &Value, pointer: String, out: &mut Vec<String>) {
    out.push(pointer.clone());
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                collect_paths(v, format!("{pointer}/{}", k.replace('~', "~0").replace('/', "~1")), out);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                collect_paths(v, format!("{pointer}/{i}"), out);
            }
        }
        _ => {}
    }
}

#[test]
fn schema_and_decoder_agree_on_mutations_of_every_fixture() {
    let kinds = Kinds::get();
    let mut disagreements = Vec::new();
    let mut compared = 0usize;
    let mut rejected = 0usize;
    for (id, path) in fixtures() {
        let doc: Value = serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        // The kind itself, and the widest union that contains it (a frame of either side, or any
        // message of an HTTP API).
        let widest = unions_of(&id)
            .into_iter()
            .find(|u| ["scapi/client-frame", "scapi/server-frame"].contains(&u.as_str()) || u.ends_with("/any"));
        for (what, mutated) in mutations(&doc) {
            // A union differs from its kinds at the top level only (which kind, or none of them):
            // it is compared on the mutations of top-level keys and of discriminators.
            let top_level = what
                .split_whitespace()
                .any(|w| w.starts_with('/') && (w.matches('/').count() == 1 || w.ends_with("/eventType")))
                || what.starts_with("  as")
                || what.starts_with(" as");
            let union = widest.as_ref().filter(|_| top_level);
            for kind in std::iter::once(&id).chain(union) {
                let (schema, decoder) = kinds.verdicts(kind, &mutated);
                compared += 1;
                if decoder.is_err() {
                    rejected += 1;
                }
                if schema.is_ok() != decoder.is_ok() {
                    disagreements.push(format!(
                        "{id}/{name} as {kind}: {what}: schema {} / decoder {}",
                        schema.err().unwrap_or_else(|| "accepts".into()),
                        decoder.err().unwrap_or_else(|| "accepts".into()),
                    ));
                }
            }
        }
    }
    println!("{compared} verdicts on mutations compared, {rejected} rejected by the decoder");
    assert!(compared > 10_000 && rejected > 1_000, "{compared} mutations compared, {rejected} rejected");
    assert!(
        disagreements.is_empty(),
        "{} of {compared} mutations get different verdicts:\n{}",
        disagreements.len(),
        disagreements.join("\n")
    );
}

// ---------------------------------------------------------------------------------------------
// The negative corpus.

/// What an invalid document must produce (`<name>.expect.json` beside `<name>.json`).
struct Expected {
    /// The rule the document breaks.
    rule: String,
    /// A substring of the decoder's error.
    decoder: String,
    /// The JSON pointer of the instance at which the schema reports an error (`""`: the root).
    schema_at: String,
}

/// `(schema id, document path, expected)` of every document of `tests/fixtures/invalid/`.
fn invalid_documents() -> Vec<(String, PathBuf, Expected)> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<(String, PathBuf, Expected)>) {
        let mut paths: Vec<PathBuf> = fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
        paths.sort();
        for path in paths {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if path.is_dir() {
                walk(base, &path, out);
            } else if let Some(stem) = name.strip_suffix(".expect.json") {
                assert!(path.with_file_name(format!("{stem}.json")).is_file(), "{} has no document", path.display());
            } else if let Some(stem) = name.strip_suffix(".json") {
                let id = path.parent().unwrap().strip_prefix(base).unwrap().to_string_lossy().replace('\\', "/");
                let expect_path = path.with_file_name(format!("{stem}.expect.json"));
                let text = fs::read_to_string(&expect_path)
                    .unwrap_or_else(|_| panic!("{} has no {stem}.expect.json", path.display()));
                let expect: Value = serde_json::from_str(&text).unwrap();
                let field = |k: &str| {
                    expect[k]
                        .as_str()
                        .unwrap_or_else(|| panic!("{}: `{k}` is not a string", expect_path.display()))
                        .to_owned()
                };
                out.push((
                    id,
                    path,
                    Expected { rule: field("rule"), decoder: field("decoder"), schema_at: field("schema_at") },
                ));
            } else if name != "README.md" {
                panic!("{}: not a document, an .expect.json or the README", path.display());
            }
        }
    }
    let base = repo().join("tests/fixtures/invalid");
    let mut out = Vec::new();
    walk(&base, &base, &mut out);
    out
}

#[test]
fn every_invalid_document_is_rejected_by_the_decoder_and_the_schema_with_its_error() {
    let kinds = Kinds::get();
    let corpus = invalid_documents();
    assert!(corpus.len() >= 50, "{} invalid documents", corpus.len());
    let mut failures = Vec::new();
    for (id, path, expected) in &corpus {
        let shown = path.strip_prefix(repo()).unwrap().display().to_string();
        assert!(registry::entry(id).is_some(), "{shown}: no kind {id}");
        let doc: Value = serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap();
        match kinds.entries[kinds.index(id)].decode(&doc.to_string()) {
            Ok(_) => failures.push(format!("{shown} ({}): the decoder accepts it", expected.rule)),
            Err(e) if !e.to_string().contains(&expected.decoder) => {
                failures.push(format!("{shown}: decoder error `{e}` does not contain `{}`", expected.decoder))
            }
            Err(_) => {}
        }
        let validator = &kinds.validators[kinds.index(id)];
        let at: Vec<String> = validator.iter_errors(&doc).map(|e| e.instance_path().to_string()).collect();
        if at.is_empty() {
            failures.push(format!("{shown} ({}): the schema accepts it", expected.rule));
        } else if !at.contains(&expected.schema_at) {
            failures.push(format!("{shown}: schema errors at {at:?}, none at `{}`", expected.schema_at));
        }
    }
    assert!(failures.is_empty(), "{} failure(s):\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn the_negative_corpus_covers_the_rules_the_issue_lists() {
    let corpus = invalid_documents();
    let has = |id: &str, name: &str| corpus.iter().any(|(i, p, _)| i == id && p.file_stem().unwrap() == name);
    for (id, name) in [
        ("scapi/request/agent.setState", "parameters-null"),
        ("scapi/answer/agent.getState", "data-missing"),
        ("scapi/answer/agent.getState", "data-null"),
        ("scapi/request/agent.setState", "carries-data"),
        ("scapi/answer/media.getMediaByName", "request-sent-without-its-parameter"),
        ("scapi/request/interaction.consult", "target-with-neither-type-nor-target"),
        ("scapi/request/interaction.consult", "target-with-both-type-and-target"),
        ("scapi/event/agent", "state-changed-without-media-state"),
        ("scapi/event/interaction", "added-without-interaction"),
        ("scapi/event/system", "toast-click-without-button-index"),
    ] {
        assert!(has(id, name), "tests/fixtures/invalid/{id}/{name}.json is missing");
    }
    // Every family of kinds has wrong documents.
    for family in
        ["scapi/request/", "scapi/answer/", "scapi/event/", "gms-v1/", "engagement-v3/", "widgets/", "connects/"]
    {
        assert!(corpus.iter().filter(|(id, _, _)| id.starts_with(family)).count() >= 2, "{family}");
    }
}
