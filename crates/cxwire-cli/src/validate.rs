//! `cxwire validate`: check a document against the kind it is meant to be (`--kind`), or against
//! the kind its discriminators name, and never report it valid as a kind it merely happens to
//! fit.
//!
//! Detection, without `--kind`:
//! - `request`: a b+s Connects request when it names one; otherwise a Service Client request (a
//!   frame with `parameters`, or sent by `WWE Client`) or answer (with `data`/`errorMessage`, or
//!   sent by `WWE Server`); neither signal is ambiguous.
//! - `event`: `subscribe`/`unsubscribe`, a Service Client topic, or a b+s Connects event
//!   (`agentStateChange`, `workitem*`); any other name is an unknown kind.
//! - `referenceId`/`frameId`/`errorMessage` without `event` or `request`: an answer (the answer to
//!   `subscribe` with `subscriptionId`), or the frame id assignment.
//! - anything else is an HTTP body, widgets options or a Connects payload: the kinds that
//!   document at least one of its keys and accept it. One is valid; several are ambiguous; none
//!   documenting a key is an unknown kind.

use cxwire_model::registry::{self, Kind, SchemaEntry};
use cxwire_model::scapi::{CLIENT_USER_AGENT, REQUEST_NAMES, SERVER_USER_AGENT, TOPICS};
use serde_json::{Value, json};

/// One problem with a document: where, what, and who found it.
#[derive(Clone, Debug)]
pub(crate) struct Problem {
    /// The JSON pointer of the offending value (`""` for the document).
    pub(crate) path: String,
    /// The message.
    pub(crate) message: String,
    /// `schema` or `decoder`.
    pub(crate) source: &'static str,
}

/// The verdict on one kind.
pub(crate) struct Check {
    pub(crate) entry: SchemaEntry,
    pub(crate) problems: Vec<Problem>,
}

/// What `validate` concludes.
pub(crate) enum Verdict {
    /// Valid as this kind.
    Valid(Check),
    /// Not valid as the kind it is meant to be.
    Invalid(Check),
    /// Several kinds fit; the document does not say which it is.
    Ambiguous { reason: String, candidates: Vec<Check> },
    /// No kind: the reason.
    Unknown(String),
}

/// Checks `value` (parsed from `text`) against one kind: its schema (with JSON paths) and its
/// decoder.
pub(crate) fn check(entry: &SchemaEntry, value: &Value, text: &str) -> Check {
    let mut problems = Vec::new();
    match jsonschema::validator_for(&entry.schema().to_value()) {
        Ok(validator) => {
            for e in validator.iter_errors(value) {
                problems.push(Problem {
                    path: e.instance_path().to_string(),
                    message: e.to_string(),
                    source: "schema",
                });
                closest_alternative(&e, &mut problems);
            }
        }
        Err(e) => problems.push(Problem { path: String::new(), message: format!("schema: {e}"), source: "schema" }),
    }
    if let Err(e) = entry.decode(text) {
        let path = match &e {
            cxwire_model::DecodeError::Json { path, .. } => pointer_of(path),
            _ => String::new(),
        };
        problems.push(Problem { path, message: e.to_string(), source: "decoder" });
    }
    Check { entry: entry.clone(), problems }
}

/// For an `anyOf`/`oneOf` that no alternative satisfies, the errors of the alternative that got
/// furthest into the document (its deepest error, then the fewest errors): what the document
/// most likely meant to be, and where it went wrong.
fn closest_alternative(e: &jsonschema::ValidationError<'_>, out: &mut Vec<Problem>) {
    use jsonschema::error::ValidationErrorKind;
    let (ValidationErrorKind::AnyOf { context } | ValidationErrorKind::OneOfNotValid { context }) = e.kind() else {
        return;
    };
    let depth = |branch: &Vec<jsonschema::ValidationError<'static>>| {
        branch.iter().map(|e| e.instance_path().as_str().matches('/').count()).max().unwrap_or(0)
    };
    // On a tie, the first alternative (`rev` because `max_by_key` keeps the last maximum).
    let best = context
        .iter()
        .rev()
        .filter(|branch| !branch.is_empty())
        .max_by_key(|branch| (depth(branch), std::cmp::Reverse(branch.len())));
    for sub in best.into_iter().flatten() {
        out.push(Problem {
            path: sub.instance_path().to_string(),
            message: format!("(closest alternative) {sub}"),
            source: "schema",
        });
        closest_alternative(sub, out);
    }
}

/// A decoder path (`parameters[0]`, `data.interaction.state`, `.`) as a JSON pointer.
fn pointer_of(path: &str) -> String {
    let mut out = String::new();
    for segment in path.trim_start_matches('.').split('.') {
        for part in segment.split('[') {
            let part = part.trim_end_matches(']');
            if !part.is_empty() {
                out.push('/');
                out.push_str(part);
            }
        }
    }
    out
}

