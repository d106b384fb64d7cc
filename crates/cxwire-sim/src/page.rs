//! The Workspace page for real browsers, and the HTTP control API, served together on their own
//! loopback port ([`Simulator::workspace_url`](crate::Simulator::workspace_url)).
//!
//! The page plays the Agent Workspace window: it embeds each configured web content
//! ([`WorkspacePageConfig`], plus any `?content=<url>` of the page's own address) in an iframe,
//! and relays the Service Client API messages each iframe posts to it (`window.parent.postMessage`,
//! as the vendor's library and cxwire's bridge page do) to the simulator over one WebSocket per
//! iframe, and the simulator's answers and events back with `postMessage` to that iframe's origin
//! only. The relay connection names the iframe's origin as the browser reported it on the
//! `message` event (`MessageEvent.origin`, which a page cannot forge), and the simulator checks
//! the security options against that origin. It trusts the name only from the page itself: a
//! relay connection whose WebSocket handshake does not come from the page's origin is closed with
//! code 1008. The page also has buttons for the control API and shows the traffic, answer and
//! event data included.
//!
//! # The page's limits
//!
//! Each is a query parameter of the page's address (a positive integer, e.g.
//! `/?logLines=1000&queue=512&content=...`); past it:
//!
//! | parameter | default | past it |
//! |---|---|---|
//! | `logLines` | 300 | the oldest traffic log lines go |
//! | `logPayload` | 600 | a payload in the log is cut, and says how many characters were left out |
//! | `queue` | 256 | a message of an iframe waiting for its relay to open is not sent: the iframe gets an answer with an `errorMessage` (`Error: the Workspace page relay queue is full ...`) for its `referenceId` |
//! | `pending` | 256 | the oldest drawing request of a relay still waiting for its answer is not drawn |
//! | `toasts` / `dialogs` / `views` | 50 / 10 / 30 | the oldest on screen closes, and the log says so |
//! | `text` | 2000 | a drawn text is cut, and says how many characters were left out |
//!
//! # One browser tab
//!
//! Every relay of one page load names the same random `tab` id (`?origin=<iframe origin>&tab=<id>`),
//! so the simulator treats the page's web contents as the frames of one browser tab: they lead,
//! follow and are last active together (`system.isFrameLeading`, `isLastActiveFrame`, the
//! `frameState` of system events). Another page load is another tab.
//!
//! # One agent
//!
//! The page plays the first agent's desktop, or with `?agent=<employee id or user name>` in its
//! address that agent's: every relay names it (`&agent=<id>`), and so does every control request
//! the page sends (a toast click goes to the desktop that shows the toast). An agent the
//! simulator does not play is shown as an error, and its relays are closed with code 1008.
//!
//! # Reloads and new library instances
//!
//! Each iframe document's library instance gets its own relay, hence its own frame id and
//! subscriptions. From an iframe's second `load` event on, the relay of the document before is
//! closed (the simulator drops its subscriptions and toasts), and the next message opens a new
//! one. A message without a `frameId` from an iframe whose library already sent its frame id
//! back also starts a new relay, whether or not the old one is still open: it comes from a new
//! library instance, e.g. a reloaded document that posts before its `load` event (that relay is
//! the new document's, and its `load` event keeps it). The one case this cannot tell: a document
//! that posts before its `load` event in an iframe whose previous document never sent a frame id
//! back; its relay is closed at the `load` event like the old document's, and its next message
//! opens another. Messages posted while a relay opens are queued (up to `queue`); a relay that
//! closes before it opens answers each queued message with an `errorMessage` (`Error: the
//! Workspace page relay closed before it opened ...`), so nothing is lost silently. Each frame's
//! box has a Reload button.
//!
//! # What the page draws
//!
//! From the requests it relays and their successful answers, the page draws what the Agent
//! Workspace would: toasts (`system.popupToast`: title, icon, subject, message, key-values,
//! buttons, a dismiss button unless `buttonShowDismiss` is false; `updateToast` redraws,
//! `closeToast`, the `autoCloseTimeout`, the dismiss button, and the end of the connection that
//! opened it close it), where a click on a button posts `{"action": "toastClick", "toast": <id>,
//! "button": <index>}` to the control API, which sends the `CUSTOM_TOAST_BUTTON_CLICK` system
//! event (the toast stays until its web content closes it); dialogs (`system.openDialog`: the
//! label, the URL, and the page in an iframe when it is `http:`/`https:`, with a Close button;
//! `closeDialog`; the dialog's page is relayed like any web content, and its relay closes with
//! the dialog); and menu views (`system.updateViewInApplicationMenuBar`: icon and label in the
//! header bar; `closeViewInApplicationMenuBar`). Every text is set as text, never as HTML, and the
//! Content-Security-Policy enforces Trusted Types, so no string can reach an HTML sink. The drawn
//! state is in the DOM for tests: `[data-toast-id]`, `[data-dialog-id]`, `[data-view-name]`, and
//! on each frame's box `data-frame-id`, `data-loads`, `data-events` and `data-relays`.
//!
//! # Routes
//!
//! | route | answer |
//! |---|---|
//! | `GET /` | the Workspace page (`?content=<url>` embeds more web content; `http:` and `https:` only) |
//! | `GET /workspace.js` | its script |
//! | `GET /workspace.css` | its style sheet |
//! | `GET /config.json` | `{"relay": <ws url>, "webContent": [{"name", "url"}], "agent": {...}, "agents": [ids]}` (`agent`: the first agent) |
//! | `GET /control/interactions` | the interactions on the desktop (JSON array); `?agent=<id>` for another agent's |
//! | `GET /control/connections` | the Service Client API connections ([`ConnectionInfo`](crate::ConnectionInfo)); `?agent=<id>` as above |
//! | `POST /control/action` | one scenario action ([`ControlAction`]: an [`Action`](crate::scenario::Action) and an optional `"agent"`), e.g. `{"action": "inboundCall", "ani": "+14155550123", "agent": "emp1002"}`: `200 {"interactionId": ...}` |
//! | `POST /control/scenario` | a whole [`Scenario`], delays included: `200 {"created": [ids]}` |
//!
//! Every request must name the page's own address in `Host` (`127.0.0.1:<port>` or
//! `localhost:<port>`), or it is answered 421 (a DNS-rebinding page cannot read the control API).
//! Errors are `{"error": "..."}` with 400 (not JSON, or not an action: the message names the
//! path), 409 (refused, e.g. an unknown toast), 415 (a `POST` that is not `application/json`),
//! 403 (a `POST` from another page's origin: browsers cannot forge a JSON `POST` across origins
//! without a CORS preflight, which this server never grants), 404, 405 and 503 (stopped).

