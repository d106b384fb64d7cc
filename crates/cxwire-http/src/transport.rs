//! The shared HTTP core: one `reqwest::Client` (one connection pool), the per-request timeout,
//! the retry loop and the mapping of answers to results or typed errors.

use std::fmt;
use std::time::Duration;

use chrono::Utc;
use cxwire_model::http::{engagement_v3, gms_v1};
use reqwest::header::RETRY_AFTER;
use reqwest::redirect::Policy;
use reqwest::{Client, Request, Response, StatusCode, Url};
use serde::de::DeserializeOwned;
use tracing::Instrument as _;

use crate::callback::TimeSlot;
use crate::error::{Error, HttpFailure, into_text};
use crate::retry::{Idempotency, RetryPolicy, parse_retry_after};

/// Which error body shape to look for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Api {
    GmsV1,
    EngagementV3,
}

/// The default limit of an answer's body: 1 MiB (the documented answers are a few kB).
pub const DEFAULT_BODY_LIMIT: usize = 1024 * 1024;

/// How many first bytes of an oversized body [`Error::BodyTooLarge`] keeps: 1 KiB.
pub const BODY_HEAD_BYTES: usize = 1024;

/// The most redirects followed in a row (same origin only).
const MAX_REDIRECTS: usize = 10;

#[derive(Clone, Debug)]
pub(crate) struct Transport {
    pub(crate) client: Client,
    pub(crate) timeout: Duration,
    pub(crate) retry: RetryPolicy,
    pub(crate) api: Api,
    pub(crate) body_limit: usize,
}

/// A successful exchange: status and body bytes.
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) body: Vec<u8>,
}

impl Reply {
    /// Decodes the body as JSON (serde_json's recursion limit turns a too deeply nested answer
    /// into [`Error::Decode`]).
    pub(crate) fn json<T: DeserializeOwned>(self) -> Result<T, Error> {
        serde_json::from_slice(&self.body).map_err(|e| Error::decode(self.status, self.body, e))
    }
}

impl Transport {
    /// Sends `request`, retrying as the policy allows, and returns the 2xx answer or the error.
    ///
    /// Runs in an `http` span with the method and the URL path (never the query, the headers,
    /// the API key or a body); each attempt logs its retry number and status at debug level.
    pub(crate) async fn send(&self, request: Request, idempotency: Idempotency) -> Result<Reply, Error> {
        let span = tracing::debug_span!(
            "http",
            method = request.method().as_str(),
            path = request.url().path(),
            status = tracing::field::Empty,
            retry = tracing::field::Empty,
        );
        self.send_in_span(request, idempotency).instrument(span).await
    }

    async fn send_in_span(&self, request: Request, idempotency: Idempotency) -> Result<Reply, Error> {
        let mut request = request;
        let mut retry: u32 = 0;
        loop {
            let spare = if self.retry.is_enabled() { request.try_clone() } else { None };
            let error = match self.once(request).await {
                Ok(reply) => {
                    let span = tracing::Span::current();
                    span.record("status", reply.status);
                    span.record("retry", retry);
                    return Ok(reply);
                }
                Err(error) => error,
            };
            let status = error.status();
            match (spare, self.retry.delay(retry, idempotency, &error)) {
                (Some(next), Some(delay)) => {
                    tracing::debug!(status, retry, delay_ms = delay.as_millis() as u64, "retrying");
                    tokio::time::sleep(delay).await;
                    request = next;
                    retry += 1;
                }
                _ => {
                    let span = tracing::Span::current();
                    if let Some(status) = status {
                        span.record("status", status);
                    }
                    span.record("retry", retry);
                    tracing::debug!(status, retry, "failed");
                    return Err(error);
                }
            }
        }
    }