/// Finds the kind named on the command line: a schema id, or a wire name that names one kind.
pub(crate) fn kind_named(name: &str) -> Result<SchemaEntry, String> {
    let entries = registry::entries();
    if let Some(e) = entries.iter().find(|e| e.id == name) {
        return Ok(e.clone());
    }
    let by_wire: Vec<&SchemaEntry> = entries.iter().filter(|e| e.wire_name == name).collect();
    match by_wire.as_slice() {
        [one] => Ok((*one).clone()),
        [] => Err(format!("no kind `{name}`; `cxwire schema` lists them")),
        many => Err(format!(
            "`{name}` names {} kinds ({}); give the schema id",
            many.len(),
            many.iter().map(|e| e.id.as_str()).collect::<Vec<_>>().join(", ")
        )),
    }
}

/// The verdict on a document, for an intended kind or by its discriminators.
pub(crate) fn verdict(value: &Value, text: &str, kind: Option<&SchemaEntry>) -> Verdict {
    if let Some(entry) = kind {
        let c = check(entry, value, text);
        return if c.problems.is_empty() { Verdict::Valid(c) } else { Verdict::Invalid(c) };
    }
    match detect(value) {
        Detected::One(id) => match registry::entry(&id) {
            Some(entry) => verdict(value, text, Some(&entry)),
            None => Verdict::Unknown(format!("no kind `{id}`")),
        },
        Detected::Either(reason, ids) => {
            let candidates: Vec<Check> =
                ids.iter().filter_map(|id| registry::entry(id)).map(|e| check(&e, value, text)).collect();
            let valid: Vec<&Check> = candidates.iter().filter(|c| c.problems.is_empty()).collect();
            match valid.as_slice() {
                // Only one of the kinds it could be accepts it: that is what it is.
                [one] => Verdict::Valid(Check { entry: one.entry.clone(), problems: Vec::new() }),
                _ => Verdict::Ambiguous { reason, candidates },
            }
        }
        Detected::Bodies => bodies(value, text),
        Detected::Unknown(reason) => Verdict::Unknown(reason),
    }
}

enum Detected {
    One(String),
    /// One of these, by what the document says.
    Either(String, Vec<String>),
    /// An HTTP body, widgets options or a Connects payload.
    Bodies,
    Unknown(String),
}

fn detect(value: &Value) -> Detected {
    let Some(obj) = value.as_object() else {
        return match value {
            Value::Array(_) => Detected::One("gms-v1/records".to_owned()),
            _ => Detected::Unknown("a message is a JSON object (or, for GMS records, an array)".to_owned()),
        };
    };
    let text = |key: &str| obj.get(key).and_then(Value::as_str);
    let has = |key: &str| obj.contains_key(key);
    let agent = text("userAgent");

    if let Some(event) = text("event").filter(|e| !e.is_empty()) {
        return match event {
            "subscribe" => Detected::One("scapi/subscribe".to_owned()),
            "unsubscribe" => Detected::One("scapi/unsubscribe".to_owned()),
            "agentStateChange" => Detected::One("connects/agent-state-change".to_owned()),
            _ if cxwire_model::connects::WorkitemEventKind::from_wire(event).is_known() => {
                Detected::One("connects/workitem-event".to_owned())
            }
            _ if TOPICS.contains(&event) => Detected::One(format!("scapi/event/{event}")),
            _ if event.starts_with(cxwire_model::scapi::MESSENGER_PREFIX) => {
                Detected::One("scapi/event/messenger".to_owned())
            }
            _ => Detected::Unknown(format!(
                "`event` `{event}` is neither a Service Client topic nor a b+s Connects event (validate it as any event with --kind scapi/event)"
            )),
        };
    }
    if has("event") && !obj["event"].is_null() && !obj["event"].is_string() {
        return Detected::Unknown("`event` is neither a string nor null".to_owned());
    }

    if let Some(name) = text("request") {
        let frame_keys =
            ["referenceId", "parameters", "data", "errorMessage", "userAgent", "protocolVersion", "frameId"];
        if cxwire_model::connects::ConnectsRequest::NAMES.contains(&name) && !frame_keys.iter().any(|k| has(k)) {
            return Detected::One(format!("connects/{name}"));
        }
        // A SIP endpoint call may name itself as documented (`voice.muteMicrophone`): its kind is
        // that of its wire name.
        let name = cxwire_model::scapi::DOCUMENTED_NAMES
            .iter()
            .find(|(documented, _)| *documented == name)
            .map_or(name, |(_, wire)| *wire);
        let known = REQUEST_NAMES.contains(&name);
        if !known && !name.contains('.') && !frame_keys.iter().any(|k| has(k)) {
            return Detected::Unknown(format!(
                "`request` `{name}` is neither a Service Client request nor a b+s Connects request"
            ));
        }
        let request = if known { format!("scapi/request/{name}") } else { "scapi/request".to_owned() };
        let answer = if known { format!("scapi/answer/{name}") } else { "scapi/answer".to_owned() };
        // Answers never carry parameters; requests never carry data or errorMessage.
        if has("parameters") || agent == Some(CLIENT_USER_AGENT) {
            return Detected::One(request);
        }
        if has("data") || has("errorMessage") || agent == Some(SERVER_USER_AGENT) {
            return Detected::One(answer);
        }
        return Detected::Either(
            format!(
                "`{name}` with neither `parameters` (a request) nor `data`/`errorMessage` (an answer), and no `userAgent` saying who sent it"
            ),
            vec![request, answer],
        );
    }
    if has("request") {
        return Detected::Unknown("`request` is not a string".to_owned());
    }

    if has("subscriptionId") {
        return Detected::One("scapi/subscribed".to_owned());
    }
    if has("referenceId") || has("errorMessage") {
        return Detected::One("scapi/answer".to_owned());
    }
    if has("frameId") {
        return Detected::One("scapi/frame-id".to_owned());
    }
    if has("parameters") || has("userAgent") || has("protocolVersion") {
        return Detected::Unknown(
            "a Service Client frame needs `request`, `event`, `referenceId` or `frameId`".to_owned(),
        );
    }
    Detected::Bodies
}

