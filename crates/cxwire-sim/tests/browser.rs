//! The real-browser end-to-end test: headless Chromium opens the simulator's Workspace page,
//! which embeds cxwire-ws's bridge page, served by acceptors on other loopback ports (other
//! origins), in iframes. A Rust session on each acceptor drives the desktop through the bridge,
//! the real `postMessage` between the iframes and the Workspace page, and the page's relay to the
//! simulator; the simulator checks each iframe's browser-reported origin against its security
//! options, so one bridge is served and the other refused.
//!
//! Chromium comes from `scripts/install-chromium.sh` (Debian's `chromium`), or from
//! `CXWIRE_CHROMIUM`. Without it this test fails: it is never skipped.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use cxwire_model::scapi::{Event, InteractionEventType};
use cxwire_sim::Simulator;
use cxwire_ws::{Accepted, Acceptor, AcceptorConfig, Error, Session, Subscription, SubscriptionItem};

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
        let child = Command::new(executable)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--no-default-browser-check",
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bridge_page_in_headless_chromium_drives_the_simulator_through_post_message() {
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
    let mut events = session.subscribe([cxwire_ws::Topic::Interaction]).await.unwrap();
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