use std::net::SocketAddr;
use std::sync::Arc;

use cxwire_model::scapi::types::Agent;
use http_body_util::Full;
use hyper::body::{Bytes, Incoming as Body};
use hyper::header::{CACHE_CONTROL, CONTENT_TYPE, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use serde::{Deserialize, Serialize};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::http::server::{Handler, accept_loop, read_body};
use crate::scenario::{ControlAction, Scenario};
use crate::{SimControl, SimError};

/// The Workspace page.
pub const WORKSPACE_HTML: &str = include_str!("../page/workspace.html");
/// The Workspace page's script.
pub const WORKSPACE_JS: &str = include_str!("../page/workspace.js");
/// The Workspace page's style sheet.
pub const WORKSPACE_CSS: &str = include_str!("../page/workspace.css");

/// The largest control request body.
const MAX_CONTROL_BODY: usize = 256 * 1024;

/// The Workspace page's settings (`workspacePage` in a configuration file).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct WorkspacePageConfig {
    /// The web content to embed, each in its own iframe, in order.
    pub web_content: Vec<WebContent>,
}

/// One web content: what the Workspace option of the same name configures.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WebContent {
    /// The tab's title.
    pub name: String,
    /// The page to embed (`http:` or `https:`).
    pub url: String,
}

/// What the page server needs.
pub(crate) struct PageContext {
    pub(crate) control: SimControl,
    pub(crate) relay_url: String,
    pub(crate) web_content: Vec<WebContent>,
    pub(crate) agent: Agent,
}

/// The running page server; dropping it stops it.
#[derive(Debug)]
pub(crate) struct PageHandle {
    local_addr: SocketAddr,
    stop: watch::Sender<bool>,
    _task: JoinHandle<()>,
}

impl PageHandle {
    pub(crate) fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }
}