/// The keys a kind documents, as paths: `key` at the top level and `key.inner` one level down
/// (through `$ref`, `allOf` and `anyOf`).
fn documented_paths(schema: &Value) -> Vec<String> {
    fn resolve<'a>(node: &'a Value, root: &'a Value, out: &mut Vec<&'a Value>) {
        out.push(node);
        if let Some(name) = node.get("$ref").and_then(Value::as_str).and_then(|r| r.strip_prefix("#/$defs/")) {
            resolve(&root["$defs"][name], root, out);
        }
        for key in ["allOf", "anyOf", "oneOf"] {
            for item in node.get(key).and_then(Value::as_array).into_iter().flatten() {
                resolve(item, root, out);
            }
        }
    }
    fn properties<'a>(node: &'a Value, root: &'a Value) -> Vec<(&'a String, &'a Value)> {
        let mut nodes = Vec::new();
        resolve(node, root, &mut nodes);
        nodes
            .into_iter()
            .filter_map(|n| n.get("properties").and_then(Value::as_object))
            .flat_map(|props| props.iter().filter(|(_, v)| **v != Value::Bool(false)))
            .collect()
    }
    let mut out = Vec::new();
    for (key, sub) in properties(schema, schema) {
        out.push(key.clone());
        for (inner, _) in properties(sub, schema) {
            out.push(format!("{key}.{inner}"));
        }
    }
    out.sort();
    out.dedup();
    out
}

/// The key paths of a document, as [`documented_paths`] names them.
fn document_paths(value: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for (key, sub) in value.as_object().into_iter().flatten() {
        out.push(key.clone());
        for inner in sub.as_object().into_iter().flat_map(|o| o.keys()) {
            out.push(format!("{key}.{inner}"));
        }
    }
    out
}