    /// One exchange: the request, the head and the whole body, all within the timeout.
    async fn once(&self, request: Request) -> Result<Reply, Error> {
        let origin = request.url().clone();
        let exchange = async {
            let mut response = self.client.execute(request).await.map_err(Error::transport)?;
            if !same_origin(response.url(), &origin) {
                // Only a caller-supplied client without `redirect_policy` gets here.
                return Err(Error::RedirectRefused { target: display_target(response.url()), followed: true });
            }
            let status = response.status();
            let retry_after = if status.is_success() {
                None
            } else {
                response
                    .headers()
                    .get(RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| parse_retry_after(v, Utc::now()))
            };
            let body = read_body(&mut response, self.body_limit).await?;
            Ok((status, retry_after, body))
        };
        let (status, retry_after, body) = match tokio::time::timeout(self.timeout, exchange).await {
            Err(_) => return Err(Error::Timeout(self.timeout)),
            Ok(Err(e)) => return Err(e),
            Ok(Ok(answer)) => answer,
        };
        if status.is_success() {
            Ok(Reply { status: status.as_u16(), body })
        } else {
            Err(self.failure(status, retry_after, body))
        }
    }

    /// Maps a non-2xx answer to its typed error.
    fn failure(&self, status: StatusCode, retry_after: Option<Duration>, body: Vec<u8>) -> Error {
        let mut failure = Box::new(HttpFailure {
            status: status.as_u16(),
            body: String::new(),
            gms: None,
            v3_status: None,
            retry_after,
        });
        let mut proposed_slots = Vec::new();
        match self.api {
            Api::GmsV1 => {
                failure.gms = serde_json::from_slice::<gms_v1::ErrorBody>(&body)
                    .ok()
                    .filter(|b| b.exception.is_some() || b.message.is_some());
            }
            Api::EngagementV3 => {
                if let Ok(answer) = serde_json::from_slice::<engagement_v3::ProposedSlotsResponse>(&body) {
                    failure.v3_status = Some(answer.status);
                    if status == StatusCode::TOO_MANY_REQUESTS {
                        let slots = answer.data.and_then(|d| d.slots).unwrap_or_default();
                        // A malformed proposal is dropped; the raw body keeps it.
                        proposed_slots = slots.iter().filter_map(|s| TimeSlot::from_v3(s).ok()).collect();
                    }
                } else if let Ok(answer) = serde_json::from_slice::<engagement_v3::ErrorResponse>(&body) {
                    failure.v3_status = Some(answer.status);
                }
            }
        }
        failure.body = into_text(body);
        match status.as_u16() {
            400 => Error::BadRequest(failure),
            404 => Error::NotFound(failure),
            429 => Error::TooManyRequests { failure, proposed_slots },
            500 => Error::ServerException(failure),
            503 => Error::ServiceUnavailable(failure),
            _ => Error::Http(failure),
        }
    }
}

/// Appends path segments to a base URL (percent-encoding each).
pub(crate) fn join(base: &Url, segments: &[&str]) -> Url {
    let mut url = base.clone();
    if let Ok(mut path) = url.path_segments_mut() {
        path.pop_if_empty().extend(segments);
    }
    url
}

