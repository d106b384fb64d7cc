//! The shared HTTP core: one `reqwest::Client` (one connection pool), the per-request timeout,
//! the retry loop and the mapping of answers to results or typed errors.

use std::time::Duration;

use chrono::Utc;
use cxwire_model::http::{engagement_v3, gms_v1};
use reqwest::header::RETRY_AFTER;
use reqwest::{Client, Request, StatusCode, Url};
use serde::de::DeserializeOwned;

use crate::callback::TimeSlot;
use crate::error::{Error, HttpFailure};
use crate::retry::{Idempotency, RetryPolicy, parse_retry_after};

/// Which error body shape to look for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Api {
    GmsV1,
    EngagementV3,
}

#[derive(Clone, Debug)]
pub(crate) struct Transport {
    pub(crate) client: Client,
    pub(crate) timeout: Duration,
    pub(crate) retry: RetryPolicy,
    pub(crate) api: Api,
}

/// A successful exchange: status and body bytes.
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) body: Vec<u8>,
}

impl Reply {
    /// Decodes the body as JSON.
    pub(crate) fn json<T: DeserializeOwned>(&self) -> Result<T, Error> {
        serde_json::from_slice(&self.body).map_err(|e| Error::decode(self.status, &self.body, e))
    }
}

impl Transport {
    /// Sends `request`, retrying as the policy allows, and returns the 2xx answer or the error.
    pub(crate) async fn send(&self, request: Request, idempotency: Idempotency) -> Result<Reply, Error> {
        let mut request = request;
        let mut retry = 0;
        loop {
            let spare = if self.retry.is_enabled() { request.try_clone() } else { None };
            let error = match self.once(request).await {
                Ok(reply) => return Ok(reply),
                Err(error) => error,
            };
            match (spare, self.retry.delay(retry, idempotency, &error)) {
                (Some(next), Some(delay)) => {
                    tokio::time::sleep(delay).await;
                    request = next;
                    retry += 1;
                }
                _ => return Err(error),
            }
        }
    }

    async fn once(&self, request: Request) -> Result<Reply, Error> {
        let exchange = async {
            let response = self.client.execute(request).await?;
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
            let body = response.bytes().await?;
            Ok::<_, reqwest::Error>((status, retry_after, body))
        };
        let (status, retry_after, body) = match tokio::time::timeout(self.timeout, exchange).await {
            Err(_) => return Err(Error::Timeout(self.timeout)),
            Ok(Err(e)) => return Err(Error::transport(e)),
            Ok(Ok(answer)) => answer,
        };
        if status.is_success() {
            Ok(Reply { status: status.as_u16(), body: body.to_vec() })
        } else {
            Err(self.failure(status, retry_after, &body))
        }
    }

    /// Maps a non-2xx answer to its typed error.
    fn failure(&self, status: StatusCode, retry_after: Option<Duration>, body: &[u8]) -> Error {
        let mut failure = Box::new(HttpFailure {
            status: status.as_u16(),
            body: String::from_utf8_lossy(body).into_owned(),
            gms: None,
            v3_status: None,
            retry_after,
        });
        let mut proposed_slots = Vec::new();
        match self.api {
            Api::GmsV1 => {
                failure.gms = serde_json::from_slice::<gms_v1::ErrorBody>(body)
                    .ok()
                    .filter(|b| b.exception.is_some() || b.message.is_some());
            }
            Api::EngagementV3 => {
                if let Ok(answer) = serde_json::from_slice::<engagement_v3::ProposedSlotsResponse>(body) {
                    failure.v3_status = Some(answer.status);
                    if status == StatusCode::TOO_MANY_REQUESTS {
                        let slots = answer.data.and_then(|d| d.slots).unwrap_or_default();
                        // A malformed proposal is dropped; the raw body keeps it.
                        proposed_slots = slots.iter().filter_map(|s| TimeSlot::from_v3(s).ok()).collect();
                    }
                } else if let Ok(answer) = serde_json::from_slice::<engagement_v3::ErrorResponse>(body) {
                    failure.v3_status = Some(answer.status);
                }
            }
        }
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

/// The default client: rustls, HTTP/1.1 keep-alive pool.
pub(crate) fn default_client() -> Result<Client, Error> {
    Client::builder().build().map_err(Error::transport)
}
