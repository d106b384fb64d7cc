//! What the typed namespaces call through ([`Caller`]), and request frames forwarded as they
//! are ([`Session::forward`]).

use std::future::Future;
use std::time::Duration;

use cxwire_model::scapi::ServiceRequest;
use serde_json::{Map, Value};

use crate::{Error, Session};

/// Something that sends typed Service Client requests to one desktop and returns their typed
/// answers: a [`Session`], or a desktop reached through another process (`cxwire-gateway`'s
/// `Desktop`). The namespaces ([`Agent`](crate::Agent), [`Voice`](crate::Voice), ...) are
/// written once over it: `Voice::new(&caller).dial(..)`.
pub trait Caller: Sync {
    /// The error of a call.
    type Error;

    /// Sends `request` and waits for its answer, at most `timeout` (the caller's default
    /// when `None`).
    fn call_typed<R: ServiceRequest>(
        &self,
        request: R,
        timeout: Option<Duration>,
    ) -> impl Future<Output = Result<R::Response, Self::Error>> + Send;
}

impl Caller for Session {
    type Error = Error;

    async fn call_typed<R: ServiceRequest>(&self, request: R, timeout: Option<Duration>) -> Result<R::Response, Error> {
        self.call_with_timeout(request, timeout.unwrap_or(self.config().call_timeout)).await
    }
}

/// Requests whose answers the session consumes itself: forwarding them would desynchronize
/// its subscriptions.
const SESSION_OWN: [&str; 2] = ["subscribe", "unsubscribe"];

impl Session {
    /// Sends a Service Client request frame received from elsewhere (its JSON text, as on the
    /// wire) and returns the answer frame's text, with the caller's `referenceId` put back
    /// (left out when the frame had none). The frame goes out under a `referenceId` and the
    /// `frameId` of this session, so callers in other processes never collide; its other
    /// fields go out as they are. `userAgent` and `protocolVersion` are added when missing.
    /// A Workspace failure is an answer with `errorMessage`, returned like any answer.
    ///
    /// # Errors
    /// [`Error::InvalidFrame`] when the text is not a JSON object with a string `request`, or
    /// names `subscribe`/`unsubscribe` (the session's own: use [`Session::subscribe`]);
    /// otherwise as [`Session::call`] ([`Error::Timeout`], [`Error::Disconnected`],
    /// [`Error::FrameTooLarge`], [`Error::AnswerTooLarge`]).
    pub async fn forward(&self, frame: &[u8], timeout: Option<Duration>) -> Result<String, Error> {
        let invalid = |reason: &str| Error::InvalidFrame { reason: reason.to_owned() };
        let mut object: Map<String, Value> = match serde_json::from_slice(frame) {
            Ok(Value::Object(object)) => object,
            Ok(_) => return Err(invalid("not a JSON object")),
            Err(e) => return Err(Error::InvalidFrame { reason: format!("not JSON: {e}") }),
        };
        let name = match object.get("request") {
            Some(Value::String(name)) if !name.is_empty() => name.clone(),
            _ => return Err(invalid("no string `request`")),
        };
        if SESSION_OWN.contains(&name.as_str()) {
            return Err(Error::InvalidFrame {
                reason: format!("`{name}` is the session's own (events are delivered by subscription)"),
            });
        }
        let theirs = object.remove("referenceId");
        let id = self.next_reference_id();
        object.insert("referenceId".to_owned(), Value::String(id.to_string()));
        match self.frame_id() {
            Some(frame_id) => object.insert("frameId".to_owned(), Value::from(frame_id)),
            None => object.remove("frameId"),
        };
        object.entry("userAgent").or_insert_with(|| Value::String(self.config().user_agent.clone()));
        object.entry("protocolVersion").or_insert(Value::from(cxwire_model::scapi::PROTOCOL_VERSION));
        let text = serde_json::to_string(&object).map_err(Error::websocket_source)?;
        let timeout = timeout.unwrap_or(self.config().call_timeout);
        let answer = self.roundtrip(&name, id, text, timeout).await?;
        // The driver routed it by referenceId, so it is a JSON object with ours.
        let Ok(Value::Object(mut answer_object)) = serde_json::from_str::<Value>(&answer) else {
            return Ok(answer);
        };
        match theirs {
            Some(theirs) => answer_object.insert("referenceId".to_owned(), theirs),
            None => answer_object.remove("referenceId"),
        };
        serde_json::to_string(&answer_object).map_err(Error::websocket_source)
    }
}