impl Drop for PageHandle {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

/// Binds the page server's loopback address.
pub(crate) async fn bind(addr: SocketAddr) -> Result<TcpListener, SimError> {
    if !addr.ip().is_loopback() {
        return Err(SimError::Page(format!("{addr} is not a loopback address")));
    }
    TcpListener::bind(addr).await.map_err(|e| SimError::Page(format!("cannot bind {addr}: {e}")))
}

/// Serves the page and the control API on `listener`.
pub(crate) fn serve(listener: TcpListener, context: PageContext) -> Result<PageHandle, SimError> {
    let local_addr = listener.local_addr().map_err(|e| SimError::Page(format!("no local address: {e}")))?;
    let origins = origins(local_addr);
    let config = serde_json::json!({
        "relay": context.relay_url,
        "webContent": context.web_content,
        "agent": context.agent,
        "agents": context.control.agents(),
    })
    .to_string();
    let csp = content_security_policy(&context.relay_url);
    let shared = Arc::new(Shared { control: context.control, config, origins, csp });
    let handler: Handler = Arc::new(move |request| {
        let shared = shared.clone();
        Box::pin(async move { shared.respond(request).await })
    });
    let (stop, stopped) = watch::channel(false);
    let task = tokio::spawn(accept_loop(listener, handler, stopped));
    Ok(PageHandle { local_addr, stop, _task: task })
}

/// The page's Content-Security-Policy: scripts and styles of the page only (nothing inline),
/// Trusted Types enforced with no policy (a string given to an HTML sink such as `innerHTML`
/// throws: nothing the web content sends can become markup), web content and dialogs in
/// `http:`/`https:` iframes, toast and view icons from `http:`/`https:`, WebSockets to the
/// simulator only, and the page itself never framed (its buttons act on the desktop).
fn content_security_policy(relay_url: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' http: https:; \
         frame-src http: https:; connect-src 'self' {}; object-src 'none'; base-uri 'none'; form-action 'self'; \
         frame-ancestors 'none'; require-trusted-types-for 'script'; trusted-types 'none'",
        relay_url.split(crate::RELAY_PATH).next().unwrap_or_default()
    )
}

/// The origins the page has when opened at `addr`: `http://127.0.0.1:port`, and
/// `http://localhost:port` for a loopback address.
pub(crate) fn origins(addr: SocketAddr) -> Vec<String> {
    let mut all = vec![format!("http://{addr}")];
    if addr.ip().is_loopback() {
        all.push(format!("http://localhost:{}", addr.port()));
    }
    all
}

/// Whether `text` is a serialized origin as browsers report it: `null`, or an origin that the
/// security options' own parser (`cxwire_policy::normalize_origin`) reads and that is already in
/// its serialized form (lowercase, no default port), as `MessageEvent.origin` always is.
pub fn is_origin(text: &str) -> bool {
    text == "null" || (text.len() <= 512 && cxwire_policy::normalize_origin(text).is_ok_and(|n| n == text))
}

struct Shared {
    control: SimControl,
    config: String,
    origins: Vec<String>,
    csp: String,
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: &'a str,
}

fn reply(status: StatusCode, content_type: &'static str, body: impl Into<Bytes>) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(body.into()));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    response
}

fn json(status: StatusCode, body: &impl Serialize) -> Response<Full<Bytes>> {
    let text = serde_json::to_vec(body).unwrap_or_else(|_| b"{\"error\":\"cannot encode the answer\"}".to_vec());
    reply(status, "application/json", text)
}

fn error(status: StatusCode, message: &str) -> Response<Full<Bytes>> {
    json(status, &ErrorBody { error: message })
}

fn sim_error(e: &SimError) -> Response<Full<Bytes>> {
    match e {
        SimError::Stopped => error(StatusCode::SERVICE_UNAVAILABLE, &e.to_string()),
        _ => error(StatusCode::CONFLICT, &e.to_string()),
    }
}

/// The `agent` query parameter of a control `GET`, if any.
fn query_agent(uri: &hyper::Uri) -> Option<String> {
    form_urlencoded::parse(uri.query().unwrap_or_default().as_bytes())
        .find(|(key, value)| key == "agent" && !value.is_empty())
        .map(|(_, value)| value.into_owned())
}

fn decode<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, String> {
    let mut de = serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(&mut de).map_err(|e| format!("at {}: {}", e.path(), e.inner()))
}

impl Shared {
    /// The control API for `agent`'s desktop, or the first agent's.
    fn control_for(&self, agent: Option<&str>) -> Result<SimControl, SimError> {
        agent.map_or_else(|| Ok(self.control.clone()), |a| self.control.agent(a))
    }