/// An HTTP body, widgets options or Connects payload: the kinds that accept it and document
/// every key path of it that any kind documents (so a key one kind documents and another would
/// take as attached data does not decide). One such kind is valid; several are ambiguous; none,
/// with one kind documenting some of its keys, is invalid as that kind.
fn bodies(value: &Value, text: &str) -> Verdict {
    let kinds: Vec<(SchemaEntry, Vec<String>)> = registry::entries()
        .into_iter()
        .filter(|e| matches!(e.kind, Kind::HttpBody | Kind::Widgets | Kind::Connects))
        // The Connects requests carry `request` (detected before).
        .filter(|e| !cxwire_model::connects::ConnectsRequest::NAMES.iter().any(|n| e.id == format!("connects/{n}")))
        .map(|e| {
            let paths = documented_paths(&e.schema().to_value());
            (e, paths)
        })
        .collect();
    let relevant: Vec<String> =
        document_paths(value).into_iter().filter(|p| kinds.iter().any(|(_, d)| d.contains(p))).collect();
    let availability = value.as_object().is_some_and(|o| !o.is_empty() && o.values().all(Value::is_u64));
    let documenting: Vec<&SchemaEntry> = kinds
        .iter()
        .filter(|(e, d)| relevant.iter().any(|p| d.contains(p)) || (e.id == "gms-v1/availability" && availability))
        .map(|(e, _)| e)
        .collect();
    if documenting.is_empty() {
        return Verdict::Unknown(if value.as_object().is_some_and(serde_json::Map::is_empty) {
            "an empty object says nothing of what it is; give --kind".to_owned()
        } else {
            "no kind documents any of its keys; give --kind".to_owned()
        });
    }
    let checks: Vec<Check> = documenting.iter().map(|e| check(e, value, text)).collect();
    let covers = |c: &Check| {
        let documented = &kinds.iter().find(|(e, _)| e.id == c.entry.id).map(|(_, d)| d.clone()).unwrap_or_default();
        relevant.iter().all(|p| documented.contains(p))
    };
    let covering: Vec<&Check> = checks.iter().filter(|c| c.problems.is_empty() && covers(c)).collect();
    match covering.as_slice() {
        [one] => return Verdict::Valid(Check { entry: one.entry.clone(), problems: Vec::new() }),
        [] => {}
        _ => {
            let candidates = covering.iter().map(|c| Check { entry: c.entry.clone(), problems: Vec::new() }).collect();
            return Verdict::Ambiguous {
                reason: "several kinds document all its keys and accept it".to_owned(),
                candidates,
            };
        }
    }
    if let [only] = checks.as_slice() {
        return Verdict::Invalid(Check { entry: only.entry.clone(), problems: only.problems.clone() });
    }
    Verdict::Ambiguous { reason: "no kind both documents all its keys and accepts it".to_owned(), candidates: checks }
}

/// What is valid but worth saying about a document of kind `kind`: the CallbackService options
/// keys the widget does not know (kept, so re-encoding is lossless, but unused).
pub(crate) fn warnings(kind: &str, text: &str) -> Vec<String> {
    use cxwire_model::widgets::{AvailabilityOptions, ScheduleOptions};
    let unknown: Vec<String> = match kind {
        "widgets/schedule-options" => serde_json::from_str::<ScheduleOptions>(text)
            .map(|o| o.unknown_keys().into_iter().map(str::to_owned).collect())
            .unwrap_or_default(),
        "widgets/availability-options" => serde_json::from_str::<AvailabilityOptions>(text)
            .map(|o| o.unknown_keys().into_iter().map(str::to_owned).collect())
            .unwrap_or_default(),
        _ => Vec::new(),
    };
    unknown
        .into_iter()
        .map(|key| format!("unknown option `{key}`: kept as given, but CallbackService does not use it"))
        .collect()
}

/// The verdict as JSON (`--json`).
pub(crate) fn to_json(verdict: &Verdict) -> Value {
    let problems = |c: &Check| -> Value {
        c.problems.iter().map(|p| json!({ "path": p.path, "message": p.message, "source": p.source })).collect()
    };
    match verdict {
        Verdict::Valid(c) => json!({ "verdict": "valid", "kind": c.entry.id, "wire": c.entry.wire_name, "errors": [] }),
        Verdict::Invalid(c) => {
            json!({ "verdict": "invalid", "kind": c.entry.id, "wire": c.entry.wire_name, "errors": problems(c) })
        }
        Verdict::Ambiguous { reason, candidates } => json!({
            "verdict": "ambiguous",
            "kind": null,
            "reason": reason,
            "candidates": candidates.iter().map(|c| json!({ "kind": c.entry.id, "valid": c.problems.is_empty(), "errors": problems(c) })).collect::<Vec<_>>(),
        }),
        Verdict::Unknown(reason) => json!({ "verdict": "unknown kind", "kind": null, "reason": reason }),
    }
}

/// The verdict as text.
pub(crate) fn to_text(verdict: &Verdict) -> String {
    let mut out = String::new();
    let list = |c: &Check, out: &mut String| {
        for p in &c.problems {
            let at = if p.path.is_empty() { "(document)" } else { p.path.as_str() };
            out.push_str(&format!("  at {at}: {} [{}]\n", p.message, p.source));
        }
    };
    match verdict {
        Verdict::Valid(c) => out.push_str(&format!("valid: {} ({})\n", c.entry.id, c.entry.wire_name)),
        Verdict::Invalid(c) => {
            out.push_str(&format!("invalid: {} ({})\n", c.entry.id, c.entry.wire_name));
            list(c, &mut out);
        }
        Verdict::Ambiguous { reason, candidates } => {
            out.push_str(&format!("ambiguous: {reason}; give --kind\n"));
            for c in candidates {
                let state = if c.problems.is_empty() { "accepts it" } else { "rejects it" };
                out.push_str(&format!("  {} {state}\n", c.entry.id));
            }
        }
        Verdict::Unknown(reason) => out.push_str(&format!("unknown kind: {reason}\n")),
    }
    out
}
