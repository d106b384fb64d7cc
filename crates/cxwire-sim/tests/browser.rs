//! The real-browser end-to-end test: headless Chromium opens the simulator's Workspace page,
//! which embeds cxwire-ws's bridge page, served by acceptors on other loopback ports (other
//! origins), in iframes. A Rust session on each acceptor drives the desktop through the bridge,
//! the real `postMessage` between the iframes and the Workspace page, and the page's relay to the
//! simulator; the simulator checks each iframe's browser-reported origin against its security
//! options, so one bridge is served and the other refused.
//!
//! A second test reads and clicks what the page draws through Chromium's DevTools protocol
//! (`Runtime.evaluate` on the Workspace page), and reloads an iframe with the page's own Reload
//! button. Waits on the page's state are `MutationObserver` promises, bounded by [`WAIT`].
//!
//! Chromium comes from `scripts/install-chromium.sh` (Debian's `chromium`), or from
//! `CXWIRE_CHROMIUM`. Without it these tests fail: they are never skipped.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use cxwire_model::scapi::types::Agent;
use cxwire_model::scapi::types::{ApplicationMenuView, DialogOptions, ToastParameters};
use cxwire_model::scapi::{Event, InteractionEventType, SystemEvent, SystemEventType};
use cxwire_sim::workspace::DesktopConfig;
use cxwire_sim::{ConnectionInfo, SimConfig, Simulator};
use cxwire_ws::{Accepted, Acceptor, AcceptorConfig, Error, Session, Subscription, SubscriptionItem, Topic};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

/// Bounds every wait: Chromium's start on a loaded 2-core machine takes a few seconds.
const WAIT: Duration = Duration::from_secs(60);

/// The browser executable: `CXWIRE_CHROMIUM`, else `chromium` or `chromium-browser` on `PATH`.
fn chromium() -> PathBuf {
    if let Some(path) = std::env::var_os("CXWIRE_CHROMIUM") {
        return PathBuf::from(path);
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    for dir in std::env::split_paths(&path) {
        for name in ["chromium", "chromium-browser"] {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return candidate;
            }
        }
    }
    panic!(
        "Chromium was not found on PATH: the browser test needs it. Install it with \
         `scripts/install-chromium.sh` (Debian's chromium package), or set CXWIRE_CHROMIUM to a Chromium binary."
    );
}

/// A headless Chromium showing one page; killed, and its profile removed, on drop.
struct Browser {
    child: Child,
    dir: PathBuf,
}

impl Browser {
    fn open(executable: &Path, url: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("cxwire-chromium-{}-{}", std::process::id(), unique()));
        std::fs::create_dir_all(&dir).expect("create the profile directory");
        let log = std::fs::File::create(dir.join("chromium.log")).expect("create the browser log");
        let mut command = Command::new(executable);
        // Its own process group: the browser's helper processes end with it (see Drop).
        #[cfg(unix)]
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let child = command
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--no-default-browser-check",
                // DevTools on a loopback port the browser picks (written to DevToolsActivePort).
                "--remote-debugging-address=127.0.0.1",
                "--remote-debugging-port=0",
            ])
            .arg(format!("--user-data-dir={}", dir.join("profile").display()))
            .arg(url)
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("clone the log handle"))
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", executable.display()));
        Self { child, dir }
    }

    /// What the browser printed, for a failure message.
    fn log(&mut self) -> String {
        let status = match self.child.try_wait() {
            Ok(Some(status)) => format!("exited: {status}"),
            Ok(None) => "running".to_owned(),
            Err(e) => format!("unknown: {e}"),
        };
        let text = std::fs::read_to_string(self.dir.join("chromium.log")).unwrap_or_default();
        let tail: Vec<&str> = text.lines().rev().take(30).collect();
        format!("browser {status}; last lines of its log:\n{}", tail.into_iter().rev().collect::<Vec<_>>().join("\n"))
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // The whole group this browser started (its renderers, zygote and crash handler), by
        // its id: a helper left running keeps writing to the profile, which then cannot be
        // removed.
        #[cfg(unix)]
        let _ = Command::new("kill").arg("-KILL").arg("--").arg(format!("-{}", self.child.id())).status();
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn unique() -> u128 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos())
}

fn encode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

async fn accept(acceptor: &mut Acceptor, browser: &mut Browser, what: &str) -> Accepted {
    match tokio::time::timeout(WAIT, acceptor.accept()).await {
        Ok(Some(accepted)) => accepted,
        Ok(None) => panic!("the {what} acceptor stopped"),
        Err(_) => panic!("the {what} bridge page did not connect within {WAIT:?}\n{}", browser.log()),
    }
}

async fn next_interaction_event(events: &mut Subscription, wanted: InteractionEventType) -> String {
    loop {
        let item =
            tokio::time::timeout(WAIT, events.recv()).await.expect("an event in time").expect("subscription open");
        if let SubscriptionItem::Event(frame) = item
            && let Event::Interaction(e) = &frame.event
            && e.event_type.as_ref() == Some(&wanted)
        {
            return e
                .interaction
                .as_ref()
                .and_then(|i| i.interaction_id.clone())
                .expect("the event names its interaction");
        }
    }
}

fn rejection(result: Result<impl std::fmt::Debug, Error>) -> String {
    match result {
        Err(Error::Rejected { message, .. }) => message.unwrap_or_default(),
        other => panic!("expected a rejection, got {other:?}"),
    }
}

