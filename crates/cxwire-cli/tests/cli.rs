//! The `cxwire` binary end to end: demo, validate, call and listen against a running simulator,
//! schema, policy check.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod common;
use common::spawn_cxwire;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

fn cxwire(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cxwire")).args(args).output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures")
}

#[test]
fn the_demo_walks_the_shift_and_exits_zero() {
    let out = cxwire(&["demo"]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", text(&out.stderr));
    assert!(stdout.contains("every step behaved as expected"));
    assert!(!stdout.contains('\u{1b}'), "no colour when stdout is not a terminal");

    let out = cxwire(&["demo", "--json"]);
    assert!(out.status.success());
    for line in text(&out.stdout).lines().filter(|l| !l.is_empty()) {
        let value: serde_json::Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{line}: {e}"));
        assert!(value["kind"].is_string());
    }
}

/// `cxwire validate --json ARGS FILE`: the exit code and the verdict.
fn validate_json(args: &[&str], file: &Path) -> (Option<i32>, serde_json::Value) {
    let mut all = vec!["validate", "--json"];
    all.extend_from_slice(args);
    all.push(file.to_str().unwrap());
    let out = cxwire(&all);
    let verdict = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{}: not JSON ({e}): {}", file.display(), text(&out.stdout)));
    (out.status.code(), verdict)
}

/// `(schema id, path)` of the documents under `dir` (`.expect.json` files left out).
fn documents(dir: &Path) -> Vec<(String, PathBuf)> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<(String, PathBuf)>) {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
        paths.sort();
        for path in paths {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if path.is_dir() {
                if path != base.join("invalid") {
                    walk(base, &path, out);
                }
            } else if name.ends_with(".json") && !name.ends_with(".expect.json") {
                let id = path.parent().unwrap().strip_prefix(base).unwrap().to_string_lossy().replace('\\', "/");
                out.push((id, path));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out
}

#[test]
fn validate_accepts_every_fixture_as_its_kind_and_detection_never_names_another() {
    let mut detected = 0;
    let mut ambiguous = 0;
    let fixtures = documents(&fixtures());
    assert!(fixtures.len() > 250);
    for (id, file) in &fixtures {
        let (code, verdict) = validate_json(&["--kind", id], file);
        assert_eq!((code, verdict["verdict"].as_str()), (Some(0), Some("valid")), "{}: {verdict}", file.display());
        assert_eq!(verdict["kind"], id.as_str());

        // Without --kind: its own kind, or "ambiguous" among kinds that include its own.
        let (code, verdict) = validate_json(&[], file);
        match verdict["verdict"].as_str() {
            Some("valid") => {
                assert_eq!(
                    (code, verdict["kind"].as_str()),
                    (Some(0), Some(id.as_str())),
                    "{}: {verdict}",
                    file.display()
                );
                detected += 1;
            }
            Some("ambiguous") => {
                assert_eq!(code, Some(1));
                let kinds: Vec<&str> =
                    verdict["candidates"].as_array().unwrap().iter().filter_map(|c| c["kind"].as_str()).collect();
                assert!(kinds.contains(&id.as_str()), "{}: {verdict}", file.display());
                ambiguous += 1;
            }
            // `{}` says nothing of what it is (an empty GMS availability map).
            Some("unknown kind") if std::fs::read_to_string(file).unwrap().trim() == "{}" => {
                assert_eq!(code, Some(1));
            }
            _ => panic!("{}: {verdict}", file.display()),
        }
    }
    // Frames say what they are; some HTTP bodies have the very shape of another.
    assert!(detected > 240 && ambiguous < 20, "{detected} detected, {ambiguous} ambiguous");
}

#[test]
fn validate_rejects_every_invalid_document_with_its_path_and_never_guesses() {
    let corpus = documents(&fixtures().join("invalid"));
    assert!(corpus.len() >= 50);
    for (id, file) in &corpus {
        let expect: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(file.with_extension("expect.json")).unwrap()).unwrap();
        let (code, verdict) = validate_json(&["--kind", id], file);
        assert_eq!((code, verdict["verdict"].as_str()), (Some(1), Some("invalid")), "{}: {verdict}", file.display());
        let errors = verdict["errors"].as_array().unwrap();
        let at = |source: &'static str| errors.iter().filter(move |e| e["source"] == source);
        assert!(
            at("schema").any(|e| e["path"] == expect["schema_at"]),
            "{}: no schema error at {}: {verdict}",
            file.display(),
            expect["schema_at"]
        );
        assert!(
            at("decoder").any(|e| e["message"].as_str().unwrap().contains(expect["decoder"].as_str().unwrap())),
            "{}: no decoder error with {}: {verdict}",
            file.display(),
            expect["decoder"]
        );

        // Without --kind: never valid as its kind; valid as another only when that kind's
        // decoder really accepts it (e.g. an "answer" with `event` is an event frame).
        let (code, verdict) = validate_json(&[], file);
        let text = std::fs::read_to_string(file).unwrap();
        match verdict["verdict"].as_str() {
            Some("valid") => {
                let kind = verdict["kind"].as_str().unwrap();
                assert_ne!(kind, id, "{}", file.display());
                assert_eq!(code, Some(0));
                let entry = cxwire_model::registry::entry(kind).unwrap();
                assert!(entry.decode(&text).is_ok(), "{}: detected as {kind}, which refuses it", file.display());
            }
            Some("invalid" | "ambiguous" | "unknown kind") => assert_eq!(code, Some(1), "{}", file.display()),
            other => panic!("{}: {other:?}", file.display()),
        }
    }
}

#[test]
fn validate_says_unknown_or_ambiguous_instead_of_guessing() {
    let dir = std::env::temp_dir().join(format!("cxwire-validate-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let run = |name: &str, doc: &str| {
        let file = dir.join(name);
        std::fs::write(&file, doc).unwrap();
        validate_json(&[], &file)
    };
    let (code, v) = run("empty.json", "{}");
    assert_eq!((code, v["verdict"].as_str()), (Some(1), Some("unknown kind")), "{v}");
    let (code, v) = run("future-event.json", r#"{"event":"future","data":{}}"#);
    assert_eq!((code, v["verdict"].as_str()), (Some(1), Some("unknown kind")), "{v}");
    // A malformed Service Client event is an invalid Service Client event, not a Connects one.
    let (code, v) = run("bad-event.json", r#"{"event":"agent","data":5}"#);
    assert_eq!(
        (code, v["verdict"].as_str(), v["kind"].as_str()),
        (Some(1), Some("invalid"), Some("scapi/event/agent"))
    );
    // b+s Connects events are not Service Client frames.
    let (code, v) = run("connects.json", r#"{"event":"agentStateChange","newState":"Ready"}"#);
    assert_eq!((code, v["kind"].as_str()), (Some(0), Some("connects/agent-state-change")), "{v}");
    // A bad answer is an invalid answer, not a valid request.
    let (code, v) = run(
        "bad-answer.json",
        r#"{"request":"agent.getState","referenceId":"1","data":{"type":5},"userAgent":"WWE Server"}"#,
    );
    assert_eq!((code, v["kind"].as_str()), (Some(1), Some("scapi/answer/agent.getState")), "{v}");
    // The schema names the value too, through the alternative the document came closest to.
    for source in ["decoder", "schema"] {
        assert!(
            v["errors"].as_array().unwrap().iter().any(|e| e["path"] == "/data/type" && e["source"] == source),
            "{source}: {v}"
        );
    }
    // Neither parameters nor data, nor a userAgent: a request or an answer.
    let (code, v) = run("either.json", r#"{"request":"media.getMediaByName","referenceId":"1"}"#);
    assert_eq!((code, v["verdict"].as_str()), (Some(1), Some("ambiguous")), "{v}");
    // ClickToCall options have the shape of CallbackService schedule options.
    let (code, v) = run("click-to-call.json", r#"{"phonenumber":"4151110000"}"#);
    assert_eq!((code, v["verdict"].as_str()), (Some(1), Some("ambiguous")), "{v}");
    // The text form names the errors with their paths.
    let file = dir.join("text.json");
    std::fs::write(&file, r#"{"request":"agent.setState","parameters":[42],"referenceId":"1"}"#).unwrap();
    let out = cxwire(&["validate", file.to_str().unwrap()]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("invalid: scapi/request/agent.setState") && stdout.contains("at /parameters/0"),
        "{stdout}"
    );
    // An unknown --kind is a usage error.
    let out = cxwire(&["validate", "--kind", "no/such/kind", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn schema_lists_and_prints() {
    let out = cxwire(&["schema"]);
    assert!(out.status.success());
    assert!(text(&out.stdout).lines().count() >= 195);
    let out = cxwire(&["schema", "agent.setSttae"]);
    assert_eq!(out.status.code(), Some(1), "no such schema");
    let out = cxwire(&["schema", "scapi/request/agent.setState"]);
    let schema: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(schema["properties"]["request"]["const"], "agent.setState");
}

#[test]
fn policy_check_explains_the_seed_example_and_points_at_errors() {
    let out = cxwire(&[
        "policy",
        "check",
        "http://my-web-server0, http://my-web-server1 (*), http://my-web-server2 (agent.*, voice.dial), http://my-web-server3 (agent.*, interaction.*)",
    ]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    let server2 = stdout.lines().skip_while(|l| !l.starts_with("http://my-web-server2")).nth(1).unwrap();
    for request in ["agent.get", "agent.getStateList", "agent.setState", "agent.getState", "voice.dial"] {
        assert!(server2.contains(request), "{server2}");
    }
    assert!(!server2.contains("interaction."), "{server2}");
    let out = cxwire(&["policy", "check", "https://genesyspureengage.github.io (*, auth.getJwtToken)"]);
    assert!(text(&out.stdout).contains("auth.getJwtToken: yes"));

    let out = cxwire(&["policy", "check", "http://a (agent.*"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(stderr.starts_with("error: ") && stderr.contains("column") && stderr.contains("hint:"), "{stderr}");
    assert!(!stderr.contains("panicked") && !stderr.contains("backtrace"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn call_and_listen_against_a_running_simulator() {
    let sim = cxwire_sim::Simulator::start("127.0.0.1:0", cxwire_sim::SimConfig::default()).await.unwrap();
    let url = sim.ws_url();

    let out = tokio::task::spawn_blocking({
        let url = url.clone();
        move || cxwire(&["call", &url, "agent.getState"])
    })
    .await
    .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let state: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(state["operationName"], "NotReady");

    let out = tokio::task::spawn_blocking({
        let url = url.clone();
        move || cxwire(&["call", &url, "agent.setState", r#"["NoSuchState"]"#])
    })
    .await
    .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("unknown state operation name"));

    let out = tokio::task::spawn_blocking(|| cxwire(&["call", "ws://127.0.0.1:1/ws", "agent.get"])).await.unwrap();
    assert_eq!(out.status.code(), Some(3));

    // listen prints events as JSON lines.
    let (mut child, rx) = spawn_cxwire(&["listen", &url, "agent"]);
    let options = cxwire_ws::ConnectOptions { reconnect: cxwire_ws::ReconnectPolicy::never(), ..Default::default() };
    let session = cxwire_ws::connect_with(&url, options).await.unwrap();
    // Change the state until the listener (once subscribed) reports it; bounded.
    let mut line = None;
    for _ in 0..50 {
        session.agent().set_state("Ready").await.unwrap();
        if let Ok(l) = rx.recv_timeout(Duration::from_millis(200)) {
            line = Some(l);
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    let line = line.expect("an event line from cxwire listen");
    let frame: serde_json::Value = serde_json::from_str(&line).unwrap();
    assert_eq!(frame["event"], "agent");
    assert_eq!(frame["data"]["eventType"], "STATE_CHANGED");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn callback_and_click_to_call_against_the_simulator() {
    let sim = cxwire_sim::Simulator::start("127.0.0.1:0", cxwire_sim::SimConfig::default()).await.unwrap();
    let url = format!("{}/callback/samples", sim.gms_base_url());
    let run = |args: Vec<String>| {
        tokio::task::spawn_blocking(move || {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            cxwire(&args)
        })
    };
    let out = run(vec![
        "callback".into(),
        "--url".into(),
        url.clone(),
        "availability".into(),
        "--days".into(),
        "7".into(),
        "--max".into(),
        "3".into(),
    ])
    .await
    .unwrap();
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", text(&out.stderr));
    let first = stdout.lines().next().unwrap().split_whitespace().next().unwrap().to_owned();
    assert!(first.ends_with('Z'), "{stdout}");

    let out = run(vec![
        "callback".into(),
        "--url".into(),
        url.clone(),
        "schedule".into(),
        "+14155550123".into(),
        "--at".into(),
        first,
    ])
    .await
    .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let booked: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let id = booked["id"].as_str().unwrap().to_owned();
    let out = run(vec!["callback".into(), "--url".into(), url.clone(), "query".into(), id.clone()]).await.unwrap();
    assert!(text(&out.stdout).contains("SCHEDULED"), "{}", text(&out.stdout));
    let out = run(vec!["callback".into(), "--url".into(), url.clone(), "cancel".into(), id.clone()]).await.unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));

    let out = run(vec!["click-to-call".into(), "--url".into(), url.clone(), "+14155550123".into()]).await.unwrap();
    let number: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(number["accessNumber"].is_string() && number["accessCode"].is_string(), "{number}");

    // v3 needs the key from the environment, and never prints it.
    let v3 = sim.engagement_base_url();
    let out = tokio::task::spawn_blocking({
        let v3 = v3.clone();
        move || {
            Command::new(env!("CARGO_BIN_EXE_cxwire"))
                .args([
                    "callback",
                    "--url",
                    &v3,
                    "--api-version",
                    "v3",
                    "--service",
                    "samples",
                    "schedule",
                    "+14155550123",
                ])
                .env_remove("CXWIRE_API_KEY")
                .output()
                .unwrap()
        }
    })
    .await
    .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("CXWIRE_API_KEY"));
    let out = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_cxwire"))
            .args(["callback", "--url", &v3, "--api-version", "v3", "--service", "samples", "schedule", "+14155550123"])
            .env("CXWIRE_API_KEY", "wrong-secret-key")
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert_eq!(out.status.code(), Some(1), "a refused key is a failed operation");
    let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert!(!all.contains("wrong-secret-key"), "the key is never echoed: {all}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sim_runs_with_a_config_file_and_prints_its_urls() {
    let config = Path::new(env!("CARGO_MANIFEST_DIR")).join("../cxwire-sim/config.example.json");
    // Its output is read to the end by spawn_cxwire's thread, after this receiver is dropped too.
    let args = ["sim", "--listen", "127.0.0.1:0", "--http-listen", "127.0.0.1:0", "--page-listen", "127.0.0.1:0"];
    let (mut child, lines) = spawn_cxwire(&[&args[..], &["--config", config.to_str().unwrap()]].concat());
    let first =
        tokio::task::spawn_blocking(move || lines.recv_timeout(Duration::from_secs(30)).unwrap()).await.unwrap();
    let url = first.rsplit(' ').next().unwrap().to_owned();
    assert!(url.starts_with("ws://127.0.0.1:"), "{first}");
    let session = tokio::time::timeout(Duration::from_secs(10), cxwire_ws::connect(&url)).await.unwrap().unwrap();
    let agent = session.agent().get().await.unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(agent.username.as_deref(), Some("abyron"));
}

/// One HTTP/1.1 exchange over a plain socket: (status line, body).
fn http(addr: &str, method: &str, path: &str, body: Option<&str>) -> (String, String) {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let body = body.unwrap_or_default();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
    (head.lines().next().unwrap_or_default().to_owned(), body.to_owned())
}

#[test]
fn sim_prints_its_urls_serves_the_workspace_page_and_stops_on_ctrl_c() {
    let (mut child, rx) = spawn_cxwire(&[
        "sim",
        "--listen",
        "127.0.0.1:0",
        "--http-listen",
        "127.0.0.1:0",
        "--page-listen",
        "127.0.0.1:0",
        "--web-content",
        "CRM=http://127.0.0.1:9/bridge.html",
    ]);
    let mut printed = Vec::new();
    while !printed.last().is_some_and(|l: &String| l.starts_with("press Ctrl-C")) {
        printed.push(rx.recv_timeout(Duration::from_secs(30)).expect("cxwire sim prints its URLs"));
    }
    let url_after = |label: &str| {
        let line = printed.iter().find(|l| l.starts_with(label)).unwrap_or_else(|| panic!("{label} in {printed:?}"));
        line.split_whitespace().find(|w| w.starts_with("http://") || w.starts_with("ws://")).unwrap().to_owned()
    };
    assert!(url_after("Service Client WebSocket").starts_with("ws://127.0.0.1:"));
    assert!(url_after("GMS callback API v1").contains("/genesys/1/service"));
    let page = url_after("Workspace page");
    let page_addr = page.trim_start_matches("http://").trim_end_matches('/').to_owned();
    assert!(url_after("HTTP control API").starts_with(&page));

    let (status, html) = http(&page_addr, "GET", "/", None);
    assert!(status.contains("200"), "{status}");
    assert!(html.contains("Agent Workspace"));
    let (_, config) = http(&page_addr, "GET", "/config.json", None);
    assert!(config.contains("http://127.0.0.1:9/bridge.html"), "{config}");
    let (status, answer) =
        http(&page_addr, "POST", "/control/action", Some(r#"{"action": "inboundCall", "ani": "+14155550123"}"#));
    assert!(status.contains("200") && answer.contains("interactionId"), "{status} {answer}");

    // Ctrl-C: a graceful stop, exit code 0.
    let killed = Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(killed.success());
    let mut rest = Vec::new();
    while let Ok(line) = rx.recv_timeout(Duration::from_secs(10)) {
        rest.push(line);
    }
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "{rest:?}");
    assert!(rest.iter().any(|l| l == "stopping"), "{rest:?}");
}

/// Plays a bridge page without a browser: a WebSocket to `cxwire bridge` (as the page opens) and
/// one to the simulator's relay (as the Workspace page opens for the page's iframe), frames
/// passed both ways unchanged.
async fn pipe_bridge_to_simulator(bridge_ws: &str, sim: &cxwire_sim::Simulator, page_origin: &str) {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;

    let (to_bridge, _) = tokio_tungstenite::connect_async(bridge_ws).await.unwrap();
    // An origin has no characters a query value must escape but `:` and `/`.
    let origin = page_origin.replace(':', "%3A").replace('/', "%2F");
    let mut request = format!("ws://{}/relay?origin={origin}", sim.ws_addr()).into_client_request().unwrap();
    request.headers_mut().insert("origin", sim.workspace_origin().parse().unwrap());
    let (to_sim, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    let (mut bridge_tx, mut bridge_rx) = to_bridge.split();
    let (mut sim_tx, mut sim_rx) = to_sim.split();
    tokio::spawn(async move {
        while let Some(Ok(message)) = bridge_rx.next().await {
            if message.is_text() && sim_tx.send(message).await.is_err() {
                break;
            }
        }
    });
    tokio::spawn(async move {
        while let Some(Ok(message)) = sim_rx.next().await {
            if message.is_text() && bridge_tx.send(message).await.is_err() {
                break;
            }
        }
        // The simulator side ended: end the bridge side too, as a closed page would.
        let _ = bridge_tx.close().await;
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bridge_keeps_desktops_and_logs_their_agent_events_and_end() {
    let (mut child, rx) = spawn_cxwire(&["bridge", "--listen", "127.0.0.1:0"]);
    let next_line = |rx: &std::sync::mpsc::Receiver<String>| {
        rx.recv_timeout(Duration::from_secs(20)).expect("a line from cxwire bridge in time")
    };
    let first = next_line(&rx);
    let page = first.split_whitespace().find(|w| w.starts_with("http://")).expect("the bridge page URL").to_owned();
    let bridge_origin = page.trim_end_matches("/bridge.html").to_owned();
    let bridge_ws = format!("{}/ws?agent=emp1", bridge_origin.replacen("http://", "ws://", 1));

    let sim = cxwire_sim::Simulator::builder()
        .security("accepted-web-content-origins", format!("{bridge_origin} (agent.*, interaction.*)"))
        .start()
        .await
        .unwrap();
    pipe_bridge_to_simulator(&bridge_ws, &sim, &bridge_origin).await;

    let mut lines = Vec::new();
    let wait_for = |wanted: &str, lines: &mut Vec<String>| {
        while !lines.last().is_some_and(|l: &String| l.contains(wanted)) {
            match rx.recv_timeout(Duration::from_secs(20)) {
                Ok(line) => lines.push(line),
                Err(_) => panic!("no `{wanted}` from cxwire bridge in time; it printed {lines:#?}"),
            }
        }
    };
    wait_for("desktop 1 connected", &mut lines);
    assert!(lines.last().unwrap().contains("\"agent\": \"emp1\""), "{lines:?}");
    wait_for("desktop 1: agent ", &mut lines);
    assert!(lines.last().unwrap().ends_with("agent klindgren"), "{lines:?}");
    // The desktop stays connected: once subscribed, its events are logged as they come.
    wait_for("desktop 1: listening", &mut lines);
    sim.inject_inbound_call("+14155550123", "5001", Default::default()).await.unwrap();
    wait_for("\"eventType\":\"RINGING\"", &mut lines);
    // The simulator goes away: the desktop's end is logged.
    drop(sim);
    wait_for("desktop 1 disconnected", &mut lines);
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn call_gives_up_within_its_timeout_on_a_server_that_never_answers_the_upgrade() {
    // The kernel completes the TCP handshake from the listen backlog; nothing ever answers the
    // WebSocket upgrade.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("ws://{}/ws", listener.local_addr().unwrap());
    let started = std::time::Instant::now();
    let out = cxwire(&["call", &url, "agent.get", "--timeout", "1"]);
    assert!(started.elapsed() < std::time::Duration::from_secs(8), "took {:?}", started.elapsed());
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("no WebSocket handshake"), "{}", text(&out.stderr));
    drop(listener);
}

#[test]
fn sim_refuses_a_non_loopback_address_as_a_usage_error() {
    for flag in ["--listen", "--http-listen", "--page-listen"] {
        let out = cxwire(&["sim", flag, "0.0.0.0:0"]);
        assert_eq!(out.status.code(), Some(2), "{flag}: {}", text(&out.stderr));
        let stderr = text(&out.stderr);
        assert!(stderr.contains("loopback only") && !stderr.contains("another simulator"), "{flag}: {stderr}");
    }
}

#[test]
fn validate_warns_of_callback_options_the_widget_does_not_know() {
    let dir = std::env::temp_dir().join(format!("cxwire-validate-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("options.json");
    std::fs::write(
        &path,
        r#"{"phonenumber": "+14155550123", "desiredtime": "2026-11-30T10:00:00.000Z", "colour": "red"}"#,
    )
    .unwrap();
    let out = cxwire(&["validate", "--kind", "widgets/schedule-options", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("warning: unknown option `colour`"), "{stdout}");
    assert!(!stdout.contains("desiredtime`"), "the documented spelling is known: {stdout}");
    let out = cxwire(&["validate", "--json", "--kind", "widgets/schedule-options", path.to_str().unwrap()]);
    let verdict: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(verdict["warnings"].as_array().map(Vec::len), Some(1), "{verdict}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `cxwire ARGS` with these environment variables set (and `RUST_LOG`, `NO_COLOR`,
/// `CLICOLOR_FORCE` removed unless given).
fn cxwire_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_cxwire"));
    command.args(args).env_remove("RUST_LOG").env_remove("NO_COLOR").env_remove("CLICOLOR_FORCE");
    for (key, value) in env {
        command.env(key, value);
    }
    command.output().unwrap()
}

/// The demo's user data, customer name and phone number: never in a log line.
const DEMO_PRIVATE: [&str; 4] = ["C-1042", "billing", "+14155550123", "Jones"];

#[test]
fn rust_log_shows_call_spans_with_request_names_and_never_user_data() {
    let out = cxwire_env(&["demo"], &[("RUST_LOG", "cxwire=debug")]);
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains(r#"call{request="agent.setState""#), "a call span names its request: {stderr}");
    assert!(stderr.contains(r#"call{request="interaction.setUserData" reference_id="#), "{stderr}");
    assert!(stderr.contains("session{url=\"ws://127.0.0.1:"), "the session span names its URL: {stderr}");
    assert!(stderr.contains(r#"http{method="POST""#) && stderr.contains("status=200"), "HTTP spans: {stderr}");
    assert!(stderr.contains("connection{conn=1"), "the simulator's connection span: {stderr}");
    // Everything, at trace level: still no user data.
    let out = cxwire_env(&["demo"], &[("RUST_LOG", "trace")]);
    let stderr = text(&out.stderr);
    assert!(out.status.success() && stderr.contains("call{"), "{stderr}");
    for private in DEMO_PRIVATE {
        assert!(!stderr.contains(private), "`{private}` in the log: {stderr}");
    }
    // The demo prints them on stdout, so the check above can see them if logged.
    assert!(DEMO_PRIVATE.iter().all(|p| text(&out.stdout).contains(p)));
}

#[test]
fn verbosity_flags_choose_the_log_level_and_rust_log_wins() {
    let quiet_default = cxwire_env(&["demo"], &[]);
    assert!(quiet_default.status.success());
    assert!(!text(&quiet_default.stderr).contains("call{"), "warn by default: {}", text(&quiet_default.stderr));
    let debug = cxwire_env(&["-vv", "demo"], &[]);
    assert!(text(&debug.stderr).contains(r#"call{request="agent.get""#), "{}", text(&debug.stderr));
    let info = cxwire_env(&["demo", "-v"], &[]);
    assert!(!text(&info.stderr).contains("call{"), "calls are debug spans: {}", text(&info.stderr));
    let quiet = cxwire_env(&["-q", "demo"], &[("RUST_LOG", "cxwire=debug")]);
    assert!(text(&quiet.stderr).contains("call{"), "RUST_LOG wins over -q");
    let silent = cxwire_env(&["-qq", "schema", "nothing.at.all"], &[]);
    assert_eq!(silent.status.code(), Some(1));
    assert!(text(&silent.stderr).contains("no schema named"), "errors are not logs: -qq keeps them");
    let bad = cxwire_env(&["schema"], &[("RUST_LOG", "cxwire=loud")]);
    assert_eq!(bad.status.code(), Some(2), "{}", text(&bad.stderr));
    assert!(text(&bad.stderr).contains("RUST_LOG"), "{}", text(&bad.stderr));
    let both = cxwire_env(&["-v", "-q", "schema"], &[]);
    assert_eq!(both.status.code(), Some(2), "-v and -q conflict");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_spans_never_show_the_api_key_or_the_number() {
    let mut config = cxwire_sim::SimConfig::default();
    config.http.api_key = cxwire_model::SecretString::new("sekret-7731-api-key");
    let sim = cxwire_sim::Simulator::start("127.0.0.1:0", config).await.unwrap();
    let v3 = sim.engagement_base_url();
    let out = tokio::task::spawn_blocking(move || {
        let args =
            ["callback", "--url", &v3, "--api-version", "v3", "--service", "samples", "schedule", "+14155550123"];
        cxwire_env(&args, &[("RUST_LOG", "trace"), ("CXWIRE_API_KEY", "sekret-7731-api-key")])
    })
    .await
    .unwrap();
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains(r#"http{method="POST" path="#) && stderr.contains("status="), "{stderr}");
    assert!(!stderr.contains("sekret-7731"), "the API key in a log: {stderr}");
    assert!(!stderr.contains("14155550123"), "the phone number in a log: {stderr}");
}

#[test]
fn a_closed_pipe_ends_quietly() {
    // The server-frame union is ~280 kB, more than a pipe holds: writes go on after the
    // reader has gone. The listing is the brief's `cxwire schema | head -1`.
    for args in [&["schema", "scapi/server-frame"][..], &["schema"][..], &["completions", "zsh"][..]] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_cxwire"))
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut first = String::new();
        stdout.read_line(&mut first).unwrap();
        assert!(!first.is_empty(), "{args:?}");
        drop(stdout);
        let out = child.wait_with_output().unwrap();
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}

#[test]
fn no_color_wins_over_clicolor_force() {
    let forced = cxwire_env(&["demo"], &[("CLICOLOR_FORCE", "1")]);
    assert!(forced.status.success());
    assert!(text(&forced.stdout).contains('\u{1b}'), "CLICOLOR_FORCE colours a pipe");
    let forced_log = cxwire_env(&["-vv", "demo"], &[("CLICOLOR_FORCE", "1")]);
    assert!(text(&forced_log.stderr).contains('\u{1b}'), "and the log");
    for env in [&[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")][..], &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "yes")][..]]
    {
        let out = cxwire_env(&["-vv", "demo"], env);
        assert!(out.status.success());
        assert!(!text(&out.stdout).contains('\u{1b}'), "{env:?}");
        assert!(!text(&out.stderr).contains('\u{1b}'), "{env:?}");
    }
    let flag = cxwire_env(&["demo", "--no-color"], &[("CLICOLOR_FORCE", "1")]);
    assert!(!text(&flag.stdout).contains('\u{1b}'));
    // An empty NO_COLOR does not count.
    let empty = cxwire_env(&["demo"], &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "")]);
    assert!(text(&empty.stdout).contains('\u{1b}'));
}

#[test]
fn schema_takes_a_request_name_and_says_which_schema_it_prints() {
    let id = |out: &Output| -> serde_json::Value {
        let value: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        value["$id"].clone()
    };
    let request = cxwire(&["schema", "agent.setState"]);
    assert!(request.status.success(), "{}", text(&request.stderr));
    assert!(id(&request).as_str().unwrap().ends_with("scapi/request/agent.setState.json"));
    assert!(text(&request.stderr).contains("printing scapi/request/agent.setState"), "{}", text(&request.stderr));
    assert!(text(&request.stderr).contains("--answer"));

    let answer = cxwire(&["schema", "agent.setState", "--answer"]);
    assert!(answer.status.success());
    assert!(id(&answer).as_str().unwrap().ends_with("scapi/answer/agent.setState.json"));
    assert!(text(&answer.stderr).contains("printing scapi/answer/agent.setState"));

    let all = cxwire(&["schema", "--all", "agent.setState"]);
    assert!(all.status.success());
    let both: Vec<serde_json::Value> = serde_json::from_slice(&all.stdout).unwrap();
    let ids: Vec<&str> = both.iter().map(|s| s["$id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 2, "{ids:?}");
    assert!(ids[0].ends_with("request/agent.setState.json") && ids[1].ends_with("answer/agent.setState.json"));

    // A schema id names one schema: printed without a note; --answer on it is a usage error.
    let exact = cxwire(&["schema", "scapi/answer/agent.setState"]);
    assert!(exact.status.success() && text(&exact.stderr).is_empty(), "{}", text(&exact.stderr));
    assert_eq!(cxwire(&["schema", "scapi/request/agent.setState", "--answer"]).status.code(), Some(2));
    assert_eq!(cxwire(&["schema", "--all"]).status.code(), Some(2), "--all needs a name");
}

#[test]
fn schema_lists_as_json_the_same_entries_as_text() {
    let json = cxwire(&["schema", "--json"]);
    assert!(json.status.success());
    let list: Vec<serde_json::Value> = serde_json::from_slice(&json.stdout).unwrap();
    let plain = text(&cxwire(&["schema"]).stdout);
    let ids: Vec<&str> = plain.lines().map(|l| l.split_whitespace().next().unwrap()).collect();
    assert_eq!(list.len(), ids.len());
    for (entry, id) in list.iter().zip(&ids) {
        assert_eq!(entry["id"], *id);
        assert!(entry["wireName"].is_string() && entry["kind"].is_string(), "{entry}");
    }
    let set_state = list.iter().find(|e| e["id"] == "scapi/request/agent.setState").unwrap();
    assert_eq!(set_state["kind"], "request");
    assert_eq!(set_state["wireName"], "agent.setState");
    assert_eq!(cxwire(&["schema", "--json", "agent.get"]).status.code(), Some(2));
}

#[test]
fn completions_for_every_shell() {
    for (shell, marker) in [
        ("bash", "_cxwire"),
        ("zsh", "#compdef cxwire"),
        ("fish", "complete -c cxwire"),
        ("elvish", "cxwire"),
        ("powershell", "cxwire"),
    ] {
        let out = cxwire(&["completions", shell]);
        assert!(out.status.success(), "{shell}: {}", text(&out.stderr));
        let script = text(&out.stdout);
        assert!(script.contains(marker), "{shell}: {script}");
        assert!(script.contains("validate") && script.contains("completions"), "{shell} knows the subcommands");
    }
    assert_eq!(cxwire(&["completions", "tcsh"]).status.code(), Some(2));
}

#[test]
fn bad_configuration_and_scenario_files_name_the_path() {
    let dir = std::env::temp_dir().join(format!("cxwire-cli-config-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("config.json");
    std::fs::write(&config, r#"{"desktop": {"agent": {"roles": 5}}}"#).unwrap();
    let out = cxwire(&["sim", "--listen", "127.0.0.1:0", "--config", config.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("at desktop.agent.roles:"), "{}", text(&out.stderr));
    let scenario = dir.join("scenario.json");
    std::fs::write(&scenario, r#"{"steps": [{"action": "teleport"}]}"#).unwrap();
    let out = cxwire(&["sim", "--listen", "127.0.0.1:0", "--scenario", scenario.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("at steps[0]"), "{}", text(&out.stderr));
    std::fs::remove_dir_all(&dir).unwrap();
}
