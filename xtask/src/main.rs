//! Project tasks: `cargo xtask schemas [--check]`, `cargo xtask bindings [--check]`,
//! `cargo xtask bench [--quick]`.

mod bench;
mod bindings;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::{env, fs};

use cxwire_model::registry;

const USAGE: &str = "usage: cargo xtask schemas [--check] | bindings [--check] | bench [--quick]

  schemas           regenerate schemas/ from cxwire-model (one JSON Schema per kind and per type,
                    unions, index.json)
  schemas --check   regenerate into a temporary directory and fail on any difference
  bindings          regenerate bindings/typescript and bindings/python from cxwire-model
  bindings --check  fail when bindings/ differs from what the model generates
  bench             run every benchmark against its baseline, print one table, fail on a missed
                    target (--quick: shorter runs)";

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match args.as_slice() {
        ["schemas"] => {
            write_schemas(&repo_root().join("schemas")).map(|n| println!("wrote {n} schema files to schemas/"))
        }
        ["schemas", "--check"] => check_dir("schemas", generate()),
        ["bindings"] => bindings::generate()
            .and_then(|files| write_files(&repo_root().join("bindings"), &files))
            .map(|n| println!("wrote {n} files to bindings/")),
        ["bindings", "--check"] => check_dir("bindings", bindings::generate()),
        ["bench"] => bench::run(false),
        ["bench", "--quick"] => bench::run(true),
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from("."))
}

/// Every generated file, by path relative to `schemas/`, with its contents.
fn generate() -> Result<BTreeMap<String, String>, String> {
    let mut ids = std::collections::BTreeSet::new();
    for entry in registry::entries() {
        if !ids.insert(entry.id.clone()) {
            return Err(format!("two registry entries share the schema id {}", entry.id));
        }
    }
    let mut files = BTreeMap::new();
    for (path, value) in registry::schema_files()? {
        files.insert(path, pretty(&value)?);
    }
    files.insert("index.json".to_owned(), pretty(&registry::index())?);
    Ok(files)
}

fn pretty(value: &serde_json::Value) -> Result<String, String> {
    serde_json::to_string_pretty(value).map(|s| s + "\n").map_err(|e| e.to_string())
}

fn write_schemas(dir: &Path) -> Result<usize, String> {
    write_files(dir, &generate()?)
}

fn write_files(dir: &Path, files: &BTreeMap<String, String>) -> Result<usize, String> {
    if dir.exists() {
        fs::remove_dir_all(dir).map_err(|e| format!("cannot clear {}: {e}", dir.display()))?;
    }
    for (name, text) in files {
        let path = dir.join(name);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        }
        fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    Ok(files.len())
}

fn read_tree(dir: &Path) -> Result<BTreeMap<String, String>, String> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<String, String>) -> Result<(), String> {
        let entries = fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
        for entry in entries {
            let path = entry.map_err(|e| e.to_string())?.path();
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            // What tools leave beside generated files (git ignores them too).
            if name == "__pycache__" || name == "node_modules" || name.ends_with(".egg-info") {
                continue;
            }
            if path.is_dir() {
                walk(base, &path, out)?;
            } else {
                let rel = path.strip_prefix(base).map_err(|e| e.to_string())?.to_string_lossy().replace('\\', "/");
                let text = fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
                out.insert(rel, text);
            }
        }
        Ok(())
    }
    let mut out = BTreeMap::new();
    if dir.exists() {
        walk(dir, dir, &mut out)?;
    }
    Ok(out)
}

/// Compares the committed `dir` with the files that would be generated.
fn check_dir(dir: &str, fresh: Result<BTreeMap<String, String>, String>) -> Result<(), String> {
    let fresh = fresh?;
    let committed = read_tree(&repo_root().join(dir))?;
    let mut problems = Vec::new();
    for name in fresh.keys().filter(|n| !committed.contains_key(*n)) {
        problems.push(format!("missing: {dir}/{name}"));
    }
    for name in committed.keys().filter(|n| !fresh.contains_key(*n)) {
        problems.push(format!("not generated (stale): {dir}/{name}"));
    }
    for (name, text) in &fresh {
        if committed.get(name).is_some_and(|c| c != text) {
            problems.push(format!("differs: {dir}/{name}"));
        }
    }
    if problems.is_empty() {
        println!("{dir}/ is up to date ({} files)", fresh.len());
        return Ok(());
    }
    for p in &problems {
        eprintln!("  {p}");
    }
    Err(format!(
        "{dir}/ is out of date ({} difference(s)); run `cargo xtask {dir}` and commit the result",
        problems.len()
    ))
}