    async fn respond(&self, request: Request<Body>) -> Response<Full<Bytes>> {
        let (parts, body) = request.into_parts();
        let path = parts.uri.path();
        let method = &parts.method;
        // DNS rebinding: a page of another name that resolves to loopback reaches this server
        // with its own name in `Host`. Only the simulator's own addresses are served.
        let host = parts.headers.get(hyper::header::HOST).and_then(|v| v.to_str().ok()).unwrap_or_default();
        if !self.origins.iter().any(|o| o.strip_prefix("http://").is_some_and(|own| own.eq_ignore_ascii_case(host))) {
            return error(
                StatusCode::MISDIRECTED_REQUEST,
                "the Host header must name the simulator's own address (127.0.0.1:<port> or localhost:<port>)",
            );
        }
        if *method == Method::POST {
            if let Some(origin) = parts.headers.get("origin")
                && !self.origins.iter().any(|o| o.as_bytes() == origin.as_bytes())
            {
                return error(StatusCode::FORBIDDEN, "control requests are accepted only from the Workspace page");
            }
            let is_json = parts.headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| {
                v.split(';').next().is_some_and(|t| t.trim().eq_ignore_ascii_case("application/json"))
            });
            if !is_json {
                return error(StatusCode::UNSUPPORTED_MEDIA_TYPE, "send the body as application/json");
            }
        }
        let get = *method == Method::GET || *method == Method::HEAD;
        match path {
            "/" | "/index.html" | "/workspace.html" if get => {
                let mut page = reply(StatusCode::OK, "text/html; charset=utf-8", WORKSPACE_HTML);
                if let Ok(csp) = HeaderValue::from_str(&self.csp) {
                    page.headers_mut().insert("content-security-policy", csp);
                }
                page
            }
            "/workspace.js" if get => reply(StatusCode::OK, "text/javascript; charset=utf-8", WORKSPACE_JS),
            "/workspace.css" if get => reply(StatusCode::OK, "text/css; charset=utf-8", WORKSPACE_CSS),
            "/config.json" if get => reply(StatusCode::OK, "application/json", self.config.clone()),
            "/control/interactions" if get => match self.control_for(query_agent(&parts.uri).as_deref()) {
                Ok(control) => match control.interactions().await {
                    Ok(list) => json(StatusCode::OK, &list),
                    Err(e) => sim_error(&e),
                },
                Err(e) => sim_error(&e),
            },
            "/control/connections" if get => match self.control_for(query_agent(&parts.uri).as_deref()) {
                Ok(control) => match control.connections().await {
                    Ok(list) => json(StatusCode::OK, &list),
                    Err(e) => sim_error(&e),
                },
                Err(e) => sim_error(&e),
            },
            "/control/action" | "/control/scenario" if *method == Method::POST => {
                let body = match read_body(body, &parts.headers, MAX_CONTROL_BODY).await {
                    Ok(body) => body,
                    Err(message) => return error(StatusCode::BAD_REQUEST, &message),
                };
                if path == "/control/action" {
                    match decode::<ControlAction>(&body) {
                        Ok(ControlAction { agent, action }) => match self.control_for(agent.as_deref()) {
                            Ok(control) => match control.act(&action).await {
                                Ok(id) => json(StatusCode::OK, &serde_json::json!({ "interactionId": id })),
                                Err(e) => sim_error(&e),
                            },
                            Err(e) => sim_error(&e),
                        },
                        Err(message) => error(StatusCode::BAD_REQUEST, &message),
                    }
                } else {
                    match decode::<Scenario>(&body) {
                        Ok(scenario) => match self.control.run_scenario(&scenario).await {
                            Ok(created) => json(StatusCode::OK, &serde_json::json!({ "created": created })),
                            Err(e) => sim_error(&e),
                        },
                        Err(message) => error(StatusCode::BAD_REQUEST, &message),
                    }
                }
            }
            "/"
            | "/index.html"
            | "/workspace.html"
            | "/workspace.js"
            | "/workspace.css"
            | "/config.json"
            | "/control/interactions"
            | "/control/connections"
            | "/control/action"
            | "/control/scenario" => error(StatusCode::METHOD_NOT_ALLOWED, "method not allowed"),
            _ => error(StatusCode::NOT_FOUND, "not found"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_recognised() {
        for ok in ["null", "http://127.0.0.1:8080", "https://crm.example.com", "chrome-extension://abc"] {
            assert!(is_origin(ok), "{ok}");
        }
        for bad in [
            "",
            "127.0.0.1:8080",
            "http://",
            "http://a/b",
            "http://a?x",
            "http://a#x",
            "http://u@a",
            "http://a b",
            "http://a\n",
            "1http://a",
            "HTTP://A",
            "http://a:80",
        ] {
            assert!(!is_origin(bad), "{bad:?}");
        }
    }

    #[test]
    fn the_page_has_both_loopback_origins() {
        let addr = SocketAddr::from(([127, 0, 0, 1], 4321));
        assert_eq!(origins(addr), ["http://127.0.0.1:4321", "http://localhost:4321"]);
    }
}