/// One browser at a time: the tests of this file each start Chromium, which is heavy on a small
/// machine.
static ONE_BROWSER: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bridge_page_in_headless_chromium_drives_the_simulator_through_post_message() {
    let _one = ONE_BROWSER.lock().await;
    let executable = chromium();
    let mut served = Acceptor::bind("127.0.0.1:0", AcceptorConfig::default()).await.unwrap();
    let mut refused = Acceptor::bind("127.0.0.1:0", AcceptorConfig::default()).await.unwrap();
    let served_origin = format!("http://{}", served.local_addr());
    let refused_origin = format!("http://{}", refused.local_addr());
    // The served origin may use these namespaces, not auth.getJwtToken; the other is not listed.
    let sim = Simulator::builder()
        .security(
            "accepted-web-content-origins",
            format!("{served_origin} (agent.*, interaction.*, voice.*, messenger.*)"),
        )
        .start()
        .await
        .unwrap();

    let bridge = |acceptor: &Acceptor| {
        format!("{}?targetOrigin={}&agent=klindgren", acceptor.bridge_url(), encode(&sim.workspace_origin()))
    };
    let page =
        format!("{}?content={}&content={}", sim.workspace_url(), encode(&bridge(&served)), encode(&bridge(&refused)));
    let mut browser = Browser::open(&executable, &page);

    let desk = accept(&mut served, &mut browser, "served").await;
    let other = accept(&mut refused, &mut browser, "refused").await;
    // The bridge's own WebSocket comes from its page, on the acceptor's origin.
    assert_eq!(desk.peer.origin.as_deref(), Some(served_origin.as_str()));
    assert_eq!(desk.peer.query.get("agent").map(String::as_str), Some("klindgren"));
    let session: Session = desk.session;

    // Requests and answers through postMessage, the Workspace page and its relay.
    session.agent().set_state("Ready").await.unwrap_or_else(|e| panic!("setState: {e}\n{}", browser.log()));
    let state = session.agent().get_state().await.unwrap();
    assert_eq!(state.operation_name.as_deref(), Some("Ready"), "{state:?}");
    let allowed = session.system().get_allowed_services().await.unwrap();
    assert!(allowed.iter().any(|r| r == "voice.answer"), "{allowed:?}");
    assert!(!allowed.iter().any(|r| r == "auth.getJwtToken"), "{allowed:?}");
    // A request the served origin's filters leave out is refused by name.
    let message = rejection(session.auth().get_jwt_token().await);
    assert!(message.contains(&served_origin) && message.contains("auth.getJwtToken"), "{message}");
    // The frame id the simulator assigned reached the session through the page.
    assert!(session.frame_id().is_some(), "no frame id through the relay");

    // Events through postMessage: a call rings, is answered, gets data, ends.
    let mut events = session.subscribe([Topic::Interaction]).await.unwrap();
    let call = sim.inject_inbound_call("+14155550123", "5001", BTreeMap::new()).await.unwrap();
    assert_eq!(next_interaction_event(&mut events, InteractionEventType::Ringing).await, call);
    session.voice().answer(call.clone()).await.unwrap();
    assert_eq!(next_interaction_event(&mut events, InteractionEventType::Established).await, call);
    session
        .interaction()
        .set_user_data(call.clone(), [("Handled".to_owned(), "in Chromium".into())].into())
        .await
        .unwrap();
    assert_eq!(next_interaction_event(&mut events, InteractionEventType::AttachedDataChanged).await, call);
    session.voice().hang_up(call.clone()).await.unwrap();
    assert_eq!(next_interaction_event(&mut events, InteractionEventType::Released).await, call);
    let data = sim.interactions().await.unwrap().into_iter().find(|i| i.interaction_id.as_deref() == Some(&call));
    let handled = data.and_then(|i| i.user_data).and_then(|d| d.get("Handled").cloned());
    assert_eq!(handled, Some("in Chromium".into()));

    // The other bridge: its iframe's real origin is not accepted, so every request is refused.
    let other = other.session;
    let message = rejection(other.agent().get_state().await);
    assert!(message.contains(&refused_origin), "{message}");
    let message = rejection(other.system().get_allowed_services().await);
    assert!(message.contains(&refused_origin) && message.contains("not accepted"), "{message}");

    // The simulator saw both iframes through the relay, each with the origin the browser gave.
    let connections = sim.connections().await.unwrap();
    let relayed: Vec<(&str, bool)> =
        connections.iter().map(|c| (c.origin.as_deref().unwrap_or_default(), c.relayed)).collect();
    assert!(relayed.contains(&(served_origin.as_str(), true)), "{relayed:?}");
    assert!(relayed.contains(&(refused_origin.as_str(), true)), "{relayed:?}");
    let served_topics = connections.iter().find(|c| c.origin.as_deref() == Some(&served_origin)).map(|c| &c.topics);
    assert_eq!(served_topics, Some(&vec!["interaction".to_owned()]));
}

/// A DevTools protocol connection to the Workspace page in the browser.
struct DevTools {
    socket: tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>,
    next_id: u64,
}