/// Parses and checks a base URL (http or https, with a host).
pub(crate) fn base_url(text: &str, what: &str) -> Result<Url, Error> {
    let url = Url::parse(text.trim()).map_err(|e| Error::Config(format!("{what} is not a valid URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") || url.cannot_be_a_base() || url.host().is_none() {
        return Err(Error::Config(format!("{what} must be an http or https URL with a host")));
    }
    Ok(url)
}

/// The default client: rustls, HTTP/1.1 keep-alive pool, [`redirect_policy`].
pub(crate) fn default_client() -> Result<Client, Error> {
    Client::builder().redirect(redirect_policy()).build().map_err(Error::transport)
}

/// Reads the body chunk by chunk, at most `limit` bytes, into one buffer (no second copy).
///
/// A `Content-Length` over the limit fails at once (for an error status, after reading up to
/// [`BODY_HEAD_BYTES`] for the message); a body that passes the limit while streaming fails as
/// soon as it does. Either way the response is dropped unread, which closes the connection.
async fn read_body(response: &mut Response, limit: usize) -> Result<Vec<u8>, Error> {
    let status = response.status();
    let declared = response.content_length();
    let too_large = |head: &[u8]| Error::BodyTooLarge {
        status: status.as_u16(),
        limit,
        declared,
        head: String::from_utf8_lossy(&head[..head.len().min(BODY_HEAD_BYTES)]).into_owned(),
    };
    if let Some(declared) = declared
        && declared > limit as u64
    {
        let mut head = Vec::new();
        while !status.is_success() && head.len() < BODY_HEAD_BYTES {
            match response.chunk().await {
                Ok(Some(chunk)) => head.extend_from_slice(&chunk[..chunk.len().min(BODY_HEAD_BYTES - head.len())]),
                Ok(None) | Err(_) => break,
            }
        }
        return Err(too_large(&head));
    }
    // `declared` is at most `limit` here.
    let mut body = Vec::with_capacity(declared.map_or(0, |n| usize::try_from(n).unwrap_or(0)));
    while let Some(chunk) = response.chunk().await.map_err(Error::transport)? {
        if chunk.len() > limit - body.len() {
            if body.len() < BODY_HEAD_BYTES {
                let wanted = (BODY_HEAD_BYTES - body.len()).min(chunk.len());
                body.extend_from_slice(&chunk[..wanted]);
            }
            return Err(too_large(&body));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// The redirect policy of the default client: a redirect (301, 302, 303, 307, 308) to the same
/// origin (scheme, host and port) as the request is followed, at most 10 in a row; one to
/// another origin is refused, and the request fails with [`Error::RedirectRefused`] without
/// reaching that host. reqwest itself would follow it and strip only the standard
/// credentials (`Authorization`, `Cookie`), not `x-api-key`.
///
/// Use it when you give the builders your own client (`http_client(..)`):
///
/// ```
/// let client = reqwest::Client::builder().redirect(cxwire_http::redirect_policy()).build().unwrap();
/// let v3 = cxwire_http::EngagementV3Client::builder("https://api.example/engagement/v3", "key")
///     .http_client(client)
///     .build()
///     .unwrap();
/// # drop(v3);
/// ```
pub fn redirect_policy() -> Policy {
    Policy::custom(|attempt| {
        let first = attempt.previous().first();
        if first.is_some_and(|first| !same_origin(attempt.url(), first)) {
            let target = display_target(attempt.url());
            attempt.error(CrossOrigin { target })
        } else if attempt.previous().len() > MAX_REDIRECTS {
            attempt.error(TooManyRedirects)
        } else {
            attempt.follow()
        }
    })
}

/// The error [`redirect_policy`] stops a cross-origin redirect with (mapped to
/// [`Error::RedirectRefused`]).
#[derive(Debug)]
pub(crate) struct CrossOrigin {
    pub(crate) target: String,
}

impl fmt::Display for CrossOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "redirect to another origin refused: {}", self.target)
    }
}

impl std::error::Error for CrossOrigin {}

#[derive(Debug)]
struct TooManyRedirects;

impl fmt::Display for TooManyRedirects {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "more than {MAX_REDIRECTS} redirects")
    }
}

impl std::error::Error for TooManyRedirects {}

/// Whether two URLs have the same origin: scheme, host and port (the scheme's default when
/// absent).
pub(crate) fn same_origin(a: &Url, b: &Url) -> bool {
    a.scheme() == b.scheme() && a.host_str() == b.host_str() && a.port_or_known_default() == b.port_or_known_default()
}

/// A URL as shown in errors: without user name and password.
fn display_target(url: &Url) -> String {
    let mut url = url.clone();
    let _ = url.set_username("");
    let _ = url.set_password(None);
    url.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> Url {
        Url::parse(text).unwrap()
    }

    #[test]
    fn origins_compare_scheme_host_and_port() {
        let base = url("https://api.example/engagement/v3/callbacks/create");
        assert!(same_origin(&base, &url("https://api.example:443/other?x=1")));
        assert!(same_origin(&base, &url("https://API.example/moved")));
        assert!(!same_origin(&base, &url("http://api.example/engagement/v3")), "scheme");
        assert!(!same_origin(&base, &url("https://api.example:8443/engagement/v3")), "port");
        assert!(!same_origin(&base, &url("https://evil.example/engagement/v3")), "host");
        assert!(!same_origin(&base, &url("https://api.example.evil.example/")), "suffix");
    }

    #[test]
    fn targets_are_shown_without_credentials() {
        assert_eq!(display_target(&url("https://user:pw@evil.example/x?y=1")), "https://evil.example/x?y=1");
    }
}
