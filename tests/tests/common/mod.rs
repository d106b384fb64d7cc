//! What several test files share: the committed schema files, and validators that resolve
//! references among them offline.

#![allow(dead_code)] // each test file uses its part

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use cxwire_model::registry::{self, SchemaEntry};
use serde_json::Value;

/// The repository's root.
pub(crate) fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap_or(Path::new("..")).to_path_buf()
}

/// Every schema file but `index.json`, by `$id`.
pub(crate) fn schema_files() -> &'static BTreeMap<String, Value> {
    static FILES: OnceLock<BTreeMap<String, Value>> = OnceLock::new();
    FILES.get_or_init(|| {
        fn walk(dir: &Path, out: &mut BTreeMap<String, Value>) {
            for entry in fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    walk(&path, out);
                } else if path.extension().is_some_and(|e| e == "json") && path.file_name().unwrap() != "index.json" {
                    let value: Value = serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
                    let id =
                        value["$id"].as_str().unwrap_or_else(|| panic!("{} has no $id", path.display())).to_owned();
                    out.insert(id, value);
                }
            }
        }
        let mut out = BTreeMap::new();
        walk(&repo().join("schemas"), &mut out);
        out
    })
}

/// A validator of the schema file of `entry`, resolving references among the files only (no
/// network, no file system: an unknown reference fails the build).
pub(crate) fn file_validator(entry: &SchemaEntry) -> jsonschema::Validator {
    let uri = registry::schema_uri(&entry.file_name());
    let schema = schema_files().get(&uri).unwrap_or_else(|| panic!("no schema file with $id {uri}"));
    let resources = schema_files().iter().map(|(id, v)| (id.clone(), jsonschema::Resource::from_contents(v.clone())));
    jsonschema::options().with_resources(resources).build(schema).unwrap_or_else(|e| panic!("{uri}: {e}"))
}

/// `(schema id, path)` of every positive fixture (`tests/fixtures/<schema id>/*.json`; the
/// negative corpus under `invalid/` is left out), in path order.
pub(crate) fn fixtures() -> Vec<(String, PathBuf)> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<(String, PathBuf)>) {
        let mut paths: Vec<PathBuf> = fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
        paths.sort();
        for path in paths {
            if path.is_dir() {
                if path != base.join("invalid") {
                    walk(base, &path, out);
                }
            } else if path.extension().is_some_and(|e| e == "json") {
                let id = path.parent().unwrap().strip_prefix(base).unwrap().to_string_lossy().replace('\\', "/");
                out.push((id, path));
            }
        }
    }
    let base = repo().join("tests/fixtures");
    let mut out = Vec::new();
    walk(&base, &base, &mut out);
    assert!(out.len() > 250, "expected the fixture tree, found {} files", out.len());
    out
}