impl DevTools {
    /// Attaches to the browser's page whose address starts with `url`: the port is in the
    /// profile's `DevToolsActivePort` once the browser listens, the page in `/json/list`.
    async fn attach(browser: &mut Browser, url: &str) -> Self {
        let port_file = browser.dir.join("profile").join("DevToolsActivePort");
        let client = reqwest::Client::builder().no_proxy().build().unwrap();
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let port = std::fs::read_to_string(&port_file)
                .ok()
                .and_then(|text| text.lines().next().and_then(|line| line.trim().parse::<u16>().ok()));
            if let Some(port) = port {
                let list = tokio::time::timeout(WAIT, async {
                    client.get(format!("http://127.0.0.1:{port}/json/list")).send().await?.json::<Value>().await
                })
                .await
                .expect("DevTools lists its targets in time");
                let target = list.ok().and_then(|list| {
                    list.as_array()?
                        .iter()
                        .find(|t| t["type"] == "page" && t["url"].as_str().is_some_and(|u| u.starts_with(url)))
                        .and_then(|t| t["webSocketDebuggerUrl"].as_str().map(str::to_owned))
                });
                if let Some(debugger) = target {
                    let (socket, _) = tokio::time::timeout(WAIT, tokio_tungstenite::connect_async(debugger.as_str()))
                        .await
                        .expect("DevTools connects in time")
                        .expect("DevTools accepts the connection");
                    let mut devtools = Self { socket, next_id: 0 };
                    devtools.wait_ready(browser, url, deadline).await;
                    return devtools;
                }
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "no DevTools page target for {url} within {WAIT:?}\n{}",
                browser.log()
            );
            // The browser writes its port file and opens the page on its own time: poll it.
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits until the page at `url` has read its configuration and built its frames (its
    /// document may still be committing when DevTools first lists it).
    async fn wait_ready(&mut self, browser: &mut Browser, url: &str, deadline: tokio::time::Instant) {
        loop {
            let ready = self.try_eval("document.body && document.body.dataset.ready === 'true' && location.href").await;
            if ready.as_ref().is_ok_and(|href| href.as_str().is_some_and(|h| h.starts_with(url))) {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "the Workspace page was not ready within {WAIT:?}: {ready:?}\n{}",
                browser.log()
            );
            // The page loads on the browser's time: poll it.
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Evaluates `expression` on the page (awaiting a promise) and returns its value.
    async fn eval(&mut self, expression: &str) -> Value {
        self.try_eval(expression).await.unwrap_or_else(|failure| panic!("{expression}: {failure}"))
    }

    /// Evaluates `expression` on the page: its value, or what DevTools reported instead.
    async fn try_eval(&mut self, expression: &str) -> Result<Value, Value> {
        self.next_id += 1;
        let id = self.next_id;
        let command = json!({
            "id": id,
            "method": "Runtime.evaluate",
            "params": {"expression": expression, "returnByValue": true, "awaitPromise": true},
        });
        tokio::time::timeout(WAIT, self.socket.send(Message::Text(command.to_string().into())))
            .await
            .expect("DevTools takes the command in time")
            .expect("DevTools open");
        loop {
            let message = tokio::time::timeout(WAIT, self.socket.next())
                .await
                .unwrap_or_else(|_| panic!("no DevTools answer within {WAIT:?} to:\n{expression}"))
                .expect("DevTools open")
                .expect("a DevTools message");
            let Message::Text(text) = message else { continue };
            let answer: Value = serde_json::from_str(&text).expect("DevTools sends JSON");
            if answer["id"] != json!(id) {
                continue;
            }
            if let Some(error) = answer.get("error") {
                return Err(error.clone());
            }
            let result = &answer["result"];
            if let Some(exception) = result.get("exceptionDetails") {
                return Err(exception.clone());
            }
            return Ok(result["result"]["value"].clone());
        }
    }

    /// Waits until `expression`, evaluated on the page now and after every DOM change, is
    /// neither null, undefined nor false, and returns its value (bounded by [`WAIT`]). An
    /// expression that throws (the page has not built what it reads yet) is not ready.
    async fn wait_for(&mut self, expression: &str) -> Value {
        let script = format!(
            r"new Promise(function (resolve) {{
  var observer = null;
  function check() {{
    var value = null;
    try {{ value = (function () {{ return ({expression}); }})(); }} catch (e) {{ value = null; }}
    if (value === null || value === undefined || value === false) {{ return false; }}
    if (observer) {{ observer.disconnect(); }}
    resolve(value);
    return true;
  }}
  if (!check()) {{
    observer = new MutationObserver(check);
    observer.observe(document.documentElement, {{ subtree: true, childList: true, attributes: true, characterData: true }});
  }}
}})"
        );
        self.eval(&script).await
    }
}

/// `text` as a JavaScript string literal.
fn js(text: &str) -> String {
    serde_json::to_string(text).unwrap()
}

/// The drawn toast `id` as `{title, message, keyValues, buttons, markup, dismiss}`, or null.
fn toast_js(id: &str) -> String {
    format!(
        r"(function () {{
  var t = document.querySelector('[data-toast-id=' + JSON.stringify({id}) + ']');
  if (!t) {{ return null; }}
  var message = t.querySelector('.message');
  return {{
    title: t.querySelector('.title').textContent,
    message: message ? message.textContent : null,
    keyValues: Array.from(t.querySelectorAll('dt, dd')).map(function (n) {{ return n.textContent; }}),
    buttons: Array.from(t.querySelectorAll('button[data-button]')).map(function (b) {{ return b.textContent; }}),
    markup: t.querySelectorAll('b, i, img, script').length,
    dismiss: t.querySelector('button.dismiss') !== null
  }};
}})()",
        id = js(id)
    )
}

/// Whether the traffic log has a line containing every one of `parts`.
fn log_has_js(parts: &[&str]) -> String {
    let parts: Vec<String> = parts.iter().map(|p| js(p)).collect();
    format!(
        "Array.from(document.querySelectorAll('#log li')).some(function (li) {{ return [{}].every(function (p) {{ return li.textContent.indexOf(p) >= 0; }}); }})",
        parts.join(", ")
    )
}

/// The frame boxes of the page: `[{loads, events, relays, frameId}]`.
const FRAMES_JS: &str = "Array.from(document.querySelectorAll('.frame')).map(function (f) { return { loads: f.dataset.loads, events: f.dataset.events, relays: f.dataset.relays, frameId: f.dataset.frameId === undefined ? null : Number(f.dataset.frameId) }; })";

async fn next_system_event(events: &mut Subscription, wanted: SystemEventType) -> SystemEvent {
    loop {
        let item =
            tokio::time::timeout(WAIT, events.recv()).await.expect("an event in time").expect("subscription open");
        if let SubscriptionItem::Event(frame) = item
            && let Event::System(e) = &frame.event
            && e.event_type.as_ref() == Some(&wanted)
        {
            return e.clone();
        }
    }
}

/// Waits until the simulator's connections satisfy `ready`, and returns them.
async fn wait_connections(
    sim: &Simulator,
    what: &str,
    ready: impl Fn(&[ConnectionInfo]) -> bool,
) -> Vec<ConnectionInfo> {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let connections = sim.connections().await.unwrap();
        if ready(&connections) {
            return connections;
        }
        assert!(tokio::time::Instant::now() < deadline, "{what} within {WAIT:?}: {connections:?}");
        // Relays open and close on the browser's time: poll the simulator's list.
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Waits until the simulator no longer lists the connection of frame `frame_id`.
async fn wait_gone(sim: &Simulator, frame_id: u64) {
    wait_connections(sim, &format!("frame {frame_id} gone"), |all| !all.iter().any(|c| c.frame_id == frame_id)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_workspace_page_serves_every_namespace_as_one_tab_draws_the_ui_and_follows_reloads() {
    let _one = ONE_BROWSER.lock().await;
    let executable = chromium();
    let mut first = Acceptor::bind("127.0.0.1:0", AcceptorConfig::default()).await.unwrap();
    let mut second = Acceptor::bind("127.0.0.1:0", AcceptorConfig::default()).await.unwrap();
    let mut refused = Acceptor::bind("127.0.0.1:0", AcceptorConfig::default()).await.unwrap();
    let first_origin = format!("http://{}", first.local_addr());
    let second_origin = format!("http://{}", second.local_addr());
    let sim = Simulator::builder()
        .security(
            "accepted-web-content-origins",
            format!("{first_origin} (*, auth.getJwtToken), {second_origin} (system.*, messenger.*)"),
        )
        .start()
        .await
        .unwrap();
    let bridge =
        |acceptor: &Acceptor| format!("{}?targetOrigin={}", acceptor.bridge_url(), encode(&sim.workspace_origin()));
    let page = format!(
        "{}?content={}&content={}&content={}",
        sim.workspace_url(),
        encode(&bridge(&first)),
        encode(&bridge(&second)),
        encode(&bridge(&refused))
    );
    let mut browser = Browser::open(&executable, &page);
    let one = accept(&mut first, &mut browser, "first").await.session;
    let two = accept(&mut second, &mut browser, "second").await.session;
    let other = accept(&mut refused, &mut browser, "refused").await.session;
    let mut page = DevTools::attach(&mut browser, &sim.workspace_url()).await;

    // One request of every namespace, through postMessage, the page and its relay.
    let mut events = one.subscribe([Topic::Interaction, Topic::System]).await.unwrap();
    let state = one.agent().get_state().await.unwrap_or_else(|e| panic!("agent.getState: {e}\n{}", browser.log()));
    assert!(state.operation_name.is_some(), "{state:?}");
    // The vendor sample's own query shape: a prefix pattern and a section pattern.
    let options =
        one.configuration().get_option(vec!["interaction.*".to_owned(), "MySection/*".to_owned()]).await.unwrap();
    assert!(options.option("interaction.case-data.frame-color").is_some(), "{options:?}");
    assert!(!one.media().get_media_list().await.unwrap().is_empty());
    let allowed = one.system().get_allowed_services().await.unwrap();
    assert!(allowed.iter().any(|r| r == "auth.getJwtToken"), "{allowed:?}");
    assert!(!one.auth().get_jwt_token().await.unwrap().expiration.is_empty());
    one.outbound().get_campaigns().await.unwrap();
    one.email().create("customer@example.com", None).await.unwrap();
    let call = sim.inject_inbound_call("+14155550123", "5001", BTreeMap::new()).await.unwrap();
    assert_eq!(next_interaction_event(&mut events, InteractionEventType::Ringing).await, call);
    one.voice().answer(call.clone()).await.unwrap();
    assert_eq!(next_interaction_event(&mut events, InteractionEventType::Established).await, call);
    let listed = one.interaction().get_interactions().await.unwrap();
    assert!(listed.iter().any(|i| i.interaction_id.as_deref() == Some(call.as_str())), "{listed:?}");
    one.voice().hang_up(call.clone()).await.unwrap();
    assert_eq!(next_interaction_event(&mut events, InteractionEventType::Released).await, call);
    let mut team = two.subscribe([Topic::messenger("team")]).await.unwrap();
    one.messenger().broadcast_message("team", json!({"note": "from the first frame"})).await.unwrap();
    let broadcast = loop {
        let item = tokio::time::timeout(WAIT, team.recv()).await.expect("a message in time").expect("open");
        if let SubscriptionItem::Event(frame) = item
            && let Event::Messenger { message, .. } = &frame.event
        {
            break message.clone();
        }
    };
    assert_eq!(broadcast, Some(json!({"note": "from the first frame"})));

    // The web contents of one page are one browser tab: both lead, both are the last active.
    assert!(one.system().is_frame_leading().await.unwrap());
    assert!(two.system().is_frame_leading().await.unwrap(), "the second web content of the page does not lead");
    assert!(one.system().is_last_active_frame().await.unwrap());
    assert!(two.system().is_last_active_frame().await.unwrap());

    // The refused origin: no frame id, its subscribe refused, no event; the accepted one had events.
    assert!(matches!(other.subscribe([Topic::Interaction]).await, Err(Error::Rejected { .. })));
    // This answer comes after anything the simulator sent the refused frame before it.
    rejection(other.agent().get_state().await);
    assert_eq!(other.frame_id(), None);
    let frames = page.eval(FRAMES_JS).await;
    assert_eq!(frames[2]["events"], "0", "{frames}");
    assert_eq!(frames[2]["frameId"], Value::Null, "{frames}");
    assert!(frames[0]["events"].as_str().unwrap().parse::<u32>().unwrap() >= 3, "{frames}");
    assert_eq!(frames[0]["frameId"], json!(one.frame_id().unwrap()), "{frames}");
    assert_eq!(frames[1]["frameId"], json!(two.frame_id().unwrap()), "{frames}");

    // A toast, drawn as text: nothing of its markup becomes HTML.
    let title = "<img src=x onerror=alert(1)>Callback due";
    let toast = one
        .system()
        .popup_toast(ToastParameters {
            title: title.into(),
            message: Some("<b>Mrs Smith</b> at 3 pm".into()),
            key_values: Some([("Segment".to_owned(), "Gold".into())].into()),
            buttons: Some(vec!["Call now".into(), "Later".into()]),
            button_show_dismiss: Some(true),
            ..ToastParameters::default()
        })
        .await
        .unwrap();
    let drawn = page.wait_for(&toast_js(&toast)).await;
    assert_eq!(
        drawn,
        json!({"title": title, "message": "<b>Mrs Smith</b> at 3 pm", "keyValues": ["Segment", "Gold"],
               "buttons": ["Call now", "Later"], "markup": 0, "dismiss": true})
    );
    // The traffic log shows the answer's data.
    page.wait_for(&log_has_js(&["Workspace -> ", &format!("data \"{toast}\"")])).await;
    // A click on a button sends the documented system event.
    let click = format!(
        "document.querySelector('[data-toast-id=' + JSON.stringify({}) + '] button[data-button=\"1\"]').click(), true",
        js(&toast)
    );
    page.eval(&click).await;
    let clicked = next_system_event(&mut events, SystemEventType::CustomToastButtonClick).await;
    assert_eq!((clicked.custom_toast_id.as_deref(), clicked.button_index), (Some(toast.as_str()), Some(1)));
    // Updated, then closed, by its web content.
    let moved = ToastParameters { title: "Callback moved".into(), ..ToastParameters::default() };
    assert!(one.system().update_toast(toast.clone(), moved).await.unwrap());
    page.wait_for(&format!("({}) && ({}).title === 'Callback moved'", toast_js(&toast), toast_js(&toast))).await;
    assert!(one.system().close_toast(toast.clone()).await.unwrap());
    page.wait_for(&format!("({}) === null", toast_js(&toast))).await;
    // The dismiss button, and the autoCloseTimeout, close a toast too.
    let dismissed =
        one.system().popup_toast(ToastParameters { title: "Dismiss me".into(), ..ToastParameters::default() }).await;
    let dismissed = dismissed.unwrap();
    page.wait_for(&toast_js(&dismissed)).await;
    let dismiss = format!(
        "document.querySelector('[data-toast-id=' + JSON.stringify({}) + '] button.dismiss').click(), true",
        js(&dismissed)
    );
    page.eval(&dismiss).await;
    page.wait_for(&format!("({}) === null", toast_js(&dismissed))).await;
    page.wait_for(&log_has_js(&[&format!("toast {dismissed} closed: dismissed")])).await;
    let timed =
        ToastParameters { title: "Gone soon".into(), auto_close_timeout: Some(200), ..ToastParameters::default() };
    let timed = one.system().popup_toast(timed).await.unwrap();
    page.wait_for(&log_has_js(&[&format!("toast {timed} closed: its autoCloseTimeout passed")])).await;
    assert_eq!(page.eval(&toast_js(&timed)).await, Value::Null);

    // A dialog: its label as text, its page in an iframe and relayed like web content (here
    // the bridge page again: a session of its own, in the same tab), closed by its web content.
    let dialog_url = bridge(&first);
    let options = DialogOptions { label: Some("Case <i>42</i>".into()), ..DialogOptions::default() };
    let dialog = one.system().open_dialog(dialog_url.clone(), options).await.unwrap().expect("a dialog id");
    let dialog_js = format!(
        "(function () {{ var d = document.querySelector('[data-dialog-id=' + JSON.stringify({}) + ']'); return d ? {{ label: d.querySelector('.label').textContent, src: d.querySelector('iframe').src, markup: d.querySelectorAll('i').length }} : null; }})()",
        js(&dialog)
    );
    assert_eq!(page.wait_for(&dialog_js).await, json!({"label": "Case <i>42</i>", "src": dialog_url, "markup": 0}));
    let in_dialog = accept(&mut first, &mut browser, "dialog").await.session;
    assert!(in_dialog.system().is_frame_leading().await.unwrap(), "the dialog is in the page's tab");
    let dialog_frame = in_dialog.frame_id().expect("the dialog's page has a frame id");
    assert!(![one.frame_id(), two.frame_id()].contains(&Some(dialog_frame)));
    assert!(one.system().close_dialog(dialog.clone()).await.unwrap());
    page.wait_for(&format!("({dialog_js}) === null")).await;
    // Its relay closed with it.
    wait_gone(&sim, dialog_frame).await;

    // A menu view in the bar, then closed.
    let view = ApplicationMenuView {
        name: "crm".into(),
        label: Some("CRM <b>3</b>".into()),
        tooltip: Some("Open cases".into()),
        ..ApplicationMenuView::default()
    };
    assert_eq!(one.system().update_view_in_application_menu_bar(view).await.unwrap(), "crm");
    let view_js = "(function () { var v = document.querySelector('[data-view-name=\"crm\"]'); return v ? { label: v.textContent, tooltip: v.title, markup: v.querySelectorAll('b').length } : null; })()";
    assert_eq!(page.wait_for(view_js).await, json!({"label": "CRM <b>3</b>", "tooltip": "Open cases", "markup": 0}));
    assert!(one.system().close_view_in_application_menu_bar("crm").await.unwrap());
    page.wait_for(&format!("({view_js}) === null")).await;

    // The traffic log is bounded: the last 300 lines, each payload cut.
    one.messenger().broadcast_message("team", json!("x".repeat(5000))).await.unwrap();
    let long = page
        .wait_for("Array.from(document.querySelectorAll('#log li')).map(function (li) { return li.textContent; }).find(function (t) { return t.indexOf('messenger.broadcastMessage') >= 0 && t.indexOf('more characters') >= 0; }) || null")
        .await;
    assert!(long.as_str().unwrap().len() < 1000, "{long}");
    for _ in 0..160 {
        one.system().am_i_visible().await.unwrap();
    }
    assert_eq!(page.eval("document.querySelectorAll('#log li').length").await, json!(300));

    // A reload: the page closes the old document's relay at its load event; the new library
    // instance gets a new frame id, and the old connection's subscriptions are gone.
    let old_frame = one.frame_id().unwrap();
    page.eval("document.querySelectorAll('.frame')[0].querySelector('button.reload').click(), true").await;
    let one = accept(&mut first, &mut browser, "reloaded first").await.session;
    let reloaded = "(function () { var f = document.querySelectorAll('.frame')[0]; return f.dataset.loads === '2' && f.dataset.frameId === undefined; })()";
    page.wait_for(reloaded).await;
    one.agent().get_state().await.unwrap();
    let new_frame = one.frame_id().expect("a frame id for the reloaded document");
    assert_ne!(new_frame, old_frame);
    wait_gone(&sim, old_frame).await;
    let connections = sim.connections().await.unwrap();
    let new = connections.iter().find(|c| c.frame_id == new_frame).expect("the new frame is connected");
    assert!(new.topics.is_empty(), "{new:?}");
    assert!(one.system().is_frame_leading().await.unwrap(), "the reloaded document is still in the tab");

    // A new library instance in the same document (the bridge's session ends and a new one
    // starts, without a frame id): a new relay, a new frame id, no reload.
    let old_second = two.frame_id().unwrap();
    drop((two, team));
    let two = accept(&mut second, &mut browser, "second again").await.session;
    assert!(two.system().is_frame_leading().await.unwrap());
    let again = two.frame_id().expect("a frame id for the new instance");
    assert_ne!(again, old_second);
    wait_gone(&sim, old_second).await;
    let frames = page.eval(FRAMES_JS).await;
    assert_eq!((&frames[1]["loads"], &frames[1]["relays"]), (&json!("1"), &json!("2")), "{frames}");
    assert_eq!(frames[1]["frameId"], json!(again), "{frames}");
}

/// Web content that speaks the Service Client protocol itself, as the vendor's library does: it
/// subscribes and asks at once, while its document loads, and sends its frame id once the
/// Workspace assigned one (with a `system.triggerActivity`); `?extra=<n>` sends n more
/// requests at once. Every answer with an `errorMessage` it receives, it reports to its server
/// (`/report?frame=<json>`, [`EarlyPage::next_report`]). From its second load on, its load
/// event waits for `/held.png`, which the server answers only after [`EarlyPage::release`].
struct EarlyPage {
    addr: std::net::SocketAddr,
    release: tokio::sync::watch::Sender<bool>,
    reports: tokio::sync::mpsc::UnboundedReceiver<Value>,
    _task: tokio::task::JoinHandle<()>,
}

const EARLY_SCRIPT: &str = r"<script>
(function () {
  var frameId = null, next = 0;
  function send(message) {
    message.referenceId = String(next++);
    message.userAgent = 'early page';
    message.protocolVersion = 2;
    if (frameId !== null) { message.frameId = frameId; }
    window.parent.postMessage(message, '*');
  }
  window.addEventListener('message', function (event) {
    var f = event.data;
    if (event.source !== window.parent || f === null || typeof f !== 'object') { return; }
    if (f.frameId !== undefined && f.event === undefined && f.referenceId === undefined) {
      frameId = f.frameId;
      send({ request: 'system.triggerActivity' });
    }
    if ('errorMessage' in f) { fetch('/report?frame=' + encodeURIComponent(JSON.stringify(f))); }
  });
  send({ event: 'subscribe', data: ['interaction'] });
  send({ request: 'agent.getState' });
  var extra = Number(new URLSearchParams(window.location.search).get('extra') || '0');
  for (var i = 0; i < extra; i += 1) { send({ request: 'agent.getState' }); }
}());
</script>";

impl EarlyPage {
    async fn serve() -> Self {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (release, released) = tokio::sync::watch::channel(false);
        let loads = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let (report, reports) = tokio::sync::mpsc::unbounded_channel();
        let task = tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let mut released = released.clone();
                let loads = loads.clone();
                let report = report.clone();
                tokio::spawn(async move {
                    let mut head = Vec::new();
                    let mut buf = [0u8; 1024];
                    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 16 * 1024 {
                        match stream.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => head.extend_from_slice(&buf[..n]),
                        }
                    }
                    let head = String::from_utf8_lossy(&head);
                    let target = head.split_whitespace().nth(1).unwrap_or_default().to_owned();
                    let (path, query) = target.split_once('?').unwrap_or((target.as_str(), ""));
                    let (status, body) = match path {
                        "/report" => {
                            for (key, value) in form_urlencoded::parse(query.as_bytes()) {
                                if key == "frame" {
                                    let _ = report
                                        .send(serde_json::from_str(&value).unwrap_or(Value::String(value.into())));
                                }
                            }
                            ("204 No Content", String::new())
                        }
                        "/early.html" => {
                            let n = loads.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                            let held = if n == 0 { "" } else { "<img src=\"/held.png\" alt=\"\">" };
                            (
                                "200 OK",
                                format!(
                                    "<!doctype html><meta charset=\"utf-8\"><title>early</title>{EARLY_SCRIPT}{held}"
                                ),
                            )
                        }
                        "/held.png" => {
                            let _ = released.wait_for(|r| *r).await;
                            ("404 Not Found", String::new())
                        }
                        _ => ("404 Not Found", String::new()),
                    };
                    let answer = format!(
                        "HTTP/1.1 {status}\r\ncontent-type: text/html; charset=utf-8\r\ncache-control: no-store\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = stream.write_all(answer.as_bytes()).await;
                    let _ = stream.shutdown().await;
                });
            }
        });
        Self { addr, release, reports, _task: task }
    }

    /// The next answer with an `errorMessage` the page received.
    async fn next_report(&mut self) -> Value {
        tokio::time::timeout(WAIT, self.reports.recv()).await.expect("a report in time").expect("the server runs")
    }

    fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn url(&self) -> String {
        format!("http://{}/early.html", self.addr)
    }

    /// Lets the held image load, and with it the document's load event.
    fn release(&self) {
        self.release.send_replace(true);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reloaded_document_that_talks_before_its_load_event_keeps_its_new_relay() {
    let _one = ONE_BROWSER.lock().await;
    let executable = chromium();
    let early = EarlyPage::serve().await;
    let sim = Simulator::builder()
        .security("accepted-web-content-origins", format!("{} (*)", early.origin()))
        .start()
        .await
        .unwrap();
    let mut browser = Browser::open(&executable, &format!("{}?content={}", sim.workspace_url(), encode(&early.url())));
    let mut page = DevTools::attach(&mut browser, &sim.workspace_url()).await;
    let frame = "document.querySelector('.frame')";
    let subscribed = |frame_id: u64| {
        move |all: &[ConnectionInfo]| all.iter().any(|c| c.frame_id == frame_id && c.topics == ["interaction"])
    };

    // The first document: loaded, subscribed, and its frame id came back from it.
    let first = page
        .wait_for(&format!(
            "{frame}.dataset.loads === '1' && {frame}.dataset.frameId !== undefined && Number({frame}.dataset.frameId)"
        ))
        .await;
    let first = first.as_u64().unwrap_or_else(|| panic!("{first}\n{}", browser.log()));
    page.wait_for(&log_has_js(&[" -> Workspace  system.triggerActivity"])).await;
    wait_connections(&sim, "the first document subscribed", subscribed(first)).await;

    // Reloaded: the new document subscribes before its load event (which waits for the held
    // image). Its messages carry no frame id: a new library instance, so a new relay.
    page.eval(&format!("{frame}.querySelector('button.reload').click(), true")).await;
    let second = page
        .wait_for(&format!(
            "{frame}.dataset.loads === '1' && {frame}.dataset.relays === '2' && {frame}.dataset.frameId !== undefined && Number({frame}.dataset.frameId)"
        ))
        .await;
    let second = second.as_u64().unwrap();
    assert_ne!(second, first);
    wait_connections(&sim, "the second document subscribed and the first gone", |all| {
        subscribed(second)(all) && !all.iter().any(|c| c.frame_id == first)
    })
    .await;

    // Its load event comes now: the relay it opened before is its own and stays.
    early.release();
    let after = page.wait_for(&format!("{frame}.dataset.loads === '2' && {FRAMES_JS}[0]")).await;
    assert_eq!(after, json!({"loads": "2", "events": after["events"], "relays": "2", "frameId": second}));
    assert!(subscribed(second)(&sim.connections().await.unwrap()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_the_relay_cannot_send_are_answered_with_an_error_and_the_page_limits_follow_its_query() {
    let _one = ONE_BROWSER.lock().await;
    let executable = chromium();
    let mut early = EarlyPage::serve().await;
    let sim = Simulator::builder()
        .security("accepted-web-content-origins", format!("{} (*)", early.origin()))
        .start()
        .await
        .unwrap();
    // The page posts four messages at once, before its relay can open; the page's queue holds two.
    let content = format!("{}?extra=2", early.url());
    let url = format!("{}?queue=2&logLines=5&content={}", sim.workspace_url(), encode(&content));
    let mut browser = Browser::open(&executable, &url);

    // The two past the queue are answered with an errorMessage, which reaches the iframe.
    let mut refused = Vec::new();
    for _ in 0..2 {
        let report = early.next_report().await;
        let message = report["errorMessage"].as_str().unwrap_or_else(|| panic!("{report}\n{}", browser.log()));
        assert!(message.contains("relay queue is full (2 messages"), "{report}");
        assert_eq!(report["request"], "agent.getState", "{report}");
        refused.push(report["referenceId"].as_str().unwrap().to_owned());
    }
    refused.sort();
    assert_eq!(refused, ["2", "3"]);
    // The two queued went through once the relay opened: nothing else was lost.
    let subscribed = |all: &[ConnectionInfo]| all.iter().any(|c| c.topics == ["interaction"]);
    wait_connections(&sim, "the queued subscribe arrived", subscribed).await;
    let mut page = DevTools::attach(&mut browser, &sim.workspace_url()).await;
    page.wait_for(&log_has_js(&[" -> Workspace  system.triggerActivity"])).await;
    // The traffic log keeps as many lines as `logLines` says.
    assert_eq!(page.eval("document.querySelectorAll('#log li').length").await, json!(5));

    // The simulator stops (its relay with it); the iframe reloads and posts again, before its
    // load event: a new library instance, whose new relay cannot open, so the two queued
    // messages are answered with an error too (and the two past the queue).
    drop(sim);
    early.release();
    page.eval("document.querySelector('.frame button.reload').click(), true").await;
    let mut reasons = BTreeMap::new();
    for _ in 0..4 {
        let report = early.next_report().await;
        let message = report["errorMessage"].as_str().unwrap_or_default();
        let reason = if message.contains("relay closed before it opened") {
            "closed"
        } else if message.contains("relay queue is full") {
            "full"
        } else {
            panic!("{report}")
        };
        reasons.insert(report["referenceId"].as_str().unwrap().to_owned(), reason);
    }
    let expected = [("0", "closed"), ("1", "closed"), ("2", "full"), ("3", "full")];
    assert_eq!(reasons, expected.into_iter().map(|(id, why)| (id.to_owned(), why)).collect());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_workspace_page_opened_for_the_second_agent_plays_that_agents_desktop() {
    let _one = ONE_BROWSER.lock().await;
    let executable = chromium();
    let mut served = Acceptor::bind("127.0.0.1:0", AcceptorConfig::default()).await.unwrap();
    let desk = |employee_id: &str, username: &str| DesktopConfig {
        agent: Agent { employee_id: Some(employee_id.into()), username: Some(username.into()), ..Agent::default() },
        ..DesktopConfig::default()
    };
    let config = SimConfig { agents: vec![desk("emp1", "alice"), desk("emp2", "bob")], ..SimConfig::default() };
    let sim = Simulator::builder()
        .config(config)
        .security("accepted-web-content-origins", format!("http://{} (*)", served.local_addr()))
        .start()
        .await
        .unwrap();
    let bridge = format!("{}?targetOrigin={}", served.bridge_url(), encode(&sim.workspace_origin()));
    let mut browser =
        Browser::open(&executable, &format!("{}?agent=bob&content={}", sim.workspace_url(), encode(&bridge)));
    let session = accept(&mut served, &mut browser, "bob's").await.session;
    let mut page = DevTools::attach(&mut browser, &sim.workspace_url()).await;

    // The relay names the page's agent: the web content works on Bob's desktop.
    let me = session.agent().get().await.unwrap_or_else(|e| panic!("agent.get: {e}\n{}", browser.log()));
    assert_eq!(me.username.as_deref(), Some("bob"), "{me:?}");
    let mut events = session.subscribe([Topic::Interaction, Topic::System]).await.unwrap();
    let call = sim.agent("emp2").unwrap().inject_inbound_call("+14155550123", "5001", BTreeMap::new()).await.unwrap();
    assert_eq!(next_interaction_event(&mut events, InteractionEventType::Ringing).await, call);
    // The page lists Bob's interactions.
    let listed = format!(
        "Array.from(document.querySelectorAll('#interactions li')).some(function (li) {{ return li.textContent.indexOf({}) === 0; }})",
        js(&call)
    );
    page.wait_for(&listed).await;
    assert!(sim.interactions().await.unwrap().is_empty(), "the call is on Alice's desktop");
    // A click on a toast's button goes to the desktop that shows it.
    let params = ToastParameters { title: "For Bob".into(), buttons: Some(vec!["OK".into()]), ..Default::default() };
    let toast = session.system().popup_toast(params).await.unwrap();
    page.wait_for(&toast_js(&toast)).await;
    let click = format!(
        "document.querySelector('[data-toast-id=' + JSON.stringify({}) + '] button[data-button=\"0\"]').click(), true",
        js(&toast)
    );
    page.eval(&click).await;
    let clicked = next_system_event(&mut events, SystemEventType::CustomToastButtonClick).await;
    assert_eq!((clicked.custom_toast_id.as_deref(), clicked.button_index), (Some(toast.as_str()), Some(0)));
    page.wait_for(&log_has_js(&[&format!("toast {toast} button 0 done")])).await;
}
